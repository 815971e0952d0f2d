/* ext2 file data: block maps (direct, single/double/triple indirect), read, write, truncate, readlink. */
#include <stdlib.h>
#include <string.h>

#include "ext2_int.h"

#define LARGE_FILE_MIN 0x80000000ull /* needs "large_file" */

/*
 * Where logical block `lblk` sits: idx[0] is the slot in i_block, idx[d]
 * the entry in the depth-d indirect block.  Returns the depth (0 direct,
 * 1..3 indirect) or -EFBIG past triple indirect.
 */
static int block_path(const struct ext2 *fs, uint64_t lblk, uint32_t idx[4])
{
	uint64_t p = fs->ptrs;

	if (lblk < EXT2_NDIR_BLOCKS) {
		idx[0] = (uint32_t)lblk;
		return 0;
	}
	lblk -= EXT2_NDIR_BLOCKS;
	if (lblk < p) {
		idx[0] = EXT2_IND_BLOCK;
		idx[1] = (uint32_t)lblk;
		return 1;
	}
	lblk -= p;
	if (lblk < p * p) {
		idx[0] = EXT2_DIND_BLOCK;
		idx[1] = (uint32_t)(lblk / p);
		idx[2] = (uint32_t)(lblk % p);
		return 2;
	}
	lblk -= p * p;
	if (lblk < p * p * p) {
		idx[0] = EXT2_TIND_BLOCK;
		idx[1] = (uint32_t)(lblk / (p * p));
		idx[2] = (uint32_t)(lblk / p % p);
		idx[3] = (uint32_t)(lblk % p);
		return 3;
	}
	return E(EFBIG);
}

void ext2_icache_drop(struct ext2 *fs, uint32_t blk, uint32_t n)
{
	int i;

	for (i = 0; i < 3; i++)
		if (fs->icache[i].blk - blk < n) /* unsigned: blk <= cached < blk + n */
			fs->icache[i].blk = 0;
}

/* Entry `i` of indirect block `blk` at depth `d` (1..3), through the one-block cache. */
static int ind_entry(struct ext2 *fs, int d, uint32_t blk, uint32_t i, uint32_t *out)
{
	struct ext2_icache *c = &fs->icache[d - 1];
	int r;

	if (!ext2_blk_ok(fs, blk))
		return E(EIO);
	if (c->blk != blk) {
		c->blk = 0;
		r = ext2_bread(fs, blk, c->data);
		if (r < 0)
			return r;
		c->blk = blk;
	}
	*out = ext2_get32(c->data + (size_t)i * 4);
	return 0;
}

int ext2_bmap(struct ext2 *fs, const struct ext2_inode *ip, uint64_t lblk, uint32_t *pblk)
{
	uint32_t idx[4], b;
	int depth = block_path(fs, lblk, idx), d, r;

	if (depth < 0)
		return depth;
	b = ip->i_block[idx[0]];
	for (d = 1; d <= depth && b != 0; d++) {
		r = ind_entry(fs, d, b, idx[d], &b);
		if (r < 0)
			return r;
	}
	if (b != 0 && !ext2_blk_ok(fs, b))
		return E(EIO);
	*pblk = b;
	return 0;
}

