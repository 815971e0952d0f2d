/* The user process: adoption from boot info, exit and kill with a report. */
#include <abi/hypercall.h>
#include <fd/file.h>
#include <hal/hal.h>
#include <mm/frame.h>
#include <proc/proc.h>
#include <sched/sched.h>

/* Gap kept free between the stack and the first mmap. */
#define STACK_GAP (1ull << 20)

static struct proc boot_proc;
struct proc *proc_current;

void proc_init_boot(const struct nanvix_bootinfo *bi)
{
	struct proc *p = &boot_proc;

	p->pid = 1;
	p->cr3 = bi->cr3;
	p->brk_start = p->brk = bi->brk;
	p->stack_lo = bi->stack_lo;
	p->mmap_next = bi->stack_lo - STACK_GAP;
	if (fd_init(p) < 0)
		panic("no memory for the first process's file table");
	p->umask = 022;
	for (unsigned i = 0; i < LINUX_RLIM_NLIMITS; i++)
		p->rlimits[i].rlim_cur = p->rlimits[i].rlim_max = LINUX_RLIM_INFINITY;
	/* The stack cannot grow: its limit is what nanvixd mapped. */
	p->rlimits[LINUX_RLIMIT_STACK].rlim_cur = bi->stack_hi - bi->stack_lo;
	p->rlimits[LINUX_RLIMIT_STACK].rlim_max = bi->stack_hi - bi->stack_lo;
	p->rlimits[LINUX_RLIMIT_NOFILE].rlim_cur = FD_MAX;
	p->rlimits[LINUX_RLIMIT_NOFILE].rlim_max = FD_MAX;
	p->rlimits[LINUX_RLIMIT_CORE].rlim_cur = 0;
	memcpy(p->name, bi->name, sizeof(p->name));
	p->name[sizeof(p->name) - 1] = '\0';
	proc_current = p;
	sched_init(p, p->pid);
}

void proc_exit(int status)
{
	hal->exit(status & 0xff);
}

const char *proc_signame(int sig, char *buf, size_t n)
{
	static const char *const names[] = {
		[1] = "SIGHUP",   [2] = "SIGINT",   [3] = "SIGQUIT",  [4] = "SIGILL",
		[5] = "SIGTRAP",  [6] = "SIGABRT",  [7] = "SIGBUS",   [8] = "SIGFPE",
		[9] = "SIGKILL",  [10] = "SIGUSR1", [11] = "SIGSEGV", [12] = "SIGUSR2",
		[13] = "SIGPIPE", [14] = "SIGALRM", [15] = "SIGTERM",
	};

	if (sig > 0 && (size_t)sig < ARRAY_SIZE(names) && names[sig])
		return names[sig];
	ksnprintf(buf, n, "signal %d", sig);
	return buf;
}

void proc_kill(int sig, const char *fmt, ...)
{
	char line[256], sname[16];
	int n = ksnprintf(line, sizeof(line), "nanvix: %s[%d]: ", proc_current->name,
	                  proc_current->pid);

	if (fmt) {
		va_list ap;

		va_start(ap, fmt);
		n += kvsnprintf(line + n, sizeof(line) - n, fmt, ap);
		va_end(ap);
		if (n < (int)sizeof(line))
			n += ksnprintf(line + n, sizeof(line) - n, "; ");
	}
	if (n < (int)sizeof(line))
		n += ksnprintf(line + n, sizeof(line) - n, "killed by %s\n",
		               proc_signame(sig, sname, sizeof(sname)));
	hal->log(line, n < (int)sizeof(line) ? (size_t)n : sizeof(line) - 1);
	hal->exit(128 + sig);
}
