/* Processes: the first one from boot info, fork, exit into zombies, wait, kill reports. */
/*
 * Process 1 is the program nanvixd started; the VM lives as long as it
 * does and ends with its status.  fork copies the address space on the
 * host (NANVIX_HC_FORK: every page copied natively, one exit), because a
 * ring-0 copy costs ~2 ms a page here and copy-on-write faults ~350 us
 * each (docs/decisions/0002-fork-by-host-copy.md).  A process that exits
 * gives back its memory and files at once and stays a zombie (its frame
 * and PML4) until its parent waits for it.
 */
#include <abi/bootinfo.h>
#include <abi/hypercall.h>
#include <abi/vvar.h>
#include <fd/file.h>
#include <fd/lock.h>
#include <hal/hal.h>
#include <ipc/server.h>
#include <mm/fmap.h>
#include <mm/frame.h>
#include <mm/heap.h>
#include <mm/vmem.h>
#include <net/netd.h>
#include <proc/proc.h>
#include <sched/sched.h>
#include <sig/signal.h>
#include <sys/syscall.h>

_Static_assert(sizeof(struct proc) <= PAGE_SIZE, "struct proc fits its frame");

struct proc *proc_current;

static void reap_unwanted(struct proc *parent);
struct proc *proc_list;

/*
 * Tell ring 3 (the vvar page, abi/vvar.h) who `p` is: its pid and where its
 * fd map is, when `p` is the only user of its address space.  A shared
 * space (a CLONE_VM child and its parent) is marked so that every call
 * traps, and no process writes its fd map there.
 */
void proc_vvar_update(struct proc *p)
{
	uint64_t pa = vmem_translate(p->cr3, NANVIX_VVAR_VA);
	struct nanvix_vvar *vv;

	p->fdmap = NULL;
	if (p->mm)
		p->mm->vvar = NULL;
	if (!pa)
		return;
	vv = P2V(pa);
	if (p->mm)
		mm_vvar_attach(p->mm, vv);
	if (p->mm->users > 1) {
		vv->flags |= NANVIX_VVAR_SHARED;
		return;
	}
	vv->flags &= ~NANVIX_VVAR_SHARED;
	vv->pid = (uint32_t)p->pid;
	/* The kernel's clock bases, not the host's at the space's making: the
	 * VM's realtime may have been set (clock_settime). */
	clock_bases(&vv->tsc_base, &vv->tsc_mult, &vv->clock_base_ns[0], &vv->clock_base_ns[1]);
	p->fdmap = (uint32_t *)((uint8_t *)vv + NANVIX_VVAR_FDMAP);
}

void proc_vvar_clocks(uint64_t tsc_base, uint64_t tsc_mult, uint64_t realtime, uint64_t monotonic)
{
	for (struct proc *p = proc_list; p; p = p->next) {
		uint64_t pa = p->state == PROC_ALIVE && p->mm
		                      ? vmem_translate(p->cr3, NANVIX_VVAR_VA)
		                      : 0;
		struct nanvix_vvar *vv;

		if (!pa)
			continue;
		vv = P2V(pa);
		vv->tsc_base = tsc_base;
		vv->tsc_mult = tsc_mult;
		vv->clock_base_ns[0] = realtime;
		vv->clock_base_ns[1] = monotonic;
	}
}

/*
 * `p` is left alone in a space it shared.  If the page was another
 * process's (a CLONE_VM parent that exited before its child), its fd map
 * is that process's: rewrite it from `p`'s table.  After a vfork the page
 * is still the parent's own and nothing is rewritten.
 */
static void vvar_adopt(struct proc *p)
{
	uint64_t pa = vmem_translate(p->cr3, NANVIX_VVAR_VA);
	bool own = pa && ((struct nanvix_vvar *)P2V(pa))->pid == (uint32_t)p->pid;
	int fd;

	proc_vvar_update(p);
	if (own || !p->fdmap)
		return;
	for (fd = 0; fd < NANVIX_VVAR_FDMAP_COUNT; fd++)
		if (fd < p->max_fd && p->fds[fd])
			fd_publish(p, fd);
		else
			p->fdmap[fd] = 0;
}

