/* System-call dispatch: a table indexed by Linux number, unknown calls counted. */
#include <hal/hal.h>
#include <sys/syscall.h>

#define SYSCALL_ENTRY(name) [LINUX_SYS_##name] = sys_##name,

static long (*const table[LINUX_SYS_NR])(SYSCALL_ARGS) = { SYSCALL_LIST(SYSCALL_ENTRY) };

static long dispatch(SYSCALL_ARGS, long nr)
{
	if ((unsigned long)nr < LINUX_SYS_NR && table[nr]) {
		kstats.syscalls++;
		return table[nr](a0, a1, a2, a3, a4, a5);
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

	kstats.traps++;
	if (hal->strace)
		tf->rax = dispatch_traced(tf->rdi, tf->rsi, tf->rdx, tf->r10, tf->r8, tf->r9, nr);
	else
		tf->rax = dispatch(tf->rdi, tf->rsi, tf->rdx, tf->r10, tf->r8, tf->r9, nr);
}
