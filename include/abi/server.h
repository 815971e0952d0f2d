/* In-VM servers: the device a ring-3 component serves other processes' calls through. */
#ifndef NANVIX_ABI_SERVER_H
#define NANVIX_ABI_SERVER_H

/*
 * A component placed in the VM (boot flag NANVIX_BOOT_FS_GUEST for the fs
 * component, NANVIX_BOOT_NET_GUEST for the network one) runs as a ring-3
 * process, the component's server, and the kernel forwards the calls of
 * every other process to it instead of to the host.  Each component has
 * its own device (NANVIX_SERVER_*_PATH), which exactly one process may
 * open (the first; EBUSY for any other, and never again once that process
 * is gone).  Opening it makes the caller the server and detaches it from
 * its parent (a system process: no parent waits for it, no SIGCHLD, no
 * signals from programs).  The device of a component not placed in the VM
 * does not exist (its path goes on to the fs component, as any other).
 *
 * Everything goes through a shared message page in the server, page-aligned
 * and registered with NANVIX_SERVER_REGISTER.  It begins with struct
 * nanvix_server_page; a component may put its own fields after it (abi/fsd.h).
 * The kernel reads and writes it with plain loads and stores, so an
 * exchange costs one trap and no ring-0 copying (ring 0 is emulated on
 * some hosts).
 *
 *   ioctl(fd, NANVIX_SERVER_REGISTER, page)  once, before anything else.
 *   ioctl(fd, NANVIX_SERVER_SERVE, ms)       complete the request being
 *       served (if any) with page->status/value, then wait for the next one
 *       and place it in page->req.  Returns 0, or -EINTR (a signal: call
 *       again).  ms > 0 bounds the wait: then, and when the kernel wakes the
 *       server for its component's own events, it returns 0 with
 *       page->req.opcode 0 (no request).  page->events says what woke it
 *       (NANVIX_SERVER_EV_*, cleared by each SERVE), with or without a
 *       request.  ms 0: wait for a request only.
 *   ioctl(fd, NANVIX_SERVER_COPY, 0)         copy page->copy.len bytes
 *       between the client's page->copy.client and the server's
 *       page->copy.local (dir: NANVIX_SERVER_FROM_CLIENT or _TO_CLIENT).
 *       Returns 0, -EFAULT, -EINVAL, or -ESRCH (the client is gone: drop
 *       the request).
 *   Requests from NANVIX_SERVER_COMPONENT_IOCTL on are the component's own
 *   (numbers unique across components).
 *
 * The request in page->req is a ring request (abi/ring.h) with args[0] set
 * to 0: the server never learns the client's address space, it names the
 * client's memory only through NANVIX_SERVER_COPY of the request being
 * served.  Opcodes at or above NANVIX_RING_OPCODE_END are made by the
 * kernel itself (never on the host ring), each component its own.
 */

#include <stdint.h>

#include <abi/ring.h>

/* The components' devices (abi/fsd.h: NANVIX_FSD_PATH). */
#define NANVIX_SERVER_FS_PATH  "/dev/fsd"
#define NANVIX_SERVER_NET_PATH "/dev/netd"

/* ioctl requests ('N' 'F' and a number, unlike any Linux tty ioctl). */
#define NANVIX_SERVER_REGISTER        0x4e460001u
#define NANVIX_SERVER_SERVE           0x4e460002u
#define NANVIX_SERVER_COPY            0x4e460003u
#define NANVIX_SERVER_COMPONENT_IOCTL 0x4e460004u /* the first component ioctl */

#define NANVIX_SERVER_FROM_CLIENT 0
#define NANVIX_SERVER_TO_CLIENT   1

struct nanvix_server_copy {
	uint32_t dir; /* NANVIX_SERVER_FROM_CLIENT or _TO_CLIENT */
	uint32_t pad;
	uint64_t client, local, len;
};

/* The start of every server's message page (the rest is the component's). */
struct nanvix_server_page {
	struct nanvix_ring_req req;     /* kernel -> server: the request */
	int64_t status;                 /* server -> kernel: its result... */
	uint64_t value;                 /* ...and value (a handle, offset, address) */
	struct nanvix_server_copy copy; /* server -> kernel: NANVIX_SERVER_COPY */
	uint32_t events; /* kernel -> server: NANVIX_SERVER_EV_* since the last SERVE */
	uint32_t pad;
};

/* page->events. */
#define NANVIX_SERVER_EV_WAKE 1u /* the component's own events (netd: frames wait) */
/* The VM was restored from a snapshot: what the host configured may have
 * changed (netd: the VM's address and MAC; NANVIX_NETD_CONFIG again). */
#define NANVIX_SERVER_EV_RESTORED 2u

#endif /* NANVIX_ABI_SERVER_H */