int ext2_bmap_alloc(struct ext2 *fs, struct ext2_inode *ip, uint32_t ino, uint64_t lblk,
                    uint32_t goal, uint32_t *pblk, int *fresh)
{
	uint32_t idx[4], chain[4] = { 0 }, newb[4];
	int depth = block_path(fs, lblk, idx), d, m, need, k, r;
	uint8_t *buf;

	*fresh = 0;
	if (depth < 0)
		return depth;
	/* chain[d]: the pointer at depth d (chain[depth] is the data block). */
	chain[0] = ip->i_block[idx[0]];
	for (d = 1; d <= depth && chain[d - 1] != 0; d++) {
		r = ind_entry(fs, d, chain[d - 1], idx[d], &chain[d]);
		if (r < 0)
			return r;
	}
	for (m = 0; m <= depth && chain[m] != 0; m++)
		;
	if (m > depth) {
		if (!ext2_blk_ok(fs, chain[depth]))
			return E(EIO);
		*pblk = chain[depth];
		return 0;
	}

	/* Check: room in i_blocks, memory, and every block needed. */
	need = depth - m + 1;
	if ((uint64_t)ip->i_blocks + (uint64_t)need * ext2_spb(fs) > UINT32_MAX)
		return E(EFBIG);
	buf = malloc(fs->bsize);
	if (!buf)
		return E(ENOMEM);
	if (goal == 0)
		goal = ext2_inode_goal(fs, ino);
	for (k = 0; k < need; k++) {
		r = ext2_block_alloc(fs, k ? newb[k - 1] + 1 : goal, &newb[k]);
		if (r < 0)
			goto out_undo;
	}

	/* Act: new indirect blocks bottom up, each pointing at the next, then the link. */
	for (d = need - 2; d >= 0; d--) {
		memset(buf, 0, fs->bsize);
		ext2_put32(buf + (size_t)idx[m + d + 1] * 4, newb[d + 1]);
		r = ext2_bwrite(fs, newb[d], buf);
		if (r < 0)
			goto out_undo;
	}
	if (m == 0) {
		ip->i_block[idx[0]] = newb[0];
	} else {
		r = ext2_bread(fs, chain[m - 1], buf);
		if (r == 0) {
			ext2_put32(buf + (size_t)idx[m] * 4, newb[0]);
			r = ext2_bwrite(fs, chain[m - 1], buf);
		}
		if (r < 0)
			goto out_undo;
	}
	ip->i_blocks += (uint32_t)need * ext2_spb(fs);
	*pblk = newb[need - 1];
	*fresh = 1;
	free(buf);
	return 0;

out_undo:
	while (k-- > 0)
		ext2_block_free(fs, newb[k]);
	free(buf);
	return r;
}

static void blocks_sub(const struct ext2 *fs, struct ext2_inode *ip)
{
	ip->i_blocks = ip->i_blocks > ext2_spb(fs) ? ip->i_blocks - ext2_spb(fs) : 0;
}

/*
 * Free block `b` and, at level > 0, the indirect tree below it.  A block
 * found already free is not descended into: in a corrupt image it may be
 * shared or loop, and this bounds the work by the blocks in use.
 */
static int free_tree(struct ext2 *fs, struct ext2_inode *ip, uint32_t b, int level)
{
	uint8_t *buf;
	uint32_t i;
	int r, err = 0;

	if (b == 0 || !ext2_blk_ok(fs, b))
		return 0;
	if (level == 0) {
		r = ext2_block_free(fs, b);
		if (r > 0)
			blocks_sub(fs, ip);
		return r < 0 ? r : 0;
	}
	buf = malloc(fs->bsize);
	if (!buf)
		return E(ENOMEM);
	r = ext2_bread(fs, b, buf);
	if (r == 0)
		r = ext2_block_free(fs, b);
	if (r > 0) {
		blocks_sub(fs, ip);
		for (i = 0; i < fs->ptrs; i++) {
			uint32_t c = ext2_get32(buf + (size_t)i * 4);
			int rc = c ? free_tree(fs, ip, c, level - 1) : 0;

			err = err ? err : rc;
		}
		r = 0;
	}
	free(buf);
	return r < 0 ? r : err;
}

/* Free the data blocks from relative index `from` (0 < from < ptrs^level) of the tree at `b`. */
static int free_range(struct ext2 *fs, struct ext2_inode *ip, uint32_t b, int level, uint64_t from)
{
	uint64_t span = 1;
	uint32_t i, c;
	uint8_t *buf;
	int r, err = 0, changed = 0, l;

	if (b == 0 || !ext2_blk_ok(fs, b))
		return 0;
	for (l = 1; l < level; l++)
		span *= fs->ptrs;
	buf = malloc(fs->bsize);
	if (!buf)
		return E(ENOMEM);
	r = ext2_bread(fs, b, buf);
	if (r < 0)
		goto out;
	i = (uint32_t)(from / span);
	if (from % span) {
		c = ext2_get32(buf + (size_t)i * 4);
		err = c ? free_range(fs, ip, c, level - 1, from % span) : 0;
		i++;
	}
	for (; i < fs->ptrs; i++) {
		c = ext2_get32(buf + (size_t)i * 4);
		if (c == 0)
			continue;
		r = free_tree(fs, ip, c, level - 1);
		err = err ? err : r;
		ext2_put32(buf + (size_t)i * 4, 0);
		changed = 1;
	}
	r = changed ? ext2_bwrite(fs, b, buf) : 0;
out:
	free(buf);
	return r < 0 ? r : err;
}

