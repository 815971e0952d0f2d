/* The network switch: forwards one tenant's Ethernet frames between VM ports and the slirp uplink. */

/*
 * Design.  A tenant's VMs share one virtual Ethernet segment, 10.0.2.0/24
 * by default, the addressing QEMU's user networking made familiar: the
 * gateway 10.0.2.2 (which is also the host's loopback, seen from inside),
 * the DNS server 10.0.2.3, VMs from 10.0.2.15.  Each VM's interface is a
 * port; the switch is a plain learning-free switch, since it assigned
 * every port's MAC and IPv4 address itself and refuses any frame that
 * claims another (anti-spoofing).  No frame crosses between switches.
 *
 * The way out is the uplink: libslirp, a user-space TCP/IP stack that
 * turns the VMs' TCP and UDP flows into ordinary host sockets, so no
 * privilege (no tap device, no bridge) is needed.  slirp has a CVE
 * history and, in Debian, only a shared build depending on glib, while
 * nanvixd is static; so it runs in its own process, bin/nanvix-uplink,
 * started only when needed (docs/decisions/0004): at once when the policy
 * has an allow rule or a publish, else lazily, by the first frame a VM
 * sends to the DNS address's port 53 (the tenant's DNS responder lives in
 * the uplink too).  That frame and any that follow wait in the socket
 * until the uplink reads them, once it is up: none is lost to the start.
 * The switch enforces the egress policy before a frame reaches slirp:
 * slirp itself is never trusted to restrict anything, nor is the guest.
 *
 * Frames toward the uplink are those to an address outside the subnet, or
 * to the gateway or DNS address.  For those the switch parses IPv4 and the
 * TCP/UDP header and asks policy.c; only a connection-opening SYN of TCP
 * is judged (later segments of a connection can only exist if the SYN
 * passed, or belong to a connection slirp opened toward a published port).
 * A refused SYN is answered with a synthesised RST, so connect() fails at
 * once with ECONNREFUSED instead of timing out.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <netsw/netsw.h>

#include "uplink_proto.h"
#include "wire.h"

#define ETH_HLEN      14
#define ETH_P_IPV4    0x0800
#define ETH_P_ARP     0x0806
#define ARP_LEN       28
#define MAX_DEPTH     4    /* nested netsw_port_input from deliver() */
#define LOG_SLOTS     1024 /* refused destinations remembered (logged once) */
#define SERVICE_BATCH 64   /* uplink messages read per netsw_service */
#define UPLINK_SNDBUF (4 << 20)

extern char **environ;

enum uplink_state { UP_NONE, UP_STARTING, UP_READY, UP_FAILED };

struct netsw_port {
	struct netsw *sw;
	uint8_t mac[6];
	uint32_t ip;
	void (*deliver)(void *ctx, const void *frame, size_t len);
	void *ctx;
	uint64_t tokens, last_ns;       /* token bucket, bytes */
	uint64_t rx_tokens, rx_last_ns; /* the receive bucket (recv_rate) */
	struct netsw_port_stats st;
	/* Ports published for this VM after the uplink started (netsw_publish). */
	struct netsw_publish pubs[NETSW_PORT_PUBLISH_MAX];
	size_t npubs;
	struct netsw_port *mac_next, *ip_next; /* hash chains */
};

/* Ports by MAC and by IPv4 address: a frame's lookup costs no scan. */
#define PORT_BUCKETS 4096

struct netsw {
	struct netsw_config cfg;
	struct netsw_port **ports; /* nports of them, room for cap */
	size_t nports, cap;
	struct netsw_port *by_mac[PORT_BUCKETS], *by_ip[PORT_BUCKETS];
	struct netsw_port_stats gone; /* counters of removed ports */
	struct netsw_stats up;        /* uplink_* fields only */
	uint8_t gw_mac[6];            /* slirp's MAC: 52:55 and the gateway address */
	uint32_t ctl_id;              /* the last control frame's id */
	int depth;                    /* nesting of netsw_port_input */

	enum uplink_state up_state;
	int up_fd;
	pid_t up_pid;
	int up_err;   /* positive errno once failed */
	bool up_lazy; /* started by a DNS query: no one waits for it, failures are logged */
	char up_msg[PATH_MAX + 256];

	uint64_t logged[LOG_SLOTS]; /* refused destinations already logged; 0 = empty */
	size_t nlogged;
	uint8_t rxbuf[NETSW_FRAME_MAX + 1];
};

static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t zero[6];

#define UPLINK_STOP_MS 400  /* the uplink's own linger (LINGER_MS) and some */
#define CTL_WAIT_MS    2000 /* for the uplink's answer to a control frame */

static uint64_t default_clock(void *ctx)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void default_log(void *ctx, const char *line)
{
	fprintf(stderr, "nanvixd: net: %s\n", line);
}

static size_t mac_bucket(const uint8_t *mac)
{
	return ((size_t)mac[3] << 16 ^ (size_t)mac[4] << 8 ^ mac[5] ^ (size_t)mac[2] << 4) %
	       PORT_BUCKETS;
}

static size_t ip_bucket(uint32_t ip)
{
	return (ip ^ ip >> 12) % PORT_BUCKETS;
}

static struct netsw_port *port_by_ip(struct netsw *sw, uint32_t ip)
{
	struct netsw_port *p = sw->by_ip[ip_bucket(ip)];

	while (p && p->ip != ip)
		p = p->ip_next;
	return p;
}

void netsw_config_large(struct netsw_config *cfg)
{
	netsw_config_default(cfg);
	cfg->net.subnet = 0x0a000000u;  /* 10.0.0.0 */
	cfg->net.netmask = 0xffff0000u; /* /16 */
}

const struct netsw_config *netsw_config_of(const struct netsw *sw)
{
	return &sw->cfg;
}

uint64_t netsw_burst_for(const struct netsw_config *cfg, uint64_t rate)
{
	uint64_t frame = (uint64_t)cfg->mtu + ETH_HLEN;

	return rate / 10 > frame ? rate / 10 : frame;
}

