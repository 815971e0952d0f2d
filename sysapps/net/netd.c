/* netd: the network component as a guest program (nanvixd --net=guest). */
/*
 * nanvixd boots this as process 1 (or the fs server execs it, with
 * --fs=guest too):
 *
 *     netd [--vm] [--cd DIR] --exec NAME -- ARGV0 [ARGS...]
 *
 * It forks.  The child opens /dev/netd, which makes it the VM's network
 * server (a system process without a parent), brings up its netif with
 * the address the host gave the VM (NANVIX_NETD_CONFIG), says "ready" on a
 * pipe and serves, forever, the socket calls the kernel forwards to it,
 * with the very service the macro-kernel links for --net=host
 * (service.c on lwIP's raw API).  The parent waits for "ready" and becomes
 * the application (launch_program, shared with launch.elf and fsd), so the
 * application keeps process id 1 and its exit status ends the VM.
 *
 * Only the edges differ from the host placement (abi/netd.h):
 *  - the caller's memory is reached with NANVIX_SERVER_COPY;
 *  - the netif's frames are batched into one buffer and handed to the
 *    switch with NANVIX_NETD_SEND before each answer; frames for the VM
 *    are taken with NANVIX_NETD_RECV when the kernel says some wait;
 *  - readiness is kept in a private struct nanvix_net_state and pushed to
 *    the kernel with NANVIX_NETD_READY, before each answer;
 *  - lwIP's timers run when SERVE's timeout (the next timer) passes.
 *
 * Built with musl (static), like any Linux program: the service speaks
 * Linux constants and errno values, which musl's headers have.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <unistd.h>

#include <abi/linux.h>
#include <abi/netd.h>
#include <launch/launch.h>
#include <net/service.h>
#include <svc/server.h>

#define EXIT_SETUP  125        /* nanvixd's "bad setup" status */
#define IDLE_MS     3600000    /* SERVE's timeout when lwIP has no timer: its longest */
#define DRAIN_MS    2000       /* NANVIX_NETD_DRAIN: at most this long */
#define RECV_ROUNDS 64         /* NANVIX_NETD_RECV calls per wake-up */
#define BUDGET_MIN  (1u << 20) /* the smallest receive and send budgets */

static struct nanvix_netd_page page __attribute__((aligned(4096)));
static struct nanvix_net_state ready; /* the service's readiness, pushed to the kernel */
static unsigned char txbuf[NANVIX_NET_FRAMES_BUF_MAX] __attribute__((aligned(8)));
static unsigned char rxbuf[NANVIX_NET_FRAMES_BUF_MAX] __attribute__((aligned(8)));
static size_t txlen;
static int dev = -1;
static struct net_service *svc;
static unsigned long send_errors;

static long netd_ioctl(unsigned long req, uint64_t arg)
{
	return svc_server_ioctl(dev, req, arg);
}

static int mem_read(void *ctx, uint64_t cr3, uint64_t ua, void *dst, size_t len)
{
	(void)ctx, (void)cr3;
	return svc_server_copy(dev, (volatile struct nanvix_server_page *)&page,
	                       NANVIX_SERVER_FROM_CLIENT, ua, dst, len);
}

static int mem_write(void *ctx, uint64_t cr3, uint64_t ua, const void *src, size_t len)
{
	(void)ctx, (void)cr3;
	return svc_server_copy(dev, (volatile struct nanvix_server_page *)&page,
	                       NANVIX_SERVER_TO_CLIENT, ua, (void *)src, len);
}

/* Hand the batched frames to the switch. */
static void flush_frames(void)
{
	long rc;

	if (!txlen)
		return;
	page.frames.buf = (uintptr_t)txbuf;
	page.frames.len = txlen;
	rc = netd_ioctl(NANVIX_NETD_SEND, 0);
	if (rc < 0 && send_errors++ == 0) /* TCP sends again; say it once */
		fprintf(stderr, "netd: the switch refused frames: error %ld\n", -rc);
	txlen = 0;
}

/* The netif sends a frame: into the batch (flushed when full). */
static void output(void *ctx, const void *frame, size_t len)
{
	struct nanvix_net_frame_hdr h = { .len = (uint32_t)len };
	size_t rec = NANVIX_NET_FRAME_RECORD(len);

	(void)ctx;
	if (rec > sizeof(txbuf))
		return; /* cannot happen: the MTU is below 64 KiB */
	if (txlen + rec > sizeof(txbuf))
		flush_frames();
	memcpy(txbuf + txlen, &h, sizeof(h));
	memcpy(txbuf + txlen + sizeof(h), frame, len);
	memset(txbuf + txlen + sizeof(h) + len, 0, rec - sizeof(h) - len);
	txlen += rec;
}

static void notify(void *ctx)
{
	(void)ctx; /* ready.any says it: push_ready() looks */
}

/* Give the kernel the readiness that changed since the last push. */
static void push_ready(void)
{
	if (!ready.any)
		return;
	if (netd_ioctl(NANVIX_NETD_READY, (uintptr_t)&ready) < 0) {
		fputs("netd: the kernel refused the readiness table\n", stderr);
		_exit(1);
	}
	memset(ready.changed, 0, sizeof(ready.changed));
	ready.any = 0;
}

