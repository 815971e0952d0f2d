/* lwIP hooks of the network service (included by lwIP through LWIP_HOOK_FILENAME). */
#ifndef NET_HOOKS_H
#define NET_HOOKS_H

#include "lwip/ip4_addr.h"
#include "lwip/netif.h"

/*
 * Route by source address: the netif whose address is `src` (each VM's
 * netif has its own), so replies the stack makes on its own (RSTs, ICMP)
 * leave through the VM they answer for.  NULL: route by destination.
 */
struct netif *net_hook_route_src(const ip4_addr_t *src, const ip4_addr_t *dest);

/* A random initial sequence number. */
u32_t net_hook_tcp_isn(void);

struct tcp_pcb;
struct tcp_hdr;
struct pbuf;

/*
 * A segment about to reach `pcb`: ERR_OK to process it, anything else to
 * drop it.  Drops a pure ACK that tells a connection with a closed receive
 * window nothing new (lwIP 2.1 answers every segment outside a zero window
 * with an ACK, so two connections whose windows are both closed would
 * answer each other's ACKs for ever).
 */
signed char net_hook_tcp_in(struct tcp_pcb *pcb, const struct tcp_hdr *hdr, struct pbuf *p);

#endif /* NET_HOOKS_H */
