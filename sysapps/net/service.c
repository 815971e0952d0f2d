/* The network service: the NANVIX_NET_* socket calls of each VM on one lwIP stack. */

/*
 * Design.  A process runs one lwIP stack (NO_SYS: no threads; the caller
 * serialises every entry point) and one service per VM on it.  Each
 * service owns an Ethernet netif with the VM's MAC and IPv4 address and a
 * table of sockets; every lwIP PCB a socket makes is bound to that netif
 * and to the VM's own address (never lwIP's "any"), so lwIP delivers a VM
 * only what arrives on its netif for its address, routes what it sends out
 * of its netif, and VMs never collide on ports.  "Address in use" is
 * therefore judged per VM, here, with Linux's rules (lwIP's own check is
 * relaxed by SOF_REUSEADDR on every PCB).  127.0.0.1 is the VM's own
 * address looped back inside its netif; sockets bound to it accept only
 * traffic from the VM itself and report 127.0.0.1.
 *
 * lwIP calls back (data, acks, connections, errors) while it runs; the
 * callbacks only update the socket record and its readiness.  Frames the
 * netifs send are queued and handed to `output` when the outermost entry
 * point is about to return, after looped-back packets have been
 * processed, and then each service whose readiness changed is notified
 * once.  So `output` may deliver to another service synchronously.
 *
 * Received data stays in the pbufs lwIP gave us (a queue per socket); the
 * window opens again (tcp_recved) as the guest consumes.  Connections a
 * listener completes wait in its queue, bounded by the backlog, until
 * NET_ACCEPT gives them a handle.
 *
 * Each request is decoded and checked before anything changes: handles
 * are looked up in the VM's table, lengths are bounded (NET_IO_MAX a call,
 * NET_IOV_MAX iovecs), addresses are checked as Linux does, and the
 * caller's memory is reached only through struct svc_mem.
 */
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "lwip/etharp.h"
#include "lwip/init.h"
#include "lwip/ip4.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/sys.h"
#include "lwip/timeouts.h"
#include "netif/ethernet.h"

#include <abi/bootinfo.h>

#include "net_int.h"

/* ------------------------------------------------------------------ */
/* The stack: entry points, deferred frames and notifications.        */

struct net_frame {
	struct net_frame *next;
	struct net_service *svc;
	size_t len;
	uint8_t data[];
};

/*
 * A quiet stack stops asking for timers: with no TCP connection open and
 * no frame in or out for NET_QUIET_MS, lwIP's remaining timers have nothing
 * urgent to do: a pending ARP entry lasts ARP_MAXPENDING (5 s), a partial
 * datagram IP_REASS_MAXAGE (5 s), and connections in TIME-WAIT (which the
 * TCP timer would wake for 4 times a second for 2 MSL) only stay longer:
 * TIME-WAIT is counted in TCP timer ticks, and lwIP reuses the oldest one
 * when it needs a PCB.  An idle VM then sleeps without waking at all; the
 * next frame runs the overdue timers once (lwIP restarts a late cyclic
 * timer instead of catching up).
 */
#define NET_QUIET_MS 6000u

static struct {
	int inited;
	int depth;        /* entry points in progress (nested through output) */
	u32_t last_frame; /* sys_now() of the last frame in or out */
	struct net_frame *fq_head, *fq_tail;
	struct net_service *services;
} stk;

int net_stack_init(void)
{
	if (!stk.inited) {
		lwip_init();
		stk.inited = 1;
		stk.last_frame = sys_now();
	}
	return 0;
}

static void stack_enter(void)
{
	stk.depth++;
}

/*
 * Hand the netif the packets it had looped back to itself when called, not
 * those they cause (lwIP's netif_poll takes those too, so two of a VM's
 * own connections that keep answering each other would never let it
 * return).  The rest waits for the next round.
 */
static void loop_poll_once(struct netif *nif)
{
	struct pbuf *in = nif->loop_first, *end, *next;

	nif->loop_first = nif->loop_last = NULL;
	while (in != NULL) {
		/* A packet is a chain of pbufs; the last one has len == tot_len. */
		for (end = in; end->len != end->tot_len && end->next; end = end->next)
			;
		next = end->next;
		end->next = NULL;
		in->if_idx = netif_get_index(nif);
		if (ip_input(in, nif) != ERR_OK)
			pbuf_free(in);
		in = next;
	}
}

/* Loop back what netifs sent themselves (one round); 1 if anything was pending. */
static int stack_poll_loopback(void)
{
	struct net_service *s;
	int any = 0;

	for (s = stk.services; s; s = s->next) {
		if (s->netif.loop_first != NULL) {
			loop_poll_once(&s->netif);
			any = 1;
		}
	}
	return any;
}

/* Whether looped-back packets are waiting (for a later round). */
static int stack_loopback_pending(void)
{
	for (struct net_service *s = stk.services; s; s = s->next)
		if (s->netif.loop_first != NULL)
			return 1;
	return 0;
}

/* Leaving the outermost entry point: deliver frames, then notify. */
static void stack_leave(void)
{
	struct net_service *s;
	struct net_frame *f;
	int rounds = 0;

	if (stk.depth > 1) {
		stk.depth--;
		return;
	}
	for (;;) {
		/* Looped-back traffic can answer itself: bound the rounds of the
		 * whole entry point; what is left waits for the next one (soon:
		 * net_stack_next_timer_ms is 0 meanwhile). */
		while (rounds < NET_LOOP_ROUNDS && stack_poll_loopback())
			rounds++;
		if ((f = stk.fq_head) != NULL) {
			stk.fq_head = f->next;
			if (stk.fq_head == NULL)
				stk.fq_tail = NULL;
			f->svc->output(f->svc->ctx, f->data, f->len);
			free(f);
			continue;
		}
		for (s = stk.services; s; s = s->next) {
			if (s->notify_pending)
				break;
		}
		if (s == NULL)
			break;
		s->notify_pending = 0;
		if (s->notify)
			s->notify(s->ctx);
	}
	stk.depth--;
}

static void tx_release(struct net_service *s);

void net_stack_timers(void)
{
	if (!stk.inited)
		return;
	stack_enter();
	sys_check_timeouts();
	/* Connections the VM closed are acknowledged without callbacks. */
	for (struct net_service *s = stk.services; s; s = s->next)
		if (s->tx_starved)
			tx_release(s);
	stack_leave();
}

int net_stack_next_timer_ms(void)
{
	u32_t t;

	if (!stk.inited)
		return -1;
	if (stack_loopback_pending())
		return 0;
	t = sys_timeouts_sleeptime();
	if (t == SYS_TIMEOUTS_SLEEPTIME_INFINITE)
		return -1;
	if (tcp_active_pcbs == NULL && (u32_t)(sys_now() - stk.last_frame) >= NET_QUIET_MS)
		return -1; /* quiet: see NET_QUIET_MS */
	return t > INT_MAX ? INT_MAX : (int)t;
}

/* ------------------------------------------------------------------ */
/* Readiness.                                                          */

static uint32_t sk_poll(const struct net_sock *sk)
{
	uint32_t m = 0;

	if (sk->err)
		m |= NET_POLLERR;
	if (sk->type == SOCK_DGRAM) {
		if (sk->rx_head)
			m |= NET_POLLIN | NET_POLLRDNORM;
		if (sk->shut_rd)
			m |= NET_POLLIN | NET_POLLRDNORM | NET_POLLRDHUP;
		if (sk->shut_rd && sk->shut_wr)
			m |= NET_POLLHUP;
		return m | NET_POLLOUT | NET_POLLWRNORM;
	}
	if (sk->state == SK_LISTEN)
		return m | (sk->aq_head ? NET_POLLIN | NET_POLLRDNORM : 0);
	/* Linux's tcp_poll, state by state. */
	if ((sk->shut_wr && (sk->rx_fin || sk->shut_rd)) || sk->state == SK_NEW ||
	    sk->state == SK_CLOSED)
		m |= NET_POLLHUP;
	if (sk->rx_fin || sk->shut_rd)
		m |= NET_POLLIN | NET_POLLRDNORM | NET_POLLRDHUP;
	if (sk->state != SK_CONNECTING) {
		if (sk->rx_bytes)
			m |= NET_POLLIN | NET_POLLRDNORM;
		if (sk->shut_wr || sk->state != SK_CONNECTED || sk->tcp == NULL)
			m |= NET_POLLOUT | NET_POLLWRNORM;
		else if (sk->tcp->snd_buf >= NET_SNDLOWAT &&
		         tcp_sndqueuelen(sk->tcp) < TCP_SNDQUEUELOWAT && !sk->svc->tx_starved)
			m |= NET_POLLOUT | NET_POLLWRNORM;
	}
	return m;
}

/* Publish socket h's readiness: revents, then its changed bit, then `any`. */
static void publish(struct net_service *s, int h, uint32_t bits)
{
	struct nanvix_net_state *st = s->state;

	if (st == NULL || s->dying)
		return;
	__atomic_store_n(&st->revents[h], bits, __ATOMIC_RELAXED);
	__atomic_fetch_or(&st->changed[h / 32], 1u << (h % 32), __ATOMIC_RELEASE);
	__atomic_fetch_or(&st->any, 1u << (h / 32), __ATOMIC_RELEASE);
	s->notify_pending = 1;
}

/* The socket's state changed: tell the guest (if it has a handle yet). */
static void sk_changed(struct net_sock *sk)
{
	if (sk->h > 0)
		publish(sk->svc, sk->h, sk_poll(sk));
}

/* ------------------------------------------------------------------ */
/* The netif.                                                          */

static err_t netif_linkoutput(struct netif *netif, struct pbuf *p)
{
	struct net_service *s = netif->state;
	struct net_frame *f;

	if (s->dying)
		return ERR_OK;
	f = malloc(sizeof(*f) + p->tot_len);
	if (f == NULL)
		return ERR_MEM;
	f->next = NULL;
	f->svc = s;
	f->len = pbuf_copy_partial(p, f->data, p->tot_len, 0);
	if (stk.fq_tail)
		stk.fq_tail->next = f;
	else
		stk.fq_head = f;
	stk.fq_tail = f;
	stk.last_frame = sys_now();
	s->stats.frames_out++;
	s->stats.bytes_out += f->len;
	return ERR_OK;
}

static err_t netif_setup(struct netif *netif)
{
	struct net_service *s = netif->state;

	netif->name[0] = 'v';
	netif->name[1] = 'm';
	netif->mtu = s->cfg.mtu;
	netif->hwaddr_len = ETH_HWADDR_LEN;
	memcpy(netif->hwaddr, s->cfg.mac, ETH_HWADDR_LEN);
	netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
	netif->output = etharp_output;
	netif->linkoutput = netif_linkoutput;
	return ERR_OK;
}

