/* ext2 directories: checked record walks, lookup, readdir, create, link, unlink, rmdir, rename. */
#include <stdlib.h>
#include <string.h>

#include "ext2_int.h"

#define NO_PREV UINT32_MAX
#define DIR_MAX 0x7fffffffu /* e2fsck's limit without "largedir" */

/* One directory record, from a block that passed dirblock_check. */
struct rec {
	uint32_t ino;
	uint32_t rec_len;
	uint32_t name_len;
	uint8_t type;
	const char *name;
};

/* Where a name was found: the block (still in the caller's buffer) and the record. */
struct dloc {
	uint32_t pblk;
	uint32_t pos;
	uint32_t prev; /* record before it in the block, or NO_PREV */
	uint32_t ino;
};

static void rec_get(const struct ext2 *fs, const uint8_t *b, uint32_t pos, struct rec *r)
{
	struct ext2_dirent_disk d;

	memcpy(&d, b + pos, sizeof(d));
	r->ino = d.inode;
	r->rec_len = d.rec_len;
	r->name_len = d.name_len;
	r->type = fs->filetype ? d.file_type : EXT2_FT_UNKNOWN;
	r->name = (const char *)b + pos + EXT2_DIRENT_HDR;
}

/* Write a record at `pos`; the name's padding is zeroed. */
static void rec_put(const struct ext2 *fs, uint8_t *b, uint32_t pos, uint32_t ino, uint32_t rec_len,
                    const char *name, size_t len, uint8_t type)
{
	struct ext2_dirent_disk d = {
		.inode = ino,
		.rec_len = (uint16_t)rec_len,
		.name_len = (uint8_t)len,
		.file_type = fs->filetype ? type : 0,
	};

	memcpy(b + pos, &d, sizeof(d));
	memcpy(b + pos + EXT2_DIRENT_HDR, name, len);
	memset(b + pos + EXT2_DIRENT_HDR + len, 0, EXT2_REC_LEN(len) - EXT2_DIRENT_HDR - len);
}

static void rec_set_len(uint8_t *b, uint32_t pos, uint32_t rec_len)
{
	uint16_t v = (uint16_t)rec_len;

	memcpy(b + pos + offsetof(struct ext2_dirent_disk, rec_len), &v, sizeof(v));
}

/* Every record inside the block, long enough for its name, 4-aligned; names of used ones set. */
static int dirblock_check(const struct ext2 *fs, const uint8_t *b)
{
	uint32_t pos = 0;

	while (pos < fs->bsize) {
		struct ext2_dirent_disk d;

		if (fs->bsize - pos < EXT2_DIRENT_HDR)
			return E(EIO);
		memcpy(&d, b + pos, sizeof(d));
		if (!fs->filetype && d.file_type != 0)
			return E(EIO); /* name_len above 255 */
		if (d.rec_len < EXT2_DIRENT_HDR || d.rec_len % 4 != 0 ||
		    d.rec_len > fs->bsize - pos || d.name_len > d.rec_len - EXT2_DIRENT_HDR)
			return E(EIO);
		if (d.inode > fs->sb.s_inodes_count || (d.inode != 0 && d.name_len == 0))
			return E(EIO);
		pos += d.rec_len;
	}
	return 0;
}

/* Blocks of a directory: its size in whole blocks, no more than the file system has. */
static int dir_nblocks(const struct ext2 *fs, const struct ext2_inode *ip, uint32_t *n)
{
	if (ip->i_size % fs->bsize != 0 || ip->i_size / fs->bsize > fs->sb.s_blocks_count)
		return E(EIO);
	*n = ip->i_size / fs->bsize;
	return 0;
}

/* Read and check logical block `lblk` of a directory (a hole is corruption). */
static int dir_read(struct ext2 *fs, const struct ext2_inode *ip, uint32_t lblk, uint8_t *buf,
                    uint32_t *pblk)
{
	int r = ext2_bmap(fs, ip, lblk, pblk);

	if (r < 0)
		return r;
	if (*pblk == 0)
		return E(EIO);
	r = ext2_bread(fs, *pblk, buf);
	return r < 0 ? r : dirblock_check(fs, buf);
}

static int name_check(const char *name, size_t len)
{
	if (len > EXT2_NAME_MAX)
		return E(ENAMETOOLONG);
	if (len == 0 || memchr(name, '/', len) || memchr(name, '\0', len))
		return E(EINVAL);
	return 0;
}