int ext2_free_from(struct ext2 *fs, struct ext2_inode *ip, uint64_t from)
{
	uint64_t base = EXT2_NDIR_BLOCKS, span = fs->ptrs;
	int level, r, err = 0;
	uint64_t i;

	for (i = from; i < EXT2_NDIR_BLOCKS; i++) {
		r = free_tree(fs, ip, ip->i_block[i], 0);
		ip->i_block[i] = 0;
		err = err ? err : r;
	}
	for (level = 1; level <= 3; level++) {
		uint32_t *slot = &ip->i_block[EXT2_IND_BLOCK + level - 1];

		if (from <= base) {
			r = free_tree(fs, ip, *slot, level);
			*slot = 0;
		} else if (from < base + span) {
			r = free_range(fs, ip, *slot, level, from - base);
		} else {
			r = 0;
		}
		err = err ? err : r;
		base += span;
		span *= fs->ptrs;
	}
	return err;
}

/* A symlink whose target lives in i_block (no data block beside an xattr block). */
static int fast_symlink(const struct ext2 *fs, const struct ext2_inode *ip)
{
	uint32_t ea = ip->i_file_acl ? ext2_spb(fs) : 0;

	return ip->i_blocks <= ea;
}

int ext2_has_blocks(const struct ext2 *fs, const struct ext2_inode *ip)
{
	if (ext2_s_isreg(ip->i_mode) || ext2_s_isdir(ip->i_mode))
		return 1;
	return ext2_s_islnk(ip->i_mode) && !fast_symlink(fs, ip);
}

/*
 * How many blocks from logical block `lblk` on (mapped to `pb`, not a hole)
 * continue it on the disk, the first included, at most `max`.  A block
 * bmap fails on ends the run: the caller meets the error again there.
 */
static uint32_t run_length(struct ext2 *fs, const struct ext2_inode *ip, uint64_t lblk, uint32_t pb,
                           uint32_t max)
{
	uint32_t n = 1, next;

	while (n < max && ext2_bmap(fs, ip, lblk + n, &next) == 0 && next == pb + n)
		n++;
	return n;
}

long ext2_read(struct ext2 *fs, uint32_t ino, uint64_t off, void *buf, size_t len)
{
	struct ext2_inode in;
	uint64_t size;
	uint8_t *tmp = NULL, *out = buf;
	size_t done = 0;
	uint32_t now;
	int r;

	r = ext2_iget(fs, ino, &in);
	if (r < 0)
		return r;
	if (ext2_s_isdir(in.i_mode))
		return E(EISDIR);
	if (!ext2_s_isreg(in.i_mode))
		return E(EINVAL);
	size = ext2_isize_get(&in);
	if (off >= size || len == 0)
		return 0;
	if (len > size - off)
		len = (size_t)(size - off);
	if (len > (size_t)0x7ffff000)
		len = 0x7ffff000; /* fits the long return, as Linux caps a read */
	while (done < len) {
		uint64_t pos = off + done;
		uint32_t boff = (uint32_t)(pos % fs->bsize), pb, nb;
		size_t n = fs->bsize - boff;

		if (n > len - done)
			n = len - done;
		r = ext2_bmap(fs, &in, pos / fs->bsize, &pb);
		if (r < 0) {
			r = r == E(EFBIG) ? E(EIO) : r; /* a size past what pointers reach */
			break;
		}
		if (pb == 0) {
			memset(out + done, 0, n);
		} else if (n == fs->bsize) {
			/* Whole blocks: the run that follows on the disk, in one device read. */
			nb = (len - done) / fs->bsize < EXT2_RUN_MAX(fs)
			             ? (uint32_t)((len - done) / fs->bsize)
			             : EXT2_RUN_MAX(fs);
			nb = run_length(fs, &in, pos / fs->bsize, pb, nb);
			r = ext2_bread_run(fs, pb, nb, out + done);
			if (r < 0)
				break;
			n = (size_t)nb * fs->bsize;
		} else {
			if (!tmp && !(tmp = malloc(fs->bsize))) {
				r = E(ENOMEM);
				break;
			}
			r = ext2_bread(fs, pb, tmp);
			if (r < 0)
				break;
			memcpy(out + done, tmp + boff, n);
		}
		done += n;
	}
	free(tmp);
	/* relatime: record an access only when it is news. */
	now = ext2_now(fs);
	if (done > 0 && !fs->ro &&
	    (in.i_atime <= in.i_mtime || in.i_atime <= in.i_ctime || now - in.i_atime >= 86400)) {
		in.i_atime = now;
		ext2_inode_write(fs, ino, &in);
	}
	return done > 0 ? (long)done : r;
}

