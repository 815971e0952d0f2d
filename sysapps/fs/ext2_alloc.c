/* ext2 block and inode allocation: bitmaps, group and superblock free counts, written through. */
#include <stdlib.h>
#include <string.h>

#include "ext2_int.h"

/* First clear bit in [from, n) of `map`, or -1. */
static int64_t find_zero(const uint8_t *map, uint32_t from, uint32_t n)
{
	uint32_t i = from;

	while (i < n) {
		if ((i & 7) == 0 && map[i >> 3] == 0xff) {
			i += 8;
			continue;
		}
		if (!(map[i >> 3] & (1u << (i & 7))))
			return i;
		i++;
	}
	return -1;
}

static int bit_test(const uint8_t *map, uint32_t i)
{
	return (map[i >> 3] >> (i & 7)) & 1;
}

static void bit_set(uint8_t *map, uint32_t i)
{
	map[i >> 3] |= (uint8_t)(1u << (i & 7));
}

static void bit_clear(uint8_t *map, uint32_t i)
{
	map[i >> 3] &= (uint8_t) ~(1u << (i & 7));
}

/* Blocks in group g (the last one may be short). */
static uint32_t group_blocks(const struct ext2 *fs, uint32_t g)
{
	uint64_t first = fs->sb.s_first_data_block + (uint64_t)g * fs->sb.s_blocks_per_group;
	uint64_t left = fs->sb.s_blocks_count - first;

	return left < fs->sb.s_blocks_per_group ? (uint32_t)left : fs->sb.s_blocks_per_group;
}

static int is_power(uint32_t n, uint32_t base)
{
	while (n > 1 && n % base == 0)
		n /= base;
	return n == 1;
}

/* Does group g start with a (backup) superblock and descriptor table? */
static int group_has_super(const struct ext2 *fs, uint32_t g)
{
	if (g <= 1 || fs->sb.s_rev_level == EXT2_GOOD_OLD_REV ||
	    !(fs->sb.s_feature_ro_compat & EXT2_FEATURE_RO_COMPAT_SPARSE_SUPER))
		return 1;
	return is_power(g, 3) || is_power(g, 5) || is_power(g, 7);
}

/*
 * Is `blk` (in group g) metadata?  A sound bitmap marks these in use; a
 * corrupt one must still not get them handed out or freed.
 */
static int is_meta(const struct ext2 *fs, uint32_t g, const struct ext2_group_desc *gd,
                   uint32_t blk)
{
	uint32_t first = fs->sb.s_first_data_block + g * fs->sb.s_blocks_per_group;
	uint32_t meta = fs->meta_end - fs->sb.s_first_data_block; /* superblock + GDT (+reserved) */

	if (blk < fs->meta_end)
		return 1;
	if (group_has_super(fs, g) && blk - first < meta)
		return 1;
	return blk == gd->bg_block_bitmap || blk == gd->bg_inode_bitmap ||
	       (blk >= gd->bg_inode_table && blk - gd->bg_inode_table < fs->itb);
}

int ext2_block_alloc(struct ext2 *fs, uint32_t goal, uint32_t *out)
{
	uint32_t fdb = fs->sb.s_first_data_block, bpg = fs->sb.s_blocks_per_group;
	uint32_t g0, bit0, i;
	uint8_t *map;
	int r = E(ENOSPC);

	if (fs->ro)
		return E(EROFS);
	if (fs->sb.s_free_blocks_count == 0)
		return E(ENOSPC);
	if (goal < fdb || goal >= fs->sb.s_blocks_count)
		goal = fdb;
	g0 = (goal - fdb) / bpg;
	bit0 = (goal - fdb) % bpg;
	map = malloc(fs->bsize);
	if (!map)
		return E(ENOMEM);
	/* ngroups + 1 rounds: the goal's group again from its start at the end. */
	for (i = 0; i <= fs->ngroups; i++) {
		uint32_t g = (g0 + i) % fs->ngroups, n = group_blocks(fs, g);
		struct ext2_group_desc gd;
		int64_t bit;

		ext2_gd_get(fs, g, &gd);
		if (gd.bg_free_blocks_count == 0)
			continue;
		r = ext2_bread(fs, gd.bg_block_bitmap, map);
		if (r < 0)
			break;
		r = E(ENOSPC);
		for (bit = find_zero(map, i == 0 ? bit0 : 0, n); bit >= 0;
		     bit = find_zero(map, (uint32_t)bit + 1, n)) {
			uint32_t blk = fdb + g * bpg + (uint32_t)bit;

			if (is_meta(fs, g, &gd, blk))
				continue;
			bit_set(map, (uint32_t)bit);
			r = ext2_bwrite(fs, gd.bg_block_bitmap, map);
			if (r < 0)
				goto out;
			gd.bg_free_blocks_count--;
			fs->sb.s_free_blocks_count--;
			r = ext2_gd_put(fs, g, &gd);
			if (r == 0)
				r = ext2_super_write(fs);
			if (r == 0)
				*out = blk;
			goto out;
		}
	}
out:
	free(map);
	return r;
}

