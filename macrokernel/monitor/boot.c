/* Guest construction on the host: everything the kernel would otherwise do in ring 0. */
/*
 * On this platform every guest ring-0 instruction is emulated (~0.3 us), so
 * nanvixd prepares the whole initial machine state natively: descriptor
 * tables, 4-level page tables, the loaded kernel and program, and the
 * program's initial stack.  The kernel's boot path then only records what
 * it is handed (see kernel/hal/hal_kvm.c).
 *
 * Guest-physical layout:
 *   0x1000  boot info            0x2000  GDT (+0x80: TSS)
 *   0x3000  IDT                  0x4000  the call ring (40 KiB), 0xe000 net state (8 KiB)
 *   0x10000..0x100000  page tables, frames
 *   0x100000  kernel image       then: program frames, stack frames
 *   top of RAM: the kernel's two PFN stacks
 * Frames the host does not use are handed to the kernel as free ranges;
 * all of them are still zero.
 */
#include <errno.h>
#include <stdarg.h>
#include <sys/mman.h>
#include <stdio.h>
#include <string.h>

#include <abi/hypercall.h>
#include <abi/kernel_header.h>
#include <abi/linux.h>
#include <abi/net.h>
#include <abi/ring.h>
#include <abi/x86_tables.h>
#include <monitor/aspace.h>
#include <monitor/boot.h>
#include <monitor/elf.h>
#include <abi/x86_paging.h>
#include <monitor/guestmem.h>

#define PAGE      4096ull
#define PAGE_MASK (PAGE - 1)
#define LARGE     (2ull << 20)

#define LOW_FRAMES_START (NANVIX_NET_STATE_PADDR + NANVIX_NET_STATE_SIZE)
#define MIN_FREE_FRAMES  64           /* the kernel needs room to run at all */
#define ARGS_MAX         (64u * 1024) /* bytes of argv + envp strings and pointers */

struct builder {
	struct vm_mem *mem;
	uint64_t pml4;
	/* Host frame allocator: [next, end) in range `r`, then the next range. */
	struct nanvix_memrange ranges[2];
	int r;
	/* exec: frames lent by the guest kernel instead of the ranges. */
	const struct aspace_frames *lend;
	uint64_t lent;
	int lend_error;
	char *err;
	size_t errlen;
};

static int fail(struct builder *b, int status, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static int fail(struct builder *b, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b->err, b->errlen, fmt, ap);
	va_end(ap);
	return status;
}

static uint64_t *pte_at(struct builder *b, uint64_t pa)
{
	return gpa_ptr(b->mem, pa, 8);
}

/* A zeroed frame, or 0 when guest memory is exhausted. */
static uint64_t frame_alloc(struct builder *b)
{
	if (b->lend) {
		uint64_t pa;
		int rc = aspace_take(b->mem, b->lend, &b->lent, &pa);

		if (rc) {
			b->lend_error = rc;
			return 0;
		}
		return pa;
	}
	while (b->r < 2) {
		struct nanvix_memrange *r = &b->ranges[b->r];

		if (r->start < r->end) {
			uint64_t pa = r->start;

			r->start += PAGE;
			return pa;
		}
		b->r++;
	}
	return 0;
}

static int nomem(struct builder *b)
{
	return fail(b, NANVIXD_EXIT_NOMEM,
	            "guest memory (%llu KiB) is too small for the kernel, program and stack",
	            (unsigned long long)(b->mem->size >> 10));
}

/*
 * The slot for `va` at `level` (0 = PT .. 3 = PML4), creating missing
 * tables on the way down.  Intermediate entries allow everything; the leaf
 * decides.  NULL when out of memory or a large page is in the way.
 */
