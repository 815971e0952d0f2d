/* Virtual memory: 4-level page tables of an address space. */
#ifndef MM_VMEM_H
#define MM_VMEM_H

#include <abi/x86_paging.h>
#include <lib/klib.h>

/* Leaf flags for a user page with Linux PROT_* bits; W and X never both. */
uint64_t vmem_user_flags(int prot);

/*
 * The leaf PTE slot for `va` in the tables rooted at physical `pml4`, or
 * NULL when an intermediate table is missing (and `create` is false) or
 * no frame is left for one.  Created tables are zero frames.
 */
uint64_t *vmem_pte(uint64_t pml4, uint64_t va, bool create);

/* Map 4 KiB `va` -> `pa` with `flags`; 0 or -ENOMEM. */
int vmem_map(uint64_t pml4, uint64_t va, uint64_t pa, uint64_t flags);

/*
 * The first page-aligned va in [va, end) whose leaf slot holds a mapping
 * (present or PTE_NONE), with the slot in *slot; `end` when there is none.
 * Absent tables are skipped whole, so the cost is bounded by the tables
 * that exist, not by the size of the range.
 */
uint64_t vmem_next(uint64_t pml4, uint64_t va, uint64_t end, uint64_t **slot);

/* Physical address `va` maps to, or 0 when unmapped. */
uint64_t vmem_translate(uint64_t pml4, uint64_t va);

/*
 * A new page-table root sharing the kernel half of the one at `cr3` (one
 * native copy), user half empty; its physical address, or 0.
 */
uint64_t vmem_space_new(uint64_t cr3);

/*
 * Free every user page (present or PTE_NONE) and user page table of the
 * space rooted at `pml4`, leaving its user half empty.  Not the root.
 */
void vmem_free_user(uint64_t pml4);

/* Invalidate one translation, or everything of the current space. */
void vmem_flush(uint64_t va);
void vmem_flush_all(void);

#endif /* MM_VMEM_H */
