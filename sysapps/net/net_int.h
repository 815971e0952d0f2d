/* Private to sysapps/net: the socket and service records, Linux constants. */
#ifndef NET_INT_H
#define NET_INT_H

#include <stddef.h>
#include <stdint.h>

#include <net/service.h>

#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"

/* Linux values the guest speaks (abi/net.h: Linux x86-64 layouts). */
#define NET_POLLIN     0x001u
#define NET_POLLPRI    0x002u
#define NET_POLLOUT    0x004u
#define NET_POLLERR    0x008u
#define NET_POLLHUP    0x010u
#define NET_POLLRDNORM 0x040u
#define NET_POLLWRNORM 0x100u
#define NET_POLLRDHUP  0x2000u

/* TCP-level options (<netinet/tcp.h> would clash with lwIP's TCP_MSS). */
#define NET_TCP_NODELAY       1
#define NET_TCP_MAXSEG        2
#define NET_TCP_CORK          3
#define NET_TCP_KEEPIDLE      4
#define NET_TCP_KEEPINTVL     5
#define NET_TCP_KEEPCNT       6
#define NET_TCP_SYNCNT        7
#define NET_TCP_LINGER2       8
#define NET_TCP_DEFER_ACCEPT  9
#define NET_TCP_WINDOW_CLAMP  10
#define NET_TCP_QUICKACK      12
#define NET_TCP_USER_TIMEOUT  18
#define NET_TCP_FASTOPEN      23
#define NET_TCP_NOTSENT_LOWAT 25

/* Socket ioctls (<linux/sockios.h>, which musl's headers lack). */
#define NET_SIOCOUTQ   0x5411 /* TIOCOUTQ */
#define NET_SIOCATMARK 0x8905

/* Bounds on what one request may ask for. */
#define NET_IO_MAX      (1024 * 1024) /* bytes moved by one send or receive call */
#define NET_RW_MAX      0x7ffff000    /* Linux MAX_RW_COUNT: a longer buffer is clamped */
#define NET_IOV_MAX     1024          /* Linux UIO_MAXIOV */
#define NET_ADDR_MAX    128           /* sizeof(struct sockaddr_storage) */
#define NET_UDP_MAX     65507         /* largest IPv4 UDP payload */
#define NET_CHUNK       61440         /* bytes per tcp_write (a u16 length) */
#define NET_BACKLOG_MAX 4096          /* Linux somaxconn */
#define NET_PENDING_MAX 4096          /* queued, not yet accepted, per VM */
#define NET_SNDLOWAT    (16 * 1024)   /* send room that makes a stream POLLOUT */
#define NET_LOOP_ROUNDS 1024          /* rounds of looped-back packets per entry point */

/* A received segment (TCP) or datagram (UDP) waiting for the guest. */
struct net_rx {
	struct net_rx *next;
	struct pbuf *p;
	uint32_t addr;   /* UDP: source, network order */
	uint16_t port;   /* UDP: source, host order */
	uint32_t charge; /* what it counts against the VM's budget (rx_charge) */
};

enum net_sk_state {
	SK_NEW,        /* no connection: maybe bound */
	SK_LISTEN,     /* tcp: accepting */
	SK_CONNECTING, /* tcp: SYN sent */
	SK_CONNECTED,  /* tcp: established (maybe half closed); udp: unused */
	SK_CLOSED,     /* tcp: reset, refused, timed out, or fully closed */
};

struct net_sock {
	struct net_service *svc;
	int h;    /* handle; 0 while queued on a listener */
	int type; /* SOCK_STREAM or SOCK_DGRAM */
	enum net_sk_state state;
	struct tcp_pcb *tcp; /* NULL once lwIP owns or freed it */
	struct udp_pcb *udp;

	/* Addresses as the guest sees them (ip network order, port host order). */
	int bound; /* has a local port */
	uint32_t local_ip;
	uint16_t local_port;
	int has_peer; /* connected (or connecting) */
	uint32_t peer_ip;
	uint16_t peer_port;
	int loop;       /* the guest named 127.0.0.1: reported so, and VM-local only */
	int local_auto; /* udp: local_ip chosen by connect (reset by AF_UNSPEC) */

	/* Received data: TCP segments (first one consumed from rx_off on) or UDP datagrams. */
	struct net_rx *rx_head, *rx_tail;
	size_t rx_off, rx_bytes;

	int rx_fin;          /* peer finished sending (or the connection died) */
	int shut_rd;         /* guest shut down reading */
	int shut_wr;         /* guest shut down writing (or the connection died) */
	int err;             /* pending error (positive errno), SO_ERROR */
	int connect_pending; /* -EINPROGRESS returned, outcome not yet reported by connect */
	int was_connected;
	int accepted; /* came from a listener */

	/* Listener: connections established, not yet accepted. */
	struct net_sock *aq_head, *aq_tail, *aq_next;
	int aq_len, backlog;

	/* Options. */
	int reuseaddr, reuseport, keepalive, broadcast, nodelay, oobinline, dontroute, debug;
	int linger_on, linger_secs;
	int rcvbuf, sndbuf, rcvlowat;
	int keepidle, keepintvl, keepcnt;
	int cork, quickack, maxseg, defer_accept, user_timeout, fastopen;
	int tos, ttl;
	int recverr; /* IP_RECVERR: accepted and reported; no ICMP error queue here */
	uint8_t rcvtimeo[16], sndtimeo[16];
};

/* One scatter-gather element of the caller's memory. */
struct net_iov {
	uint64_t base, len;
};

struct net_service {
	struct netif netif;
	struct net_service_config cfg;
	void (*output)(void *ctx, const void *frame, size_t len);
	void (*notify)(void *ctx);
	void *ctx;
	struct nanvix_net_state *state;
	struct net_service *next; /* every service of the stack */
	int notify_pending;
	int dying;
	int pending;       /* connections queued on this VM's listeners */
	size_t rx_charged; /* received bytes held for the VM, with overhead */
	size_t rx_budget;  /* ... at most this much (cfg.rx_budget or the default) */
	int rx_refused;    /* the budget refused TCP data lwIP now holds */
	size_t tx_bound;   /* send data held for the VM, at most (see tx_room) */
	size_t tx_budget;  /* ... allowed (cfg.tx_budget or the default) */
	int tx_starved;    /* out of send budget: streams do not report POLLOUT */
	struct net_sock *socks[NANVIX_NET_SOCKETS_MAX];
	struct net_service_stats stats;
	struct net_iov iov[NET_IOV_MAX];
	uint8_t bounce[65536];
};

#endif /* NET_INT_H */