/* The process left (exec or exit) its address space `mm`; true if it was the last user. */
static bool mm_leave(struct proc *p, struct mm *mm)
{
	struct proc *q;

	p->mm = NULL;
	if (--mm->users == 0) {
		kfree(mm);
		return true;
	}
	if (mm->users == 1)
		for (q = proc_list; q; q = q->next)
			if (q->mm == mm && q->state == PROC_ALIVE && q != p)
				vvar_adopt(q);
	return false;
}

/* Wake the CLONE_VFORK parent of `p` (it execs or exits). */
static void vfork_release(struct proc *p)
{
	if (p->vfork_tid) {
		sched_wake_key(PROC_VFORK_KEY(p->vfork_tid), 64);
		p->vfork_tid = 0;
	}
}

/* A zeroed process record in a frame of its own, or NULL. */
static struct proc *proc_alloc(void)
{
	uint64_t pa = mm_frame_alloc();

	return pa ? P2V(pa) : NULL;
}

static struct nanvix_boot_limits vm_limits;

const struct nanvix_boot_limits *proc_limits(void)
{
	return &vm_limits;
}

uint64_t proc_rlimit_cap(int res)
{
	if (res == LINUX_RLIMIT_NOFILE)
		return vm_limits.nofile_max && vm_limits.nofile_max < FD_MAX ? vm_limits.nofile_max
		                                                             : FD_MAX;
	if (res == LINUX_RLIMIT_CPU && vm_limits.cpu_max)
		return vm_limits.cpu_max;
	return LINUX_RLIM_INFINITY;
}

int proc_fd_limit(void)
{
	uint64_t cur = proc_current->rlimits[LINUX_RLIMIT_NOFILE].rlim_cur;

	return cur < FD_MAX ? (int)cur : FD_MAX;
}

void proc_init_boot(const struct nanvix_bootinfo *bi)
{
	struct proc *p = proc_alloc();
	struct mm *mm = kmalloc(sizeof(*mm));
	unsigned i;

	if (!p || !mm || fd_init(p) < 0)
		panic("no memory for the first process");
	p->pid = p->pgid = p->sid = 1;
	p->max_fd = 3;
	p->cr3 = mm->cr3 = bi->cr3;
	p->mm = mm;
	mm->users = 1;
	mm->vvar = NULL;
	mm->brk_start = mm->brk = bi->brk;
	mm_set_stack(mm, bi->stack_lo, bi->stack_hi);
	p->exit_signal = LINUX_SIGCHLD;
	p->umask = 022;
	for (i = 0; i < LINUX_RLIM_NLIMITS; i++)
		p->rlimits[i].rlim_cur = p->rlimits[i].rlim_max = LINUX_RLIM_INFINITY;
	/* What nanvixd mapped: glibc sizes its threads' stacks by this, and
	 * they are mapped up front (the main stack still grows to MM_STACK_MAX). */
	p->rlimits[LINUX_RLIMIT_STACK].rlim_cur = bi->stack_hi - bi->stack_lo;
	p->rlimits[LINUX_RLIMIT_STACK].rlim_max = bi->stack_hi - bi->stack_lo;
	/* The host's limits, checked here once: the boot info is the host's word. */
	vm_limits = bi->limits;
	if (vm_limits.nofile_cur > vm_limits.nofile_max)
		vm_limits.nofile_cur = vm_limits.nofile_max;
	if (vm_limits.cpu_cur > vm_limits.cpu_max)
		vm_limits.cpu_cur = vm_limits.cpu_max;
	p->rlimits[LINUX_RLIMIT_NOFILE].rlim_max = proc_rlimit_cap(LINUX_RLIMIT_NOFILE);
	p->rlimits[LINUX_RLIMIT_NOFILE].rlim_cur =
	        vm_limits.nofile_cur && vm_limits.nofile_cur < FD_MAX
	                ? vm_limits.nofile_cur
	                : p->rlimits[LINUX_RLIMIT_NOFILE].rlim_max;
	if (vm_limits.cpu_max) {
		p->rlimits[LINUX_RLIMIT_CPU].rlim_max = vm_limits.cpu_max;
		p->rlimits[LINUX_RLIMIT_CPU].rlim_cur =
		        vm_limits.cpu_cur ? vm_limits.cpu_cur : vm_limits.cpu_max;
	}
	p->rlimits[LINUX_RLIMIT_CORE].rlim_cur = 0;
	memcpy(p->name, bi->name, sizeof(p->name));
	p->name[sizeof(p->name) - 1] = '\0';
	proc_list = p;
	proc_current = p;
	proc_vvar_update(p);
	sched_init(p, p->pid);
	timer_rlimit_cpu(p);
}

