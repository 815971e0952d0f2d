/* ext2 internals shared by ext2*.c: the mount state and the helpers the files lend each other. */
#ifndef FS_EXT2_INT_H
#define FS_EXT2_INT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <fs/blkdev.h>
#include <fs/ext2.h>

#include "ext2_disk.h"

/* One open-file reference count (ext2_hold). */
struct ext2_holdent {
	uint32_t ino;
	uint32_t count;
};

/* The last indirect block bmap read at each depth: sequential I/O reads each once. */
struct ext2_icache {
	uint32_t blk; /* 0: empty */
	uint8_t *data;
};

/*
 * A mounted file system.  Everything here is derived from the superblock
 * and group descriptors after they were checked at mount, so the helpers
 * may trust these fields; what they read from the device later (inodes,
 * bitmaps, block pointers, directory records) they check themselves.
 */
struct ext2 {
	struct blkdev dev;
	int ro;
	int64_t (*now)(void);

	struct ext2_super sb; /* as on disk; free counts kept current */
	uint32_t bsize;       /* bytes a block: 1024, 2048 or 4096 */
	uint32_t ptrs;        /* block numbers an indirect block holds */
	uint32_t isize;       /* bytes an inode */
	uint32_t first_ino;   /* first inode not reserved */
	uint32_t ngroups;
	uint32_t itb;        /* inode-table blocks a group */
	uint32_t gdt_blocks; /* blocks of group descriptors */
	uint32_t meta_end;   /* first block past group 0's superblock and GDT (+reserved) */
	uint64_t maxbytes;   /* largest regular file */
	int filetype;        /* directory records carry a file type */
	uint8_t *gdt;        /* gdt_blocks * bsize bytes, as on disk */
	uint8_t *ibuf;       /* scratch of ext2_inode_read/write only: one block */

	struct ext2_holdent *holds;
	uint32_t nholds, capholds;

	struct ext2_icache icache[3]; /* depth 1..3 of the last bmap walk */
};

/* Negative Linux errno. */
#define E(x) (-(FS_##x))

static inline int ext2_s_isdir(uint32_t mode)
{
	return (mode & FS_S_IFMT) == FS_S_IFDIR;
}

static inline int ext2_s_isreg(uint32_t mode)
{
	return (mode & FS_S_IFMT) == FS_S_IFREG;
}

static inline int ext2_s_islnk(uint32_t mode)
{
	return (mode & FS_S_IFMT) == FS_S_IFLNK;
}

static inline uint32_t ext2_get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline void ext2_put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

/* A block number a pointer may hold: past group 0's metadata, inside the file system. */
static inline int ext2_blk_ok(const struct ext2 *fs, uint32_t b)
{
	return b >= fs->meta_end && b < fs->sb.s_blocks_count;
}

/* 512-byte units a block adds to i_blocks. */
static inline uint32_t ext2_spb(const struct ext2 *fs)
{
	return fs->bsize / 512;
}

/* The clock as ext2 stores it. */
uint32_t ext2_now(struct ext2 *fs);

/* --- ext2.c: device, descriptors, inodes, holds --- */

/* Whole-block I/O; -EIO past the file system. */
int ext2_bread(struct ext2 *fs, uint32_t blk, void *buf);
int ext2_bwrite(struct ext2 *fs, uint32_t blk, const void *buf);

/* Most blocks one run request moves: 1 MiB, so no device call grows without bound. */
#define EXT2_RUN_MAX(fs) ((1u << 20) / (fs)->bsize)

/*
 * The same for the `n` consecutive blocks from `blk` on, in one device
 * call (1 <= n <= EXT2_RUN_MAX): -EIO when the run leaves the file system.
 * A failed write may have written any part of the run.
 */
int ext2_bread_run(struct ext2 *fs, uint32_t blk, uint32_t n, void *buf);
int ext2_bwrite_run(struct ext2 *fs, uint32_t blk, uint32_t n, const void *buf);
int ext2_super_write(struct ext2 *fs);
void ext2_gd_get(const struct ext2 *fs, uint32_t g, struct ext2_group_desc *gd);
int ext2_gd_put(struct ext2 *fs, uint32_t g, const struct ext2_group_desc *gd);

/*
 * Inodes.  ext2_inode_read checks only the number (1..inodes_count);
 * ext2_iget also wants an inode in use (ROOT or >= first_ino, mode set,
 * linked or held): -EINVAL for a bad number, -ENOENT for a free inode.
 * ext2_iget_disk is ext2_iget for a number read from the disk, where both
 * failures mean corruption: -EIO.
 */
int ext2_inode_read(struct ext2 *fs, uint32_t ino, struct ext2_inode *ip);
int ext2_inode_write(struct ext2 *fs, uint32_t ino, const struct ext2_inode *ip);
int ext2_iget(struct ext2 *fs, uint32_t ino, struct ext2_inode *ip);
int ext2_iget_disk(struct ext2 *fs, uint32_t ino, struct ext2_inode *ip);
uint64_t ext2_isize_get(const struct ext2_inode *ip);
void ext2_isize_set(struct ext2_inode *ip, uint64_t size);
int ext2_held(const struct ext2 *fs, uint32_t ino);

/* Drop one link (the inode's count is already lowered in *ip): write it, or free it at zero. */
int ext2_inode_unref(struct ext2 *fs, uint32_t ino, struct ext2_inode *ip);

/* --- ext2_alloc.c: bitmaps --- */

/* A free block, preferably at or after `goal`: 0 and *out, or -ENOSPC, -EIO. */
int ext2_block_alloc(struct ext2 *fs, uint32_t goal, uint32_t *out);
/* Free a block: 1 if it was in use, 0 if it already was free (a corrupt
 * image: counts stay as they are), -EIO. */
int ext2_block_free(struct ext2 *fs, uint32_t blk);
/* A free inode near directory `parent`: 0 and *out, or -ENOSPC, -EIO. */
int ext2_inode_alloc(struct ext2 *fs, uint32_t parent, int is_dir, uint32_t *out);
int ext2_inode_free(struct ext2 *fs, uint32_t ino, int is_dir);
/* Write a fresh inode: zeroed tail, extra_isize set on large inodes. */
int ext2_inode_init(struct ext2 *fs, uint32_t ino, const struct ext2_inode *ip);
/* First block of the inode's group: the allocation goal for its data. */
uint32_t ext2_inode_goal(const struct ext2 *fs, uint32_t ino);

/* --- ext2_file.c: block maps --- */

/* Physical block of logical block `lblk`, 0 for a hole; -EIO, -EFBIG. */
int ext2_bmap(struct ext2 *fs, const struct ext2_inode *ip, uint64_t lblk, uint32_t *pblk);
/* Same, allocating what is missing (the indirect blocks zeroed, the data
 * block not: *fresh says its old content is to be taken as zeros).  On
 * failure nothing changed.  The caller writes *ip. */
int ext2_bmap_alloc(struct ext2 *fs, struct ext2_inode *ip, uint32_t ino, uint64_t lblk,
                    uint32_t goal, uint32_t *pblk, int *fresh);
/* Free every block at or after logical block `from` (indirect blocks
 * included); the caller writes *ip. */
int ext2_free_from(struct ext2 *fs, struct ext2_inode *ip, uint64_t from);
/* Does the inode's i_block hold block numbers (regular, directory, slow symlink)? */
int ext2_has_blocks(const struct ext2 *fs, const struct ext2_inode *ip);
/* Forget cached indirect blocks in [blk, blk + n) (they are being written). */
void ext2_icache_drop(struct ext2 *fs, uint32_t blk, uint32_t n);

#endif /* FS_EXT2_INT_H */
