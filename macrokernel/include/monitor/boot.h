/* Building a guest before its first instruction: kernel, tables, program, stack. */
#ifndef MONITOR_BOOT_H
#define MONITOR_BOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <abi/bootinfo.h>
#include <abi/vvar.h>
#include <monitor/vm.h>

#define BOOT_STACK_SIZE_DEFAULT (256u * 1024)

struct boot_config {
	const void *kernel; /* kernel.elf file contents */
	size_t kernel_size;
	const void *program; /* program ELF file contents */
	size_t program_size;
	const char *name; /* program name shown in reports */
	int argc;
	char *const *argv; /* guest argv; argv[0] is also AT_EXECFN */
	int envc;
	char *const *envp;
	uint64_t stack_size; /* bytes, page multiple */
	uint8_t random[16];  /* AT_RANDOM bytes */
	/* Contents of the vvar page (abi/vvar.h), or NULL for a zero page. */
	const struct nanvix_vvar *vvar;
	/* Forward file calls over the ring (NANVIX_BOOT_FS), to the in-VM
	 * server rather than the host (NANVIX_BOOT_FS_GUEST). */
	bool fs, fs_guest;
	bool net;       /* socket calls are forwarded: lay out the net state region */
	bool net_guest; /* ...to the in-VM network server (netd) */
	/* Map the fast-call page (abi/vvar.h, the fast file path). */
	bool fastcall;
};

/* Where to enter the guest. */
struct boot_entry {
	uint64_t cr3;               /* physical PML4 */
	uint64_t rip, rsp;          /* kernel entry and boot stack */
	uint64_t bootinfo;          /* kernel-virtual address of the boot info */
	uint64_t lstar;             /* syscall entry */
	struct nanvix_bootinfo *bi; /* host view, for late fields (clock) */
	struct nanvix_vvar *vvar;   /* host view of the first process's vvar page */
	/* The kernel's live counters (abi/kernel_header.h), guest-physical; 0: none. */
	uint64_t kstats_gpa, frames_gpa;
};

/*
 * Lay out zeroed guest RAM `mem`: GDT, TSS, IDT, the kernel image, page
 * tables (kernel window, direct map of all RAM, the program's segments and
 * stack), the user stack contents (argc, argv, envp, auxv) and the boot
 * info.  W^X holds for every mapping.  Returns 0 and fills *out, or a
 * nanvixd status (NANVIXD_EXIT_BADELF, NANVIXD_EXIT_NOMEM, _USAGE) with a
 * one-line reason in err[errlen].
 */
int boot_prepare(struct vm_mem *mem, const struct boot_config *cfg, struct boot_entry *out,
                 char *err, size_t errlen);

/*
 * Check, without a VM, that boot_prepare or execve would accept
 * image[0..size) as a program (`name` in the message) with this stack:
 * for a program the VM starts later (launch.elf, fsd).  Returns 0, or
 * NANVIXD_EXIT_BADELF with a one-line reason in err[errlen].
 */
int boot_check_program(const void *image, size_t size, uint64_t stack_size, const char *name,
                       char *err, size_t errlen);

/*
 * The least RAM, a whole number of MiB, in which boot_prepare lays out
 * `cfg` with room for the kernel to start (found by laying it out in
 * scratch memory: exact for this kernel, program, stack and arguments;
 * the program's own allocations need more).  0 when even `max` bytes do
 * not do, or on another failure.
 */
uint64_t boot_min_memory(const struct boot_config *cfg, uint64_t max);

struct aspace_frames;

/* Where an exec'd program starts. */
struct boot_exec_result {
	uint64_t entry, sp, brk, stack_lo, stack_hi;
	uint64_t used; /* lent frames taken, success or not */
};

/*
 * execve on the host: load `cfg`'s program and its initial stack into the
 * empty user half of the tables at `pml4`, with frames lent by the guest
 * kernel (`frames`, as for fork).  Returns 0, or NANVIXD_EXIT_BADELF (not
 * loadable), NANVIXD_EXIT_NOMEM (frames ran out), NANVIXD_EXIT_USAGE
 * (arguments too long) or NANVIXD_EXIT_GUEST (bad request) with a reason
 * in err; out->used is set either way.
 */
int boot_exec(struct vm_mem *mem, const struct boot_config *cfg, uint64_t pml4,
              const struct aspace_frames *frames, struct boot_exec_result *out, char *err,
              size_t errlen);

#endif /* MONITOR_BOOT_H */
