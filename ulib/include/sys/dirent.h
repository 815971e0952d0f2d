/* <sys/dirent.h> for newlib guests: directory streams over Linux getdents64 (ulib/files.c). */
#ifndef ULIB_SYS_DIRENT_H
#define ULIB_SYS_DIRENT_H

/*
 * newlib's <dirent.h> includes this file for DIR and struct dirent and
 * declares the functions (opendir, fdopendir, readdir, rewinddir, dirfd,
 * closedir are provided).  struct dirent is the kernel's linux_dirent64
 * record: readdir() returns the record in place, so d_name may be shorter
 * than declared (it is NUL-terminated within d_reclen bytes).
 */

#include <sys/types.h>

typedef struct __dirstream DIR;

struct dirent {
	ino_t d_ino;             /* inode number */
	off_t d_off;             /* the file system's position after this entry */
	unsigned short d_reclen; /* length of this record */
	unsigned char d_type;    /* DT_* (DT_UNKNOWN if the file system does not say) */
	char d_name[256];        /* NUL-terminated name */
};

#define _DIRENT_HAVE_D_RECLEN
#define _DIRENT_HAVE_D_OFF
#define _DIRENT_HAVE_D_TYPE

/* d_type values: the S_IF* type bits shifted right by 12. */
#define DT_UNKNOWN 0
#define DT_FIFO    1
#define DT_CHR     2
#define DT_DIR     4
#define DT_BLK     6
#define DT_REG     8
#define DT_LNK     10
#define DT_SOCK    12
#define DT_WHT     14

#define IFTODT(mode) (((mode)&0170000) >> 12)
#define DTTOIF(type) ((type) << 12)

#endif /* ULIB_SYS_DIRENT_H */
