/* bin/nanvix-uplink: one tenant's libslirp stack and DNS responder in a process of its own, relaying frames on fd 3. */

/*
 * The switch (netsw.c) starts this program with one end of a
 * SOCK_SEQPACKET socketpair as fd 3 (uplink_proto.h).  It sets up one slirp
 * instance, binds the published ports, reports its status, then relays:
 * every message read on fd 3 is a frame for slirp_input, every frame slirp
 * sends is one message on fd 3.  The switch has already applied the
 * egress policy to what arrives here.  The process dies with the switch:
 * end of file on fd 3, which also comes when nanvixd dies.
 *
 * UDP to the DNS address never reaches slirp: the tenant's DNS responder
 * (netsw/dns.h) answers it here, from the host's getaddrinfo.  That call
 * blocks (a name not in /etc/hosts may wait seconds on the host's DNS
 * servers), so it runs in DNS_WORKERS threads, started with the first
 * query that needs one, over DNS_JOBS slots; an eventfd brings their
 * answers back to this loop, which alone writes fd 3.  Queries that need
 * no resolver (AAAA, host.internal, malformed ones) are answered at once.
 * A full queue drops the query (the client retries), and a query that
 * waited DNS_STALE_MS for a worker is dropped unanswered: its client has
 * given up on it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libslirp.h>

#include <monitor/sandbox.h>
#include <netsw/dns.h>
#include <netsw/policy.h>

#include "uplink_proto.h"

#define MAX_POLLFDS      65536 /* slirp's sockets: one a published port, one a connection */
#define MAX_TIMERS       64
#define FRAME_MAX        (65521 + 14)
#define BATCH            64
#define MAX_GUEST_ERRORS 16
#define LINGER_MS        300 /* after the switch is gone: at most this long */
#define QUIET_MS         5   /* ... and until slirp has been idle this long */
#define DNS_WORKERS      4
#define DNS_JOBS         64
#define DNS_STALE_MS     5000

struct timer {
	bool used, armed;
	SlirpTimerCb cb;
	void *cb_opaque;
	int64_t expire_ms;
};

static struct timer timers[MAX_TIMERS];
static struct pollfd pfds[MAX_POLLFDS];
static int npfds;
static int64_t linger_until, quiet_until; /* 0: the switch is there */
static unsigned guest_errors;
static uint8_t frame[FRAME_MAX + 1];

enum job_state { JOB_FREE, JOB_QUEUED, JOB_BUSY, JOB_DONE };

/* One query in the resolver threads' hands; `state` and the rest under dns_lock. */
struct dns_job {
	enum job_state state;
	uint64_t seq; /* queue order */
	int64_t queued_ms;
	struct dns_frame_meta meta;
	size_t qlen, alen; /* alen 0: no answer */
	uint8_t query[DNS_EDNS_MAX];
	uint8_t answer[DNS_EDNS_MAX];
};

static struct dns_job jobs[DNS_JOBS];
static pthread_mutex_t dns_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t dns_cond = PTHREAD_COND_INITIALIZER;
static uint64_t dns_seq;
static int dns_evfd = -1;  /* workers -> loop: answers are ready */
static int dns_workers;    /* threads started (0 until a query needs one) */
static uint32_t dns_addr;  /* the responder's address (--dns) */
static uint32_t host_addr; /* the gateway: host.internal */
static uint16_t dns_ip_id;
static unsigned dns_dropped;
static uint8_t dns_reply[14 + 20 + 8 + DNS_EDNS_MAX];

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Send the start-up status (err 0: up) to the switch. */
static void status(int err, const char *fmt, ...)
{
	struct uplink_status st;
	va_list ap;

	memset(&st, 0, sizeof(st));
	memcpy(st.magic, UPLINK_STATUS_MAGIC, 8);
	st.err = err;
	va_start(ap, fmt);
	vsnprintf(st.msg, sizeof(st.msg), fmt, ap);
	va_end(ap);
	if (send(UPLINK_FD, &st, offsetof(struct uplink_status, msg) + strlen(st.msg) + 1,
	         MSG_NOSIGNAL) < 0)
		exit(1);
}

/* A start-up failure: tell the switch, and stop. */
static void fail(int err, const char *fmt, const char *a, const char *b)
{
	status(err, fmt, a, b);
	exit(2);
}

