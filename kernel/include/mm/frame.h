/* Physical frame allocator: O(1) allocation of frames that are always zero. */
#ifndef MM_FRAME_H
#define MM_FRAME_H

#include <abi/bootinfo.h>
#include <abi/hypercall.h>
#include <lib/klib.h>

/* Kernel-virtual address of physical `pa` (the direct map). */
#define P2V(pa) ((void *)((uint64_t)(pa) + NANVIX_DMAP_BASE))
#define V2P(va) ((uint64_t)(va)-NANVIX_DMAP_BASE)

/*
 * Take ownership of the free ranges (all zero) and of two PFN stacks of
 * `npages` entries each at kernel-virtual `stacks` (zero).  O(1).
 */
void mm_frame_init(const struct nanvix_memrange *ranges, unsigned nranges, uint32_t *stacks,
                   uint64_t npages);

/* Physical address of a zeroed frame, or 0 when memory is exhausted. */
uint64_t mm_frame_alloc(void);

/* Give back frame `pa` (contents need not be zero). */
void mm_frame_free(uint64_t pa);

/* One more mapping of frame `pa` (MAP_SHARED): mm_frame_free then drops a
 * reference until the last.  False when the count is full. */
bool mm_frame_ref(uint64_t pa);

/*
 * Free frames lent to the host for a bulk job (NANVIX_HC_FORK) without
 * touching them one by one: a run of never-used frames, then the clean
 * free stack (taken from its top).  All of them are zero.
 */
struct frame_batch {
	uint64_t range_start, range_count; /* frame numbers */
	unsigned range_index;              /* which free range the run is from */
	uint32_t *list;                    /* kernel-virtual */
	uint32_t nlist;
};

/*
 * Prepare a batch (scrubbing freed frames first) and describe it in `lent`
 * for a hypercall (abi/hypercall.h).
 */
void mm_frame_batch(struct frame_batch *b, struct nanvix_frames_lent *lent);

/* The host took lent->used frames of the batch: the run first, then the list's top. */
void mm_frame_batch_commit(const struct frame_batch *b, const struct nanvix_frames_lent *lent);

/*
 * The page-table work of mmap and its kin done by the host (hal->mm,
 * NANVIX_HC_MM): operation `op` on [va, va + len) of `cr3` with PTE flags
 * `pte`.  MAP lends the dirty stack (the host zeroes the frames it takes
 * from it) and a batch of clean frames; UNMAP's freed frames come back
 * zeroed onto the clean stack.  Returns the host's answer, or
 * -LINUX_ENOSYS when the HAL has no such call (nothing changed).
 */
long mm_frame_host_mm(uint32_t op, uint64_t cr3, uint64_t va, uint64_t len, uint64_t pte);

/*
 * Free the user half of the address space at `cr3` through the host
 * (hal->release): its frames come back zeroed, straight onto the clean
 * stack; O(1) here.  0, or -errno when the HAL cannot (then nothing
 * changed and the caller walks the tables itself).
 */
long mm_frame_release_user(uint64_t cr3);

/* Frames currently free, and frames of RAM in all. */
uint64_t mm_frames_free(void);
uint64_t mm_frames_total(void);

/* The free and total frame counts, live, for the host to read (kernel header). */
extern const uint64_t mm_frame_counts[2];

#endif /* MM_FRAME_H */
