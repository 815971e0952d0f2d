/* x86-64 page-table entry bits, shared by nanvixd (which builds tables) and the kernel. */
#ifndef NANVIX_ABI_X86_PAGING_H
#define NANVIX_ABI_X86_PAGING_H

/* C99, self-contained. */

#define PTE_P    0x1ull                /* present */
#define PTE_W    0x2ull                /* writable */
#define PTE_U    0x4ull                /* user-accessible */
#define PTE_PS   0x80ull               /* large page (PD, PDPT levels) */
#define PTE_G    0x100ull              /* global */
#define PTE_NX   (1ull << 63)          /* no execute */
#define PTE_ADDR 0x000ffffffffff000ull /* frame address bits */

/*
 * Software bit (ignored by the CPU): a user leaf that owns a frame but is
 * not present, i.e. mapped PROT_NONE.  The host's address-space copy
 * treats it as a mapped page.
 */
#define PTE_NONE (1ull << 9)

/*
 * Software bit: a user leaf whose frame other address spaces may map too
 * (MAP_SHARED).  The host's fork maps the same frame in the child and
 * counts the reference in the guest's frame reference counts (abi/bootinfo.h,
 * NANVIX_PFN_REFS); its release of an address space frees such a frame
 * only when no other reference is left.
 */
#define PTE_SHARED (1ull << 10)

#endif /* NANVIX_ABI_X86_PAGING_H */
