/* System-call dispatch: a table indexed by Linux number, unknown calls counted. */
/*
 * Most calls never reach this file's code: entry.S calls syscall_table[nr]
 * directly when syscall_fast[nr] says so (about 35 emulated instructions in
 * all).  The rest come through syscall_dispatch() with a full frame.
 */
#include <hal/hal.h>
#include <sig/signal.h>
#include <sys/syscall.h>

#define TABLE_ENTRY(name, entry) [LINUX_SYS_##name] = sys_##name,
#define FAST_ENTRY(name, entry)  [LINUX_SYS_##name] = SYSCALL_ENTRY_##entry,
#define SYSCALL_ENTRY_FAST       1
#define SYSCALL_ENTRY_FRAME      0

long (*const syscall_table[LINUX_SYS_NR])(SYSCALL_ARGS) = { SYSCALL_LIST(TABLE_ENTRY) };
const uint8_t syscall_fast[LINUX_SYS_NR] = { SYSCALL_LIST(FAST_ENTRY) };
uint8_t syscall_slow;

static long dispatch(SYSCALL_ARGS, long nr)
{
	if ((unsigned long)nr < LINUX_SYS_NR && syscall_table[nr]) {
		kstats.syscalls++;
		return syscall_table[nr](a0, a1, a2, a3, a4, a5);
	}
	kstats.enosys++;
	kstats.last_enosys = nr;
	return -LINUX_ENOSYS;
}

/* The slow path of --strace: report around the call. */
static long dispatch_traced(SYSCALL_ARGS, long nr)
{
	const long args[6] = { a0, a1, a2, a3, a4, a5 };
	long ret;

	if (nr == LINUX_SYS_exit || nr == LINUX_SYS_exit_group)
		hal->strace(nr, args, 0, true);
	ret = dispatch(a0, a1, a2, a3, a4, a5, nr);
	hal->strace(nr, args, ret, false);
	return ret;
}

void syscall_dispatch(struct trap_frame *tf)
{
	long nr = (long)tf->error;

	if (hal->strace)
		tf->rax = dispatch_traced(tf->rdi, tf->rsi, tf->rdx, tf->r10, tf->r8, tf->r9, nr);
	else
		tf->rax = dispatch(tf->rdi, tf->rsi, tf->rdx, tf->r10, tf->r8, tf->r9, nr);
	if (signal_work || (int64_t)tf->rax == -LINUX_EINTR)
		signal_deliver(tf); /* -EINTR with nothing due: restarted there */
}
