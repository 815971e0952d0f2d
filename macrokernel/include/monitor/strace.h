/* Host-side decoding of guest system calls for `nanvixd --strace`. */
#ifndef MONITOR_STRACE_H
#define MONITOR_STRACE_H

#include <stddef.h>

#include <abi/hypercall.h>
#include <monitor/vm.h>

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

#endif /* MONITOR_STRACE_H */
