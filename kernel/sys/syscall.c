/* System-call dispatch: a table indexed by Linux number, unknown calls counted. */
#include <hal/hal.h>
#include <sys/syscall.h>

#define SYSCALL_ENTRY(name) [LINUX_SYS_##name] = sys_##name,

static long (*const table[LINUX_SYS_NR])(SYSCALL_ARGS) = { SYSCALL_LIST(SYSCALL_ENTRY) };

long syscall_dispatch(SYSCALL_ARGS, long nr)
{
	kstats.traps++;
	if ((unsigned long)nr < LINUX_SYS_NR && table[nr]) {
		kstats.syscalls++;
		return table[nr](a0, a1, a2, a3, a4, a5);
	}
	kstats.enosys++;
	kstats.last_enosys = nr;
	return -LINUX_ENOSYS;
}
