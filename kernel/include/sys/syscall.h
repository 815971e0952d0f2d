/* System calls: the Linux x86-64 calls the kernel serves, defined once. */
#ifndef SYS_SYSCALL_H
#define SYS_SYSCALL_H

#include <abi/bootinfo.h>
#include <abi/linux.h>
#include <abi/syscalls.h>
#include <lib/klib.h>

/*
 * Every served call, with how it is entered (abi/syscalls.h): the dispatch
 * table, the fast-path map and the handler prototypes all expand this one
 * list, as nanvixd's --strace does for the names.  Handlers return the
 * result or a negative errno.
 */
#define SYSCALL_LIST(X) NANVIX_SYSCALLS(X)

#define SYSCALL_ARGS                 long a0, long a1, long a2, long a3, long a4, long a5
#define SYSCALL_DECLARE(name, entry) long sys_##name(SYSCALL_ARGS);
SYSCALL_LIST(SYSCALL_DECLARE)

struct trap_frame;
struct file;

/* readv/writev on a socket file (sys_socket.c): one recvmsg/sendmsg of the whole vector. */
long sock_vector_io(struct file *f, uint64_t iov, long cnt, bool writing);

/*
 * The slow entry from syscall_common (entry.S): FRAME calls, unknown
 * numbers and every call while tracing.  The user's registers are in `tf`,
 * the number in tf->error; the result is left in tf->rax.
 */
void syscall_dispatch(struct trap_frame *tf);

/* Read by entry.S: the handlers, which numbers may take the fast path, and a
 * switch sending every call down the slow path (tracing). */
extern long (*const syscall_table[LINUX_SYS_NR])(SYSCALL_ARGS);
extern const uint8_t syscall_fast[LINUX_SYS_NR];
extern uint8_t syscall_slow;

/* Clock bases from the boot info (sys_time.c). */
void clock_init(const struct nanvix_bootinfo *bi);

/* Reload the clocks and the vvar pages' after a restore rewrote `bi`'s bases. */
void clock_restored(const struct nanvix_bootinfo *bi);

/* Nanoseconds since boot (sys_time.c): the scheduler's clock. */
uint64_t clock_uptime_ns(void);

/* Clock `id` in ns since the epoch of that clock; 0 or -EINVAL (sys_time.c). */
long clock_read(long id, uint64_t *ns);

/* The clock bases the vvar pages carry (CLOCK_REALTIME moves with clock_settime). */
void clock_bases(uint64_t *tsc_base, uint64_t *mult, uint64_t *realtime, uint64_t *monotonic);

/*
 * The scheduler-clock deadline `ns` from now, saturating at UINT64_MAX
 * (never): user-given spans may be as long as 2^64 ns.
 */
uint64_t clock_deadline(uint64_t ns);

/*
 * A timeout given as a user struct timespec at `uts` (0: none, *deadline
 * 0) as a scheduler-clock deadline, never 0: a span when `clock` < 0,
 * else an absolute time on that clock.  0, -EFAULT or -EINVAL.
 */
long clock_timeout(uint64_t uts, long clock, uint64_t *deadline);

/* Check a struct timespec and give it as ns (saturating at UINT64_MAX); 0 or -EINVAL. */
long clock_ts_ns(const struct linux_timespec *ts, uint64_t *ns);

/* Read and check a user struct timespec as ns; 0, -EFAULT or -EINVAL. */
long clock_timespec_ns(uint64_t uva, uint64_t *ns);

#endif /* SYS_SYSCALL_H */
