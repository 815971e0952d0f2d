/* <sys/statfs.h> for newlib guests: statfs(2) and fstatfs(2) with Linux's struct statfs. */
#ifndef ULIB_SYS_STATFS_H
#define ULIB_SYS_STATFS_H

#include <sys/types.h>

typedef struct {
	int __val[2];
} fsid_t;

/* struct statfs of x86-64 (120 bytes), filled by the kernel as it is. */
struct statfs {
	long f_type;            /* file-system magic, e.g. 0xef53 for ext2/3/4 */
	long f_bsize;           /* preferred I/O block size */
	unsigned long f_blocks; /* size in f_frsize units */
	unsigned long f_bfree;  /* free blocks */
	unsigned long f_bavail; /* free blocks for unprivileged users */
	unsigned long f_files;  /* inodes (newlib's fsfilcnt_t is too narrow) */
	unsigned long f_ffree;  /* free inodes */
	fsid_t f_fsid;
	long f_namelen; /* longest file name */
	long f_frsize;  /* fragment size */
	long f_flags;   /* ST_* mount flags */
	long f_spare[4];
};

#ifdef __cplusplus
extern "C" {
#endif

int statfs(const char *path, struct statfs *buf);
int fstatfs(int fd, struct statfs *buf);

#ifdef __cplusplus
}
#endif

#endif /* ULIB_SYS_STATFS_H */