struct proc *proc_find(long pid)
{
	struct proc *p;

	for (p = proc_list; p; p = p->next)
		if (p->pid == pid)
			return p;
	return NULL;
}

/* Send with full details. */
static void signal_proc(struct proc *p, int sig, const struct sig_info *info)
{
	struct thread *t;

	if (p->state != PROC_ALIVE)
		return;
	t = sched_thread_for_signal(p, sig);
	if (!t)
		t = sched_find_thread(p, p->pid);
	if (!t)
		t = sched_any_thread(p);
	if (t)
		signal_send(t, sig, false, info);
}

static uint64_t key_child(struct proc *p)
{
	return (uint64_t)p + 5;
}

static uint64_t key_stop(struct proc *p)
{
	return (uint64_t)p + 7;
}

/* Tell `p`'s parent a stop or a continue (SIGCHLD unless SA_NOCLDSTOP) and wake its waits. */
static void job_notify(struct proc *p, int code, int status)
{
	struct proc *parent = p->parent;

	if (!parent)
		return;
	if (!(parent->actions[LINUX_SIGCHLD - 1].flags & LINUX_SA_NOCLDSTOP))
		signal_proc(parent, LINUX_SIGCHLD,
		            &(struct sig_info){
		                    .code = code, .pid = p->pid, .status = status, .child = true });
	sched_wake_key(key_child(parent), 64);
}

void proc_stop_wait(void)
{
	struct proc *p = proc_current;

	while (p->stopped &&
	       !((thread_current->sigpending | p->sigpending) & SIG_BIT(LINUX_SIGKILL)))
		sched_block(key_stop(p), 0);
}

void proc_stop(int sig)
{
	struct proc *p = proc_current;

	if (!p->stopped) {
		p->stopped = true;
		p->stop_sig = (uint8_t)sig;
		p->job_report = PROC_REPORT_STOPPED;
		job_notify(p, LINUX_CLD_STOPPED, sig);
	}
	proc_stop_wait();
}

void proc_continue(struct proc *p)
{
	if (!p->stopped)
		return;
	p->stopped = false;
	p->job_report = PROC_REPORT_CONTINUED;
	job_notify(p, LINUX_CLD_CONTINUED, LINUX_SIGCONT);
	sched_wake_key(key_stop(p), 1 << 20); /* every thread */
}

void proc_signal_value(struct proc *p, int sig, int code, uint64_t value)
{
	signal_proc(p, sig,
	            &(struct sig_info){ .code = code, .pid = proc_current->pid, .addr = value });
}

void proc_signal(struct proc *p, int sig, int code)
{
	signal_proc(p, sig, &(struct sig_info){ .code = code, .pid = proc_current->pid });
}

void proc_host_signals(void)
{
	uint64_t bits = hal->host_signals ? hal->host_signals() & NANVIX_HOST_SIGNALS : 0;
	struct proc *init = bits ? proc_find(1) : NULL;

	while (init && bits) {
		int sig = __builtin_ctzll(bits) + 1;

		bits &= bits - 1;
		signal_proc(init, sig, &(struct sig_info){ .code = LINUX_SI_USER, .pid = 0 });
	}
}

/* Wait key of a process's wait4 callers. */

/* Give back a private address space and its record. */
static void mm_drop_copy(struct mm *mm)
{
	vmem_free_user(mm->cr3);
	mm_frame_free(mm->cr3);
	kfree(mm);
}

