/* <sys/mman.h> for newlib guests: memory mapping, served by the kernel. */
#ifndef ULIB_SYS_MMAN_H
#define ULIB_SYS_MMAN_H

#include <sys/types.h>

#include <abi/linux.h>

/* The kernel refuses PROT_WRITE together with PROT_EXEC (EACCES): W^X. */
#define PROT_NONE  0
#define PROT_READ  LINUX_PROT_READ
#define PROT_WRITE LINUX_PROT_WRITE
#define PROT_EXEC  LINUX_PROT_EXEC

#define MAP_SHARED          LINUX_MAP_SHARED
#define MAP_PRIVATE         LINUX_MAP_PRIVATE
#define MAP_FIXED           LINUX_MAP_FIXED
#define MAP_ANONYMOUS       LINUX_MAP_ANONYMOUS
#define MAP_ANON            MAP_ANONYMOUS
#define MAP_NORESERVE       LINUX_MAP_NORESERVE
#define MAP_FIXED_NOREPLACE LINUX_MAP_FIXED_NOREPLACE

#define MAP_FAILED ((void *)-1)

#ifdef __cplusplus
extern "C" {
#endif

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
int munmap(void *addr, size_t len);
int mprotect(void *addr, size_t len, int prot);

#ifdef __cplusplus
}
#endif

#endif /* ULIB_SYS_MMAN_H */