/* --- slirp's callbacks ----------------------------------------------------------------- */

static ssize_t cb_send_packet(const void *buf, size_t len, void *opaque)
{
	if (send(UPLINK_FD, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
		if (errno == EPIPE || errno == ECONNRESET)
			exit(0); /* the switch is gone */
		                 /* Full: drop; TCP retransmits. */
	}
	return (ssize_t)len;
}

static void cb_guest_error(const char *msg, void *opaque)
{
	if (guest_errors++ < MAX_GUEST_ERRORS)
		fprintf(stderr, "nanvix-uplink: guest error: %s\n", msg);
}

static int64_t cb_clock_get_ns(void *opaque)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void *cb_timer_new(SlirpTimerCb cb, void *cb_opaque, void *opaque)
{
	for (int i = 0; i < MAX_TIMERS; i++) {
		if (!timers[i].used) {
			timers[i] =
			        (struct timer){ .used = true, .cb = cb, .cb_opaque = cb_opaque };
			return &timers[i];
		}
	}
	fprintf(stderr, "nanvix-uplink: out of timers\n");
	exit(1);
}

static void cb_timer_free(void *timer, void *opaque)
{
	memset(timer, 0, sizeof(struct timer));
}

static void cb_timer_mod(void *timer, int64_t expire_ms, void *opaque)
{
	struct timer *t = timer;

	t->armed = true;
	t->expire_ms = expire_ms;
}

static void cb_register_poll_fd(int fd, void *opaque)
{
}

static void cb_unregister_poll_fd(int fd, void *opaque)
{
}

static void cb_notify(void *opaque)
{
}

static int add_poll(int fd, int events, void *opaque)
{
	short ev = 0;

	if (npfds == MAX_POLLFDS) {
		fprintf(stderr, "nanvix-uplink: too many sockets\n");
		exit(1);
	}
	if (events & SLIRP_POLL_IN)
		ev |= POLLIN;
	if (events & SLIRP_POLL_OUT)
		ev |= POLLOUT;
	if (events & SLIRP_POLL_PRI)
		ev |= POLLPRI;
	pfds[npfds] = (struct pollfd){ .fd = fd, .events = ev };
	return npfds++;
}

static int get_revents(int idx, void *opaque)
{
	short re;
	int ev = 0;

	if (idx < 0 || idx >= npfds)
		return 0;
	re = pfds[idx].revents;
	if (re & POLLIN)
		ev |= SLIRP_POLL_IN;
	if (re & POLLOUT)
		ev |= SLIRP_POLL_OUT;
	if (re & POLLPRI)
		ev |= SLIRP_POLL_PRI;
	if (re & POLLERR)
		ev |= SLIRP_POLL_ERR;
	if (re & POLLHUP)
		ev |= SLIRP_POLL_HUP;
	return ev;
}

static const SlirpCb callbacks = {
	.send_packet = cb_send_packet,
	.guest_error = cb_guest_error,
	.clock_get_ns = cb_clock_get_ns,
	.timer_new = cb_timer_new,
	.timer_free = cb_timer_free,
	.timer_mod = cb_timer_mod,
	.register_poll_fd = cb_register_poll_fd,
	.unregister_poll_fd = cb_unregister_poll_fd,
	.notify = cb_notify,
};

/* --- the DNS responder ------------------------------------------------------------------ */

/* The host's resolver (dns_resolve_fn): getaddrinfo, so /etc/hosts and NSS apply. */
static int host_resolve(void *ctx, const char *name, uint32_t *out, size_t max)
{
	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM }, *res, *r;
	size_t n = 0;
	int rc = getaddrinfo(name, NULL, &hints, &res);

	if (rc == EAI_NONAME)
		return -ENOENT;
#if defined(EAI_NODATA) && defined(EAI_ADDRFAMILY)
	if (rc == EAI_NODATA || rc == EAI_ADDRFAMILY) /* the name exists, without IPv4 */
		return 0;
#endif
	if (rc != 0)
		return -EIO;
	for (r = res; r && n < max; r = r->ai_next) {
		uint32_t a;
		size_t i;

		if (r->ai_family != AF_INET)
			continue;
		a = ntohl(((struct sockaddr_in *)r->ai_addr)->sin_addr.s_addr);
		for (i = 0; i < n && out[i] != a; i++)
			;
		if (i == n)
			out[n++] = a;
	}
	freeaddrinfo(res);
	return (int)n;
}

