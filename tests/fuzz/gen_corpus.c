/* Writes the synthetic seeds of tests/fuzz/corpus/elf/ (valid and broken images) into a folder. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/elf_builder.h"

#define BASE   0x400000ull
#define KVBASE 0xffffffff80100000ull
#define KPBASE 0x100000ull

static struct eb_image im;
static const char *dir;

static void put(const char *name)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(im.u.bytes, 1, im.size, f) != im.size || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

static Elf64_Ehdr *eh(void)
{
	return eb_ehdr(&im);
}

static Elf64_Phdr *ph(unsigned i)
{
	return eb_phdr(&im, i);
}

static void exec(void)
{
	eb_init(&im, ET_EXEC, BASE);
}

int main(int argc, char **argv)
{
	unsigned i;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	dir = argv[1];

	/* Valid. */
	exec();
	put("ok-exec");
	eb_init(&im, ET_DYN, 0);
	put("ok-static-pie");
	eb_init_kernel(&im, KVBASE, KPBASE);
	put("ok-kernel");
	exec();
	eb_add(&im, PT_PHDR, PF_R, BASE + 0x40, 0x100, 0x40, 0x100);
	eb_add(&im, PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0);
	put("ok-phdr-stack");
	exec();
	for (i = 0; i < 5; i++)
		eb_add(&im, PT_LOAD, PF_R, BASE + 0x10000 + i * 0x1000, 0x100, 0, 0x100);
	put("ok-eight-segments");

	/* Broken, one way each. */
	exec();
	eh()->e_ident[EI_CLASS] = ELFCLASS32;
	put("bad-class32");
	exec();
	eh()->e_machine = EM_AARCH64;
	put("bad-machine");
	exec();
	eh()->e_type = ET_REL;
	put("bad-type-rel");
	exec();
	eh()->e_phoff = 0xfffffffffffffff8ull;
	put("bad-phoff");
	exec();
	eb_add(&im, PT_INTERP, PF_R, BASE + 0x200, 0x1c, 0x200, 0x1c);
	put("bad-interp");
	exec();
	ph(1)->p_flags = PF_R | PF_W | PF_X;
	put("bad-wx");
	exec();
	ph(2)->p_vaddr = ph(1)->p_vaddr + ph(1)->p_memsz;
	put("bad-shared-page-wx");
	exec();
	ph(2)->p_vaddr = ph(1)->p_vaddr + 0x100;
	ph(2)->p_flags = PF_R;
	ph(2)->p_memsz = ph(2)->p_filesz;
	eb_add(&im, PT_LOAD, PF_R | PF_W, ph(1)->p_vaddr + 0x200, 0x100, EB_DATA_OFF, 0x10);
	put("bad-shared-page-wx-3");
	exec();
	ph(2)->p_vaddr = ph(1)->p_vaddr;
	put("bad-overlap");
	exec();
	eh()->e_entry = ph(2)->p_vaddr;
	put("bad-entry-data");
	exec();
	ph(2)->p_offset = im.size - 1;
	put("bad-past-eof");
	exec();
	ph(2)->p_memsz = 1ull << 63;
	put("bad-huge-memsz");
	exec();
	for (i = 0; i < 6; i++)
		eb_add(&im, PT_LOAD, PF_R, BASE + 0x10000 + i * 0x1000, 0x100, 0, 0x100);
	put("bad-nine-segments");
	eb_init_kernel(&im, KVBASE, KPBASE);
	ph(2)->p_paddr = ph(1)->p_paddr;
	put("bad-kernel-paddr-overlap");
	exec();
	im.size = 300;
	put("bad-truncated");
	return 0;
}
