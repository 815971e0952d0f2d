/* Shared-memory rings between a user VM and the macro-kernel: layout, version 1. */
#ifndef NANVIX_ABI_RING_H
#define NANVIX_ABI_RING_H

/*
 * A ring region is one block of memory both sides map (guest RAM, or a
 * memfd passed to bin/macrokernel).  It holds, at offsets from its start
 * (never pointers): this header, a request queue and a completion queue of
 * fixed 64-byte slots, and a data area that requests name by offset and
 * length.  Each queue has one producer and one consumer:
 *   requests:    the guest produces (writes slots, then req_tail),
 *                the host consumes (reads slots, then req_head);
 *   completions: the host produces (cpl_tail), the guest consumes (cpl_head).
 * Indices run freely (uint32, wrapping); slot = index & (nslots - 1).  The
 * receiver validates every field it reads: the guest is hostile.
 *
 * C99, self-contained: included by the kernel, nanvixd and the macro-kernel.
 */

#include <stdint.h>

#define NANVIX_RING_ABI_VERSION 2
#define NANVIX_RING_MAGIC       0x474e4952u /* "RING" */
#define NANVIX_RING_SLOT_SIZE   64
#define NANVIX_RING_SLOTS_MAX   4096

/*
 * Request opcodes.  NOP and SUM exercise the transport.  The FS_* requests
 * carry forwarded file-system calls (the fs component placed on the host);
 * BLK_* requests carry block I/O to the storage switch (the fs component
 * placed in the guest).  For both, args[0] is the guest-physical address of
 * the PML4 of the address space the call's pointers belong to, and every
 * pointer argument is a user virtual address in it: the host translates it
 * with its own walk of those tables (present and user-accessible at every
 * level, writable for anything it writes), so a request can name nothing
 * the calling process could not touch itself.  buf_off/buf_len are 0.
 *
 * "h" is a handle the host returned from FS_OPEN (a directory or a file);
 * NANVIX_FS_ROOT names the root directory and is always valid.  Results go
 * in the completion: status is the Linux return value (>= 0) or -errno;
 * value repeats it for calls returning a handle or a 64-bit offset.
 * Structures the host writes use the Linux x86-64 layouts (struct stat,
 * struct statx, struct statfs, struct linux_dirent64).
 */
enum nanvix_ring_op {
	NANVIX_RING_NOP = 0, /* completes with value = args[0] */
	NANVIX_RING_SUM = 1, /* completes with value = the sum of buf's bytes */
	/*                      args: [0] cr3, then ...                          */
	NANVIX_FS_OPEN = 2,      /* h(dir), path, flags (O_*), mode -> new handle    */
	NANVIX_FS_CLOSE = 3,     /* h                                                */
	NANVIX_FS_READ = 4,      /* h, buf, len -> bytes (at and advancing the offset) */
	NANVIX_FS_WRITE = 5,     /* h, buf, len, flags (O_APPEND) -> bytes           */
	NANVIX_FS_PREAD = 6,     /* h, buf, len, offset -> bytes                     */
	NANVIX_FS_PWRITE = 7,    /* h, buf, len, offset -> bytes                     */
	NANVIX_FS_LSEEK = 8,     /* h, offset, whence -> new offset                  */
	NANVIX_FS_FSTATAT = 9,   /* h(dir), path (0: h itself), struct stat *, AT_* flags */
	NANVIX_FS_STATX = 10,    /* h(dir), path (0: h), AT_* flags, mask, struct statx * */
	NANVIX_FS_GETDENTS = 11, /* h(dir), buf, len -> bytes of linux_dirent64     */
	NANVIX_FS_MKDIR = 12,    /* h(dir), path, mode                               */
	NANVIX_FS_UNLINK = 13,   /* h(dir), path, AT_REMOVEDIR or 0                  */
	NANVIX_FS_RENAME = 14,   /* h(olddir), oldpath, h(newdir), newpath           */
	NANVIX_FS_LINK = 15,     /* h(olddir), oldpath, h(newdir), newpath, AT_SYMLINK_FOLLOW */
	NANVIX_FS_SYMLINK = 16,  /* h(dir), path, target                             */
	NANVIX_FS_READLINK = 17, /* h(dir), path, buf, len -> bytes                  */
	NANVIX_FS_TRUNCATE = 18, /* h(dir), path (0: h itself, opened for writing), length */
	NANVIX_FS_FSYNC = 19,    /* h, datasync: returns after the host's fsync      */
	NANVIX_FS_GETPATH = 20,  /* h(dir), buf, len -> bytes incl. NUL (getcwd)    */
	NANVIX_FS_ACCESS = 21,   /* h(dir), path, mode (R_OK...), AT_* flags         */
	NANVIX_FS_CHMOD = 22,    /* h(dir), path (0: h), mode, AT_* flags            */
	NANVIX_FS_UTIMENS = 23, /* h(dir), path (0: h), struct timespec[2] * (0: now), AT_* flags */
	NANVIX_FS_STATFS = 24,  /* h(dir), path (0: h), struct statfs *             */
	NANVIX_FS_IDENT = 25,   /* h -> value: the file's identity (record locks)   */
	NANVIX_BLK_READ = 26,   /* disk, buf, len, offset: 512-byte multiples      */
	NANVIX_BLK_WRITE = 27,  /* disk, buf, len, offset                           */
	NANVIX_BLK_FLUSH = 28,  /* disk: returns after the host's fsync             */
	NANVIX_RING_OP_COUNT,
};

