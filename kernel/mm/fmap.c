/* Writable MAP_SHARED mappings of disk files: their pages go back to the file. */
/*
 * The fs component serves files by calls, not pages, so a shared writable
 * mapping of a disk file is memory of the VM (PTE_SHARED pages, shared
 * with forked children) filled from the file at map time, and written
 * back with one pwrite per range: at msync, at munmap, and when the
 * address space goes (exit, exec).  The fs component reads the bytes
 * through the process's page tables, so ring 0 copies nothing.  Every
 * process sharing the pages writes back the same bytes.  The table holds
 * FMAP_MAX ranges for the VM; each walk stops at the highest in use.
 */
#include <abi/ring.h>
#include <fd/file.h>
#include <fd/remote.h>
#include <mm/fmap.h>
#include <proc/proc.h>

#define FMAP_MAX 64

struct fmap {
	uint64_t cr3; /* 0: a free entry */
	uint64_t va, len;
	struct file *f; /* one reference */
	uint64_t off, fsize;
};

static struct fmap maps[FMAP_MAX];
static int nmaps, mtop; /* ranges kept; one past the highest entry in use */

long fmap_add(uint64_t cr3, uint64_t va, uint64_t len, struct file *f, uint64_t off, uint64_t fsize)
{
	int i;

	for (i = 0; i < FMAP_MAX; i++)
		if (!maps[i].cr3) {
			file_get(f);
			maps[i] = (struct fmap){ cr3, va, len, f, off, fsize };
			nmaps++;
			if (i >= mtop)
				mtop = i + 1;
			return 0;
		}
	return -LINUX_ENOMEM;
}

/* Write [lo, hi) of m's range back (what lies within the file's size then). */
static void write_back(const struct fmap *m, uint64_t lo, uint64_t hi)
{
	uint64_t foff = m->off + (lo - m->va), n = hi - lo;

	if (foff >= m->fsize)
		return;
	if (n > m->fsize - foff)
		n = m->fsize - foff;
	{
		uint64_t a[5] = { remote_handle(m->f), lo, n, foff };

		remote_call(NANVIX_FS_PWRITE, a,
		            NULL); /* a failed write-back is lost, as with a failed writepage */
	}
}

static void drop(struct fmap *m)
{
	file_put(m->f);
	m->cr3 = 0;
	nmaps--;
	while (mtop > 0 && !maps[mtop - 1].cr3)
		mtop--;
}

void fmap_range(uint64_t va, uint64_t len, bool unmap)
{
	uint64_t cr3 = proc_current->cr3, end = va + len;
	int i;

	for (i = 0; i < mtop; i++) {
		struct fmap *m = &maps[i];
		uint64_t lo, hi;

		if (m->cr3 != cr3 || m->va >= end || va >= m->va + m->len)
			continue;
		lo = m->va > va ? m->va : va;
		hi = m->va + m->len < end ? m->va + m->len : end;
		write_back(m, lo, hi);
		if (!unmap)
			continue;
		if (lo == m->va && hi == m->va + m->len) {
			drop(m);
		} else if (lo == m->va) {
			m->off += hi - m->va;
			m->len -= hi - m->va;
			m->va = hi;
		} else if (hi == m->va + m->len) {
			m->len = lo - m->va;
		} else {
			/* A hole in the middle: the tail becomes an entry of its own,
			 * or is written back now and forgotten when the table is full. */
			struct fmap tail = *m;

			tail.off += hi - m->va;
			tail.len = m->va + m->len - hi;
			tail.va = hi;
			m->len = lo - m->va;
			if (fmap_add(cr3, tail.va, tail.len, tail.f, tail.off, tail.fsize) < 0)
				write_back(&tail, tail.va, tail.va + tail.len);
		}
	}
}

void fmap_fork(uint64_t from, uint64_t to)
{
	int i, n = mtop; /* the copies go in after: not walked again */

	for (i = 0; i < n; i++)
		if (maps[i].cr3 == from)
			fmap_add(to, maps[i].va, maps[i].len, maps[i].f, maps[i].off,
			         maps[i].fsize);
}

void fmap_space_gone(uint64_t cr3)
{
	int i;

	for (i = 0; i < mtop; i++)
		if (maps[i].cr3 == cr3) {
			write_back(&maps[i], maps[i].va, maps[i].va + maps[i].len);
			drop(&maps[i]);
		}
}
