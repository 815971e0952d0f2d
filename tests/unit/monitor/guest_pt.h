/* Hand-built x86-64 page tables inside a test's guest memory, for the monitor's tests and fuzzer. */
#ifndef TESTS_UNIT_MONITOR_GUEST_PT_H
#define TESTS_UNIT_MONITOR_GUEST_PT_H

#include <stdint.h>

#include <monitor/vm.h>

#define GPT_PAGE 4096ull
#define GPT_P    0x1ull
#define GPT_W    0x2ull
#define GPT_U    0x4ull
#define GPT_PS   0x80ull
#define GPT_NX   (1ull << 63)
#define GPT_ADDR 0x000ffffffffff000ull
#define GPT_URW  (GPT_P | GPT_W | GPT_U)

/*
 * Tables are taken from guest-physical [next, end) in order, zeroed; the
 * PML4 is the first.  Intermediate entries are created with `inter` flags
 * (GPT_URW unless a test changes it).
 */
struct gpt {
	struct vm_mem *mem;
	uint64_t cr3;
	uint64_t next, end;
	uint64_t inter;
};

/* Start tables in [start, end) of mem (never page 0); allocates the PML4.  0 or -1. */
int gpt_init(struct gpt *pt, struct vm_mem *mem, uint64_t start, uint64_t end);

/* A zeroed table frame from the pool, or 0 when it is exhausted. */
uint64_t gpt_frame(struct gpt *pt);

/*
 * The entry for `va` at `level` (0 = PT, 1 = PD, 2 = PDPT, 3 = PML4),
 * creating missing tables above it.  NULL when out of frames, or when an
 * entry above is not a table (large page, or pointing outside RAM).
 */
uint64_t *gpt_slot(struct gpt *pt, uint64_t va, int level);

/* Map the page at `va` (size 4 KiB << 9*level) to `pa` with leaf `flags`; 0 or -1. */
int gpt_map(struct gpt *pt, uint64_t va, uint64_t pa, uint64_t flags, int level);

/* Map [va, va + len) page by page onto [pa, pa + len), 4 KiB pages; 0 or -1. */
int gpt_map_range(struct gpt *pt, uint64_t va, uint64_t pa, uint64_t len, uint64_t flags);

/*
 * Effective rights of `va` as ring 3 sees them: the AND of P, W, U and the
 * OR of NX over every level walked, plus the leaf's physical address in
 * *pa.  Returns 0 when any level is not present or outside RAM.  Test-side
 * reference walker, independent of guestmem.c.
 */
uint64_t gpt_rights(const struct vm_mem *mem, uint64_t cr3, uint64_t va, uint64_t *pa);

#endif /* TESTS_UNIT_MONITOR_GUEST_PT_H */
