/* Physical frame allocator. */
/*
 * Zeroing a page in ring 0 costs ~186 us on the emulated platform, so the
 * allocator never does it.  Every frame it hands out is known to be zero:
 *   - frames never used since boot (host-zeroed) come from a bump pointer
 *     over the free ranges;
 *   - freed frames go on a "dirty" stack; when no clean frame is left, the
 *     whole dirty stack is handed to the HAL in one call (one hypercall:
 *     nanvixd drops the pages with MADV_DONTNEED, which also returns their
 *     memory to the host), and the two stacks swap roles.
 * Every operation is O(1) but the scrub, which is one call per batch.
 */
#include <abi/kernel_header.h>
#include <abi/linux.h>
#include <hal/hal.h>
#include <mm/frame.h>

static struct {
	struct nanvix_frame_state s; /* first: mm_frame_counts below */
	uint32_t *clean, *dirty;
	uint16_t *refs; /* references a frame beyond its first (MAP_SHARED) */
} fa;

/* The state the host reads (abi/kernel_header.h), named for the kernel header. */
extern const uint64_t mm_frame_counts[2] __attribute__((alias("fa")));

/* The clean and dirty stacks swap roles: the host learns which is which from s.clean_second. */
static void swap_stacks(void)
{
	uint32_t *t = fa.clean;

	fa.clean = fa.dirty;
	fa.dirty = t;
	fa.s.clean_second ^= 1;
}

void mm_frame_init(const struct nanvix_memrange *ranges, unsigned nranges, uint32_t *stacks,
                   uint64_t npages)
{
	unsigned i;

	fa.s.nranges = nranges < NANVIX_MEMRANGES_MAX ? nranges : NANVIX_MEMRANGES_MAX;
	fa.s.r = 0;
	fa.s.nfree = 0;
	for (i = 0; i < fa.s.nranges; i++) {
		fa.s.ranges[i] = ranges[i];
		fa.s.nfree += (ranges[i].end - ranges[i].start) / PAGE_SIZE;
	}
	fa.s.ntotal = npages;
	fa.clean = stacks;
	fa.dirty = stacks + npages;
	fa.s.clean_second = 0;
	fa.refs = (uint16_t *)((uint8_t *)stacks + NANVIX_PFN_REFS(npages));
	fa.s.nclean = fa.s.ndirty = 0;
}

/* Scrub the dirty stack and put it on top of the clean one (host work, O(1) here). */
static void scrub_dirty(void)
{
	if (fa.s.ndirty == 0)
		return;
	if (hal->frames_scrub(fa.dirty, fa.s.ndirty) < 0)
		panic("frame scrub of %lu frames refused", fa.s.ndirty);
	if (fa.s.nclean == 0) {
		swap_stacks();
		fa.s.nclean = fa.s.ndirty;
	} else {
		hal->copy(0, V2P(fa.clean + fa.s.nclean), 0, V2P(fa.dirty),
		          fa.s.ndirty * sizeof(uint32_t));
		fa.s.nclean += fa.s.ndirty;
	}
	fa.s.ndirty = 0;
}

uint64_t mm_frame_alloc(void)
{
	while (fa.s.r < fa.s.nranges) {
		struct nanvix_memrange *r = &fa.s.ranges[fa.s.r];

		if (r->start < r->end) {
			uint64_t pa = r->start;

			r->start += PAGE_SIZE;
			fa.s.nfree--;
			return pa;
		}
		fa.s.r++;
	}
	if (fa.s.nclean == 0)
		scrub_dirty(); /* the dirty stack becomes the clean one */
	if (fa.s.nclean == 0)
		return 0;
	fa.s.nfree--;
	return (uint64_t)fa.clean[--fa.s.nclean] * PAGE_SIZE;
}