/* An address and MAC a service may take: unicast, not 0/8, 127/8 or class D/E. */
static bool address_ok(const struct net_service_config *cfg)
{
	uint32_t hip = ntohl(cfg->ip);

	return hip != 0 && (hip >> 24) != 127 && (hip >> 28) < 14 && hip != 0xffffffffu &&
	       !(cfg->mac[0] & 1);
}

struct net_service *net_service_new(const struct net_service_config *cfg,
                                    void (*output)(void *ctx, const void *frame, size_t len),
                                    void (*notify)(void *ctx), void *ctx,
                                    struct nanvix_net_state *state)
{
	struct net_service *s, *o;
	ip4_addr_t ip, mask, gw;
	int n;

	if (cfg == NULL || output == NULL)
		return NULL;
	if (!address_ok(cfg) || (cfg->mtu != 0 && (cfg->mtu < 576 || cfg->mtu > NET_MTU_MAX)))
		return NULL;
	net_stack_init();
	for (o = stk.services, n = 0; o; o = o->next, n++) {
		if (o->cfg.ip == cfg->ip || memcmp(o->cfg.mac, cfg->mac, 6) == 0)
			return NULL;
	}
	if (n >= NET_SERVICES_MAX) /* lwIP numbers netifs with a byte */
		return NULL;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->cfg = *cfg;
	if (s->cfg.mtu == 0)
		s->cfg.mtu = NET_MTU_MAX;
	s->rx_budget = s->cfg.rx_budget ? s->cfg.rx_budget : NET_RX_BUDGET;
	s->tx_budget = s->cfg.tx_budget ? s->cfg.tx_budget : NET_TX_BUDGET;
	s->output = output;
	s->notify = notify;
	s->ctx = ctx;
	s->state = state;
	if (state) {
		memset(state, 0, sizeof(*state));
		state->magic = NANVIX_NET_STATE_MAGIC;
		state->version = NANVIX_NET_ABI_VERSION;
		state->nsockets = NANVIX_NET_SOCKETS_MAX;
	}
	ip4_addr_set_u32(&ip, cfg->ip);
	ip4_addr_set_u32(&mask, cfg->netmask);
	ip4_addr_set_u32(&gw, cfg->gateway);
	stack_enter();
	if (netif_add(&s->netif, &ip, &mask, &gw, s, netif_setup, ethernet_input) == NULL) {
		stack_leave();
		free(s);
		return NULL;
	}
	s->next = stk.services;
	stk.services = s;
	netif_set_up(&s->netif);
	netif_set_link_up(&s->netif);
	stack_leave();
	return s;
}

int net_service_readdress(struct net_service *s, const struct net_service_config *cfg)
{
	ip4_addr_t ip, mask, gw;

	if (s == NULL || cfg == NULL || !address_ok(cfg))
		return -1;
	for (struct net_service *o = stk.services; o; o = o->next)
		if (o != s && (o->cfg.ip == cfg->ip || memcmp(o->cfg.mac, cfg->mac, 6) == 0))
			return -1;
	ip4_addr_set_u32(&ip, cfg->ip);
	ip4_addr_set_u32(&mask, cfg->netmask);
	ip4_addr_set_u32(&gw, cfg->gateway);
	stack_enter();
	netif_set_down(&s->netif);
	memcpy(s->netif.hwaddr, cfg->mac, ETH_HWADDR_LEN);
	memcpy(s->cfg.mac, cfg->mac, sizeof(s->cfg.mac));
	s->cfg.ip = cfg->ip;
	s->cfg.netmask = cfg->netmask;
	s->cfg.gateway = cfg->gateway;
	netif_set_addr(&s->netif, &ip, &mask, &gw);
	netif_set_up(&s->netif); /* announces the new address */
	stack_leave();
	return 0;
}

void net_service_input(struct net_service *s, const void *frame, size_t len)
{
	const uint8_t *b = frame;
	struct pbuf *p;

	if (s == NULL || frame == NULL || len < SIZEOF_ETH_HDR ||
	    len > (size_t)SIZEOF_ETH_HDR + s->cfg.mtu)
		return;
	stk.last_frame = sys_now();
	/* Unicast for another MAC: not ours (the switch should not send it). */
	if (!(b[0] & 1) && memcmp(b, s->cfg.mac, 6) != 0)
		return;
	/* lwIP reads an IPv4 or ARP header before checking it is all there. */
	if (b[12] == 0x08 && b[13] == 0x00) {
		if (len < SIZEOF_ETH_HDR + 20)
			return;
		/* 127/8 never comes from the wire (it would reach VM-local sockets). */
		if (b[SIZEOF_ETH_HDR + 12] == 127 || b[SIZEOF_ETH_HDR + 16] == 127)
			return;
	} else if (b[12] == 0x08 && b[13] == 0x06) {
		if (len < SIZEOF_ETH_HDR + 28)
			return;
	} else {
		return; /* IPv4 and ARP only */
	}
	/* Padded to Ethernet's minimum with zeros, as a NIC would deliver it. */
	p = pbuf_alloc(PBUF_RAW, (u16_t)(len < 60 ? 60 : len), PBUF_RAM);
	if (p == NULL)
		return;
	memset(p->payload, 0, p->len);
	memcpy(p->payload, frame, len);
	s->stats.frames_in++;
	s->stats.bytes_in += len;
	stack_enter();
	if (s->netif.input(p, &s->netif) != ERR_OK)
		pbuf_free(p);
	stack_leave();
}

/* ------------------------------------------------------------------ */
/* Sockets: records, handles and lwIP callbacks.                       */

static uint32_t own_ip(const struct net_service *s)
{
	return s->cfg.ip;
}

#define LOOPBACK_IP htonl(INADDR_LOOPBACK)

/* An address as the guest sees it: the VM's own is 127.0.0.1 on a loop socket. */
static uint32_t shown(const struct net_sock *sk, uint32_t ip)
{
	return (sk->loop && ip == own_ip(sk->svc)) ? LOOPBACK_IP : ip;
}

static int errno_of(err_t e)
{
	switch (e) {
	case ERR_OK: return 0;
	case ERR_MEM:
	case ERR_BUF: return ENOBUFS;
	case ERR_RTE: return ENETUNREACH;
	case ERR_USE: return EADDRINUSE;
	case ERR_ISCONN: return EISCONN;
	case ERR_CONN: return ENOTCONN;
	case ERR_RST: return ECONNRESET;
	case ERR_ABRT: return ECONNABORTED;
	case ERR_TIMEOUT: return ETIMEDOUT;
	case ERR_ALREADY:
	case ERR_INPROGRESS: return EALREADY;
	case ERR_WOULDBLOCK: return EAGAIN;
	default: return EINVAL;
	}
}

static struct net_sock *sk_alloc(struct net_service *s, int type)
{
	struct net_sock *sk = calloc(1, sizeof(*sk));

	if (sk == NULL)
		return NULL;
	sk->svc = s;
	sk->type = type;
	sk->state = SK_NEW;
	/* Linux's defaults (as getsockopt reports them). */
	sk->rcvbuf = type == SOCK_STREAM ? 131072 : 212992;
	sk->sndbuf = type == SOCK_STREAM ? 16384 : 212992;
	sk->rcvlowat = 1;
	sk->keepidle = 7200;
	sk->keepintvl = 75;
	sk->keepcnt = 9;
	sk->ttl = 64;
	return sk;
}

/* What a held buffer chain costs the host: its bytes and each pbuf's overhead. */
#define RX_PBUF_OVERHEAD 256
#define RX_RETRY_ROOM    (64u * 1024) /* free budget before refused data is offered again */

static uint32_t rx_charge(struct pbuf *p)
{
	return (uint32_t)p->tot_len + RX_PBUF_OVERHEAD * (uint32_t)pbuf_clen(p);
}

/* Free one held entry and give its charge back. */
static void rx_release(struct net_sock *sk, struct net_rx *r)
{
	sk->svc->rx_charged -= r->charge;
	pbuf_free(r->p);
	free(r);
}

static void rx_free(struct net_sock *sk)
{
	struct net_rx *r, *n;

	for (r = sk->rx_head; r; r = n) {
		n = r->next;
		rx_release(sk, r);
	}
	sk->rx_head = sk->rx_tail = NULL;
	sk->rx_bytes = sk->rx_off = 0;
}

/*
 * Data the budget refused waits in lwIP (a pcb's refused_data), which
 * offers it again only with the next segment or its 250 ms timer: once the
 * VM has read enough to be below the budget by a window's worth, offer it
 * now, connection by connection, while there is room.  At the end of an
 * entry point, never inside a callback.
 */
static void rx_retry(struct net_service *s)
{
	u8_t idx;
	struct tcp_pcb *pcb, *next;

	if (!s->rx_refused || s->rx_charged + RX_RETRY_ROOM > s->rx_budget)
		return;
	s->rx_refused = 0;
	idx = netif_get_index(&s->netif);
	for (pcb = tcp_active_pcbs; pcb; pcb = next) {
		next = pcb->next; /* the callback may close it */
		if (pcb->netif_idx == idx && pcb->refused_data) {
			if (s->rx_charged + RX_RETRY_ROOM > s->rx_budget) {
				s->rx_refused = 1;
				break;
			}
			if (tcp_process_refused_data(pcb) == ERR_ABRT)
				break; /* the list changed under us: the timer does the rest */
		}
	}
}

static int rx_push(struct net_sock *sk, struct pbuf *p, uint32_t addr, uint16_t port)
{
	struct net_service *s = sk->svc;
	uint32_t charge = rx_charge(p);
	struct net_rx *r;

	if (s->rx_charged + charge > s->rx_budget) {
		s->stats.rx_over_budget++;
		s->rx_refused = 1;
		return -ENOBUFS;
	}
	r = malloc(sizeof(*r));
	if (r == NULL)
		return -ENOMEM;
	s->rx_charged += charge;
	r->charge = charge;
	r->next = NULL;
	r->p = p;
	r->addr = addr;
	r->port = port;
	if (sk->rx_tail)
		sk->rx_tail->next = r;
	else
		sk->rx_head = r;
	sk->rx_tail = r;
	sk->rx_bytes += p->tot_len;
	return 0;
}