/* 1 for ".", 2 for "..", else 0. */
static int dots(const char *name, size_t len)
{
	if (len == 1 && name[0] == '.')
		return 1;
	return len == 2 && name[0] == '.' && name[1] == '.' ? 2 : 0;
}

/* A number a directory may hold (anything else there is corruption). */
static int ino_ok(const struct ext2 *fs, uint32_t ino)
{
	return ino == EXT2_ROOT_INO || (ino >= fs->first_ino && ino <= fs->sb.s_inodes_count);
}

static uint8_t mode_ft(uint32_t mode)
{
	switch (mode & FS_S_IFMT) {
	case FS_S_IFREG: return EXT2_FT_REG_FILE;
	case FS_S_IFDIR: return EXT2_FT_DIR;
	case FS_S_IFCHR: return EXT2_FT_CHRDEV;
	case FS_S_IFBLK: return EXT2_FT_BLKDEV;
	case FS_S_IFIFO: return EXT2_FT_FIFO;
	case FS_S_IFSOCK: return EXT2_FT_SOCK;
	case FS_S_IFLNK: return EXT2_FT_SYMLINK;
	default: return EXT2_FT_UNKNOWN;
	}
}

static uint8_t ft_dt(uint8_t ft)
{
	static const uint8_t dt[EXT2_FT_MAX] = { 0, 8, 4, 2, 6, 1, 12, 10 };

	return ft < EXT2_FT_MAX ? dt[ft] : 0;
}

/* A directory by number; `live` also wants it linked (somewhere to create names). */
static int dir_get(struct ext2 *fs, uint32_t ino, struct ext2_inode *ip, int live)
{
	int r = ext2_iget(fs, ino, ip);

	if (r < 0)
		return r;
	if (!ext2_s_isdir(ip->i_mode))
		return E(ENOTDIR);
	return live && ip->i_links_count == 0 ? E(ENOENT) : 0;
}

/* Find `name` in a directory: 0 with *loc and its block in buf, -ENOENT, -EIO. */
static int dir_find(struct ext2 *fs, const struct ext2_inode *ip, const char *name, size_t len,
                    uint8_t *buf, struct dloc *loc)
{
	uint32_t n, lblk, pos, prev, pb;
	struct rec rc;
	int r = dir_nblocks(fs, ip, &n);

	if (r < 0)
		return r;
	for (lblk = 0; lblk < n; lblk++) {
		r = dir_read(fs, ip, lblk, buf, &pb);
		if (r < 0)
			return r;
		for (pos = 0, prev = NO_PREV; pos < fs->bsize; prev = pos, pos += rc.rec_len) {
			rec_get(fs, buf, pos, &rc);
			if (rc.ino != 0 && rc.name_len == len && memcmp(rc.name, name, len) == 0) {
				*loc = (struct dloc){
					.pblk = pb, .pos = pos, .prev = prev, .ino = rc.ino
				};
				return 0;
			}
		}
	}
	return E(ENOENT);
}

/*
 * The ".." record of a directory, where e2fsck wants it: second in the
 * first block, after ".".  One block read, so walks up the tree stay cheap.
 */
static int dir_dotdot(struct ext2 *fs, const struct ext2_inode *ip, uint8_t *buf, struct dloc *loc)
{
	uint32_t n, pb;
	struct rec rc;
	int r = dir_nblocks(fs, ip, &n);

	if (r < 0)
		return r;
	if (n == 0)
		return E(EIO);
	r = dir_read(fs, ip, 0, buf, &pb);
	if (r < 0)
		return r;
	rec_get(fs, buf, 0, &rc);
	if (rc.ino == 0 || dots(rc.name, rc.name_len) != 1 || rc.rec_len >= fs->bsize)
		return E(EIO);
	*loc = (struct dloc){ .pblk = pb, .pos = rc.rec_len, .prev = 0 };
	rec_get(fs, buf, loc->pos, &rc);
	if (rc.ino == 0 || dots(rc.name, rc.name_len) != 2 || !ino_ok(fs, rc.ino))
		return E(EIO);
	loc->ino = rc.ino;
	return 0;
}

/* Stamp a changed directory; a hash index it had is no longer maintained. */
static void dir_changed(struct ext2 *fs, struct ext2_inode *dip)
{
	dip->i_mtime = dip->i_ctime = ext2_now(fs);
	dip->i_flags &= ~(uint32_t)EXT2_INDEX_FL;
}

