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
#include <abi/linux.h>
#include <hal/hal.h>
#include <mm/frame.h>

static struct {
	uint64_t nfree, ntotal; /* first: mm_frame_counts below */
	struct nanvix_memrange ranges[NANVIX_MEMRANGES_MAX];
	unsigned nranges, r; /* bump: ranges[r].start is the next fresh frame */
	uint32_t *clean, *dirty;
	uint64_t nclean, ndirty;
	uint16_t *refs; /* references a frame beyond its first (MAP_SHARED) */
} fa;

/* fa.nfree and fa.ntotal, named for the kernel header (abi/kernel_header.h). */
extern const uint64_t mm_frame_counts[2] __attribute__((alias("fa")));

void mm_frame_init(const struct nanvix_memrange *ranges, unsigned nranges, uint32_t *stacks,
                   uint64_t npages)
{
	unsigned i;

	fa.nranges = nranges < NANVIX_MEMRANGES_MAX ? nranges : NANVIX_MEMRANGES_MAX;
	fa.r = 0;
	fa.nfree = 0;
	for (i = 0; i < fa.nranges; i++) {
		fa.ranges[i] = ranges[i];
		fa.nfree += (ranges[i].end - ranges[i].start) / PAGE_SIZE;
	}
	fa.ntotal = npages;
	fa.clean = stacks;
	fa.dirty = stacks + npages;
	fa.refs = (uint16_t *)((uint8_t *)stacks + NANVIX_PFN_REFS(npages));
	fa.nclean = fa.ndirty = 0;
}

uint64_t mm_frame_alloc(void)
{
	while (fa.r < fa.nranges) {
		struct nanvix_memrange *r = &fa.ranges[fa.r];

		if (r->start < r->end) {
			uint64_t pa = r->start;

			r->start += PAGE_SIZE;
			fa.nfree--;
			return pa;
		}
		fa.r++;
	}
	if (fa.nclean == 0 && fa.ndirty > 0) {
		uint32_t *t;

		if (hal->frames_scrub(fa.dirty, fa.ndirty) < 0)
			panic("frame scrub of %lu frames refused", fa.ndirty);
		t = fa.clean;
		fa.clean = fa.dirty;
		fa.nclean = fa.ndirty;
		fa.dirty = t;
		fa.ndirty = 0;
	}
	if (fa.nclean == 0)
		return 0;
	fa.nfree--;
	return (uint64_t)fa.clean[--fa.nclean] * PAGE_SIZE;
}

/* Scrub the dirty stack and put it on top of the clean one (host work, O(1) here). */
static void scrub_dirty(void)
{
	uint32_t *t;

	if (fa.ndirty == 0)
		return;
	if (hal->frames_scrub(fa.dirty, fa.ndirty) < 0)
		panic("frame scrub of %lu frames refused", fa.ndirty);
	if (fa.nclean == 0) {
		t = fa.clean;
		fa.clean = fa.dirty;
		fa.dirty = t;
		fa.nclean = fa.ndirty;
	} else {
		hal->copy(0, V2P(fa.clean + fa.nclean), 0, V2P(fa.dirty),
		          fa.ndirty * sizeof(uint32_t));
		fa.nclean += fa.ndirty;
	}
	fa.ndirty = 0;
}

void mm_frame_batch(struct frame_batch *b, struct nanvix_frames_lent *lent)
{
	unsigned i;

	scrub_dirty();
	/* The largest run of never-used frames (bump ranges are independent). */
	b->range_start = b->range_count = 0;
	b->range_index = 0;
	for (i = fa.r; i < fa.nranges; i++) {
		uint64_t n = (fa.ranges[i].end - fa.ranges[i].start) / PAGE_SIZE;

		if (n > b->range_count) {
			b->range_start = fa.ranges[i].start / PAGE_SIZE;
			b->range_count = n;
			b->range_index = i;
		}
	}
	b->list = fa.clean;
	b->nlist = (uint32_t)fa.nclean;
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
		fa.ranges[b->range_index].start += from_range * PAGE_SIZE;
	fa.nclean -= used - from_range;
	fa.nfree -= used;
}

/* The one NANVIX_HC_MM request block (single vCPU; callers do not sleep across it). */
static struct nanvix_hc_mm mm_req;

long mm_frame_host_mm(uint32_t op, uint64_t cr3, uint64_t va, uint64_t len, uint64_t pte)
{
	struct nanvix_hc_mm *a = &mm_req;
	struct nanvix_memrange *r = fa.r < fa.nranges ? &fa.ranges[fa.r] : NULL;
	uint64_t n, part;
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
		a->ndirty = (uint32_t)fa.ndirty;
		a->frames.range_start = r ? r->start / PAGE_SIZE : 0;
		a->frames.range_count = r ? (r->end - r->start) / PAGE_SIZE : 0;
		a->frames.pfns = V2P(fa.clean);
		a->frames.npfns = (uint32_t)fa.nclean;
	} else if (op == NANVIX_MM_UNMAP) {
		/* Freed frames come back zeroed: onto the clean stack. */
		a->freed = V2P(fa.clean + fa.nclean);
		a->freed_max = (uint32_t)(fa.ntotal - fa.nclean);
	}
	rc = hal->mm(a);
	n = a->count;
	if (op == NANVIX_MM_MAP) {
		/* Taken in that order: the dirty top, the range's front, the clean top. */
		fa.nfree -= n;
		part = n < a->ndirty ? n : a->ndirty;
		fa.ndirty -= part;
		n -= part;
		part = n < a->frames.range_count ? n : a->frames.range_count;
		if (part)
			r->start += part * PAGE_SIZE;
		fa.nclean -= n - part;
	} else if (op == NANVIX_MM_UNMAP) {
		n = n < a->freed_max ? n : a->freed_max;
		fa.nclean += n;
		fa.nfree += n;
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
	rc = hal->release(cr3, V2P(fa.clean + fa.nclean), (uint32_t)(fa.ntotal - fa.nclean),
	                  &count);
	if (rc == 0) {
		fa.nclean += count;
		fa.nfree += count;
	}
	return rc;
}

void mm_frame_free(uint64_t pa)
{
	uint64_t pfn = pa / PAGE_SIZE;

	if (pfn < fa.ntotal && fa.refs[pfn]) {
		fa.refs[pfn]--; /* another mapping still has it */
		return;
	}
	fa.dirty[fa.ndirty++] = (uint32_t)pfn;
	fa.nfree++;
}

bool mm_frame_ref(uint64_t pa)
{
	uint64_t pfn = pa / PAGE_SIZE;

	if (pfn >= fa.ntotal || fa.refs[pfn] == UINT16_MAX)
		return false;
	fa.refs[pfn]++;
	return true;
}

uint64_t mm_frames_free(void)
{
	return fa.nfree;
}

uint64_t mm_frames_total(void)
{
	return fa.ntotal;
}
