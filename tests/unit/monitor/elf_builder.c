/* Builds small ELF64 images in memory for the ELF parser's tests and fuzz seeds. */
#include <stdlib.h>
#include <string.h>

#include "elf_builder.h"

Elf64_Ehdr *eb_ehdr(struct eb_image *im)
{
	return (Elf64_Ehdr *)im->u.bytes;
}

Elf64_Phdr *eb_phdr(struct eb_image *im, unsigned i)
{
	if (i >= EB_PHDRS_MAX)
		abort();
	return (Elf64_Phdr *)(im->u.bytes + sizeof(Elf64_Ehdr)) + i;
}

Elf64_Phdr *eb_add(struct eb_image *im, uint32_t type, uint32_t flags, uint64_t vaddr,
                   uint64_t memsz, uint64_t offset, uint64_t filesz)
{
	Elf64_Ehdr *eh = eb_ehdr(im);
	Elf64_Phdr *ph = eb_phdr(im, eh->e_phnum);

	eh->e_phnum++;
	ph->p_type = type;
	ph->p_flags = flags;
	ph->p_offset = offset;
	ph->p_vaddr = vaddr;
	ph->p_paddr = vaddr;
	ph->p_filesz = filesz;
	ph->p_memsz = memsz;
	ph->p_align = 0x1000;
	return ph;
}

void eb_init(struct eb_image *im, uint16_t type, uint64_t base)
{
	/* exit(0): mov $60, %eax; xor %edi, %edi; syscall */
	static const unsigned char text[] = { 0xb8, 0x3c, 0, 0, 0, 0x31, 0xff, 0x0f, 0x05 };
	Elf64_Ehdr *eh = eb_ehdr(im);

	memset(im, 0, sizeof(*im));
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_ident[EI_OSABI] = ELFOSABI_SYSV;
	eh->e_type = type;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_entry = base + EB_TEXT_VOFF;
	eh->e_phoff = sizeof(Elf64_Ehdr);
	eh->e_ehsize = sizeof(Elf64_Ehdr);
	eh->e_phentsize = sizeof(Elf64_Phdr);
	eh->e_shentsize = sizeof(Elf64_Shdr);

	eb_add(im, PT_LOAD, PF_R, base, EB_HEADERS_SIZE, 0, EB_HEADERS_SIZE);
	eb_add(im, PT_LOAD, PF_R | PF_X, base + EB_TEXT_VOFF, EB_TEXT_SIZE, EB_TEXT_OFF,
	       EB_TEXT_SIZE);
	eb_add(im, PT_LOAD, PF_R | PF_W, base + EB_DATA_VOFF, EB_DATA_MEMSZ, EB_DATA_OFF,
	       EB_DATA_FILESZ);
	memcpy(im->u.bytes + EB_TEXT_OFF, text, sizeof(text));
	memset(im->u.bytes + EB_DATA_OFF, 0x5a, EB_DATA_FILESZ);
	im->size = EB_FILE_SIZE;
}

void eb_init_kernel(struct eb_image *im, uint64_t vbase, uint64_t pbase)
{
	unsigned i;

	eb_init(im, ET_EXEC, vbase);
	for (i = 0; i < eb_ehdr(im)->e_phnum; i++)
		eb_phdr(im, i)->p_paddr = eb_phdr(im, i)->p_vaddr - vbase + pbase;
}