/* Forget the TCP PCB: lwIP finishes (or has finished) with it on its own. */
static void tcp_detach(struct net_sock *sk)
{
	struct tcp_pcb *pcb = sk->tcp;

	if (pcb == NULL)
		return;
	tcp_arg(pcb, NULL);
	if (pcb->state != LISTEN) {
		tcp_recv(pcb, NULL);
		tcp_sent(pcb, NULL);
		tcp_err(pcb, NULL);
		tcp_poll(pcb, NULL, 0);
	} else {
		tcp_accept(pcb, NULL);
	}
	sk->tcp = NULL;
}

static err_t cb_tcp_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct net_sock *sk = arg;

	if (sk == NULL) {
		if (p) {
			tcp_recved(pcb, p->tot_len);
			pbuf_free(p);
		}
		return ERR_OK;
	}
	if (p == NULL) {
		sk->rx_fin = 1;
		/* Both directions are done: the PCB goes to TIME_WAIT (or
		 * CLOSING) and lwIP frees it without telling us. */
		if (sk->shut_wr)
			tcp_detach(sk);
		sk_changed(sk);
		return ERR_OK;
	}
	if (rx_push(sk, p, 0, 0) < 0)
		return ERR_MEM; /* lwIP keeps the data and offers it again */
	sk_changed(sk);
	return ERR_OK;
}

static err_t cb_tcp_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	struct net_sock *sk = arg;

	if (sk) {
		if (sk->svc->tx_starved)
			tx_release(sk->svc);
		sk_changed(sk);
	}
	return ERR_OK;
}

/* lwIP freed the PCB: reset, refused, timed out, or closed at both ends. */
static void cb_tcp_err(void *arg, err_t err)
{
	struct net_sock *sk = arg;

	if (sk == NULL)
		return;
	sk->tcp = NULL;
	/* As Linux's tcp_reset: a reset after the peer's FIN, while we could
	 * still send (CLOSE_WAIT), is EPIPE. */
	if (err == ERR_RST)
		sk->err = sk->state == SK_CONNECTING   ? ECONNREFUSED
		          : sk->rx_fin && !sk->shut_wr ? EPIPE
		                                       : ECONNRESET;
	else if (err != ERR_CLSD)
		sk->err = ETIMEDOUT;
	sk->state = SK_CLOSED;
	sk->rx_fin = 1;
	sk->shut_wr = 1;
	sk_changed(sk);
}

static err_t cb_tcp_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct net_sock *sk = arg;

	if (sk == NULL)
		return ERR_OK;
	sk->state = SK_CONNECTED;
	sk->was_connected = 1;
	sk->local_ip = shown(sk, ip4_addr_get_u32(ip_2_ip4(&pcb->local_ip)));
	sk->local_port = pcb->local_port;
	sk_changed(sk);
	return ERR_OK;
}

static void tcp_callbacks(struct net_sock *sk, struct tcp_pcb *pcb)
{
	tcp_arg(pcb, sk);
	tcp_recv(pcb, cb_tcp_recv);
	tcp_sent(pcb, cb_tcp_sent);
	tcp_err(pcb, cb_tcp_err);
}

/* Apply the recorded options to a (non-listening) TCP PCB. */
static void tcp_apply_options(struct net_sock *sk, struct tcp_pcb *pcb)
{
	if (sk->nodelay)
		tcp_nagle_disable(pcb);
	else
		tcp_nagle_enable(pcb);
	if (sk->keepalive)
		ip_set_option(pcb, SOF_KEEPALIVE);
	else
		ip_reset_option(pcb, SOF_KEEPALIVE);
	pcb->keep_idle = (u32_t)sk->keepidle * 1000u;
	pcb->keep_intvl = (u32_t)sk->keepintvl * 1000u;
	pcb->keep_cnt = (u32_t)sk->keepcnt;
	pcb->tos = (u8_t)sk->tos;
	pcb->ttl = (u8_t)sk->ttl;
}

static err_t cb_tcp_accept(void *arg, struct tcp_pcb *newpcb, err_t err)
{
	struct net_sock *l = arg, *c;
	struct net_service *s;
	uint32_t rip;

	if (newpcb == NULL || err != ERR_OK)
		return ERR_VAL;
	if (l == NULL)
		goto out_abort;
	s = l->svc;
	rip = ip4_addr_get_u32(ip_2_ip4(&newpcb->remote_ip));
	/* Full queue (Linux drops; we reset), or a stranger at a VM-local listener. */
	if (l->aq_len >= l->backlog || s->pending >= NET_PENDING_MAX ||
	    (l->loop && rip != own_ip(s)))
		goto out_abort;
	c = sk_alloc(s, SOCK_STREAM);
	if (c == NULL)
		goto out_abort;
	c->state = SK_CONNECTED;
	c->was_connected = 1;
	c->accepted = 1;
	c->loop = l->loop;
	c->tcp = newpcb;
	c->bound = 1;
	c->local_ip = shown(c, ip4_addr_get_u32(ip_2_ip4(&newpcb->local_ip)));
	c->local_port = newpcb->local_port;
	c->has_peer = 1;
	c->peer_ip = shown(c, rip);
	c->peer_port = newpcb->remote_port;
	/* Inherited from the listener, as on Linux. */
	c->nodelay = l->nodelay;
	c->keepalive = l->keepalive;
	c->keepidle = l->keepidle;
	c->keepintvl = l->keepintvl;
	c->keepcnt = l->keepcnt;
	c->linger_on = l->linger_on;
	c->linger_secs = l->linger_secs;
	c->rcvbuf = l->rcvbuf;
	c->sndbuf = l->sndbuf;
	c->tos = l->tos;
	c->ttl = l->ttl;
	tcp_callbacks(c, newpcb);
	tcp_apply_options(c, newpcb);
	if (l->aq_tail)
		l->aq_tail->aq_next = c;
	else
		l->aq_head = c;
	l->aq_tail = c;
	l->aq_len++;
	s->pending++;
	sk_changed(l);
	return ERR_OK;

out_abort:
	tcp_abort(newpcb);
	return ERR_ABRT;
}

static void cb_udp_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
                        u16_t port)
{
	struct net_sock *sk = arg;
	uint32_t src = addr ? ip4_addr_get_u32(ip_2_ip4(addr)) : 0;

	if (sk == NULL || sk->rx_bytes + p->tot_len > (size_t)sk->rcvbuf ||
	    (sk->loop && src != own_ip(sk->svc)) || rx_push(sk, p, src, port) < 0) {
		pbuf_free(p);
		return;
	}
	sk_changed(sk);
}

/* A new TCP PCB for sk, bound to the VM's netif (and to its local port, if any). */
static int tcp_pcb_make(struct net_sock *sk)
{
	struct tcp_pcb *pcb = tcp_new_ip_type(IPADDR_TYPE_V4);

	if (pcb == NULL)
		return -ENOMEM;
	ip_set_option(pcb, SOF_REUSEADDR);
	tcp_bind_netif(pcb, &sk->svc->netif);
	tcp_callbacks(sk, pcb);
	tcp_apply_options(sk, pcb);
	sk->tcp = pcb;
	return 0;
}

/* The lowest free handle, or -ENFILE: the table is the VM's (every process
 * of it), Linux's system-wide file table, not a process's RLIMIT_NOFILE. */
static int handle_alloc(struct net_service *s)
{
	int h;

	for (h = 1; h < NANVIX_NET_SOCKETS_MAX; h++) {
		if (s->socks[h] == NULL)
			return h;
	}
	return -ENFILE;
}

static void handle_set(struct net_service *s, int h, struct net_sock *sk)
{
	s->socks[h] = sk;
	sk->h = h;
	s->stats.sockets_open++;
	if (s->stats.sockets_open > s->stats.sockets_max)
		s->stats.sockets_max = s->stats.sockets_open;
}

/* Tear a socket down (abort: RST for connections) and free it. */
static void sk_destroy(struct net_sock *sk, int abort)
{
	struct net_sock *c, *n;
	struct tcp_pcb *pcb;

	for (c = sk->aq_head; c; c = n) {
		n = c->aq_next;
		sk->svc->pending--;
		sk_destroy(c, 1);
	}
	sk->aq_head = sk->aq_tail = NULL;
	if (sk->tcp) {
		pcb = sk->tcp;
		tcp_detach(sk);
		if (pcb->state == LISTEN) {
			tcp_close(pcb);
		} else if (abort || sk->rx_bytes || (sk->linger_on && sk->linger_secs == 0)) {
			/* Unread data or a zero linger: reset, as Linux does. */
			tcp_abort(pcb);
		} else if (tcp_close(pcb) != ERR_OK) {
			tcp_abort(pcb);
		}
	}
	if (sk->udp) {
		udp_recv(sk->udp, NULL, NULL);
		udp_remove(sk->udp);
		sk->udp = NULL;
	}
	rx_free(sk);
	free(sk);
}

/* ------------------------------------------------------------------ */
/* The caller's memory.                                                */

static int mem_read(const struct svc_mem *m, uint64_t cr3, uint64_t ua, void *dst, size_t len)
{
	if (len == 0)
		return 0;
	if (ua == 0 || ua + len < ua)
		return -EFAULT;
	return m->read(m->ctx, cr3, ua, dst, len) < 0 ? -EFAULT : 0;
}

static int mem_write(const struct svc_mem *m, uint64_t cr3, uint64_t ua, const void *src,
                     size_t len)
{
	if (len == 0)
		return 0;
	if (ua == 0 || ua + len < ua)
		return -EFAULT;
	return m->write(m->ctx, cr3, ua, src, len) < 0 ? -EFAULT : 0;
}

/* A position in a list of the caller's buffers. */
struct cursor {
	const struct net_iov *v;
	size_t n, i;
	uint64_t off;
};

/* Move len bytes between src/dst and the buffers at the cursor: 0 or -EFAULT. */
static int cur_copy(const struct svc_mem *m, uint64_t cr3, struct cursor *c, void *buf, size_t len,
                    int to_guest)
{
	uint8_t *b = buf;
	size_t k;
	int rc;

	while (len > 0) {
		if (c->i >= c->n)
			return -EFAULT;
		if (c->off >= c->v[c->i].len) {
			c->i++;
			c->off = 0;
			continue;
		}
		k = c->v[c->i].len - c->off;
		if (k > len)
			k = len;
		rc = to_guest ? mem_write(m, cr3, c->v[c->i].base + c->off, b, k)
		              : mem_read(m, cr3, c->v[c->i].base + c->off, b, k);
		if (rc < 0)
			return rc;
		c->off += k;
		b += k;
		len -= k;
	}
	return 0;
}

