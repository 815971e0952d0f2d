/* Page-table walks and edits on behalf of mmap, brk and the self-tests. */
#include <abi/linux.h>
#include <hal/hal.h>
#include <mm/frame.h>
#include <mm/vmem.h>

uint64_t vmem_user_flags(int prot)
{
	uint64_t f = PTE_P | PTE_U;

	if (prot & LINUX_PROT_WRITE)
		f |= PTE_W;
	if (!(prot & LINUX_PROT_EXEC))
		f |= PTE_NX;
	return f;
}

uint64_t *vmem_pte(uint64_t pml4, uint64_t va, bool create)
{
	uint64_t *table = P2V(pml4);
	int level;

	for (level = 3; level > 0; level--) {
		uint64_t *e = &table[(va >> (12 + 9 * level)) & 511];

		if (!(*e & PTE_P)) {
			uint64_t pa;

			if (!create || !(pa = mm_frame_alloc()))
				return NULL;
			*e = pa | PTE_P | PTE_W | PTE_U;
		} else if (*e & PTE_PS) {
			return NULL; /* large pages only in the direct map */
		}
		table = P2V(*e & PTE_ADDR);
	}
	return &table[(va >> 12) & 511];
}

int vmem_map(uint64_t pml4, uint64_t va, uint64_t pa, uint64_t flags)
{
	uint64_t *pte = vmem_pte(pml4, va, true);

	if (!pte)
		return -LINUX_ENOMEM;
	*pte = pa | flags;
	return 0;
}

uint64_t vmem_translate(uint64_t pml4, uint64_t va)
{
	uint64_t *pte = vmem_pte(pml4, va, false);

	if (!pte || !(*pte & PTE_P))
		return 0;
	return (*pte & PTE_ADDR) | (va & PAGE_MASK);
}

uint64_t vmem_next(uint64_t pml4, uint64_t va, uint64_t end, uint64_t **slot)
{
	while (va < end) {
		uint64_t *table = P2V(pml4), next;
		int level;

		for (level = 3; level > 0; level--) {
			uint64_t e = table[(va >> (12 + 9 * level)) & 511];

			if (!(e & PTE_P) || (e & PTE_PS))
				break;
			table = P2V(e & PTE_ADDR);
		}
		if (level == 0) {
			/* A page table: look at what it holds, up to its end. */
			unsigned i;

			for (i = (va >> 12) & 511; i < 512 && va < end; i++, va += PAGE_SIZE)
				if (table[i] & (PTE_P | PTE_NONE)) {
					*slot = &table[i];
					return va;
				}
			continue;
		}
		/* No table below this entry: skip everything it would cover. */
		next = (va | ((1ull << (12 + 9 * level)) - 1)) + 1;
		if (next <= va)
			break; /* wrapped past the top */
		va = next;
	}
	return end;
}

uint64_t vmem_space_new(uint64_t cr3)
{
	uint64_t pml4 = mm_frame_alloc();

	if (pml4)
		hal->copy(0, pml4 + PAGE_SIZE / 2, 0, (cr3 & PTE_ADDR) + PAGE_SIZE / 2,
		          PAGE_SIZE / 2);
	return pml4;
}

void vmem_flush(uint64_t va)
{
	hal_invlpg(va);
}

void vmem_flush_all(void)
{
	hal_write_cr3(hal_read_cr3());
}

/* Free the table at `pa` (level 0 = PT) and everything below it. */
static void free_table(uint64_t pa, int level)
{
	uint64_t *t = P2V(pa);
	int i;

	for (i = 0; i < 512; i++) {
		uint64_t e = t[i];

		if (level == 0 ? (e & (PTE_P | PTE_NONE)) : (e & PTE_P))
			level == 0 ? mm_frame_free(e & PTE_ADDR)
			           : free_table(e & PTE_ADDR, level - 1);
	}
	mm_frame_free(pa);
}

void vmem_free_user(uint64_t pml4)
{
	uint64_t *root = P2V(pml4 & PTE_ADDR);
	int i;

	/* The host walks and zeroes natively: a ring-0 walk costs ~1 ms a table here. */
	if (mm_frame_release_user(pml4 & PTE_ADDR) == 0) {
		if ((hal_read_cr3() & PTE_ADDR) == (pml4 & PTE_ADDR))
			vmem_flush_all();
		return;
	}

	for (i = 0; i < 256; i++)
		if (root[i] & PTE_P) {
			free_table(root[i] & PTE_ADDR, 2);
			root[i] = 0;
		}
	if ((hal_read_cr3() & PTE_ADDR) == (pml4 & PTE_ADDR))
		vmem_flush_all();
}