static uint64_t *walk(struct builder *b, uint64_t va, int level)
{
	uint64_t table = b->pml4;
	int l;

	for (l = 3; l > level; l--) {
		uint64_t *slot = pte_at(b, table + ((va >> (12 + 9 * l)) & 511) * 8);

		if (!(*slot & PTE_P)) {
			uint64_t pa = frame_alloc(b);

			if (!pa)
				return NULL;
			*slot = pa | PTE_P | PTE_W | PTE_U;
		} else if (*slot & PTE_PS) {
			return NULL;
		}
		table = *slot & PTE_ADDR;
	}
	return pte_at(b, table + ((va >> (12 + 9 * level)) & 511) * 8);
}

static uint64_t leaf_flags(uint32_t prot, int user)
{
	uint64_t f = PTE_P;

	if (prot & ELF_PROT_W)
		f |= PTE_W;
	if (!(prot & ELF_PROT_X))
		f |= PTE_NX;
	if (user)
		f |= PTE_U;
	else
		f |= PTE_G;
	return f;
}

/* Direct map: all RAM at NANVIX_DMAP_BASE, 2 MiB pages, RW, never executable. */
static int map_direct(struct builder *b)
{
	uint64_t pa;

	for (pa = 0; pa < b->mem->size; pa += LARGE) {
		uint64_t *slot = walk(b, NANVIX_DMAP_BASE + pa, 1);

		if (!slot)
			return nomem(b);
		*slot = pa | PTE_P | PTE_W | PTE_PS | PTE_G | PTE_NX;
	}
	return 0;
}

static int load_kernel(struct builder *b, const struct boot_config *cfg,
                       const struct nanvix_kernel_header **khp)
{
	const struct nanvix_kernel_header *kh;
	struct elf_info info;
	char why[160];
	unsigned i;

	/* Parsed against 1 GiB at least: a kernel that is sound but larger than
	 * the RAM left is "too small" (nomem below), not a bad image. */
	if (elf_parse(cfg->kernel, cfg->kernel_size, ELF_KIND_KERNEL,
	              b->mem->size < (1ull << 30) ? 1ull << 30 : b->mem->size, &info, why,
	              sizeof(why)) < 0)
		return fail(b, NANVIXD_EXIT_BADELF, "kernel: %s", why);
	/* Check every segment and reserve the image before allocating any table. */
	for (i = 0; i < info.nsegments; i++) {
		const struct elf_segment *s = &info.segments[i];
		uint64_t end = (s->paddr + s->memsz + PAGE_MASK) & ~PAGE_MASK;

		if (s->paddr < NANVIX_KERNEL_PBASE || (s->paddr & PAGE_MASK) ||
		    (s->vaddr & PAGE_MASK) || s->vaddr - s->paddr != NANVIX_KERNEL_VBASE)
			return fail(b, NANVIXD_EXIT_BADELF,
			            "kernel: segment at %#llx is not a page-aligned kernel-window "
			            "segment",
			            (unsigned long long)s->vaddr);
		if (end > b->ranges[1].end)
			return nomem(b);
		if (end > b->ranges[1].start)
			b->ranges[1].start = end;
	}
	for (i = 0; i < info.nsegments; i++) {
		const struct elf_segment *s = &info.segments[i];
		uint64_t off;

		memcpy(b->mem->base + s->paddr, (const char *)cfg->kernel + s->offset, s->filesz);
		for (off = 0; off < s->memsz; off += PAGE) {
			uint64_t *slot = walk(b, s->vaddr + off, 0);

			if (!slot)
				return nomem(b);
			if (*slot)
				return fail(b, NANVIXD_EXIT_BADELF,
				            "kernel: segments share a page");
			*slot = (s->paddr + off) | leaf_flags(s->prot, 0);
		}
	}
	kh = gpa_ptr(b->mem, NANVIX_KERNEL_PBASE, sizeof(*kh));
	if (!kh || kh->magic != NANVIX_KHDR_MAGIC || kh->abi_version != NANVIX_ABI_VERSION)
		return fail(b, NANVIXD_EXIT_BADELF,
		            "kernel: no nanvix kernel header of ABI version %d at its start",
		            NANVIX_ABI_VERSION);
	/* The syscall entry page(s): executable from ring 3 (see docs/syscalls.md). */
	if (kh->user_text_lo & PAGE_MASK || kh->user_text_hi & PAGE_MASK ||
	    kh->user_text_lo >= kh->user_text_hi || kh->syscall_entry < kh->user_text_lo ||
	    kh->syscall_entry >= kh->user_text_hi)
		return fail(b, NANVIXD_EXIT_BADELF, "kernel: bad user-text range in its header");
	for (uint64_t va = kh->user_text_lo; va < kh->user_text_hi; va += PAGE) {
		uint64_t *slot = walk(b, va, 0);

		if (!slot || !(*slot & PTE_P) || (*slot & (PTE_W | PTE_NX)))
			return fail(b, NANVIXD_EXIT_BADELF, "kernel: user text is not kernel text");
		*slot = (*slot & ~PTE_G) | PTE_U;
	}
	*khp = kh;
	return 0;
}

