/* Kernel heap: segregated free lists of 16..2048-byte blocks carved from frames. */
/*
 * Each block carries an 8-byte header naming its class, so kfree needs no
 * size.  A class refills by carving one fresh (zero) frame; blocks are
 * zeroed again on allocation only when they were used before, which keeps
 * first use free of ring-0 stores.
 */
#include <mm/frame.h>
#include <mm/heap.h>

#define NCLASSES  8 /* 16, 32, ..., 2048 */
#define MIN_SHIFT 4

struct block {
	uint64_t cls;       /* class index; bit 8: block was used before */
	struct block *next; /* while free; overlaps the payload */
};

#define USED_BEFORE 0x100u

static struct block *free_list[NCLASSES];

static int class_of(size_t size)
{
	size_t need = size + sizeof(uint64_t);
	int c = 0;

	while (((size_t)1 << (c + MIN_SHIFT)) < need)
		c++;
	return c;
}

static int refill(int c)
{
	size_t bsize = (size_t)1 << (c + MIN_SHIFT);
	uint64_t pa = mm_frame_alloc();
	uint8_t *page;
	size_t off;

	if (!pa)
		return -1;
	page = P2V(pa);
	for (off = 0; off + bsize <= PAGE_SIZE; off += bsize) {
		struct block *b = (struct block *)(page + off);

		b->cls = c;
		b->next = free_list[c];
		free_list[c] = b;
	}
	return 0;
}

void *kmalloc(size_t size)
{
	struct block *b;
	int c;

	if (size == 0 || size > KMALLOC_MAX)
		return NULL;
	c = class_of(size);
	if (!free_list[c] && refill(c) < 0)
		return NULL;
	b = free_list[c];
	free_list[c] = b->next;
	b->next = NULL;
	if (b->cls & USED_BEFORE)
		memset((uint8_t *)b + sizeof(uint64_t), 0, ((size_t)1 << (c + MIN_SHIFT)) - 8);
	b->cls = c;
	return (uint8_t *)b + sizeof(uint64_t);
}

void kfree(void *p)
{
	struct block *b;
	int c;

	if (!p)
		return;
	b = (struct block *)((uint8_t *)p - sizeof(uint64_t));
	c = b->cls & 0xff;
	if (c >= NCLASSES)
		panic("kfree: corrupt heap block %p", p);
	b->cls = c | USED_BEFORE;
	b->next = free_list[c];
	free_list[c] = b;
}
