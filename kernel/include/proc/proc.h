/* Processes: the user program's address space and lifetime. */
#ifndef PROC_PROC_H
#define PROC_PROC_H

#include <abi/bootinfo.h>
#include <abi/linux.h>
#include <lib/klib.h>

struct file;

enum proc_state { PROC_ALIVE, PROC_ZOMBIE };

/*
 * An address space and its layout.  One per process, except that the
 * processes of a CLONE_VM clone (vfork, posix_spawn) share one; `users`
 * counts them.  From kmalloc; freed with its last user.
 */
struct mm {
	int users;
	uint64_t cr3;         /* physical PML4 */
	uint64_t brk_start;   /* initial break: page-aligned end of the image */
	uint64_t brk;         /* current break */
	uint64_t mmap_next;   /* mmap without a hint allocates below this */
	uint64_t stack_lo;    /* lowest stack page */
	uint64_t stack_floor; /* the stack may grow down to here (mm_stack_grow) */
	/* The space's vvar page (abi/vvar.h), or NULL: there the fast mm path
	 * keeps mmap_next, which is then the one that counts (mm_vvar_attach). */
	struct nanvix_vvar *vvar;
};

struct nanvix_vvar;

/* `vv` is m's vvar page: mmap_next and the break go there (sys/sys_mm.c). */
void mm_vvar_attach(struct mm *m, struct nanvix_vvar *vv);

/*
 * The main stack [lo, hi) the host mapped: it grows on faults down to
 * MM_STACK_MAX below hi (or its own size when larger), as Linux's under its
 * 8 MiB RLIMIT_STACK; mmap allocates below that (sys/sys_mm.c).
 */
#define MM_STACK_MAX (8ull << 20)
void mm_set_stack(struct mm *mm, uint64_t lo, uint64_t hi);

/* A user fault on the unmapped page `addr`: true when it was stack room,
 * now mapped (the access runs again); false otherwise. */
bool mm_stack_grow(uint64_t addr);

/* One per process, in its own frame (copied whole by fork). */
struct proc {
	int pid;
	enum proc_state state;
	int wstatus; /* wait status once a zombie */
	int max_fd;  /* fds[max_fd..] are all free (ints in pairs: the record fills its frame) */
	struct proc *parent; /* NULL for process 1 */
	struct proc *next;   /* all processes */
	int pgid, sid;
	struct thread *threads; /* live threads, linked by pnext */
	int nthreads;
	uint32_t umask;
	uint64_t cr3;   /* physical PML4: mm->cr3 while alive, kept by a zombie */
	struct mm *mm;  /* NULL once a zombie */
	bool owns_root; /* a zombie frees its PML4 when reaped */
	bool autoreap;  /* a zombie no one waits for (SIGCHLD ignored, SA_NOCLDWAIT) */
	bool stopped;   /* job control: stopped by `stop_sig` until SIGCONT */
	uint8_t stop_sig;
	int exit_signal;     /* sent to the parent at exit (clone's low byte), 0: none */
	int vfork_tid;       /* a CLONE_VFORK parent thread sleeping until we exec or exit */
	uint32_t job_report; /* PROC_REPORT_*: a stop or continue the parent may wait for */
	struct file **fds;   /* FD_MAX open files (fd/file.h), one frame */
	uint64_t cloexec[8]; /* FD_CLOEXEC bits of fds */
	struct file *cwd;    /* a remote directory, or NULL: the root */
	uint32_t *fdmap;     /* the fd map in its vvar page (abi/vvar.h), or NULL */
	/* Signals: actions, process-directed pending set and the reasons. */
	struct linux_sigaction actions[LINUX_NSIG];
	uint64_t sigpending;
	struct {
		int code, pid, status;
		bool child; /* sig_info.child */
		uint64_t addr;
	} siginfo[LINUX_NSIG];
	/* ITIMER_REAL: deadline on the scheduler clock (0: off) and period. */
	uint64_t alarm_at;
	uint64_t alarm_interval;
	struct linux_rlimit rlimits[LINUX_RLIM_NLIMITS];
	char name[32];    /* the program's; prctl(PR_SET_NAME) sets the first 15 bytes */
	int sched_policy; /* what sched_setscheduler asked: kept, reported (sys_sched.c) */
	int sched_priority;
	uint64_t cpu_dead_ns;     /* CPU time of its threads that ended */
	uint64_t cpu_children_ns; /* of its children waited for, and theirs */
};

extern struct proc *proc_current;

/* Wait key of a CLONE_VFORK parent thread `tid` (no physical or kernel address looks like it). */
#define PROC_VFORK_KEY(tid) (0x8000000000000000ull | (uint64_t)(uint32_t)(tid))

/* Adopt the process nanvixd built (boot info). */
void proc_init_boot(const struct nanvix_bootinfo *bi);

/*
 * The VM's limits from the host (abi/bootinfo.h), kept from boot: the
 * guest cannot change them.  proc_rlimit_cap is the highest hard value
 * resource `res` may have in the VM (LINUX_RLIM_INFINITY: no cap).
 */
