/* The network service: forwarded socket calls served on lwIP's raw API. */
#ifndef NET_SERVICE_H
#define NET_SERVICE_H

/*
 * One lwIP stack per process (net_stack_*) and one service per VM on it
 * (net_service_*).  A service owns the VM's netif (its MAC and IPv4
 * address), the VM's socket table (handles 1..NANVIX_NET_SOCKETS_MAX-1,
 * lowest free first) and answers the NANVIX_NET_* requests of abi/net.h
 * with Linux semantics and errno values.  Its PCBs are bound to its netif
 * and address, so a VM sees and binds only its own address (127.0.0.1
 * stays inside the VM: it is the VM's address looped back in its netif).
 *
 * Frames: what a VM's netif sends goes to `output`; frames for the VM come
 * in through net_service_input.  Readiness: after a socket's state changes
 * the service updates the VM's struct nanvix_net_state as abi/net.h says
 * and calls `notify` once per batch (per entry point).
 *
 * Threads: lwIP runs with NO_SYS, so every function here (on every service
 * of the process) must be called from one thread at a time, e.g. under one
 * lock the caller holds.  `output` and `notify` run at the end of the entry
 * point that caused them, outside lwIP: they may call net_service_input (a
 * switch delivering synchronously) but must not free the service.
 *
 * Every request field is hostile: handles are looked up in the VM's own
 * table, lengths are bounded, and the caller's memory is reached only
 * through struct svc_mem.
 */

#include <stddef.h>
#include <stdint.h>

#include <abi/net.h>
#include <abi/ring.h>
#include <svc/mem.h>

/* Initialise the process's lwIP stack (once; later calls do nothing): 0. */
int net_stack_init(void);

/* Run the lwIP timeouts that are due (ARP, TCP retransmissions, ...). */
void net_stack_timers(void);

/* Milliseconds until the next lwIP timeout is due (0: now), -1 if none or
 * the stack is quiet (service.c: NET_QUIET_MS). */
int net_stack_next_timer_ms(void);

/* Services one process may hold (lwIP numbers its netifs with a byte). */
#define NET_SERVICES_MAX 250

/* Largest MTU a netif may have (lwIP's pbuf lengths are 16-bit). */
#define NET_MTU_MAX 65000

/* Default per-VM budgets of held received and unsent or unacknowledged
 * data (net_service_config.rx_budget, tx_budget). */
#define NET_RX_BUDGET (64u << 20)
#define NET_TX_BUDGET (64u << 20)

struct net_service_config {
	uint8_t mac[6];
	uint32_t ip, netmask, gateway; /* network byte order */
	uint16_t mtu;                  /* 576..NET_MTU_MAX; 0: NET_MTU_MAX */
	/* Bytes of received data the VM's sockets may hold, counted with a
	 * per-buffer overhead (0: NET_RX_BUDGET).  Past it TCP data waits in
	 * lwIP (the sender sees a closed window) and UDP datagrams are
	 * dropped and counted: one VM cannot make the host hold more. */
	size_t rx_budget;
	/* Bytes the VM's connections may hold to send or see acknowledged,
	 * its closed ones included (0: NET_TX_BUDGET).  Past it sends answer
	 * -EAGAIN and streams stop reporting POLLOUT until acknowledgements
	 * free room; each socket is also bounded by its own buffer. */
	size_t tx_budget;
};

struct net_service;

/*
 * A service for one VM: adds and brings up its netif.  `output` receives
 * each Ethernet frame the netif sends (to the switch port); `notify` is
 * called once per batch after readiness changed (state->any set).  `state`
 * is the VM's net state region (the service fills its header now and
 * revents/changed/any later); it must outlive the service.  NULL on a bad
 * configuration (ip 0, mtu out of range, an address another service has)
 * or when out of memory or NET_SERVICES_MAX are open.
 */
struct net_service *net_service_new(const struct net_service_config *cfg,
                                    void (*output)(void *ctx, const void *frame, size_t len),
                                    void (*notify)(void *ctx), void *ctx,
                                    struct nanvix_net_state *state);

/*
 * Give the service's netif a new address and MAC (a VM restored from a
 * snapshot into another slot of the tenant network): sockets bound to the
 * wildcard address, listening ones included, go on; the netif announces
 * itself (gratuitous ARP).  0, or -1 when `cfg` is invalid or another
 * service has that address or MAC.  Only ip, netmask, gateway and mac are
 * read.
 */
int net_service_readdress(struct net_service *s, const struct net_service_config *cfg);

/* Hand the VM's netif one Ethernet frame from the switch (copied; anything
 * malformed is dropped). */
void net_service_input(struct net_service *s, const void *frame, size_t len);

/*
 * Serve one request (a private, already copied slot; opcode in
 * [NANVIX_NET_OP_FIRST, NANVIX_NET_OP_END)).  Returns the Linux result
 * (>= 0) or -errno; *value receives the same value on success (the new
 * handle for NET_SOCKET/NET_ACCEPT).  Never blocks: -EAGAIN or
 * -EINPROGRESS where Linux would.
 */
int64_t net_service_call(struct net_service *s, const struct nanvix_ring_req *q,
                         const struct svc_mem *m, uint64_t *value);

/*
 * Whether the VM's connections still hold data lwIP has to send or see
 * acknowledged (sockets the VM closed included): what a VM that exits
 * leaves in flight, which Linux would deliver after its process exited.
 */
int net_service_pending(const struct net_service *s);

/* Abort every connection (RSTs go out through `output`), remove the netif, free. */
void net_service_free(struct net_service *s);

/* Counters for --stats. */
struct net_service_stats {
	uint64_t calls, errors, sockets_open, sockets_max;
	uint64_t rx_over_budget; /* receptions refused by the budget (TCP retried, UDP dropped) */
	uint64_t rx_held;        /* bytes held now, as charged */
	uint64_t tx_over_budget; /* sends refused by the send budget */
	uint64_t tx_held;        /* bytes unsent or unacknowledged now */
	uint64_t frames_in, frames_out, bytes_in, bytes_out;
};
void net_service_stats(const struct net_service *s, struct net_service_stats *out);

#endif /* NET_SERVICE_H */
