/* lwIP configuration of the network service: raw API, IPv4, large windows. */
#ifndef NET_LWIPOPTS_H
#define NET_LWIPOPTS_H

/*
 * One lwIP stack per process serves every VM's netif (sysapps/net/service.c).
 * NO_SYS: no threads, no sequential or socket API of lwIP; the caller runs
 * the stack from one thread (or under one lock) and drives the timers.
 *
 * Frames travel between our own ends in memory, so lwIP checks no
 * checksums; it still generates them because the uplink (libslirp)
 * verifies IP, TCP, UDP and ICMP checksums of what it receives.
 */

#define NO_SYS               1
#define SYS_LIGHTWEIGHT_PROT 0
#define LWIP_TIMERS          1
#define LWIP_SOCKET          0
#define LWIP_NETCONN         0
#define LWIP_NETIF_API       0
#define LWIP_ALTCP           0

/* Memory: malloc for everything, so it scales with use (no fixed pools). */
#define MEM_LIBC_MALLOC   1
#define MEMP_MEM_MALLOC   1
#define MEM_ALIGNMENT     8
#define MEM_SIZE          (1024 * 1024) /* unused with MEM_LIBC_MALLOC */
#define PBUF_POOL_SIZE    16            /* the service allocates RAM pbufs */
#define PBUF_POOL_BUFSIZE 1600

/* Protocols. */
#define LWIP_IPV4          1
#define LWIP_IPV6          0
#define LWIP_ARP           1
#define LWIP_ETHERNET      1
#define LWIP_ICMP          1
#define LWIP_RAW           0
#define LWIP_UDP           1
#define LWIP_TCP           1
#define LWIP_DHCP          0
#define LWIP_AUTOIP        0
#define LWIP_IGMP          0
#define LWIP_DNS           0
#define IP_FORWARD         0
#define IP_REASSEMBLY      1
#define IP_FRAG            1
#define IP_REASS_MAX_PBUFS 64
/* Fragments of a datagram arrive within 5 s or it is dropped (lwIP's
 * default is 15 s): a quiet stack may stop its timers sooner (service.c). */
#define IP_REASS_MAXAGE 5

/* Many netifs share one subnet: ARP entries belong to a netif. */
#define ETHARP_TABLE_MATCH_NETIF 1
#define ARP_TABLE_SIZE           127
#define ARP_QUEUEING             1
#define ARP_QUEUE_LEN            512

/* 127.0.0.1 and a VM's own address loop back inside its netif. */
#define LWIP_NETIF_LOOPBACK                1
#define LWIP_HAVE_LOOPIF                   0
#define LWIP_LOOPBACK_MAX_PBUFS            0
#define LWIP_NETIF_LOOPBACK_MULTITHREADING 0

/* Checksums: see above. */
#define CHECKSUM_GEN_IP     1
#define CHECKSUM_GEN_UDP    1
#define CHECKSUM_GEN_TCP    1
#define CHECKSUM_GEN_ICMP   1
#define CHECKSUM_CHECK_IP   0
#define CHECKSUM_CHECK_UDP  0
#define CHECKSUM_CHECK_TCP  0
#define CHECKSUM_CHECK_ICMP 0

/*
 * TCP for a ~64 KiB MTU internal network.  A pbuf's length is 16 bits and
 * must hold the Ethernet, IP and TCP headers too: NET_MTU_MAX bounds the
 * netif MTU (sysapps/net/include/net/service.h), TCP_MSS follows from it.
 * Window scaling gives a 1 MiB window (1 MiB of unread data per socket at
 * most, held as the received pbufs).
 */
#define TCP_MSS        (65000 - 40)
#define LWIP_WND_SCALE 1
#define TCP_RCV_SCALE  5
#define TCP_WND        (1024 * 1024)
#define TCP_SND_BUF    (1024 * 1024)
/*
 * Announce an opened window once 16 KiB of it is free.  lwIP's default,
 * min(TCP_WND / 4, 4 * TCP_MSS) = 256 KiB, is more than can be offered to
 * a peer without window scaling (64 KiB: libslirp, i.e. every published
 * port), so no update was ever sent on its own and such a sender stalled
 * until its 5-s persist probe, 64 KiB at a time (./z bench net).
 */
#define TCP_WND_UPDATE_THRESHOLD (16 * 1024)
#define TCP_SND_QUEUELEN         8192
#define TCP_SNDLOWAT             (16 * 1024)
#define TCP_SNDQUEUELOWAT        4096
#define TCP_OVERSIZE             TCP_MSS
#define TCP_QUEUE_OOSEQ          1
#define LWIP_TCP_SACK_OUT        0
#define TCP_LISTEN_BACKLOG       0 /* the service keeps its own accept queues */
#define LWIP_TCP_KEEPALIVE       1
#define LWIP_TCP_TIMESTAMPS      0
#define LWIP_CALLBACK_API        1
#define LWIP_EVENT_API           0
/* TCP_SNDLOWAT's 16-bit sanity check does not apply with window scaling. */
#define LWIP_DISABLE_TCP_SANITY_CHECKS 1

/* The service includes the host's socket headers, which have htons. */
#define LWIP_DONT_PROVIDE_BYTEORDER_FUNCTIONS 1

/* Enough PCBs for 1000+ sockets per VM (not preallocated: MEMP_MEM_MALLOC). */
#define MEMP_NUM_TCP_PCB        65535
#define MEMP_NUM_TCP_PCB_LISTEN 65535
#define MEMP_NUM_UDP_PCB        65535
#define MEMP_NUM_TCP_SEG        65535
#define MEMP_NUM_REASSDATA      64
#define MEMP_NUM_FRAG_PBUF      256
#define MEMP_NUM_ARP_QUEUE      256
#define MEMP_NUM_SYS_TIMEOUT    64

/*
 * Address reuse: every VM binds its own address (the service never binds
 * lwIP's "any"), and the service itself enforces EADDRINUSE per VM, so
 * lwIP lets PCBs share ports (SOF_REUSEADDR on all of them).
 */
#define SO_REUSE         1
#define SO_REUSE_RXTOALL 0

/* Interfaces: one per VM, status and link set by the service. */
#define LWIP_NETIF_STATUS_CALLBACK 0
#define LWIP_NETIF_LINK_CALLBACK   0
#define LWIP_NETIF_HOSTNAME        0
#define LWIP_SINGLE_NETIF          0
#define LWIP_NETIF_TX_SINGLE_PBUF  0

/* No statistics, no debug output; assertions abort (lwip_port.c). */
#define LWIP_STATS 0
/* (LWIP_DEBUG stays undefined: lwIP tests it with #ifdef.) */

/* Hooks: source-address routing and random ISNs (net_hooks.h). */
#define LWIP_HOOK_FILENAME                        "net_hooks.h"
#define LWIP_HOOK_IP4_ROUTE_SRC(src, dest)        net_hook_route_src((src), (dest))
#define LWIP_HOOK_TCP_ISN(lip, lport, rip, rport) net_hook_tcp_isn()
#define LWIP_HOOK_TCP_INPACKET_PCB(pcb, hdr, optlen, opt1len, opt2, p) \
	net_hook_tcp_in((pcb), (hdr), (p))

#endif /* NET_LWIPOPTS_H */
