/* Socket calls forwarded to the network component, socket readiness and frames: version 2. */
#ifndef NANVIX_ABI_NET_H
#define NANVIX_ABI_NET_H

/*
 * With the network component on the host (nanvixd --net=host), the guest
 * kernel forwards socket calls as requests on its call ring (abi/ring.h),
 * opcodes NANVIX_NET_*.  As for the FS_* requests, args[0] is the
 * guest-physical PML4 of the calling process and every pointer argument is
 * a user virtual address in it, translated by the host's own page walk.
 * Structures use the Linux x86-64 layouts (struct sockaddr_in, msghdr,
 * iovec, linger, timeval).
 *
 * The host never blocks on a socket call: a call that would block answers
 * -EAGAIN (connect: -EINPROGRESS, its outcome later in SO_ERROR), and the
 * kernel sleeps the calling thread until the socket's readiness changes.
 * Readiness lives in the net state region (below), which the host keeps
 * current, so poll, select and epoll never leave the guest.
 *
 * "h" is a socket handle the host returned from NET_SOCKET or NET_ACCEPT:
 * 1 <= h < NANVIX_NET_SOCKETS_MAX, per VM; the host checks it is one of the
 * VM's open sockets.  Results: the Linux value (>= 0) or -errno.
 *
 * C99, self-contained: included by the kernel, nanvixd and the macro-kernel.
 */

#include <stdint.h>

#define NANVIX_NET_ABI_VERSION 3

enum nanvix_net_op {
	/*                          args: [0] cr3, then ...                          */
	NANVIX_NET_SOCKET = 32,      /* domain (AF_INET), type (SOCK_STREAM/DGRAM, no
	                             flags), protocol -> h (status and value)        */
	NANVIX_NET_CLOSE = 33,       /* h: the handle is free when this returns         */
	NANVIX_NET_BIND = 34,        /* h, addr, addrlen                                */
	NANVIX_NET_LISTEN = 35,      /* h, backlog                                      */
	NANVIX_NET_ACCEPT = 36,      /* h, addr (0: none), int *addrlen (0: none)
	                             -> new h; -EAGAIN when none is queued            */
	NANVIX_NET_CONNECT = 37,     /* h, addr, addrlen -> 0 or -EINPROGRESS (stream),
	                             -EALREADY, -EISCONN, -ECONNREFUSED...; addr 0:
	                             the outcome of the connect in progress: 0 once
	                             established, -EINPROGRESS while pending, or its
	                             error (which it clears, as reading SO_ERROR)     */
	NANVIX_NET_SENDTO = 38,      /* h | (flags << 32), buf, len, addr (0: none),
	                             addrlen -> bytes taken; -EAGAIN when no room     */
	NANVIX_NET_RECVFROM = 39,    /* h | (flags << 32), buf, len, addr (0: none),
	                             int *addrlen (0: none) -> bytes, 0 at end of
	                             stream; -EAGAIN                                  */
	NANVIX_NET_SENDMSG = 40,     /* h, struct msghdr *, flags -> bytes              */
	NANVIX_NET_RECVMSG = 41,     /* h, struct msghdr * (msg_flags and
	                             msg_namelen written back), flags -> bytes        */
	NANVIX_NET_SHUTDOWN = 42,    /* h, how (SHUT_RD/WR/RDWR)                        */
	NANVIX_NET_GETSOCKNAME = 43, /* h, addr, int *addrlen                        */
	NANVIX_NET_GETPEERNAME = 44, /* h, addr, int *addrlen -> -ENOTCONN...        */
	NANVIX_NET_SETSOCKOPT = 45,  /* h, level, optname, optval, optlen            */
	NANVIX_NET_GETSOCKOPT = 46,  /* h, level, optname, optval, int *optlen       */
	NANVIX_NET_IOCTL = 47,       /* h, request (FIONREAD, SIOCOUTQ), int *arg    */
	NANVIX_NET_READV = 48,       /* h, struct iovec *, iovcnt (<= 1024) -> bytes:
	                                readv as one receive (a datagram stays whole) */
	NANVIX_NET_WRITEV = 49,      /* h, struct iovec *, iovcnt -> bytes: writev as
	                                one send                                       */
	/* Guest placement only (below): Ethernet frames of the in-VM server. */
	NANVIX_NET_FRAMES_SEND = 50, /* buf, len (<= NANVIX_NET_FRAMES_BUF_MAX): frame
	                                records -> frames taken; -EINVAL when a record
	                                is malformed (the ones before it are sent)     */
	NANVIX_NET_FRAMES_RECV = 51, /* buf, cap (>= NANVIX_NET_FRAMES_RECV_MIN): fills
	                                it with the frames waiting for the VM, as
	                                records -> bytes written (0: none waits)        */
	NANVIX_NET_OP_END,
};

/* The request opcodes the network service owns: [FIRST, END). */
#define NANVIX_NET_OP_FIRST NANVIX_NET_SOCKET

/* Sockets one VM may hold open; handles are 1..MAX-1. */
#define NANVIX_NET_SOCKETS_MAX 1024

/*
 * Flags of the send/recv calls the kernel handles itself and never
 * forwards: MSG_DONTWAIT (the host never waits anyway), MSG_NOSIGNAL (the
 * kernel raises SIGPIPE on -EPIPE unless it is given) and MSG_WAITALL (the
 * kernel repeats the call).
 */