void netsw_config_default(struct netsw_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->net.subnet = 0x0a000200u;   /* 10.0.2.0 */
	cfg->net.netmask = 0xffffff00u;  /* /24 */
	cfg->net.gateway = 0x0a000202u;  /* 10.0.2.2 */
	cfg->net.dns = 0x0a000203u;      /* 10.0.2.3 */
	cfg->net.first_ip = 0x0a00020fu; /* 10.0.2.15 */
	cfg->mtu = NETSW_DEFAULT_MTU;
	cfg->rate = NETSW_DEFAULT_RATE;
	cfg->burst = NETSW_DEFAULT_BURST;
}

int netsw_addr_for(const struct netsw_config *cfg, unsigned idx, uint8_t mac[6], uint32_t *ip)
{
	const struct netsw_net *n = &cfg->net;
	uint32_t a = n->first_ip + idx, m = 0x3456u + idx;

	if (idx > 0xffffu - 0x3456u || a < n->first_ip || (a & n->netmask) != n->subnet ||
	    a == (n->subnet | ~n->netmask) || a == n->gateway || a == n->dns)
		return -ERANGE;
	mac[0] = 0x52, mac[1] = 0x54, mac[2] = 0x00, mac[3] = 0x12;
	mac[4] = (uint8_t)(m >> 8);
	mac[5] = (uint8_t)m;
	*ip = a;
	return 0;
}

static void make_arp(uint8_t *f, const uint8_t *eth_dst, uint16_t op, const uint8_t *sha,
                     uint32_t spa, const uint8_t *tha, uint32_t tpa);
static int uplink_send(struct netsw *sw, const void *frame, size_t len);

/* --- the uplink process ---------------------------------------------------------------- */

static void uplink_fail(struct netsw *sw, int err, const char *fmt, const char *a, const char *b)
{
	sw->up_state = UP_FAILED;
	sw->up_err = err;
	snprintf(sw->up_msg, sizeof(sw->up_msg), fmt, a, b);
	if (sw->up_lazy)
		sw->cfg.log(sw->cfg.log_ctx, sw->up_msg);
}

/* Close the socket and reap the process (killing it first: it may still be running). */
static void uplink_stop(struct netsw *sw)
{
	if (sw->up_fd >= 0) {
		close(sw->up_fd);
		sw->up_fd = -1;
	}
	if (sw->up_pid > 0) {
		/* Closing our end tells it to finish what we sent last (it lingers
		 * a few tens of ms, UPLINK_STOP_MS at most), then it is killed.  A
		 * spawner's child (cfg.spawn) is not ours to wait for: its end
		 * shows as the pid gone. */
		for (int i = 0; i < UPLINK_STOP_MS; i++) {
			pid_t r = waitpid(sw->up_pid, NULL, WNOHANG);

			if (r == sw->up_pid ||
			    (r < 0 && errno == ECHILD && kill(sw->up_pid, 0) < 0) ||
			    (r < 0 && errno != EINTR && errno != ECHILD)) {
				sw->up_pid = 0;
				return;
			}
			usleep(1000);
		}
		kill(sw->up_pid, SIGKILL);
		while (waitpid(sw->up_pid, NULL, 0) < 0 && errno == EINTR)
			;
		sw->up_pid = 0;
	}
}

