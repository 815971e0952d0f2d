/* What the switch and bin/nanvix-uplink say to each other on their SOCK_SEQPACKET socketpair. */
#ifndef NETSW_UPLINK_PROTO_H
#define NETSW_UPLINK_PROTO_H

#include <stdint.h>

/*
 * The switch starts `nanvix-uplink --mtu=N --net=A.B.C.D/P --gateway=A.B.C.D
 * --dns=A.B.C.D [PUBLISH...]` with its end of the socketpair as fd 3, each
 * PUBLISH written `tcp:127.0.0.1:8080-10.0.2.15:80`.
 *
 * The uplink's first message is one status record (below), sent once slirp
 * is set up and every published port bound (or on the first failure,
 * after which it exits with status 2).  Every later message, both ways, is
 * one Ethernet frame of 14..mtu+14 bytes.  The uplink exits when fd 3
 * reaches end of file (the switch closed it or died).
 *
 * Frames of UDP to the --dns address are the DNS responder's (netsw/dns.h):
 * the uplink answers them itself, with frames from that address's port 53,
 * and never passes them to slirp.  Frames the switch sends before the
 * status arrives wait in the socket; none is lost to the start-up.
 */

/*
 * Control frames (publishing a port once the uplink runs, for a VM of the
 * shared macro-kernel): Ethernet frames of ethertype UPLINK_ETH_CTL, which
 * the switch never lets a VM send (it passes only ARP and IPv4), so only
 * the switch can make one.  The switch sends a struct uplink_ctl as the
 * payload; the uplink answers with a struct uplink_ctl_reply in a frame of
 * the same type, which the switch takes and never delivers to a VM.
 */
#define UPLINK_ETH_CTL   0x88b5 /* IEEE 802 local experimental ethertype 1 */
#define UPLINK_CTL_MAGIC "NXUPCTL1"

enum uplink_ctl_op { UPLINK_CTL_PUBLISH = 1, UPLINK_CTL_UNPUBLISH = 2 };

struct uplink_ctl {
	char magic[8];
	uint32_t op;                    /* enum uplink_ctl_op */
	uint32_t id;                    /* echoed in the reply */
	uint32_t udp;                   /* 0 TCP, 1 UDP */
	uint32_t host_addr, guest_addr; /* host byte order */
	uint16_t host_port, guest_port;
};

struct uplink_ctl_reply {
	char magic[8];
	uint32_t id;
	int32_t err;   /* 0 or a positive errno */
	char msg[200]; /* NUL-terminated: what failed */
};

#define UPLINK_FD           3
#define UPLINK_STATUS_MAGIC "NXUPLK01" /* 8 bytes, no NUL */

struct uplink_status {
	char magic[8];
	int32_t err;   /* 0 or a positive errno (EADDRINUSE: a published port is taken) */
	char msg[244]; /* one line, NUL-terminated: what failed */
};

#endif /* NETSW_UPLINK_PROTO_H */