/* A new address space: a host copy of the current one; NULL when memory ran out. */
static struct mm *mm_copy(void)
{
	struct mm *from = proc_current->mm, *mm = kmalloc(sizeof(*mm));
	struct nanvix_frames_lent lent;
	struct frame_batch batch;
	int64_t rc;

	if (!mm)
		return NULL;
	*mm = *from;
	mm->vvar = NULL; /* the child's own page, once proc_vvar_update finds it */
	mm->users = 1;
	mm->cr3 = vmem_space_new(from->cr3);
	if (!mm->cr3) {
		kfree(mm);
		return NULL;
	}
	mm_frame_batch(&batch, &lent);
	rc = hal->fork_aspace(from->cr3, mm->cr3, &lent);
	mm_frame_batch_commit(&batch, &lent);
	if (rc < 0) {
		mm_drop_copy(mm);
		return NULL;
	}
	fmap_fork(from->cr3, mm->cr3);
	return mm;
}

void proc_vfork_wait(long cpid)
{
	struct thread *t = thread_current;
	struct proc *c;

	while ((c = proc_find(cpid)) && c->vfork_tid == t->tid) {
		sched_block(PROC_VFORK_KEY(t->tid), 0);
		if ((t->sigpending | proc_current->sigpending) & SIG_BIT(LINUX_SIGKILL)) {
			if ((c = proc_find(cpid)) && c->vfork_tid == t->tid)
				c->vfork_tid = 0;
			return;
		}
	}
}

long proc_clone(const struct trap_frame *tf, uint64_t flags, uint64_t sp, uint64_t tls,
                uint64_t ctid)
{
	struct proc *parent = proc_current, *child;
	bool share = flags & LINUX_CLONE_VM;
	struct mm *mm = NULL;
	struct thread *t;
	uint64_t fds;
	uint32_t tid;
	int fd;

	if (!hal->fork_aspace && !share)
		return -LINUX_ENOSYS;
	reap_unwanted(parent); /* their records first: a parent that never waits leaks none */
	if (!sched_task_room())
		return -LINUX_EAGAIN; /* the VM's --pids-limit */
	if (parent->rlimits[LINUX_RLIMIT_CPU].rlim_cur != LINUX_RLIM_INFINITY && !timer_slot_free())
		return -LINUX_EAGAIN; /* no timer to enforce the child's RLIMIT_CPU */
	child = proc_alloc();
	fds = child ? mm_frame_alloc() : 0;
	if (fds)
		mm = share ? parent->mm : mm_copy();
	if (!mm)
		goto out_nomem;
	/* The record: one native copy. */
	hal->copy(0, V2P(child), 0, V2P(parent), sizeof(*parent));
	child->threads = NULL;
	child->nthreads = 0;
	child->mm = mm;
	child->cr3 = mm->cr3;
	t = sched_spawn(child, tf, sp, tls, flags & LINUX_CLONE_SETTLS);
	if (!t) {
		if (!share)
			mm_drop_copy(mm);
		goto out_nomem;
	}
	if (share)
		mm->users++;
	t->sigmask = thread_current->sigmask;
	tid = (uint32_t)t->tid;
	child->pid = t->tid;
	child->state = PROC_ALIVE;
	child->parent = flags & LINUX_CLONE_PARENT ? parent->parent : parent;
	/* A sibling (CLONE_PARENT) ends with the caller's exit signal, as on Linux. */
	child->exit_signal =
	        flags & LINUX_CLONE_PARENT ? parent->exit_signal : (int)(flags & LINUX_CSIGNAL);
	child->vfork_tid = flags & LINUX_CLONE_VFORK ? thread_current->tid : 0;
	child->sigpending = 0;
	child->alarm_at = child->alarm_interval = 0;
	child->cpu_dead_ns = child->cpu_children_ns = 0; /* the record is the parent's copy */
	child->autoreap = child->stopped = false;
	child->job_report = 0;
	child->fds = P2V(fds);
	for (fd = 0; fd < parent->max_fd; fd++)
		if ((child->fds[fd] = parent->fds[fd]))
			file_get(child->fds[fd]);
	if ((child->cwd = parent->cwd))
		file_get(child->cwd);
	child->next = proc_list;
	proc_list = child;
	timer_rlimit_cpu(child); /* RLIMIT_CPU is inherited, counting from 0 */
	proc_vvar_update(child);
	if (share)
		proc_vvar_update(parent);
	/* The tid words: the parent's in its memory, the child's in the child's. */
	if (flags & LINUX_CLONE_CHILD_CLEARTID)
		t->clear_tid = ctid;
	if (flags & LINUX_CLONE_CHILD_SETTID) {
		uint64_t pa = vmem_translate(mm->cr3, ctid);

		if (pa) /* checked aligned by the caller: within one page */
			*(uint32_t *)P2V(pa) = tid;
	}
	return tid;

out_nomem:
	if (fds)
		mm_frame_free(fds);
	if (child)
		mm_frame_free(V2P(child));
	return -LINUX_EAGAIN;
}