void mm_frame_batch(struct frame_batch *b, struct nanvix_frames_lent *lent)
{
	unsigned i;

	scrub_dirty();
	/* The largest run of never-used frames (bump ranges are independent). */
	b->range_start = b->range_count = 0;
	b->range_index = 0;
	for (i = fa.s.r; i < fa.s.nranges; i++) {
		uint64_t n = (fa.s.ranges[i].end - fa.s.ranges[i].start) / PAGE_SIZE;

		if (n > b->range_count) {
			b->range_start = fa.s.ranges[i].start / PAGE_SIZE;
			b->range_count = n;
			b->range_index = i;
		}
	}
	b->list = fa.clean;
	b->nlist = (uint32_t)fa.s.nclean;
	lent->range_start = b->range_start;
	lent->range_count = b->range_count;
	lent->pfns = V2P(b->list);
	lent->npfns = b->nlist;
	lent->used = 0;
}

void mm_frame_batch_commit(const struct frame_batch *b, const struct nanvix_frames_lent *lent)
{
	uint64_t used = lent->used;

	uint64_t from_range = used < b->range_count ? used : b->range_count;

	if (from_range)
		fa.s.ranges[b->range_index].start += from_range * PAGE_SIZE;
	fa.s.nclean -= used - from_range;
	fa.s.nfree -= used;
}

/* The one NANVIX_HC_MM request block (single vCPU; callers do not sleep across it). */
static struct nanvix_hc_mm mm_req;

long mm_frame_host_mm(uint32_t op, uint64_t cr3, uint64_t va, uint64_t len, uint64_t pte)
{
	struct nanvix_hc_mm *a = &mm_req;
	struct nanvix_memrange *r = fa.s.r < fa.s.nranges ? &fa.s.ranges[fa.s.r] : NULL;
	uint64_t n;
	long rc;

	if (!hal->mm)
		return -LINUX_ENOSYS;
	/* Only the fields `op` reads are written: each store is emulated. */
	a->op = op;
	a->cr3 = cr3;
	a->va = va;
	a->len = len;
	a->pte = pte;
	if (op == NANVIX_MM_MAP) {
		/* Dirty frames (the host zeroes them natively), the bump range, the clean stack. */
		a->dirty = V2P(fa.dirty);
		a->ndirty = (uint32_t)fa.s.ndirty;
		a->frames.range_start = r ? r->start / PAGE_SIZE : 0;
		a->frames.range_count = r ? (r->end - r->start) / PAGE_SIZE : 0;
		a->frames.pfns = V2P(fa.clean);
		a->frames.npfns = (uint32_t)fa.s.nclean;
	} else if (op == NANVIX_MM_UNMAP) {
		/* Freed frames come back zeroed: onto the clean stack. */
		a->freed = V2P(fa.clean + fa.s.nclean);
		a->freed_max = (uint32_t)(fa.s.ntotal - fa.s.nclean);
	}
	rc = hal->mm(a);
	n = a->count;
	if (op == NANVIX_MM_MAP) {
		nanvix_frames_taken(&fa.s, n, a->ndirty, a->frames.range_count);
	} else if (op == NANVIX_MM_UNMAP) {
		n = n < a->freed_max ? n : a->freed_max;
		fa.s.nclean += n;
		fa.s.nfree += n;
	}
	return rc;
}

long mm_frame_release_user(uint64_t cr3)
{
	uint32_t count = 0;
	long rc;

	if (!hal->release)
		return -LINUX_ENOSYS;
	/* Room: the clean stack holds every frame of RAM at most. */
	rc = hal->release(cr3, V2P(fa.clean + fa.s.nclean), (uint32_t)(fa.s.ntotal - fa.s.nclean),
	                  &count);
	if (rc == 0) {
		fa.s.nclean += count;
		fa.s.nfree += count;
	}
	return rc;
}

void mm_frame_free(uint64_t pa)
{
	uint64_t pfn = pa / PAGE_SIZE;

	if (pfn < fa.s.ntotal && fa.refs[pfn]) {
		fa.refs[pfn]--; /* another mapping still has it */
		return;
	}
	fa.dirty[fa.s.ndirty++] = (uint32_t)pfn;
	fa.s.nfree++;
}

bool mm_frame_ref(uint64_t pa)
{
	uint64_t pfn = pa / PAGE_SIZE;

	if (pfn >= fa.s.ntotal || fa.refs[pfn] == UINT16_MAX)
		return false;
	fa.refs[pfn]++;
	return true;
}

uint64_t mm_frames_free(void)
{
	return fa.s.nfree;
}

uint64_t mm_frames_total(void)
{
	return fa.s.ntotal;
}
