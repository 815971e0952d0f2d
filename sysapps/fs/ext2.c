/* ext2: mount checks, block and inode I/O, attributes and open-file holds. */

/*
 * Design.  The library keeps no cache of file data and almost none of
 * metadata: the superblock and the group descriptor table live in memory
 * (checked once at mount), everything else is read from the device when it
 * is needed and written back as soon as it changes.  So a process killed
 * between two calls leaves the image as consistent as the last completed
 * call made it, and `e2fsck -fn` is clean after any sequence of successful
 * calls.  The one cache, the last indirect block read at each depth
 * (ext2_file.c), is dropped whenever that block is written.  File data
 * moves in runs: whole blocks that follow one another on the disk go to
 * the device in one call (up to 1 MiB), so a file written in one piece is
 * read back in a few device calls, not one a block.
 *
 * Every call first checks what it was given and what it read and only then
 * changes the disk ("check, then act"); where a later step can still fail
 * for lack of space (a directory that needs a new block), the steps before
 * it are undone.  Values read from the device are never trusted: block
 * pointers must lie inside the file system and past group 0's metadata,
 * inode numbers inside the inode count, directory records inside their
 * block; indirect chains have a fixed depth, so no walk can loop.
 *
 * Files: ext2.c (this: mount, I/O helpers, inodes, attributes, holds),
 * ext2_alloc.c (bitmaps and free counts), ext2_file.c (block maps, read,
 * write, truncate, readlink), ext2_dir.c (directories and names).
 *
 * There is no locking: a mount is used by one thread at a time.  Mounts
 * share nothing, so several may be used at once.
 */
#include <stdlib.h>
#include <string.h>

#include "ext2_int.h"

#define EXT2_FEATURE_COMPAT_RESIZE_INODE 0x0010

uint32_t ext2_now(struct ext2 *fs)
{
	return fs->now ? (uint32_t)fs->now() : 0;
}

/* --- Device --- */

static int dev_err(int r)
{
	return r < 0 ? r : E(EIO);
}

/* Is [blk, blk + n) a non-empty run of blocks inside the file system? */
static int run_ok(const struct ext2 *fs, uint32_t blk, uint32_t n)
{
	return n > 0 && n <= EXT2_RUN_MAX(fs) && (uint64_t)blk + n <= fs->sb.s_blocks_count;
}

int ext2_bread_run(struct ext2 *fs, uint32_t blk, uint32_t n, void *buf)
{
	int r;

	if (!run_ok(fs, blk, n))
		return E(EIO);
	r = fs->dev.read(fs->dev.ctx, (uint64_t)blk * fs->bsize, buf, (size_t)n * fs->bsize);
	return r == 0 ? 0 : dev_err(r);
}

int ext2_bwrite_run(struct ext2 *fs, uint32_t blk, uint32_t n, const void *buf)
{
	int r;

	if (fs->ro)
		return E(EROFS);
	if (!run_ok(fs, blk, n))
		return E(EIO);
	ext2_icache_drop(fs, blk, n);
	r = fs->dev.write(fs->dev.ctx, (uint64_t)blk * fs->bsize, buf, (size_t)n * fs->bsize);
	return r == 0 ? 0 : dev_err(r);
}

int ext2_bread(struct ext2 *fs, uint32_t blk, void *buf)
{
	return ext2_bread_run(fs, blk, 1, buf);
}

int ext2_bwrite(struct ext2 *fs, uint32_t blk, const void *buf)
{
	return ext2_bwrite_run(fs, blk, 1, buf);
}

int ext2_super_write(struct ext2 *fs)
{
	int r;

	if (fs->ro)
		return E(EROFS);
	r = fs->dev.write(fs->dev.ctx, EXT2_SUPER_OFFSET, &fs->sb, EXT2_SUPER_SIZE);
	return r == 0 ? 0 : dev_err(r);
}

void ext2_gd_get(const struct ext2 *fs, uint32_t g, struct ext2_group_desc *gd)
{
	memcpy(gd, fs->gdt + (size_t)g * sizeof(*gd), sizeof(*gd));
}