/* Take the frames waiting for the VM into lwIP. */
static void take_frames(void)
{
	for (int round = 0; round < RECV_ROUNDS; round++) {
		uint64_t off = 0;
		const uint8_t *frame;
		uint32_t len;
		long got;

		page.frames.buf = (uintptr_t)rxbuf;
		page.frames.len = sizeof(rxbuf);
		got = netd_ioctl(NANVIX_NETD_RECV, 0);
		if (got <= 0 || (size_t)got > sizeof(rxbuf))
			return;
		while (nanvix_net_frame_next(rxbuf, (uint64_t)got, &off, UINT16_MAX, &frame, &len) >
		       0)
			net_service_input(svc, frame, len);
		if ((size_t)got + NANVIX_NET_FRAMES_RECV_MIN <= sizeof(rxbuf))
			return; /* it had room for more: nothing else waits */
	}
}

/* Everything lwIP queued goes out, and the kernel learns what changed. */
static void settle(void)
{
	flush_frames();
	push_ready();
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* NANVIX_NETD_DRAIN: keep the network going until nothing is in flight. */
static void drain(void)
{
	uint64_t end = now_ms() + DRAIN_MS;

	while (net_service_pending(svc) && now_ms() < end) {
		struct timespec ms = { 0, 1000000 };

		settle();
		nanosleep(&ms, NULL); /* the host pumps the switch meanwhile */
		take_frames();
		net_stack_timers();
	}
	settle();
}

/* The host's configuration (NANVIX_NETD_CONFIG) as the service's. */
static int take_config(struct net_service_config *cfg)
{
	if (netd_ioctl(NANVIX_NETD_CONFIG, 0) != 0)
		return -1;
	memset(cfg, 0, sizeof(*cfg));
	memcpy(cfg->mac, (const void *)page.config.mac, sizeof(cfg->mac));
	cfg->ip = page.config.ip;
	cfg->netmask = page.config.netmask;
	cfg->gateway = page.config.gateway;
	cfg->mtu = page.config.mtu;
	return 0;
}

/*
 * The VM was restored, maybe into another slot of the tenant network: the
 * host wrote that slot's address and MAC.  Listening sockets (bound to the
 * wildcard address) go on under the new one.
 */
static void readdress(void)
{
	struct net_service_config cfg;

	if (take_config(&cfg) != 0 || net_service_readdress(svc, &cfg) != 0)
		fputs("netd: cannot take the restored VM's address\n", stderr);
}

static __attribute__((noreturn)) void serve(void)
{
	const struct svc_mem mem = { .read = mem_read, .write = mem_write };

	for (;;) {
		int next = net_stack_next_timer_ms();
		uint64_t value = 0;
		long rc;

		settle();
		rc = netd_ioctl(NANVIX_SERVER_SERVE, next < 0 ? IDLE_MS : (uint64_t)next + 1);
		if (rc == -LINUX_EINTR)
			continue;
		if (rc < 0) {
			fprintf(stderr, "netd: serving failed: error %ld\n", -rc);
			_exit(1);
		}
		if (page.events & NANVIX_SERVER_EV_RESTORED)
			readdress();
		if (page.events & NANVIX_SERVER_EV_WAKE)
			take_frames();
		if (page.req.opcode == NANVIX_NETD_DRAIN) {
			drain();
			page.status = 0;
		} else if (page.req.opcode) {
			page.status = net_service_call(
			        svc, (const struct nanvix_ring_req *)&page.req, &mem, &value);
			page.value = value;
		}
		net_stack_timers();
	}
}

/*
 * lwIP's buffers are this process's memory, in the VM: the receive and
 * send budgets (each a quarter of the VM's RAM, the host placement's
 * default at most) make a VM that fills its sockets meet EAGAIN and a
 * closed window before netd meets ENOMEM.
 */
static size_t budget(void)
{
	struct sysinfo si;
	uint64_t b;

	if (sysinfo(&si) != 0)
		return BUDGET_MIN;
	b = (uint64_t)si.totalram * (si.mem_unit ? si.mem_unit : 1) / 4;
	if (b > NET_RX_BUDGET)
		b = NET_RX_BUDGET;
	return b < BUDGET_MIN ? BUDGET_MIN : (size_t)b;
}

/* The server's life: set up, report to the parent on `ready_fd`, serve. */
static void server(int ready_fd)
{
	struct net_service_config cfg;

	dev = open(NANVIX_NETD_PATH, O_RDWR | O_CLOEXEC);
	if (dev < 0) {
		perror("netd: " NANVIX_NETD_PATH);
		_exit(1);
	}
	if (netd_ioctl(NANVIX_SERVER_REGISTER, (uintptr_t)&page) != 0 || take_config(&cfg) != 0) {
		fputs("netd: cannot register with the kernel\n", stderr);
		_exit(1);
	}
	cfg.rx_budget = cfg.tx_budget = budget();
	svc = net_stack_init() ? NULL : net_service_new(&cfg, output, notify, NULL, &ready);
	if (!svc) {
		fputs("netd: cannot bring up the network interface (no address from the host?)\n",
		      stderr);
		_exit(1);
	}
	settle(); /* the gratuitous ARP */
	if (write(ready_fd, "1", 1) != 1)
		_exit(1);
	close(ready_fd);
	serve();
}

static int usage(void)
{
	fputs("usage: netd [--vm] [--cd DIR] --exec NAME -- ARGV0 [ARGS...] "
	      "(started by nanvixd --net=guest)\n",
	      stderr);
	return EXIT_SETUP;
}

int main(int argc, char **argv)
{
	struct launch_args a;

	if (launch_parse(argc, argv, NULL, &a))
		return usage();
	launch_with_server("netd", server, &a, EXIT_SETUP);
}