/* Descriptor tables at their fixed pages (layout: abi/bootinfo.h). */
static void build_tables(struct builder *b, const struct nanvix_kernel_header *kh)
{
	uint64_t *gdt = gpa_ptr(b->mem, NANVIX_GDT_PADDR, PAGE);

	x86_tables_build(gdt, (uint8_t *)gdt + NANVIX_TSS_OFFSET,
	                 NANVIX_DMAP_BASE + NANVIX_GDT_PADDR + NANVIX_TSS_OFFSET,
	                 gpa_ptr(b->mem, NANVIX_IDT_PADDR, PAGE), kh, kh->stack_top);
}

/* Map [va, va + len) for the user with `prot`, merging into pages already there. */
static int map_user(struct builder *b, uint64_t va, uint64_t len, uint32_t prot)
{
	uint64_t p, end = (va + len + PAGE_MASK) & ~PAGE_MASK;

	for (p = va & ~PAGE_MASK; p < end; p += PAGE) {
		uint64_t *slot = walk(b, p, 0);
		uint64_t pa;

		if (!slot)
			return nomem(b);
		if (*slot & PTE_P) {
			/* A page shared with the previous segment: elf_parse kept W^X. */
			if (prot & ELF_PROT_W)
				*slot |= PTE_W;
			if (prot & ELF_PROT_X)
				*slot &= ~PTE_NX;
			continue;
		}
		pa = frame_alloc(b);
		if (!pa)
			return nomem(b);
		*slot = pa | leaf_flags(prot, 1);
	}
	return 0;
}

/* Copy host bytes into mapped user memory (after map_user). */
static void copy_user(struct builder *b, uint64_t va, const void *src, uint64_t len)
{
	const uint8_t *s = src;

	while (len > 0) {
		uint64_t gpa, chunk = PAGE - (va & PAGE_MASK);

		if (chunk > len)
			chunk = len;
		/* Cannot fail: the range was mapped user-accessible just before. */
		if (gva_translate(b->mem, b->pml4, va, false, &gpa) == 0)
			memcpy(b->mem->base + gpa, s, chunk);
		va += chunk;
		s += chunk;
		len -= chunk;
	}
}

/* Programs' segments end below the stack and a 1 GiB gap. */
static uint64_t program_limit(uint64_t stack_size)
{
	return NANVIX_USER_TOP - stack_size - (1ull << 30);
}

int boot_check_program(const void *image, size_t size, uint64_t stack_size, const char *name,
                       char *err, size_t errlen)
{
	struct elf_info info;
	char why[160];

	if (elf_parse(image, size, ELF_KIND_PROGRAM, program_limit(stack_size), &info, why,
	              sizeof(why)) < 0) {
		snprintf(err, errlen, "%s: %s", name, why);
		return NANVIXD_EXIT_BADELF;
	}
	return 0;
}

static int load_program(struct builder *b, const struct boot_config *cfg,
                        struct nanvix_bootinfo *bi, struct elf_info *info, uint64_t *bias)
{
	uint64_t limit = program_limit(cfg->stack_size);
	char why[160];
	unsigned i;

