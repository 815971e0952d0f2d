/* Address-space calls: brk, mmap, munmap, mprotect, madvise; W^X enforced. */
/*
 * Pages are mapped eagerly from zero frames: a demand-zero fault costs
 * ~230 us on the emulated platform against ~12 us for mapping a frame up
 * front.  Each call first checks everything the user passed (check), then
 * acts in a way that cannot fail half-way (act): frame needs, including
 * page tables, are reserved by counting before any mapping changes.
 * Under nanvixd the page-table work of mmap, munmap, madvise and brk is
 * one NANVIX_HC_MM exit: the host checks the whole range, then edits the
 * tables natively, with frames lent from the allocator (mm_frame_host_mm);
 * a ring-0 walk costs about 25 us a page here.  The host never narrows
 * rights (the hypervisor's shadow tables would not see it), so mprotect,
 * and munmap of a shared frame other mappings keep (-EBUSY), stay ring-0
 * walks, as does everything without a host (QEMU).
 * A PROT_NONE page keeps its frame behind a non-present PTE marked
 * PTE_NONE, so mprotect can bring it back.  MAP_SHARED pages carry
 * PTE_SHARED: fork's child maps the same frames, counted references keep
 * a frame until its last mapping goes (mm_frame_ref).  Files map as
 * private copies, or shared through their map_shared (/dev/shm objects);
 * a MAP_SHARED mapping of a disk file is a shared copy, written back to
 * the file at msync, munmap, exit and exec when writable (mm/fmap.c).
 */
#include <abi/vvar.h>
#include <hal/hal.h>
#include <fd/remote.h>
#include <mm/fmap.h>
#include <mm/frame.h>
#include <mm/vmem.h>
#include <proc/proc.h>
#include <fd/file.h>
#include <sys/syscall.h>

#define PROT_ALL (LINUX_PROT_READ | LINUX_PROT_WRITE | LINUX_PROT_EXEC)
#define WX       (LINUX_PROT_WRITE | LINUX_PROT_EXEC)

/*
 * A call refused for asking PROT_WRITE|PROT_EXEC: counted in `*count`
 * (kstats, for nanvixd's --stats) and said once a VM, as Linux says an
 * execmem denial; later ones are only counted.  Returns -EACCES.
 */
static long wx_refused(uint64_t *count, const char *call)
{
	static bool said;

	(*count)++;
	if (!said) {
		said = true;
		kprintf("nanvix: %s[%d]: W^X: %s asked for PROT_WRITE|PROT_EXEC: EACCES (later "
		        "refusals are only counted)\n",
		        proc_current->name, proc_current->pid, call);
	}
	return -LINUX_EACCES;
}

static uint64_t pte_flags(int prot)
{
	if (!(prot & PROT_ALL))
		return PTE_NONE;
	return vmem_user_flags(prot);
}

/* Frames needed to map n pages: the pages and, at worst, their tables. */
static bool frames_for(uint64_t n)
{
	return n + n / 512 + 4 <= mm_frames_free();
}

static bool user_range(uint64_t va, uint64_t len)
{
	return va >= NANVIX_USER_MIN && va < NANVIX_USER_TOP && len <= NANVIX_USER_TOP - va;
}

static bool range_free(uint64_t va, uint64_t len)
{
	uint64_t *pte;

	return vmem_next(proc_current->cr3, va, va + len, &pte) == va + len;
}

/* Is every page of [va, end) mapped (present or PROT_NONE)?  One walk a page table. */
static bool all_mapped(uint64_t va, uint64_t end)
{
	uint64_t *pte;

	while (va < end) {
		unsigned i;

		if (vmem_next(proc_current->cr3, va, va + PAGE_SIZE, &pte) != va)
			return false;
		for (i = (va >> 12) & 511; i < 512 && va < end; i++, va += PAGE_SIZE, pte++)
			if (!(*pte & (PTE_P | PTE_NONE)))
				return false;
	}
	return true;
}