int ext2_gd_put(struct ext2 *fs, uint32_t g, const struct ext2_group_desc *gd)
{
	size_t off = (size_t)g * sizeof(*gd);
	uint32_t blk = (uint32_t)(off / fs->bsize);

	memcpy(fs->gdt + off, gd, sizeof(*gd));
	return ext2_bwrite(fs, fs->sb.s_first_data_block + 1 + blk,
	                   fs->gdt + (size_t)blk * fs->bsize);
}

/* --- Mount --- */

/* Check the superblock and derive the geometry; -EUCLEAN, -EOPNOTSUPP. */
static int check_super(struct ext2 *fs, int *force_ro)
{
	struct ext2_super *sb = &fs->sb;
	uint64_t ngroups, itb, gdt, reserved = 0, addressable, p;
	uint32_t fdb, bpg = sb->s_blocks_per_group, ipg = sb->s_inodes_per_group;
	uint32_t incompat = 0, ro_compat = 0, compat = 0;

	if (sb->s_magic != EXT2_MAGIC)
		return E(EUCLEAN);
	if (sb->s_rev_level > EXT2_DYNAMIC_REV)
		return E(EOPNOTSUPP);
	if (sb->s_log_block_size > EXT2_MAX_LOG_BSIZE)
		return E(EUCLEAN);
	fs->bsize = 1024u << sb->s_log_block_size;
	fs->ptrs = fs->bsize / 4;
	fdb = fs->bsize == 1024 ? 1 : 0;
	if (sb->s_first_data_block != fdb)
		return E(EUCLEAN);
	if (bpg < 8 || bpg > 8 * fs->bsize || bpg % 8 != 0)
		return E(EUCLEAN);
	if (ipg == 0 || ipg > 8 * fs->bsize)
		return E(EUCLEAN);
	if (sb->s_blocks_count <= fdb + 1 ||
	    (uint64_t)sb->s_blocks_count * fs->bsize > fs->dev.size)
		return E(EUCLEAN);

	if (sb->s_rev_level == EXT2_GOOD_OLD_REV) {
		fs->isize = EXT2_OLD_INODE_SIZE;
		fs->first_ino = EXT2_OLD_FIRST_INO;
	} else {
		fs->isize = sb->s_inode_size;
		fs->first_ino = sb->s_first_ino;
		compat = sb->s_feature_compat;
		incompat = sb->s_feature_incompat;
		ro_compat = sb->s_feature_ro_compat;
		if (fs->isize < EXT2_OLD_INODE_SIZE || fs->isize > fs->bsize ||
		    (fs->isize & (fs->isize - 1)) != 0)
			return E(EUCLEAN);
		if (fs->first_ino < EXT2_OLD_FIRST_INO)
			return E(EUCLEAN);
	}

	ngroups = ((uint64_t)sb->s_blocks_count - fdb + bpg - 1) / bpg;
	if (ngroups * ipg != sb->s_inodes_count)
		return E(EUCLEAN);
	if (fs->first_ino > sb->s_inodes_count)
		return E(EUCLEAN);
	itb = ((uint64_t)ipg * fs->isize + fs->bsize - 1) / fs->bsize;
	if (itb > bpg)
		return E(EUCLEAN);

	if (incompat & ~(uint32_t)EXT2_FEATURE_INCOMPAT_FILETYPE)
		return E(EOPNOTSUPP);
	if (ro_compat &
	    ~(uint32_t)(EXT2_FEATURE_RO_COMPAT_SPARSE_SUPER | EXT2_FEATURE_RO_COMPAT_LARGE_FILE))
		*force_ro = 1;
	fs->filetype = (incompat & EXT2_FEATURE_INCOMPAT_FILETYPE) != 0;

	gdt = (ngroups * sizeof(struct ext2_group_desc) + fs->bsize - 1) / fs->bsize;
	if (compat & EXT2_FEATURE_COMPAT_RESIZE_INODE)
		reserved = sb->s_reserved_gdt_blocks;
	if (fdb + 1 + gdt + reserved > (uint64_t)fdb + bpg ||
	    fdb + 1 + gdt + reserved >= sb->s_blocks_count)
		return E(EUCLEAN);
	fs->ngroups = (uint32_t)ngroups;
	fs->itb = (uint32_t)itb;
	fs->gdt_blocks = (uint32_t)gdt;
	fs->meta_end = (uint32_t)(fdb + 1 + gdt + reserved);

	/* Addressable by the pointers, and countable in the 32-bit i_blocks. */
	p = fs->ptrs;
	addressable = EXT2_NDIR_BLOCKS + p + p * p + p * p * p;
	if (addressable > 0xffffffffull / ext2_spb(fs) - (p * p + p + 1))
		addressable = 0xffffffffull / ext2_spb(fs) - (p * p + p + 1);
	fs->maxbytes = addressable * fs->bsize;
	if (sb->s_rev_level == EXT2_GOOD_OLD_REV &&
	    !(ro_compat & EXT2_FEATURE_RO_COMPAT_LARGE_FILE) && fs->maxbytes > 0x7fffffffull)
		fs->maxbytes = 0x7fffffffull;
	return 0;
}

