/* <sys/vfs.h> for newlib guests: the traditional name of <sys/statfs.h>. */
#ifndef ULIB_SYS_VFS_H
#define ULIB_SYS_VFS_H

#include <sys/statfs.h>

#endif /* ULIB_SYS_VFS_H */
