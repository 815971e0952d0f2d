/* The shared macro-kernel's socket protocol: what nanvixd and bin/macrokernel exchange. */
#ifndef SERVER_PROTO_H
#define SERVER_PROTO_H

/*
 * One connection per VM, on a Unix SOCK_SEQPACKET socket (mksrv: the
 * macro-kernel server).  Every message is one fixed-size record; a record
 * of another size is a protocol error.
 *
 *   client -> server  struct mksrv_hello, with SCM_RIGHTS carrying exactly
 *                     two fds: [0] the guest RAM memfd (sealed against
 *                     shrinking, F_SEAL_SHRINK, and exactly mem_size bytes
 *                     long), [1] the "kick" eventfd.
 *   server -> client  struct mksrv_reply: status 0 (attached) or a
 *                     negative errno with a one-line reason.
 *   then, per doorbell:
 *     client          writes 1 to the kick eventfd, then waits for
 *   server -> client  struct mksrv_done once the ring is served.
 *
 * The VM ends when the client closes the connection (or dies): the server
 * detaches it, unmaps its RAM and closes its fds.  The completion travels on
 * the socket, not on a second eventfd, because the server must never block
 * on a client: a client can fill an eventfd's counter and clear O_NONBLOCK
 * on the file description it shares, but not make a MSG_DONTWAIT send
 * block.  The kick eventfd is read with RWF_NOWAIT for the same reason.
 *
 * Every field of a hello is validated by the server: strings must be
 * NUL-terminated within their arrays, paths relative (disk, volume host
 * directories: resolved beneath the server's --root) without "..", guest
 * paths absolute, counts within bounds, reserved fields zero.
 */

#include <stdint.h>

#define MKSRV_MAGIC     0x4b4d564eu /* "NVMK" */
#define MKSRV_VERSION   1
#define MKSRV_PATH_MAX  256 /* bytes of a path, with its NUL */
#define MKSRV_VOLUMES   8   /* = MK_VOLUMES_MAX */
#define MKSRV_ERR_MAX   256 /* bytes of a reply's reason, with its NUL */
#define MKSRV_MEM_MAX   (64ull << 30)
#define MKSRV_HELLO_FDS 2
#define MKSRV_FD_MEM    0
#define MKSRV_FD_KICK   1

/* Where the VM's file system runs: the values of enum mk_fs_placement. */
enum mksrv_fs {
	MKSRV_FS_NONE = 0,
	MKSRV_FS_HOST = 1,
	MKSRV_FS_GUEST = 2,
};

struct mksrv_volume {
	char hostdir[MKSRV_PATH_MAX]; /* relative to the server's --root */
	char at[MKSRV_PATH_MAX];      /* absolute guest path */
	uint32_t readonly;            /* 0 or 1 */
	uint32_t reserved;            /* 0 */
};

struct mksrv_hello {
	uint32_t magic;            /* MKSRV_MAGIC */
	uint32_t version;          /* MKSRV_VERSION */
	uint64_t mem_size;         /* guest RAM bytes: a multiple of 4 KiB, at most MKSRV_MEM_MAX */
	uint32_t fs;               /* enum mksrv_fs */
	uint32_t nvolumes;         /* 0..MKSRV_VOLUMES (host placement only) */
	char disk[MKSRV_PATH_MAX]; /* blksw spec relative to --root, "" for none */
	struct mksrv_volume volumes[MKSRV_VOLUMES];
};

/* Why a hello was refused: nanvixd's exit status depends on it. */
enum mksrv_refusal {
	MKSRV_OK = 0,
	MKSRV_REFUSED_CONFIG = 1, /* the VM's configuration (disk, volumes) */
	MKSRV_REFUSED_SERVER = 2, /* the protocol, the memfd, or the server is full */
};

struct mksrv_reply {
	uint32_t magic;            /* MKSRV_MAGIC */
	uint32_t version;          /* MKSRV_VERSION */
	int32_t status;            /* 0, or a negative errno */
	uint32_t refusal;          /* enum mksrv_refusal */
	char error[MKSRV_ERR_MAX]; /* one line, NUL-terminated; "" when attached */
};

/* After each kick: the ring has been served.  kicks counts them, from 1. */
struct mksrv_done {
	uint32_t magic; /* MKSRV_MAGIC */
	uint32_t reserved;
	uint64_t kicks;
};

#endif /* SERVER_PROTO_H */