/*
 * Add a record (the name is known to be absent): into the first record
 * with room to split off, else into a new block at the end.  Writes the
 * block and *dip; on failure nothing changed.
 */
static int dir_add(struct ext2 *fs, uint32_t dino, struct ext2_inode *dip, const char *name,
                   size_t len, uint32_t ino, uint8_t ft)
{
	uint32_t need = EXT2_REC_LEN(len), n, lblk, pos, pb;
	struct rec rc;
	uint8_t *buf;
	int r, fresh;

	r = dir_nblocks(fs, dip, &n);
	if (r < 0)
		return r;
	buf = malloc(fs->bsize);
	if (!buf)
		return E(ENOMEM);
	for (lblk = 0; lblk < n; lblk++) {
		r = dir_read(fs, dip, lblk, buf, &pb);
		if (r < 0)
			goto out;
		for (pos = 0; pos < fs->bsize; pos += rc.rec_len) {
			uint32_t used;

			rec_get(fs, buf, pos, &rc);
			used = rc.ino ? EXT2_REC_LEN(rc.name_len) : 0;
			if (rc.rec_len < used + need)
				continue;
			if (used == 0) {
				rec_put(fs, buf, pos, ino, rc.rec_len, name, len, ft);
			} else {
				rec_set_len(buf, pos, used);
				rec_put(fs, buf, pos + used, ino, rc.rec_len - used, name, len, ft);
			}
			r = ext2_bwrite(fs, pb, buf);
			goto out_touch;
		}
	}

	/* No room: one more block. */
	if ((uint64_t)dip->i_size + fs->bsize > DIR_MAX) {
		r = E(ENOSPC);
		goto out;
	}
	r = ext2_bmap_alloc(fs, dip, dino, n, 0, &pb, &fresh);
	if (r < 0)
		goto out;
	memset(buf, 0, fs->bsize);
	rec_put(fs, buf, 0, ino, fs->bsize, name, len, ft);
	r = ext2_bwrite(fs, pb, buf);
	if (r < 0) {
		ext2_free_from(fs, dip, n);
		ext2_inode_write(fs, dino, dip);
		goto out;
	}
	dip->i_size += fs->bsize;
out_touch:
	if (r == 0) {
		dir_changed(fs, dip);
		r = ext2_inode_write(fs, dino, dip);
	}
out:
	free(buf);
	return r;
}

/* Remove the record at *loc (its block in buf): merged into the one before, or emptied. */
static int dir_remove(struct ext2 *fs, uint32_t dino, struct ext2_inode *dip,
                      const struct dloc *loc, uint8_t *buf)
{
	struct rec prev, cur;
	int r;

	rec_get(fs, buf, loc->pos, &cur);
	if (loc->prev != NO_PREV) {
		rec_get(fs, buf, loc->prev, &prev);
		rec_set_len(buf, loc->prev, prev.rec_len + cur.rec_len);
	} else {
		memset(buf + loc->pos, 0, offsetof(struct ext2_dirent_disk, rec_len));
	}
	r = ext2_bwrite(fs, loc->pblk, buf);
	if (r < 0)
		return r;
	dir_changed(fs, dip);
	return ext2_inode_write(fs, dino, dip);
}

/* 1 when the directory holds nothing but "." and "..", 0 when it does, or -EIO. */
static int dir_empty(struct ext2 *fs, const struct ext2_inode *ip)
{
	uint32_t n, lblk, pos, pb;
	struct rec rc;
	uint8_t *buf;
	int r = dir_nblocks(fs, ip, &n);

	if (r < 0)
		return r;
	buf = malloc(fs->bsize);
	if (!buf)
		return E(ENOMEM);
	r = 1;
	for (lblk = 0; lblk < n && r == 1; lblk++) {
		r = dir_read(fs, ip, lblk, buf, &pb);
		if (r < 0)
			break;
		r = 1;
		for (pos = 0; pos < fs->bsize; pos += rc.rec_len) {
			rec_get(fs, buf, pos, &rc);
			if (rc.ino != 0 && !dots(rc.name, rc.name_len)) {
				r = 0;
				break;
			}
		}
	}
	free(buf);
	return r;
}