/* Read the group descriptors and check where they point; sum the free counts. */
static int load_groups(struct ext2 *fs)
{
	const struct ext2_super *sb = &fs->sb;
	uint32_t fdb = sb->s_first_data_block, bpg = sb->s_blocks_per_group, g, i;
	uint64_t free_blocks = 0, free_inodes = 0;
	int r;

	fs->gdt = malloc((size_t)fs->gdt_blocks * fs->bsize);
	if (!fs->gdt)
		return E(ENOMEM);
	for (i = 0; i < fs->gdt_blocks; i++) {
		r = ext2_bread(fs, fdb + 1 + i, fs->gdt + (size_t)i * fs->bsize);
		if (r < 0)
			return r;
	}
	for (g = 0; g < fs->ngroups; g++) {
		struct ext2_group_desc gd;
		uint64_t first = fdb + (uint64_t)g * bpg;
		uint64_t end = first + bpg < sb->s_blocks_count ? first + bpg : sb->s_blocks_count;
		uint64_t lo = g == 0 ? fs->meta_end : first;
		uint64_t it;

		ext2_gd_get(fs, g, &gd);
		it = gd.bg_inode_table;
		if (gd.bg_block_bitmap < lo || gd.bg_block_bitmap >= end ||
		    gd.bg_inode_bitmap < lo || gd.bg_inode_bitmap >= end ||
		    gd.bg_block_bitmap == gd.bg_inode_bitmap || it < lo || it + fs->itb > end)
			return E(EUCLEAN);
		if ((gd.bg_block_bitmap >= it && gd.bg_block_bitmap < it + fs->itb) ||
		    (gd.bg_inode_bitmap >= it && gd.bg_inode_bitmap < it + fs->itb))
			return E(EUCLEAN);
		if (gd.bg_free_blocks_count > end - first ||
		    gd.bg_free_inodes_count > sb->s_inodes_per_group ||
		    gd.bg_used_dirs_count > sb->s_inodes_per_group)
			return E(EUCLEAN);
		free_blocks += gd.bg_free_blocks_count;
		free_inodes += gd.bg_free_inodes_count;
	}
	/* The descriptors are the truth (as in Linux); the superblock follows them. */
	if (free_blocks > sb->s_blocks_count || free_inodes > sb->s_inodes_count)
		return E(EUCLEAN);
	fs->sb.s_free_blocks_count = (uint32_t)free_blocks;
	fs->sb.s_free_inodes_count = (uint32_t)free_inodes;
	return 0;
}

static void fs_free(struct ext2 *fs)
{
	int i;

	for (i = 0; i < 3; i++)
		free(fs->icache[i].data);
	free(fs->holds);
	free(fs->ibuf);
	free(fs->gdt);
	free(fs);
}

/* Feature bits of the ext2/3/4 on-disk format, by name (as mke2fs -O spells them). */
struct feature_name {
	uint32_t bit;
	const char *name;
};

static const struct feature_name incompat_names[] = {
	{ 0x0001, "compression" }, { 0x0004, "needs_recovery" }, { 0x0008, "journal_dev" },
	{ 0x0010, "meta_bg" },     { 0x0040, "extent" },         { 0x0080, "64bit" },
	{ 0x0100, "mmp" },         { 0x0200, "flex_bg" },        { 0x0400, "ea_inode" },
	{ 0x1000, "dirdata" },     { 0x2000, "csum_seed" },      { 0x4000, "large_dir" },
	{ 0x8000, "inline_data" }, { 0x10000, "encrypt" },       { 0x20000, "casefold" },
};