	if (elf_parse(cfg->program, cfg->program_size, ELF_KIND_PROGRAM, limit, info, why,
	              sizeof(why)) < 0)
		return fail(b, NANVIXD_EXIT_BADELF, "%s: %s", cfg->name, why);
	*bias = info->type == 3 /* ET_DYN */ ? NANVIX_PIE_BASE - info->lo : 0;
	if (info->hi + *bias > limit)
		return fail(b, NANVIXD_EXIT_BADELF, "%s: image too large", cfg->name);
	if (info->hi - info->lo > b->mem->size)
		return nomem(b);
	for (i = 0; i < info->nsegments; i++) {
		const struct elf_segment *s = &info->segments[i];
		struct nanvix_segment *bs = &bi->segments[bi->nsegments++];
		int rc = map_user(b, s->vaddr + *bias, s->memsz, s->prot);

		if (rc)
			return rc;
		copy_user(b, s->vaddr + *bias, (const char *)cfg->program + s->offset, s->filesz);
		bs->vaddr = (s->vaddr + *bias) & ~PAGE_MASK;
		bs->size = ((s->vaddr + *bias + s->memsz + PAGE_MASK) & ~PAGE_MASK) - bs->vaddr;
		bs->prot = s->prot;
	}
	bi->brk = info->hi + *bias;
	bi->entry = info->entry + *bias;
	return 0;
}

/* The read-only vvar page (abi/vvar.h) at its fixed address; its host view or NULL. */
static struct nanvix_vvar *map_vvar(struct builder *b, const struct nanvix_vvar *contents)
{
	uint64_t gpa;

	if (map_user(b, NANVIX_VVAR_VA, PAGE, ELF_PROT_R) ||
	    gva_translate(b->mem, b->pml4, NANVIX_VVAR_VA, false, &gpa) < 0)
		return NULL;
	if (contents)
		memcpy(b->mem->base + gpa, contents, sizeof(*contents));
	return (struct nanvix_vvar *)(b->mem->base + gpa);
}