/* Change directory `ino`'s link count by delta (-1, 0, 1) and stamp it, from a fresh read. */
static int dir_touch(struct ext2 *fs, uint32_t ino, int delta)
{
	struct ext2_inode in;
	int r = ext2_inode_read(fs, ino, &in);

	if (r < 0)
		return r;
	if (delta < 0 && in.i_links_count > 1)
		in.i_links_count--;
	else if (delta > 0 && in.i_links_count < UINT16_MAX)
		in.i_links_count++;
	dir_changed(fs, &in);
	return ext2_inode_write(fs, ino, &in);
}

int ext2_lookup(struct ext2 *fs, uint32_t dir, const char *name, size_t namelen, uint32_t *ino)
{
	struct ext2_inode dip;
	struct dloc loc;
	uint8_t *buf;
	int r = name_check(name, namelen);

	if (r < 0)
		return r;
	r = dir_get(fs, dir, &dip, 0);
	if (r < 0)
		return r;
	buf = malloc(fs->bsize);
	if (!buf)
		return E(ENOMEM);
	r = dir_find(fs, &dip, name, namelen, buf, &loc);
	free(buf);
	if (r < 0)
		return r;
	if (!ino_ok(fs, loc.ino))
		return E(EIO);
	*ino = loc.ino;
	return 0;
}

int ext2_readdir(struct ext2 *fs, uint32_t dir, uint64_t *cookie, struct ext2_dirent *out)
{
	struct ext2_inode dip;
	uint32_t n, lblk, pos, pb;
	uint64_t c = *cookie;
	struct rec rc;
	uint8_t *buf;
	int r;

	r = dir_get(fs, dir, &dip, 0);
	if (r < 0)
		return r;
	r = dir_nblocks(fs, &dip, &n);
	if (r < 0)
		return r;
	if (c >= (uint64_t)n * fs->bsize) {
		*cookie = (uint64_t)n * fs->bsize;
		return 0;
	}
	buf = malloc(fs->bsize);
	if (!buf)
		return E(ENOMEM);
	for (lblk = (uint32_t)(c / fs->bsize); lblk < n; lblk++) {
		r = dir_read(fs, &dip, lblk, buf, &pb);
		if (r < 0)
			goto out;
		/* A cookie inside a record (merged away since) resumes at the next. */
		for (pos = 0; pos < fs->bsize; pos += rc.rec_len) {
			uint64_t at = (uint64_t)lblk * fs->bsize + pos;

			rec_get(fs, buf, pos, &rc);
			if (at < c || rc.ino == 0)
				continue;
			/* Callers treat names as C strings and path components. */
			if (!ino_ok(fs, rc.ino) || memchr(rc.name, '\0', rc.name_len) ||
			    memchr(rc.name, '/', rc.name_len)) {
				r = E(EIO);
				goto out;
			}
			out->ino = rc.ino;
			out->type = ft_dt(rc.type);
			out->namelen = (uint8_t)rc.name_len;
			memcpy(out->name, rc.name, rc.name_len);
			out->name[rc.name_len] = '\0';
			*cookie = at + rc.rec_len;
			r = 1;
			goto out;
		}
	}
	*cookie = (uint64_t)n * fs->bsize;
	r = 0;
out:
	free(buf);
	return r;
}

/* Undo a half-made inode: its block (if any), its content, its bitmap bit. */
static void unmake(struct ext2 *fs, uint32_t ino, uint32_t blk, int is_dir)
{
	struct ext2_inode zero;

	if (blk)
		ext2_block_free(fs, blk);
	memset(&zero, 0, sizeof(zero));
	ext2_inode_init(fs, ino, &zero);
	ext2_inode_free(fs, ino, is_dir);
}