/* Map [va, va + len), free, to fresh zero frames with PTE flags `pte`; the caller reserved the frames. */
static void populate(uint64_t va, uint64_t len, uint64_t pte)
{
	uint64_t end = va + len;

	/* One walk a page table, then its entries in a row: ring 0 is slow here. */
	while (va < end) {
		uint64_t *slot = vmem_pte(proc_current->cr3, va, true);
		unsigned i;

		if (!slot)
			panic("mapping %#lx: frames ran out after the reservation", va);
		for (i = (va >> 12) & 511; i < 512 && va < end; i++, va += PAGE_SIZE, slot++) {
			uint64_t pa = mm_frame_alloc();

			if (!pa)
				panic("mapping %#lx: frames ran out after the reservation", va);
			*slot = pa | pte; /* was not present: nothing to flush */
		}
	}
}

/*
 * The host edits [va, va + len) of the caller's tables natively
 * (NANVIX_HC_MM): one exit instead of ring-0 work a page.  Its result,
 * or -LINUX_ENOSYS when there is no host to ask (QEMU) and the kernel
 * walks the tables itself.
 */
static long host_mm(uint32_t op, uint64_t va, uint64_t len, uint64_t pte)
{
	return mm_frame_host_mm(op, proc_current->cr3, va, len, pte);
}

/*
 * Map [va, va + len) to fresh zero frames, PROT `prot`, MAP_SHARED pages
 * when `shared` (fork's child maps the same frames).  0, -LINUX_EEXIST
 * when part of the range is mapped, or -LINUX_ENOMEM; nothing changes on
 * an error.
 */
static long map_fresh(uint64_t va, uint64_t len, int prot, bool shared)
{
	uint64_t pte = pte_flags(prot) | (shared ? PTE_SHARED : 0);
	long rc;

	if (!frames_for(len / PAGE_SIZE))
		return -LINUX_ENOMEM;
	rc = host_mm(NANVIX_MM_MAP, va, len, pte);
	/* ENOMEM: the host was lent one free range of several; walk them all here. */
	if (rc != -LINUX_ENOSYS && rc != -LINUX_ENOMEM)
		return rc;
	if (!range_free(va, len))
		return -LINUX_EEXIST;
	populate(va, len, pte);
	return 0;
}

/* Pages changed at once past which one flush of the whole TLB beats one invlpg a page. */
#define FLUSH_EACH_MAX 8

/* The TLB forgets [va, va + len): invlpg a page, or one flush for many. */
static void flush_range(uint64_t va, uint64_t len)
{
	uint64_t v;

	if (len / PAGE_SIZE > FLUSH_EACH_MAX) {
		vmem_flush_all();
		return;
	}
	for (v = va; v < va + len; v += PAGE_SIZE)
		vmem_flush(v);
}

/*
 * Unmap every mapped page of [va, va + len) and free its frame: one walk
 * a page table that holds some (vmem_next skips the empty ones), then its
 * entries in a row.
 */
static void unmap(uint64_t va, uint64_t len)
{
	uint64_t p, end = va + len, *pte;
	unsigned n = 0;

	fmap_range(va, len, true); /* shared file pages go back to their file first */
	/* Any refusal (EBUSY: a shared frame mapped elsewhere) changed nothing: walk here. */
	if (host_mm(NANVIX_MM_UNMAP, va, len, 0) == 0) {
		flush_range(va, len);
		return;
	}
	for (p = vmem_next(proc_current->cr3, va, end, &pte); p < end;
	     p = vmem_next(proc_current->cr3, p, end, &pte)) {
		unsigned i;

		for (i = (p >> 12) & 511; i < 512 && p < end; i++, p += PAGE_SIZE, pte++) {
			if (!(*pte & (PTE_P | PTE_NONE)))
				continue;
			mm_frame_free(*pte & PTE_ADDR);
			*pte = 0;
			if (++n <= FLUSH_EACH_MAX)
				vmem_flush(p);
		}
	}
	if (n > FLUSH_EACH_MAX)
		vmem_flush_all();
}

/* Places below MAP_FIXED mappings mmap tries before it gives up (ENOMEM). */
#define MMAP_TRIES 16

/*
 * Take [va, va + len) for a new mapping: fresh frames (map_fresh), or,
 * when the mapping brings its own frames (`own`: a shared object's
 * map_shared), only the check that the range is free.
 */
static long claim(uint64_t va, uint64_t len, int prot, bool shared, bool own)
{
	if (own)
		return range_free(va, len) ? 0 : -LINUX_EEXIST;
	return map_fresh(va, len, prot, shared);
}

