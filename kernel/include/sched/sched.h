/* Threads and the scheduler: run queue, blocking with deadlines, context switch. */
#ifndef SCHED_SCHED_H
#define SCHED_SCHED_H

#include <lib/klib.h>

struct file;
struct proc;
struct trap_frame;

enum thread_state { THREAD_RUNNABLE, THREAD_RUNNING, THREAD_BLOCKED, THREAD_DEAD };

struct thread {
	int tid;
	enum thread_state state;
	struct proc *proc;
	uint64_t ksp;        /* saved kernel RSP while switched out */
	uint64_t kstack_top; /* RSP0 while it runs */
	int slot;            /* kernel-stack slot, -1 for the boot thread */
	uint64_t fs_base;    /* user FS base while switched out */
	uint64_t clear_tid;  /* CLONE_CHILD_CLEARTID / set_tid_address */
	uint64_t robust_list;
	/* Signals aimed at this thread, and the ones it blocks. */
	uint64_t sigpending;
	uint64_t sigmask;
	uint64_t saved_mask; /* sigsuspend: the mask to restore after the handler */
	bool restore_mask;
	/* Blocking: a futex key (physical address) and a deadline (monotonic ns). */
	uint64_t wait_key;
	uint64_t wake_at;             /* 0: no deadline */
	long wait_result;             /* what the blocking call returns when woken */
	struct thread *next;          /* run-queue link */
	struct thread *bnext, *bprev; /* wait-queue links */
	struct thread *tnext, *tprev; /* timed-list links (wake_at set) */
	struct thread *pnext;         /* the next live thread of the same process */
	struct file *held;            /* a file referenced while asleep (file_block) */
	bool no_restart;              /* the -EINTR being returned must not restart (SA_RESTART):
	                                 a socket call with a timeout, as on Linux */
	/* sigaltstack: the alternate signal stack (ss_size 0: none) and its
	 * flags (SS_AUTODISARM); a new thread has none, fork's child its creator's. */
	uint64_t ss_sp, ss_size;
	uint32_t ss_flags;
	uint64_t cpu_ns;    /* time it ran (scheduler clock), up to run_since */
	uint64_t run_since; /* when it was last switched in */
	uint8_t *fx;        /* 512-byte fxsave area, 16-byte aligned, in fx_buf */
	uint8_t fx_buf[512 + 16];
};

extern struct thread *thread_current;

/* Adopt the boot context as thread `tid` of `p`. */
void sched_init(struct proc *p, int tid);

/* Whether one more thread fits the VM's task limit (nanvixd --pids-limit). */
bool sched_task_room(void);

/*
 * A new thread of `p` that starts in ring 3 with the registers of `tf`
 * (a copy), RAX 0, RSP `sp` (0: same as tf), FS base `tls` (0: the
 * caller's), and the caller's FPU state.  Runnable at once.  NULL when no
 * memory or thread slot is left.
 */
struct thread *sched_spawn(struct proc *p, const struct trap_frame *tf, uint64_t sp, uint64_t tls,
                           bool set_tls);

/* The preemption tick arrived (trap.c): let the next runnable thread run. */
void sched_tick(void);

/* Give the CPU to the next runnable thread; the current one stays runnable. */
void sched_yield(void);

/*
 * Block the current thread until sched_wake() or the monotonic deadline
 * `wake_at` (0: none), keyed by `key` for sched_wake_key().  Returns the
 * wake-up result: what the waker passed, or -ETIMEDOUT.
 */
long sched_block(uint64_t key, uint64_t wake_at);

/* Wake thread `t` if it is blocked, with `result` (e.g. -EINTR); true if it was. */
bool sched_wake_thread(struct thread *t, long result);

/* Wake up to `n` threads blocked on `key` with result 0; returns how many. */
int sched_wake_key(uint64_t key, int n);

/* Move up to `n` waiters from `key` to `to` without waking them; returns how many. */
int sched_requeue(uint64_t key, uint64_t to, int n);

/* End the current thread (not the last of its process); does not return. */
__attribute__((noreturn)) void sched_exit_thread(void);

/* Mark every other thread of `p` dead (its process is ending). */
void sched_kill_others(struct proc *p);

/* Some live thread of `p`, or NULL. */
struct thread *sched_any_thread(struct proc *p);

/* The live thread `tid` of `p`, or NULL. */
struct thread *sched_find_thread(struct proc *p, long tid);

/* Threads of `p` not yet dead. */
int sched_live_threads(struct proc *p);

/* A live thread of `p` that does not block `sig`, preferring the current one; or NULL. */
struct thread *sched_thread_for_signal(struct proc *p, int sig);

/* Set once any process arms ITIMER_REAL: the scheduler then checks alarms. */
extern bool sched_alarms_used;

/* A timer (sig/timer.c) is due at `deadline`: make sure a tick comes by then. */
void sched_timer_arm(uint64_t deadline);

/* The process alarm changed: make sure a tick comes by its deadline. */
void sched_timer_update(void);

/* Save the current thread's user FS base (arch_prctl). */
void sched_set_fs(uint64_t base);

/* Context switch (switch.S): save callee-saved registers and RSP, load the other. */
void sched_switch_context(uint64_t *save_ksp, uint64_t load_ksp);

/* CPU time (the scheduler's clock while it ran; one vCPU: no idle time
 * counts) of thread `t`, and of process `p`'s threads, live and ended. */
uint64_t sched_thread_cpu_ns(const struct thread *t);
uint64_t sched_proc_cpu_ns(const struct proc *p);

#endif /* SCHED_SCHED_H */
