/* nanvix-api: the control daemon (docs/api.md): options, listeners and the event loop. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "api.h"
#include "sandbox.h"

struct api_options api_opt;
int api_epfd = -1;
static bool no_seccomp; /* --no-seccomp */

static const char usage_text[] =
        "usage: nanvix-api [OPTIONS]\n"
        "       nanvix-api keygen NAME SCOPES\n"
        "\n"
        "The control daemon: an HTTP/1.1 + JSON API (docs/api/openapi.yaml) that\n"
        "creates, starts, stops and watches micro-VMs, each a nanvixd process.\n"
        "The nanvix command (nanvix run, ps, logs, stop...) and the Python SDK\n"
        "(sdk/python) are its clients.\n"
        "\n"
        "examples:\n"
        "  nanvix-api --allow-path \"$PWD/bin\" &\n"
        "      serve the owner of $XDG_RUNTIME_DIR/nanvix/api.sock, running programs of ./bin\n"
        "  curl --unix-socket $XDG_RUNTIME_DIR/nanvix/api.sock http://localhost/v1/vms\n"
        "  nanvix-api keygen ci read,invoke\n"
        "      a new API key (printed once) and the line for the --keys file\n"
        "  nanvix-api --keys keys.json --listen 127.0.0.1:7070 --allow-path /srv/images\n"
        "      also on TCP, every request with Authorization: Bearer KEY\n"
        "\n"
        "options:\n"
        "  -s, --socket PATH       the Unix socket (mode 0600; default\n"
        "                          $XDG_RUNTIME_DIR/nanvix/api.sock, as root\n"
        "                          /run/nanvix/api.sock, else /tmp/nanvix-UID/api.sock)\n"
        "      --state DIR         VMs' console logs, snapshots, the audit log (default\n"
        "                          $XDG_STATE_HOME/nanvix or ~/.local/state/nanvix; as\n"
        "                          root /var/lib/nanvix)\n"
        "      --listen ADDR:PORT  also listen on TCP; ADDR must be a loopback address,\n"
        "                          and --keys is required\n"
        "      --keys FILE         API keys (JSON: {\"keys\": [{\"name\", \"sha256\", \"scopes\",\n"
        "                          \"rate\", \"burst\"}]}, lines from nanvix-api keygen);\n"
        "                          without it whoever can open the socket has every scope\n"
        "      --allow-path DIR    programs, disks and volumes must be inside DIR\n"
        "                          (repeatable).  Without it and without --keys, any\n"
        "                          path the daemon can read; with --keys, none\n"
        "      --nanvixd PATH      the nanvixd to run (default: beside nanvix-api)\n"
        "      --trust POLICY      give every VM nanvixd --trust POLICY (docs/trust.md)\n"
        "      --audit FILE        the audit log, JSON lines (default STATE/audit.log)\n"
        "      --max-vms N         VMs held at once, exited ones included (4096)\n"
        "      --max-memory SIZE   the most memory a VM may ask for (4G)\n"
        "      --max-conns N       client connections at once (256)\n"
        "      --max-body SIZE     a request body at most (1M)\n"
        "      --client-timeout S  seconds a client has to send a request, and to\n"
        "                          take each part of a reply (10)\n"
        "      --notify-fd N       once listening, write READY=1 to fd N and close it\n"
        "      --no-seccomp        do not confine the daemon to its system-call allowlist\n"
        "                          (docs/security.md; for debugging)\n"
        "  -h, --help              this text\n"
        "      --version           the version\n"
        "\n"
        "It prints \"nanvix-api: ready unix:PATH\" once it listens.  SIGTERM or SIGINT\n"
        "kills every VM it runs and exits 0.  Exit status 2: a bad command line;\n"
        "1: it cannot start (the message says why); 119: it made a system call its\n"
        "seccomp allowlist forbids (a bug, or an attack: reported; its VMs die with it).\n";