/* mmap_next: the vvar page's when there is one (the fast mm path moves it there). */
static uint64_t mmap_next_of(struct mm *m)
{
	return m->vvar ? m->vvar->mmap_next : m->mmap_next;
}

static void mmap_next_set(struct mm *m, uint64_t v)
{
	m->mmap_next = v;
	if (m->vvar)
		m->vvar->mmap_next = v;
}

/*
 * A place for a new mapping of `len` bytes below the lowest one so far
 * (mmap_next), past MAP_FIXED mappings in the way (a few tries), taken as
 * claim() takes it; *va.  0 or -LINUX_ENOMEM.
 */
static long place_below(struct mm *p, uint64_t len, int prot, bool shared, bool own, uint64_t *va)
{
	uint64_t top = mmap_next_of(p), *pte;
	long rc = -LINUX_EEXIST;
	int tries;

	for (tries = 0; rc == -LINUX_EEXIST; tries++) {
		if (tries == MMAP_TRIES || top - len < PAGE_UP(p->brk) || len > top)
			return -LINUX_ENOMEM;
		*va = top - len;
		rc = claim(*va, len, prot, shared, own);
		if (rc == 0)
			mmap_next_set(p, *va);
		else if (rc == -LINUX_EEXIST)
			top = vmem_next(proc_current->cr3, *va, *va + len, &pte);
	}
	return rc;
}

/* Room left below the stack's growth area before mmap's (Linux's stack guard gap is 1 MiB). */
#define STACK_GAP (1ull << 20)

void mm_vvar_attach(struct mm *m, struct nanvix_vvar *vv)
{
	/* A fork's copy of a live page holds the truth; a new space's page is 0 there. */
	if (vv->mmap_next)
		m->mmap_next = vv->mmap_next;
	else
		vv->mmap_next = m->mmap_next;
	vv->brk_top = PAGE_UP(m->brk);
	m->vvar = vv;
}

void mm_set_stack(struct mm *mm, uint64_t lo, uint64_t hi)
{
	uint64_t size = hi - lo > MM_STACK_MAX ? hi - lo : MM_STACK_MAX;

	mm->stack_lo = lo;
	mm->stack_floor = hi > size ? hi - size : 0;
	mmap_next_set(mm, mm->stack_floor - STACK_GAP);
}

bool mm_stack_grow(uint64_t addr)
{
	struct mm *m = proc_current->mm;
	uint64_t lo = PAGE_DOWN(addr);

	if (!m || addr >= m->stack_lo || addr < m->stack_floor || lo < PAGE_UP(m->brk))
		return false;
	/* Everything from the fault up to the stack, so it stays one range. */
	if (map_fresh(lo, m->stack_lo - lo, LINUX_PROT_READ | LINUX_PROT_WRITE, false))
		return false;
	m->stack_lo = lo;
	return true;
}

long sys_brk(SYSCALL_ARGS)
{
	struct mm *p = proc_current->mm;
	uint64_t want = a0, old_top = PAGE_UP(p->brk), new_top = PAGE_UP(want);

	if (want < p->brk_start || want >= mmap_next_of(p))
		return p->brk;
	if (new_top > old_top) {
		if (map_fresh(old_top, new_top - old_top, LINUX_PROT_READ | LINUX_PROT_WRITE,
		              false))
			return p->brk; /* the libc turns this into ENOMEM */
	} else if (new_top < old_top) {
		unmap(new_top, old_top - new_top);
	}
	p->brk = want;
	if (p->vvar)
		p->vvar->brk_top = PAGE_UP(want); /* the fast mm path maps above it */
	return want;
}

