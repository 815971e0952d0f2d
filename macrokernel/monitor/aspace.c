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
#include <stdbool.h>
#include <sys/mman.h>
#include <string.h>

#include <abi/bootinfo.h>
#include <abi/kernel_header.h>
#include <abi/linux.h>
#include <abi/vvar.h>
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
	f->dirty = NULL;
	f->ndirty = 0;
	return (lent->npfns && !f->list) || (lent->pfns & 3) ? -EINVAL : 0;
}

/*
 * The next lent frame (see struct aspace_frames) in *pa.  Dirty frames are
 * always zeroed, with gpa_zero (see "Shadow paging" below); the others
 * when `zero` says so (a frame the guest lends as clean is zero unless it
 * lies, and then it only fools itself).
 */
static int take_frame(struct vm_mem *mem, const struct aspace_frames *f, uint64_t *used,
                      uint64_t *pa, bool zero)
{
	uint64_t n = *used;
	bool dirty = n < f->ndirty;
	uint8_t *p;

	if (dirty)
		*pa = (uint64_t)f->dirty[f->ndirty - 1 - n] * PAGE;
	else if ((n -= f->ndirty) < f->range_count)
		*pa = (f->range_start + n) * PAGE;
	else if (n - f->range_count < f->nlist)
		*pa = (uint64_t)f->list[f->nlist - 1 - (n - f->range_count)] * PAGE;
	else
		return -ENOMEM;
	(*used)++;
	p = gpa_ptr(mem, *pa, PAGE);
	if (!p)
		return -EINVAL;
	if (dirty)
		gpa_zero(mem, *pa, PAGE);
	else if (zero)
		memset(p, 0, PAGE);
	return 0;
}

