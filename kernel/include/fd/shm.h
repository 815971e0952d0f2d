/* /dev/shm: shared-memory objects the kernel keeps (fd/shm.c). */
#ifndef FD_SHM_H
#define FD_SHM_H

#include <lib/klib.h>

/* The path prefix they live under; what follows it names an object. */
#define SHM_DIR     "/dev/shm/"
#define SHM_DIR_LEN 9

/* The longest name of an object (NAME_MAX). */
#define SHM_NAME_MAX 255

/* open(SHM_DIR name, flags, mode): a new descriptor, or -errno. */
long shm_open(const char *name, long flags, long mode);

/* unlink(SHM_DIR name) and link(SHM_DIR old, SHM_DIR new): 0 or -errno. */
long shm_unlink(const char *name);
long shm_link(const char *old, const char *new);

#endif /* FD_SHM_H */