/* The resolver of the loop's own pass: never blocks, notes that a worker is needed. */
static int no_resolve(void *ctx, const char *name, uint32_t *out, size_t max)
{
	*(bool *)ctx = true;
	return -EAGAIN;
}

/* Send payload[len] back to the client of *m as a frame. */
static void dns_send(const struct dns_frame_meta *m, const uint8_t *payload, size_t len)
{
	size_t n = dns_frame_build(m, dns_ip_id++, payload, len, dns_reply, sizeof(dns_reply));

	if (n)
		cb_send_packet(dns_reply, n, NULL);
}

static void *dns_worker(void *arg)
{
	const struct dns_server srv = { .host_addr = host_addr, .resolve = host_resolve };
	uint64_t one = 1;

	pthread_mutex_lock(&dns_lock);
	for (;;) {
		struct dns_job *j = NULL;

		for (int i = 0; i < DNS_JOBS; i++)
			if (jobs[i].state == JOB_QUEUED && (!j || jobs[i].seq < j->seq))
				j = &jobs[i];
		if (!j) {
			pthread_cond_wait(&dns_cond, &dns_lock);
			continue;
		}
		j->state = JOB_BUSY;
		pthread_mutex_unlock(&dns_lock);
		/* A BUSY job is this thread's alone. */
		j->alen =
		        now_ms() - j->queued_ms > DNS_STALE_MS
		                ? 0
		                : dns_answer(&srv, j->query, j->qlen, j->answer, sizeof(j->answer));
		pthread_mutex_lock(&dns_lock);
		j->state = JOB_DONE;
		if (write(dns_evfd, &one, sizeof(one)) < 0) {
			/* The counter cannot overflow at 64 jobs: nothing to do. */
		}
	}
	return NULL;
}

/* Start the workers (once); 0, or -1 when not even one could start. */
static int dns_start(void)
{
	pthread_attr_t at;

	if (dns_workers)
		return 0;
	dns_evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (dns_evfd < 0)
		return -1;
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&at, 256 << 10);
	for (int i = 0; i < DNS_WORKERS; i++) {
		pthread_t t;

		if (pthread_create(&t, &at, dns_worker, NULL) == 0)
			dns_workers++;
	}
	pthread_attr_destroy(&at);
	if (dns_workers == 0) {
		close(dns_evfd);
		dns_evfd = -1;
		return -1;
	}
	return 0;
}

static void dns_drop(const char *why)
{
	if (dns_dropped++ < MAX_GUEST_ERRORS)
		fprintf(stderr, "nanvix-uplink: DNS query dropped: %s\n", why);
}

/*
 * A frame from the switch: when it is UDP to the DNS address, answer it
 * (now, or through a worker) or drop it, and return true: slirp never
 * sees it.  False for every other frame.
 */
static bool dns_input(const uint8_t *f, size_t len)
{
	struct dns_server srv = { .host_addr = host_addr, .resolve = no_resolve };
	struct dns_frame_meta m;
	const uint8_t *q;
	uint8_t ans[DNS_EDNS_MAX];
	bool wants = false;
	size_t qlen, n;
	int rc = dns_frame_parse(f, len, dns_addr, &m, &q, &qlen);

	if (rc == 0)
		return false;
	if (rc < 0 || qlen > DNS_EDNS_MAX)
		return true;
	srv.ctx = &wants;
	n = dns_answer(&srv, q, qlen, ans, sizeof(ans));
	if (!wants) {
		if (n)
			dns_send(&m, ans, n);
		return true;
	}
	if (dns_start() < 0) { /* no thread: answer here, blocking the loop */
		srv.resolve = host_resolve;
		n = dns_answer(&srv, q, qlen, ans, sizeof(ans));
		if (n)
			dns_send(&m, ans, n);
		return true;
	}
	pthread_mutex_lock(&dns_lock);
	for (int i = 0; i < DNS_JOBS; i++) {
		struct dns_job *j = &jobs[i];

		if (j->state == JOB_FREE) {
			j->state = JOB_QUEUED;
			j->seq = dns_seq++;
			j->queued_ms = now_ms();
			j->meta = m;
			j->qlen = qlen;
			memcpy(j->query, q, qlen);
			pthread_cond_signal(&dns_cond);
			pthread_mutex_unlock(&dns_lock);
			return true;
		}
	}
	pthread_mutex_unlock(&dns_lock);
	dns_drop("every resolver slot is busy");
	return true;
}

