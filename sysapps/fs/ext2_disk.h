/* ext2 on-disk format (little-endian), and the Linux errno numbers the ext2 API returns. */
#ifndef FS_EXT2_DISK_H
#define FS_EXT2_DISK_H

#include <stddef.h>
#include <stdint.h>

/*
 * The structures are read and written with memcpy from block buffers, so
 * they need only the natural layout checked below; the host and the guest
 * are both little-endian x86-64, which the fields' byte order assumes.
 */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "ext2: the on-disk structures assume a little-endian CPU"
#endif

/*
 * Linux errno numbers, negated by the callers.  Not <errno.h>: newlib's
 * numbers differ from Linux's, and the API promises Linux's.
 */
#define FS_EPERM        1
#define FS_ENOENT       2
#define FS_EIO          5
#define FS_ENOMEM       12
#define FS_EEXIST       17
#define FS_ENOTDIR      20
#define FS_EISDIR       21
#define FS_EINVAL       22
#define FS_EFBIG        27
#define FS_ENOSPC       28
#define FS_EROFS        30
#define FS_EMLINK       31
#define FS_ENAMETOOLONG 36
#define FS_ENOTEMPTY    39
#define FS_EOPNOTSUPP   95
#define FS_EUCLEAN      117

/* Mode bits (Linux values). */
#define FS_S_IFMT   0170000
#define FS_S_IFSOCK 0140000
#define FS_S_IFLNK  0120000
#define FS_S_IFREG  0100000
#define FS_S_IFBLK  0060000
#define FS_S_IFDIR  0040000
#define FS_S_IFCHR  0020000
#define FS_S_IFIFO  0010000

#define EXT2_SUPER_OFFSET   1024
#define EXT2_SUPER_SIZE     1024
#define EXT2_MAGIC          0xEF53
#define EXT2_GOOD_OLD_REV   0
#define EXT2_DYNAMIC_REV    1
#define EXT2_OLD_INODE_SIZE 128
#define EXT2_OLD_FIRST_INO  11
#define EXT2_MAX_LOG_BSIZE  2 /* 1024 << 2 = 4 KiB */

#define EXT2_FEATURE_INCOMPAT_FILETYPE      0x0002
#define EXT2_FEATURE_RO_COMPAT_SPARSE_SUPER 0x0001
#define EXT2_FEATURE_RO_COMPAT_LARGE_FILE   0x0002

#define EXT2_NDIR_BLOCKS 12
#define EXT2_IND_BLOCK   12
#define EXT2_DIND_BLOCK  13
#define EXT2_TIND_BLOCK  14
#define EXT2_N_BLOCKS    15

#define EXT2_INDEX_FL 0x00001000 /* hashed (htree) directory */

/* A symlink target shorter than i_block (60 bytes) lives there (a "fast" symlink). */
#define EXT2_FAST_SYMLINK_MAX (EXT2_N_BLOCKS * 4)

/* Directory entry file types (the "filetype" feature). */
#define EXT2_FT_UNKNOWN  0
#define EXT2_FT_REG_FILE 1
#define EXT2_FT_DIR      2
#define EXT2_FT_CHRDEV   3
#define EXT2_FT_BLKDEV   4
#define EXT2_FT_FIFO     5
#define EXT2_FT_SOCK     6
#define EXT2_FT_SYMLINK  7
#define EXT2_FT_MAX      8

#define EXT2_XATTR_MAGIC 0xEA020000u