/* Read a sockaddr of addrlen bytes (Linux's move_addr_to_kernel). */
static int read_addr(const struct svc_mem *m, uint64_t cr3, uint64_t ua, uint64_t addrlen,
                     struct sockaddr_in *sin)
{
	int len = (int)(uint32_t)addrlen;

	if (addrlen > UINT32_MAX || len < 0 || len > NET_ADDR_MAX)
		return -EINVAL;
	memset(sin, 0, sizeof(*sin));
	return mem_read(m, cr3, ua, sin, (size_t)len < sizeof(*sin) ? (size_t)len : sizeof(*sin));
}

/* Write an AF_INET address to (ua, *ualen) as Linux's move_addr_to_user. */
static int write_addr(const struct svc_mem *m, uint64_t cr3, uint64_t ua, uint64_t ualen,
                      uint32_t ip, uint16_t port, int none)
{
	struct sockaddr_in sin;
	int len, full = none ? 0 : (int)sizeof(sin);
	int rc;

	if ((rc = mem_read(m, cr3, ualen, &len, sizeof(len))) < 0)
		return rc;
	if (len < 0)
		return -EINVAL;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = ip;
	if ((rc = mem_write(m, cr3, ua, &sin, (size_t)(len < full ? len : full))) < 0)
		return rc;
	return mem_write(m, cr3, ualen, &full, sizeof(full));
}

/* ------------------------------------------------------------------ */
/* The calls.                                                          */

static int64_t op_socket(struct net_service *s, uint64_t domain, uint64_t type, uint64_t proto)
{
	struct net_sock *sk;
	int h, rc;

	if (type >= 11) /* SOCK_MAX; type flags are the kernel's */
		return -EINVAL;
	if (domain != AF_INET)
		return -EAFNOSUPPORT;
	if (type == SOCK_RAW)
		return -EPERM;
	if (type != SOCK_STREAM && type != SOCK_DGRAM)
		return -ESOCKTNOSUPPORT;
	if (proto != 0 && proto != (type == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP))
		return -EPROTONOSUPPORT;
	if ((h = handle_alloc(s)) < 0)
		return h;
	sk = sk_alloc(s, (int)type);
	if (sk == NULL)
		return -ENOMEM;
	if (type == SOCK_STREAM) {
		if ((rc = tcp_pcb_make(sk)) < 0) {
			free(sk);
			return rc;
		}
	} else {
		sk->udp = udp_new_ip_type(IPADDR_TYPE_V4);
		if (sk->udp == NULL) {
			free(sk);
			return -ENOMEM;
		}
		ip_set_option(sk->udp, SOF_REUSEADDR);
		udp_bind_netif(sk->udp, &s->netif);
		udp_recv(sk->udp, cb_udp_recv, sk);
		sk->udp->ttl = (u8_t)sk->ttl;
	}
	handle_set(s, h, sk);
	sk_changed(sk);
	return h;
}

static int64_t op_close(struct net_service *s, struct net_sock *sk)
{
	int h = sk->h;

	s->socks[h] = NULL;
	s->stats.sockets_open--;
	sk_destroy(sk, 0);
	publish(s, h, 0);
	return 0;
}

/* May sk take local port `port` (host order)?  Every address of a VM overlaps. */
static int port_free(struct net_service *s, struct net_sock *sk, uint16_t port, int listening)
{
	struct net_sock *o;
	int h;

	for (h = 1; h < NANVIX_NET_SOCKETS_MAX; h++) {
		o = s->socks[h];
		if (o == NULL || o == sk || o->type != sk->type || !o->bound || o->accepted ||
		    o->local_port != port)
			continue;
		if (listening) {
			/* bind let both have the port (SO_REUSEADDR): one may listen. */
			if (o->state == SK_LISTEN)
				return 0;
			continue;
		}
		if (sk->type == SOCK_STREAM && sk->reuseaddr && o->reuseaddr &&
		    o->state != SK_LISTEN)
			continue;
		if (sk->type == SOCK_DGRAM && sk->reuseaddr && o->reuseaddr)
			continue;
		return 0;
	}
	return 1;
}

/* Bind the lwIP PCB to the VM's address and `port` (0: an ephemeral one). */
static int pcb_bind(struct net_sock *sk, uint16_t port)
{
	ip_addr_t ip;
	err_t e;

	ip_addr_set_ip4_u32(&ip, own_ip(sk->svc));
	if (sk->type == SOCK_STREAM) {
		e = tcp_bind(sk->tcp, &ip, port);
		if (e == ERR_OK)
			sk->local_port = sk->tcp->local_port;
	} else {
		e = udp_bind(sk->udp, &ip, port);
		if (e == ERR_OK)
			sk->local_port = sk->udp->local_port;
	}
	if (e != ERR_OK)
		return e == ERR_BUF ? -EADDRINUSE : -errno_of(e);
	sk->bound = 1;
	return 0;
}

static int64_t op_bind(struct net_service *s, struct net_sock *sk, const struct svc_mem *m,
                       uint64_t cr3, uint64_t ua, uint64_t alen)
{
	struct sockaddr_in sin;
	uint16_t port;
	int rc;

	if ((int)(uint32_t)alen < (int)sizeof(sin) || alen > NET_ADDR_MAX)
		return -EINVAL;
	if ((rc = read_addr(m, cr3, ua, alen, &sin)) < 0)
		return rc;
	if (sin.sin_family != AF_INET &&
	    !(sin.sin_family == AF_UNSPEC && sin.sin_addr.s_addr == htonl(INADDR_ANY)))
		return -EAFNOSUPPORT;
	if (sk->bound || sk->state != SK_NEW || (sk->type == SOCK_STREAM && sk->tcp == NULL))
		return -EINVAL;
	if (sin.sin_addr.s_addr != htonl(INADDR_ANY) && sin.sin_addr.s_addr != own_ip(s) &&
	    sin.sin_addr.s_addr != LOOPBACK_IP)
		return -EADDRNOTAVAIL;
	port = ntohs(sin.sin_port);
	if (port != 0 && !port_free(s, sk, port, 0))
		return -EADDRINUSE;
	if ((rc = pcb_bind(sk, port)) < 0)
		return rc;
	sk->local_ip = sin.sin_addr.s_addr;
	sk->loop = sin.sin_addr.s_addr == LOOPBACK_IP;
	sk_changed(sk);
	return 0;
}

static int64_t op_listen(struct net_service *s, struct net_sock *sk, uint64_t backlog)
{
	struct tcp_pcb *lpcb;
	int b = (int)(uint32_t)backlog;
	err_t e;
	int rc;

	if (sk->type != SOCK_STREAM)
		return -EOPNOTSUPP;
	b = b < 0 ? 0 : b > NET_BACKLOG_MAX ? NET_BACKLOG_MAX : b;
	if (sk->state == SK_LISTEN) {
		sk->backlog = b + 1;
		return 0;
	}
	if (sk->state != SK_NEW || sk->tcp == NULL)
		return -EINVAL;
	if (sk->bound && !port_free(s, sk, sk->local_port, 1))
		return -EADDRINUSE;
	if (!sk->bound) {
		if ((rc = pcb_bind(sk, 0)) < 0)
			return rc;
		sk->local_ip = htonl(INADDR_ANY);
	}
	lpcb = tcp_listen_with_backlog_and_err(sk->tcp, 255, &e);
	if (lpcb == NULL)
		return e == ERR_USE ? -EADDRINUSE : -ENOBUFS;
	/* The old PCB is gone; the listening one takes its place. */
	sk->tcp = lpcb;
	tcp_arg(lpcb, sk);
	tcp_accept(lpcb, cb_tcp_accept);
	sk->state = SK_LISTEN;
	sk->backlog = b + 1;
	sk_changed(sk);
	return 0;
}

static int64_t op_accept(struct net_service *s, struct net_sock *l, const struct svc_mem *m,
                         uint64_t cr3, uint64_t ua, uint64_t ualen)
{
	struct net_sock *c;
	int h, len, rc;

	if (l->type != SOCK_STREAM)
		return -EOPNOTSUPP;
	if (l->state != SK_LISTEN)
		return -EINVAL;
	if (ua != 0) {
		if ((rc = mem_read(m, cr3, ualen, &len, sizeof(len))) < 0)
			return rc;
		if (len < 0)
			return -EINVAL;
	}
	if ((h = handle_alloc(s)) < 0)
		return h;
	if ((c = l->aq_head) == NULL)
		return -EAGAIN;
	if (ua != 0 && (rc = write_addr(m, cr3, ua, ualen, c->peer_ip, c->peer_port, 0)) < 0)
		return rc;
	l->aq_head = c->aq_next;
	if (l->aq_head == NULL)
		l->aq_tail = NULL;
	c->aq_next = NULL;
	l->aq_len--;
	s->pending--;
	handle_set(s, h, c);
	sk_changed(c);
	sk_changed(l);
	return h;
}

/* An address the guest names as a destination, in lwIP's terms. */
static int dest_ip(struct net_sock *sk, uint32_t ip, ip_addr_t *out, int *loop)
{
	struct net_service *s = sk->svc;
	uint32_t h = ntohl(ip);

	*loop = 0;
	if (ip == htonl(INADDR_ANY) || ip == LOOPBACK_IP) {
		*loop = 1;
		ip = own_ip(s);
	} else if ((h >> 24) == 127) {
		return -ENETUNREACH;
	}
	ip_addr_set_ip4_u32(out, ip);
	return 0;
}

static int is_broadcast(struct net_service *s, uint32_t ip)
{
	return ip == htonl(INADDR_BROADCAST) ||
	       (s->cfg.netmask != 0xffffffffu && (ip & ~s->cfg.netmask) == ~s->cfg.netmask);
}

