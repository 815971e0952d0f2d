/* Guest address spaces built natively on the host: fork's copy. */
#ifndef MONITOR_ASPACE_H
#define MONITOR_ASPACE_H

#include <stdint.h>

#include <abi/hypercall.h>
#include <monitor/vm.h>

/*
 * Where the host takes frames: the dirty list from its end (NANVIX_HC_MM
 * only; zeroed here), then a run, then a list from its end
 * (NANVIX_HC_FORK).
 */
struct aspace_frames {
	uint64_t range_start, range_count;
	const uint32_t *list;
	uint32_t nlist;
	const uint32_t *dirty;
	uint32_t ndirty;
};

/*
 * Decode the guest's description of lent frames into *f: the pfn array
 * must be 4-byte aligned and inside RAM.  0 or -EINVAL.
 */
int aspace_lent(struct vm_mem *mem, const struct nanvix_frames_lent *lent, struct aspace_frames *f);

/*
 * Take the next lent frame (after *used of them): its guest-physical
 * address in *pa, zeroed.  0, -ENOMEM when none is left, or -EINVAL when
 * the guest listed a frame outside RAM.
 */
int aspace_take(struct vm_mem *mem, const struct aspace_frames *f, uint64_t *used, uint64_t *pa);

/*
 * Copy the user half of the tables at `src_cr3` into `dst_cr3`, taking
 * fresh frames from `frames` (see NANVIX_HC_FORK).  Every
 * guest address is checked; nothing outside guest RAM is touched and a
 * hostile source (cycles, shared tables, large pages) cannot make the walk
 * run longer than the frame list allows.  Returns 0, -ENOMEM or -EINVAL,
 * with the count of frames taken in *used.
 */
int aspace_fork(struct vm_mem *mem, uint64_t src_cr3, uint64_t dst_cr3,
                const struct aspace_frames *frames, uint32_t *used);

/*
 * Tear down the user half of the tables at `cr3` (NANVIX_HC_RELEASE): the
 * frames of its pages and tables are zeroed, listed in pfns[0..max) and the
 * user entries cleared.  Checks the whole tree first; on any error nothing
 * changes.  Returns 0, -E2BIG or -EINVAL; *count frames were listed.
 */
int aspace_release(struct vm_mem *mem, uint64_t cr3, uint32_t *pfns, uint32_t max, uint32_t *count);

/*
 * One NANVIX_HC_MM operation (abi/hypercall.h) on the request `a` (its
 * `count` and `ret` are written), taking frames from `frames` (MAP) and
 * listing freed ones in `freed[0..a->freed_max)` (UNMAP).  Checks the whole
 * range before changing anything; the walk is bounded by the size of RAM.
 */
void aspace_mm(struct vm_mem *mem, struct nanvix_hc_mm *a, const struct aspace_frames *frames,
               uint32_t *freed);

/*
 * The fast mm path (abi/vvar.h): system call `nr` with arguments `a`, made
 * from ring 3 in the address space `cr3`, with the kernel's frame state at
 * `frames_gpa` (struct nanvix_frame_state).  0 when served (the result in
 * *ret), 1 when the call goes on to the kernel (nothing changed).
 */
int aspace_fastmm(struct vm_mem *mem, uint64_t frames_gpa, uint64_t cr3, uint64_t nr,
                  const uint64_t a[6], int64_t *ret);

#endif /* MONITOR_ASPACE_H */