/* Make an inode of `mode` named `name` in `dir`; a symlink's target is `target`. */
static int make_node(struct ext2 *fs, uint32_t dir, const char *name, size_t len, uint32_t mode,
                     uint32_t uid, uint32_t gid, const char *target, size_t tlen, uint32_t *out)
{
	int is_dir = ext2_s_isdir(mode), r;
	struct ext2_inode dip, in;
	uint32_t ino, blk = 0, now = ext2_now(fs);
	struct dloc loc;
	uint8_t *buf;

	if (fs->ro)
		return E(EROFS);
	r = name_check(name, len);
	if (r < 0)
		return r;
	if (dots(name, len))
		return E(EEXIST);
	r = dir_get(fs, dir, &dip, 1);
	if (r < 0)
		return r;
	if (is_dir && dip.i_links_count >= EXT2_LINK_MAX)
		return E(EMLINK);
	buf = malloc(fs->bsize);
	if (!buf)
		return E(ENOMEM);
	r = dir_find(fs, &dip, name, len, buf, &loc);
	if (r != E(ENOENT)) {
		r = r == 0 ? E(EEXIST) : r;
		goto out;
	}

	r = ext2_inode_alloc(fs, dir, is_dir, &ino);
	if (r < 0)
		goto out;
	memset(&in, 0, sizeof(in));
	in.i_mode = (uint16_t)mode;
	in.i_uid = (uint16_t)uid;
	in.i_uid_high = (uint16_t)(uid >> 16);
	in.i_gid = (uint16_t)gid;
	in.i_gid_high = (uint16_t)(gid >> 16);
	in.i_atime = in.i_ctime = in.i_mtime = now;
	in.i_links_count = is_dir ? 2 : 1;
	if (is_dir || (target && tlen >= EXT2_FAST_SYMLINK_MAX)) {
		r = ext2_block_alloc(fs, ext2_inode_goal(fs, ino), &blk);
		if (r < 0)
			goto out_unmake;
		memset(buf, 0, fs->bsize);
		if (is_dir) {
			rec_put(fs, buf, 0, ino, EXT2_REC_LEN(1), ".", 1, EXT2_FT_DIR);
			rec_put(fs, buf, EXT2_REC_LEN(1), dir, fs->bsize - EXT2_REC_LEN(1), "..", 2,
			        EXT2_FT_DIR);
			in.i_size = fs->bsize;
		} else {
			memcpy(buf, target, tlen);
			in.i_size = (uint32_t)tlen;
		}
		r = ext2_bwrite(fs, blk, buf);
		if (r < 0)
			goto out_unmake;
		in.i_block[0] = blk;
		in.i_blocks = ext2_spb(fs);
	} else if (target) {
		memcpy(in.i_block, target, tlen);
		in.i_size = (uint32_t)tlen;
	}
	r = ext2_inode_init(fs, ino, &in);
	if (r < 0)
		goto out_unmake;
	r = dir_add(fs, dir, &dip, name, len, ino, mode_ft(mode));
	if (r < 0)
		goto out_unmake;
	if (is_dir) {
		dip.i_links_count++;
		r = ext2_inode_write(fs, dir, &dip);
	}
	*out = ino;
	goto out;

out_unmake:
	unmake(fs, ino, blk, is_dir);
out:
	free(buf);
	return r;
}

int ext2_create(struct ext2 *fs, uint32_t dir, const char *name, size_t namelen, uint32_t mode,
                uint32_t uid, uint32_t gid, uint32_t *ino)
{
	uint32_t type = mode & FS_S_IFMT;

	if (type == 0)
		type = FS_S_IFREG;
	switch (type) {
	case FS_S_IFREG:
	case FS_S_IFDIR:
	case FS_S_IFCHR:
	case FS_S_IFBLK:
	case FS_S_IFIFO:
	case FS_S_IFSOCK: break;
	default: return E(EINVAL);
	}
	return make_node(fs, dir, name, namelen, type | (mode & 07777), uid, gid, NULL, 0, ino);
}

int ext2_symlink(struct ext2 *fs, uint32_t dir, const char *name, size_t namelen,
                 const char *target, size_t targetlen, uint32_t uid, uint32_t gid, uint32_t *ino)
{
	if (targetlen == 0)
		return E(ENOENT);
	if (targetlen > EXT2_SYMLINK_MAX || targetlen >= fs->bsize)
		return E(ENAMETOOLONG);
	if (memchr(target, '\0', targetlen))
		return E(EINVAL);
	return make_node(fs, dir, name, namelen, FS_S_IFLNK | 0777, uid, gid, target, targetlen,
	                 ino);
}