long sys_mmap(SYSCALL_ARGS)
{
	struct mm *p = proc_current->mm;
	uint64_t addr = a0, len = PAGE_UP(a1), va = 0;
	int prot = (int)a2, flags = (int)a3, type = flags & 3, first;
	struct file *f = NULL;
	bool share = false;
	long rc;

	if (a1 == 0 || (uint64_t)a1 > NANVIX_USER_TOP)
		return a1 == 0 ? -LINUX_EINVAL : -LINUX_ENOMEM;
	if (prot & ~PROT_ALL || (type != LINUX_MAP_PRIVATE && type != LINUX_MAP_SHARED) ||
	    (a5 & PAGE_MASK))
		return -LINUX_EINVAL;
	if ((prot & WX) == WX)
		return wx_refused(&kstats.wx_mmap, "mmap");
	if (!(flags & LINUX_MAP_ANONYMOUS)) {
		uint32_t acc;

		f = fd_get(a4);
		if (!f)
			return -LINUX_EBADF;
		acc = f->flags & LINUX_O_ACCMODE;
		share = type == LINUX_MAP_SHARED && f->ops->map_shared;
		if (!share && (!f->ops->map_copy || f->ops->map_copy(f, 0, 0, 0)))
			return -LINUX_ENODEV;
		/* Written back through the fs component: its files only. */
		if (!share && type == LINUX_MAP_SHARED && (prot & LINUX_PROT_WRITE) &&
		    !remote_handle(f))
			return -LINUX_ENODEV;
		if (acc == LINUX_O_WRONLY || (type == LINUX_MAP_SHARED &&
		                              (prot & LINUX_PROT_WRITE) && acc == LINUX_O_RDONLY))
			return -LINUX_EACCES;
	}
	if (share && !frames_for(len / PAGE_SIZE))
		return -LINUX_ENOMEM; /* map_fresh checks for the others */
	/* Anonymous memory gets its final protection; a file copy is filled writable first. */
	first = flags & LINUX_MAP_ANONYMOUS ? prot : LINUX_PROT_READ | LINUX_PROT_WRITE;

	if (flags & (LINUX_MAP_FIXED | LINUX_MAP_FIXED_NOREPLACE)) {
		if (addr & PAGE_MASK)
			return -LINUX_EINVAL;
		if (!user_range(addr, len))
			return -LINUX_ENOMEM;
		va = addr;
		rc = claim(va, len, first, type == LINUX_MAP_SHARED, share);
		if (rc == -LINUX_EEXIST && !(flags & LINUX_MAP_FIXED_NOREPLACE)) {
			unmap(va, len);
			rc = claim(va, len, first, type == LINUX_MAP_SHARED, share);
		}
	} else {
		rc = -LINUX_EEXIST;
		if (addr && !(addr & PAGE_MASK) && user_range(addr, len) &&
		    addr >= PAGE_UP(p->brk)) {
			va = addr; /* the hint, if it is free */
			rc = claim(va, len, first, type == LINUX_MAP_SHARED, share);
		}
		if (rc == -LINUX_EEXIST)
			rc = place_below(p, len, first, type == LINUX_MAP_SHARED, share, &va);
	}
	if (rc < 0)
		return rc;
	if (flags & LINUX_MAP_ANONYMOUS)
		return va;
	if (share) {
		rc = f->ops->map_shared(f, va, len, (uint64_t)a5, pte_flags(prot));
		if (rc < 0) {
			unmap(va, len);
			return rc;
		}
		return va;
	}
	/*
	 * A copy of the file, mapped writable so far: the host fills the pages
	 * through the user mapping (a read past the end leaves zeros), then
	 * the final protection goes on.
	 */
	{
		rc = f->ops->map_copy(f, va, (uint64_t)a1, (uint64_t)a5);
		if (rc >= 0 && type == LINUX_MAP_SHARED && (prot & LINUX_PROT_WRITE)) {
			/* The file's size now bounds what goes back. */
			long cur, size = file_size_by_seek(f, &cur);

			rc = size < 0 ? size
			              : fmap_add(proc_current->cr3, va, len, f, (uint64_t)a5,
			                         (uint64_t)size);
			/* Its munmap must write back first: no fast path from now on. */
			if (rc >= 0 && p->vvar)
				p->vvar->flags |= NANVIX_VVAR_FMAPS;
		}
		if (rc < 0) {
			unmap(va, len);
			return rc;
		}
	}
	if (prot != (LINUX_PROT_READ | LINUX_PROT_WRITE))
		sys_mprotect((long)va, (long)len, prot, 0, 0, 0);
	return va;
}

/* msync: Linux's checks; the shared file pages of the range go back to their files. */
#define MS_ASYNC      1
#define MS_INVALIDATE 2
#define MS_SYNC       4