/* Turn on "large_file" before the first file of 2 GiB or more. */
static int need_large_file(struct ext2 *fs, uint64_t size)
{
	if (size < LARGE_FILE_MIN ||
	    (fs->sb.s_feature_ro_compat & EXT2_FEATURE_RO_COMPAT_LARGE_FILE))
		return 0;
	if (fs->sb.s_rev_level == EXT2_GOOD_OLD_REV)
		return E(EFBIG);
	fs->sb.s_feature_ro_compat |= EXT2_FEATURE_RO_COMPAT_LARGE_FILE;
	return ext2_super_write(fs);
}

/*
 * Map the blocks after logical block `lblk`, which went to `pb`, for as
 * long as each lands right after the one before, at most `max` blocks in
 * all; returns the run's length, the first included.  Blocks past the end
 * of the file are allocated; a hole inside the file ends the run instead,
 * so that a run whose write fails leaves no unwritten block readable
 * inside the file.  A block that lands elsewhere, or cannot be mapped,
 * also ends it: it stays as it is, and the caller's next step finds it (or
 * the error) again.
 */
static uint32_t run_alloc(struct ext2 *fs, struct ext2_inode *ip, uint32_t ino, uint64_t lblk,
                          uint32_t pb, uint32_t max)
{
	uint64_t inside = (ext2_isize_get(ip) + fs->bsize - 1) / fs->bsize; /* blocks of the file */
	uint32_t n, next;
	int fresh, r;

	for (n = 1; n < max; n++) {
		if (lblk + n < inside)
			r = ext2_bmap(fs, ip, lblk + n, &next);
		else
			r = ext2_bmap_alloc(fs, ip, ino, lblk + n, pb + n, &next, &fresh);
		if (r < 0 || next != pb + n)
			break;
	}
	return n;
}

/*
 * Write the `n` whole blocks from `pb` on with one device call.  Returns
 * how many were written: n, or fewer with *err set.  A failed run may be
 * on the disk in part, so it is written again block by block: the count is
 * then exact, and only the block that fails is left unwritten.
 */
static uint32_t write_run(struct ext2 *fs, uint32_t pb, uint32_t n, const uint8_t *src, int *err)
{
	uint32_t k;

	*err = ext2_bwrite_run(fs, pb, n, src);
	if (*err == 0 || n == 1)
		return *err == 0 ? n : 0;
	for (k = 0; k < n; k++) {
		*err = ext2_bwrite(fs, pb + k, src + (size_t)k * fs->bsize);
		if (*err < 0)
			return k;
	}
	return n;
}