static const struct feature_name ro_compat_names[] = {
	{ 0x0004, "btree_dir" }, { 0x0008, "huge_file" },     { 0x0010, "uninit_bg" },
	{ 0x0020, "dir_nlink" }, { 0x0040, "extra_isize" },   { 0x0100, "quota" },
	{ 0x0200, "bigalloc" },  { 0x0400, "metadata_csum" }, { 0x1000, "read-only" },
	{ 0x2000, "project" },   { 0x8000, "verity" },
};

/* Append ", name" (or "name" first) to buf[len], truncating. */
static void append_name(char *buf, size_t len, const char *name)
{
	size_t n = strlen(buf), m = strlen(name);

	if (n && n + 2 < len) {
		memcpy(buf + n, ", ", 3);
		n += 2;
	}
	if (n + m >= len)
		m = len - n - 1;
	memcpy(buf + n, name, m);
	buf[n + m] = '\0';
}

/* Append the names of the set bits of `bits` outside `known` (unnamed: "0x..."). */
static int append_features(char *buf, size_t len, uint32_t bits, uint32_t known,
                           const struct feature_name *names, size_t nnames)
{
	int count = 0;

	bits &= ~known;
	for (uint32_t bit = 1; bit; bit <<= 1) {
		const char *name = NULL;
		char hex[11];

		if (!(bits & bit))
			continue;
		for (size_t i = 0; i < nnames; i++)
			if (names[i].bit == bit)
				name = names[i].name;
		if (!name) {
			hex[0] = '0', hex[1] = 'x';
			for (int i = 0; i < 8; i++)
				hex[2 + i] = "0123456789abcdef"[(bit >> (28 - 4 * i)) & 15];
			hex[10] = '\0';
			name = hex;
		}
		append_name(buf, len, name);
		count++;
	}
	return count;
}

int ext2_unsupported_features(const struct blkdev *dev, char *buf, size_t len)
{
	struct ext2_super sb;
	int count = 0;

	if (!len)
		return E(EINVAL);
	buf[0] = '\0';
	if (!dev || !dev->read || dev->size < EXT2_SUPER_OFFSET + EXT2_SUPER_SIZE ||
	    dev->read(dev->ctx, EXT2_SUPER_OFFSET, &sb, EXT2_SUPER_SIZE) != 0)
		return E(EIO);
	if (sb.s_magic != EXT2_MAGIC)
		return E(EUCLEAN);
	if (sb.s_rev_level > EXT2_DYNAMIC_REV) {
		append_name(buf, len, "revision > 1");
		return 1;
	}
	if (sb.s_rev_level == EXT2_GOOD_OLD_REV)
		return 0;
	count +=
	        append_features(buf, len, sb.s_feature_incompat, EXT2_FEATURE_INCOMPAT_FILETYPE,
	                        incompat_names, sizeof(incompat_names) / sizeof(incompat_names[0]));
	count += append_features(
	        buf, len, sb.s_feature_ro_compat,
	        EXT2_FEATURE_RO_COMPAT_SPARSE_SUPER | EXT2_FEATURE_RO_COMPAT_LARGE_FILE,
	        ro_compat_names, sizeof(ro_compat_names) / sizeof(ro_compat_names[0]));
	return count;
}

int ext2_mount(struct ext2 **out, const struct blkdev *dev, int readonly, int64_t (*now)(void))
{
	struct ext2 *fs;
	int r, force_ro = 0, i;

	if (!out || !dev || !dev->read || (!dev->write && !dev->readonly && !readonly))
		return E(EINVAL);
	*out = NULL;
	if (dev->size < EXT2_SUPER_OFFSET + EXT2_SUPER_SIZE)
		return E(EUCLEAN);
	fs = calloc(1, sizeof(*fs));
	if (!fs)
		return E(ENOMEM);
	fs->dev = *dev;
	fs->now = now;
	fs->ro = 1; /* no write until the checks passed */
	r = dev->read(dev->ctx, EXT2_SUPER_OFFSET, &fs->sb, EXT2_SUPER_SIZE);
	if (r != 0) {
		r = dev_err(r);
		goto out_free;
	}
	r = check_super(fs, &force_ro);
	if (r < 0)
		goto out_free;
	r = load_groups(fs);
	if (r < 0)
		goto out_free;
	r = E(ENOMEM);
	fs->ibuf = malloc(fs->bsize);
	if (!fs->ibuf)
		goto out_free;
	for (i = 0; i < 3; i++) {
		fs->icache[i].data = malloc(fs->bsize);
		if (!fs->icache[i].data)
			goto out_free;
	}
	fs->ro = readonly || dev->readonly || force_ro;
	*out = fs;
	return 0;

out_free:
	fs_free(fs);
	return r;
}