int aspace_take(struct vm_mem *mem, const struct aspace_frames *f, uint64_t *used, uint64_t *pa)
{
	return take_frame(mem, f, used, pa, true); /* lent frames should be zero; make sure */
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

/*
 * NANVIX_HC_MM.  Each operation walks its range twice: a check that
 * changes nothing, then the act.  A walk visits one page table per 2 MiB
 * slot of the range that has one, and skips a missing table's whole span
 * in one step; it is bounded by what RAM can hold (a page table a frame,
 * 512 skips a table above), so shared tables or cycles end in -EINVAL.
 *
 * Shadow paging.  The hypervisor keeps its own copy of the guest's page
 * tables and learns of changes by trapping the guest's writes to them;
 * the host's writes are not seen, and neither invlpg nor a CR3 reload
 * makes it look again (measured: after a host-side unmap the page still
 * read, after a host-side write-protect it still took writes).  What it
 * does see is the host dropping a frame (MADV_DONTNEED, gpa_zero): every
 * shadow entry that maps the frame goes.  So the host only adds mappings
 * (MAP) or removes them together with their frames' contents (UNMAP of
 * frames no one else maps, ZERO); narrowing rights (mprotect), or
 * unmapping a shared frame that stays mapped elsewhere, is left to the
 * kernel's trapped writes (-EBUSY).
 */
#define USER_TOP (1ull << 47)
#define SPAN(l)  (1ull << (12 + 9 * (l))) /* bytes an entry of level l covers */

struct mm_walk {
	struct vm_mem *mem;
	uint64_t *root;
	uint16_t *refs;
	uint64_t npages;
	uint64_t tables, skips; /* visits so far, against npages and 512 * npages */
};

/*
 * The page table covering `va`: *pt, or NULL when the entry of level
 * *hole (1 = PD .. 3 = PML4) on the way has none.  *next is the first
 * address past what the table or the hole covers.  -EINVAL for a large
 * page, a table outside RAM, or a walk longer than RAM allows.
 */
static int mm_find(struct mm_walk *w, uint64_t va, uint64_t **pt, int *hole, uint64_t *next)
{
	uint64_t *t = w->root;
	int level;

	for (level = 3; level > 0; level--) {
		uint64_t e = t[(va >> (12 + 9 * level)) & 511];

		if (!(e & PTE_P)) {
			*pt = NULL;
			*hole = level;
			*next = (va | (SPAN(level) - 1)) + 1;
			return ++w->skips > 512 * (w->npages + 1) ? -EINVAL : 0;
		}
		if ((e & PTE_PS) || !(t = gpa_ptr(w->mem, e & PTE_ADDR, PAGE)))
			return -EINVAL; /* user memory is mapped with 4 KiB pages only */
	}
	*pt = t;
	*hole = 0;
	*next = (va | (SPAN(1) - 1)) + 1;
	return ++w->tables > w->npages ? -EINVAL : 0;
}

/* Tables MAP must build for the hole of level `hole` over [va, end): one a slot of each level below it. */
static uint64_t tables_for(uint64_t va, uint64_t end, int hole)
{
	uint64_t n = 0;
	int l;

	for (l = 1; l <= hole; l++)
		n += ((end - 1) >> (12 + 9 * l)) - (va >> (12 + 9 * l)) + 1;
	return n;
}

static bool mapped(uint64_t e)
{
	return e & (PTE_P | PTE_NONE);
}

/* A mapped entry's frame, checked: NULL when it lies outside RAM. */
static uint8_t *leaf_frame(struct mm_walk *w, uint64_t e)
{
	return gpa_ptr(w->mem, e & PTE_ADDR, PAGE);
}

/* Does UNMAP drop a reference to this shared frame rather than free it? */
static bool still_shared(struct mm_walk *w, uint64_t e)
{
	uint64_t pfn = (e & PTE_ADDR) / PAGE;

	return (e & PTE_SHARED) && w->refs && pfn < w->npages && w->refs[pfn];
}

/*
 * The check pass: 0 when the operation can act on all of [va, end).  For
 * MAP, *n counts the page tables to build; for UNMAP, the frames to free.
 */
static int mm_check(struct mm_walk *w, uint32_t op, uint64_t va, uint64_t end, uint64_t *n)
{
	*n = 0;
	while (va < end) {
		uint64_t *pt, next;
		unsigned i;
		int hole, rc = mm_find(w, va, &pt, &hole, &next);

		if (rc)
			return rc;
		if (next > end || next == 0)
			next = end;
		if (!pt) {
			if (op == NANVIX_MM_ZERO)
				return -ENOMEM; /* not mapped */
			if (op == NANVIX_MM_MAP)
				*n += tables_for(va, next, hole);
			va = next;
			continue;
		}
		for (i = (va >> 12) & 511; va < next; i++, va += PAGE) {
			uint64_t e = pt[i];

			if (op == NANVIX_MM_MAP) {
				if (mapped(e))
					return -EEXIST;
				continue;
			}
			if (!mapped(e)) {
				if (op == NANVIX_MM_ZERO)
					return -ENOMEM;
				continue;
			}
			if (!leaf_frame(w, e))
				return -EINVAL;
			if (op == NANVIX_MM_UNMAP) {
				if (still_shared(w, e))
					return -EBUSY; /* it stays mapped elsewhere: the kernel's job */
				(*n)++;
			}
		}
	}
	return 0;
}

/* The page table covering `va`, built from lent frames where missing. */
static uint64_t *mm_make(struct mm_walk *w, const struct aspace_frames *f, uint64_t *used,
                         uint64_t va, int *err)
{
	uint64_t *t = w->root;
	int level;

	for (level = 3; level > 0; level--) {
		uint64_t *e = &t[(va >> (12 + 9 * level)) & 511], pa;

		if (!(*e & PTE_P)) {
			if ((*err = take_frame(w->mem, f, used, &pa, true)))
				return NULL;
			*e = pa | PTE_P | PTE_W | PTE_U;
		}
		if ((*e & PTE_PS) || !(t = gpa_ptr(w->mem, *e & PTE_ADDR, PAGE))) {
			*err = -EINVAL;
			return NULL;
		}
	}
	return t;
}

/* MAP's act: fresh frames for [va, end), tables built on the way. */
static int mm_map(struct mm_walk *w, uint64_t va, uint64_t end, uint64_t pte,
                  const struct aspace_frames *f, uint64_t *used)
{
	while (va < end) {
		int err = 0;
		uint64_t *pt = mm_make(w, f, used, va, &err), next = (va | (SPAN(1) - 1)) + 1;
		unsigned i;

		if (!pt)
			return err;
		if (next > end || next == 0)
			next = end;
		for (i = (va >> 12) & 511; va < next; i++, va += PAGE) {
			uint64_t pa;

			if ((err = take_frame(w->mem, f, used, &pa, false)))
				return err;
			pt[i] = pa | pte;
		}
	}
	return 0;
}

/* Frames [run, run + nrun pages) that gpa_zero has yet to drop, in one call. */
struct zero_run {
	struct vm_mem *mem;
	uint64_t run, nrun;
};

/* Add `frame` to the run (either end), or drop the run and start a new one. */
static void zero_add(struct zero_run *z, uint64_t frame)
{
	if (z->nrun && frame == z->run + z->nrun * PAGE) {
		z->nrun++;
	} else if (z->nrun && frame + PAGE == z->run) {
		z->run = frame;
		z->nrun++;
	} else {
		if (z->nrun)
			gpa_zero(z->mem, z->run, z->nrun * PAGE);
		z->run = frame;
		z->nrun = 1;
	}
}

/*
 * The act of UNMAP and ZERO over [va, end), whose check passed: each
 * private frame is dropped (zeroed, and unmapped from the hypervisor's
 * shadow tables); UNMAP also clears the entry and lists the frame.
 */
static int mm_edit(struct mm_walk *w, uint32_t op, uint64_t va, uint64_t end, uint32_t *freed,
                   uint64_t max, uint64_t *n)
{
	struct zero_run z = { w->mem, 0, 0 };
	int rc = 0;

	*n = 0;
	while (va < end && !rc) {
		uint64_t *pt, next;
		unsigned i;
		int hole;

		if ((rc = mm_find(w, va, &pt, &hole, &next)))
			break;
		if (next > end || next == 0)
			next = end;
		for (i = (va >> 12) & 511; pt && va < next; i++, va += PAGE) {
			uint64_t e = pt[i], frame = e & PTE_ADDR;

			/* Only a guest changing its tables under us fails these. */
			if (!mapped(e) || !leaf_frame(w, e) || still_shared(w, e) ||
			    (op == NANVIX_MM_ZERO && (e & PTE_SHARED)))
				continue;
			if (op == NANVIX_MM_UNMAP) {
				if (*n == max) {
					rc = -E2BIG;
					break;
				}
				freed[*n] = (uint32_t)(frame / PAGE);
				pt[i] = 0;
			}
			(*n)++;
			zero_add(&z, frame);
		}
		va = next;
	}
	if (z.nrun)
		gpa_zero(z.mem, z.run, z.nrun * PAGE);
	return rc;
}

/* May the guest ask MAP for these PTE flags?  Its own rules, W^X included, checked again. */
static bool mm_pte_ok(uint64_t pte)
{
	if (pte & ~(PTE_P | PTE_W | PTE_U | PTE_NX | PTE_NONE | PTE_SHARED))
		return false;
	if (!(pte & PTE_P))
		return (pte & ~PTE_SHARED) == PTE_NONE;
	return (pte & PTE_U) && !(pte & PTE_NONE) && (!(pte & PTE_W) || (pte & PTE_NX));
}

static int mm_run(struct vm_mem *mem, struct nanvix_hc_mm *a, const struct aspace_frames *f,
                  uint32_t *freed)
{
	struct mm_walk w = { mem, gpa_ptr(mem, a->cr3 & PTE_ADDR, PAGE), NULL, 0, 0, 0 };
	uint64_t end = a->va + a->len, n, used = 0;
	int rc;

	w.refs = frame_refs(mem, &w.npages);
	if (!w.root || (a->va | a->len) % PAGE || !a->len || a->va >= USER_TOP ||
	    a->len > USER_TOP - a->va)
		return -EINVAL;
	switch (a->op) {
	case NANVIX_MM_MAP:
		if (!mm_pte_ok(a->pte) || f->range_start > w.npages || f->range_count > w.npages)
			return -EINVAL;
		if (a->len / PAGE > (uint64_t)f->ndirty + f->range_count + f->nlist)
			return -ENOMEM; /* before a walk as long as the range */
		if ((rc = mm_check(&w, a->op, a->va, end, &n)))
			return rc;
		if (a->len / PAGE + n > (uint64_t)f->ndirty + f->range_count + f->nlist)
			return -ENOMEM;
		w.tables = w.skips = 0;
		rc = mm_map(&w, a->va, end, a->pte, f, &used);
		a->count = used;
		return rc;
	case NANVIX_MM_UNMAP:
	case NANVIX_MM_ZERO:
		if ((rc = mm_check(&w, a->op, a->va, end, &n)))
			return rc;
		if (a->op == NANVIX_MM_UNMAP && n > a->freed_max)
			return -E2BIG;
		w.tables = w.skips = 0;
		return mm_edit(&w, a->op, a->va, end, freed, a->freed_max, &a->count);
	default: return -EINVAL;
	}
}

void aspace_mm(struct vm_mem *mem, struct nanvix_hc_mm *a, const struct aspace_frames *frames,
               uint32_t *freed)
{
	a->count = 0;
	a->ret = mm_run(mem, a, frames, freed);
}

/*
 * The fast mm path (abi/vvar.h).  What the process may not write, it
 * cannot forge: the vvar page is used only while it is read-only to ring 3,
 * and the frame state is kernel memory.  Both are still checked as any
 * guest memory, since the kernel is a guest too.
 */
struct fast_mm {
	struct nanvix_vvar *vv;
	struct nanvix_frame_state *fs;
	uint32_t *clean, *dirty;
	uint64_t npages;
};

/* The vvar page of `cr3` and the kernel's frame state, checked; -1 when the path is closed. */
static int fast_state(struct vm_mem *mem, uint64_t frames_gpa, uint64_t cr3, struct fast_mm *c)
{
	uint64_t gpa, base, npages = mem->size / PAGE;
	struct nanvix_frame_state *fs;

	if (gva_translate(mem, cr3, NANVIX_VVAR_VA, false, &gpa) ||
	    !gva_translate(mem, cr3, NANVIX_VVAR_VA, true, &gpa))
		return -1; /* no vvar page, or one the process could have written */
	c->vv = gpa_ptr(mem, gpa & ~(PAGE - 1), sizeof(*c->vv));
	c->fs = fs = frames_gpa ? gpa_ptr(mem, frames_gpa, sizeof(*fs)) : NULL;
	if (!c->vv || !fs || (c->vv->flags & (NANVIX_VVAR_SLOW | NANVIX_VVAR_SHARED)) ||
	    !(c->vv->flags & NANVIX_VVAR_FASTMM))
		return -1;
	if (fs->ntotal != npages || fs->nclean > npages || fs->ndirty > npages ||
	    fs->nfree > npages || fs->nranges > NANVIX_MEMRANGES_MAX || fs->r > fs->nranges)
		return -1;
	base = mem->size - NANVIX_PFN_AREA(npages);
	c->clean = gpa_ptr(mem, base + (fs->clean_second ? npages * 4 : 0), npages * 4);
	c->dirty = gpa_ptr(mem, base + (fs->clean_second ? 0 : npages * 4), npages * 4);
	c->npages = npages;
	return c->clean && c->dirty ? 0 : -1;
}

static bool fast_user_range(uint64_t va, uint64_t len)
{
	return va >= NANVIX_USER_MIN && va < NANVIX_USER_TOP && len <= NANVIX_USER_TOP - va;
}

/* mmap(0, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, fd, 0) below mmap_next: the address, or 0 to trap. */
static uint64_t fast_mmap(struct vm_mem *mem, uint64_t cr3, struct fast_mm *c, const uint64_t a[6])
{
	struct nanvix_frame_state *fs = c->fs;
	struct nanvix_hc_mm q = { .cr3 = cr3, .op = NANVIX_MM_MAP };
	struct aspace_frames f = { .list = c->clean,
		                   .nlist = (uint32_t)fs->nclean,
		                   .dirty = c->dirty,
		                   .ndirty = (uint32_t)fs->ndirty };
	uint64_t len = (a[1] + PAGE - 1) & ~(PAGE - 1), top = c->vv->mmap_next, pages;

	if (a[0] || a[3] != (LINUX_MAP_PRIVATE | LINUX_MAP_ANONYMOUS) ||
	    (a[2] & ~(uint64_t)(LINUX_PROT_READ | LINUX_PROT_WRITE)) || !a[1] ||
	    a[1] > NANVIX_USER_TOP || (a[5] & (PAGE - 1)))
		return 0;
	pages = len / PAGE;
	/* The kernel's own margin (sys_mm.c's frames_for), and its placement. */
	if (pages + pages / 512 + 4 > fs->nfree || len > top || top - len < c->vv->brk_top ||
	    !fast_user_range(top - len, len))
		return 0;
	if (fs->r < fs->nranges && fs->ranges[fs->r].start <= fs->ranges[fs->r].end) {
		f.range_start = fs->ranges[fs->r].start / PAGE;
		f.range_count = (fs->ranges[fs->r].end - fs->ranges[fs->r].start) / PAGE;
	}
	q.va = top - len;
	q.len = len;
	q.pte = !(a[2] & (LINUX_PROT_READ | LINUX_PROT_WRITE))
	                ? PTE_NONE
	                : PTE_P | PTE_U | PTE_NX | (a[2] & LINUX_PROT_WRITE ? PTE_W : 0);
	aspace_mm(mem, &q, &f, NULL);
	if (q.count)
		nanvix_frames_taken(fs, q.count, f.ndirty, f.range_count);
	if (q.ret)
		return 0;
	c->vv->mmap_next = q.va;
	return q.va;
}

int aspace_fastmm(struct vm_mem *mem, uint64_t frames_gpa, uint64_t cr3, uint64_t nr,
                  const uint64_t a[6], int64_t *ret)
{
	struct nanvix_hc_mm q = { .cr3 = cr3, .va = a[0] };
	struct fast_mm c;
	uint64_t va;

	if (fast_state(mem, frames_gpa, cr3, &c))
		return 1;
	q.len = (a[1] + PAGE - 1) & ~(PAGE - 1);
	switch (nr) {
	case LINUX_SYS_mmap:
		va = fast_mmap(mem, cr3, &c, a);
		if (!va)
			return 1;
		*ret = (int64_t)va;
		return 0;
	case LINUX_SYS_munmap:
		/* As sys_munmap: anything odd, and shared file mappings, are the kernel's. */
		if ((a[0] & (PAGE - 1)) || (int64_t)a[1] <= 0 || !fast_user_range(a[0], q.len) ||
		    (c.vv->flags & NANVIX_VVAR_FMAPS))
			return 1;
		q.op = NANVIX_MM_UNMAP;
		q.freed_max = (uint32_t)(c.npages - c.fs->nclean);
		aspace_mm(mem, &q, NULL, c.clean + c.fs->nclean);
		if (q.ret)
			return 1; /* nothing changed: the trap path decides (EBUSY and the like) */
		c.fs->nclean += q.count;
		c.fs->nfree += q.count;
		*ret = 0;
		return 0;
	case LINUX_SYS_madvise:
		if ((a[0] & (PAGE - 1)) || (a[2] != 4 && a[2] != 8) || !a[1] ||
		    a[1] > NANVIX_USER_TOP || !fast_user_range(a[0], q.len))
			return 1; /* only MADV_DONTNEED and MADV_FREE */
		q.op = NANVIX_MM_ZERO;
		aspace_mm(mem, &q, NULL, NULL);
		if (q.ret && q.ret != -ENOMEM)
			return 1;
		*ret = q.ret;
		return 0;
	default: return 1;
	}
}
