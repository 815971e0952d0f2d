/* libFuzzer target for nanvix-runc's config.json reader (macrokernel/oci/spec.c): bundles come from whoever runs containers. */
/*
 * Input: the bytes of a bundle's config.json, on a bundle whose rootfs
 * holds one static ELF (bin/app, this fuzzer's own image would be dynamic,
 * so a minimal static ELF header is written).  oci_spec_load must either
 * refuse it with a reason or give a spec whose fields hold what the code
 * after it relies on (args, an absolute cwd, each env entry KEY=VALUE, the
 * memory within bounds).  Any crash, sanitizer report or broken promise
 * aborts.
 */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../macrokernel/oci/spec.h"

static char bundle[64], config[128];

static void setup(void)
{
	char path[256];
	Elf64_Ehdr eh = { .e_ident = { ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64, ELFDATA2LSB,
		                       EV_CURRENT },
		          .e_type = ET_EXEC,
		          .e_machine = EM_X86_64,
		          .e_version = EV_CURRENT,
		          .e_ehsize = sizeof(Elf64_Ehdr),
		          .e_phentsize = sizeof(Elf64_Phdr) };
	FILE *f;

	snprintf(bundle, sizeof(bundle), "/tmp/fuzz_oci.XXXXXX");
	if (!mkdtemp(bundle))
		abort();
	snprintf(path, sizeof(path), "%s/rootfs", bundle);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/rootfs/bin", bundle);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/rootfs/bin/app", bundle);
	f = fopen(path, "w");
	fwrite(&eh, sizeof(eh), 1, f);
	fclose(f);
	chmod(path, 0755);
	snprintf(config, sizeof(config), "%s/config.json", bundle);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct oci_spec spec;
	char why[512];
	FILE *f;

	if (!ready) {
		setup();
		ready = 1;
	}
	f = fopen(config, "w");
	if (!f)
		abort();
	fwrite(data, 1, size, f);
	fclose(f);
	if (oci_spec_load(bundle, &spec, why, sizeof(why)) != 0) {
		if (!why[0])
			abort(); /* a refusal says why */
		return 0;
	}
	if (spec.nargs == 0 || !spec.args[0] || !spec.cwd || spec.cwd[0] != '/' || !spec.rootfs ||
	    spec.mem_mib == 0)
		abort();
	for (size_t i = 0; i < spec.nenv; i++)
		if (!strchr(spec.env[i], '=') || spec.env[i][0] == '=')
			abort();
	if (spec.cpus < 0 || spec.cpus > 1)
		abort();
	oci_spec_free(&spec);
	return 0;
}
