/* bin/nanvix-serve: the serverless daemon, an HTTP gateway in front of pools of instances. */
/*
 * main() reads the command line and the configuration, picks the backend,
 * blocks the signals it reads from a signalfd, listens, starts the worker
 * threads and hands over to the event loop (gateway.c) until a SIGTERM or
 * SIGINT has been served; then it stops the workers and frees everything.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "serve_priv.h"

#define SERVE_VERSION "0.1.0"

static const char usage_text[] =
        "usage: nanvix-serve --config FILE [OPTIONS]\n"
        "\n"
        "examples:\n"
        "  nanvix-serve --config functions.json\n"
        "      serve the functions listed in functions.json at http://127.0.0.1:8080;\n"
        "      call one with: curl http://127.0.0.1:8080/fn/echo/some/path?x=1\n"
        "      (function \"echo\" gets GET /some/path?x=1)\n"
        "  nanvix-serve --config functions.json --listen 0.0.0.0:8080\n"
        "      listen on every interface; a function with a \"host\" also gets the\n"
        "      requests whose Host is that name: curl -H 'Host: echo.example' ...\n"
        "  nanvix-serve --config functions.json --listen 127.0.0.1:0 --notify-fd 3 3>fifo\n"
        "      any free port; once every function's min instances are up, print\n"
        "      \"nanvix-serve: ready http://127.0.0.1:PORT\" and write READY=1 to fd 3\n"
        "  kill -USR1 PID    print each function's counters to stderr\n"
        "  kill -TERM PID    stop: finish the requests in flight, destroy the instances\n"
        "\n"
        "Serve functions over HTTP/1.1.  Each request goes to an instance of its\n"
        "function, which serves one request at a time; instances start on demand up\n"
        "to the function's max, are reused warm, and go after idle_timeout down to\n"
        "its min.  The configuration format is in macrokernel/serve/README.md.\n"
        "\n"
        "options:\n"
        "  -c, --config FILE        the functions (JSON)\n"
        "  -l, --listen ADDR:PORT   where to listen (default 127.0.0.1:8080; port 0: a\n"
        "                           free one; IPv6 as [ADDR]:PORT)\n"
        "      --notify-fd N        write READY=1 to fd N, then close it, once ready\n"
        "      --backend NAME       what runs the instances (default vm):\n"
        "%s"
        "      --workers N          threads for the backend's calls (default 4, 1..64)\n"
        "      --max-conns N        client connections at once (default 1024)\n"
        "      --max-body SIZE      a request body at most (default 1M; K, M, G)\n"
        "      --max-response SIZE  an instance's response at most (default 8M)\n"
        "      --client-timeout S   seconds a client has to send a request, between\n"
        "                           requests, and for each write of a response (default 30)\n"
        "  -v, --verbose            log each instance's start and stop\n"
        "  -h, --help               show this help\n"
        "      --version            show the version\n"
        "\n"
        "Exit status: 0 after SIGTERM or SIGINT (1 when a second one cut requests\n"
        "short); 1 when it cannot start (listen, a backend, the min instances); 2 on\n"
        "a bad command line or configuration.\n";

static void list_backend(const struct serve_backend *b, void *arg)
{
	char *list = arg;
	size_t n = strlen(list);

	snprintf(list + n, 1024 - n, "%29s%-9s %s\n", "", b->name, b->summary);
}

static void usage(void)
{
	char list[1024] = "";

	serve_backend_each(list_backend, list);
	printf(usage_text, list);
}

static int usage_error(const char *fmt, const char *arg)
{
	fputs("nanvix-serve: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs("\nTry 'nanvix-serve --help' for more information.\n", stderr);
	return 2;
}

static int parse_uint(const char *s, unsigned lo, unsigned hi, unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || s[0] == '+' || v < lo || v > hi)
		return -1;
	*out = (unsigned)v;
	return 0;
}

static int parse_options(int argc, char **argv, struct serve_options *o)
{
	enum {
		OPT_NOTIFY = 256,
		OPT_BACKEND,
		OPT_WORKERS,
		OPT_MAX_CONNS,
		OPT_MAX_BODY,
		OPT_MAX_RESPONSE,
		OPT_CLIENT_TIMEOUT,
		OPT_VERSION,
	};
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "listen", required_argument, NULL, 'l' },
		{ "notify-fd", required_argument, NULL, OPT_NOTIFY },
		{ "backend", required_argument, NULL, OPT_BACKEND },
		{ "workers", required_argument, NULL, OPT_WORKERS },
		{ "max-conns", required_argument, NULL, OPT_MAX_CONNS },
		{ "max-body", required_argument, NULL, OPT_MAX_BODY },
		{ "max-response", required_argument, NULL, OPT_MAX_RESPONSE },
		{ "client-timeout", required_argument, NULL, OPT_CLIENT_TIMEOUT },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	unsigned fd;
	double secs;
	char *end;
	int c;

	*o = (struct serve_options){
		.listen = "127.0.0.1:8080",
		.notify_fd = -1,
		.backend = "vm",
		.workers = 4,
		.max_conns = 1024,
		.max_body = 1 << 20,
		.max_response = 8 << 20,
		.client_timeout_ms = 30000,
	};
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:l:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': o->config = optarg; break;
		case 'l': o->listen = optarg; break;
		case OPT_NOTIFY:
			if (parse_uint(optarg, 3, 1 << 20, &fd))
				return usage_error(
				        "--notify-fd '%s': expected a file descriptor (3 or more)",
				        optarg);
			if (fcntl((int)fd, F_GETFD) < 0)
				return usage_error(
				        "--notify-fd %s: that file descriptor is not open", optarg);
			fcntl((int)fd, F_SETFD, FD_CLOEXEC); /* the instances do not inherit it */
			o->notify_fd = (int)fd;
			break;
		case OPT_BACKEND: o->backend = optarg; break;
		case OPT_WORKERS:
			if (parse_uint(optarg, 1, 64, &o->workers))
				return usage_error("--workers '%s': expected 1 to 64", optarg);
			break;
		case OPT_MAX_CONNS:
			if (parse_uint(optarg, 1, 1 << 20, &o->max_conns))
				return usage_error("--max-conns '%s': expected 1 to 1048576",
				                   optarg);
			break;
		case OPT_MAX_BODY:
			if (serve_parse_size(optarg, &o->max_body) || o->max_body > (1ULL << 30))
				return usage_error(
				        "--max-body '%s': expected a size up to 1G (e.g. 1M)",
				        optarg);
			break;
		case OPT_MAX_RESPONSE:
			if (serve_parse_size(optarg, &o->max_response) ||
			    o->max_response > (1ULL << 30))
				return usage_error(
				        "--max-response '%s': expected a size up to 1G (e.g. 8M)",
				        optarg);
			break;
		case OPT_CLIENT_TIMEOUT:
			errno = 0;
			secs = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(secs >= 0.1 && secs <= 3600))
				return usage_error(
				        "--client-timeout '%s': expected 0.1 to 3600 seconds",
				        optarg);
			o->client_timeout_ms = (unsigned)llround(secs * 1000);
			break;
		case 'v': o->verbose = true; break;
		case 'h': usage(); exit(0);
		case OPT_VERSION: printf("nanvix-serve %s\n", SERVE_VERSION); exit(0);
		case ':': return usage_error("option '%s' needs a value", argv[optind - 1]);
		default: return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (!o->config)
		return usage_error("%s", "--config FILE is required");
	return 0;
}