/* --- Inodes --- */

/* Byte offset of the inode on the device; the number must be in range. */
static uint64_t inode_pos(const struct ext2 *fs, uint32_t ino)
{
	uint32_t g = (ino - 1) / fs->sb.s_inodes_per_group;
	uint32_t idx = (ino - 1) % fs->sb.s_inodes_per_group;
	struct ext2_group_desc gd;

	ext2_gd_get(fs, g, &gd);
	return (uint64_t)gd.bg_inode_table * fs->bsize + (uint64_t)idx * fs->isize;
}

/* The I/O unit around an inode: 512 bytes, or the inode when larger. */
static uint32_t inode_unit(const struct ext2 *fs)
{
	return fs->isize < 512 ? 512 : fs->isize;
}

int ext2_inode_read(struct ext2 *fs, uint32_t ino, struct ext2_inode *ip)
{
	uint64_t pos, base;
	uint32_t unit = inode_unit(fs);
	int r;

	if (ino == 0 || ino > fs->sb.s_inodes_count)
		return E(EINVAL);
	pos = inode_pos(fs, ino);
	base = pos & ~(uint64_t)(unit - 1);
	r = fs->dev.read(fs->dev.ctx, base, fs->ibuf, unit);
	if (r != 0)
		return dev_err(r);
	memcpy(ip, fs->ibuf + (pos - base), sizeof(*ip));
	return 0;
}

/* Replace the inode's first 128 bytes and, when `tail` is set, the rest with it. */
static int inode_store(struct ext2 *fs, uint32_t ino, const struct ext2_inode *ip, int tail)
{
	uint64_t pos, base;
	uint32_t unit = inode_unit(fs);
	uint8_t *p;
	int r;

	if (fs->ro)
		return E(EROFS);
	if (ino == 0 || ino > fs->sb.s_inodes_count)
		return E(EINVAL);
	pos = inode_pos(fs, ino);
	base = pos & ~(uint64_t)(unit - 1);
	r = fs->dev.read(fs->dev.ctx, base, fs->ibuf, unit);
	if (r != 0)
		return dev_err(r);
	p = fs->ibuf + (pos - base);
	memcpy(p, ip, sizeof(*ip));
	if (tail && fs->isize > EXT2_OLD_INODE_SIZE) {
		memset(p + EXT2_OLD_INODE_SIZE, 0, fs->isize - EXT2_OLD_INODE_SIZE);
		/* In use: say the fixed extra fields are there, as mke2fs does. */
		if (ip->i_mode != 0 && fs->isize >= EXT2_OLD_INODE_SIZE + EXT2_EXTRA_ISIZE) {
			uint16_t extra = EXT2_EXTRA_ISIZE;

			memcpy(p + EXT2_EXTRA_ISIZE_OFF, &extra, sizeof(extra));
		}
	}
	ext2_icache_drop(fs, (uint32_t)(base / fs->bsize), 1);
	r = fs->dev.write(fs->dev.ctx, base, fs->ibuf, unit);
	return r == 0 ? 0 : dev_err(r);
}

int ext2_inode_write(struct ext2 *fs, uint32_t ino, const struct ext2_inode *ip)
{
	return inode_store(fs, ino, ip, 0);
}

int ext2_inode_init(struct ext2 *fs, uint32_t ino, const struct ext2_inode *ip)
{
	return inode_store(fs, ino, ip, 1);
}

static int ino_valid(const struct ext2 *fs, uint32_t ino)
{
	return ino == EXT2_ROOT_INO || (ino >= fs->first_ino && ino <= fs->sb.s_inodes_count);
}

int ext2_iget(struct ext2 *fs, uint32_t ino, struct ext2_inode *ip)
{
	int r;

	if (!ino_valid(fs, ino))
		return E(EINVAL);
	r = ext2_inode_read(fs, ino, ip);
	if (r < 0)
		return r;
	if (ip->i_mode == 0 || (ip->i_links_count == 0 && !ext2_held(fs, ino)))
		return E(ENOENT);
	return 0;
}

