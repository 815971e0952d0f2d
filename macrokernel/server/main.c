/* bin/macrokernel: the shared macro-kernel that many nanvixd processes attach their VMs to. */
/*
 * One long-lived process per tenant.  It listens on a Unix SOCK_SEQPACKET
 * socket; each nanvixd connects once per VM and hands over its guest RAM
 * (a memfd) and a kick eventfd (server/proto.h).  Every VM gets a thread of
 * its own (server/conn.c) and its own struct mk_vm; all of them share one
 * storage switch, confined to the --root directory, so copy-on-write disks
 * of the same image share one base file.  The main thread only accepts
 * connections and waits for SIGINT/SIGTERM, on which it tells every VM
 * thread to end, removes the socket file and exits.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <abi/ring.h>
#include <blksw/blksw.h>
#include <mk/mk.h>
#include <monitor/sandbox.h>
#include <monitor/spawner.h>
#include <netsw/netsw.h>
#include <sys/eventfd.h>
#include <pthread.h>
#include "server.h"

/* The network pump thread: the switch's uplink and lwIP's timers. */
static volatile int net_stop;
static int net_wake = -1;
static pthread_t net_pump;

static bool net_confined; /* seccomp on: the pump narrows itself (SANDBOX_MK_NET) */

static void *net_thread(void *arg)
{
	char err[160];

	/* Noted now, narrowed once the process's list is on (monitor/sandbox.c). */
	if (net_confined && sandbox_thread(SANDBOX_MK_NET, err, sizeof(err)) < 0) {
		srv_log("network pump: %s", err);
		return NULL;
	}
	mk_net_run(arg, net_wake, &net_stop);
	return NULL;
}

#define MACROKERNEL_VERSION "0.1.0"
#define MAX_VMS_DEFAULT     256
#define MAX_VMS_LIMIT       4096
#define STOP_WAIT_SECS      5

static const char usage_text[] =
        "usage: macrokernel --socket PATH --root DIR [OPTIONS]\n"
        "\n"
        "The shared macro-kernel: serve the file systems and disks of many\n"
        "micro-VMs, each run by a nanvixd started with --macrokernel PATH,\n"
        "including the programs they execve from them.\n"
        "Disk images and volume directories the VMs name are paths relative\n"
        "to DIR; nothing outside DIR is reachable.\n"
        "\n"
        "options:\n"
        "      --socket PATH   listen on this Unix socket (created mode 0600;\n"
        "                      a stale socket file nobody answers on is replaced)\n"
        "      --root DIR      the directory that holds the VMs' disk images and\n"
        "                      volume directories\n"
        "      --max-vms N     attach at most N VMs at once (default 256)\n"
        "      --net-allow HOST|CIDR[:PORT]\n"
        "                      destinations outside the tenant network the VMs\n"
        "                      may reach (repeatable; as nanvixd's, which a VM of\n"
        "                      this macro-kernel cannot widen).  The VMs share one\n"
        "                      network, 10.0.2.0/24, and reach each other\n"
        "      --net-rate RATE, --net-recv-rate RATE\n"
        "                      each VM sends, and receives, at most RATE bytes a\n"
        "                      second (K, M, G; 4K..1T); past it frames are dropped\n"
        "                      (policed: the VMs share one pump, which never\n"
        "                      waits).  Default: sends 256M, receives unbounded\n"
        "      --no-seccomp    do not confine this process to its system-call\n"
        "                      allowlist (by default it is, once it listens; a\n"
        "                      forbidden call ends it with 119 and a line)\n"
        "  -v, --verbose       log each VM's attach and detach to stderr\n"
        "  -h, --help          show this help\n"
        "      --version       show the version\n"
        "\n"
        "Stops on SIGINT or SIGTERM: every VM is detached (its disk flushed)\n"
        "and the socket file removed.  Exit status 0, or 1 on a setup error,\n"
        "2 on a bad command line.\n";

struct options {
	const char *socket;
	const char *root;
	unsigned max_vms;
	bool verbose;
	bool no_seccomp;
	struct netsw_policy policy;       /* --net-allow: the tenant's egress */
	uint64_t net_rate, net_recv_rate; /* bytes/s a VM's port, 0: the switch's default */
};

/* A rate such as "4096", "512K", "10M" or "1G" (powers of 1024), 4K..1T: 0 or -1. */
static int parse_rate(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	int shift = 0;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || s[0] == '-')
		return -1;
	switch (*end) {
	case 'k':
	case 'K': shift = 10, end++; break;
	case 'm':
	case 'M': shift = 20, end++; break;
	case 'g':
	case 'G': shift = 30, end++; break;
	}
	if (*end || v > (1ull << 40) >> shift || v << shift < 4096)
		return -1;
	*out = v << shift;
	return 0;
}

