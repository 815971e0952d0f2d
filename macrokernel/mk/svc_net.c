/* The network component on the host: a VM's socket calls on the macro-kernel's lwIP, or its frames. */
/*
 * Each VM with --net=host gets a net service (sysapps/net: its own lwIP
 * netif and socket table) and a port on the tenant's switch
 * (macrokernel/netsw).  Frames the netif sends go into the switch at once;
 * frames the switch delivers to a VM are queued here and handed to lwIP by
 * net_pump(), never from inside another lwIP call, so a conversation
 * between two VMs (or a VM and the uplink) is a loop, not a recursion.
 * The pump (which also takes what the uplink sent and runs lwIP's timers)
 * runs after every socket call and while the VM idles (mk_vm_idle:
 * NANVIX_HC_SLEEP), where it waits on the uplink's socket and lwIP's next
 * timer; the idle wait ends as soon as the VM has readiness changes to
 * take (abi/net.h).  A VM that computes without making calls or idling
 * makes no exits: nanvixd's watcher thread (monitor/main.c) then polls
 * mk_vm_net_fds and kicks the vCPU, whose thread runs mk_vm_net_pump.
 *
 * With the component placed in the VM (--net=guest) the VM gets the same
 * switch port and address but no service here: its in-VM server (netd)
 * sends and receives the port's Ethernet frames itself, in batches
 * (NANVIX_NET_FRAMES_SEND/RECV, abi/net.h).  Frames for it wait in the
 * same queue, and the pump tells the guest (state->frames) instead of
 * handing them to lwIP.
 *
 * lwIP is one stack per process (NO_SYS: one thread at a time), so the
 * VMs served here are one process-wide list and every entry point takes
 * `net_lock`: uncontended in nanvixd (one thread), shared by the VM
 * threads and the pump thread (mk_net_run) of bin/macrokernel.  There a
 * VM's nanvixd idles on its own, so readiness changes are also signalled
 * on the VM's notify eventfd (mk_config.notify_fd).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <abi/bootinfo.h>
#include <abi/net.h>
#include <mk/mk.h>
#include <mk/service.h>
#include <monitor/guestmem.h>
#include <net/service.h>
#include <netsw/netsw.h>
#include <server/proto.h>

#define RXQ_FRAMES_MAX 4096       /* frames queued for one VM; beyond: dropped */
#define RXQ_BYTES_MAX  (16 << 20) /* and bytes */
#define PUMP_ROUNDS    256        /* passes over the VMs per pump */
#define POLL_FDS_MAX   4
#define DRAIN_NS       (2000ull * 1000 * 1000) /* data in flight when a VM ends */

struct frame {
	struct frame *next;
	size_t len;
	unsigned char data[];
};

struct net_svc {
	struct net_svc *next; /* every VM of the process (`vms`) */
	unsigned idx;         /* its address on the tenant network (netsw_addr_for) */
	int notify_fd;        /* eventfd written when readiness changed, or -1 */
	struct netsw *sw;
	struct netsw_port *port;
	struct net_service *ns; /* NULL: the component is in the VM (frames only) */
	volatile struct nanvix_net_state *state;
	bool told; /* guest: frames waiting, state->frames set */
	uint16_t mtu;
	struct net_service_config nc; /* its address, MAC, netmask, gateway, MTU */
	struct frame *rx_head, *rx_tail;
	size_t rx_frames, rx_bytes;
	uint64_t calls, errors, rx_dropped;
};

static pthread_mutex_t net_lock = PTHREAD_MUTEX_INITIALIZER;
static struct net_svc *vms;
static unsigned char frame_buf[NANVIX_NET_FRAMES_BUF_MAX]; /* FRAMES_SEND/RECV, under net_lock */

/* The switch delivers a frame for this VM: queue a copy for the pump. */
static void deliver(void *ctx, const void *data, size_t len)
{
	struct net_svc *n = ctx;
	struct frame *f;

	if (n->rx_frames >= RXQ_FRAMES_MAX || n->rx_bytes + len > RXQ_BYTES_MAX ||
	    !(f = malloc(sizeof(*f) + len))) {
		n->rx_dropped++; /* TCP sends it again */
		return;
	}
	f->next = NULL;
	f->len = len;
	memcpy(f->data, data, len);
	if (n->rx_tail)
		n->rx_tail->next = f;
	else
		n->rx_head = f;
	n->rx_tail = f;
	n->rx_frames++;
	n->rx_bytes += len;
}

