/* ELF64 parsing and validation for the kernel image and guest programs. */
#ifndef MONITOR_ELF_H
#define MONITOR_ELF_H

#include <stddef.h>
#include <stdint.h>

#define ELF_SEGMENTS_MAX 8
#define ELF_PAGE_SIZE    4096ull

/* Protection bits of a loadable segment (Linux PROT_* values). */
#define ELF_PROT_R 0x1u
#define ELF_PROT_W 0x2u
#define ELF_PROT_X 0x4u

/* One PT_LOAD segment, already checked against the file and the limits. */
struct elf_segment {
	uint64_t vaddr;  /* unrelocated virtual address */
	uint64_t paddr;  /* physical address (kernel images only) */
	uint64_t memsz;  /* bytes in memory, >= filesz */
	uint64_t offset; /* file offset of the first byte */
	uint64_t filesz; /* bytes taken from the file */
	uint32_t prot;   /* ELF_PROT_* */
};

struct elf_info {
	uint16_t type;       /* ET_EXEC or ET_DYN (static-PIE) */
	uint64_t entry;      /* unrelocated entry point */
	uint64_t phdr_vaddr; /* where the program headers are in memory */
	uint16_t phnum;      /* number of program headers */
	uint64_t lo, hi;     /* page-aligned span of all segments */
	unsigned nsegments;
	struct elf_segment segments[ELF_SEGMENTS_MAX];
};

/* Which kind of image elf_parse() checks for. */
enum elf_kind {
	ELF_KIND_PROGRAM, /* user program: ET_EXEC or static-PIE below the user top */
	ELF_KIND_KERNEL,  /* kernel image: ET_EXEC, loaded by physical address */
};

/* In elf_parse's reason for a W^X refusal, and in no other (exec.c counts them). */
#define ELF_WX_REASON "writable and executable"

/*
 * Parse and validate the ELF file image[0..size).  Checks the header
 * (ELF64, little-endian, x86-64, version), that every program header and
 * every segment's file range lies inside the file, that segments do not
 * overlap in memory and are sorted, that filesz <= memsz, that addresses
 * do not wrap and stay below `limit` (for a static-PIE: the span does),
 * that no page is both writable and executable, that there is no program
 * interpreter, and that the entry point lies in an executable segment.
 *
 * Returns 0 and fills *out, or -1 with a one-line reason in err[errlen];
 * the reason of a W^X refusal, and of no other, holds ELF_WX_REASON.
 * Never reads outside image[0..size).  Thread-safe, no allocation.
 */
int elf_parse(const void *image, size_t size, enum elf_kind kind, uint64_t limit,
              struct elf_info *out, char *err, size_t errlen);

#endif /* MONITOR_ELF_H */