/* As many fds as allowed: every connection and instance holds some. */
static void raise_fd_limit(const struct serve *s)
{
	struct rlimit rl;
	unsigned total = 0;
	rlim_t need;

	for (unsigned i = 0; i < s->npools; i++)
		total += s->pools[i].fn->max;
	need = (rlim_t)s->opt.max_conns + 4 * (rlim_t)total + 64;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur < need)
		serve_log("warning: %llu file descriptors allowed, up to %llu may be needed "
		          "(--max-conns and the functions' max)",
		          (unsigned long long)rl.rlim_cur, (unsigned long long)need);
}

/* Everything before the loop.  0, 1 (cannot start) or 2 (bad usage or configuration). */
static int setup(struct serve *s, char *err, size_t errlen)
{
	sigset_t set;
	unsigned total = 0;
	int rc;

	if (serve_config_load(s->opt.config, &s->cfg, err, errlen))
		return 2;
	s->be = serve_backend_find(s->opt.backend);
	if (!s->be) {
		snprintf(err, errlen, "--backend '%s': no such backend (see --help)",
		         s->opt.backend);
		return 2;
	}
	s->npools = s->cfg.nfns;
	s->pools = calloc(s->npools, sizeof(*s->pools));
	if (!s->pools) {
		snprintf(err, errlen, "out of memory");
		return 1;
	}
	for (unsigned i = 0; i < s->npools; i++) {
		pool_init(s, &s->pools[i], &s->cfg.fns[i]);
		total += s->cfg.fns[i].max;
	}
	raise_fd_limit(s);

	signal(SIGPIPE, SIG_IGN);
	signal(SIGCHLD, SIG_DFL); /* the backend reaps its children itself */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL); /* before any thread: they inherit it */
	s->w_sig = (struct watch){ .kind = W_SIGNAL,
		                   .fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC) };
	s->w_jobs = (struct watch){ .kind = W_JOBS, .fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC) };
	s->ep = epoll_create1(EPOLL_CLOEXEC);
	if (s->w_sig.fd < 0 || s->w_jobs.fd < 0 || s->ep < 0) {
		snprintf(err, errlen, "signalfd, eventfd or epoll: %s", strerror(errno));
		return 1;
	}
	rc = gateway_listen(s, err, errlen);
	if (rc)
		return rc == -2 ? 2 : 1;
	/* Every timer that can exist: clients (open, or closed with a request in flight),
	 * instances, pools' back-offs, the accept pause. */
	if (timer_heap_init(&s->th, s->opt.max_conns + 2 * total + s->npools + 8)) {
		snprintf(err, errlen, "out of memory");
		return 1;
	}
	if (s->be->init && s->be->init(&s->be_state, err, errlen))
		return 1;
	if (jobs_start(s, err, errlen))
		return 1;
	return 0;
}

int main(int argc, char **argv)
{
	static struct serve srv;
	struct serve *s = &srv;
	char err[1024] = "";
	int rc;

	s->ep = -1;
	s->w_listen.fd = s->w_sig.fd = s->w_jobs.fd = -1;
	list_init(&s->clients);
	list_init(&s->grave_clients);
	list_init(&s->grave_insts);
	rc = parse_options(argc, argv, &s->opt);
	if (rc)
		return rc;
	rc = setup(s, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "nanvix-serve: %s\n", err);
	} else {
		rc = gateway_run(s);
		jobs_stop(s);
	}
	if (s->be && s->be->fini && s->be_state)
		s->be->fini(s->be_state);
	if (s->w_listen.fd >= 0)
		close(s->w_listen.fd);
	if (s->w_sig.fd >= 0)
		close(s->w_sig.fd);
	if (s->w_jobs.fd >= 0)
		close(s->w_jobs.fd);
	if (s->ep >= 0)
		close(s->ep);
	if (s->opt.notify_fd >= 0)
		close(s->opt.notify_fd);
	timer_heap_free(&s->th);
	free(s->pools);
	serve_config_free(&s->cfg);
	return rc;
}