/* The VM's netif sends a frame: into the switch (which checks it). */
static void output(void *ctx, const void *data, size_t len)
{
	struct net_svc *n = ctx;

	if (n->port)
		netsw_port_input(n->port, data, len);
}

static void notify(void *ctx);

/* Guest placement: tell the VM (once per batch) that frames wait. */
static void tell_frames(struct net_svc *n)
{
	if (n->told || !n->rx_head)
		return;
	n->told = true;
	__atomic_store_n(&n->state->frames, 1, __ATOMIC_RELEASE);
	__atomic_fetch_or(&n->state->any, 1u, __ATOMIC_RELEASE); /* ends a SLEEP */
	notify(n);
}

static void notify(void *ctx)
{
	struct net_svc *n = ctx;
	uint64_t one = 1;

	/* nanvixd's own idle wait looks at state->any; a shared macro-kernel's
	 * client waits on this eventfd (a full counter is as good as a write). */
	if (n->notify_fd >= 0 && write(n->notify_fd, &one, sizeof(one)) < 0)
		return;
}

/* Take what the uplink sent (without waiting), then hand every queued
 * frame to lwIP until no VM has one (bounded). */
static void net_pump(struct netsw *sw)
{
	netsw_service(sw);
	for (int round = 0; round < PUMP_ROUNDS; round++) {
		bool any = false;

		for (struct net_svc *n = vms; n; n = n->next) {
			struct frame *f = n->rx_head;

			if (!n->ns) {
				tell_frames(n); /* its server takes them */
				continue;
			}
			/* Take the whole queue: frames this produces go to the next round. */
			n->rx_head = n->rx_tail = NULL;
			n->rx_frames = n->rx_bytes = 0;
			while (f) {
				struct frame *next = f->next;

				net_service_input(n->ns, f->data, f->len);
				free(f);
				f = next;
				any = true;
			}
		}
		if (!any)
			break;
	}
	net_stack_timers();
}

/*
 * NANVIX_NET_FRAMES_SEND: the records in the server's buffer, each checked
 * before its frame goes to the switch (which checks the frame).  Frames
 * taken, or -EINVAL at the first bad record (those before it are sent).
 */
static int64_t frames_send(struct net_svc *n, const struct nanvix_ring_req *q,
                           const struct svc_mem *m)
{
	uint64_t len = q->args[2], off = 0;
	const uint8_t *frame;
	uint32_t flen;
	int64_t sent = 0;
	int rc;

	if (len > sizeof(frame_buf) || (len & 7))
		return -EINVAL;
	if (m->read(m->ctx, q->args[0], q->args[1], frame_buf, len))
		return -EFAULT;
	while ((rc = nanvix_net_frame_next(frame_buf, len, &off,
	                                   (uint32_t)n->mtu + NANVIX_NET_FRAME_ETH_HDR, &frame,
	                                   &flen)) > 0) {
		if (n->port)
			netsw_port_input(n->port, frame, flen);
		sent++;
	}
	return rc < 0 ? -EINVAL : sent; /* the frames before a bad record are sent */
}

/* NANVIX_NET_FRAMES_RECV: as many waiting frames as fit, as records. */
static int64_t frames_recv(struct net_svc *n, const struct nanvix_ring_req *q,
                           const struct svc_mem *m)
{
	unsigned char *buf = frame_buf;
	uint64_t cap = q->args[2], used = 0;

	if (cap < NANVIX_NET_FRAMES_RECV_MIN)
		return -EINVAL;
	if (cap > sizeof(frame_buf))
		cap = sizeof(frame_buf);
	while (n->rx_head && NANVIX_NET_FRAME_RECORD(n->rx_head->len) <= cap - used) {
		struct frame *f = n->rx_head;
		struct nanvix_net_frame_hdr h = { .len = (uint32_t)f->len };
		uint32_t rec = NANVIX_NET_FRAME_RECORD(f->len);

		memcpy(buf + used, &h, sizeof(h));
		memcpy(buf + used + sizeof(h), f->data, f->len);
		memset(buf + used + sizeof(h) + f->len, 0, rec - sizeof(h) - f->len);
		used += rec;
		n->rx_head = f->next;
		if (!n->rx_head)
			n->rx_tail = NULL;
		n->rx_frames--;
		n->rx_bytes -= f->len;
		free(f);
	}
	n->told = false;
	if (used && m->write(m->ctx, q->args[0], q->args[1], buf, used))
		return -EFAULT; /* the frames are lost: TCP sends them again */
	return (int64_t)used;
}