static int64_t op_connect(struct net_service *s, struct net_sock *sk, const struct svc_mem *m,
                          uint64_t cr3, uint64_t ua, uint64_t alen)
{
	struct sockaddr_in sin;
	ip_addr_t ip;
	int loop, rc;
	err_t e;

	if ((int)(uint32_t)alen < (int)sizeof(sa_family_t) || alen > NET_ADDR_MAX)
		return -EINVAL;
	if ((rc = read_addr(m, cr3, ua, alen, &sin)) < 0)
		return rc;
	if (sk->type == SOCK_DGRAM && sin.sin_family == AF_UNSPEC) {
		udp_disconnect(sk->udp);
		sk->has_peer = 0;
		if (sk->local_auto) { /* Linux resets an address it chose */
			sk->local_ip = htonl(INADDR_ANY);
			sk->local_auto = 0;
		}
		return 0;
	}
	if (sk->type == SOCK_STREAM && sin.sin_family == AF_UNSPEC) {
		/* Linux disconnects; not supported here. */
		return sk->state == SK_CONNECTED ? -EOPNOTSUPP : 0;
	}
	if (alen < sizeof(sin))
		return -EINVAL;
	if (sin.sin_family != AF_INET)
		return -EAFNOSUPPORT;

	if (sk->type == SOCK_DGRAM) {
		if (is_broadcast(s, sin.sin_addr.s_addr) && !sk->broadcast)
			return -EACCES;
		if ((rc = dest_ip(sk, sin.sin_addr.s_addr, &ip, &loop)) < 0)
			return rc;
		if (!sk->bound && (rc = pcb_bind(sk, 0)) < 0)
			return rc;
		e = udp_connect(sk->udp, &ip, ntohs(sin.sin_port));
		if (e != ERR_OK)
			return -errno_of(e);
		sk->has_peer = 1;
		sk->peer_ip = loop ? LOOPBACK_IP : sin.sin_addr.s_addr;
		sk->peer_port = ntohs(sin.sin_port);
		if (loop && sk->local_ip == htonl(INADDR_ANY))
			sk->loop = 1;
		if (sk->local_ip == htonl(INADDR_ANY)) {
			/* As Linux: the route's source address, until a disconnect. */
			sk->local_ip = loop ? LOOPBACK_IP : own_ip(s);
			sk->local_auto = 1;
		}
		return 0;
	}

	switch (sk->state) {
	case SK_LISTEN: return -EISCONN;
	case SK_CONNECTING: return -EALREADY;
	case SK_CONNECTED:
		if (sk->connect_pending) {
			sk->connect_pending = 0;
			return 0;
		}
		return -EISCONN;
	case SK_CLOSED:
		if (sk->err) {
			rc = sk->err;
			sk->err = 0;
			sk->connect_pending = 0;
			sk_changed(sk);
			return -rc;
		}
		if (sk->was_connected)
			return -EISCONN;
		if (sk->connect_pending) {
			/* The failure was read through SO_ERROR: Linux says so once. */
			sk->connect_pending = 0;
			return -ECONNABORTED;
		}
		break;
	case SK_NEW: break;
	}
	if (is_broadcast(s, sin.sin_addr.s_addr) || IN_MULTICAST(ntohl(sin.sin_addr.s_addr)))
		return -ENETUNREACH;
	if ((rc = dest_ip(sk, sin.sin_addr.s_addr, &ip, &loop)) < 0)
		return rc;
	if (sin.sin_port == 0)
		return -ECONNREFUSED;
	if (sk->state == SK_CLOSED) {
		/* A failed attempt freed the PCB: start again with a new one. */
		if ((rc = tcp_pcb_make(sk)) < 0)
			return rc;
		sk->state = SK_NEW;
		sk->rx_fin = sk->shut_wr = sk->shut_rd = 0;
		rx_free(sk);
		if (sk->bound && (rc = pcb_bind(sk, sk->local_port)) < 0)
			return rc;
	}
	if (!sk->bound) {
		if ((rc = pcb_bind(sk, 0)) < 0)
			return rc;
		sk->local_ip = htonl(INADDR_ANY);
	}
	e = tcp_connect(sk->tcp, &ip, ntohs(sin.sin_port), cb_tcp_connected);
	if (e != ERR_OK)
		return e == ERR_BUF ? -EADDRNOTAVAIL : -errno_of(e);
	if (loop)
		sk->loop = 1;
	sk->state = SK_CONNECTING;
	sk->connect_pending = 1;
	sk->has_peer = 1;
	sk->peer_ip = loop ? LOOPBACK_IP : sin.sin_addr.s_addr;
	sk->peer_port = ntohs(sin.sin_port);
	sk->local_ip = shown(sk, own_ip(s));
	sk_changed(sk);
	return -EINPROGRESS;
}

/* Whether [ua, ua+len) lies in user space (Linux's access_ok; len 0 always does). */
static int user_range(uint64_t ua, uint64_t len)
{
	return len == 0 || (ua < NANVIX_USER_TOP && len <= NANVIX_USER_TOP - ua);
}

/*
 * Total length of the buffers, capped at NET_IO_MAX: -EINVAL for a
 * negative one, then -EFAULT for one that leaves user space (in this
 * order, as Linux's import_iovec).
 */
static int64_t iov_total(const struct net_iov *v, size_t n)
{
	uint64_t t = 0;
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].len > (uint64_t)INT64_MAX)
			return -EINVAL;
	for (i = 0; i < n; i++) {
		if (!user_range(v[i].base, v[i].len))
			return -EFAULT;
		t += v[i].len;
		if (t > NET_IO_MAX)
			t = NET_IO_MAX;
	}
	return (int64_t)t;
}

/*
 * The per-VM send budget.  Data a VM's connections hold to send or see
 * acknowledged stays on this side (for sockets it closed too, until lwIP
 * is done with them), so it is bounded per VM, not only per socket.
 * tx_bound is an upper bound (sends add to it; nothing else can make the
 * held data grow), set to the exact figure by walking the VM's connections
 * (tx_exact) only when the bound says the budget is reached: once per
 * budget's worth of data sent, or per send while the VM is near it.  A VM out of budget is "starved": none of its streams
 * reports POLLOUT (so blocked senders sleep) until TX_RETRY_ROOM is free
 * again, seen on an acknowledgement or by the timers.
 */
#define TX_RETRY_ROOM (64u * 1024)

static size_t tx_exact(const struct net_service *s)
{
	u8_t idx = netif_get_index(&s->netif);
	size_t held = 0;

	for (const struct tcp_pcb *pcb = tcp_active_pcbs; pcb; pcb = pcb->next)
		if (pcb->netif_idx == idx)
			held += TCP_SND_BUF - pcb->snd_buf;
	return held;
}

/* Every stream of the VM publishes its readiness again (POLLOUT follows tx_starved). */
static void tx_starve(struct net_service *s, int starved)
{
	if (s->tx_starved == starved)
		return;
	s->tx_starved = starved;
	for (int h = 1; h < NANVIX_NET_SOCKETS_MAX; h++)
		if (s->socks[h] && s->socks[h]->type == SOCK_STREAM)
			sk_changed(s->socks[h]);
}

static void tx_release(struct net_service *s)
{
	s->tx_bound = tx_exact(s);
	if (s->tx_bound + TX_RETRY_ROOM <= s->tx_budget)
		tx_starve(s, 0);
}

/* Bytes the VM may still queue (0: starved now). */
static size_t tx_room(struct net_service *s, size_t want)
{
	if (s->tx_bound + want > s->tx_budget)
		s->tx_bound = tx_exact(s);
	if (s->tx_bound < s->tx_budget)
		return s->tx_budget - s->tx_bound;
	s->stats.tx_over_budget++;
	tx_starve(s, 1);
	return 0;
}

static int64_t tcp_send_call(struct net_sock *sk, const struct svc_mem *m, uint64_t cr3,
                             struct cursor *c, size_t total, int flags)
{
	struct net_service *s = sk->svc;
	struct tcp_pcb *pcb = sk->tcp;
	size_t sent = 0, room, n, k;
	const void *src;
	err_t e;
	int rc;

	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (sk->state == SK_CONNECTING)
		return -EAGAIN;
	if (sk->err) {
		rc = sk->err;
		sk->err = 0;
		sk_changed(sk);
		return -rc;
	}
	if (sk->shut_wr || sk->state != SK_CONNECTED || pcb == NULL)
		return -EPIPE;
	if (total == 0)
		return 0;
	room = pcb->snd_buf;
	if (room == 0 || tcp_sndqueuelen(pcb) >= TCP_SND_QUEUELEN - 2)
		return -EAGAIN;
	n = tx_room(s, total < room ? total : room);
	if (n == 0) {
		sk_changed(sk);
		return -EAGAIN;
	}
	if (room > n)
		room = n;
	while (sent < total && sent < room) {
		n = total - sent;
		if (n > room - sent)
			n = room - sent;
		if (n > NET_CHUNK)
			n = NET_CHUNK;
		src = NULL;
		if (m->map) {
			/* Straight from the caller's memory when it is one range. */
			while (c->i < c->n && c->off >= c->v[c->i].len) {
				c->i++;
				c->off = 0;
			}
			if (c->i < c->n) {
				k = c->v[c->i].len - c->off;
				if (k < n)
					n = k;
				src = m->map(m->ctx, cr3, c->v[c->i].base + c->off, n, 0);
				if (src)
					c->off += n;
			}
		}
		if (src == NULL) {
			if ((rc = cur_copy(m, cr3, c, s->bounce, n, 0)) < 0)
				return sent ? (int64_t)sent : rc;
			src = s->bounce;
		}
		e = tcp_write(pcb, src, (u16_t)n,
		              TCP_WRITE_FLAG_COPY | (sent + n < total ? TCP_WRITE_FLAG_MORE : 0));
		if (e != ERR_OK) {
			if (sent == 0)
				return e == ERR_MEM ? -EAGAIN : -errno_of(e);
			break;
		}
		sent += n;
		s->tx_bound += n;
	}
	tcp_output(pcb);
	sk_changed(sk);
	return (int64_t)sent;
}

static int64_t udp_send_call(struct net_sock *sk, const struct svc_mem *m, uint64_t cr3,
                             struct cursor *c, size_t total, int flags,
                             const struct sockaddr_in *to)
{
	struct net_service *s = sk->svc;
	uint32_t dip;
	uint16_t dport;
	ip_addr_t ip;
	struct pbuf *p;
	int loop, rc;
	err_t e;

	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (to) {
		dip = to->sin_addr.s_addr;
		dport = ntohs(to->sin_port);
	} else if (sk->has_peer) {
		dip = sk->peer_ip;
		dport = sk->peer_port;
	} else {
		return -EDESTADDRREQ;
	}
	if (sk->shut_wr)
		return -EPIPE;
	if (total > NET_UDP_MAX)
		return -EMSGSIZE;
	if (dport == 0)
		return -EINVAL;
	if (is_broadcast(s, dip) && !sk->broadcast)
		return -EACCES;
	if ((rc = dest_ip(sk, dip, &ip, &loop)) < 0)
		return rc;
	if (!sk->bound && (rc = pcb_bind(sk, 0)) < 0)
		return rc;
	p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)total, PBUF_RAM);
	if (p == NULL)
		return -ENOBUFS;
	if ((rc = cur_copy(m, cr3, c, p->payload, total, 0)) < 0) {
		pbuf_free(p);
		return rc;
	}
	e = udp_sendto(sk->udp, p, &ip, dport);
	pbuf_free(p);
	if (e != ERR_OK)
		return e == ERR_MEM ? -ENOBUFS : -errno_of(e);
	return (int64_t)total;
}