int ext2_iget_disk(struct ext2 *fs, uint32_t ino, struct ext2_inode *ip)
{
	int r = ext2_iget(fs, ino, ip);

	return r == E(EINVAL) || r == E(ENOENT) ? E(EIO) : r;
}

uint64_t ext2_isize_get(const struct ext2_inode *ip)
{
	if (ext2_s_isreg(ip->i_mode))
		return ip->i_size | (uint64_t)ip->i_size_high << 32;
	return ip->i_size;
}

void ext2_isize_set(struct ext2_inode *ip, uint64_t size)
{
	ip->i_size = (uint32_t)size;
	if (ext2_s_isreg(ip->i_mode))
		ip->i_size_high = (uint32_t)(size >> 32);
}

/* Drop a reference on an extended-attribute block; free it with the last. */
static int xattr_put(struct ext2 *fs, uint32_t blk)
{
	uint8_t *buf;
	uint32_t refs;
	int r;

	if (!ext2_blk_ok(fs, blk))
		return 0; /* a corrupt pointer: nothing of ours to free */
	buf = malloc(fs->bsize);
	if (!buf)
		return E(ENOMEM);
	r = ext2_bread(fs, blk, buf);
	if (r == 0 && ext2_get32(buf) == EXT2_XATTR_MAGIC) {
		refs = ext2_get32(buf + 4);
		if (refs > 1) {
			ext2_put32(buf + 4, refs - 1);
			r = ext2_bwrite(fs, blk, buf);
		} else {
			r = ext2_block_free(fs, blk);
			r = r < 0 ? r : 0;
		}
	}
	free(buf);
	return r;
}

/* Free the inode and everything it owns; *ip is its current content. */
static int inode_destroy(struct ext2 *fs, uint32_t ino, struct ext2_inode *ip)
{
	int is_dir = ext2_s_isdir(ip->i_mode), err = 0, r;

	if (ext2_has_blocks(fs, ip))
		err = ext2_free_from(fs, ip, 0);
	if (ip->i_file_acl) {
		r = xattr_put(fs, ip->i_file_acl);
		err = err ? err : r;
	}
	memset(ip, 0, sizeof(*ip));
	r = ext2_inode_init(fs, ino, ip);
	err = err ? err : r;
	r = ext2_inode_free(fs, ino, is_dir);
	return err ? err : r;
}

int ext2_inode_unref(struct ext2 *fs, uint32_t ino, struct ext2_inode *ip)
{
	int r;

	ip->i_ctime = ext2_now(fs);
	if (ip->i_links_count > 0)
		return ext2_inode_write(fs, ino, ip);
	if (!ext2_held(fs, ino))
		return inode_destroy(fs, ino, ip);
	/* Held open: a removed directory is empty at once; the rest waits for release. */
	if (ext2_s_isdir(ip->i_mode)) {
		r = ext2_free_from(fs, ip, 0);
		ext2_isize_set(ip, 0);
		if (r < 0) {
			ext2_inode_write(fs, ino, ip);
			return r;
		}
	}
	return ext2_inode_write(fs, ino, ip);
}

/* --- Holds --- */

static struct ext2_holdent *hold_find(const struct ext2 *fs, uint32_t ino)
{
	uint32_t i;

	for (i = 0; i < fs->nholds; i++)
		if (fs->holds[i].ino == ino)
			return &fs->holds[i];
	return NULL;
}

int ext2_held(const struct ext2 *fs, uint32_t ino)
{
	return hold_find(fs, ino) != NULL;
}

void ext2_hold(struct ext2 *fs, uint32_t ino)
{
	struct ext2_holdent *h = hold_find(fs, ino);

	if (h) {
		if (h->count < UINT32_MAX)
			h->count++;
		return;
	}
	if (fs->nholds == fs->capholds) {
		uint32_t cap = fs->capholds ? fs->capholds * 2 : 16;
		struct ext2_holdent *n = realloc(fs->holds, cap * sizeof(*n));

		if (!n)
			return; /* out of memory: the inode is not protected (see ext2.h) */
		fs->holds = n;
		fs->capholds = cap;
	}
	fs->holds[fs->nholds++] = (struct ext2_holdent){ .ino = ino, .count = 1 };
}

