/* Header at the start of kernel.elf's image that tells nanvixd how to enter it. */
#ifndef NANVIX_ABI_KERNEL_HEADER_H
#define NANVIX_ABI_KERNEL_HEADER_H

/*
 * The linker script puts this struct first in the kernel image, at
 * physical NANVIX_KERNEL_PBASE.  nanvixd reads it after loading kernel.elf
 * and builds the IDT, TSS and MSRs from it, so the kernel's ring-0 boot
 * path does not have to.  All addresses are kernel-virtual.  Written at
 * link time, read by the host.
 *
 * C99, self-contained: included by the kernel and by nanvixd.
 */

#include <stdint.h>

#include <abi/bootinfo.h>

#define NANVIX_KHDR_MAGIC    0x4b584e4eu /* "NNXK" */
#define NANVIX_KHDR_NVECTORS 33          /* exceptions 0..31, the timer 32 */

struct nanvix_kernel_header {
	uint32_t magic;                         /* NANVIX_KHDR_MAGIC */
	uint32_t abi_version;                   /* NANVIX_ABI_VERSION */
	uint64_t entry;                         /* 64-bit entry, RDI = bootinfo */
	uint64_t syscall_entry;                 /* LSTAR target; must be user-executable */
	uint64_t stack_top;                     /* boot and TSS.RSP0 stack */
	uint64_t ist_top;                       /* TSS.IST1 stack (double fault, NMI) */
	uint64_t user_text_lo;                  /* [lo, hi): page-aligned kernel text that */
	uint64_t user_text_hi;                  /* ring 3 may execute (the syscall entry) */
	uint32_t user_vectors;                  /* bit n: gate n has DPL 3 */
	uint32_t ist_vectors;                   /* bit n: gate n uses IST1 */
	uint64_t vectors[NANVIX_KHDR_NVECTORS]; /* handlers, 0 = none */
	/*
	 * The kernel's live counters (0: none), which nanvixd reads from guest
	 * memory when the VM stops without NANVIX_HC_EXIT (--timeout, a guest
	 * error), so that --stats reports them on every exit path.
	 */
	uint64_t kstats;       /* struct nanvix_kcounters */
	uint64_t frame_counts; /* struct nanvix_frame_state */
};

/*
 * The frame allocator's state (kernel/mm/frame.c), in the kernel image.
 * nanvixd reads the counts for --stats, and the fast mm path (abi/vvar.h)
 * takes and gives frames through it while ring 3 runs, when the kernel is
 * never half-way through a change (ring 0 runs with interrupts off).
 * Everything in it is checked before use, as any guest memory.  The two
 * PFN stacks are the uint32_t arrays at the start of the boot info's
 * pfn_stacks area (NANVIX_PFN_AREA): the clean one (zero frames) is the
 * second when `clean_second`, and the dirty one the other.  Free frames:
 * nclean + ndirty on the stacks, plus never-used ones from ranges[r]
 * onwards (bump allocation from each range's start).
 */
struct nanvix_frame_state {
	uint64_t nfree, ntotal; /* frames free, frames managed */
	uint64_t nclean, ndirty;
	uint32_t clean_second;
	uint32_t r, nranges, pad;
	struct nanvix_memrange ranges[NANVIX_MEMRANGES_MAX];
};

/*
 * Account `n` frames a NANVIX_HC_MM map took (abi/hypercall.h) from a
 * lending of `ndirty` dirty frames, then `range_count` frames of
 * ranges[r], then the clean stack, in that order.  Both the kernel and
 * the fast mm path use it.
 */
static inline void nanvix_frames_taken(struct nanvix_frame_state *s, uint64_t n, uint64_t ndirty,
                                       uint64_t range_count)
{
	uint64_t part = n < ndirty ? n : ndirty;

	s->nfree -= n;
	s->ndirty -= part;
	n -= part;
	part = n < range_count ? n : range_count;
	if (part)
		s->ranges[s->r].start += part * 4096;
	s->nclean -= n - part;
}

/* The kernel's running counts, written by the kernel only. */
struct nanvix_kcounters {
	uint64_t traps;       /* faults and ticks (system calls not included) */
	uint64_t syscalls;    /* system calls served */
	uint64_t enosys;      /* system calls answered ENOSYS */
	uint64_t last_enosys; /* number of the last unknown call */
	uint64_t wx_mmap;     /* mmap calls refused for PROT_WRITE|PROT_EXEC (W^X) */
	uint64_t wx_mprotect; /* mprotect calls refused for PROT_WRITE|PROT_EXEC */
};

#endif /* NANVIX_ABI_KERNEL_HEADER_H */
