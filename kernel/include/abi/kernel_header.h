/* Header at the start of kernel.elf's image that tells nanvixd how to enter it. */
#ifndef NANVIX_ABI_KERNEL_HEADER_H
#define NANVIX_ABI_KERNEL_HEADER_H

/*
 * The linker script puts this struct first in the kernel image, at
 * physical NANVIX_KERNEL_PBASE.  nanvixd reads it after loading kernel.elf
 * and builds the IDT, TSS and MSRs from it, so the kernel's ring-0 boot
 * path does not have to.  All addresses are kernel-virtual.  Written at
 * link time, read by the host.
 *
 * C99, self-contained: included by the kernel and by nanvixd.
 */

#include <stdint.h>

#define NANVIX_KHDR_MAGIC    0x4b584e4eu /* "NNXK" */
#define NANVIX_KHDR_NVECTORS 33          /* exceptions 0..31, the timer 32 */

struct nanvix_kernel_header {
	uint32_t magic;                         /* NANVIX_KHDR_MAGIC */
	uint32_t abi_version;                   /* NANVIX_ABI_VERSION */
	uint64_t entry;                         /* 64-bit entry, RDI = bootinfo */
	uint64_t syscall_entry;                 /* LSTAR target; must be user-executable */
	uint64_t stack_top;                     /* boot and TSS.RSP0 stack */
	uint64_t ist_top;                       /* TSS.IST1 stack (double fault, NMI) */
	uint64_t user_text_lo;                  /* [lo, hi): page-aligned kernel text that */
	uint64_t user_text_hi;                  /* ring 3 may execute (the syscall entry) */
	uint32_t user_vectors;                  /* bit n: gate n has DPL 3 */
	uint32_t ist_vectors;                   /* bit n: gate n uses IST1 */
	uint64_t vectors[NANVIX_KHDR_NVECTORS]; /* handlers, 0 = none */
};

#endif /* NANVIX_ABI_KERNEL_HEADER_H */
