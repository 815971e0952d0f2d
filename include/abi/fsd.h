/* The in-VM fs server's interface to the kernel: the /dev/fsd device. */
#ifndef NANVIX_ABI_FSD_H
#define NANVIX_ABI_FSD_H

/*
 * Guest placement (nanvixd --fs=guest, boot flag NANVIX_BOOT_FS_GUEST): the
 * fs component runs inside the VM as a ring-3 process (sysapps/fs/fsd.c),
 * the first user of the in-VM server mechanism (abi/server.h): its device
 * is /dev/fsd, its message page struct nanvix_fsd_page, and the requests
 * it serves are the NANVIX_FS_* opcodes and the kernel's own two:
 *   NANVIX_FSD_LOAD    [1] h(dir), [2] path: read the whole regular file
 *       into server memory (execve of a program on the disk); status = its
 *       size, value = its address, kept until
 *   NANVIX_FSD_UNLOAD  [1] that address.
 * Its one component ioctl:
 *   ioctl(fd, NANVIX_FSD_BLK, 0)  a block request to the storage switch:
 *       page->blk.op is NANVIX_BLK_READ/WRITE/FLUSH, buf a server address.
 *       Returns what the host answered.
 */

#include <stdint.h>

#include <abi/ring.h>
#include <abi/server.h>

#define NANVIX_FSD_PATH NANVIX_SERVER_FS_PATH

/* The generic requests under the fs server's names (same values). */
#define NANVIX_FSD_REGISTER NANVIX_SERVER_REGISTER /* 0x4e460001 */
#define NANVIX_FSD_SERVE    NANVIX_SERVER_SERVE    /* 0x4e460002 */
#define NANVIX_FSD_COPY     NANVIX_SERVER_COPY     /* 0x4e460003 */
#define NANVIX_FSD_BLK      0x4e460004u            /* the fs server's own */

/* Kernel-made opcodes (never on the host ring: at or above NANVIX_RING_OPCODE_END). */
#define NANVIX_FSD_LOAD   0x100
#define NANVIX_FSD_UNLOAD 0x101

#define NANVIX_FSD_FROM_CLIENT NANVIX_SERVER_FROM_CLIENT
#define NANVIX_FSD_TO_CLIENT   NANVIX_SERVER_TO_CLIENT

/* Largest program NANVIX_FSD_LOAD reads (and the host loads from memory). */
#define NANVIX_FSD_LOAD_MAX (64u << 20)

/* struct nanvix_server_page's fields (the kernel checks the layout), then blk. */
struct nanvix_fsd_page {
	struct nanvix_ring_req req;     /* kernel -> server: the request */
	int64_t status;                 /* server -> kernel: its result... */
	uint64_t value;                 /* ...and value (a handle, offset, address) */
	struct nanvix_server_copy copy; /* server -> kernel: NANVIX_FSD_COPY */
	uint32_t events;
	uint32_t pad;
	struct {
		uint16_t op;
		uint16_t pad[3];
		uint64_t buf, len, off;
	} blk; /* server -> kernel: NANVIX_FSD_BLK */
};

#endif /* NANVIX_ABI_FSD_H */
