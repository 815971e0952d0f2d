/* Builds small ELF64 images in memory for the ELF parser's tests and fuzz seeds. */
#ifndef TESTS_UNIT_MONITOR_ELF_BUILDER_H
#define TESTS_UNIT_MONITOR_ELF_BUILDER_H

#include <elf.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Layout of the image eb_init() builds (all offsets congruent to their
 * addresses modulo the page size, as a linker would lay them out):
 *
 *   file 0x000  ELF header, then room for EB_PHDRS_MAX program headers
 *   file 0x400  text, EB_TEXT_SIZE bytes
 *   file 0x440  data, EB_DATA_FILESZ bytes; EB_DATA_MEMSZ in memory (bss)
 *
 *   phdr 0  PT_LOAD R   base + 0x0000  the headers
 *   phdr 1  PT_LOAD RX  base + 0x1400  text, holds the entry point
 *   phdr 2  PT_LOAD RW  base + 0x2440  data and bss
 */
#define EB_PHDRS_MAX    16
#define EB_HEADERS_SIZE (sizeof(Elf64_Ehdr) + EB_PHDRS_MAX * sizeof(Elf64_Phdr))
#define EB_TEXT_OFF     0x400ull
#define EB_TEXT_VOFF    0x1400ull
#define EB_TEXT_SIZE    0x40ull
#define EB_DATA_OFF     0x440ull
#define EB_DATA_VOFF    0x2440ull
#define EB_DATA_FILESZ  0x40ull
#define EB_DATA_MEMSZ   0x1000ull
#define EB_FILE_SIZE    0x480ull
#define EB_CAPACITY     0x1000ull /* room for tests that grow the file */

struct eb_image {
	union {
		unsigned char bytes[EB_CAPACITY];
		uint64_t align; /* the parser reads the headers in place */
	} u;
	size_t size; /* bytes of u.bytes that make up the file */
};

/* Build the valid three-segment image above, of `type` (ET_EXEC or ET_DYN)
 * with its first segment at virtual address `base`; p_paddr = p_vaddr. */
void eb_init(struct eb_image *im, uint16_t type, uint64_t base);

/* Like eb_init() for a kernel image: ET_EXEC linked at `vbase`, loaded at
 * physical address `pbase` (every p_paddr = p_vaddr - vbase + pbase). */
void eb_init_kernel(struct eb_image *im, uint64_t vbase, uint64_t pbase);

/* The ELF header and program header i (i < EB_PHDRS_MAX) of im. */
Elf64_Ehdr *eb_ehdr(struct eb_image *im);
Elf64_Phdr *eb_phdr(struct eb_image *im, unsigned i);

/* Append a program header (p_paddr = vaddr, p_align = page) and bump
 * e_phnum; returns it.  Aborts if the table is full. */
Elf64_Phdr *eb_add(struct eb_image *im, uint32_t type, uint32_t flags, uint64_t vaddr,
                   uint64_t memsz, uint64_t offset, uint64_t filesz);

#endif /* TESTS_UNIT_MONITOR_ELF_BUILDER_H */