static int usage_error(const char *fmt, const char *arg)
{
	fputs("macrokernel: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs("\nTry 'macrokernel --help' for more information.\n", stderr);
	return 2;
}

static int parse_options(int argc, char **argv, struct options *o)
{
	enum {
		OPT_SOCKET = 256,
		OPT_ROOT,
		OPT_MAX_VMS,
		OPT_VERSION,
		OPT_NET_ALLOW,
		OPT_NET_RATE,
		OPT_NET_RECV_RATE,
		OPT_NO_SECCOMP
	};
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, OPT_SOCKET },
		{ "root", required_argument, NULL, OPT_ROOT },
		{ "max-vms", required_argument, NULL, OPT_MAX_VMS },
		{ "net-allow", required_argument, NULL, OPT_NET_ALLOW },
		{ "net-rate", required_argument, NULL, OPT_NET_RATE },
		{ "net-recv-rate", required_argument, NULL, OPT_NET_RECV_RATE },
		{ "no-seccomp", no_argument, NULL, OPT_NO_SECCOMP },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	o->max_vms = MAX_VMS_DEFAULT;
	netsw_policy_init(&o->policy);
	opterr = 0;
	while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		char *end;
		unsigned long n;

		switch (c) {
		case OPT_SOCKET: o->socket = optarg; break;
		case OPT_ROOT: o->root = optarg; break;
		case OPT_MAX_VMS:
			errno = 0;
			n = strtoul(optarg, &end, 10);
			if (errno || end == optarg || *end || optarg[0] == '-' || n == 0 ||
			    n > MAX_VMS_LIMIT)
				return usage_error("invalid --max-vms '%s' (1..4096)", optarg);
			o->max_vms = (unsigned)n;
			break;
		case OPT_NET_ALLOW: {
			char why[256];

			if (netsw_policy_allow(&o->policy, optarg, netsw_resolve, why, sizeof(why)))
				return usage_error("%s", why);
			break;
		}
		case OPT_NET_RATE:
		case OPT_NET_RECV_RATE:
			if (parse_rate(optarg,
			               c == OPT_NET_RATE ? &o->net_rate : &o->net_recv_rate))
				return usage_error(
				        "invalid rate '%s' (bytes a second, e.g. 10M; 4K..1T)",
				        optarg);
			break;
		case OPT_NO_SECCOMP: o->no_seccomp = true; break;
		case 'v': o->verbose = true; break;
		case 'h': fputs(usage_text, stdout); exit(0);
		case OPT_VERSION:
			printf("macrokernel %s (protocol %d, ring ABI %d)\n", MACROKERNEL_VERSION,
			       MKSRV_VERSION, NANVIX_RING_ABI_VERSION);
			exit(0);
		default: return usage_error("unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (!o->socket)
		return usage_error("%s", "--socket PATH is required");
	if (!o->root)
		return usage_error("%s", "--root DIR is required");
	return 0;
}

/*
 * Listen on `path`.  An existing socket file is replaced only when nothing
 * answers on it (a server that died); anything else there is left alone.
 * Returns the listening fd, or -1 after printing why.
 */
static int listen_on(const char *path, struct stat *made)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	mode_t old;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		srv_log("socket path '%s' is too long (at most %zu bytes)", path,
		        sizeof(sa.sun_path) - 1);
		return -1;
	}
	strcpy(sa.sun_path, path);
	if (lstat(path, &st) == 0) {
		int probe;

		if (!S_ISSOCK(st.st_mode)) {
			srv_log("'%s' exists and is not a socket", path);
			return -1;
		}
		probe = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
		if (probe < 0) {
			srv_log("socket: %s", strerror(errno));
			return -1;
		}
		if (connect(probe, (struct sockaddr *)&sa, sizeof(sa)) == 0 ||
		    errno != ECONNREFUSED) {
			srv_log("'%s' is in use (another macro-kernel is listening on it)", path);
			close(probe);
			return -1;
		}
		close(probe);
		if (unlink(path) < 0 && errno != ENOENT) {
			srv_log("cannot remove the stale socket '%s': %s", path, strerror(errno));
			return -1;
		}
	}
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		srv_log("socket: %s", strerror(errno));
		return -1;
	}
	old = umask(0077); /* the socket file is the tenant's alone */
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		umask(old);
		srv_log("cannot bind '%s': %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	umask(old);
	if (listen(fd, 128) < 0 || lstat(path, made) < 0) {
		srv_log("cannot listen on '%s': %s", path, strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	return fd;
}

/* Remove the socket file, unless someone has replaced it with their own. */
static void remove_socket(const char *path, const struct stat *made)
{
	struct stat st;

	if (lstat(path, &st) == 0 && st.st_dev == made->st_dev && st.st_ino == made->st_ino)
		unlink(path);
}

/* Each VM holds a few fds, plus one per open volume handle: allow what we may. */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int main(int argc, char **argv)
{
	struct options o;
	struct server s;
	struct stat made;
	sigset_t stop;
	char rootpath[PATH_MAX];
	int rc, lfd, sfd, sig = 0;

	memset(&o, 0, sizeof(o));
	rc = parse_options(argc, argv, &o);
	if (rc)
		return rc;

	/* Before any thread or VM exists: the uplink is started through it later. */
	if (!o.no_seccomp && (rc = spawner_start()) < 0) {
		srv_log("cannot start the spawner: %s", strerror(-rc));
		return 1;
	}
	memset(&s, 0, sizeof(s));
	s.max_vms = o.max_vms;
	s.verbose = o.verbose;
	s.sandboxed = net_confined = !o.no_seccomp;
	pthread_mutex_init(&s.lock, NULL);
	pthread_cond_init(&s.idle, NULL);
	s.rootfd = open(o.root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (s.rootfd < 0 || !realpath(o.root, rootpath)) {
		srv_log("cannot open the root directory '%s': %s", o.root, strerror(errno));
		return 1;
	}
	rc = blksw_new(&s.sw, s.rootfd);
	if (rc) {
		srv_log("storage switch: %s", strerror(-rc));
		return 1;
	}
	raise_fd_limit();

	/* Signals: SIGINT/SIGTERM only through the signalfd (threads inherit the mask). */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	/* The network: after the mask, so its thread never takes SIGINT/SIGTERM. */
	{
		struct netsw_config nc;

		netsw_config_default(&nc);
		nc.policy = &o.policy;
		if (o.net_rate) {
			nc.rate = o.net_rate;
			nc.burst = netsw_burst_for(&nc, nc.rate);
		}
		if (o.net_recv_rate) {
			nc.recv_rate = o.net_recv_rate;
			nc.recv_burst = netsw_burst_for(&nc, nc.recv_rate);
		}
		nc.log = NULL;
		nc.spawn = o.no_seccomp ? NULL : spawner_spawn;
		s.net = netsw_new(&nc);
		net_wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (!s.net || net_wake < 0 || pthread_create(&net_pump, NULL, net_thread, s.net)) {
			srv_log("network switch: %s", strerror(errno));
			return 1;
		}
	}
	sfd = signalfd(-1, &stop, SFD_CLOEXEC);
	if (sfd < 0) {
		srv_log("signalfd: %s", strerror(errno));
		return 1;
	}
	lfd = listen_on(o.socket, &made);
	if (lfd < 0)
		return 1;
	if (!o.no_seccomp) {
		char err[256];

		sandbox_set_name("macrokernel");
		if (sandbox_install(err, sizeof(err)) < 0) {
			srv_log("%s (--no-seccomp runs without it)", err);
			return 1;
		}
	}
	if (o.verbose)
		srv_log("listening on %s (root %s, at most %u VMs)", o.socket, rootpath, o.max_vms);

	while (!sig) {
		struct pollfd p[2] = { { .fd = lfd, .events = POLLIN },
			               { .fd = sfd, .events = POLLIN } };

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			srv_log("poll: %s", strerror(errno));
			break;
		}
		if (p[1].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) == sizeof(si))
				sig = (int)si.ssi_signo;
		}
		if (!sig && (p[0].revents & POLLIN)) {
			int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

			if (fd >= 0) {
				conn_start(&s, fd);
			} else if (errno == EMFILE || errno == ENFILE || errno == ENOMEM ||
			           errno == ENOBUFS) {
				/* Out of fds: let the waiting client go rather than spin. */
				srv_log("accept: %s", strerror(errno));
				usleep(100 * 1000);
			}
		}
	}
	if (o.verbose)
		srv_log("stopping%s%s", sig ? " on " : "", sig ? strsignal(sig) : "");
	close(lfd);
	remove_socket(o.socket, &made);
	conn_stop_all(&s, STOP_WAIT_SECS);
	pthread_mutex_lock(&s.lock);
	rc = s.nconns == 0;
	pthread_mutex_unlock(&s.lock);
	/* The pump ends; the switch (and its uplink) goes once no VM uses it. */
	net_stop = 1;
	if (write(net_wake, &(uint64_t){ 1 }, sizeof(uint64_t)) < 0)
		srv_log("cannot stop the network thread: %s", strerror(errno));
	else
		pthread_join(net_pump, NULL);
	if (rc) {
		blksw_free(s.sw);
		netsw_free(s.net);
	}
	close(net_wake);
	return 0;
}