const struct nanvix_boot_limits *proc_limits(void);
uint64_t proc_rlimit_cap(int res);

/* The lowest file descriptor the current process may not use (RLIMIT_NOFILE, at most FD_MAX). */
int proc_fd_limit(void);

/* The current process leaves its address space for exec's new one `mm` (a CLONE_VFORK parent wakes). */
void proc_exec_mm(struct mm *mm);

/* A system process (proc_detach): no parent, and not process 1. */
static inline bool proc_is_system(const struct proc *p)
{
	return !p->parent && p->pid != 1;
}

/* Make `p` a system process: no parent waits for it (the in-VM fs server). */
void proc_detach(struct proc *p);

/*
 * End the current process with exit status `status` (0..255): process 1
 * ends the VM; any other becomes a zombie for its parent's wait.
 */
__attribute__((noreturn)) void proc_exit(int status);

/*
 * Kill the current process with signal `sig` (process 1: VM status
 * 128 + sig), after printing a one-line report made of `fmt` (may be NULL).
 */
__attribute__((noreturn)) void proc_kill(int sig, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

struct trap_frame;

/*
 * A new process from the current one (fork, vfork, clone without
 * CLONE_THREAD), returning 0 in `tf`'s place.  `flags` are clone's, already
 * checked by the caller: CLONE_VM shares the address space (otherwise the
 * host copies it), CLONE_PARENT gives the caller's parent, CLONE_VFORK
 * marks the child as one whose exec or exit wakes the caller, the low byte is
 * the exit signal (the caller then calls proc_vfork_wait).  `sp` (0: the same) and, with CLONE_SETTLS, `tls` set
 * the child's stack and FS base; `ctid` is the child's
 * CLONE_CHILD_SETTID/CLEARTID word.  The child's pid or -errno.
 */
long proc_clone(const struct trap_frame *tf, uint64_t flags, uint64_t sp, uint64_t tls,
                uint64_t ctid);

/*
 * The CLONE_VFORK parent's sleep after proc_clone: until child `cpid`
 * execs or exits, or this thread gets SIGKILL.  Other signals wait.
 */
void proc_vfork_wait(long cpid);

/*
 * execve: replace the current process's program with `path` from the
 * program images (built on the host), keeping its pid, files (but
 * close-on-exec ones) and ignored signals.  On success `tf` starts the new
 * program and 0 is returned; on failure -errno and nothing changed.
 */
long proc_exec(struct trap_frame *tf, uint64_t path, uint64_t argv, uint64_t envp);

/*
 * wait4: reap a zombie child matching `pid` (Linux rules: > 0, -1, 0,
 * < -1 for a group), storing its status; the pid, 0 (WNOHANG), -ECHILD or
 * -EINTR.
 */
long proc_wait(long pid, int *wstatus,
               long options);            /* options: wait4's, WNOWAIT, PROC_WAIT_NO_EXITS */
#define PROC_WAIT_NO_EXITS    0x10000000 /* waitid without WEXITED: ended children are not reported */
#define PROC_REPORT_STOPPED   1u
#define PROC_REPORT_CONTINUED 2u

/*
 * Job control.  proc_stop: the current process stops on `sig` (its parent
 * is told: SIGCHLD with CLD_STOPPED unless SA_NOCLDSTOP, and its wait);
 * the calling thread then sleeps until SIGCONT or a pending SIGKILL, as
 * does every other thread on its way back to ring 3 (proc_stop_wait).
 * proc_continue: SIGCONT was sent to `p`.
 */
void proc_stop(int sig);
void proc_stop_wait(void);
void proc_continue(struct proc *p);

/*
 * Publish `p` in its vvar page (ring-3 getpid, the fd map) if it is its
 * address space's only user, else mark the page shared (every call traps).
 */
void proc_vvar_update(struct proc *p);

/* Rewrite the clock fields of every process's vvar page (after a restore). */
void proc_vvar_clocks(uint64_t tsc_base, uint64_t tsc_mult, uint64_t realtime, uint64_t monotonic);

/* The process `pid`, or NULL. */
struct proc *proc_find(long pid);

/* Send `sig` to process `p` (any of its threads), as from the current process. */
void proc_signal_value(struct proc *p, int sig, int code, uint64_t value); /* sigqueue's */
void proc_signal(struct proc *p, int sig, int code);

/*
 * Take the signals nanvixd forwarded (bootinfo.host_signals) and send them
 * to process 1, as from outside the VM (SI_USER, pid 0).  Bits other than
 * NANVIX_HOST_SIGNALS are dropped.  Cheap when there are none: called on
 * every tick, idle wake-up and interrupted console read.
 */
void proc_host_signals(void);

/* Every process, for iteration. */
extern struct proc *proc_list;

/* Name of a signal ("SIGSEGV"), or "signal N" in buf. */
const char *proc_signame(int sig, char *buf, size_t n);

#endif /* PROC_PROC_H */
