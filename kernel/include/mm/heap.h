/* Kernel heap: small objects carved from frames, by power-of-two size class. */
#ifndef MM_HEAP_H
#define MM_HEAP_H

#include <lib/klib.h>

#define KMALLOC_MAX 2040 /* largest request kmalloc serves */

/* Zeroed memory of at least `size` bytes, or NULL.  Not for size 0. */
void *kmalloc(size_t size);

/* Return memory from kmalloc (NULL is ignored). */
void kfree(void *p);

#endif /* MM_HEAP_H */