/* Copy up to len bytes of the receive queue to the cursor, from the start. */
static int64_t tcp_peek_into(struct net_sock *sk, const struct svc_mem *m, uint64_t cr3,
                             struct cursor *c, size_t len)
{
	size_t done = 0, skip = sk->rx_off, k;
	struct net_rx *r;
	struct pbuf *q;
	int rc;

	for (r = sk->rx_head; r && done < len; r = r->next) {
		for (q = r->p; q && done < len; q = q->next) {
			if (skip >= q->len) {
				skip -= q->len;
				continue;
			}
			k = q->len - skip;
			if (k > len - done)
				k = len - done;
			if ((rc = cur_copy(m, cr3, c, (uint8_t *)q->payload + skip, k, 1)) < 0)
				return done ? (int64_t)done : rc;
			skip = 0;
			done += k;
		}
	}
	return (int64_t)done;
}

/* The guest consumed n bytes: drop them and open the window again. */
static void tcp_consume(struct net_sock *sk, size_t n)
{
	struct net_rx *r;
	size_t left = n, k, w;

	while (left > 0 && (r = sk->rx_head) != NULL) {
		k = r->p->tot_len - sk->rx_off;
		if (k > left) {
			sk->rx_off += left;
			break;
		}
		left -= k;
		sk->rx_off = 0;
		sk->rx_head = r->next;
		if (sk->rx_head == NULL)
			sk->rx_tail = NULL;
		rx_release(sk, r);
	}
	sk->rx_bytes -= n;
	for (left = n; left > 0 && sk->tcp; left -= w) {
		w = left > 0xffff ? 0xffff : left;
		tcp_recved(sk->tcp, (u16_t)w);
	}
}

static int64_t tcp_recv_call(struct net_sock *sk, const struct svc_mem *m, uint64_t cr3,
                             struct cursor *c, size_t total, int flags)
{
	int64_t n;
	int rc;

	if (flags & MSG_OOB)
		return -EINVAL;
	if (flags & MSG_ERRQUEUE)
		return -EAGAIN;
	if (sk->state == SK_LISTEN)
		return -ENOTCONN;
	if (sk->rx_bytes > 0) {
		if (total == 0)
			return 0;
		n = tcp_peek_into(sk, m, cr3, c, total < sk->rx_bytes ? total : sk->rx_bytes);
		if (n > 0 && !(flags & MSG_PEEK)) {
			tcp_consume(sk, (size_t)n);
			sk_changed(sk);
		}
		return n;
	}
	if (sk->err) {
		rc = sk->err;
		sk->err = 0;
		sk_changed(sk);
		return -rc;
	}
	if (sk->rx_fin || sk->shut_rd)
		return 0;
	if (sk->state == SK_NEW || sk->state == SK_CLOSED)
		return -ENOTCONN;
	return total == 0 ? 0 : -EAGAIN;
}

static int64_t udp_recv_call(struct net_sock *sk, const struct svc_mem *m, uint64_t cr3,
                             struct cursor *c, size_t total, int flags, uint32_t *from_ip,
                             uint16_t *from_port, int *msg_flags)
{
	struct net_rx *r = sk->rx_head;
	size_t dlen, n;
	int rc;

	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (flags & MSG_ERRQUEUE)
		return -EAGAIN;
	if (r == NULL)
		return sk->shut_rd ? 0 : -EAGAIN;
	dlen = r->p->tot_len;
	n = total < dlen ? total : dlen;
	if (pbuf_copy_partial(r->p, sk->svc->bounce, (u16_t)n, 0) != n)
		return -EIO;
	if ((rc = cur_copy(m, cr3, c, sk->svc->bounce, n, 1)) < 0)
		return rc;
	*from_ip = shown(sk, r->addr);
	*from_port = r->port;
	if (n < dlen)
		*msg_flags |= MSG_TRUNC;
	if (!(flags & MSG_PEEK)) {
		sk->rx_head = r->next;
		if (sk->rx_head == NULL)
			sk->rx_tail = NULL;
		sk->rx_bytes -= dlen;
		rx_release(sk, r);
		sk_changed(sk);
	}
	return (flags & MSG_TRUNC) ? (int64_t)dlen : (int64_t)n;
}

/* send/sendto/sendmsg after decoding: v[0..n) buffers, `to` NULL or a destination. */
static int64_t do_send(struct net_sock *sk, const struct svc_mem *m, uint64_t cr3,
                       const struct net_iov *v, size_t n, int flags, const struct sockaddr_in *to)
{
	struct cursor c = { v, n, 0, 0 };
	int64_t total = iov_total(v, n);

	if (total < 0)
		return total;
	if (sk->type == SOCK_STREAM)
		return tcp_send_call(sk, m, cr3, &c, (size_t)total, flags);
	return udp_send_call(sk, m, cr3, &c, (size_t)total, flags, to);
}

static int64_t do_recv(struct net_sock *sk, const struct svc_mem *m, uint64_t cr3,
                       const struct net_iov *v, size_t n, int flags, uint32_t *from_ip,
                       uint16_t *from_port, int *msg_flags)
{
	struct cursor c = { v, n, 0, 0 };
	int64_t total = iov_total(v, n);

	if (total < 0)
		return total;
	if (sk->type == SOCK_STREAM)
		return tcp_recv_call(sk, m, cr3, &c, (size_t)total, flags);
	return udp_recv_call(sk, m, cr3, &c, (size_t)total, flags, from_ip, from_port, msg_flags);
}

/* A destination address for sendto/sendmsg: NULL (none) or sin; -errno. */
static int send_dest(struct net_sock *sk, const struct svc_mem *m, uint64_t cr3, uint64_t ua,
                     uint64_t alen, struct sockaddr_in *sin, const struct sockaddr_in **to)
{
	int rc;

	*to = NULL;
	if (ua == 0)
		return 0;
	if ((int)(uint32_t)alen < 0 || alen > NET_ADDR_MAX)
		return -EINVAL;
	if (sk->type == SOCK_STREAM)
		return 0; /* Linux ignores it for a connected stream */
	if (alen < sizeof(*sin))
		return -EINVAL;
	if ((rc = read_addr(m, cr3, ua, alen, sin)) < 0)
		return rc;
	if (sin->sin_family == AF_UNSPEC)
		return 0;
	if (sin->sin_family != AF_INET)
		return -EAFNOSUPPORT;
	*to = sin;
	return 0;
}

static int64_t op_sendto(struct net_sock *sk, const struct svc_mem *m, uint64_t cr3, int flags,
                         uint64_t buf, uint64_t len, uint64_t ua, uint64_t alen)
{
	struct sockaddr_in sin;
	const struct sockaddr_in *to;
	struct net_iov v = { buf, len };
	int rc;

	/* Linux's import_single_range: the length clamped, then the range checked. */
	if (!user_range(buf, len > NET_RW_MAX ? NET_RW_MAX : len))
		return -EFAULT;
	if ((rc = send_dest(sk, m, cr3, ua, alen, &sin, &to)) < 0)
		return rc;
	if (v.len > NET_IO_MAX)
		v.len = sk->type == SOCK_STREAM ? NET_IO_MAX : NET_UDP_MAX + 1;
	return do_send(sk, m, cr3, &v, 1, flags, to);
}

static int64_t op_recvfrom(struct net_sock *sk, const struct svc_mem *m, uint64_t cr3, int flags,
                           uint64_t buf, uint64_t len, uint64_t ua, uint64_t ualen)
{
	struct net_iov v = { buf, len > NET_IO_MAX ? NET_IO_MAX : len };
	uint32_t fip = 0;
	uint16_t fport = 0;
	int mflags = 0, alen, rc;
	int64_t n;

	if (!user_range(buf, len > NET_RW_MAX ? NET_RW_MAX : len))
		return -EFAULT;
	if (ua != 0) {
		if ((rc = mem_read(m, cr3, ualen, &alen, sizeof(alen))) < 0)
			return rc;
		if (alen < 0)
			return -EINVAL;
	}
	n = do_recv(sk, m, cr3, &v, 1, flags, &fip, &fport, &mflags);
	if (n >= 0 && ua != 0 &&
	    (rc = write_addr(m, cr3, ua, ualen, fip, fport, sk->type == SOCK_STREAM)) < 0)
		return rc;
	return n;
}

/* struct msghdr, Linux x86-64 layout. */
struct net_msghdr {
	uint64_t name;
	uint32_t namelen;
	uint32_t pad;
	uint64_t iov;
	uint64_t iovlen;
	uint64_t control;
	uint64_t controllen;
	int32_t flags;
	uint32_t pad2;
};

/* Read a msghdr and its iovecs into s->iov. */
static int read_msg(struct net_service *s, const struct svc_mem *m, uint64_t cr3, uint64_t ua,
                    struct net_msghdr *mh)
{
	int rc;

	if ((rc = mem_read(m, cr3, ua, mh, sizeof(*mh))) < 0)
		return rc;
	if (mh->iovlen > NET_IOV_MAX)
		return -EMSGSIZE;
	if (mh->iovlen && mh->iov == 0)
		return -EFAULT;
	return mem_read(m, cr3, mh->iov, s->iov, (size_t)mh->iovlen * sizeof(struct net_iov));
}

/* readv/writev: the caller's iovec array as one receive or send, flags 0. */
static int64_t op_vector(struct net_service *s, struct net_sock *sk, const struct svc_mem *m,
                         uint64_t cr3, uint64_t uiov, uint64_t cnt, int writing)
{
	uint32_t fip;
	uint16_t fport;
	int mflags = 0, rc;

	if (cnt > NET_IOV_MAX)
		return -EINVAL; /* Linux: UIO_MAXIOV */
	if (cnt && uiov == 0)
		return -EFAULT;
	if ((rc = mem_read(m, cr3, uiov, s->iov, (size_t)cnt * sizeof(struct net_iov))) < 0)
		return rc;
	if (writing)
		return do_send(sk, m, cr3, s->iov, (size_t)cnt, 0, NULL);
	return do_recv(sk, m, cr3, s->iov, (size_t)cnt, 0, &fip, &fport, &mflags);
}

