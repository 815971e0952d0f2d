/* Host-side decoding of guest system calls for `nanvixd --strace`. */
#ifndef MONITOR_STRACE_H
#define MONITOR_STRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <abi/hypercall.h>

struct vm_mem;

/*
 * Format the traced call `t` the way strace(1) does, e.g.
 * `write(1, "hi\n", 3) = 3` or `open(...) = -1 ENOENT (No such file or
 * directory)`, into buf[n] (always NUL-terminated, ends with a newline).
 * String and buffer arguments are read from user memory through t->cr3,
 * read-only and bounded; unreadable ones print as addresses.  Every field of
 * `t` may be hostile.  Returns the length written.
 */
size_t strace_format(const struct vm_mem *mem, const struct nanvix_hc_strace *t, char *buf,
                     size_t n);

/*
 * What a VM's trace has seen: lines gain a "[pid N] " prefix, as strace -f
 * prints them, once the VM holds more than one process (a call from a
 * second pid, or a fork, vfork or non-thread clone that succeeded).
 */
struct strace_state {
	bool started, multi;
	uint32_t first_pid;
};

/* strace_format with the prefix `st` calls for; updates `st`. */
size_t strace_line(struct strace_state *st, const struct vm_mem *mem,
                   const struct nanvix_hc_strace *t, char *buf, size_t n);

/* The name of call `nr` (served or described), or NULL. */
const char *strace_name(uint64_t nr);

/* Whether call `nr` has argument kinds (every served call should). */
bool strace_described(uint64_t nr);

#endif /* MONITOR_STRACE_H */