/* The workers' answers: send them, free their jobs. */
static void dns_collect(void)
{
	uint64_t v;

	if (read(dns_evfd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return;
	pthread_mutex_lock(&dns_lock);
	for (int i = 0; i < DNS_JOBS; i++) {
		struct dns_job *j = &jobs[i];

		if (j->state == JOB_DONE) {
			if (j->alen)
				dns_send(&j->meta, j->answer, j->alen);
			j->state = JOB_FREE;
		}
	}
	pthread_mutex_unlock(&dns_lock);
}

/* --- start-up -------------------------------------------------------------------------- */

static struct in_addr in4(uint32_t host_order)
{
	struct in_addr a = { .s_addr = htonl(host_order) };

	return a;
}

/*
 * A control frame from the switch (uplink_proto.h): publish or withdraw a
 * port for a VM that attached after the uplink started.  Returns 1 when
 * `f` was one (answered), 0 for an ordinary frame.
 */
static int control_input(Slirp *slirp, const uint8_t *f, size_t len)
{
	struct uplink_ctl c;
	struct uplink_ctl_reply r;
	uint8_t out[14 + sizeof(r)];
	struct in_addr ha;

	if (len < 14 || f[12] != (UPLINK_ETH_CTL >> 8) || f[13] != (UPLINK_ETH_CTL & 0xff))
		return 0;
	if (len != 14 + sizeof(c))
		return 1; /* malformed: dropped */
	memcpy(&c, f + 14, sizeof(c));
	if (memcmp(c.magic, UPLINK_CTL_MAGIC, 8) != 0 || c.udp > 1 || !c.host_port || !c.guest_port)
		return 1;
	memset(&r, 0, sizeof(r));
	memcpy(r.magic, UPLINK_CTL_MAGIC, 8);
	r.id = c.id;
	ha = in4(c.host_addr);
	errno = 0;
	if (c.op == UPLINK_CTL_PUBLISH) {
		if (slirp_add_hostfwd(slirp, (int)c.udp, ha, c.host_port, in4(c.guest_addr),
		                      c.guest_port) < 0) {
			r.err = errno ? errno : EADDRINUSE;
			snprintf(r.msg, sizeof(r.msg), "cannot publish %s:%u/%s: %s", inet_ntoa(ha),
			         (unsigned)c.host_port, c.udp ? "udp" : "tcp", strerror(r.err));
		}
	} else if (c.op == UPLINK_CTL_UNPUBLISH) {
		slirp_remove_hostfwd(slirp, (int)c.udp, ha, c.host_port);
	} else {
		r.err = EINVAL;
		snprintf(r.msg, sizeof(r.msg), "unknown control operation %u", (unsigned)c.op);
	}
	memcpy(out, f + 6, 6); /* back to the switch's "address" */
	memset(out + 6, 0, 6);
	out[12] = UPLINK_ETH_CTL >> 8;
	out[13] = UPLINK_ETH_CTL & 0xff;
	memcpy(out + 14, &r, sizeof(r));
	if (send(UPLINK_FD, out, sizeof(out), MSG_NOSIGNAL) < 0)
		perror("nanvix-uplink: control reply");
	return 1;
}

/* "tcp:127.0.0.1:8080-10.0.2.15:80" -> slirp_add_hostfwd; exits with a status on failure. */
static void publish(Slirp *slirp, const char *spec)
{
	char buf[96], *haddr, *hport, *gaddr, *gport, *dash;
	uint32_t ha, ga;
	long hp, gp;
	int udp;

	if (snprintf(buf, sizeof(buf), "%s", spec) >= (int)sizeof(buf))
		fail(EINVAL, "bad publish spec %s%s", spec, "");
	if (strncmp(buf, "tcp:", 4) == 0)
		udp = 0;
	else if (strncmp(buf, "udp:", 4) == 0)
		udp = 1;
	else
		fail(EINVAL, "bad publish spec %s%s", spec, "");
	haddr = buf + 4;
	dash = strchr(haddr, '-');
	hport = strchr(haddr, ':');
	if (!dash || !hport || hport > dash)
		fail(EINVAL, "bad publish spec %s%s", spec, "");
	*dash = '\0';
	*hport++ = '\0';
	gaddr = dash + 1;
	gport = strchr(gaddr, ':');
	if (!gport)
		fail(EINVAL, "bad publish spec %s%s", spec, "");
	*gport++ = '\0';
	hp = strtol(hport, NULL, 10);
	gp = strtol(gport, NULL, 10);
	if (netsw_parse_ipv4(haddr, &ha) < 0 || netsw_parse_ipv4(gaddr, &ga) < 0 || hp < 1 ||
	    hp > 65535 || gp < 1 || gp > 65535)
		fail(EINVAL, "bad publish spec %s%s", spec, "");
	errno = 0;
	if (slirp_add_hostfwd(slirp, udp, in4(ha), (int)hp, in4(ga), (int)gp) < 0) {
		int e = errno ? errno : EADDRINUSE;

		status(e, "cannot publish %s:%ld/%s: %s", haddr, hp, udp ? "udp" : "tcp",
		       strerror(e));
		exit(2);
	}
}

/*
 * `nanvix-uplink --resolve NAME`: print NAME's IPv4 addresses, one a line,
 * and exit 0 (1 when it has none).  nanvixd is static, where getaddrinfo's
 * NSS modules cannot load; it resolves --net-allow hostnames through this.
 */
static int resolve(const char *name)
{
	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM }, *res, *r;
	int n = 0;

	if (getaddrinfo(name, NULL, &hints, &res) != 0)
		return 1;
	for (r = res; r; r = r->ai_next) {
		char buf[INET_ADDRSTRLEN];

		if (r->ai_family == AF_INET &&
		    inet_ntop(AF_INET, &((struct sockaddr_in *)r->ai_addr)->sin_addr, buf,
		              sizeof(buf))) {
			printf("%s\n", buf);
			n++;
		}
	}
	freeaddrinfo(res);
	return n > 0 ? 0 : 1;
}

static const char *opt(const char *arg, const char *name)
{
	size_t n = strlen(name);

	return strncmp(arg, name, n) == 0 ? arg + n : NULL;
}

int main(int argc, char **argv)
{
	SlirpConfig cfg;
	Slirp *slirp;
	struct stat st;
	uint32_t net = 0x0a000200u, gw = 0x0a000202u, dns = 0x0a000203u;
	unsigned long prefix = 24, mtu = 1500;
	int first_pub = argc;
	const char *v;

	if (argc == 3 && strcmp(argv[1], "--resolve") == 0)
		return resolve(argv[2]);

	/* Die with the switch's process: end of file on fd 3 (its end closes
	 * when it exits, however it exits), not PR_SET_PDEATHSIG, which follows
	 * the thread that started us (a VM's thread in bin/macrokernel).  Hold
	 * nothing of it; never gain privileges. */
	if (getppid() == 1)
		return 1;
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	close_range(UPLINK_FD + 1, ~0u, 0);
	signal(SIGPIPE, SIG_IGN);
	if (fstat(UPLINK_FD, &st) < 0 || !S_ISSOCK(st.st_mode)) {
		fprintf(stderr, "nanvix-uplink: fd 3 is not a socket: this program is started by "
		                "nanvixd, not by hand\n");
		return 1;
	}

	for (int i = 1; i < argc; i++) {
		char *s;

		if ((v = opt(argv[i], "--mtu="))) {
			mtu = strtoul(v, &s, 10);
			if (*s || mtu < 576 || mtu > 65521)
				fail(EINVAL, "bad option %s%s", argv[i], "");
		} else if ((v = opt(argv[i], "--net="))) {
			char b[32];

			snprintf(b, sizeof(b), "%s", v);
			s = strchr(b, '/');
			if (!s)
				fail(EINVAL, "bad option %s%s", argv[i], "");
			*s++ = '\0';
			prefix = strtoul(s, &s, 10);
			if (*s || prefix < 1 || prefix > 30 || netsw_parse_ipv4(b, &net) < 0)
				fail(EINVAL, "bad option %s%s", argv[i], "");
		} else if ((v = opt(argv[i], "--gateway="))) {
			if (netsw_parse_ipv4(v, &gw) < 0)
				fail(EINVAL, "bad option %s%s", argv[i], "");
		} else if ((v = opt(argv[i], "--dns="))) {
			if (netsw_parse_ipv4(v, &dns) < 0)
				fail(EINVAL, "bad option %s%s", argv[i], "");
		} else if (argv[i][0] == '-') {
			fail(EINVAL, "unknown option %s%s", argv[i], "");
		} else {
			first_pub = i;
			break;
		}
	}

	memset(&cfg, 0, sizeof(cfg));
	cfg.version = 4;
	cfg.restricted = 0; /* the switch enforces the policy */
	cfg.in_enabled = true;
	cfg.vnetwork = in4(net);
	cfg.vnetmask = in4(0xffffffffu << (32 - prefix));
	cfg.vhost = in4(gw);
	cfg.vnameserver = in4(dns);
	cfg.vdhcp_start = in4(net | 15);
	cfg.in6_enabled = false;
	cfg.if_mtu = mtu;
	cfg.if_mru = mtu;
	cfg.disable_host_loopback = false; /* the gateway is the host's loopback */
	cfg.enable_emu = false;
	cfg.disable_dhcp = true; /* addresses are assigned by the switch */
	dns_addr = dns;
	host_addr = gw;
	slirp = slirp_new(&cfg, &callbacks, NULL);
	if (!slirp)
		fail(EINVAL, "slirp_new failed (mtu %s%s)", "", "");
	for (int i = first_pub; i < argc; i++)
		publish(slirp, argv[i]);
	/* Confined before the first guest frame: libslirp parses what the guest sends. */
	{
		char err[256];

		if (sandbox_install_uplink(err, sizeof(err)) < 0)
			fail(EPERM, "%s%s", err, "");
	}
	status(0, "up");

	for (;;) {
		uint32_t timeout = UINT32_MAX;
		int64_t now;
		int rc;

		/* The switch is gone (its VM ended): what it sent last may still sit
		 * in slirp on its way to a host socket.  Go on while that keeps
		 * happening, LINGER_MS at most, then exit. */
		if (linger_until) {
			now = now_ms();
			if (now >= linger_until || (now >= quiet_until))
				return 0;
			timeout = 2;
		}
		npfds = 0;
		/* Index 0: the switch's socket (-1, ignored, once it is gone). */
		add_poll(linger_until ? -1 : UPLINK_FD, SLIRP_POLL_IN, NULL);
		add_poll(dns_evfd, SLIRP_POLL_IN, NULL); /* index 1; -1 (ignored) until started */
		slirp_pollfds_fill(slirp, &timeout, add_poll, NULL);
		now = now_ms();
		for (int i = 0; i < MAX_TIMERS; i++) {
			if (timers[i].used && timers[i].armed) {
				int64_t d = timers[i].expire_ms - now;

				if (d < 0)
					d = 0;
				if ((uint64_t)d < timeout)
					timeout = (uint32_t)d;
			}
		}
		rc = poll(pfds, (nfds_t)npfds, timeout > INT_MAX ? -1 : (int)timeout);
		if (rc < 0 && errno != EINTR) {
			perror("nanvix-uplink: poll");
			return 1;
		}
		if (linger_until && rc > 0)
			quiet_until = now_ms() + QUIET_MS; /* slirp still has work */
		if (!linger_until && rc > 0 && pfds[0].revents) {
			for (int i = 0; i < BATCH; i++) {
				ssize_t n = recv(UPLINK_FD, frame, sizeof(frame),
				                 MSG_DONTWAIT | MSG_TRUNC);

				if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
					/* the switch closed its end, or died: linger */
					linger_until = now_ms() + LINGER_MS;
					quiet_until = now_ms() + QUIET_MS;
					break;
				}
				if (n < 0)
					break;
				if ((size_t)n > sizeof(frame) || n < 14 ||
				    control_input(slirp, frame, (size_t)n) ||
				    dns_input(frame, (size_t)n))
					continue;
				slirp_input(slirp, frame, (int)n);
			}
		}
		if (rc > 0 && pfds[1].revents)
			dns_collect();
		slirp_pollfds_poll(slirp, rc < 0, get_revents, NULL);
		now = now_ms();
		for (int i = 0; i < MAX_TIMERS; i++) {
			struct timer *t = &timers[i];

			if (t->used && t->armed && t->expire_ms <= now) {
				t->armed = false;
				t->cb(t->cb_opaque);
			}
		}
	}
}
