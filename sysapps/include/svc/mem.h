/* How a placeable component reaches the memory of the process it serves. */
#ifndef SVC_MEM_H
#define SVC_MEM_H

#include <stddef.h>
#include <stdint.h>

/*
 * The calling process's memory: addresses are its user virtual addresses
 * in the address space `cr3` (the request's args[0]).  Each returns 0 or
 * -EFAULT (Linux value); nothing outside what the process itself could
 * touch is reachable.  On the host these walk the guest's page tables
 * (monitor/guestmem.c); inside the VM they are the in-VM server's copies.
 */
struct svc_mem {
	void *ctx;
	int (*read)(void *ctx, uint64_t cr3, uint64_t uaddr, void *dst, size_t len);
	int (*write)(void *ctx, uint64_t cr3, uint64_t uaddr, const void *src, size_t len);
	/* Optional: the caller's [uaddr, uaddr + len) as one range of the
	 * service's own memory (writable when `write`), or NULL when it is not
	 * one contiguous accessible range; data then moves without a bounce
	 * buffer. */
	void *(*map)(void *ctx, uint64_t cr3, uint64_t uaddr, size_t len, int write);
};

#endif /* SVC_MEM_H */
