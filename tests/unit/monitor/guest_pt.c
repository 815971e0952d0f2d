/* Hand-built x86-64 page tables inside a test's guest memory (see guest_pt.h). */
#include <string.h>

#include "guest_pt.h"

int gpt_init(struct gpt *pt, struct vm_mem *mem, uint64_t start, uint64_t end)
{
	pt->mem = mem;
	pt->next = (start + GPT_PAGE - 1) & ~(GPT_PAGE - 1);
	pt->end = end < mem->size ? end : mem->size;
	pt->inter = GPT_URW;
	if (pt->next == 0)
		pt->next = GPT_PAGE; /* 0 means "no frame" */
	pt->cr3 = gpt_frame(pt);
	return pt->cr3 ? 0 : -1;
}

uint64_t gpt_frame(struct gpt *pt)
{
	uint64_t pa = pt->next;

	if (pa + GPT_PAGE > pt->end)
		return 0;
	pt->next += GPT_PAGE;
	memset(pt->mem->base + pa, 0, GPT_PAGE);
	return pa;
}

/* Host pointer to the 8-byte entry at guest-physical pa, or NULL outside RAM. */
static uint64_t *entry_at(const struct vm_mem *mem, uint64_t pa)
{
	if (pa > mem->size || mem->size - pa < 8)
		return NULL;
	return (uint64_t *)(mem->base + pa);
}

uint64_t *gpt_slot(struct gpt *pt, uint64_t va, int level)
{
	uint64_t table = pt->cr3;
	int l;

	for (l = 3; l > level; l--) {
		uint64_t *slot = entry_at(pt->mem, table + ((va >> (12 + 9 * l)) & 511) * 8);

		if (!slot)
			return NULL;
		if (!(*slot & GPT_P)) {
			uint64_t pa = gpt_frame(pt);

			if (!pa)
				return NULL;
			*slot = pa | pt->inter;
		} else if (*slot & GPT_PS) {
			return NULL;
		}
		table = *slot & GPT_ADDR;
	}
	return entry_at(pt->mem, table + ((va >> (12 + 9 * level)) & 511) * 8);
}

int gpt_map(struct gpt *pt, uint64_t va, uint64_t pa, uint64_t flags, int level)
{
	uint64_t *slot = gpt_slot(pt, va, level);

	if (!slot)
		return -1;
	*slot = (pa & GPT_ADDR) | flags | (level > 0 ? GPT_PS : 0);
	return 0;
}

int gpt_map_range(struct gpt *pt, uint64_t va, uint64_t pa, uint64_t len, uint64_t flags)
{
	uint64_t off;

	for (off = 0; off < len; off += GPT_PAGE)
		if (gpt_map(pt, va + off, pa + off, flags, 0) < 0)
			return -1;
	return 0;
}

uint64_t gpt_rights(const struct vm_mem *mem, uint64_t cr3, uint64_t va, uint64_t *pa)
{
	uint64_t table = cr3 & GPT_ADDR, rights = GPT_P | GPT_W | GPT_U;
	int level;

	for (level = 3; level >= 0; level--) {
		const uint64_t *slot = entry_at(mem, table + ((va >> (12 + 9 * level)) & 511) * 8);
		uint64_t e;

		if (!slot || !(*slot & GPT_P))
			return 0;
		e = *slot;
		rights &= e | ~(GPT_P | GPT_W | GPT_U);
		rights |= e & GPT_NX;
		if ((e & GPT_PS) && (level == 1 || level == 2)) {
			uint64_t span = 1ull << (12 + 9 * level);

			*pa = (e & GPT_ADDR & ~(span - 1)) + (va & (span - 1));
			return rights;
		}
		table = e & GPT_ADDR;
	}
	*pa = table + (va & (GPT_PAGE - 1));
	return rights;
}
