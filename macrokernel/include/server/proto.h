/* The shared macro-kernel's socket protocol: what nanvixd and bin/macrokernel exchange. */
#ifndef SERVER_PROTO_H
#define SERVER_PROTO_H

/*
 * One connection per VM, on a Unix SOCK_SEQPACKET socket (mksrv: the
 * macro-kernel server).  Every message is one fixed-size record; a record
 * of another size is a protocol error.
 *
 *   client -> server  a hello: struct mksrv_hello and its sections (below),
 *                     one message, with SCM_RIGHTS carrying exactly
 *                     three fds: [0] the guest RAM memfd (sealed against
 *                     shrinking, F_SEAL_SHRINK, and exactly mem_size bytes
 *                     long), [1] the "kick" eventfd, [2] the "notify"
 *                     eventfd, which the server writes when the VM's socket
 *                     readiness changed (the client idles on it).
 *   server -> client  struct mksrv_reply: status 0 (attached) or a
 *                     negative errno with a one-line reason.
 *   then any number of these exchanges, one at a time (the client sends
 *   the next only once it has read the answer to the last):
 *   - the doorbell:
 *     client          writes 1 to the kick eventfd, then waits for
 *     server -> client  struct mksrv_done once the ring is served.
 *   - execve of a program stored on the VM's file system:
 *     client -> server  struct mksrv_load: a directory handle and a path.
 *     server -> client  struct mksrv_load_reply: status 0 with SCM_RIGHTS
 *                       carrying exactly one fd, a memfd sealed against
 *                       writing, growing and shrinking and exactly size
 *                       bytes long (1..MKSRV_LOAD_MAX) holding the file;
 *                       or a negative errno and no fd.
 *   - --stats:
 *     client -> server  struct mksrv_stats_req.
 *     server -> client  struct mksrv_stats: the VM's counters (mk_stats).
 *   - a published port (nanvixd -p), once attached with a network:
 *     client -> server  struct mksrv_publish: protocol, host address and
 *                       port, the VM's port.
 *     server -> client  struct mksrv_publish_reply: 0 once the tenant's
 *                       uplink listens on the host port for this VM, or a
 *                       negative errno with a one-line reason.
 *
 * After the hello every message starts with the magic and a type (enum
 * mksrv_type), and a message's size must be exactly its type's.
 *
 * The VM ends when the client closes the connection (or dies): the server
 * detaches it, unmaps its RAM and closes its fds.  The completion travels on
 * the socket, not on a second eventfd, because the server must never block
 * on a client: a client can fill an eventfd's counter and clear O_NONBLOCK
 * on the file description it shares, but not make a MSG_DONTWAIT send
 * block.  The kick eventfd is read with RWF_NOWAIT for the same reason.
 *
 * The hello is typed per component: after its fixed header come
 * `nsections` sections back to back to the end of the message, each a
 * struct mksrv_section and exactly `len` bytes of payload, the layout its
 * type names.  A VM that does not use a component sends no section for it
 * (its placement is then "none").  Each component owns its section: it
 * registers the type, the payload's size, and how to write and check it in
 * its struct mk_service (mk/service.h: hello_*), so the server core knows
 * only the framing.  A section of an unknown type, a repeated type, a
 * payload of another size, or bytes past the last section refuse the hello.
 *
 * Every field of a hello is validated by the server: strings must be
 * NUL-terminated within their arrays, paths relative (disk, volume host
 * directories: resolved beneath the server's --root) without "..", guest
 * paths absolute, counts within bounds, reserved fields zero.  So is every
 * request: a load's path must be NUL-terminated within its array and not
 * empty; its directory handle is checked by the fs service like a guest's.
 * A malformed request (size, magic, type, fds attached, reserved fields),
 * or a request sent while an answer is still unread, ends the connection.
 * The client in turn trusts no answer: sizes, types, fds and seals are
 * checked before the bytes are used.
 */

#include <stdint.h>

#define MKSRV_MAGIC        0x4b4d564eu /* "NVMK" */
#define MKSRV_VERSION      4           /* 2: loads, stats; 3: network; 4: hello sections */
#define MKSRV_PATH_MAX     256         /* bytes of a path, with its NUL */
#define MKSRV_VOLUMES      8           /* = MK_VOLUMES_MAX */
#define MKSRV_ERR_MAX      256         /* bytes of a reply's reason, with its NUL */
#define MKSRV_MEM_MAX      (64ull << 30)
#define MKSRV_HELLO_FDS    3
#define MKSRV_FD_MEM       0
#define MKSRV_FD_KICK      1
#define MKSRV_FD_NOTIFY    2
#define MKSRV_LOAD_PATH    4096 /* bytes of a load's path, with its NUL (NANVIX_FS_PATH_MAX) */
#define MKSRV_LOAD_MAX     (64u << 20) /* bytes of a loaded file, at most (mk.c's LOAD_MAX) */
#define MKSRV_SECTIONS_MAX 8           /* sections of one hello */
#define MKSRV_HELLO_MAX    (16u << 10) /* bytes of a hello, sections included */

