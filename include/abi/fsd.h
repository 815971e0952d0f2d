/* The in-VM fs server's interface to the kernel: the /dev/fsd device. */
#ifndef NANVIX_ABI_FSD_H
#define NANVIX_ABI_FSD_H

/*
 * Guest placement (nanvixd --fs=guest, boot flag NANVIX_BOOT_FS_GUEST): the
 * fs component runs inside the VM as a ring-3 process (sysapps/fs/fsd.c)
 * and the kernel forwards the file calls of every other process to it
 * instead of to the host.  The server talks to the kernel through one
 * device, /dev/fsd, which exactly one process may open (the first; EBUSY
 * for any other, and never again once that process is gone).  Opening it
 * makes the caller the server and detaches it from its parent (it is a
 * system process: no parent waits for it, no SIGCHLD for its exit).
 *
 * Everything goes through a shared message page in the server (struct
 * nanvix_fsd_page, page-aligned, registered with NANVIX_FSD_REGISTER).  The
 * kernel reads and writes it with plain loads and stores, so an exchange
 * costs one trap and no ring-0 copying (ring 0 is emulated on some hosts).
 *
 *   ioctl(fd, NANVIX_FSD_REGISTER, page)  once, before anything else.
 *   ioctl(fd, NANVIX_FSD_SERVE, 0)        complete the request being served
 *       (if any) with page->status/value, then wait for the next one and
 *       place it in page->req.  Returns 0, or -EINTR (a signal: call again).
 *   ioctl(fd, NANVIX_FSD_COPY, 0)         copy page->copy.len bytes between
 *       the client's page->copy.client and the server's page->copy.local
 *       (dir: NANVIX_FSD_FROM_CLIENT or NANVIX_FSD_TO_CLIENT).  Returns 0,
 *       -EFAULT, or -ESRCH (the client is gone: drop the request).
 *   ioctl(fd, NANVIX_FSD_BLK, 0)          a block request to the storage
 *       switch: page->blk.op is NANVIX_BLK_READ/WRITE/FLUSH, buf a server
 *       address.  Returns what the host answered.
 *
 * The request in page->req is a ring request (abi/ring.h) with args[0] set
 * to 0: the server never learns the client's address space, it names the
 * client's memory only through NANVIX_FSD_COPY of the request being served.
 * Besides the NANVIX_FS_* opcodes the kernel sends its own two:
 *   NANVIX_FSD_LOAD    [1] h(dir), [2] path: read the whole regular file
 *       into server memory (execve of a program on the disk); status = its
 *       size, value = its address, kept until
 *   NANVIX_FSD_UNLOAD  [1] that address.
 */

#include <stdint.h>

#include <abi/ring.h>

#define NANVIX_FSD_PATH "/dev/fsd"

/* ioctl requests ('N' 'F' and a number, unlike any Linux tty ioctl). */
#define NANVIX_FSD_REGISTER 0x4e460001u
#define NANVIX_FSD_SERVE    0x4e460002u
#define NANVIX_FSD_COPY     0x4e460003u
#define NANVIX_FSD_BLK      0x4e460004u

/* Kernel-made opcodes (never on the host ring: at or above NANVIX_RING_OPCODE_END). */
#define NANVIX_FSD_LOAD   0x100
#define NANVIX_FSD_UNLOAD 0x101

#define NANVIX_FSD_FROM_CLIENT 0
#define NANVIX_FSD_TO_CLIENT   1

/* Largest program NANVIX_FSD_LOAD reads (and the host loads from memory). */
#define NANVIX_FSD_LOAD_MAX (64u << 20)

struct nanvix_fsd_page {
	struct nanvix_ring_req req; /* kernel -> server: the request */
	int64_t status;             /* server -> kernel: its result... */
	uint64_t value;             /* ...and value (a handle, offset, address) */
	struct {
		uint32_t dir;
		uint32_t pad;
		uint64_t client, local, len;
	} copy;
	struct {
		uint16_t op;
		uint16_t pad[3];
		uint64_t buf, len, off;
	} blk;
};

#endif /* NANVIX_ABI_FSD_H */
