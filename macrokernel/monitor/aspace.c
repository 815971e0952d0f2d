/* fork's address-space copy, done natively for the guest kernel. */
/*
 * Copying a page in emulated ring 0 costs about 2 ms; here it is a memcpy.
 * The walk is bounded by the frame list: each table or page it descends
 * into consumes one listed frame, so a hostile source with cycles or
 * shared tables ends with -ENOMEM, never an endless loop.  A PTE_SHARED
 * page is not copied: the child maps the same frame and the guest's
 * reference count of it (NANVIX_PFN_REFS) goes up by one; each such page
 * still counts against a bound (the frame list's length plus the pages of
 * RAM), so the walk stays finite.
 */
#include <errno.h>
#include <sys/mman.h>
#include <string.h>

#include <abi/bootinfo.h>
#include <abi/x86_paging.h>
#include <monitor/aspace.h>
#include <monitor/guestmem.h>

#define PAGE 4096ull

struct fork_walk {
	struct vm_mem *mem;
	const struct aspace_frames *f;
	uint64_t used;
	uint16_t *refs; /* the guest's frame reference counts */
	uint64_t npages, shared;
};

/* The guest's frame reference counts (in its memory: checked, never trusted), or NULL. */
static uint16_t *frame_refs(struct vm_mem *mem, uint64_t *npages)
{
	*npages = mem->size / PAGE;
	return gpa_ptr(mem, mem->size - NANVIX_PFN_AREA(*npages) + NANVIX_PFN_REFS(*npages),
	               *npages * sizeof(uint16_t));
}

int aspace_lent(struct vm_mem *mem, const struct nanvix_frames_lent *lent, struct aspace_frames *f)
{
	f->range_start = lent->range_start;
	f->range_count = lent->range_count;
	f->list = gpa_ptr(mem, lent->pfns, (uint64_t)lent->npfns * sizeof(uint32_t));
	f->nlist = lent->npfns;
	return (lent->npfns && !f->list) || (lent->pfns & 3) ? -EINVAL : 0;
}

int aspace_take(struct vm_mem *mem, const struct aspace_frames *f, uint64_t *used, uint64_t *pa)
{
	uint8_t *p;

	if (*used < f->range_count)
		*pa = (f->range_start + *used) * PAGE;
	else if (*used - f->range_count < f->nlist)
		*pa = (uint64_t)f->list[f->nlist - 1 - (*used - f->range_count)] * PAGE;
	else
		return -ENOMEM;
	(*used)++;
	p = gpa_ptr(mem, *pa, PAGE);
	if (!p)
		return -EINVAL;
	memset(p, 0, PAGE); /* lent frames should be zero; make sure */
	return 0;
}

/* The next lent frame as a host pointer, or NULL (-ENOMEM / -EINVAL in *err). */
static uint8_t *take(struct fork_walk *w, uint64_t *pa, int *err)
{
	int rc = aspace_take(w->mem, w->f, &w->used, pa);

	if (rc) {
		*err = rc;
		return NULL;
	}
	return gpa_ptr(w->mem, *pa, PAGE);
}

/* Copy the table at `src` (level 3 = PML4 .. 0 = PT) into the table `dst`. */
static int copy_table(struct fork_walk *w, uint64_t src, uint64_t *dst, int level, unsigned n)
{
	const uint64_t *s = gpa_ptr(w->mem, src, PAGE);
	unsigned i;
	int err = 0;

	if (!s)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		uint64_t e = s[i], pa;
		uint8_t *copy;

		if (level == 0 ? !(e & (PTE_P | PTE_NONE)) : !(e & PTE_P))
			continue;
		if (level > 0 && (e & PTE_PS))
			return -EINVAL; /* user memory is mapped with 4 KiB pages only */
		if (level == 0 && (e & PTE_SHARED)) {
			/* The same frame, one more reference. */
			uint64_t pfn = (e & PTE_ADDR) / PAGE;

			if (!w->refs || pfn >= w->npages || !gpa_ptr(w->mem, e & PTE_ADDR, PAGE))
				return -EINVAL;
			if (w->refs[pfn] == UINT16_MAX || ++w->shared > w->npages + w->f->nlist)
				return -ENOMEM;
			w->refs[pfn]++;
			dst[i] = e;
			continue;
		}
		copy = take(w, &pa, &err);
		if (!copy)
			return err;
		if (level == 0) {
			const uint8_t *page = gpa_ptr(w->mem, e & PTE_ADDR, PAGE);

			if (!page)
				return -EINVAL;
			memcpy(copy, page, PAGE);
		} else {
			err = copy_table(w, e & PTE_ADDR, (uint64_t *)copy, level - 1, 512);
			if (err)
				return err;
		}
		dst[i] = pa | (e & ~PTE_ADDR);
	}
	return 0;
}