/* Where the VM's file system runs: the values of enum mk_fs_placement. */
enum mksrv_fs {
	MKSRV_FS_NONE = 0,
	MKSRV_FS_HOST = 1,
	MKSRV_FS_GUEST = 2,
};

/* Where the VM's network runs: the values of enum mk_net_placement. */
enum mksrv_net {
	MKSRV_NET_NONE = 0,
	MKSRV_NET_HOST = 1,
	MKSRV_NET_GUEST = 2, /* lwIP in the VM: the server switches its frames */
};

struct mksrv_volume {
	char hostdir[MKSRV_PATH_MAX]; /* relative to the server's --root */
	char at[MKSRV_PATH_MAX];      /* absolute guest path */
	uint32_t readonly;            /* 0 or 1 */
	uint32_t reserved;            /* 0 */
};

struct mksrv_hello {
	uint32_t magic;     /* MKSRV_MAGIC */
	uint32_t version;   /* MKSRV_VERSION */
	uint64_t mem_size;  /* guest RAM bytes: a multiple of 4 KiB, at most MKSRV_MEM_MAX */
	uint32_t nsections; /* 0..MKSRV_SECTIONS_MAX, following this header */
	uint32_t reserved;  /* 0 */
};

struct mksrv_section {
	uint32_t type; /* enum mksrv_section_type */
	uint32_t len;  /* bytes of payload that follow: exactly the type's */
};

/* The components' sections (each owned by its service, mk/service.h). */
enum mksrv_section_type {
	MKSRV_SECTION_FS = 1,  /* struct mksrv_fs_section (mk/svc_fs.c) */
	MKSRV_SECTION_NET = 2, /* struct mksrv_net_section (mk/svc_net.c) */
};

struct mksrv_fs_section {
	uint32_t placement;        /* enum mksrv_fs: HOST or GUEST */
	uint32_t nvolumes;         /* 0..MKSRV_VOLUMES (host placement only) */
	char disk[MKSRV_PATH_MAX]; /* blksw spec relative to --root, "" for none */
	struct mksrv_volume volumes[MKSRV_VOLUMES];
};

struct mksrv_net_section {
	uint32_t placement; /* enum mksrv_net: HOST or GUEST; a port on the tenant switch */
	uint32_t reserved;  /* 0 */
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

/* The messages after the hello (mksrv_hello and mksrv_reply carry none). */
enum mksrv_type {
	MKSRV_DONE = 1,  /* server -> client: struct mksrv_done */
	MKSRV_LOAD = 2,  /* client -> server: struct mksrv_load; the answer, mksrv_load_reply */
	MKSRV_STATS = 3, /* client -> server: struct mksrv_stats_req; the answer, mksrv_stats */
	MKSRV_PUBLISH =
	        4, /* client -> server: struct mksrv_publish; the answer, mksrv_publish_reply */
};

/* Forward host_addr:host_port (host byte order) to the VM's guest_port. */
struct mksrv_publish {
	uint32_t magic;      /* MKSRV_MAGIC */
	uint32_t type;       /* MKSRV_PUBLISH */
	uint32_t proto;      /* 6 TCP or 17 UDP */
	uint32_t host_addr;  /* IPv4, host byte order */
	uint16_t host_port;  /* 1..65535 */
	uint16_t guest_port; /* 1..65535 */
	uint32_t reserved;   /* 0 */
};

struct mksrv_publish_reply {
	uint32_t magic;            /* MKSRV_MAGIC */
	uint32_t type;             /* MKSRV_PUBLISH */
	int32_t status;            /* 0, or a negative errno */
	uint32_t reserved;         /* 0 */
	char error[MKSRV_ERR_MAX]; /* one line, NUL-terminated; "" on success */
};

/* After each kick: the ring has been served.  kicks counts them, from 1. */
struct mksrv_done {
	uint32_t magic; /* MKSRV_MAGIC */
	uint32_t type;  /* MKSRV_DONE */
	uint64_t kicks;
};

/* Read the regular file at path (relative paths from the fs handle cwd), for execve. */
struct mksrv_load {
	uint32_t magic; /* MKSRV_MAGIC */
	uint32_t type;  /* MKSRV_LOAD */
	uint64_t cwd;   /* an fs handle of the VM (NANVIX_FS_ROOT, or the process's cwd) */
	char path[MKSRV_LOAD_PATH]; /* NUL-terminated, not empty */
};

struct mksrv_load_reply {
	uint32_t magic; /* MKSRV_MAGIC */
	uint32_t type;  /* MKSRV_LOAD */
	int32_t status; /* 0 (one memfd attached), or a negative errno (none) */
	uint32_t reserved;
	uint64_t size; /* bytes of the file and of the memfd when status is 0; else 0 */
};

struct mksrv_stats_req {
	uint32_t magic; /* MKSRV_MAGIC */
	uint32_t type;  /* MKSRV_STATS */
};

/* The VM's counters, as struct mk_stats. */
struct mksrv_stats {
	uint32_t magic; /* MKSRV_MAGIC */
	uint32_t type;  /* MKSRV_STATS */
	uint64_t kicks, served, malformed, fs_calls, fs_errors, blk_reads, blk_writes, blk_flushes;
};

#endif /* SERVER_PROTO_H */