/* End the current process with wait status `wstatus`; never returns. */
__attribute__((noreturn)) static void terminate(int wstatus)
{
	struct proc *p = proc_current, *q, *init = proc_find(1);
	int fd;

	if (p->pid == 1) {
		/* The VM is the first process: its status in shell convention. */
		netd_drain();
		hal->exit((wstatus & 0x7f) ? 128 + (wstatus & 0x7f) : (wstatus >> 8) & 0xff);
	}
	sched_kill_others(p);
	server_proc_gone(p);
	vfork_release(p);
	for (fd = 0; fd < p->max_fd; fd++)
		if (p->fds[fd])
			fd_close(fd);
	lock_proc_gone(p);
	timer_proc_gone(p, false);
	mm_frame_free(V2P(p->fds));
	p->fds = NULL;
	if (p->cwd)
		file_put(p->cwd);
	p->cwd = NULL;
	p->max_fd = 0;
	if (p->mm->users == 1)
		fmap_space_gone(p->cr3);
	p->owns_root = mm_leave(p, p->mm);
	if (p->owns_root)
		vmem_free_user(p->cr3);
	for (q = proc_list; q; q = q->next)
		if (q->parent == p) {
			/* As Linux: process 1 gets SIGCHLD from an adopted child, never another signal. */
			q->parent = init;
			q->exit_signal = LINUX_SIGCHLD;
			if (q->state == PROC_ZOMBIE)
				sched_wake_key(key_child(init), 64);
		}
	p->wstatus = wstatus;
	p->state = PROC_ZOMBIE;
	p->alarm_at = 0;
	if (p->parent && p->exit_signal == LINUX_SIGCHLD) {
		const struct linux_sigaction *sa = &p->parent->actions[LINUX_SIGCHLD - 1];

		/* No zombie for a parent that ignores SIGCHLD or set SA_NOCLDWAIT:
		 * freed when the parent next waits or forks (this record is still
		 * in use until this thread switches away). */
		p->autoreap = sa->handler == LINUX_SIG_IGN || (sa->flags & LINUX_SA_NOCLDWAIT);
	}
	if (p->parent) {
		struct sig_info info = {
			.code = (wstatus & 0x7f) ? LINUX_CLD_KILLED : LINUX_CLD_EXITED,
			.pid = p->pid,
			.status = (wstatus & 0x7f) ? (wstatus & 0x7f) : (wstatus >> 8) & 0xff,
			.child = true,
		};

		if (p->exit_signal)
			signal_proc(p->parent, p->exit_signal, &info);
		sched_wake_key(key_child(p->parent), 64);
	}
	sched_exit_thread();
}

void proc_exec_mm(struct mm *mm)
{
	struct proc *p = proc_current;
	struct mm *old = p->mm;
	uint64_t old_cr3 = p->cr3;

	vfork_release(p);
	if (old->users == 1)
		fmap_space_gone(old_cr3); /* while it is still the current space */
	p->cr3 = mm->cr3;
	hal_write_cr3(mm->cr3);
	if (mm_leave(p, old)) {
		vmem_free_user(old_cr3);
		mm_frame_free(old_cr3 & PTE_ADDR);
	}
	p->mm = mm;
	p->owns_root = false;
	proc_vvar_update(p);
}

void proc_detach(struct proc *p)
{
	p->parent = NULL;
}

