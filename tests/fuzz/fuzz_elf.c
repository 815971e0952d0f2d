/* libFuzzer target for elf_parse(): never crash, and every image it accepts keeps its contract. */
#include <elf.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <monitor/elf.h>

#define PAGE_MASK (ELF_PAGE_SIZE - 1)
#define USER_MIN  0x10000ull
#define WX        (ELF_PROT_W | ELF_PROT_X)

/* Ascending: acceptance under one limit implies acceptance under every larger one. */
static const uint64_t limits[] = {
	0x4000000ull,      /* 64 MiB: a small guest's memory */
	0x100000000ull,    /* 4 GiB */
	0x7fffbfffe000ull, /* about nanvixd's user limit */
	UINT64_MAX,        /* no limit: only wrap-around stops an address */
};
#define NLIMITS (sizeof(limits) / sizeof(limits[0]))

static const uint8_t *cur_data;
static size_t cur_size;

static void violated(enum elf_kind kind, uint64_t limit, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fuzz_elf: invariant violated (%s image, %zu bytes, limit %#llx): ",
	        kind == ELF_KIND_KERNEL ? "kernel" : "program", cur_size,
	        (unsigned long long)limit);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

#define CHECK(cond, ...)                                    \
	do {                                                \
		if (!(cond))                                \
			violated(kind, limit, __VA_ARGS__); \
	} while (0)

static uint64_t addr_of(const struct elf_segment *s, int phys)
{
	return phys ? s->paddr : s->vaddr;
}

/* Sorted, disjoint, and no page whose segments add up to W+X, in one address space. */
static void check_layout(const struct elf_info *info, int phys, enum elf_kind kind, uint64_t limit)
{
	unsigned i, j;

	for (i = 0; i + 1 < info->nsegments; i++) {
		const struct elf_segment *a = &info->segments[i], *b = &info->segments[i + 1];

		CHECK(addr_of(a, phys) + a->memsz <= addr_of(b, phys),
		      "segments %u and %u overlap or are unsorted (%s)", i, i + 1,
		      phys ? "physical" : "virtual");
	}
	/*
	 * Only a segment's first and last pages can be shared, so those are the
	 * pages to check: each gets the protection of every segment touching
	 * it.  (The two are different pages unless the segment fits in one, so
	 * what shares the first page and what shares the last never combine.)
	 */
	for (i = 0; i < info->nsegments; i++) {
		const struct elf_segment *a = &info->segments[i];
		uint64_t pages[2] = { addr_of(a, phys) & ~PAGE_MASK,
			              (addr_of(a, phys) + a->memsz - 1) & ~PAGE_MASK };

		for (unsigned k = 0; k < 2; k++) {
			uint32_t prot = 0;

			for (j = 0; j < info->nsegments; j++) {
				const struct elf_segment *p = &info->segments[j];
				uint64_t first = addr_of(p, phys) & ~PAGE_MASK;
				uint64_t last = (addr_of(p, phys) + p->memsz - 1) & ~PAGE_MASK;

				if (first <= pages[k] && pages[k] <= last)
					prot |= p->prot;
			}
			CHECK((prot & WX) != WX,
			      "page %#llx of segment %u is writable and executable (%s)",
			      (unsigned long long)pages[k], i, phys ? "physical" : "virtual");
		}
	}
}

/* Everything elf.h promises about an accepted image, read back from the raw bytes too. */
static void check_info(enum elf_kind kind, uint64_t limit, const struct elf_info *info)
{
	Elf64_Ehdr eh;
	unsigned i, nload = 0, entry_ok = 0;
	uint64_t end;

	CHECK(cur_size >= sizeof(eh), "accepted a file shorter than an ELF header");
	memcpy(&eh, cur_data, sizeof(eh));
	CHECK(memcmp(eh.e_ident, ELFMAG, SELFMAG) == 0, "accepted a bad magic");
	CHECK(eh.e_ident[EI_CLASS] == ELFCLASS64 && eh.e_ident[EI_DATA] == ELFDATA2LSB,
	      "accepted a non-ELF64-LE file");
	CHECK(eh.e_machine == EM_X86_64, "accepted machine %u", eh.e_machine);
	CHECK(eh.e_type == ET_EXEC || (kind == ELF_KIND_PROGRAM && eh.e_type == ET_DYN),
	      "accepted type %u", eh.e_type);
	CHECK(info->type == eh.e_type && info->entry == eh.e_entry && info->phnum == eh.e_phnum,
	      "header fields not copied faithfully");
	CHECK(eh.e_phentsize == sizeof(Elf64_Phdr), "accepted phentsize %u", eh.e_phentsize);
	CHECK(eh.e_phnum > 0 && eh.e_phoff <= cur_size &&
	              cur_size - eh.e_phoff >= (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr),
	      "accepted program headers outside the file");

	for (i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;

		memcpy(&ph, cur_data + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		CHECK(ph.p_type != PT_INTERP, "accepted a PT_INTERP");
		if (ph.p_type == PT_LOAD && ph.p_memsz != 0)
			nload++;
	}
	CHECK(info->nsegments >= 1 && info->nsegments <= ELF_SEGMENTS_MAX,
	      "nsegments %u out of range", info->nsegments);
	CHECK(info->nsegments == nload, "%u non-empty PT_LOADs but %u segments", nload,
	      info->nsegments);

	for (i = 0; i < info->nsegments; i++) {
		const struct elf_segment *s = &info->segments[i];
		uint64_t addr = kind == ELF_KIND_KERNEL ? s->paddr : s->vaddr;

		CHECK(s->memsz > 0 && s->filesz <= s->memsz, "segment %u: bad sizes", i);
		CHECK(s->offset <= cur_size && s->filesz <= cur_size - s->offset,
		      "segment %u: file range outside the file", i);
		CHECK((s->prot & ~(ELF_PROT_R | ELF_PROT_W | ELF_PROT_X)) == 0,
		      "segment %u: prot %#x", i, s->prot);
		CHECK((s->prot & WX) != WX, "segment %u is writable and executable", i);
		CHECK(s->memsz <= limit && addr <= limit - s->memsz, "segment %u: above the limit",
		      i);
		CHECK(s->vaddr + s->memsz > s->vaddr, "segment %u: vaddr wraps", i);
		if ((s->prot & ELF_PROT_X) && info->entry >= s->vaddr &&
		    info->entry - s->vaddr < s->memsz)
			entry_ok = 1;
	}
	CHECK(entry_ok, "entry %#llx not in an executable segment",
	      (unsigned long long)info->entry);
	check_layout(info, 0, kind, limit);
	if (kind == ELF_KIND_KERNEL)
		check_layout(info, 1, kind, limit);

	end = info->segments[info->nsegments - 1].vaddr + info->segments[info->nsegments - 1].memsz;
	CHECK(info->lo == (info->segments[0].vaddr & ~PAGE_MASK), "lo is wrong");
	CHECK((info->hi & PAGE_MASK) == 0 && info->hi >= end && info->hi - end < ELF_PAGE_SIZE,
	      "hi %#llx does not round up the end %#llx", (unsigned long long)info->hi,
	      (unsigned long long)end);
	CHECK(info->lo < info->hi, "empty or inverted span");
	if (kind == ELF_KIND_PROGRAM) {
		CHECK(info->hi <= limit, "image ends above the limit");
		CHECK(info->type != ET_EXEC || info->lo >= USER_MIN, "image below USER_MIN");
	}
}

static void check_error(enum elf_kind kind, uint64_t limit, const char *err, size_t errlen)
{
	CHECK(memchr(err, '\0', errlen) != NULL, "error message not terminated");
	CHECK(err[0] != '\0', "rejected without a reason");
}

/* Parse with one kind and limit; returns elf_parse's result after checking it. */
static int run(enum elf_kind kind, uint64_t limit)
{
	struct elf_info info;
	char err[160];
	char *tiny;
	int rc, rc2;

	memset(err, 0x55, sizeof(err));
	rc = elf_parse(cur_data, cur_size, kind, limit, &info, err, sizeof(err));
	CHECK(rc == 0 || rc == -1, "returned %d", rc);
	if (rc == 0)
		check_info(kind, limit, &info);
	else
		check_error(kind, limit, err, sizeof(err));

	/* The verdict must not depend on the error buffer; a tight one must not overflow. */
	tiny = malloc(3);
	if (!tiny)
		abort();
	rc2 = elf_parse(cur_data, cur_size, kind, limit, &info, tiny, 3);
	CHECK(rc2 == rc, "verdict changed with a 3-byte error buffer");
	free(tiny);
	rc2 = elf_parse(cur_data, cur_size, kind, limit, &info, NULL, 0);
	CHECK(rc2 == rc, "verdict changed with no error buffer");
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum elf_kind kinds[] = { ELF_KIND_PROGRAM, ELF_KIND_KERNEL };
	unsigned k, l;

	cur_data = data;
	cur_size = size;
	for (k = 0; k < 2; k++) {
		int accepted = 0;

		for (l = 0; l < NLIMITS; l++) {
			enum elf_kind kind = kinds[k];
			uint64_t limit = limits[l];
			int rc = run(kind, limit);

			CHECK(!accepted || rc == 0, "accepted under a smaller limit, not this one");
			accepted = rc == 0;
		}
	}
	return 0;
}