static void die(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));
static void die(int status, const char *fmt, ...)
{
	va_list ap;

	fputs("nanvix-api: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(status);
}

double api_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double api_wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t parse_size(const char *opt, const char *s)
{
	uint64_t v = api_size(s, 1);

	if (!v)
		die(2, "%s '%s': expected a size such as 64M", opt, s);
	return v;
}

static long parse_int(const char *opt, const char *s, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (end == s || *end || errno || v < lo || v > hi)
		die(2, "%s '%s': expected a whole number from %ld to %ld", opt, s, lo, hi);
	return v;
}

static char *owned(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *owned(const char *fmt, ...)
{
	char *s;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		die(1, "out of memory");
	va_end(ap);
	return s;
}

static void defaults(void)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR"), *home = getenv("HOME");
	const char *state = getenv("XDG_STATE_HOME");
	char self[PATH_MAX];
	ssize_t n;

	if (!api_opt.socket_path)
		api_opt.socket_path = xdg && xdg[0] == '/' ? owned("%s/nanvix/api.sock", xdg)
		                      : getuid() == 0
		                              ? "/run/nanvix/api.sock"
		                              : owned("/tmp/nanvix-%d/api.sock", (int)getuid());
	if (!api_opt.state_dir)
		api_opt.state_dir = getuid() == 0              ? "/var/lib/nanvix"
		                    : state && state[0] == '/' ? owned("%s/nanvix", state)
		                    : home && home[0] == '/'
		                            ? owned("%s/.local/state/nanvix", home)
		                            : owned("/tmp/nanvix-%d/state", (int)getuid());
	if (!api_opt.nanvixd) {
		n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (n <= 0)
			die(1, "cannot find my own executable: %s (give --nanvixd)",
			    strerror(errno));
		self[n] = '\0';
		*strrchr(self, '/') = '\0';
		api_opt.nanvixd = owned("%s/nanvixd", self);
	}
	if (!api_opt.audit)
		api_opt.audit = owned("%s/audit.log", api_opt.state_dir);
}

static struct api_watch unix_watch = { WATCH_LISTEN_UNIX }, tcp_watch = { WATCH_LISTEN_TCP },
                        sig_watch = { WATCH_SIGNAL }, timer_watch = { WATCH_TIMER };

/* Nothing inherited but stdin, stdout, stderr and --notify-fd's (docs/security.md). */
static void close_inherited(int keep)
{
	if (keep > 3)
		close_range(3, (unsigned)keep - 1, 0);
	close_range(keep >= 3 ? (unsigned)keep + 1 : 3, ~0u, 0);
}

static void watch(int fd, struct api_watch *w)
{
	struct epoll_event e = { .events = EPOLLIN, .data.ptr = w };

	if (epoll_ctl(api_epfd, EPOLL_CTL_ADD, fd, &e) < 0)
		die(1, "epoll: %s", strerror(errno));
}

static int listen_unix(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, probe, rc;

	if (strlen(path) >= sizeof(sa.sun_path))
		die(2, "--socket %s: longer than %zu bytes", path, sizeof(sa.sun_path) - 1);
	strcpy(sa.sun_path, path);
	if ((rc = api_mkdirs(path, false)) < 0)
		die(1, "cannot make the directory of %s: %s", path, strerror(-rc));
	/* A socket left by a daemon that died is removed; a live one is not. */
	probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (probe >= 0 && connect(probe, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		die(1, "%s: another nanvix-api is listening there", path);
	if (probe >= 0)
		close(probe);
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(path, 0600) < 0 ||
	    listen(fd, 128) < 0)
		die(1, "cannot listen on %s: %s", path, strerror(errno));
	return fd;
}

static int listen_tcp(const char *addr, char *shown, size_t len)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	char host[64];
	const char *colon = strrchr(addr, ':');
	int fd, one = 1;

	if (!colon || (size_t)(colon - addr) >= sizeof(host))
		die(2, "--listen '%s': expected ADDR:PORT", addr);
	memcpy(host, addr, (size_t)(colon - addr));
	host[colon - addr] = '\0';
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
		die(2, "--listen '%s': ADDR must be an IPv4 address", addr);
	if ((ntohl(sa.sin_addr.s_addr) >> 24) != 127)
		die(2,
		    "--listen '%s': only loopback addresses (127.x.x.x); put a proxy with TLS in "
		    "front for anything else",
		    addr);
	sa.sin_port = htons((uint16_t)parse_int("--listen port", colon + 1, 0, 65535));
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die(1, "socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 128) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &sl) < 0)
		die(1, "cannot listen on %s: %s", addr, strerror(errno));
	snprintf(shown, len, "http://%s:%d", host, ntohs(sa.sin_port));
	return fd;
}

enum {
	OPT_STATE = 256,
	OPT_LISTEN,
	OPT_KEYS,
	OPT_ALLOW,
	OPT_NANVIXD,
	OPT_TRUST,
	OPT_AUDIT,
	OPT_MAX_VMS,
	OPT_MAX_MEMORY,
	OPT_MAX_CONNS,
	OPT_MAX_BODY,
	OPT_CLIENT_TIMEOUT,
	OPT_NOTIFY,
	OPT_NO_SECCOMP,
	OPT_VERSION
};

static void parse(int argc, char **argv)
{
	static const struct option longs[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "state", required_argument, NULL, OPT_STATE },
		{ "listen", required_argument, NULL, OPT_LISTEN },
		{ "keys", required_argument, NULL, OPT_KEYS },
		{ "allow-path", required_argument, NULL, OPT_ALLOW },
		{ "nanvixd", required_argument, NULL, OPT_NANVIXD },
		{ "trust", required_argument, NULL, OPT_TRUST },
		{ "audit", required_argument, NULL, OPT_AUDIT },
		{ "max-vms", required_argument, NULL, OPT_MAX_VMS },
		{ "max-memory", required_argument, NULL, OPT_MAX_MEMORY },
		{ "max-conns", required_argument, NULL, OPT_MAX_CONNS },
		{ "max-body", required_argument, NULL, OPT_MAX_BODY },
		{ "client-timeout", required_argument, NULL, OPT_CLIENT_TIMEOUT },
		{ "notify-fd", required_argument, NULL, OPT_NOTIFY },
		{ "no-seccomp", no_argument, NULL, OPT_NO_SECCOMP },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	char real[PATH_MAX], *end;
	int c;

	api_opt.max_vms = 4096;
	api_opt.max_conns = 256;
	api_opt.max_body = 1 << 20;
	api_opt.max_memory = 4ull << 30;
	api_opt.client_timeout = 10;
	api_opt.notify_fd = -1;
	while ((c = getopt_long(argc, argv, "s:h", longs, NULL)) != -1) {
		switch (c) {
		case 's': api_opt.socket_path = optarg; break;
		case OPT_STATE: api_opt.state_dir = optarg; break;
		case OPT_LISTEN: api_opt.listen = optarg; break;
		case OPT_KEYS: api_opt.keys_file = optarg; break;
		case OPT_ALLOW:
			if (api_opt.nallow == API_ALLOW_MAX)
				die(2, "--allow-path: at most %d", API_ALLOW_MAX);
			if (!realpath(optarg, real))
				die(2, "--allow-path %s: %s", optarg, strerror(errno));
			api_opt.allow[api_opt.nallow++] = owned("%s", real);
			break;
		case OPT_NANVIXD: api_opt.nanvixd = optarg; break;
		case OPT_TRUST: api_opt.trust = optarg; break;
		case OPT_AUDIT: api_opt.audit = optarg; break;
		case OPT_MAX_VMS:
			api_opt.max_vms = (int)parse_int("--max-vms", optarg, 1, 1 << 20);
			break;
		case OPT_MAX_MEMORY: api_opt.max_memory = parse_size("--max-memory", optarg); break;
		case OPT_MAX_CONNS:
			api_opt.max_conns = (int)parse_int("--max-conns", optarg, 1, 65536);
			break;
		case OPT_MAX_BODY: api_opt.max_body = parse_size("--max-body", optarg); break;
		case OPT_CLIENT_TIMEOUT:
			api_opt.client_timeout = strtod(optarg, &end);
			if (end == optarg || *end ||
			    !(api_opt.client_timeout > 0 && api_opt.client_timeout <= 3600))
				die(2,
				    "--client-timeout '%s': expected seconds above 0, at most 3600",
				    optarg);
			break;
		case OPT_NOTIFY:
			api_opt.notify_fd = (int)parse_int("--notify-fd", optarg, 3, INT_MAX);
			break;
		case OPT_NO_SECCOMP: no_seccomp = true; break;
		case 'h': fputs(usage_text, stdout); exit(0);
		case OPT_VERSION: printf("nanvix-api %s\n", API_VERSION); exit(0);
		default: fputs(usage_text, stderr); exit(2);
		}
	}
	if (optind < argc)
		die(2, "unexpected argument '%s' (see --help)", argv[optind]);
	if (api_opt.listen && !api_opt.keys_file)
		die(2, "--listen needs --keys: a TCP listener takes only requests with an API key");
	if (api_opt.state_dir && strlen(api_opt.state_dir) > 2048)
		die(2, "--state: at most 2048 bytes");
	if (api_opt.max_body > (64u << 20))
		die(2, "--max-body: at most 64M");
	api_opt.allow_any = api_opt.nallow == 0 && !api_opt.keys_file;
}

int main(int argc, char **argv)
{
	char err[512], tcp_shown[96] = "", path[PATH_MAX];
	int ufd, tfd = -1, sfd, timer, rc;
	struct itimerspec tick = { { 0, API_TICK_MS * 1000000L }, { 0, API_TICK_MS * 1000000L } };
	sigset_t set;
	bool stopping = false;

	if (argc >= 2 && !strcmp(argv[1], "keygen")) {
		if (argc != 4)
			die(2, "usage: nanvix-api keygen NAME SCOPES (e.g. ci read,invoke)");
		return auth_keygen(argv[2], argv[3]) == 0 ? 0 : 2;
	}
	parse(argc, argv);
	defaults();
	close_inherited(api_opt.notify_fd);
	umask(077);
	/* First, before it opens or reads anything: nanvixd starts outside the filter (sandbox.c). */
	if (!no_seccomp && (rc = launcher_start()) < 0)
		die(1, "cannot start the launcher: %s (--no-seccomp runs without it)",
		    strerror(-rc));
	signal(SIGPIPE, SIG_IGN);
	if (api_opt.keys_file && auth_load(api_opt.keys_file, err, sizeof(err)) < 0)
		die(2, "--keys %s", err);
	snprintf(path, sizeof(path), "%s/snapshots", api_opt.state_dir);
	if ((rc = api_mkdirs(api_opt.state_dir, true)) < 0 || (rc = api_mkdirs(path, true)) < 0)
		die(1, "cannot make the state directory %s: %s", api_opt.state_dir, strerror(-rc));
	if ((rc = audit_open(api_opt.audit)) < 0)
		die(1, "cannot open the audit log %s: %s", api_opt.audit, strerror(-rc));
	if (access(api_opt.nanvixd, X_OK) < 0)
		die(1, "nanvixd %s: %s (give --nanvixd)", api_opt.nanvixd, strerror(errno));
	if (api_opt.keys_file && api_opt.nallow == 0)
		fprintf(stderr, "nanvix-api: no --allow-path: VMs can only restore snapshots\n");

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	api_epfd = epoll_create1(EPOLL_CLOEXEC);
	sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	timer = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (api_epfd < 0 || sfd < 0 || timer < 0 || timerfd_settime(timer, 0, &tick, NULL) < 0)
		die(1, "cannot set up the event loop: %s", strerror(errno));
	ufd = listen_unix(api_opt.socket_path);
	if (api_opt.listen)
		tfd = listen_tcp(api_opt.listen, tcp_shown, sizeof(tcp_shown));
	watch(ufd, &unix_watch);
	if (tfd >= 0)
		watch(tfd, &tcp_watch);
	watch(sfd, &sig_watch);
	watch(timer, &timer_watch);
	audit("daemon_start", "socket", api_opt.socket_path, "keys",
	      api_opt.keys_file ? api_opt.keys_file : "(none)", NULL);
	/* Listening: from here on it serves clients, confined (sandbox.c). */
	if (!no_seccomp && api_sandbox_install(err, sizeof(err)) < 0)
		die(1, "%s (--no-seccomp runs without it)", err);
	printf("nanvix-api: ready unix:%s%s%s\n", api_opt.socket_path, tcp_shown[0] ? " " : "",
	       tcp_shown);
	fflush(stdout);
	if (api_opt.notify_fd >= 0) {
		if (write(api_opt.notify_fd, "READY=1\n", 8) < 0)
			fprintf(stderr, "nanvix-api: --notify-fd %d: %s\n", api_opt.notify_fd,
			        strerror(errno));
		close(api_opt.notify_fd);
	}

	while (!stopping) {
		struct epoll_event ev[64];
		int n = epoll_wait(api_epfd, ev, 64, -1);

		if (n < 0 && errno != EINTR)
			die(1, "epoll_wait: %s", strerror(errno));
		for (int i = 0; i < n; i++) {
			struct api_watch *w = ev[i].data.ptr;
			struct signalfd_siginfo si;
			uint64_t ticks;

			switch (w->kind) {
			case WATCH_LISTEN_UNIX: conn_accept(ufd, false); break;
			case WATCH_LISTEN_TCP: conn_accept(tfd, true); break;
			case WATCH_SIGNAL:
				while (read(sfd, &si, sizeof(si)) == sizeof(si))
					if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
						stopping = true;
				vm_reap();
				break;
			case WATCH_TIMER:
				if (read(timer, &ticks, sizeof(ticks)) == sizeof(ticks)) {
					double now = api_now();

					vm_tick(now);
					conn_tick(now);
				}
				break;
			case WATCH_CONN: conn_event((struct api_conn *)w, ev[i].events); break;
			case WATCH_VM_CTL: snap_ctl_event((struct vm_ctl *)w); break;
			}
		}
		conn_reap();
		snap_reap();
	}
	conn_close_all();
	vm_shutdown();
	launcher_stop();
	audit("daemon_stop", NULL);
	unlink(api_opt.socket_path);
	return 0;
}