void proc_exit(int status)
{
	terminate((status & 0xff) << 8);
}

/* Free a zombie's last pieces: its page-table root and its record. */
static void reap(struct proc *z)
{
	struct proc **pp;

	/* Its threads all ended (a zombie): its time and its children's,
	 * when waited for (as Linux counts them). */
	if (z->parent && !z->autoreap)
		z->parent->cpu_children_ns += z->cpu_dead_ns + z->cpu_children_ns;

	for (pp = &proc_list; *pp; pp = &(*pp)->next)
		if (*pp == z) {
			*pp = z->next;
			break;
		}
	if (z->owns_root)
		mm_frame_free(z->cr3 & PTE_ADDR);
	mm_frame_free(V2P(z));
}

/* Free the zombies of `parent` no one will wait for (autoreap). */
static void reap_unwanted(struct proc *parent)
{
	struct proc *q, *next;

	for (q = proc_list; q; q = next) {
		next = q->next;
		if (q->parent == parent && q->state == PROC_ZOMBIE && q->autoreap)
			reap(q);
	}
}

static bool wait_match(const struct proc *q, long pid, long options)
{
	/* A "clone" child (exit signal other than SIGCHLD) waits for __WCLONE, and the reverse. */
	bool clone_child = q->exit_signal != LINUX_SIGCHLD;

	if (!(options & LINUX_WALL) && clone_child != !!(options & LINUX_WCLONE))
		return false;
	if (pid > 0)
		return q->pid == pid;
	if (pid == -1)
		return true;
	if (pid == 0)
		return q->pgid == proc_current->pgid;
	return q->pgid == -pid;
}

long proc_wait(long pid, int *wstatus, long options)
{
	bool interrupted = false;

	for (;;) {
		struct proc *q;
		bool have = false;

		reap_unwanted(proc_current);
		for (q = proc_list; q; q = q->next) {
			if (q->parent != proc_current || !wait_match(q, pid, options))
				continue;
			have = true;
			/* Stops and continues first: a zombie stays to be waited for. */
			if ((options & LINUX_WUNTRACED) && (q->job_report & PROC_REPORT_STOPPED) &&
			    q->state != PROC_ZOMBIE) {
				*wstatus = q->stop_sig << 8 | 0x7f;
				if (!(options & LINUX_WNOWAIT))
					q->job_report &= ~PROC_REPORT_STOPPED;
				return q->pid;
			}
			if ((options & LINUX_WCONTINUED) &&
			    (q->job_report & PROC_REPORT_CONTINUED) && q->state != PROC_ZOMBIE) {
				*wstatus = 0xffff;
				if (!(options & LINUX_WNOWAIT))
					q->job_report &= ~PROC_REPORT_CONTINUED;
				return q->pid;
			}
			if (q->state == PROC_ZOMBIE && !(options & PROC_WAIT_NO_EXITS)) {
				long cpid = q->pid;

				*wstatus = q->wstatus;
				if (!(options &
				      LINUX_WNOWAIT)) /* waitid's: left to be waited for again */
					reap(q);
				return cpid;
			}
		}
		if (!have)
			return -LINUX_ECHILD;
		if (interrupted)
			return -LINUX_EINTR; /* a signal came and no child had ended */
		if (options & LINUX_WNOHANG)
			return 0;
		/* A child's exit both wakes us and may signal us: look once more first. */
		interrupted = sched_block(key_child(proc_current), 0) == -LINUX_EINTR;
	}
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
	/*
	 * Reported as a shell would: only faults and the first process say
	 * why, and, as in bash, nothing for SIGINT (Ctrl-C) or SIGPIPE (a
	 * reader that went away, `prog | head`).
	 */
	if (fmt || (proc_current->pid == 1 && sig != LINUX_SIGINT && sig != LINUX_SIGPIPE)) {
		if (n < (int)sizeof(line))
			n += ksnprintf(line + n, sizeof(line) - n, "killed by %s\n",
			               proc_signame(sig, sname, sizeof(sname)));
		hal->log(line, n < (int)sizeof(line) ? (size_t)n : sizeof(line) - 1);
	}
	terminate(sig & 0x7f);
}