static int64_t op_sendmsg(struct net_service *s, struct net_sock *sk, const struct svc_mem *m,
                          uint64_t cr3, uint64_t ua, int flags)
{
	struct net_msghdr mh;
	struct sockaddr_in sin;
	const struct sockaddr_in *to;
	int rc;

	if ((rc = read_msg(s, m, cr3, ua, &mh)) < 0)
		return rc;
	/* As Linux's copy_msghdr_from_user: negative is wrong, too long is clamped. */
	if ((int32_t)mh.namelen < 0)
		return -EINVAL;
	if (mh.namelen > NET_ADDR_MAX)
		mh.namelen = NET_ADDR_MAX;
	if ((rc = send_dest(sk, m, cr3, mh.name, mh.namelen, &sin, &to)) < 0)
		return rc;
	return do_send(sk, m, cr3, s->iov, (size_t)mh.iovlen, flags, to);
}

static int64_t op_recvmsg(struct net_service *s, struct net_sock *sk, const struct svc_mem *m,
                          uint64_t cr3, uint64_t ua, int flags)
{
	struct net_msghdr mh;
	struct sockaddr_in sin;
	uint32_t fip = 0, namelen;
	uint16_t fport = 0;
	uint64_t zero = 0;
	int mflags = 0, rc;
	int64_t n;

	if ((rc = read_msg(s, m, cr3, ua, &mh)) < 0)
		return rc;
	if ((int32_t)mh.namelen < 0)
		return -EINVAL;
	n = do_recv(sk, m, cr3, s->iov, (size_t)mh.iovlen, flags, &fip, &fport, &mflags);
	if (n < 0)
		return n;
	namelen = 0;
	if (mh.name != 0 && sk->type == SOCK_DGRAM) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_addr.s_addr = fip;
		sin.sin_port = htons(fport);
		if ((rc = mem_write(m, cr3, mh.name, &sin,
		                    mh.namelen < sizeof(sin) ? mh.namelen : sizeof(sin))) < 0)
			return rc;
		namelen = sizeof(sin);
	}
	if ((rc = mem_write(m, cr3, ua + offsetof(struct net_msghdr, namelen), &namelen,
	                    sizeof(namelen))) < 0 ||
	    (rc = mem_write(m, cr3, ua + offsetof(struct net_msghdr, controllen), &zero,
	                    sizeof(zero))) < 0 ||
	    (rc = mem_write(m, cr3, ua + offsetof(struct net_msghdr, flags), &mflags,
	                    sizeof(mflags))) < 0)
		return rc;
	return n;
}

static int64_t op_shutdown(struct net_sock *sk, uint64_t how)
{
	err_t e;

	if (how > SHUT_RDWR)
		return -EINVAL;
	if (sk->type == SOCK_DGRAM) {
		if (how != SHUT_WR)
			sk->shut_rd = 1;
		if (how != SHUT_RD)
			sk->shut_wr = 1;
		sk_changed(sk);
		return sk->has_peer ? 0 : -ENOTCONN;
	}
	switch (sk->state) {
	case SK_LISTEN: return 0;
	case SK_NEW:
	case SK_CLOSED: return -ENOTCONN;
	case SK_CONNECTING:
	case SK_CONNECTED: break;
	}
	if (how != SHUT_RD && !sk->shut_wr) {
		if (sk->tcp && sk->state == SK_CONNECTED) {
			e = tcp_shutdown(sk->tcp, 0, 1);
			if (e != ERR_OK)
				return -ENOBUFS;
			tcp_output(sk->tcp);
		}
		sk->shut_wr = 1;
		/* Already finished by the peer: lwIP takes the PCB to TIME_WAIT or LAST_ACK. */
		if (sk->rx_fin && sk->tcp && sk->tcp->state != LAST_ACK)
			tcp_detach(sk);
	}
	if (how != SHUT_WR)
		sk->shut_rd = 1;
	sk_changed(sk);
	return 0;
}

static int64_t op_name(struct net_sock *sk, const struct svc_mem *m, uint64_t cr3, uint64_t ua,
                       uint64_t ualen, int peer)
{
	if (ua == 0 || ualen == 0)
		return -EFAULT;
	if (!peer)
		return write_addr(m, cr3, ua, ualen, sk->bound ? sk->local_ip : 0,
		                  sk->bound ? sk->local_port : 0, 0);
	if (!sk->has_peer || (sk->type == SOCK_STREAM && sk->state != SK_CONNECTED))
		return -ENOTCONN;
	return write_addr(m, cr3, ua, ualen, sk->peer_ip, sk->peer_port, 0);
}

/* Linux's SO_RCVBUF/SO_SNDBUF arithmetic: doubled, clamped. */
static int buf_size(int v, int min)
{
	int64_t d = (int64_t)v * 2;

	if (d < min)
		return min;
	return d > 425984 ? 425984 : (int)d;
}

static int64_t op_setsockopt(struct net_sock *sk, const struct svc_mem *m, uint64_t cr3,
                             uint64_t level, uint64_t name, uint64_t ua, uint64_t optlen)
{
	struct linger lg;
	struct tcp_pcb *pcb = sk->tcp;
	int len = (int)(uint32_t)optlen, v = 0, rc, *slot = NULL;

	if (optlen > UINT32_MAX || len < 0)
		return -EINVAL;
	if (level == SOL_SOCKET && name == SO_LINGER) {
		if ((size_t)len < sizeof(lg))
			return -EINVAL;
		if ((rc = mem_read(m, cr3, ua, &lg, sizeof(lg))) < 0)
			return rc;
		sk->linger_on = lg.l_onoff != 0;
		sk->linger_secs = lg.l_linger < 0 ? 0 : lg.l_linger;
		return 0;
	}
	if (level == SOL_SOCKET && (name == SO_RCVTIMEO || name == SO_SNDTIMEO)) {
		if (len < 16)
			return -EINVAL;
		return mem_read(m, cr3, ua, name == SO_RCVTIMEO ? sk->rcvtimeo : sk->sndtimeo, 16);
	}
	if (level == IPPROTO_TCP && name == 13 /* TCP_CONGESTION: a name */)
		return sk->type == SOCK_STREAM ? 0 : -ENOPROTOOPT;
	if (len < (int)sizeof(int))
		return -EINVAL;
	if ((rc = mem_read(m, cr3, ua, &v, sizeof(v))) < 0)
		return rc;
	if (pcb && pcb->state == LISTEN)
		pcb = NULL; /* a listening PCB has no such fields */

	if (level == SOL_SOCKET) {
		switch (name) {
		case SO_REUSEADDR: sk->reuseaddr = v != 0; return 0;
		case SO_REUSEPORT: sk->reuseport = v != 0; return 0;
		case SO_KEEPALIVE:
			sk->keepalive = v != 0;
			if (pcb)
				tcp_apply_options(sk, pcb);
			return 0;
		case SO_BROADCAST: sk->broadcast = v != 0; return 0;
		case SO_RCVBUF: sk->rcvbuf = buf_size(v, 2304); return 0;
		case SO_SNDBUF: sk->sndbuf = buf_size(v, 4608); return 0;
		case SO_RCVLOWAT: sk->rcvlowat = v < 1 ? 1 : v; return 0;
		case SO_OOBINLINE: sk->oobinline = v != 0; return 0;
		case SO_DONTROUTE: sk->dontroute = v != 0; return 0;
		case SO_DEBUG: sk->debug = v != 0; return 0;
		case SO_PRIORITY:
		case SO_TIMESTAMP: return 0;
		default: return -ENOPROTOOPT;
		}
	}
	if (level == IPPROTO_TCP) {
		if (sk->type != SOCK_STREAM)
			return -ENOPROTOOPT;
		switch (name) {
		case NET_TCP_NODELAY:
			sk->nodelay = v != 0;
			if (pcb)
				tcp_apply_options(sk, pcb);
			return 0;
		case NET_TCP_KEEPIDLE: slot = &sk->keepidle; break;
		case NET_TCP_KEEPINTVL: slot = &sk->keepintvl; break;
		case NET_TCP_KEEPCNT:
			if (v < 1 || v > 127)
				return -EINVAL;
			sk->keepcnt = v;
			if (pcb)
				tcp_apply_options(sk, pcb);
			return 0;
		case NET_TCP_CORK: sk->cork = v != 0; return 0;
		case NET_TCP_QUICKACK: sk->quickack = v != 0; return 0;
		case NET_TCP_MAXSEG: sk->maxseg = v; return 0;
		case NET_TCP_DEFER_ACCEPT: sk->defer_accept = v; return 0;
		case NET_TCP_USER_TIMEOUT:
			if (v < 0)
				return -EINVAL;
			sk->user_timeout = v;
			return 0;
		case NET_TCP_FASTOPEN: sk->fastopen = v; return 0;
		case NET_TCP_SYNCNT:
		case NET_TCP_LINGER2:
		case NET_TCP_WINDOW_CLAMP:
		case NET_TCP_NOTSENT_LOWAT: return 0;
		default: return -ENOPROTOOPT;
		}
		if (v < 1 || v > 32767)
			return -EINVAL;
		*slot = v;
		if (pcb)
			tcp_apply_options(sk, pcb);
		return 0;
	}
	if (level == IPPROTO_IP) {
		switch (name) {
		case IP_TOS: sk->tos = v & 0xfc; break;
		case IP_RECVERR: sk->recverr = v != 0; break; /* glibc's resolver sets it */
		case IP_TTL:
			if (v == -1)
				v = 64;
			if (v < 1 || v > 255)
				return -EINVAL;
			sk->ttl = v;
			break;
		default: return -ENOPROTOOPT;
		}
		if (pcb)
			tcp_apply_options(sk, pcb);
		if (sk->udp) {
			sk->udp->tos = (u8_t)sk->tos;
			sk->udp->ttl = (u8_t)sk->ttl;
		}
		return 0;
	}
	return -ENOPROTOOPT;
}