/* The SysV x86-64 initial stack: argc, argv, envp, auxv, then the strings. */
static int build_stack(struct builder *b, const struct boot_config *cfg,
                       const struct elf_info *info, uint64_t bias, struct nanvix_bootinfo *bi)
{
	static const char platform[] = "x86_64";
	uint64_t top = NANVIX_USER_TOP, sp, strings = 0, vec[2 * 24], *words;
	size_t nwords, n = 0;
	int i, rc;

	/*
	 * Each string costs its bytes and its argv/envp pointer: many short
	 * strings must not push the vectors below the stack mapping.  Checked
	 * before the arrays below are sized by argc and envc.
	 */
	for (i = 0; i < cfg->argc; i++)
		strings += strlen(cfg->argv[i]) + 1 + sizeof(uint64_t);
	for (i = 0; i < cfg->envc; i++)
		strings += strlen(cfg->envp[i]) + 1 + sizeof(uint64_t);
	if (strings > ARGS_MAX || strings > cfg->stack_size / 4)
		return fail(b, NANVIXD_EXIT_USAGE,
		            "arguments and environment too long (%llu bytes)",
		            (unsigned long long)strings);

	uint64_t argv_va[cfg->argc + 1], envp_va[cfg->envc + 1];

	rc = map_user(b, top - cfg->stack_size, cfg->stack_size, ELF_PROT_R | ELF_PROT_W);
	if (rc)
		return rc;
	bi->stack_lo = top - cfg->stack_size;
	bi->stack_hi = top;

	/* Strings at the very top, then the random bytes and the platform name. */
	sp = top;
	for (i = cfg->envc - 1; i >= 0; i--) {
		size_t len = strlen(cfg->envp[i]) + 1;

		sp -= len;
		copy_user(b, sp, cfg->envp[i], len);
		envp_va[i] = sp;
	}
	for (i = cfg->argc - 1; i >= 0; i--) {
		size_t len = strlen(cfg->argv[i]) + 1;

		sp -= len;
		copy_user(b, sp, cfg->argv[i], len);
		argv_va[i] = sp;
	}
	argv_va[cfg->argc] = envp_va[cfg->envc] = 0;
	sp -= sizeof(platform);
	copy_user(b, sp, platform, sizeof(platform));
	vec[n++] = LINUX_AT_PLATFORM, vec[n++] = sp;
	sp = (sp - 16) & ~15ull;
	copy_user(b, sp, cfg->random, 16);
	vec[n++] = LINUX_AT_RANDOM, vec[n++] = sp;

	if (info->phdr_vaddr)
		vec[n++] = LINUX_AT_PHDR, vec[n++] = info->phdr_vaddr + bias;
	vec[n++] = LINUX_AT_PHENT, vec[n++] = 56;
	vec[n++] = LINUX_AT_PHNUM, vec[n++] = info->phnum;
	vec[n++] = LINUX_AT_PAGESZ, vec[n++] = PAGE;
	vec[n++] = LINUX_AT_BASE, vec[n++] = 0;
	vec[n++] = LINUX_AT_FLAGS, vec[n++] = 0;
	vec[n++] = LINUX_AT_ENTRY, vec[n++] = info->entry + bias;
	vec[n++] = LINUX_AT_UID, vec[n++] = 0;
	vec[n++] = LINUX_AT_EUID, vec[n++] = 0;
	vec[n++] = LINUX_AT_GID, vec[n++] = 0;
	vec[n++] = LINUX_AT_EGID, vec[n++] = 0;
	vec[n++] = LINUX_AT_SECURE, vec[n++] = 0;
	vec[n++] = LINUX_AT_CLKTCK, vec[n++] = 100;
	vec[n++] = LINUX_AT_EXECFN, vec[n++] = cfg->argc > 0 ? argv_va[0] : 0;
	vec[n++] = LINUX_AT_NULL, vec[n++] = 0;

	/* argc, argv[], NULL, envp[], NULL, auxv: with rsp 16-byte aligned at argc. */
	nwords = 1 + (cfg->argc + 1) + (cfg->envc + 1) + n;
	sp = (sp - nwords * 8) & ~15ull;
	{
		uint64_t buf[nwords];

		words = buf;
		words[0] = cfg->argc;
		memcpy(words + 1, argv_va, (cfg->argc + 1) * 8);
		memcpy(words + 2 + cfg->argc, envp_va, (cfg->envc + 1) * 8);
		memcpy(words + 3 + cfg->argc + cfg->envc, vec, n * 8);
		copy_user(b, sp, words, nwords * 8);
	}
	bi->sp = sp;
	bi->argc = cfg->argc;
	return 0;
}

/* The ring region's header: 64 slots each way, the rest is data area. */
static void ring_layout(struct vm_mem *mem)
{
	struct nanvix_ring_header *h = gpa_ptr(mem, NANVIX_RING_PADDR, NANVIX_RING_SIZE);
	uint32_t nslots = 64, req = 512, cpl = req + nslots * NANVIX_RING_SLOT_SIZE;

	memset(h, 0, sizeof(*h));
	h->magic = NANVIX_RING_MAGIC;
	h->version = NANVIX_RING_ABI_VERSION;
	h->nslots = (uint16_t)nslots;
	h->req_off = req;
	h->cpl_off = cpl;
	h->data_off = cpl + nslots * NANVIX_RING_SLOT_SIZE;
	h->data_len = (uint32_t)NANVIX_RING_SIZE - h->data_off;
}

/* The net state region's header (abi/net.h); every socket starts not ready. */
static void net_state_layout(struct vm_mem *mem)
{
	struct nanvix_net_state *st = gpa_ptr(mem, NANVIX_NET_STATE_PADDR, NANVIX_NET_STATE_SIZE);

	memset(st, 0, sizeof(*st));
	st->magic = NANVIX_NET_STATE_MAGIC;
	st->version = NANVIX_NET_ABI_VERSION;
	st->nsockets = NANVIX_NET_SOCKETS_MAX;
}

