/* GDT, TSS and IDT contents, built the same way by nanvixd and by the PVH backend. */
#ifndef NANVIX_ABI_X86_TABLES_H
#define NANVIX_ABI_X86_TABLES_H

/*
 * C99, self-contained, header-only: nanvixd builds these tables in guest
 * memory before the first instruction; the QEMU (PVH) backend builds them in
 * ring 0 with the same code.  Selectors: abi/bootinfo.h.
 */

#include <stdint.h>

#include <abi/bootinfo.h>
#include <abi/kernel_header.h>

#define X86_GDT_ENTRIES 7 /* null, kcode, kdata, udata, ucode, TSS (2 slots) */
#define X86_TSS_SIZE    0x68
#define X86_IDT_ENTRIES 256

/*
 * Fill gdt[X86_GDT_ENTRIES], the 104-byte TSS at `tss` (whose linear address
 * is `tss_va`, and which must be zero) and idt[2 * X86_IDT_ENTRIES] (zero)
 * from the kernel header `kh`.  RSP0 of the TSS is `rsp0`.
 */
static inline void x86_tables_build(uint64_t *gdt, uint8_t *tss, uint64_t tss_va, uint64_t *idt,
                                    const struct nanvix_kernel_header *kh, uint64_t rsp0)
{
	unsigned v, i;

	gdt[0] = 0;
	gdt[1] = 0x00af9a000000ffffull; /* kernel code, 64-bit */
	gdt[2] = 0x00cf92000000ffffull; /* kernel data */
	gdt[3] = 0x00cff2000000ffffull; /* user data, DPL 3 */
	gdt[4] = 0x00affa000000ffffull; /* user code, 64-bit, DPL 3 */
	gdt[5] = (X86_TSS_SIZE - 1) | ((tss_va & 0xffffff) << 16) | (0x89ull << 40) |
	         (((tss_va >> 24) & 0xff) << 56); /* available 64-bit TSS */
	gdt[6] = tss_va >> 32;

	/* 64-bit TSS: RSP0 at +4, IST1 at +36, I/O map base at +102 (none). */
	for (i = 0; i < 8; i++) {
		tss[4 + i] = (uint8_t)(rsp0 >> (8 * i));
		tss[36 + i] = (uint8_t)(kh->ist_top >> (8 * i));
	}
	tss[102] = X86_TSS_SIZE;

	for (v = 0; v < NANVIX_KHDR_NVECTORS; v++) {
		uint64_t h = kh->vectors[v];
		uint64_t dpl = v < 32 && (kh->user_vectors >> v) & 1 ? 3 : 0;
		uint64_t ist = v < 32 && (kh->ist_vectors >> v) & 1 ? 1 : 0;

		if (!h)
			continue;
		/* Interrupt gate (type 0xe, present). */
		idt[2 * v] = (h & 0xffff) | ((uint64_t)NANVIX_SEL_KCODE << 16) | (ist << 32) |
		             ((0x8eull | (dpl << 5)) << 40) | (((h >> 16) & 0xffff) << 48);
		idt[2 * v + 1] = h >> 32;
	}
}

#endif /* NANVIX_ABI_X86_TABLES_H */