static int64_t op_getsockopt(struct net_sock *sk, const struct svc_mem *m, uint64_t cr3,
                             uint64_t level, uint64_t name, uint64_t ua, uint64_t ualen)
{
	union {
		int i;
		struct linger lg;
		uint8_t tv[16];
	} u;
	size_t size = sizeof(int);
	int len, rc;

	memset(&u, 0, sizeof(u));
	if ((rc = mem_read(m, cr3, ualen, &len, sizeof(len))) < 0)
		return rc;
	if (len < 0)
		return -EINVAL;
	if (level == SOL_SOCKET) {
		switch (name) {
		case SO_TYPE: u.i = sk->type; break;
		case SO_PROTOCOL: u.i = sk->type == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP; break;
		case SO_DOMAIN: u.i = AF_INET; break;
		case SO_ERROR:
			u.i = sk->err;
			if (sk->err) {
				sk->err = 0;
				sk_changed(sk);
			}
			break;
		case SO_ACCEPTCONN: u.i = sk->state == SK_LISTEN; break;
		case SO_REUSEADDR: u.i = sk->reuseaddr; break;
		case SO_REUSEPORT: u.i = sk->reuseport; break;
		case SO_KEEPALIVE: u.i = sk->keepalive; break;
		case SO_BROADCAST: u.i = sk->broadcast; break;
		case SO_RCVBUF: u.i = sk->rcvbuf; break;
		case SO_SNDBUF: u.i = sk->sndbuf; break;
		case SO_RCVLOWAT: u.i = sk->rcvlowat; break;
		case SO_SNDLOWAT: u.i = 1; break;
		case SO_OOBINLINE: u.i = sk->oobinline; break;
		case SO_DONTROUTE: u.i = sk->dontroute; break;
		case SO_DEBUG: u.i = sk->debug; break;
		case SO_LINGER:
			u.lg.l_onoff = sk->linger_on;
			u.lg.l_linger = sk->linger_secs;
			size = sizeof(u.lg);
			break;
		case SO_RCVTIMEO:
		case SO_SNDTIMEO:
			memcpy(u.tv, name == SO_RCVTIMEO ? sk->rcvtimeo : sk->sndtimeo, 16);
			size = 16;
			break;
		default: return -ENOPROTOOPT;
		}
	} else if (level == IPPROTO_TCP && sk->type == SOCK_STREAM) {
		switch (name) {
		case NET_TCP_NODELAY: u.i = sk->nodelay; break;
		case NET_TCP_MAXSEG:
			u.i = sk->tcp && sk->tcp->state != LISTEN && sk->state == SK_CONNECTED
			              ? sk->tcp->mss
			              : (sk->maxseg ? sk->maxseg : 536);
			break;
		case NET_TCP_KEEPIDLE: u.i = sk->keepidle; break;
		case NET_TCP_KEEPINTVL: u.i = sk->keepintvl; break;
		case NET_TCP_KEEPCNT: u.i = sk->keepcnt; break;
		case NET_TCP_CORK: u.i = sk->cork; break;
		case NET_TCP_QUICKACK: u.i = sk->quickack; break;
		case NET_TCP_DEFER_ACCEPT: u.i = sk->defer_accept; break;
		case NET_TCP_USER_TIMEOUT: u.i = sk->user_timeout; break;
		case NET_TCP_FASTOPEN: u.i = sk->fastopen; break;
		default: return -ENOPROTOOPT;
		}
	} else if (level == IPPROTO_IP) {
		switch (name) {
		case IP_TOS: u.i = sk->tos; break;
		case IP_TTL: u.i = sk->ttl; break;
		case IP_RECVERR: u.i = sk->recverr; break;
		default: return -ENOPROTOOPT;
		}
	} else {
		/* Linux: a level the protocol does not know reaches IP's, which
		 * refuses it as EOPNOTSUPP (setsockopt says ENOPROTOOPT). */
		return level == IPPROTO_UDP && sk->type == SOCK_DGRAM ? -ENOPROTOOPT : -EOPNOTSUPP;
	}
	if ((size_t)len > size)
		len = (int)size;
	if ((rc = mem_write(m, cr3, ua, &u, (size_t)len)) < 0)
		return rc;
	return mem_write(m, cr3, ualen, &len, sizeof(len));
}

static int64_t op_ioctl(struct net_sock *sk, const struct svc_mem *m, uint64_t cr3, uint64_t req,
                        uint64_t ua)
{
	int v = 0;

	switch (req) {
	case FIONREAD: /* SIOCINQ */
		if (sk->state == SK_LISTEN)
			return -EINVAL;
		if (sk->type == SOCK_STREAM)
			v = sk->rx_bytes > INT_MAX ? INT_MAX : (int)sk->rx_bytes;
		else
			v = sk->rx_head ? sk->rx_head->p->tot_len : 0;
		break;
	case NET_SIOCOUTQ:
		if (sk->state == SK_LISTEN)
			return -EINVAL;
		if (sk->tcp)
			v = (int)(TCP_SND_BUF - sk->tcp->snd_buf);
		break;
	case FIONBIO: /* the host never blocks; the kernel keeps the flag */
		return mem_read(m, cr3, ua, &v, sizeof(v));
	case NET_SIOCATMARK: break;
	default: return -ENOTTY;
	}
	return mem_write(m, cr3, ua, &v, sizeof(v));
}

/* CONNECT with no address: the outcome of the connect in progress. */
static int64_t op_connect_outcome(struct net_sock *sk)
{
	int rc;

	if (sk->type != SOCK_STREAM)
		return -EINVAL;
	if (sk->err) {
		rc = sk->err;
		sk->err = 0;
		sk->connect_pending = 0;
		sk_changed(sk);
		return -rc;
	}
	switch (sk->state) {
	case SK_CONNECTING: return -EINPROGRESS;
	case SK_CONNECTED: sk->connect_pending = 0; return 0;
	case SK_CLOSED:
		if (sk->was_connected)
			return 0;
		if (sk->connect_pending) {
			sk->connect_pending = 0;
			return -ECONNABORTED;
		}
		return -ENOTCONN;
	default: return -ENOTCONN;
	}
}

static int64_t dispatch(struct net_service *s, const struct nanvix_ring_req *q,
                        const struct svc_mem *m)
{
	const uint64_t *a = q->args;
	uint64_t cr3 = a[0], hv = a[1];
	struct net_sock *sk;
	int flags = 0;

	if (q->opcode == NANVIX_NET_SOCKET)
		return op_socket(s, a[1], a[2], a[3]);
	if (q->opcode < NANVIX_NET_OP_FIRST || q->opcode >= NANVIX_NET_OP_END)
		return -EINVAL;
	if (q->opcode == NANVIX_NET_SENDTO || q->opcode == NANVIX_NET_RECVFROM) {
		flags = (int)(uint32_t)(hv >> 32);
		hv &= 0xffffffffu;
	}
	if (hv == 0 || hv >= NANVIX_NET_SOCKETS_MAX || (sk = s->socks[hv]) == NULL)
		return -EBADF;

	switch ((enum nanvix_net_op)q->opcode) {
	case NANVIX_NET_CLOSE: return op_close(s, sk);
	case NANVIX_NET_BIND: return op_bind(s, sk, m, cr3, a[2], a[3]);
	case NANVIX_NET_LISTEN: return op_listen(s, sk, a[2]);
	case NANVIX_NET_ACCEPT: return op_accept(s, sk, m, cr3, a[2], a[3]);
	case NANVIX_NET_CONNECT:
		if (a[2] == 0)
			return op_connect_outcome(sk);
		return op_connect(s, sk, m, cr3, a[2], a[3]);
	case NANVIX_NET_SENDTO: return op_sendto(sk, m, cr3, flags, a[2], a[3], a[4], a[5]);
	case NANVIX_NET_RECVFROM: return op_recvfrom(sk, m, cr3, flags, a[2], a[3], a[4], a[5]);
	case NANVIX_NET_SENDMSG: return op_sendmsg(s, sk, m, cr3, a[2], (int)(uint32_t)a[3]);
	case NANVIX_NET_RECVMSG: return op_recvmsg(s, sk, m, cr3, a[2], (int)(uint32_t)a[3]);
	case NANVIX_NET_SHUTDOWN: return op_shutdown(sk, a[2]);
	case NANVIX_NET_GETSOCKNAME: return op_name(sk, m, cr3, a[2], a[3], 0);
	case NANVIX_NET_GETPEERNAME: return op_name(sk, m, cr3, a[2], a[3], 1);
	case NANVIX_NET_SETSOCKOPT: return op_setsockopt(sk, m, cr3, a[2], a[3], a[4], a[5]);
	case NANVIX_NET_GETSOCKOPT: return op_getsockopt(sk, m, cr3, a[2], a[3], a[4], a[5]);
	case NANVIX_NET_IOCTL: return op_ioctl(sk, m, cr3, a[2], a[3]);
	case NANVIX_NET_READV: return op_vector(s, sk, m, cr3, a[2], a[3], 0);
	case NANVIX_NET_WRITEV: return op_vector(s, sk, m, cr3, a[2], a[3], 1);
	default: return -EINVAL;
	}
}

int64_t net_service_call(struct net_service *s, const struct nanvix_ring_req *q,
                         const struct svc_mem *m, uint64_t *value)
{
	int64_t r;

	if (s == NULL || q == NULL || m == NULL || m->read == NULL || m->write == NULL)
		return -EINVAL;
	stack_enter();
	r = dispatch(s, q, m);
	rx_retry(s);
	stack_leave();
	s->stats.calls++;
	if (r < 0)
		s->stats.errors++;
	else if (value)
		*value = (uint64_t)r;
	return r;
}

int net_service_pending(const struct net_service *s)
{
	u8_t idx = netif_get_index(&s->netif);
	const struct tcp_pcb *pcb;

	/* Every live connection of the VM, open or closed by it (FIN_WAIT...). */
	for (pcb = tcp_active_pcbs; pcb; pcb = pcb->next)
		if (pcb->netif_idx == idx && (pcb->unsent || pcb->unacked))
			return 1;
	return 0;
}

void net_service_free(struct net_service *s)
{
	struct net_service **pp;
	struct net_frame **fp, *f;
	int h;

	if (s == NULL)
		return;
	stack_enter();
	for (h = 1; h < NANVIX_NET_SOCKETS_MAX; h++) {
		if (s->socks[h]) {
			sk_destroy(s->socks[h], 1);
			s->socks[h] = NULL;
		}
	}
	s->dying = 1;
	s->notify_pending = 0;
	stack_leave();
	/* Frames still queued (a free from inside an entry point) die with it. */
	for (fp = &stk.fq_head; (f = *fp) != NULL;) {
		if (f->svc == s) {
			*fp = f->next;
			free(f);
		} else {
			fp = &f->next;
		}
	}
	for (stk.fq_tail = stk.fq_head; stk.fq_tail && stk.fq_tail->next;)
		stk.fq_tail = stk.fq_tail->next;
	netif_remove(&s->netif);
	for (pp = &stk.services; *pp; pp = &(*pp)->next) {
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	}
	free(s);
}

void net_service_stats(const struct net_service *s, struct net_service_stats *out)
{
	*out = s->stats;
	out->rx_held = s->rx_charged;
	out->tx_held = tx_exact(s);
}