/* Free a released inode whose last link is gone. */
static int reap(struct ext2 *fs, uint32_t ino)
{
	struct ext2_inode in;
	int r;

	if (fs->ro || !ino_valid(fs, ino))
		return 0;
	r = ext2_inode_read(fs, ino, &in);
	if (r < 0)
		return r;
	if (in.i_mode == 0 || in.i_links_count != 0)
		return 0;
	return inode_destroy(fs, ino, &in);
}

int ext2_release(struct ext2 *fs, uint32_t ino)
{
	struct ext2_holdent *h = hold_find(fs, ino);

	if (!h)
		return E(EINVAL);
	if (--h->count > 0)
		return 0;
	*h = fs->holds[--fs->nholds];
	return reap(fs, ino);
}

/* --- Whole file system --- */

int ext2_sync(struct ext2 *fs)
{
	int r;

	if (fs->ro || !fs->dev.flush)
		return 0;
	r = fs->dev.flush(fs->dev.ctx);
	return r == 0 ? 0 : dev_err(r);
}

int ext2_unmount(struct ext2 *fs)
{
	int err = 0, r;
	uint32_t i;

	if (!fs)
		return 0;
	/* Whoever held them is gone with the mount. */
	for (i = 0; i < fs->nholds; i++) {
		r = reap(fs, fs->holds[i].ino);
		err = err ? err : r;
	}
	fs->nholds = 0;
	r = ext2_sync(fs);
	err = err ? err : r;
	fs_free(fs);
	return err;
}

int ext2_statfs(struct ext2 *fs, struct ext2_statfs *out)
{
	const struct ext2_super *sb = &fs->sb;

	memset(out, 0, sizeof(*out));
	out->bsize = fs->bsize;
	out->blocks = sb->s_blocks_count;
	out->bfree = sb->s_free_blocks_count;
	out->bavail = sb->s_free_blocks_count > sb->s_r_blocks_count
	                      ? sb->s_free_blocks_count - sb->s_r_blocks_count
	                      : 0;
	out->files = sb->s_inodes_count;
	out->ffree = sb->s_free_inodes_count;
	out->namemax = EXT2_NAME_MAX;
	return 0;
}

int ext2_stat(struct ext2 *fs, uint32_t ino, struct ext2_stat *out)
{
	struct ext2_inode in;
	int r = ext2_iget(fs, ino, &in);

	if (r < 0)
		return r;
	memset(out, 0, sizeof(*out));
	out->ino = ino;
	out->mode = in.i_mode;
	out->nlink = in.i_links_count;
	out->uid = in.i_uid | (uint32_t)in.i_uid_high << 16;
	out->gid = in.i_gid | (uint32_t)in.i_gid_high << 16;
	out->size = ext2_isize_get(&in);
	out->blocks = in.i_blocks;
	out->blksize = fs->bsize;
	out->atime = in.i_atime;
	out->mtime = in.i_mtime;
	out->ctime = in.i_ctime;
	return 0;
}

int ext2_setattr(struct ext2 *fs, uint32_t ino, const struct ext2_attr *a)
{
	const uint32_t known =
	        EXT2_SET_MODE | EXT2_SET_UID | EXT2_SET_GID | EXT2_SET_ATIME | EXT2_SET_MTIME;
	struct ext2_inode in;
	int r;

	if (a->mask & ~known)
		return E(EINVAL);
	if (fs->ro)
		return E(EROFS);
	r = ext2_iget(fs, ino, &in);
	if (r < 0)
		return r;
	if (a->mask & EXT2_SET_MODE)
		in.i_mode = (uint16_t)((in.i_mode & FS_S_IFMT) | (a->mode & 07777));
	if (a->mask & EXT2_SET_UID) {
		in.i_uid = (uint16_t)a->uid;
		in.i_uid_high = (uint16_t)(a->uid >> 16);
	}
	if (a->mask & EXT2_SET_GID) {
		in.i_gid = (uint16_t)a->gid;
		in.i_gid_high = (uint16_t)(a->gid >> 16);
	}
	if (a->mask & EXT2_SET_ATIME)
		in.i_atime = (uint32_t)a->atime;
	if (a->mask & EXT2_SET_MTIME)
		in.i_mtime = (uint32_t)a->mtime;
	in.i_ctime = ext2_now(fs);
	return ext2_inode_write(fs, ino, &in);
}
