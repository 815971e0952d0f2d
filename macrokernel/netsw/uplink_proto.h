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

#define UPLINK_FD           3
#define UPLINK_STATUS_MAGIC "NXUPLK01" /* 8 bytes, no NUL */

struct uplink_status {
	char magic[8];
	int32_t err;   /* 0 or a positive errno (EADDRINUSE: a published port is taken) */
	char msg[244]; /* one line, NUL-terminated: what failed */
};

#endif /* NETSW_UPLINK_PROTO_H */
