/* Physical frame allocator: O(1) allocation of frames that are always zero. */
#ifndef MM_FRAME_H
#define MM_FRAME_H

#include <abi/bootinfo.h>
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

/* Frames currently free, and frames of RAM in all. */
uint64_t mm_frames_free(void);
uint64_t mm_frames_total(void);

#endif /* MM_FRAME_H */