/* Guest-physical address of len bytes at kernel-image address va, or 0 when not in RAM. */
static uint64_t kernel_gpa(const struct vm_mem *mem, uint64_t va, uint64_t len)
{
	if (va < NANVIX_KERNEL_VBASE || (va & 7) || !gpa_ptr(mem, va - NANVIX_KERNEL_VBASE, len))
		return 0;
	return va - NANVIX_KERNEL_VBASE;
}

int boot_prepare(struct vm_mem *mem, const struct boot_config *cfg, struct boot_entry *out,
                 char *err, size_t errlen)
{
	const struct nanvix_kernel_header *kh = NULL;
	struct nanvix_bootinfo *bi;
	struct builder b = { .mem = mem, .err = err, .errlen = errlen };
	struct elf_info info;
	uint64_t npages = mem->size / PAGE, pfn_bytes, bias = 0;
	int rc;

	if (mem->size < NANVIX_KERNEL_PBASE + 64 * PAGE || (mem->size & PAGE_MASK))
		return nomem(&b);
	pfn_bytes = NANVIX_PFN_AREA(npages);
	b.ranges[0] = (struct nanvix_memrange){ LOW_FRAMES_START, NANVIX_KERNEL_PBASE };
	b.ranges[1] = (struct nanvix_memrange){ NANVIX_KERNEL_PBASE, mem->size - pfn_bytes };
	b.pml4 = frame_alloc(&b);
	bi = gpa_ptr(mem, NANVIX_BOOTINFO_PADDR, sizeof(*bi));

	rc = load_kernel(&b, cfg, &kh);
	if (rc)
		return rc;
	rc = map_direct(&b);
	if (rc)
		return rc;
	if (cfg->fastcall) {
		/* Shared by every address space (the kernel half is copied). */
		uint64_t *slot = walk(&b, NANVIX_FASTCALL_VA, 0);

		if (!slot)
			return nomem(&b);
		*slot = NANVIX_FASTCALL_GPA | PTE_P | PTE_W | PTE_U | PTE_NX;
	}
	build_tables(&b, kh);
	rc = load_program(&b, cfg, bi, &info, &bias);
	if (rc)
		return rc;
	rc = build_stack(&b, cfg, &info, bias, bi);
	if (rc)
		return rc;
	out->vvar = map_vvar(&b, cfg->vvar);
	if (!out->vvar)
		return nomem(&b);

	/* What is left belongs to the kernel. */
	bi->nranges = 0;
	for (int i = b.r; i < 2; i++)
		if (b.ranges[i].start < b.ranges[i].end)
			bi->free[bi->nranges++] = b.ranges[i];
	{
		uint64_t left = 0;

		for (uint32_t i = 0; i < bi->nranges; i++)
			left += (bi->free[i].end - bi->free[i].start) / PAGE;
		if (left < MIN_FREE_FRAMES)
			return nomem(&b);
	}
	ring_layout(mem);
	bi->rings[bi->nrings++] = (struct nanvix_boot_ring){ .kind = NANVIX_RING_KIND_CALLS,
		                                             .paddr = NANVIX_RING_PADDR,
		                                             .size = NANVIX_RING_SIZE };
	if (cfg->net) {
		net_state_layout(mem);
		bi->rings[bi->nrings++] =
		        (struct nanvix_boot_ring){ .kind = NANVIX_RING_KIND_NET_STATE,
			                           .paddr = NANVIX_NET_STATE_PADDR,
			                           .size = NANVIX_NET_STATE_SIZE };
		bi->flags |= NANVIX_BOOT_NET;
		if (cfg->net_guest)
			bi->flags |= NANVIX_BOOT_NET_GUEST;
	}
	if (cfg->fs)
		bi->flags |= NANVIX_BOOT_FS;
	if (cfg->fs && cfg->fs_guest)
		bi->flags |= NANVIX_BOOT_FS_GUEST;
	bi->magic = NANVIX_BOOTINFO_MAGIC;
	bi->abi_version = NANVIX_ABI_VERSION;
	bi->mem_size = mem->size;
	bi->pfn_stacks = mem->size - pfn_bytes;
	bi->cr3 = b.pml4;
	snprintf(bi->name, sizeof(bi->name), "%s", cfg->name);

	out->cr3 = b.pml4;
	out->rip = kh->entry;
	out->rsp = kh->stack_top;
	out->bootinfo = NANVIX_DMAP_BASE + NANVIX_BOOTINFO_PADDR;
	out->lstar = kh->syscall_entry;
	out->bi = bi;
	out->kstats_gpa = kernel_gpa(mem, kh->kstats, sizeof(struct nanvix_kcounters));
	out->frames_gpa = kernel_gpa(mem, kh->frame_counts, sizeof(struct nanvix_frame_state));
	return 0;
}

