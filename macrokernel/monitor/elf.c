/* ELF64 parsing and validation: every check a hostile file needs, before any copy. */
#include <elf.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <monitor/elf.h>

#define PAGE_MASK (ELF_PAGE_SIZE - 1)
#define PHNUM_MAX 64
#define USER_MIN  0x10000ull /* keep page 0 and its neighbours unmapped */

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static uint32_t prot_of(uint32_t flags)
{
	return ((flags & PF_R) ? ELF_PROT_R : 0) | ((flags & PF_W) ? ELF_PROT_W : 0) |
	       ((flags & PF_X) ? ELF_PROT_X : 0);
}

static int check_header(const Elf64_Ehdr *eh, size_t size, enum elf_kind kind, char *err,
                        size_t errlen)
{
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0)
		return fail(err, errlen, "not an ELF file (bad magic)");
	if (eh->e_ident[EI_CLASS] != ELFCLASS64)
		return fail(err, errlen, "not a 64-bit ELF file");
	if (eh->e_ident[EI_DATA] != ELFDATA2LSB)
		return fail(err, errlen, "not a little-endian ELF file");
	if (eh->e_ident[EI_VERSION] != EV_CURRENT || eh->e_version != EV_CURRENT)
		return fail(err, errlen, "unknown ELF version");
	if (eh->e_machine != EM_X86_64)
		return fail(err, errlen, "wrong machine %u (need x86-64)", (unsigned)eh->e_machine);
	if (eh->e_type != ET_EXEC && !(kind == ELF_KIND_PROGRAM && eh->e_type == ET_DYN))
		return fail(err, errlen, "not an executable (ELF type %u)", (unsigned)eh->e_type);
	if (eh->e_phentsize != sizeof(Elf64_Phdr))
		return fail(err, errlen, "bad program header size %u", (unsigned)eh->e_phentsize);
	if (eh->e_phnum == 0 || eh->e_phnum > PHNUM_MAX)
		return fail(err, errlen, "bad program header count %u", (unsigned)eh->e_phnum);
	if (eh->e_phoff >= size || size - eh->e_phoff < (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr))
		return fail(err, errlen, "program headers outside the file (truncated?)");
	if (eh->e_phoff % 8 != 0)
		return fail(err, errlen, "misaligned program headers");
	return 0;
}

static uint64_t seg_addr(const struct elf_segment *s, int phys)
{
	return phys ? s->paddr : s->vaddr;
}

/*
 * Check a new segment [start, start + memsz) with protection prot against the
 * ones already accepted, in the virtual (phys == 0) or physical address space:
 * it must start at or after the end of the last one, and the page holding
 * start must not become writable and executable.  Earlier segments all end at
 * or below start, so start's page is the only one they can share with it, and
 * every earlier segment touching that page (not just the last) counts.
 */
static int check_order(const struct elf_info *out, uint64_t start, uint32_t prot, int phys,
                       char *err, size_t errlen)
{
	const struct elf_segment *prev;
	unsigned i;

	if (out->nsegments == 0)
		return 0;
	prev = &out->segments[out->nsegments - 1];
	if (start < seg_addr(prev, phys) + prev->memsz)
		return fail(err, errlen, "segments at %s%#llx and %#llx overlap or are unsorted",
		            phys ? "physical " : "", (unsigned long long)seg_addr(prev, phys),
		            (unsigned long long)start);
	for (i = 0; i < out->nsegments; i++) {
		const struct elf_segment *s = &out->segments[i];

		if (((seg_addr(s, phys) + s->memsz - 1) & ~PAGE_MASK) == (start & ~PAGE_MASK))
			prot |= s->prot;
	}
	if ((prot & (ELF_PROT_W | ELF_PROT_X)) == (ELF_PROT_W | ELF_PROT_X))
		return fail(err, errlen,
		            "segments at %s%#llx and %#llx share a page that would "
		            "be " ELF_WX_REASON,
		            phys ? "physical " : "", (unsigned long long)seg_addr(prev, phys),
		            (unsigned long long)start);
	return 0;
}

/* Validate one PT_LOAD and append it to out; `ph` already lies in the file. */
static int add_segment(const Elf64_Phdr *ph, size_t size, enum elf_kind kind, uint64_t limit,
                       struct elf_info *out, char *err, size_t errlen)
{
	struct elf_segment *seg;
	uint64_t addr = kind == ELF_KIND_KERNEL ? ph->p_paddr : ph->p_vaddr;