long sys_msync(SYSCALL_ARGS)
{
	uint64_t addr = (uint64_t)a0, len = PAGE_UP((uint64_t)a1);
	int flags = (int)a2;

	if ((addr & PAGE_MASK) || (flags & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC)) ||
	    (flags & (MS_ASYNC | MS_SYNC)) == (MS_ASYNC | MS_SYNC))
		return -LINUX_EINVAL;
	if (!len)
		return 0;
	if (!user_range(addr, len))
		return -LINUX_ENOMEM;
	if (!all_mapped(addr, addr + len))
		return -LINUX_ENOMEM;
	fmap_range(addr, len, false);
	return 0;
}

long sys_munmap(SYSCALL_ARGS)
{
	uint64_t addr = a0, len = PAGE_UP(a1);

	if ((addr & PAGE_MASK) || a1 <= 0 || !user_range(addr, len))
		return -LINUX_EINVAL;
	unmap(addr, len);
	return 0;
}

long sys_mprotect(SYSCALL_ARGS)
{
	uint64_t addr = a0, len = PAGE_UP(a1), v, flags;
	int prot = (int)a2;

	if ((addr & PAGE_MASK) || prot & ~PROT_ALL)
		return -LINUX_EINVAL;
	if ((prot & WX) == WX)
		return wx_refused(&kstats.wx_mprotect, "mprotect");
	if (!user_range(addr, len))
		return -LINUX_ENOMEM;
	/* Check: every page is mapped.  Act: rewrite their flags, a page table at a time. */
	if (!all_mapped(addr, addr + len))
		return -LINUX_ENOMEM;
	flags = pte_flags(prot);
	for (v = addr; v < addr + len;) {
		uint64_t *pte = vmem_pte(proc_current->cr3, v, false);
		unsigned i;

		for (i = (v >> 12) & 511; i < 512 && v < addr + len; i++, v += PAGE_SIZE, pte++)
			*pte = (*pte & (PTE_ADDR | PTE_SHARED)) | flags;
	}
	flush_range(addr, len);
	return 0;
}

/*
 * madvise: the advice is checked (EINVAL for an unaligned start or an
 * unknown advice, ENOMEM when part of the range is not mapped) and taken
 * where it means something here: MADV_DONTNEED and MADV_FREE give the
 * pages fresh zero frames (their next read is zero, as for Linux's private
 * anonymous memory), one step a mapped page; the rest are hints a VM with
 * its memory resident has no use for.
 */
#define MADV_DONTNEED 4
#define MADV_FREE     8
#define MADV_REMOVE   9
#define MADV_LAST     23 /* MADV_POPULATE_WRITE */

long sys_madvise(SYSCALL_ARGS)
{
	uint64_t addr = (uint64_t)a0, len = PAGE_UP((uint64_t)a1), v, end, *pte;
	int advice = (int)a2;

	if ((addr & PAGE_MASK) || advice < 0 || advice > MADV_LAST || (advice > 4 && advice < 8) ||
	    (uint64_t)a1 > NANVIX_USER_TOP)
		return -LINUX_EINVAL;
	if (!len)
		return 0;
	if (!user_range(addr, len))
		return -LINUX_ENOMEM;
	end = addr + len;
	if (advice == MADV_DONTNEED || advice == MADV_FREE) {
		/* The host zeroes the private pages in place: no frame changes hands. */
		long rc = host_mm(NANVIX_MM_ZERO, addr, len, 0);

		if (rc != -LINUX_ENOSYS)
			return rc;
	}
	/* Check: every page mapped. */
	if (!all_mapped(addr, end))
		return -LINUX_ENOMEM;
	if (advice == MADV_REMOVE)
		return -LINUX_EINVAL; /* anonymous private memory: as Linux answers */
	if (advice != MADV_DONTNEED && advice != MADV_FREE)
		return 0;
	/* Act, a page table at a time: a freed frame goes dirty before a clean (zero) one is taken. */
	for (v = addr; v < end;) {
		unsigned i;

		pte = vmem_pte(proc_current->cr3, v, false);
		for (i = (v >> 12) & 511; i < 512 && v < end; i++, v += PAGE_SIZE, pte++) {
			uint64_t old = *pte, pa;

			if (old & PTE_SHARED)
				continue; /* shared memory keeps its contents, as on Linux */
			mm_frame_free(old & PTE_ADDR);
			pa = mm_frame_alloc();
			if (!pa)
				panic("madvise: no frame right after freeing one");
			*pte = pa | (old & ~PTE_ADDR);
		}
	}
	flush_range(addr, len);
	return 0;
}