/* The superblock: 1024 bytes at byte 1024 of the device. */
struct ext2_super {
	uint32_t s_inodes_count;
	uint32_t s_blocks_count;
	uint32_t s_r_blocks_count;
	uint32_t s_free_blocks_count;
	uint32_t s_free_inodes_count;
	uint32_t s_first_data_block;
	uint32_t s_log_block_size;
	uint32_t s_log_frag_size;
	uint32_t s_blocks_per_group;
	uint32_t s_frags_per_group;
	uint32_t s_inodes_per_group;
	uint32_t s_mtime;
	uint32_t s_wtime;
	uint16_t s_mnt_count;
	uint16_t s_max_mnt_count;
	uint16_t s_magic;
	uint16_t s_state;
	uint16_t s_errors;
	uint16_t s_minor_rev_level;
	uint32_t s_lastcheck;
	uint32_t s_checkinterval;
	uint32_t s_creator_os;
	uint32_t s_rev_level;
	uint16_t s_def_resuid;
	uint16_t s_def_resgid;
	/* EXT2_DYNAMIC_REV only from here on. */
	uint32_t s_first_ino;
	uint16_t s_inode_size;
	uint16_t s_block_group_nr;
	uint32_t s_feature_compat;
	uint32_t s_feature_incompat;
	uint32_t s_feature_ro_compat;
	uint8_t s_uuid[16];
	char s_volume_name[16];
	char s_last_mounted[64];
	uint32_t s_algorithm_usage_bitmap;
	uint8_t s_prealloc_blocks;
	uint8_t s_prealloc_dir_blocks;
	uint16_t s_reserved_gdt_blocks; /* resize_inode: GDT growth room after the GDT */
	uint8_t s_rest[816];            /* journal, hash seed, ...: kept as read */
};

/* A block group descriptor: 32 bytes, packed in the blocks after the superblock. */
struct ext2_group_desc {
	uint32_t bg_block_bitmap;
	uint32_t bg_inode_bitmap;
	uint32_t bg_inode_table;
	uint16_t bg_free_blocks_count;
	uint16_t bg_free_inodes_count;
	uint16_t bg_used_dirs_count;
	uint16_t bg_flags;
	uint32_t bg_reserved[3];
};

/* The first 128 bytes of an inode; larger inodes keep their tail as found. */
struct ext2_inode {
	uint16_t i_mode;
	uint16_t i_uid;
	uint32_t i_size;
	uint32_t i_atime;
	uint32_t i_ctime;
	uint32_t i_mtime;
	uint32_t i_dtime;
	uint16_t i_gid;
	uint16_t i_links_count;
	uint32_t i_blocks; /* 512-byte units, including indirect and xattr blocks */
	uint32_t i_flags;
	uint32_t i_osd1;
	uint32_t i_block[EXT2_N_BLOCKS];
	uint32_t i_generation;
	uint32_t i_file_acl;
	uint32_t i_size_high; /* i_dir_acl for directories in revision 0 */
	uint32_t i_faddr;
	uint8_t i_frag;
	uint8_t i_fsize;
	uint16_t i_pad1;
	uint16_t i_uid_high;
	uint16_t i_gid_high;
	uint32_t i_reserved2;
};

/* Bytes 128..131 of a large inode: how much of the tail is in use. */
#define EXT2_EXTRA_ISIZE_OFF 128
#define EXT2_EXTRA_ISIZE     32 /* what mke2fs writes: up to i_projid */

/* A directory record: 8 bytes, the name, padding to 4 bytes. */
struct ext2_dirent_disk {
	uint32_t inode;
	uint16_t rec_len;
	uint8_t name_len;
	uint8_t file_type; /* high byte of name_len without "filetype" */
};

#define EXT2_DIRENT_HDR 8
#define EXT2_REC_LEN(n) (((n) + EXT2_DIRENT_HDR + 3u) & ~3u)

_Static_assert(sizeof(struct ext2_super) == EXT2_SUPER_SIZE, "superblock layout");
_Static_assert(offsetof(struct ext2_super, s_first_ino) == 84, "superblock layout");
_Static_assert(offsetof(struct ext2_super, s_reserved_gdt_blocks) == 206, "superblock layout");
_Static_assert(sizeof(struct ext2_group_desc) == 32, "group descriptor layout");
_Static_assert(sizeof(struct ext2_inode) == EXT2_OLD_INODE_SIZE, "inode layout");
_Static_assert(offsetof(struct ext2_inode, i_block) == 40, "inode layout");
_Static_assert(offsetof(struct ext2_inode, i_uid_high) == 120, "inode layout");
_Static_assert(sizeof(struct ext2_dirent_disk) == EXT2_DIRENT_HDR, "dirent layout");

#endif /* FS_EXT2_DISK_H */
