/* A component's server inside the VM: its side of the device (abi/server.h). */
#ifndef SVC_SERVER_H
#define SVC_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include <abi/server.h>

/*
 * Calls are made raw, so results are the kernel's Linux values (>= 0 or
 * -errno) whatever the libc (fsd is built with newlib, netd with musl).
 */

/* ioctl(dev, req, arg) on the server's device. */
long svc_server_ioctl(int dev, unsigned long req, uint64_t arg);

/*
 * Copy len bytes between the client of the request being served (its
 * address `client`) and the server's `local`, in NANVIX_HC_COPY_MAX
 * pieces through page->copy (dir: NANVIX_SERVER_FROM_CLIENT or
 * _TO_CLIENT).  0 or -EFAULT (Linux value).
 */
int svc_server_copy(int dev, volatile struct nanvix_server_page *page, uint32_t dir,
                    uint64_t client, void *local, size_t len);

#endif /* SVC_SERVER_H */