int ext2_link(struct ext2 *fs, uint32_t dir, const char *name, size_t namelen, uint32_t ino)
{
	struct ext2_inode dip, in;
	struct dloc loc;
	uint8_t *buf;
	int r;

	if (fs->ro)
		return E(EROFS);
	r = name_check(name, namelen);
	if (r < 0)
		return r;
	if (dots(name, namelen))
		return E(EEXIST);
	r = dir_get(fs, dir, &dip, 1);
	if (r < 0)
		return r;
	r = ext2_iget(fs, ino, &in);
	if (r < 0)
		return r;
	if (in.i_links_count == 0)
		return E(ENOENT);
	if (ext2_s_isdir(in.i_mode))
		return E(EPERM);
	if (in.i_links_count >= EXT2_LINK_MAX)
		return E(EMLINK);
	buf = malloc(fs->bsize);
	if (!buf)
		return E(ENOMEM);
	r = dir_find(fs, &dip, name, namelen, buf, &loc);
	free(buf);
	if (r != E(ENOENT))
		return r == 0 ? E(EEXIST) : r;
	r = dir_add(fs, dir, &dip, name, namelen, ino, mode_ft(in.i_mode));
	if (r < 0)
		return r;
	in.i_links_count++;
	in.i_ctime = ext2_now(fs);
	return ext2_inode_write(fs, ino, &in);
}

/* unlink and rmdir: find, check the type, remove the name, drop the link(s). */
static int remove_name(struct ext2 *fs, uint32_t dir, const char *name, size_t len, int want_dir)
{
	struct ext2_inode dip, in;
	struct dloc loc;
	uint8_t *buf;
	uint32_t ino;
	int r;

	if (fs->ro)
		return E(EROFS);
	r = name_check(name, len);
	if (r < 0)
		return r;
	switch (dots(name, len)) {
	case 1: return want_dir ? E(EINVAL) : E(EISDIR);
	case 2: return want_dir ? E(ENOTEMPTY) : E(EISDIR);
	}
	r = dir_get(fs, dir, &dip, 0);
	if (r < 0)
		return r;
	buf = malloc(fs->bsize);
	if (!buf)
		return E(ENOMEM);
	r = dir_find(fs, &dip, name, len, buf, &loc);
	if (r < 0)
		goto out;
	ino = loc.ino;
	r = ext2_iget_disk(fs, ino, &in);
	if (r < 0)
		goto out;
	if (want_dir && !ext2_s_isdir(in.i_mode)) {
		r = E(ENOTDIR);
		goto out;
	}
	if (!want_dir && ext2_s_isdir(in.i_mode)) {
		r = E(EISDIR);
		goto out;
	}
	if (want_dir) {
		r = dir_empty(fs, &in);
		if (r <= 0) {
			r = r == 0 ? E(ENOTEMPTY) : r;
			goto out;
		}
	}

	r = dir_remove(fs, dir, &dip, &loc, buf);
	if (r < 0)
		goto out;
	if (want_dir) {
		r = dir_touch(fs, dir, -1);
		in.i_links_count = 0;
	} else if (in.i_links_count > 0) {
		in.i_links_count--;
	}
	{
		int u = ext2_inode_unref(fs, ino, &in);

		r = r < 0 ? r : u;
	}
out:
	free(buf);
	return r;
}

int ext2_unlink(struct ext2 *fs, uint32_t dir, const char *name, size_t namelen)
{
	return remove_name(fs, dir, name, namelen, 0);
}

int ext2_rmdir(struct ext2 *fs, uint32_t dir, const char *name, size_t namelen)
{
	return remove_name(fs, dir, name, namelen, 1);
}

/* -EINVAL when directory `src` is `dir` or one of its ancestors; the walk up ".." is bounded. */
static int not_above(struct ext2 *fs, uint32_t dir, uint32_t src, uint8_t *buf)
{
	uint32_t cur = dir, steps;
	struct ext2_inode in;
	struct dloc loc;
	int r;

	for (steps = 0; steps <= fs->sb.s_inodes_count; steps++) {
		if (cur == src)
			return E(EINVAL);
		if (cur == EXT2_ROOT_INO)
			return 0;
		r = ext2_iget_disk(fs, cur, &in);
		if (r < 0)
			return r;
		if (!ext2_s_isdir(in.i_mode))
			return E(EIO);
		r = dir_dotdot(fs, &in, buf, &loc);
		if (r < 0)
			return r;
		if (loc.ino == cur)
			return E(EIO);
		cur = loc.ino;
	}
	return E(EIO); /* a cycle */
}