static int64_t net_svc_call(void *state, const struct nanvix_ring_req *q, const struct svc_mem *m,
                            uint64_t *value)
{
	struct net_svc *n = state;
	bool frames = q->opcode == NANVIX_NET_FRAMES_SEND || q->opcode == NANVIX_NET_FRAMES_RECV;
	int64_t rc;

	pthread_mutex_lock(&net_lock);
	if (frames != !n->ns)
		rc = -EINVAL; /* socket calls in one placement, frames in the other */
	else if (q->opcode == NANVIX_NET_FRAMES_SEND)
		rc = frames_send(n, q, m);
	else if (q->opcode == NANVIX_NET_FRAMES_RECV)
		rc = frames_recv(n, q, m);
	else
		rc = net_service_call(n->ns, q, m, value);
	n->calls++;
	if (rc < 0 && rc != -EAGAIN && rc != -EINPROGRESS)
		n->errors++;
	net_pump(n->sw);
	pthread_mutex_unlock(&net_lock);
	return rc;
}

static uint64_t now_ns(void);

/*
 * A VM that ends may have just written its last answer: as Linux goes on
 * sending after a process exits, keep the network going until lwIP has
 * nothing left in flight for this VM, for at most DRAIN_NS.
 */
static void drain(struct net_svc *n)
{
	uint64_t end = now_ns() + DRAIN_NS;

	for (;;) {
		struct pollfd pfd[POLL_FDS_MAX];
		int nfd;
		bool pending;

		pthread_mutex_lock(&net_lock);
		net_pump(n->sw);
		pending = n->ns && net_service_pending(n->ns);
		nfd = netsw_fds(n->sw, pfd, POLL_FDS_MAX);
		pthread_mutex_unlock(&net_lock);
		if (!pending || now_ns() >= end ||
		    (poll(pfd, (nfds_t)nfd, 5) < 0 && errno != EINTR))
			break;
	}
}

static void net_svc_detach(void *state)
{
	struct net_svc *n = state;
	struct frame *f;

	drain(n);
	pthread_mutex_lock(&net_lock);
	f = n->rx_head;

	for (struct net_svc **pp = &vms; *pp; pp = &(*pp)->next)
		if (*pp == n) {
			*pp = n->next;
			break;
		}
	if (n->port)
		netsw_port_remove(n->port);
	n->port = NULL; /* the RSTs of net_service_free go nowhere */
	if (n->ns)
		net_service_free(n->ns);
	pthread_mutex_unlock(&net_lock);
	while (f) {
		struct frame *next = f->next;

		free(f);
		f = next;
	}
	free(n);
}

/* The lowest address index no VM of the process uses (under net_lock). */
/* The in-VM server configures its netif from the net state region (NETD_CONFIG). */
static void tell_config(struct net_svc *n)
{
	n->state->ip = n->nc.ip;
	n->state->netmask = n->nc.netmask;
	n->state->gateway = n->nc.gateway;
	n->state->mtu = n->nc.mtu;
	memcpy((void *)n->state->mac, n->nc.mac, sizeof(n->nc.mac));
}

/*
 * The VM's memory is a snapshot's again: its address goes back in (the
 * snapshot's may be another VM's), and frames queued for the VM it was
 * are dropped, as on a wire that was cut.  Only for the in-VM placement:
 * the host's lwIP state cannot be reset.
 */
static int net_svc_reset(void *state)
{
	struct net_svc *n = state;
	struct frame *f;

	if (n->ns)
		return -ENOTSUP;
	pthread_mutex_lock(&net_lock);
	while ((f = n->rx_head)) {
		n->rx_head = f->next;
		free(f);
	}
	n->rx_tail = NULL;
	n->rx_frames = n->rx_bytes = 0;
	n->told = false;
	tell_config(n);
	pthread_mutex_unlock(&net_lock);
	return 0;
}

