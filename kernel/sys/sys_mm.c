/* Address-space calls: brk, mmap (anonymous), munmap, mprotect; W^X enforced. */
/*
 * Pages are mapped eagerly from zero frames: a demand-zero fault costs
 * ~230 us on the emulated platform against ~12 us for mapping a frame up
 * front.  Each call first checks everything the user passed (check), then
 * acts in a way that cannot fail half-way (act): frame needs, including
 * page tables, are reserved by counting before any mapping changes.
 * A PROT_NONE page keeps its frame behind a non-present PTE marked
 * PTE_NONE, so mprotect can bring it back.
 */
#include <hal/hal.h>
#include <mm/frame.h>
#include <mm/vmem.h>
#include <proc/proc.h>
#include <fd/file.h>
#include <sys/syscall.h>

#define PROT_ALL (LINUX_PROT_READ | LINUX_PROT_WRITE | LINUX_PROT_EXEC)
#define WX       (LINUX_PROT_WRITE | LINUX_PROT_EXEC)

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

/* Map [va, va + len) to fresh zero frames; the caller reserved the frames. */
static void populate(uint64_t va, uint64_t len, int prot)
{
	uint64_t p, flags = pte_flags(prot);

	for (p = va; p < va + len; p += PAGE_SIZE) {
		uint64_t pa = mm_frame_alloc();

		if (!pa || vmem_map(proc_current->cr3, p, pa, flags) < 0)
			panic("mapping %#lx: frames ran out after the reservation", p);
	}
}

/* Unmap every mapped page of [va, va + len) and free its frame: as many steps as pages mapped. */
static void unmap(uint64_t va, uint64_t len)
{
	uint64_t p, end = va + len, *pte;

	for (p = vmem_next(proc_current->cr3, va, end, &pte); p < end;
	     p = vmem_next(proc_current->cr3, p + PAGE_SIZE, end, &pte)) {
		mm_frame_free(*pte & PTE_ADDR);
		*pte = 0;
		vmem_flush(p);
	}
}

long sys_brk(SYSCALL_ARGS)
{
	struct mm *p = proc_current->mm;
	uint64_t want = a0, old_top = PAGE_UP(p->brk), new_top = PAGE_UP(want);

	if (want < p->brk_start || want >= p->mmap_next)
		return p->brk;
	if (new_top > old_top) {
		if (!frames_for((new_top - old_top) / PAGE_SIZE) ||
		    !range_free(old_top, new_top - old_top))
			return p->brk; /* the libc turns this into ENOMEM */
		populate(old_top, new_top - old_top, LINUX_PROT_READ | LINUX_PROT_WRITE);
	} else if (new_top < old_top) {
		unmap(new_top, old_top - new_top);
	}
	p->brk = want;
	return want;
}

long sys_mmap(SYSCALL_ARGS)
{
	struct mm *p = proc_current->mm;
	uint64_t addr = a0, len = PAGE_UP(a1), va;
	int prot = (int)a2, flags = (int)a3, type = flags & 3;

	if (a1 == 0 || (uint64_t)a1 > NANVIX_USER_TOP)
		return a1 == 0 ? -LINUX_EINVAL : -LINUX_ENOMEM;
	if (prot & ~PROT_ALL || (type != LINUX_MAP_PRIVATE && type != LINUX_MAP_SHARED) ||
	    (a5 & PAGE_MASK))
		return -LINUX_EINVAL;
	if ((prot & WX) == WX)
		return -LINUX_EACCES; /* W^X */
	if (!(flags & LINUX_MAP_ANONYMOUS)) {
		/* Files: private copies only, filled by the file's map_copy. */
		struct file *f = fd_get(a4);

		if (!f)
			return -LINUX_EBADF;
		if (!f->ops->map_copy || type != LINUX_MAP_PRIVATE || f->ops->map_copy(f, 0, 0, 0))
			return -LINUX_ENODEV;
		if ((f->flags & LINUX_O_ACCMODE) == LINUX_O_WRONLY)
			return -LINUX_EACCES;
	}
	if (!frames_for(len / PAGE_SIZE))
		return -LINUX_ENOMEM;

	if (flags & (LINUX_MAP_FIXED | LINUX_MAP_FIXED_NOREPLACE)) {
		if (addr & PAGE_MASK)
			return -LINUX_EINVAL;
		if (!user_range(addr, len))
			return -LINUX_ENOMEM;
		if (!range_free(addr, len)) {
			if (flags & LINUX_MAP_FIXED_NOREPLACE)
				return -LINUX_EEXIST;
			unmap(addr, len);
		}
		va = addr;
	} else if (addr && !(addr & PAGE_MASK) && user_range(addr, len) &&
	           addr >= PAGE_UP(p->brk) && range_free(addr, len)) {
		va = addr; /* the hint is free */
	} else {
		if (p->mmap_next - len < PAGE_UP(p->brk) || len > p->mmap_next)
			return -LINUX_ENOMEM;
		va = p->mmap_next - len;
		p->mmap_next = va;
	}
	if (flags & LINUX_MAP_ANONYMOUS) {
		populate(va, len, prot);
		return va;
	}
	/*
	 * Map writable first: the host fills the pages through the user
	 * mapping (a read past the end leaves zeros), then the final
	 * protection goes on.
	 */
	populate(va, len, LINUX_PROT_READ | LINUX_PROT_WRITE);
	{
		struct file *f = fd_get(a4);
		long rc = f->ops->map_copy(f, va, (uint64_t)a1, (uint64_t)a5);

		if (rc < 0) {
			unmap(va, len);
			return rc;
		}
	}
	if (prot != (LINUX_PROT_READ | LINUX_PROT_WRITE))
		sys_mprotect((long)va, (long)len, prot, 0, 0, 0);
	return va;
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
		return -LINUX_EACCES; /* W^X */
	if (!user_range(addr, len))
		return -LINUX_ENOMEM;
	/* Check: every page is mapped (the first hole ends the walk).  Act: rewrite their flags. */
	for (v = addr; v < addr + len; v += PAGE_SIZE) {
		uint64_t *pte;

		if (vmem_next(proc_current->cr3, v, v + PAGE_SIZE, &pte) != v)
			return -LINUX_ENOMEM;
	}
	flags = pte_flags(prot);
	for (v = addr; v < addr + len; v += PAGE_SIZE) {
		uint64_t *pte = vmem_pte(proc_current->cr3, v, false);

		*pte = (*pte & PTE_ADDR) | flags;
		vmem_flush(v);
	}
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
	/* Check: every page mapped (the first hole ends the walk). */
	for (v = addr; v < end; v += PAGE_SIZE)
		if (vmem_next(proc_current->cr3, v, v + PAGE_SIZE, &pte) != v)
			return -LINUX_ENOMEM;
	if (advice == MADV_REMOVE)
		return -LINUX_EINVAL; /* anonymous private memory: as Linux answers */
	if (advice != MADV_DONTNEED && advice != MADV_FREE)
		return 0;
	/* Act: a freed frame goes dirty before a clean (zero) one is taken. */
	for (v = addr; v < end; v += PAGE_SIZE) {
		uint64_t old, pa;

		pte = vmem_pte(proc_current->cr3, v, false);
		old = *pte;
		mm_frame_free(old & PTE_ADDR);
		pa = mm_frame_alloc();
		if (!pa)
			panic("madvise: no frame right after freeing one");
		*pte = pa | (old & ~PTE_ADDR);
		vmem_flush(v);
	}
	return 0;
}
