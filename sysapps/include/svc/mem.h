/* How a service reaches the calling process's memory (every placement). */
#ifndef SVC_MEM_H
#define SVC_MEM_H

/*
 * A service (fs, net) answers requests whose pointers are user virtual
 * addresses of the calling process; `cr3` names its address space (the
 * guest-physical PML4 from args[0]).  The accessor checks every range: a
 * request can name nothing the process could not touch itself.  Same shape
 * as struct fs_mem (fs/service.h).
 */

#include <stddef.h>
#include <stdint.h>

struct svc_mem {
	void *ctx;
	/* Copy [uaddr, uaddr + len) out of / into the process: 0 or -EFAULT. */
	int (*read)(void *ctx, uint64_t cr3, uint64_t uaddr, void *dst, size_t len);
	int (*write)(void *ctx, uint64_t cr3, uint64_t uaddr, const void *src, size_t len);
	/* Optional (NULL: not provided): [uaddr, uaddr + len) as one range of
	 * the service's own memory (writable when `write`), or NULL when it is
	 * not one contiguous accessible range; the data then moves without a
	 * bounce buffer. */
	void *(*map)(void *ctx, uint64_t cr3, uint64_t uaddr, size_t len, int write);
};

#endif /* SVC_MEM_H */