/* The lowest address slot free on switch `sw` (net_lock held). */
static unsigned free_index(const struct netsw *sw)
{
	size_t n = 0, words;
	uint64_t *used;
	unsigned idx = 0;

	for (struct net_svc *v = vms; v; v = v->next)
		n++;
	words = n / 64 + 1;
	used = calloc(words, sizeof(*used));
	if (!used) { /* the slow way */
		for (bool again = true; again;) {
			again = false;
			for (struct net_svc *v = vms; v; v = v->next)
				if (v->sw == sw && v->idx == idx) {
					idx++;
					again = true;
				}
		}
		return idx;
	}
	for (struct net_svc *v = vms; v; v = v->next)
		if (v->sw == sw && v->idx < words * 64)
			used[v->idx / 64] |= 1ull << (v->idx % 64);
	while (used[idx / 64] & (1ull << (idx % 64)))
		idx++;
	free(used);
	return idx;
}

static int net_svc_attach(struct mk_vm *vm, const struct mk_config *cfg, const struct mk_host *host,
                          void **state, char *err, size_t errlen)
{
	struct netsw_config sc;
	struct net_service_config nc = { .mtu = 0 };
	struct net_svc *n;
	uint32_t ip;

	if (cfg->net != MK_NET_HOST && cfg->net != MK_NET_GUEST)
		return 0;
	if (!host->net) {
		snprintf(err, errlen, "macro-kernel: --net=host without a network switch");
		return -EINVAL;
	}
	n = calloc(1, sizeof(*n));
	if (!n) {
		snprintf(err, errlen, "macro-kernel: out of memory");
		return -ENOMEM;
	}
	n->sw = host->net;
	n->notify_fd = cfg->notify_fd;
	n->state = gpa_ptr(mk_vm_guest(vm), NANVIX_NET_STATE_PADDR, NANVIX_NET_STATE_SIZE);
	sc = *netsw_config_of(host->net);
	pthread_mutex_lock(&net_lock);
	n->idx = free_index(host->net);
	if (!n->state || net_stack_init() || netsw_addr_for(&sc, n->idx, nc.mac, &ip)) {
		pthread_mutex_unlock(&net_lock);
		snprintf(err, errlen, "macro-kernel: no address left on the tenant network");
		free(n);
		return -ENOSPC;
	}
	nc.ip = htonl(ip);
	nc.netmask = htonl(sc.net.netmask);
	nc.gateway = htonl(sc.net.gateway);
	nc.mtu = (uint16_t)(sc.mtu < NET_MTU_MAX ? sc.mtu : NET_MTU_MAX);
	n->mtu = nc.mtu;
	if (cfg->net == MK_NET_HOST) {
		n->ns = net_service_new(&nc, output, notify, n,
		                        (struct nanvix_net_state *)n->state);
	} else {
		n->nc = nc;
		tell_config(n);
	}
	n->port = n->ns || cfg->net == MK_NET_GUEST ? netsw_port_add(n->sw, nc.mac, ip, deliver, n)
	                                            : NULL;
	if (!n->port) {
		int e = errno ? errno : ENOMEM;

		if (n->ns)
			net_service_free(n->ns);
		pthread_mutex_unlock(&net_lock);
		snprintf(err, errlen, "macro-kernel: cannot attach the VM to the network: %s",
		         strerror(e));
		free(n);
		return -ENOMEM;
	}
	n->next = vms;
	vms = n;
	netsw_port_announce(n->port);
	net_pump(n->sw);
	pthread_mutex_unlock(&net_lock);
	*state = n;
	return 0;
}