/* The uplink program's path in buf[len]: cfg->uplink_path, else beside /proc/self/exe. */
static int uplink_path(const struct netsw *sw, char *buf, size_t len)
{
	char exe[PATH_MAX];
	ssize_t n;

	if (sw->cfg.uplink_path) {
		if (snprintf(buf, len, "%s", sw->cfg.uplink_path) >= (int)len)
			return -ENAMETOOLONG;
		return 0;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return -ENOENT;
	exe[n] = '\0';
	if (snprintf(buf, len, "%s/nanvix-uplink", dirname(exe)) >= (int)len)
		return -ENAMETOOLONG;
	return 0;
}

/*
 * Start bin/nanvix-uplink with one end of a SOCK_SEQPACKET pair as its fd
 * 3; does not wait for it.  Failures leave the uplink UP_FAILED with a
 * message for netsw_uplink_wait.
 */
static void uplink_start(struct netsw *sw)
{
	const struct netsw_policy *pol = sw->cfg.policy;
	const struct netsw_net *n = &sw->cfg.net;
	char path[PATH_MAX], args[4][64], pubs[NETSW_POLICY_MAX_PUBLISH][64];
	char *argv[5 + NETSW_POLICY_MAX_PUBLISH + 1], a1[16], a2[16];
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, all;
	int sv[2], child, rc, argc = 0, buf = UPLINK_SNDBUF, prefix;

	sw->up_state = UP_STARTING;
	rc = uplink_path(sw, path, sizeof(path));
	if (rc == 0 && access(path, X_OK) < 0)
		rc = -errno;
	if (rc < 0) {
		uplink_fail(sw, -rc, "cannot run the network uplink %s: %s", path, strerror(-rc));
		return;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		uplink_fail(sw, errno, "network uplink: socketpair: %s%s", strerror(errno), "");
		return;
	}
	/* Large buffers: a frame may be 64 KiB (the kernel caps this without privilege). */
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	child = sv[1];
	if (child == UPLINK_FD) {
		/* dup2(3, 3) would keep FD_CLOEXEC: move it away first. */
		child = fcntl(sv[1], F_DUPFD_CLOEXEC, UPLINK_FD + 1);
		close(sv[1]);
		if (child < 0) {
			close(sv[0]);
			uplink_fail(sw, errno, "network uplink: fcntl: %s%s", strerror(errno), "");
			return;
		}
	}

	for (prefix = 0; prefix < 32 && (n->netmask << prefix) != 0; prefix++)
		;
	argv[argc++] = path;
	snprintf(args[0], sizeof(args[0]), "--mtu=%u",
	         sw->cfg.mtu < NETSW_UPLINK_MTU ? sw->cfg.mtu : NETSW_UPLINK_MTU);
	snprintf(args[1], sizeof(args[1]), "--net=%s/%d", netsw_fmt_ipv4(n->subnet, a1), prefix);
	snprintf(args[2], sizeof(args[2]), "--gateway=%s", netsw_fmt_ipv4(n->gateway, a1));
	snprintf(args[3], sizeof(args[3]), "--dns=%s", netsw_fmt_ipv4(n->dns, a1));
	for (int i = 0; i < 4; i++)
		argv[argc++] = args[i];
	for (size_t i = 0; pol && i < pol->npubs; i++) {
		const struct netsw_publish *q = &pol->pubs[i];

		snprintf(pubs[i], sizeof(pubs[i]), "%s:%s:%u-%s:%u",
		         q->proto == IPPROTO_UDP ? "udp" : "tcp", netsw_fmt_ipv4(q->host_addr, a1),
		         q->host_port, netsw_fmt_ipv4(q->guest_ip ? q->guest_ip : n->first_ip, a2),
		         q->guest_port);
		argv[argc++] = pubs[i];
	}
	argv[argc] = NULL;

	if (sw->cfg.spawn) {
		rc = sw->cfg.spawn(path, argv, child, &sw->up_pid);
	} else {
		posix_spawn_file_actions_init(&fa);
		posix_spawn_file_actions_adddup2(&fa, child, UPLINK_FD);
		posix_spawn_file_actions_addclosefrom_np(&fa, UPLINK_FD + 1);
		posix_spawnattr_init(&at);
		sigemptyset(&none);
		sigfillset(&all);
		posix_spawnattr_setsigmask(&at, &none);
		posix_spawnattr_setsigdefault(&at, &all);
		posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
		rc = posix_spawn(&sw->up_pid, path, &fa, &at, argv, environ);
		posix_spawnattr_destroy(&at);
		posix_spawn_file_actions_destroy(&fa);
	}
	close(child);
	if (rc != 0) {
		sw->up_pid = 0;
		close(sv[0]);
		uplink_fail(sw, rc, "cannot start the network uplink %s: %s", path, strerror(rc));
		return;
	}
	fcntl(sv[0], F_SETFL, fcntl(sv[0], F_GETFL) | O_NONBLOCK);
	sw->up_fd = sv[0];
	/* Ports added before (a lazy start): slirp learns them from gratuitous ARPs. */
	for (size_t i = 0; i < sw->nports; i++) {
		uint8_t garp[ETH_HLEN + ARP_LEN];
		const struct netsw_port *p = sw->ports[i];

		make_arp(garp, bcast, 1, p->mac, p->ip, zero, p->ip);
		uplink_send(sw, garp, sizeof(garp));
	}
}

static bool uplink_alive(const struct netsw *sw)
{
	return sw->up_fd >= 0 && (sw->up_state == UP_STARTING || sw->up_state == UP_READY);
}

/* Pass one frame to the uplink; a full socket drops it (TCP will retransmit). */
static int uplink_send(struct netsw *sw, const void *frame, size_t len)
{
	if (!uplink_alive(sw))
		return -EHOSTUNREACH;
	if (send(sw->up_fd, frame, len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
		/* A full socket, or an uplink that exited (EPIPE): the frame is
		 * dropped.  Why it exited is for the reading side to find (its
		 * status, say a published port in use, is queued there). */
		sw->up.uplink_drop++;
		return -ENOBUFS;
	}
	sw->up.uplink_tx_frames++;
	sw->up.uplink_tx_bytes += len;
	return 0;
}

int netsw_resolve(const char *name, uint32_t *out, size_t max)
{
	return netsw_resolve_at(NULL, name, out, max);
}

int netsw_resolve_at(const char *uplink, const char *name, uint32_t *out, size_t max)
{
	struct netsw tmp = { .cfg.uplink_path = uplink };
	char path[PATH_MAX], buf[4096], *line, *save = NULL;
	char *argv[] = { path, "--resolve", (char *)name, NULL };
	posix_spawn_file_actions_t fa;
	size_t got = 0, n = 0;
	int pipefd[2], rc, st;
	pid_t pid;

	rc = uplink_path(&tmp, path, sizeof(path));
	if (rc < 0)
		return rc;
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
	rc = posix_spawn(&pid, path, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	if (rc != 0) {
		close(pipefd[0]);
		return -rc;
	}
	for (;;) {
		ssize_t r = read(pipefd[0], buf + got, sizeof(buf) - 1 - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
		if (got == sizeof(buf) - 1)
			break;
	}
	close(pipefd[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	buf[got] = '\0';
	for (line = strtok_r(buf, "\n", &save); line && n < max; line = strtok_r(NULL, "\n", &save))
		if (netsw_parse_ipv4(line, &out[n]) == 0)
			n++;
	return n > 0 ? (int)n : -ENOENT;
}

/* --- delivery -------------------------------------------------------------------------- */

static bool bucket_take(const struct netsw_config *c, uint64_t rate, uint64_t burst,
                        uint64_t *tokens, uint64_t *last_ns, size_t len);

static void deliver(struct netsw_port *p, const void *frame, size_t len)
{
	const struct netsw_config *c = &p->sw->cfg;

	if (c->recv_rate &&
	    !bucket_take(c, c->recv_rate, c->recv_burst, &p->rx_tokens, &p->rx_last_ns, len)) {
		p->st.drop_recv_rate++;
		return;
	}
	p->st.tx_frames++;
	p->st.tx_bytes += len;
	p->deliver(p->ctx, frame, len);
}

static struct netsw_port *port_by_mac(struct netsw *sw, const uint8_t *mac)
{
	struct netsw_port *p = sw->by_mac[mac_bucket(mac)];

	while (p && memcmp(p->mac, mac, 6) != 0)
		p = p->mac_next;
	return p;
}

/*
 * A broadcast frame (checked: ARP or IPv4 of a sane length) from `from`
 * (NULL: the uplink).  An ARP request goes to the port owning the address
 * asked for, other ARP to no port (a VM's address never moves to another
 * MAC: both follow its slot); anything else to every port but `from`.
 */
static void flood(struct netsw *sw, struct netsw_port *from, const void *frame, size_t len)
{
	const uint8_t *f = frame;

	if (len >= ETH_HLEN + ARP_LEN && rd16(f + 12) == ETH_P_ARP) {
		const uint8_t *a = f + ETH_HLEN;
		struct netsw_port *to = rd16(a + 6) == 1 ? port_by_ip(sw, rd32(a + 24)) : NULL;

		if (to && to != from && rd32(a + 24) != rd32(a + 14))
			deliver(to, frame, len);
		return;
	}
	for (size_t i = 0; i < sw->nports; i++)
		if (sw->ports[i] != from)
			deliver(sw->ports[i], frame, len);
}

/* Write an ARP packet (op, sender, target) with its Ethernet header into f[14 + 28]. */
static void make_arp(uint8_t *f, const uint8_t *eth_dst, uint16_t op, const uint8_t *sha,
                     uint32_t spa, const uint8_t *tha, uint32_t tpa)
{
	uint8_t *a = f + ETH_HLEN;

	memcpy(f, eth_dst, 6);
	memcpy(f + 6, sha, 6);
	wr16(f + 12, ETH_P_ARP);
	wr16(a, 1);
	wr16(a + 2, ETH_P_IPV4);
	a[4] = 6;
	a[5] = 4;
	wr16(a + 6, op);
	memcpy(a + 8, sha, 6);
	wr32(a + 14, spa);
	memcpy(a + 18, tha, 6);
	wr32(a + 24, tpa);
}

/*
 * Answer the TCP SYN in frame f (IPv4 header ihl bytes, total tot) with a
 * RST|ACK from its destination, delivered to port p: connect() fails with
 * ECONNREFUSED at once.
 */
static void send_rst(struct netsw_port *p, const uint8_t *f, size_t ihl, size_t tot)
{
	const uint8_t *ip = f + ETH_HLEN, *tcp = ip + ihl;
	uint8_t out[ETH_HLEN + 40], *oip = out + ETH_HLEN, *otcp = oip + 20;
	size_t doff = (size_t)(tcp[12] >> 4) * 4;
	uint32_t ack =
	        rd32(tcp + 4) + 1 + (uint32_t)(tot - ihl - doff) + ((tcp[13] & 0x01) ? 1 : 0);

	memset(out, 0, sizeof(out));
	memcpy(out, f + 6, 6); /* back to the VM */
	memcpy(out + 6, f, 6); /* from where it sent the SYN */
	wr16(out + 12, ETH_P_IPV4);
	oip[0] = 0x45;
	wr16(oip + 2, 40);
	wr16(oip + 6, 0x4000); /* DF */
	oip[8] = 64;
	oip[9] = IPPROTO_TCP;
	memcpy(oip + 12, ip + 16, 4);
	memcpy(oip + 16, ip + 12, 4);
	wr16(oip + 10, (uint16_t)~csum_fold(csum_add(0, oip, 20)));
	memcpy(otcp, tcp + 2, 2); /* source port: the SYN's destination port */
	memcpy(otcp + 2, tcp, 2);
	wr32(otcp + 4, 0);
	wr32(otcp + 8, ack);
	otcp[12] = 5 << 4;
	otcp[13] = 0x14; /* RST|ACK */
	wr16(otcp + 16, (uint16_t)~l4_sum(oip, IPPROTO_TCP, otcp, 20));
	p->st.rst_sent++;
	deliver(p, out, sizeof(out));
}

/* Log a refused destination once (the table full, nothing more is logged). */
static void log_refusal(struct netsw *sw, const struct netsw_flow *fl, enum netsw_verdict v)
{
	uint64_t key = 1ull << 63 | (uint64_t)fl->proto << 48 | (uint64_t)fl->dst << 16 | fl->dport;
	size_t h = (size_t)((key * 0x9e3779b97f4a7c15ull) >> 54) % LOG_SLOTS;
	char line[256], a[16], port[16] = "", proto[16];

	for (size_t i = 0; i < LOG_SLOTS; i++, h = (h + 1) % LOG_SLOTS) {
		if (sw->logged[h] == key)
			return;
		if (sw->logged[h] == 0)
			break;
	}
	if (sw->nlogged >= LOG_SLOTS / 2)
		return;
	sw->logged[h] = key;
	sw->nlogged++;

	if (fl->proto == IPPROTO_TCP || fl->proto == IPPROTO_UDP) {
		snprintf(port, sizeof(port), ":%u", fl->dport);
		snprintf(proto, sizeof(proto), "/%s", fl->proto == IPPROTO_TCP ? "tcp" : "udp");
	} else if (fl->proto == IPPROTO_ICMP) {
		snprintf(proto, sizeof(proto), "/icmp");
	} else {
		snprintf(proto, sizeof(proto), "/proto-%u", fl->proto);
	}
	if (fl->dst == sw->cfg.net.gateway && v == NETSW_DENY_SPECIAL)
		snprintf(line, sizeof(line),
		         "refused %s%s%s (the gateway is the host's loopback: allow 127.0.0.1%s "
		         "to open it)",
		         netsw_fmt_ipv4(fl->dst, a), port, proto, port);
	else
		snprintf(line, sizeof(line), "refused %s%s%s (%s)", netsw_fmt_ipv4(fl->dst, a),
		         port, proto, netsw_verdict_reason(v));
	sw->cfg.log(sw->cfg.log_ctx, line);
	if (sw->nlogged == LOG_SLOTS / 2)
		sw->cfg.log(sw->cfg.log_ctx, "refusals from now on are counted, not logged");
}

/* --- frames from a port ---------------------------------------------------------------- */

/*
 * Take len bytes from a token bucket of `rate` bytes a second holding at
 * most `burst`: true when they were there (shaping sleeps until they are),
 * false when the frame must be dropped.
 */
static bool bucket_take(const struct netsw_config *c, uint64_t rate, uint64_t burst,
                        uint64_t *tokens, uint64_t *last_ns, size_t len)
{
	uint64_t now = c->clock_ns(c->clock_ctx), add;

	if (now > *last_ns) {
		add = (uint64_t)((unsigned __int128)(now - *last_ns) * rate / 1000000000u);
		*tokens = add >= burst - *tokens ? burst : *tokens + add;
		*last_ns = now;
	}
	if (*tokens < len && c->shape && len <= burst) {
		/* Sleep until the frame's bytes are earned, then spend them. */
		uint64_t wait = (uint64_t)((unsigned __int128)(len - *tokens) * 1000000000u / rate);
		struct timespec ts = { (time_t)(wait / 1000000000u), (long)(wait % 1000000000u) };

		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
		*last_ns = c->clock_ns(c->clock_ctx);
		*tokens = len;
	}
	if (*tokens < len)
		return false;
	*tokens -= len;
	return true;
}

static bool rate_ok(struct netsw_port *p, size_t len)
{
	const struct netsw_config *c = &p->sw->cfg;

	return c->rate == 0 || bucket_take(c, c->rate, c->burst, &p->tokens, &p->last_ns, len);
}

/* A frame from p to another port of the segment, by its destination MAC. */
static int unicast(struct netsw_port *p, const uint8_t *f, size_t len)
{
	struct netsw_port *to = port_by_mac(p->sw, f);

	if (!to || to == p) {
		p->st.drop_nodest++;
		return -EHOSTUNREACH;
	}
	deliver(to, f, len);
	return 0;
}

static int arp_input(struct netsw_port *p, const uint8_t *f, size_t len)
{
	struct netsw *sw = p->sw;
	const struct netsw_net *n = &sw->cfg.net;
	const uint8_t *a = f + ETH_HLEN;
	uint32_t spa, tpa;
	uint16_t op;

	if (len < ETH_HLEN + ARP_LEN || rd16(a) != 1 || rd16(a + 2) != ETH_P_IPV4 || a[4] != 6 ||
	    a[5] != 4)
		goto malformed;
	op = rd16(a + 6);
	if (op != 1 && op != 2)
		goto malformed;
	spa = rd32(a + 14);
	tpa = rd32(a + 24);
	if (memcmp(a + 8, p->mac, 6) != 0 || spa != p->ip) {
		p->st.drop_spoofed++;
		return -EPERM;
	}
	if (op == 1 && (tpa == n->gateway || tpa == n->dns)) {
		uint8_t reply[ETH_HLEN + ARP_LEN], mac[6];

		if (uplink_alive(sw))
			return uplink_send(sw, f, len) == 0 ? 0 : -EHOSTUNREACH;
		/* No uplink: answer for slirp, with the MAC it would use (52:55 + address). */
		mac[0] = 0x52, mac[1] = 0x55;
		wr32(mac + 2, tpa);
		make_arp(reply, p->mac, 2, mac, tpa, p->mac, p->ip);
		deliver(p, reply, sizeof(reply));
		return 0;
	}
	if (op == 1 && (tpa & n->netmask) != n->subnet) {
		uint8_t reply[ETH_HLEN + ARP_LEN];

		/* Proxy ARP: an address outside the subnet (a link-local one, which
		 * stacks ARP for directly) is the gateway's to reach, so the policy
		 * judges what is sent to it rather than it going nowhere. */
		make_arp(reply, p->mac, 2, sw->gw_mac, tpa, p->mac, p->ip);
		deliver(p, reply, sizeof(reply));
		return 0;
	}
	if (f[0] & 1) { /* broadcast: requests, gratuitous ARP */
		flood(sw, p, f, len);
		if (tpa == spa && uplink_alive(sw))
			uplink_send(sw, f, len);
		return 0;
	}
	if (memcmp(f, sw->gw_mac, 6) == 0) /* a reply to slirp's request */
		return uplink_send(sw, f, len) == 0 ? 0 : -EHOSTUNREACH;
	return unicast(p, f, len);
malformed:
	p->st.drop_malformed++;
	return -EPROTO;
}

/* An IPv4 frame toward the uplink: parse the transport header, judge, pass or refuse. */
static int egress(struct netsw_port *p, const uint8_t *f, size_t len, size_t ihl, size_t tot)
{
	struct netsw *sw = p->sw;
	const uint8_t *ip = f + ETH_HLEN, *l4 = ip + ihl;
	struct netsw_flow fl = { .proto = ip[9], .src = rd32(ip + 12), .dst = rd32(ip + 16) };
	enum netsw_verdict v;

	if (rd16(ip + 6) & 0x3fff) { /* a fragment: its ports cannot be judged */
		p->st.drop_policy++;
		return -EACCES;
	}
	if (fl.proto == IPPROTO_TCP) {
		if (tot < ihl + 20 || (size_t)(l4[12] >> 4) * 4 < 20 ||
		    ihl + (size_t)(l4[12] >> 4) * 4 > tot)
			goto malformed;
		fl.syn = (l4[13] & 0x12) == 0x02;
	} else if (fl.proto == IPPROTO_UDP) {
		if (tot < ihl + 8)
			goto malformed;
	}
	if (fl.proto == IPPROTO_TCP || fl.proto == IPPROTO_UDP) {
		fl.sport = rd16(l4);
		fl.dport = rd16(l4 + 2);
	}
	v = netsw_policy_check(sw->cfg.policy, &sw->cfg.net, &fl);
	/* The reply side of a UDP port published for this VM (netsw_publish). */
	for (size_t i = 0; v != NETSW_ALLOW && fl.proto == IPPROTO_UDP && i < p->npubs; i++)
		if (p->pubs[i].proto == IPPROTO_UDP && p->pubs[i].guest_port == fl.sport &&
		    fl.dst == sw->cfg.net.gateway)
			v = NETSW_ALLOW;
	if (v == NETSW_ALLOW && sw->up_state == UP_NONE && fl.dst == sw->cfg.net.dns &&
	    fl.dport == 53 && (fl.proto == IPPROTO_UDP || fl.proto == IPPROTO_TCP)) {
		/* The first DNS query: start the uplink, which holds the responder. */
		sw->up_lazy = true;
		uplink_start(sw);
	}
	if (v != NETSW_ALLOW) {
		p->st.drop_policy++;
		log_refusal(sw, &fl, v);
		if (fl.syn)
			send_rst(p, f, ihl, tot);
		return -EACCES;
	}
	if (uplink_send(sw, f, len) < 0) {
		p->st.drop_nodest++;
		if (fl.syn && !uplink_alive(sw))
			send_rst(p, f, ihl, tot);
		return -EHOSTUNREACH;
	}
	return 0;
malformed:
	p->st.drop_malformed++;
	return -EPROTO;
}

static int ipv4_input(struct netsw_port *p, const uint8_t *f, size_t len)
{
	struct netsw *sw = p->sw;
	const struct netsw_net *n = &sw->cfg.net;
	const uint8_t *ip = f + ETH_HLEN;
	size_t ihl, tot;
	uint32_t dst;

	if (len < ETH_HLEN + 20 || (ip[0] >> 4) != 4)
		goto malformed;
	ihl = (size_t)(ip[0] & 0xf) * 4;
	tot = rd16(ip + 2);
	if (ihl < 20 || tot < ihl || tot > len - ETH_HLEN)
		goto malformed;
	if (rd32(ip + 12) != p->ip) {
		p->st.drop_spoofed++;
		return -EPERM;
	}
	dst = rd32(ip + 16);
	if (f[0] & 1) { /* broadcast or multicast: this segment only, never out */
		flood(sw, p, f, len);
		return 0;
	}
	if ((dst & n->netmask) != n->subnet || dst == n->gateway || dst == n->dns)
		return egress(p, f, len, ihl, tot);
	return unicast(p, f, len);
malformed:
	p->st.drop_malformed++;
	return -EPROTO;
}

int netsw_port_input(struct netsw_port *p, const void *frame, size_t len)
{
	struct netsw *sw = p->sw;
	const uint8_t *f = frame;
	int rc;

	p->st.rx_frames++;
	p->st.rx_bytes += len;
	if (len < ETH_HLEN || len > sw->cfg.mtu + ETH_HLEN) {
		p->st.drop_malformed++;
		return -EMSGSIZE;
	}
	if (memcmp(f + 6, p->mac, 6) != 0) {
		p->st.drop_spoofed++;
		return -EPERM;
	}
	if (!rate_ok(p, len)) {
		p->st.drop_rate++;
		return -ENOBUFS;
	}
	if (sw->depth >= MAX_DEPTH) {
		p->st.drop_nodest++;
		return -ELOOP;
	}
	sw->depth++;
	switch (rd16(f + 12)) {
	case ETH_P_ARP: rc = arp_input(p, f, len); break;
	case ETH_P_IPV4: rc = ipv4_input(p, f, len); break;
	default:
		p->st.drop_malformed++;
		rc = -EPROTO;
		break;
	}
	sw->depth--;
	return rc;
}

/* --- the switch and its ports ------------------------------------------------------------ */

struct netsw *netsw_new(const struct netsw_config *cfg)
{
	const struct netsw_net *n = &cfg->net;
	struct netsw *sw;

	if (cfg->mtu < 576 || cfg->mtu > NETSW_MAX_MTU || (n->subnet & ~n->netmask) ||
	    (uint32_t)(~n->netmask & (~n->netmask + 1)) != 0 ||
	    (n->gateway & n->netmask) != n->subnet || (n->dns & n->netmask) != n->subnet ||
	    (n->first_ip & n->netmask) != n->subnet ||
	    (cfg->rate && cfg->burst < cfg->mtu + ETH_HLEN) ||
	    (cfg->recv_rate && cfg->recv_burst < cfg->mtu + ETH_HLEN)) {
		errno = EINVAL;
		return NULL;
	}
	sw = calloc(1, sizeof(*sw));
	if (!sw)
		return NULL;
	sw->cfg = *cfg;
	if (!sw->cfg.clock_ns)
		sw->cfg.clock_ns = default_clock;
	if (!sw->cfg.log)
		sw->cfg.log = default_log;
	sw->gw_mac[0] = 0x52, sw->gw_mac[1] = 0x55;
	wr32(sw->gw_mac + 2, n->gateway);
	sw->up_fd = -1;
	sw->up_state = UP_NONE;
	if (netsw_policy_needs_uplink(cfg->policy))
		uplink_start(sw);
	return sw;
}

void netsw_free(struct netsw *sw)
{
	if (!sw)
		return;
	uplink_stop(sw);
	while (sw->nports)
		netsw_port_remove(sw->ports[0]);
	free(sw->ports);
	free(sw);
}

struct netsw_port *netsw_port_add(struct netsw *sw, const uint8_t mac[6], uint32_t ip,
                                  void (*deliver_fn)(void *ctx, const void *frame, size_t len),
                                  void *ctx)
{
	const struct netsw_net *n = &sw->cfg.net;
	struct netsw_port *p;

	if (!deliver_fn || (mac[0] & 1) || memcmp(mac, zero, 6) == 0 ||
	    memcmp(mac, sw->gw_mac, 6) == 0 || (ip & n->netmask) != n->subnet || ip == n->subnet ||
	    ip == (n->subnet | ~n->netmask) || ip == n->gateway || ip == n->dns) {
		errno = EINVAL;
		return NULL;
	}
	if (port_by_mac(sw, mac) || port_by_ip(sw, ip)) {
		errno = EEXIST;
		return NULL;
	}
	if (sw->nports == NETSW_MAX_PORTS) {
		errno = ENOSPC;
		return NULL;
	}
	if (sw->nports == sw->cap) {
		size_t cap = sw->cap ? sw->cap * 2 : 64;
		struct netsw_port **more = realloc(sw->ports, cap * sizeof(*more));

		if (!more)
			return NULL;
		sw->ports = more;
		sw->cap = cap;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->sw = sw;
	memcpy(p->mac, mac, 6);
	p->ip = ip;
	p->deliver = deliver_fn;
	p->ctx = ctx;
	p->tokens = sw->cfg.burst;
	p->last_ns = sw->cfg.clock_ns(sw->cfg.clock_ctx);
	p->rx_tokens = sw->cfg.recv_burst;
	p->rx_last_ns = p->last_ns;
	sw->ports[sw->nports++] = p;
	p->mac_next = sw->by_mac[mac_bucket(mac)];
	sw->by_mac[mac_bucket(mac)] = p;
	p->ip_next = sw->by_ip[ip_bucket(ip)];
	sw->by_ip[ip_bucket(ip)] = p;
	if (uplink_alive(sw)) { /* slirp learns a gratuitous ARP: it need not ask */
		uint8_t garp[ETH_HLEN + ARP_LEN];

		make_arp(garp, bcast, 1, mac, ip, zero, ip);
		uplink_send(sw, garp, sizeof(garp));
	}
	return p;
}

static void uplink_frame(struct netsw *sw, const uint8_t *f, size_t len);

/* A control frame to the uplink (uplink_proto.h); 0 or -1. */
static int control_send(struct netsw *sw, uint32_t op, const struct netsw_publish *pub,
                        uint32_t guest_ip, uint32_t id)
{
	struct uplink_ctl c = { .op = op, .id = id, .udp = pub->proto == IPPROTO_UDP };
	uint8_t f[ETH_HLEN + sizeof(c)];

	if (sw->up_fd < 0)
		return -1;
	memcpy(c.magic, UPLINK_CTL_MAGIC, 8);
	c.host_addr = pub->host_addr;
	c.host_port = pub->host_port;
	c.guest_addr = guest_ip;
	c.guest_port = pub->guest_port;
	memcpy(f, sw->gw_mac, 6);
	memset(f + 6, 0, 6);
	wr16(f + 12, UPLINK_ETH_CTL);
	memcpy(f + ETH_HLEN, &c, sizeof(c));
	return uplink_send(sw, f, sizeof(f));
}

void netsw_port_announce(struct netsw_port *p)
{
	struct netsw *sw = p->sw;

	for (int i = 0; i < 2; i++) {
		uint8_t req[ETH_HLEN + ARP_LEN], from[6];
		uint32_t a = i ? sw->cfg.net.dns : sw->cfg.net.gateway;

		from[0] = 0x52, from[1] = 0x55;
		wr32(from + 2, a);
		make_arp(req, p->mac, 1, from, a, zero, p->ip);
		deliver(p, req, sizeof(req));
	}
}

static void stats_add(struct netsw_port_stats *to, const struct netsw_port_stats *s)
{
	to->rx_frames += s->rx_frames;
	to->rx_bytes += s->rx_bytes;
	to->tx_frames += s->tx_frames;
	to->tx_bytes += s->tx_bytes;
	to->drop_malformed += s->drop_malformed;
	to->drop_spoofed += s->drop_spoofed;
	to->drop_rate += s->drop_rate;
	to->drop_recv_rate += s->drop_recv_rate;
	to->drop_policy += s->drop_policy;
	to->drop_nodest += s->drop_nodest;
	to->rst_sent += s->rst_sent;
}

void netsw_port_remove(struct netsw_port *p)
{
	struct netsw *sw;

	if (!p)
		return;
	sw = p->sw;
	for (size_t i = 0; i < p->npubs; i++)
		control_send(sw, UPLINK_CTL_UNPUBLISH, &p->pubs[i], p->ip, 0);
	for (size_t i = 0; i < sw->nports; i++) {
		if (sw->ports[i] == p) {
			sw->ports[i] = sw->ports[--sw->nports];
			break;
		}
	}
	for (struct netsw_port **pp = &sw->by_mac[mac_bucket(p->mac)]; *pp; pp = &(*pp)->mac_next)
		if (*pp == p) {
			*pp = p->mac_next;
			break;
		}
	for (struct netsw_port **pp = &sw->by_ip[ip_bucket(p->ip)]; *pp; pp = &(*pp)->ip_next)
		if (*pp == p) {
			*pp = p->ip_next;
			break;
		}
	stats_add(&sw->gone, &p->st);
	free(p);
}

int netsw_publish(struct netsw_port *p, const struct netsw_publish *pub, char *err, size_t errlen)
{
	struct netsw *sw = p->sw;
	uint64_t end;
	uint32_t id = ++sw->ctl_id;
	int rc;

	if (p->npubs == NETSW_PORT_PUBLISH_MAX) {
		snprintf(err, errlen, "more than %d published ports for one VM",
		         NETSW_PORT_PUBLISH_MAX);
		return -ENOSPC;
	}
	if (sw->up_state == UP_NONE)
		uplink_start(sw);
	rc = netsw_uplink_wait(sw, CTL_WAIT_MS, err, errlen);
	if (rc)
		return rc == -ETIMEDOUT
		               ? (snprintf(err, errlen, "the network uplink does not answer"), rc)
		               : rc;
	if (control_send(sw, UPLINK_CTL_PUBLISH, pub, p->ip, id) < 0) {
		snprintf(err, errlen, "cannot reach the network uplink");
		return -EPIPE;
	}
	/* Frames that come meanwhile are delivered as usual. */
	end = default_clock(NULL) + (uint64_t)CTL_WAIT_MS * 1000000u;
	while (sw->up_fd >= 0) {
		struct pollfd pfd = { .fd = sw->up_fd, .events = POLLIN };
		uint64_t now = default_clock(NULL);
		struct uplink_ctl_reply r;
		ssize_t n;

		if (now >= end)
			break;
		if (poll(&pfd, 1, (int)((end - now + 999999) / 1000000)) <= 0)
			continue;
		n = recv(sw->up_fd, sw->rxbuf, sizeof(sw->rxbuf), MSG_DONTWAIT | MSG_TRUNC);
		if (n <= 0 && !(n < 0 && (errno == EAGAIN || errno == EINTR)))
			break;
		if (n <= 0 || (size_t)n > sizeof(sw->rxbuf))
			continue;
		if ((size_t)n != ETH_HLEN + sizeof(r) || rd16(sw->rxbuf + 12) != UPLINK_ETH_CTL) {
			uplink_frame(sw, sw->rxbuf, (size_t)n);
			continue;
		}
		memcpy(&r, sw->rxbuf + ETH_HLEN, sizeof(r));
		if (memcmp(r.magic, UPLINK_CTL_MAGIC, 8) != 0 || r.id != id)
			continue;
		if (r.err) {
			r.msg[sizeof(r.msg) - 1] = '\0';
			snprintf(err, errlen, "%s", r.msg[0] ? r.msg : strerror(r.err));
			return -r.err;
		}
		p->pubs[p->npubs] = *pub;
		p->pubs[p->npubs++].guest_ip = p->ip;
		return 0;
	}
	snprintf(err, errlen, "the network uplink does not answer");
	return -ETIMEDOUT;
}

void netsw_stats(const struct netsw *sw, struct netsw_stats *out)
{
	*out = sw->up;
	memset(&out->ports, 0, sizeof(out->ports));
	stats_add(&out->ports, &sw->gone);
	for (size_t i = 0; i < sw->nports; i++)
		stats_add(&out->ports, &sw->ports[i]->st);
}

void netsw_port_stats(const struct netsw_port *p, struct netsw_port_stats *out)
{
	*out = p->st;
}

/* --- frames from the uplink -------------------------------------------------------------- */

int netsw_fds(struct netsw *sw, struct pollfd *out, int max)
{
	if (sw->up_fd < 0 || max < 1)
		return 0;
	out[0].fd = sw->up_fd;
	out[0].events = POLLIN;
	out[0].revents = 0;
	return 1;
}

/* The uplink's first message: its start-up status. */
static void uplink_status(struct netsw *sw, const uint8_t *m, size_t len)
{
	struct uplink_status st;

	memset(&st, 0, sizeof(st));
	memcpy(&st, m, len < sizeof(st) ? len : sizeof(st));
	st.msg[sizeof(st.msg) - 1] = '\0';
	if (len < offsetof(struct uplink_status, msg) ||
	    memcmp(st.magic, UPLINK_STATUS_MAGIC, 8) != 0) {
		uplink_fail(sw, EPROTO, "the network uplink sent no status%s%s", "", "");
		uplink_stop(sw);
		return;
	}
	if (st.err != 0) {
		uplink_fail(sw, st.err > 0 && st.err < 4096 ? st.err : EIO, "%s%s", st.msg, "");
		uplink_stop(sw);
		return;
	}
	sw->up_state = UP_READY;
}

/* A frame slirp sent: to the port owning its destination MAC, or to every port. */
static void uplink_frame(struct netsw *sw, const uint8_t *f, size_t len)
{
	struct netsw_port *to;
	uint16_t type;

	sw->up.uplink_rx_frames++;
	sw->up.uplink_rx_bytes += len;
	type = len >= ETH_HLEN ? rd16(f + 12) : 0;
	if (len < ETH_HLEN || len > sw->cfg.mtu + ETH_HLEN ||
	    (type != ETH_P_IPV4 && type != ETH_P_ARP)) {
		sw->up.uplink_drop++;
		return;
	}
	if (f[0] & 1) {
		flood(sw, NULL, f, len);
		return;
	}
	to = port_by_mac(sw, f);
	if (!to) {
		sw->up.uplink_drop++;
		return;
	}
	deliver(to, f, len);
}

void netsw_service(struct netsw *sw)
{
	for (int i = 0; i < SERVICE_BATCH && sw->up_fd >= 0; i++) {
		ssize_t n = recv(sw->up_fd, sw->rxbuf, sizeof(sw->rxbuf), MSG_DONTWAIT | MSG_TRUNC);

		if (n < 0) {
			/* ECONNRESET: it exited with frames of ours unread; what it
			 * sent before (its status) is still queued: read on. */
			if (errno == EINTR || errno == ECONNRESET)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			n = 0; /* any other error: as if it had gone */
		}
		if (n == 0) {
			if (sw->up_state != UP_FAILED)
				uplink_fail(sw, EPIPE, "the network uplink exited%s%s", "", "");
			if (!sw->up_lazy) /* uplink_fail logged it */
				sw->cfg.log(sw->cfg.log_ctx, sw->up_msg);
			uplink_stop(sw);
			return;
		}
		if ((size_t)n > sizeof(sw->rxbuf)) { /* truncated: larger than any frame */
			sw->up.uplink_drop++;
			continue;
		}
		if (sw->up_state == UP_STARTING)
			uplink_status(sw, sw->rxbuf, (size_t)n);
		else
			uplink_frame(sw, sw->rxbuf, (size_t)n);
	}
}

int netsw_uplink_wait(struct netsw *sw, int timeout_ms, char *msg, size_t len)
{
	uint64_t end = default_clock(NULL) + (uint64_t)timeout_ms * 1000000u;

	for (;;) {
		struct pollfd pfd = { .fd = sw->up_fd, .events = POLLIN };
		uint64_t now;

		if (sw->up_state == UP_NONE || sw->up_state == UP_READY)
			return 0;
		if (sw->up_state == UP_FAILED) {
			if (msg && len)
				snprintf(msg, len, "%s", sw->up_msg);
			return -sw->up_err;
		}
		now = default_clock(NULL);
		if (now >= end)
			return -ETIMEDOUT;
		if (poll(&pfd, 1, (int)((end - now + 999999) / 1000000)) < 0 && errno != EINTR)
			return -errno;
		/* Only the status can come first: read just that. */
		if (pfd.revents) {
			ssize_t n = recv(sw->up_fd, sw->rxbuf, sizeof(sw->rxbuf), MSG_DONTWAIT);

			/* ECONNRESET: it exited with frames of ours unread (a failed
			 * start); the status it sent first is still queued. */
			if (n < 0 && errno == ECONNRESET)
				n = recv(sw->up_fd, sw->rxbuf, sizeof(sw->rxbuf), MSG_DONTWAIT);
			if (n > 0) {
				uplink_status(sw, sw->rxbuf, (size_t)n);
			} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
				uplink_fail(sw, EPIPE,
				            "the network uplink exited before it was up%s%s", "",
				            "");
				uplink_stop(sw);
			}
		}
	}
}

bool netsw_uplink_pending(const struct netsw *sw)
{
	return sw->up_state == UP_NONE;
}

void netsw_uplink_start_now(struct netsw *sw)
{
	if (sw->up_state == UP_NONE) {
		sw->up_lazy = true; /* as a DNS query would have started it */
		uplink_start(sw);
	}
}