/*
 * Opcodes on the ring are below this; each component owns a range (the
 * ones above in this file, NANVIX_NET_* 32..63 in abi/net.h).  The
 * transport refuses anything at or above it as malformed; an opcode below
 * it that no service of the VM serves is answered -ENOSYS.
 */
#define NANVIX_RING_OPCODE_END 0x100

/* The root directory's handle; handles the host hands out are others. */
#define NANVIX_FS_ROOT 1u

/* FS_OPEN's completion value: the handle, with this bit set for a directory. */
#define NANVIX_FS_OPEN_DIR (1ull << 63)

/*
 * FS_IDENT's value: the same for every handle of one file (st_dev in the
 * high 32 bits, the inode number in the low 32), never 0.
 */
#define NANVIX_FS_IDENT_OF(dev, ino) (((uint64_t)(dev) << 32) | (uint32_t)(ino))

/* Longest path a request may name, NUL included (Linux PATH_MAX). */
#define NANVIX_FS_PATH_MAX 4096

/* Written by the guest at set-up; the host reads it once and checks it. */
struct nanvix_ring_header {
	uint32_t magic;    /* NANVIX_RING_MAGIC */
	uint16_t version;  /* NANVIX_RING_ABI_VERSION */
	uint16_t nslots;   /* power of two, 1..NANVIX_RING_SLOTS_MAX, both queues */
	uint32_t req_off;  /* offset of the request slots, 64-byte aligned */
	uint32_t cpl_off;  /* offset of the completion slots, 64-byte aligned */
	uint32_t data_off; /* offset of the data area */
	uint32_t data_len; /* its size */
	uint32_t pad[2];
	/* Indices, each on its own cache line; the comment says who writes it. */
	uint32_t req_tail; /* guest */
	uint32_t pad1[15];
	uint32_t req_head; /* host */
	uint32_t pad2[15];
	uint32_t cpl_tail; /* host */
	uint32_t pad3[15];
	uint32_t cpl_head; /* guest */
	uint32_t pad4[15];
};

/* A request slot (guest-written). */
struct nanvix_ring_req {
	uint16_t opcode;  /* enum nanvix_ring_op */
	uint16_t flags;   /* 0 */
	uint32_t id;      /* echoed in the completion */
	uint32_t buf_off; /* data-area offset of the buffer, 8-byte aligned */
	uint32_t buf_len; /* its length (0: none) */
	uint64_t args[6];
};

/* A completion slot (host-written). */
struct nanvix_ring_cpl {
	uint32_t id;    /* the request's id */
	int32_t status; /* 0 or a negative errno (-EINVAL: malformed request) */
	uint64_t value;
	uint64_t pad[6];
};

#endif /* NANVIX_ABI_RING_H */