long ext2_write(struct ext2 *fs, uint32_t ino, uint64_t off, const void *buf, size_t len)
{
	const uint8_t *in_buf = buf;
	struct ext2_inode in;
	uint8_t *tmp = NULL;
	uint32_t goal = 0;
	size_t done = 0;
	uint64_t end;
	int r, w;

	if (fs->ro)
		return E(EROFS);
	r = ext2_iget(fs, ino, &in);
	if (r < 0)
		return r;
	if (ext2_s_isdir(in.i_mode))
		return E(EISDIR);
	if (!ext2_s_isreg(in.i_mode))
		return E(EINVAL);
	if (len == 0)
		return 0;
	if (len > (size_t)0x7ffff000)
		len = 0x7ffff000;
	if (off >= fs->maxbytes || len > fs->maxbytes - off)
		return E(EFBIG);
	r = need_large_file(fs, off + len);
	if (r < 0)
		return r;
	tmp = malloc(fs->bsize);
	if (!tmp)
		return E(ENOMEM);
	while (done < len) {
		uint64_t pos = off + done;
		uint32_t boff = (uint32_t)(pos % fs->bsize), pb, nb;
		size_t n = fs->bsize - boff;
		int fresh;

		if (n > len - done)
			n = len - done;
		r = ext2_bmap_alloc(fs, &in, ino, pos / fs->bsize, goal, &pb, &fresh);
		if (r < 0)
			break;
		if (n == fs->bsize) {
			/* Whole blocks: as many as follow on the disk, in one device write. */
			nb = (len - done) / fs->bsize < EXT2_RUN_MAX(fs)
			             ? (uint32_t)((len - done) / fs->bsize)
			             : EXT2_RUN_MAX(fs);
			nb = run_alloc(fs, &in, ino, pos / fs->bsize, pb, nb);
			nb = write_run(fs, pb, nb, in_buf + done, &r);
			done += (size_t)nb * fs->bsize;
			goal = pb + nb;
			if (r < 0)
				break;
			continue;
		}
		/* Part of a block: read, modify, write. */
		if (fresh)
			memset(tmp, 0, fs->bsize);
		else
			r = ext2_bread(fs, pb, tmp);
		if (r == 0) {
			memcpy(tmp + boff, in_buf + done, n);
			r = ext2_bwrite(fs, pb, tmp);
		}
		if (r < 0)
			break;
		done += n;
		goal = pb + 1;
	}
	free(tmp);
	end = off + done > ext2_isize_get(&in) ? off + done : ext2_isize_get(&in);
	/*
	 * A write that failed after extending the map past the new end of the
	 * file (a run, or the block it could not fill) gives those blocks back:
	 * past the end, every block is one this call allocated.
	 */
	if (r < 0 && off + len > end)
		ext2_free_from(fs, &in, (end + fs->bsize - 1) / fs->bsize);
	if (done > 0) {
		ext2_isize_set(&in, end);
		in.i_mtime = in.i_ctime = ext2_now(fs);
	}
	/* Even with nothing written, i_block may have gained a block. */
	w = ext2_inode_write(fs, ino, &in);
	if (w < 0)
		return w;
	return done > 0 ? (long)done : r;
}

int ext2_truncate(struct ext2 *fs, uint32_t ino, uint64_t size)
{
	struct ext2_inode in;
	uint64_t old;
	uint32_t pb;
	int r, err = 0;

	if (fs->ro)
		return E(EROFS);
	r = ext2_iget(fs, ino, &in);
	if (r < 0)
		return r;
	if (ext2_s_isdir(in.i_mode))
		return E(EISDIR);
	if (!ext2_s_isreg(in.i_mode))
		return E(EINVAL);
	if (size > fs->maxbytes)
		return E(EFBIG);
	r = need_large_file(fs, size);
	if (r < 0)
		return r;
	old = ext2_isize_get(&in);
	if (size < old) {
		uint32_t tail = (uint32_t)(size % fs->bsize);

		/* What stays of the last block reads as zeros past the end when the file grows. */
		if (tail != 0 && ext2_bmap(fs, &in, size / fs->bsize, &pb) == 0 && pb != 0) {
			uint8_t *tmp = malloc(fs->bsize);

			if (!tmp)
				return E(ENOMEM);
			r = ext2_bread(fs, pb, tmp);
			if (r == 0) {
				memset(tmp + tail, 0, fs->bsize - tail);
				r = ext2_bwrite(fs, pb, tmp);
			}
			free(tmp);
			if (r < 0)
				return r;
		}
		err = ext2_free_from(fs, &in, (size + fs->bsize - 1) / fs->bsize);
	}
	ext2_isize_set(&in, size);
	in.i_mtime = in.i_ctime = ext2_now(fs);
	r = ext2_inode_write(fs, ino, &in);
	return err ? err : r;
}

long ext2_readlink(struct ext2 *fs, uint32_t ino, char *buf, size_t len)
{
	struct ext2_inode in;
	uint8_t *tmp;
	uint32_t size;
	int r;

	r = ext2_iget(fs, ino, &in);
	if (r < 0)
		return r;
	if (!ext2_s_islnk(in.i_mode))
		return E(EINVAL);
	size = in.i_size;
	if (size == 0 || size > EXT2_SYMLINK_MAX)
		return E(EIO);
	if (len > size)
		len = size;
	if (fast_symlink(fs, &in)) {
		if (size >= EXT2_FAST_SYMLINK_MAX)
			return E(EIO);
		memcpy(buf, in.i_block, len);
		return (long)len;
	}
	if (size >= fs->bsize || !ext2_blk_ok(fs, in.i_block[0]))
		return E(EIO);
	tmp = malloc(fs->bsize);
	if (!tmp)
		return E(ENOMEM);
	r = ext2_bread(fs, in.i_block[0], tmp);
	if (r == 0)
		memcpy(buf, tmp, len);
	free(tmp);
	return r < 0 ? r : (long)len;
}