/*
 * mremap of private memory: shrink in place; grow in place when the pages
 * after it are free; else, with MREMAP_MAYMOVE, a new mapping (below
 * mmap_next, or at new_address with MREMAP_FIXED) that the host fills
 * with a copy, and the old one unmapped.  The range must be mapped
 * (EFAULT).  Differs from Linux: shared mappings and PROT_NONE ones only
 * shrink (EINVAL), and a grown private file mapping reads zeros past its
 * old end, not the file.
 */
#define MREMAP_MAYMOVE 1
#define MREMAP_FIXED   2

/* The prot of a mapped page's PTE. */
static int pte_prot(uint64_t e)
{
	if (!(e & PTE_P))
		return LINUX_PROT_NONE;
	return LINUX_PROT_READ | (e & PTE_W ? LINUX_PROT_WRITE : 0) |
	       (e & PTE_NX ? 0 : LINUX_PROT_EXEC);
}

long sys_mremap(SYSCALL_ARGS)
{
	struct mm *p = proc_current->mm;
	uint64_t old = (uint64_t)a0, olen = PAGE_UP((uint64_t)a1), nlen = PAGE_UP((uint64_t)a2);
	uint64_t flags = (uint64_t)a3, naddr = (uint64_t)a4, va = 0, done, keep, *pte;
	int prot;
	long rc;

	if ((old & PAGE_MASK) || (flags & ~(uint64_t)(MREMAP_MAYMOVE | MREMAP_FIXED)) ||
	    ((flags & MREMAP_FIXED) && (!(flags & MREMAP_MAYMOVE) || (naddr & PAGE_MASK))) ||
	    !nlen || !olen || (uint64_t)a2 > NANVIX_USER_TOP)
		return -LINUX_EINVAL;
	if (!user_range(old, olen) || !all_mapped(old, old + olen))
		return -LINUX_EFAULT;
	pte = vmem_pte(proc_current->cr3, old, false);
	prot = pte_prot(*pte);
	if (nlen <= olen && !(flags & MREMAP_FIXED)) {
		if (nlen < olen)
			unmap(old + nlen, olen - nlen);
		return (long)old;
	}
	if ((*pte & PTE_SHARED) || prot == LINUX_PROT_NONE)
		return -LINUX_EINVAL;
	if (!(flags & MREMAP_FIXED) && user_range(old, nlen) &&
	    map_fresh(old + olen, nlen - olen, prot, false) == 0)
		return (long)old; /* grown in place */
	if (!(flags & MREMAP_MAYMOVE))
		return -LINUX_ENOMEM;
	/* Move: a writable copy first, then the old mapping goes. */
	if (flags & MREMAP_FIXED) {
		if (!user_range(naddr, nlen))
			return -LINUX_EINVAL;
		if (naddr < old + olen && old < naddr + nlen)
			return -LINUX_EINVAL; /* overlapping */
		unmap(naddr, nlen);
		va = naddr;
		rc = map_fresh(va, nlen, LINUX_PROT_READ | LINUX_PROT_WRITE, false);
	} else {
		rc = place_below(p, nlen, LINUX_PROT_READ | LINUX_PROT_WRITE, false, false, &va);
	}
	if (rc)
		return rc == -LINUX_EEXIST ? -LINUX_ENOMEM : rc;
	keep = olen < nlen ? olen : nlen;
	for (done = 0; done < keep; done += NANVIX_HC_COPY_MAX) {
		uint64_t n = keep - done < NANVIX_HC_COPY_MAX ? keep - done : NANVIX_HC_COPY_MAX;

		if (hal->copy(proc_current->cr3, va + done, proc_current->cr3, old + done, n) < 0) {
			unmap(va, nlen);
			return -LINUX_EFAULT;
		}
	}
	if (prot != (LINUX_PROT_READ | LINUX_PROT_WRITE))
		sys_mprotect((long)va, (long)nlen, prot, 0, 0, 0);
	unmap(old, olen);
	return (long)va;
}