int ext2_block_free(struct ext2 *fs, uint32_t blk)
{
	uint32_t fdb = fs->sb.s_first_data_block, bpg = fs->sb.s_blocks_per_group, g, bit;
	struct ext2_group_desc gd;
	uint8_t *map;
	int r;

	if (fs->ro)
		return E(EROFS);
	if (!ext2_blk_ok(fs, blk))
		return 0;
	g = (blk - fdb) / bpg;
	bit = (blk - fdb) % bpg;
	ext2_gd_get(fs, g, &gd);
	if (is_meta(fs, g, &gd, blk))
		return 0;
	map = malloc(fs->bsize);
	if (!map)
		return E(ENOMEM);
	r = ext2_bread(fs, gd.bg_block_bitmap, map);
	if (r < 0 || !bit_test(map, bit))
		goto out;
	bit_clear(map, bit);
	r = ext2_bwrite(fs, gd.bg_block_bitmap, map);
	if (r < 0)
		goto out;
	if (gd.bg_free_blocks_count < group_blocks(fs, g))
		gd.bg_free_blocks_count++;
	if (fs->sb.s_free_blocks_count < fs->sb.s_blocks_count)
		fs->sb.s_free_blocks_count++;
	r = ext2_gd_put(fs, g, &gd);
	if (r == 0)
		r = ext2_super_write(fs);
	if (r == 0)
		r = 1;
out:
	free(map);
	return r;
}

/* Where a new directory goes: the group with inodes free and the fewest directories. */
static uint32_t dir_group(const struct ext2 *fs, uint32_t parent_group)
{
	uint32_t g, best = parent_group;
	struct ext2_group_desc gd, bd;

	ext2_gd_get(fs, best, &bd);
	for (g = 0; g < fs->ngroups; g++) {
		ext2_gd_get(fs, g, &gd);
		if (gd.bg_free_inodes_count == 0 || gd.bg_free_blocks_count == 0)
			continue;
		if (bd.bg_free_inodes_count == 0 || bd.bg_free_blocks_count == 0 ||
		    gd.bg_used_dirs_count < bd.bg_used_dirs_count) {
			best = g;
			bd = gd;
		}
	}
	return best;
}

int ext2_inode_alloc(struct ext2 *fs, uint32_t parent, int is_dir, uint32_t *out)
{
	uint32_t ipg = fs->sb.s_inodes_per_group, g0, i;
	uint8_t *map;
	int r = E(ENOSPC);

	if (fs->ro)
		return E(EROFS);
	if (fs->sb.s_free_inodes_count == 0)
		return E(ENOSPC);
	g0 = parent >= 1 && parent <= fs->sb.s_inodes_count ? (parent - 1) / ipg : 0;
	if (is_dir)
		g0 = dir_group(fs, g0);
	map = malloc(fs->bsize);
	if (!map)
		return E(ENOMEM);
	for (i = 0; i < fs->ngroups; i++) {
		uint32_t g = (g0 + i) % fs->ngroups, from = 0;
		uint64_t base = (uint64_t)g * ipg; /* inode numbers of the group: base+1.. */
		struct ext2_group_desc gd;
		int64_t bit;

		ext2_gd_get(fs, g, &gd);
		if (gd.bg_free_inodes_count == 0)
			continue;
		if (fs->first_ino - 1 > base) {
			if (fs->first_ino - 1 - base >= ipg)
				continue; /* all reserved */
			from = (uint32_t)(fs->first_ino - 1 - base);
		}
		r = ext2_bread(fs, gd.bg_inode_bitmap, map);
		if (r < 0)
			break;
		r = E(ENOSPC);
		bit = find_zero(map, from, ipg);
		if (bit < 0)
			continue;
		bit_set(map, (uint32_t)bit);
		r = ext2_bwrite(fs, gd.bg_inode_bitmap, map);
		if (r < 0)
			break;
		gd.bg_free_inodes_count--;
		if (is_dir)
			gd.bg_used_dirs_count++;
		fs->sb.s_free_inodes_count--;
		r = ext2_gd_put(fs, g, &gd);
		if (r == 0)
			r = ext2_super_write(fs);
		if (r == 0)
			*out = (uint32_t)(base + (uint64_t)bit + 1);
		break;
	}
	free(map);
	return r;
}

int ext2_inode_free(struct ext2 *fs, uint32_t ino, int is_dir)
{
	uint32_t ipg = fs->sb.s_inodes_per_group, g, bit;
	struct ext2_group_desc gd;
	uint8_t *map;
	int r;

	if (fs->ro)
		return E(EROFS);
	if (ino == 0 || ino > fs->sb.s_inodes_count)
		return E(EINVAL);
	g = (ino - 1) / ipg;
	bit = (ino - 1) % ipg;
	ext2_gd_get(fs, g, &gd);
	map = malloc(fs->bsize);
	if (!map)
		return E(ENOMEM);
	r = ext2_bread(fs, gd.bg_inode_bitmap, map);
	if (r < 0 || !bit_test(map, bit))
		goto out;
	bit_clear(map, bit);
	r = ext2_bwrite(fs, gd.bg_inode_bitmap, map);
	if (r < 0)
		goto out;
	if (gd.bg_free_inodes_count < ipg)
		gd.bg_free_inodes_count++;
	if (is_dir && gd.bg_used_dirs_count > 0)
		gd.bg_used_dirs_count--;
	if (fs->sb.s_free_inodes_count < fs->sb.s_inodes_count)
		fs->sb.s_free_inodes_count++;
	r = ext2_gd_put(fs, g, &gd);
	if (r == 0)
		r = ext2_super_write(fs);
out:
	free(map);
	return r;
}

uint32_t ext2_inode_goal(const struct ext2 *fs, uint32_t ino)
{
	uint32_t g = ino >= 1 && ino <= fs->sb.s_inodes_count
	                     ? (ino - 1) / fs->sb.s_inodes_per_group
	                     : 0;

	return fs->sb.s_first_data_block + g * fs->sb.s_blocks_per_group;
}