int aspace_fork(struct vm_mem *mem, uint64_t src_cr3, uint64_t dst_cr3,
                const struct aspace_frames *frames, uint32_t *used)
{
	struct fork_walk w = { mem, frames, 0, NULL, 0, 0 };
	uint64_t *dst = gpa_ptr(mem, dst_cr3 & PTE_ADDR, PAGE);
	unsigned i;
	int rc;

	*used = 0;
	w.refs = frame_refs(mem, &w.npages);
	if (!dst || !gpa_ptr(mem, src_cr3 & PTE_ADDR, PAGE) ||
	    frames->range_count > mem->size / PAGE || frames->range_start > mem->size / PAGE)
		return -EINVAL;
	for (i = 0; i < 256; i++)
		if (dst[i])
			return -EINVAL; /* the user half must start empty */
	rc = copy_table(&w, src_cr3 & PTE_ADDR, dst, 3, 256);
	*used = (uint32_t)w.used;
	return rc;
}

/*
 * Walk the table at `pa` (level 2 = PDPT .. 0 = PT) and everything below
 * it, counting frames (pages, then the table itself) in *n, and listing
 * them in `list` when it is not NULL.  A PTE_SHARED page that other
 * mappings still reference is not freed: listing (the second pass) drops
 * one of its references instead.  Every visit counts, and the walk stops
 * at `max`, so cycles or shared tables in a hostile tree end in -E2BIG
 * instead of looping.
 */
static int release_walk(struct vm_mem *mem, uint64_t pa, int level, uint32_t *list, uint32_t max,
                        uint32_t *n, uint16_t *refs, uint64_t npages)
{
	const uint64_t *t = gpa_ptr(mem, pa, PAGE);
	unsigned i;
	int rc;

	if (!t)
		return -EINVAL;
	for (i = 0; i < 512; i++) {
		uint64_t e = t[i], frame = e & PTE_ADDR;

		if (level == 0 ? !(e & (PTE_P | PTE_NONE)) : !(e & PTE_P))
			continue;
		if (level > 0) {
			if (e & PTE_PS)
				return -EINVAL; /* user memory is mapped with 4 KiB pages only */
			rc = release_walk(mem, frame, level - 1, list, max, n, refs, npages);
			if (rc)
				return rc;
			continue;
		}
		if (!gpa_ptr(mem, frame, PAGE))
			return -EINVAL;
		if ((e & PTE_SHARED) && refs && frame / PAGE < npages && refs[frame / PAGE]) {
			if (list)
				refs[frame / PAGE]--;
			continue;
		}
		if (*n == max)
			return -E2BIG;
		if (list)
			list[*n] = (uint32_t)(frame / PAGE);
		(*n)++;
	}
	if (*n == max)
		return -E2BIG;
	if (list)
		list[*n] = (uint32_t)(pa / PAGE);
	(*n)++;
	return 0;
}

int aspace_release(struct vm_mem *mem, uint64_t cr3, uint32_t *pfns, uint32_t max, uint32_t *count)
{
	uint64_t *root = gpa_ptr(mem, cr3 & PTE_ADDR, PAGE), npages;
	uint16_t *refs = frame_refs(mem, &npages);
	uint32_t n = 0, i;
	int rc;

	*count = 0;
	if (!root)
		return -EINVAL;
	/* Check and count first: on any error nothing has changed. */
	for (i = 0; i < 256; i++)
		if ((root[i] & PTE_P) &&
		    (rc = release_walk(mem, root[i] & PTE_ADDR, 2, NULL, max, &n, refs, npages)))
			return rc;
	/* List (the tree is unchanged: the same walk, still bounded by max). */
	n = 0;
	for (i = 0; i < 256; i++)
		if ((root[i] & PTE_P) &&
		    (rc = release_walk(mem, root[i] & PTE_ADDR, 2, pfns, max, &n, refs, npages)))
			return rc;
	for (i = 0; i < 256; i++)
		root[i] = 0;
	/* Zero them all: the host drops the memory, the guest gets zero frames. */
	for (i = 0; i < n; i++)
		gpa_zero(mem, (uint64_t)pfns[i] * PAGE, PAGE);
	*count = n;
	return 0;
}