	if (ph->p_filesz > ph->p_memsz)
		return fail(err, errlen, "segment at %#llx: file size exceeds memory size",
		            (unsigned long long)ph->p_vaddr);
	if (ph->p_offset > size || size - ph->p_offset < ph->p_filesz)
		return fail(err, errlen, "segment at %#llx extends past the end of the file",
		            (unsigned long long)ph->p_vaddr);
	if (ph->p_memsz > limit || addr > limit - ph->p_memsz ||
	    ph->p_vaddr + ph->p_memsz < ph->p_vaddr)
		return fail(err, errlen,
		            "segment at %#llx (%llu bytes) is too large or out of range",
		            (unsigned long long)ph->p_vaddr, (unsigned long long)ph->p_memsz);
	if ((ph->p_flags & (PF_W | PF_X)) == (PF_W | PF_X))
		return fail(err, errlen, "segment at %#llx is " ELF_WX_REASON " (W^X)",
		            (unsigned long long)ph->p_vaddr);
	if (out->nsegments == ELF_SEGMENTS_MAX)
		return fail(err, errlen, "more than %d loadable segments", ELF_SEGMENTS_MAX);
	if (check_order(out, ph->p_vaddr, prot_of(ph->p_flags), 0, err, errlen) < 0)
		return -1;
	/* A kernel is loaded by physical address: its segments must not overlap there either. */
	if (kind == ELF_KIND_KERNEL &&
	    check_order(out, ph->p_paddr, prot_of(ph->p_flags), 1, err, errlen) < 0)
		return -1;
	seg = &out->segments[out->nsegments++];
	seg->vaddr = ph->p_vaddr;
	seg->paddr = ph->p_paddr;
	seg->memsz = ph->p_memsz;
	seg->offset = ph->p_offset;
	seg->filesz = ph->p_filesz;
	seg->prot = prot_of(ph->p_flags);
	return 0;
}

/* Where the program headers are mapped: PT_PHDR, or the PT_LOAD holding them. */
static uint64_t find_phdr_vaddr(const Elf64_Ehdr *eh, const Elf64_Phdr *phdrs,
                                const struct elf_info *out)
{
	uint64_t len = (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr);
	unsigned i;

	for (i = 0; i < eh->e_phnum; i++)
		if (phdrs[i].p_type == PT_PHDR)
			return phdrs[i].p_vaddr;
	for (i = 0; i < out->nsegments; i++) {
		const struct elf_segment *s = &out->segments[i];

		if (eh->e_phoff >= s->offset && eh->e_phoff - s->offset <= s->filesz &&
		    s->filesz - (eh->e_phoff - s->offset) >= len)
			return s->vaddr + (eh->e_phoff - s->offset);
	}
	return 0;
}

int elf_parse(const void *image, size_t size, enum elf_kind kind, uint64_t limit,
              struct elf_info *out, char *err, size_t errlen)
{
	const Elf64_Ehdr *eh = image;
	const Elf64_Phdr *phdrs;
	uint64_t end;
	unsigned i;
	int entry_ok = 0;

	memset(out, 0, sizeof(*out));
	if (size < sizeof(Elf64_Ehdr))
		return fail(err, errlen, "file too short for an ELF header (%zu bytes)", size);
	if (check_header(eh, size, kind, err, errlen) < 0)
		return -1;
	phdrs = (const Elf64_Phdr *)((const char *)image + eh->e_phoff);

	for (i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *ph = &phdrs[i];

		if (ph->p_type == PT_INTERP) {
			/* Name the interpreter when it is a sane string inside the file. */
			const char *interp = "an interpreter";
			size_t n = 0;

			if (ph->p_offset < size && ph->p_filesz <= size - ph->p_offset &&
			    ph->p_filesz > 1 && ph->p_filesz < 256) {
				interp = (const char *)image + ph->p_offset;
				while (n < ph->p_filesz && interp[n] >= ' ' && interp[n] < 0x7f)
					n++;
				if (n + 1 != ph->p_filesz || interp[n] != '\0')
					interp = "an interpreter", n = 0;
			}
			return fail(err, errlen,
			            "dynamically linked (needs %s); nanvixd runs static programs "
			            "only: rebuild with 'musl-gcc -static' or 'gcc -static'",
			            n ? interp : "an interpreter");
		}
		if (ph->p_type != PT_LOAD || ph->p_memsz == 0)
			continue;
		if (add_segment(ph, size, kind, limit, out, err, errlen) < 0)
			return -1;
	}
	if (out->nsegments == 0)
		return fail(err, errlen, "no loadable segments");

	out->type = eh->e_type;
	out->entry = eh->e_entry;
	out->phnum = eh->e_phnum;
	out->lo = out->segments[0].vaddr & ~PAGE_MASK;
	/* Segments are sorted and do not wrap, so the last one ends highest. */
	end = out->segments[out->nsegments - 1].vaddr + out->segments[out->nsegments - 1].memsz;
	if (end > UINT64_MAX - PAGE_MASK)
		return fail(err, errlen,
		            "image ends at %#llx, in the last page of the address space",
		            (unsigned long long)end);
	out->hi = (end + PAGE_MASK) & ~PAGE_MASK;
	if (kind == ELF_KIND_PROGRAM && eh->e_type == ET_EXEC && out->lo < USER_MIN)
		return fail(err, errlen, "segment at %#llx is below the lowest user address %#llx",
		            (unsigned long long)out->lo, USER_MIN);
	if (kind == ELF_KIND_PROGRAM && out->hi > limit)
		return fail(err, errlen, "image ends at %#llx, above the user limit",
		            (unsigned long long)out->hi);

	for (i = 0; i < out->nsegments; i++) {
		const struct elf_segment *s = &out->segments[i];

		if ((s->prot & ELF_PROT_X) && eh->e_entry >= s->vaddr &&
		    eh->e_entry - s->vaddr < s->memsz)
			entry_ok = 1;
	}
	if (!entry_ok)
		return fail(err, errlen, "entry point %#llx is not in an executable segment",
		            (unsigned long long)eh->e_entry);
	out->phdr_vaddr = find_phdr_vaddr(eh, phdrs, out);
	return 0;
}
