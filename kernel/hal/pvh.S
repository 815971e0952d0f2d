/* QEMU entry: the PVH note and the 32-bit stub that reaches long mode. */
/*
 * `qemu-system-x86_64 -M microvm -kernel kernel.elf` finds the PVH note and
 * starts us at pvh_entry in 32-bit protected mode, paging off, EBX = the
 * physical hvm_start_info.  The stub maps the first GiB three times
 * (identity, direct map, kernel window) with 2 MiB pages, enables long mode
 * and calls pvh_main, which builds the real (W^X) tables in C.
 */
#define KERNEL_VBASE 0xffffffff80000000
#define PHYS(x) ((x) - KERNEL_VBASE)
#define XEN_ELFNOTE_PHYS32_ENTRY 18

	.section .note.Xen, "a"
	.balign 4
	.long 4
	.long 4
	.long XEN_ELFNOTE_PHYS32_ENTRY
	.asciz "Xen"
	.balign 4
	.long PHYS(pvh_entry)

	.section .bss
	.balign 4096
pvh_pml4:
	.skip 4096
pvh_pdpt:
	.skip 4096
pvh_pdpt_hi:
	.skip 4096
pvh_pd:
	.skip 4096
	.globl pvh_stack_top
	.skip 16384
pvh_stack_top:

	.section .rodata
	.balign 16
pvh_gdt:
	.quad 0
	.quad 0x00af9a000000ffff /* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff /* 0x10: data */
pvh_gdt_end:
pvh_gdtr:
	.word pvh_gdt_end - pvh_gdt - 1
	.long PHYS(pvh_gdt)

	.section .boot32, "ax"
	.code32
	.globl pvh_entry
pvh_entry:
	cli
	movl %ebx, %esi

	/* PD: 512 x 2 MiB, present, writable. */
	movl $PHYS(pvh_pd), %edi
	xorl %ecx, %ecx
1:	movl %ecx, %eax
	shll $21, %eax
	orl $0x83, %eax
	movl %eax, (%edi,%ecx,8)
	movl $0, 4(%edi,%ecx,8)
	incl %ecx
	cmpl $512, %ecx
	jne 1b

	movl $(PHYS(pvh_pd) + 3), %eax
	movl %eax, PHYS(pvh_pdpt)
	movl %eax, PHYS(pvh_pdpt_hi) + 510 * 8
	movl $(PHYS(pvh_pdpt) + 3), %eax
	movl %eax, PHYS(pvh_pml4)
	movl %eax, PHYS(pvh_pml4) + 256 * 8
	movl $(PHYS(pvh_pdpt_hi) + 3), %eax
	movl %eax, PHYS(pvh_pml4) + 511 * 8

	lgdt PHYS(pvh_gdtr)
	movl %cr4, %eax
	orl $0x20, %eax /* PAE */
	movl %eax, %cr4
	movl $PHYS(pvh_pml4), %eax
	movl %eax, %cr3
	movl $0xc0000080, %ecx /* EFER: LME, NXE, SCE */
	rdmsr
	orl $0x901, %eax
	wrmsr
	movl %cr0, %eax
	orl $0x80010001, %eax /* PG, WP, PE */
	movl %eax, %cr0
	ljmp $0x08, $PHYS(pvh_entry64)

	.code64
pvh_entry64:
	movl $0x10, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	movq $pvh_stack_top, %rsp
	movl %esi, %edi
	movq $pvh_main, %rax
	call *%rax
2:	hlt
	jmp 2b
