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

void vmem_flush(uint64_t va)
{
	hal_invlpg(va);
}

void vmem_flush_all(void)
{
	hal_write_cr3(hal_read_cr3());
}