int ext2_rename(struct ext2 *fs, uint32_t odir, const char *oname, size_t olen, uint32_t ndir,
                const char *nname, size_t nlen)
{
	struct ext2_inode odi, ndi, si, di;
	struct dloc sl, dl, dd;
	uint32_t src, dst = 0;
	int r, sdir, present, ddir = 0, od = 0, nd = 0;
	uint8_t *buf;

	/* Check. */
	if (fs->ro)
		return E(EROFS);
	r = name_check(oname, olen);
	if (r == 0)
		r = name_check(nname, nlen);
	if (r < 0)
		return r;
	if (dots(oname, olen) || dots(nname, nlen))
		return E(EINVAL);
	r = dir_get(fs, odir, &odi, 0);
	if (r < 0)
		return r;
	r = dir_get(fs, ndir, &ndi, 1);
	if (r < 0)
		return r;
	buf = malloc(fs->bsize);
	if (!buf)
		return E(ENOMEM);
	r = dir_find(fs, &odi, oname, olen, buf, &sl);
	if (r < 0)
		goto out;
	src = sl.ino;
	r = ext2_iget_disk(fs, src, &si);
	if (r < 0)
		goto out;
	sdir = ext2_s_isdir(si.i_mode);
	r = dir_find(fs, &ndi, nname, nlen, buf, &dl);
	if (r < 0 && r != E(ENOENT))
		goto out;
	present = r == 0;
	r = 0;
	if (present) {
		dst = dl.ino;
		if (dst == src)
			goto out; /* two names of one inode: nothing to do */
		r = ext2_iget_disk(fs, dst, &di);
		if (r < 0)
			goto out;
		ddir = ext2_s_isdir(di.i_mode);
		if (sdir && !ddir)
			r = E(ENOTDIR);
		else if (!sdir && ddir)
			r = E(EISDIR);
		else if (ddir)
			r = dir_empty(fs, &di);
		if (r == 0 && ddir)
			r = E(ENOTEMPTY);
		if (r < 0)
			goto out;
		r = 0;
	}
	if (sdir && odir != ndir) {
		r = not_above(fs, ndir, src, buf);
		if (r < 0)
			goto out;
		if (!present && ndi.i_links_count >= EXT2_LINK_MAX) {
			r = E(EMLINK);
			goto out;
		}
		r = dir_dotdot(fs, &si, buf, &dd);
		if (r < 0)
			goto out;
		od = -1;
		nd = 1;
	}
	if (present && ddir)
		nd--;

	/* Act: the new name first (the only step that may lack space), then the old one goes. */
	if (present) {
		r = dir_find(fs, &ndi, nname, nlen, buf, &dl);
		if (r == 0) {
			struct ext2_dirent_disk d;

			memcpy(&d, buf + dl.pos, sizeof(d));
			d.inode = src;
			if (fs->filetype)
				d.file_type = mode_ft(si.i_mode);
			memcpy(buf + dl.pos, &d, sizeof(d));
			r = ext2_bwrite(fs, dl.pblk, buf);
		}
	} else {
		r = dir_add(fs, ndir, &ndi, nname, nlen, src, mode_ft(si.i_mode));
	}
	if (r < 0)
		goto out;
	r = ext2_inode_read(fs, odir, &odi); /* dir_add may have changed it (odir == ndir) */
	if (r == 0)
		r = dir_find(fs, &odi, oname, olen, buf, &sl);
	if (r == 0)
		r = dir_remove(fs, odir, &odi, &sl, buf);
	if (r < 0)
		goto out;
	if (sdir && odir != ndir) {
		r = dir_dotdot(fs, &si, buf, &dd);
		if (r == 0) {
			ext2_put32(buf + dd.pos, ndir);
			r = ext2_bwrite(fs, dd.pblk, buf);
		}
		if (r < 0)
			goto out;
	}
	if (odir == ndir) {
		r = dir_touch(fs, odir, od + nd);
	} else {
		r = dir_touch(fs, odir, od);
		if (r == 0)
			r = dir_touch(fs, ndir, nd);
	}
	if (r < 0)
		goto out;
	r = ext2_inode_read(fs, src, &si);
	if (r == 0) {
		si.i_ctime = ext2_now(fs);
		r = ext2_inode_write(fs, src, &si);
	}
	if (r == 0 && present) {
		r = ext2_inode_read(fs, dst, &di);
		if (r == 0) {
			if (ddir)
				di.i_links_count = 0;
			else if (di.i_links_count > 0)
				di.i_links_count--;
			r = ext2_inode_unref(fs, dst, &di);
		}
	}
out:
	free(buf);
	return r;
}