int boot_exec(struct vm_mem *mem, const struct boot_config *cfg, uint64_t pml4,
              const struct aspace_frames *frames, struct boot_exec_result *out, char *err,
              size_t errlen)
{
	struct builder b = {
		.mem = mem, .pml4 = pml4 & ~PAGE_MASK, .lend = frames, .err = err, .errlen = errlen
	};
	struct nanvix_bootinfo bi;
	struct elf_info info;
	uint64_t bias = 0;
	int rc;

	memset(&bi, 0, sizeof(bi));
	memset(out, 0, sizeof(*out));
	if (!gpa_ptr(mem, b.pml4, PAGE))
		rc = fail(&b, NANVIXD_EXIT_GUEST, "exec: page-table root outside RAM");
	else if ((rc = load_program(&b, cfg, &bi, &info, &bias)) == 0 &&
	         (rc = build_stack(&b, cfg, &info, bias, &bi)) == 0 && !map_vvar(&b, cfg->vvar))
		rc = nomem(&b);
	out->used = b.lent;
	if (rc == NANVIXD_EXIT_NOMEM && b.lend_error == -EINVAL)
		rc = fail(&b, NANVIXD_EXIT_GUEST, "exec: a lent frame lies outside RAM");
	if (rc)
		return rc;
	out->entry = bi.entry;
	out->sp = bi.sp;
	out->brk = bi.brk;
	out->stack_lo = bi.stack_lo;
	out->stack_hi = bi.stack_hi;
	return 0;
}

/* Does `cfg` boot in `size` bytes of RAM?  1 yes, 0 too small, -1 other failure. */
static int fits(const struct boot_config *cfg, uint64_t size)
{
	struct vm_mem m = { .size = size };
	struct boot_entry e;
	char err[256];
	int rc;

	/* Untouched pages of a private anonymous mapping read as zero and cost nothing. */
	m.base = mmap(NULL, size, PROT_READ | PROT_WRITE,
	              MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m.base == MAP_FAILED)
		return -1;
	rc = boot_prepare(&m, cfg, &e, err, sizeof(err));
	munmap(m.base, size);
	return rc == 0 ? 1 : rc == NANVIXD_EXIT_NOMEM ? 0 : -1;
}

uint64_t boot_min_memory(const struct boot_config *cfg, uint64_t max)
{
	const uint64_t mib = 1ull << 20;
	uint64_t lo = 0, hi = 1; /* in MiB: lo is too small (or 0), hi to try */
	int r;

	/* The layout grows with RAM (direct map, PFN stacks): search, do not guess. */
	while ((r = fits(cfg, hi * mib)) == 0) {
		lo = hi;
		if (hi * mib >= max)
			return 0;
		hi = hi * 2 * mib > max ? max / mib : hi * 2;
	}
	if (r < 0)
		return 0;
	while (hi - lo > 1) {
		uint64_t mid = lo + (hi - lo) / 2;

		r = fits(cfg, mid * mib);
		if (r < 0)
			return 0;
		if (r)
			hi = mid;
		else
			lo = mid;
	}
	return hi * mib;
}
