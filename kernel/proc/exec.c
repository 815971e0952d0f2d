/* execve: a new program in the calling process, loaded by the host. */
#include <abi/fsd.h>
#include <abi/hypercall.h>
#include <fd/file.h>
#include <hal/hal.h>
#include <ipc/server.h>
#include <mm/frame.h>
#include <mm/heap.h>
#include <mm/vmem.h>
#include <fd/remote.h>
#include <proc/proc.h>
#include <sched/sched.h>
#include <sig/signal.h>

/* The FPU state of a fresh program: x87 control 0x37f, MXCSR 0x1f80. */
static const uint8_t fpu_init[512] __attribute__((aligned(16))) = {
	[0] = 0x7f,
	[1] = 0x03,
	[24] = 0x80,
	[25] = 0x1f,
};

/* The host builds the program in x->dst_cr3 with frames lent for the call. */
static long exec_host(struct nanvix_hc_exec *x)
{
	struct frame_batch batch;
	long rc;

	mm_frame_batch(&batch, &x->frames);
	rc = hal->exec(x);
	mm_frame_batch_commit(&batch, &x->frames);
	return rc;
}

/*
 * Guest placement: a program on the VM's disk.  The in-VM fs server reads
 * it into its own memory (NANVIX_FSD_LOAD resolves the path against the
 * caller's cwd, with the caller's path string), the host loads it from
 * there, and the server frees it.
 */
static long exec_stored(struct nanvix_hc_exec *x)
{
	uint64_t a[5] = { x->cwd, x->path };
	uint64_t addr;
	long len, rc;

	len = server_call(SERVER_FS, NANVIX_FSD_LOAD, x->cr3, a, &addr);
	if (len < 0)
		return len;
	x->image_cr3 = server_cr3(SERVER_FS);
	x->image = addr;
	x->image_len = (uint64_t)len;
	rc = x->image_cr3 ? exec_host(x) : -LINUX_EIO;
	a[0] = addr;
	server_call(SERVER_FS, NANVIX_FSD_UNLOAD, x->cr3, a, NULL);
	return rc;
}

long proc_exec(struct trap_frame *tf, uint64_t path, uint64_t argv, uint64_t envp)
{
	struct proc *p = proc_current;
	struct nanvix_hc_exec x;
	struct mm *mm;
	uint64_t pml4;
	long rc;
	int i;

	if (!hal->exec)
		return -LINUX_ENOSYS;
	mm = kmalloc(sizeof(*mm));
	pml4 = mm ? vmem_space_new(p->cr3) : 0;
	if (!pml4) {
		kfree(mm);
		return -LINUX_ENOMEM;
	}
	memset(&x, 0, sizeof(x));
	x.cr3 = p->cr3;
	x.path = path;
	x.argv = argv;
	x.envp = envp;
	x.dst_cr3 = pml4;
	x.cwd = p->cwd ? remote_handle(p->cwd) : NANVIX_FS_ROOT;
	rc = exec_host(&x);
	if (rc == -LINUX_ENOENT && server_placed(SERVER_FS))
		rc = exec_stored(&x);
	if (rc < 0) {
		/* The old program goes on as if nothing happened. */
		vmem_free_user(pml4);
		mm_frame_free(pml4);
		kfree(mm);
		return rc;
	}

	/* Point of no return: the new image replaces the old one. */
	sched_kill_others(p);
	server_proc_gone(p);
	mm->users = 1;
	mm->cr3 = pml4;
	mm->vvar = NULL; /* the new space's, at proc_exec_mm */
	mm->brk_start = mm->brk = x.brk;
	mm_set_stack(mm, x.stack_lo, x.stack_hi);
	proc_exec_mm(mm);
	memcpy(p->name, x.name, sizeof(p->name));
	p->name[sizeof(p->name) - 1] = '\0';
	/* Nor does the alternate signal stack (in the old address space). */
	thread_current->ss_sp = thread_current->ss_size = 0;
	thread_current->ss_flags = 0;
	/* Handlers do not survive an exec; ignored signals stay ignored. */
	for (i = 0; i < LINUX_NSIG; i++)
		if (p->actions[i].handler != LINUX_SIG_IGN)
			memset(&p->actions[i], 0, sizeof(p->actions[i]));
	for (i = 0; i < p->max_fd; i++)
		if (p->fds[i] && fd_cloexec(i))
			fd_close(i);
	timer_proc_gone(p, true);       /* POSIX timers do not survive an exec */
	for (i = 0; i < p->max_fd; i++) /* the new vvar page's fd map */
		if (p->fds[i])
			fd_publish(p, i);
	thread_current->clear_tid = 0;
	thread_current->robust_list = 0;
	sched_set_fs(0);
	__asm__ volatile("fxrstor %0" : : "m"(fpu_init));

	memset(tf, 0, offsetof(struct trap_frame, vector));
	tf->rip = x.entry;
	tf->rsp = x.sp;
	tf->rflags = 0x202;
	return 0;
}