static void net_svc_stats(void *state, struct mk_stats *st)
{
	struct net_svc *n = state;

	st->net_calls += n->calls;
	st->net_errors += n->errors;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * Idle for up to `ns`: pump the network and wait on the switch's uplink
 * and lwIP's next timer.  1 as soon as the VM has readiness changes to
 * take, 0 after ns, -EINTR on a signal.
 */
static int net_svc_idle(void *state, uint64_t ns)
{
	struct net_svc *n = state;
	uint64_t end = now_ns() + ns;

	for (;;) {
		struct pollfd pfd[POLL_FDS_MAX];
		struct timespec ts;
		uint64_t now, wait;
		int nfd, timer, rc;

		pthread_mutex_lock(&net_lock);
		net_pump(n->sw);
		timer = net_stack_next_timer_ms();
		nfd = netsw_fds(n->sw, pfd, POLL_FDS_MAX);
		pthread_mutex_unlock(&net_lock);
		if (n->state->any)
			return 1;
		now = now_ns();
		if (now >= end)
			return 0;
		wait = end - now;
		if (timer >= 0 && (uint64_t)timer * 1000000ull < wait)
			wait = (uint64_t)timer * 1000000ull + 100000; /* just past it */
		ts.tv_sec = (time_t)(wait / 1000000000ull);
		ts.tv_nsec = (long)(wait % 1000000000ull);
		rc = ppoll(pfd, (nfds_t)nfd, &ts, NULL);
		if (rc < 0 && errno == EINTR)
			return -EINTR;
	}
}

void mk_net_run(struct netsw *sw, int wake_fd, volatile int *stop)
{
	while (!*stop) {
		struct pollfd pfd[POLL_FDS_MAX + 1];
		int nfd, timer;

		pthread_mutex_lock(&net_lock);
		net_pump(sw);
		timer = net_stack_next_timer_ms();
		nfd = netsw_fds(sw, pfd, POLL_FDS_MAX);
		pthread_mutex_unlock(&net_lock);
		pfd[nfd++] = (struct pollfd){ .fd = wake_fd, .events = POLLIN };
		if (poll(pfd, (nfds_t)nfd, timer < 0 || timer > 1000 ? 1000 : timer + 1) > 0 &&
		    pfd[nfd - 1].revents) {
			uint64_t v;

			if (read(wake_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
				break;
		}
	}
}

/* The net section of the shared macro-kernel's hello (server/proto.h). */
_Static_assert(MKSRV_NET_HOST == (int)MK_NET_HOST && MKSRV_NET_GUEST == (int)MK_NET_GUEST,
               "proto.h and mk.h disagree on network placements");

static int net_hello_put(const struct mk_config *cfg, void *payload, char *err, size_t errlen)
{
	struct mksrv_net_section *n = payload;

	if (cfg->net == MK_NET_NONE)
		return 0;
	n->placement = (uint32_t)cfg->net;
	return 1;
}

static int net_hello_take(const void *payload, struct mk_config *cfg, char *err, size_t errlen)
{
	const struct mksrv_net_section *n = payload;

	if ((n->placement != MKSRV_NET_HOST && n->placement != MKSRV_NET_GUEST) || n->reserved) {
		snprintf(err, errlen, "bad network placement %u", (unsigned)n->placement);
		return -EPROTO;
	}
	cfg->net = (enum mk_net_placement)n->placement;
	return 0;
}

static const struct mk_service net_svc = {
	.name = "net",
	.op_first = NANVIX_NET_OP_FIRST,
	.op_end = NANVIX_NET_OP_END,
	.attach = net_svc_attach,
	.call = net_svc_call,
	.stats = net_svc_stats,
	.idle = net_svc_idle,
	.detach = net_svc_detach,
	.reset = net_svc_reset,
	.hello_type = MKSRV_SECTION_NET,
	.hello_len = sizeof(struct mksrv_net_section),
	.hello_put = net_hello_put,
	.hello_take = net_hello_take,
};
MK_SERVICE(net_svc);

int mk_vm_net_fds(void *ctx, struct pollfd *out, int max, int *timeout_ms)
{
	struct net_svc *n = mk_vm_service(ctx, &net_svc);
	int nfd;

	if (!n)
		return -1;
	pthread_mutex_lock(&net_lock);
	nfd = netsw_fds(n->sw, out, max);
	*timeout_ms = net_stack_next_timer_ms();
	pthread_mutex_unlock(&net_lock);
	return nfd;
}

int mk_vm_net_pump(void *ctx)
{
	struct net_svc *n = mk_vm_service(ctx, &net_svc);

	if (!n)
		return 0;
	pthread_mutex_lock(&net_lock);
	net_pump(n->sw);
	pthread_mutex_unlock(&net_lock);
	return n->state->any != 0;
}

int mk_vm_net_publish(struct mk_vm *vm, const struct netsw_publish *pub, char *err, size_t errlen)
{
	struct net_svc *n = mk_vm_service(vm, &net_svc);
	int rc;

	if (!n) {
		snprintf(err, errlen, "the VM has no network in this macro-kernel");
		return -ENETDOWN;
	}
	pthread_mutex_lock(&net_lock);
	rc = netsw_publish(n->port, pub, err, errlen);
	net_pump(n->sw); /* frames delivered while it waited */
	pthread_mutex_unlock(&net_lock);
	return rc;
}