/*
 * Frames (guest placement, nanvixd --net=guest).  The network component
 * then runs in the VM (bin/netd.elf, abi/netd.h) and the host only
 * switches its Ethernet frames: the kernel passes the server's
 * NANVIX_NET_FRAMES_SEND/RECV on to the call ring with the server's
 * address space in args[0], so the host copies frames straight between
 * the server's buffers and the switch port, many frames per exit.  A
 * buffer holds frame records back to back, each a struct
 * nanvix_net_frame_hdr and `len` bytes of frame (destination MAC first, no
 * FCS), padded to a multiple of 8.  The host checks every record (len
 * from 14 to the port's MTU + 14, pad 0, inside the buffer) and the switch checks
 * every frame (its source MAC and IP must be the VM's).  When frames wait
 * for the VM the host sets `frames` and `any` in the net state region
 * (below), as for a readiness change.
 */
#define NANVIX_NET_FRAMES_BUF_MAX  (256u * 1024)
#define NANVIX_NET_FRAME_ETH_HDR   14u
#define NANVIX_NET_FRAMES_RECV_MIN (65536u + 8u) /* one frame of the largest MTU */

struct nanvix_net_frame_hdr {
	uint32_t len; /* bytes of frame that follow */
	uint32_t pad; /* 0 */
};

/* Bytes one record of a `len`-byte frame takes (64-bit: no len near 4 GiB wraps it). */
#define NANVIX_NET_FRAME_RECORD(len) (8u + (((uint64_t)(uint32_t)(len) + 7u) & ~(uint64_t)7))

/*
 * The record at *off of a buffer of `size` bytes: 1 with the frame in
 * *frame and *len, *off moved past the record; 0 at the end (*off ==
 * size); -1 when the record is malformed (cut short, len < 14 or > max,
 * pad not 0, running past the end).  Both ends parse with this (the host checks the
 * in-VM server's buffers; the server, the host's).
 */
static inline int nanvix_net_frame_next(const uint8_t *buf, uint64_t size, uint64_t *off,
                                        uint32_t max, const uint8_t **frame, uint32_t *len)
{
	uint64_t o = *off;
	uint32_t l;

	if (o >= size)
		return o == size ? 0 : -1;
	if (size - o < sizeof(struct nanvix_net_frame_hdr))
		return -1;
	l = (uint32_t)buf[o] | (uint32_t)buf[o + 1] << 8 | (uint32_t)buf[o + 2] << 16 |
	    (uint32_t)buf[o + 3] << 24; /* x86: little-endian, as the header */
	if (buf[o + 4] | buf[o + 5] | buf[o + 6] | buf[o + 7])
		return -1; /* pad */
	if (l < NANVIX_NET_FRAME_ETH_HDR || l > max || NANVIX_NET_FRAME_RECORD(l) > size - o)
		return -1;
	*frame = buf + o + sizeof(struct nanvix_net_frame_hdr);
	*len = l;
	*off = o + NANVIX_NET_FRAME_RECORD(l);
	return 1;
}

/*
 * The net state region: readiness of every socket, written by the host,
 * read by the guest kernel.  Laid out by the host before boot (boot info
 * ring of kind NANVIX_RING_KIND_NET_STATE).
 *
 * After any socket's readiness changed, and before the vCPU runs again
 * (the return of a doorbell, of a SLEEP, or an injected tick), the host
 *   1. stores the socket's current POLL* bits in revents[h],
 *   2. sets bit h of changed[] (an atomic OR),
 *   3. sets bit h / 32 of `any` (an atomic OR): which changed[] words to look at.
 * A SLEEP in progress returns early once `any` is non-zero.  The kernel
 * takes `any` with an exchange, then, for each bit set in it, that
 * changed[] word with an exchange, and wakes whoever waits on those
 * sockets; poll and epoll read revents[] directly.  (Each word the kernel
 * reads costs it an emulated load: it never scans the whole table.)  The host reads none of this: a guest that scribbles
 * on the region only confuses its own kernel.
 */
#define NANVIX_NET_STATE_MAGIC 0x5445454eu /* "NEET" */

struct nanvix_net_state {
	uint32_t magic;    /* NANVIX_NET_STATE_MAGIC (host, at boot) */
	uint32_t version;  /* NANVIX_NET_ABI_VERSION (host, at boot) */
	uint32_t nsockets; /* NANVIX_NET_SOCKETS_MAX (host, at boot) */
	uint32_t pad0;
	uint32_t any;    /* host ORs bits (which changed[] words); guest exchanges with 0 */
	uint32_t frames; /* guest placement: host sets 1 when frames wait; guest exchanges */
	/* The VM's address on the tenant network (host, at attach; network
	 * byte order): what the in-VM server configures its netif with. */
	uint32_t ip, netmask, gateway;
	uint16_t mtu;
	uint8_t mac[6];
	uint32_t pad1[5];
	uint32_t changed[NANVIX_NET_SOCKETS_MAX / 32]; /* host ORs bits; guest exchanges words */
	uint32_t revents[NANVIX_NET_SOCKETS_MAX];      /* host: Linux POLL* bits of socket h */
};

#endif /* NANVIX_ABI_NET_H */
