/* Writable MAP_SHARED mappings of disk files: their pages go back to the file. */
#ifndef MM_FMAP_H
#define MM_FMAP_H

#include <lib/klib.h>

struct file;

/*
 * Remember that [va, va + len) of the address space `cr3` maps `f` from
 * `off` shared and writable (the pages are PTE_SHARED copies filled at map
 * time), the file then `fsize` bytes long: the pages' contents go back to
 * the file at msync, munmap and when the space goes.  0 or -ENOMEM.
 */
long fmap_add(uint64_t cr3, uint64_t va, uint64_t len, struct file *f, uint64_t off,
              uint64_t fsize);

/* [va, va + len) of the current space: write back what is file-backed
 * (unmap true: and forget it, the caller unmaps). */
void fmap_range(uint64_t va, uint64_t len, bool unmap);

/* fork: the space `to`, a copy of `from`, maps the same files. */
void fmap_fork(uint64_t from, uint64_t to);

/* The current space goes (exit, exec): write everything back and forget it. */
void fmap_space_gone(uint64_t cr3);

#endif /* MM_FMAP_H */
