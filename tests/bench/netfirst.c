/* netfirst: time from starting an HTTP server command to its first complete GET response. */

/*
 * usage: netfirst [-n RUNS] [-w WARMUP] [-t SECONDS] [--port BASE]
 *                 [--path PATH] [--again K] [--label NAME] [--show]
 *                 [--samples] -- CMD ARGS...
 *
 * Each run picks a free TCP port on 127.0.0.1 (BASE, BASE+1, ...: one that
 * bind() accepts), replaces every "@PORT@" in CMD's arguments with it, and
 * then:
 *
 *   t0 = CLOCK_MONOTONIC; fork(); the child execs CMD (stdin and stderr:
 *   /dev/null, stdout: a pipe the parent reads between attempts, to note
 *   when CMD prints a line starting "listening on");
 *   the parent, in a tight loop: connect() to 127.0.0.1:PORT (blocking; on
 *   loopback a closed port is refused at once), send "GET PATH HTTP/1.1",
 *   read until the whole response (headers and Content-Length body) is in;
 *   t1 = CLOCK_MONOTONIC when it is, if its status is 200.  A refused
 *   connect, a connection closed or reset before the full response, or no
 *   answer within 2 s is one failed attempt: the loop sleeps 100 us and
 *   tries again.
 *
 * With --again K, K more requests follow, each on a new connection to the
 * running server, each timed from just before connect() to its complete
 * response (a failed attempt there is an error): what a new connection
 * costs once the server is up.
 *
 * Then CMD gets SIGTERM and must exit with status 0 within 10 s (SIGKILL to
 * its process group and failure otherwise); it also fails if CMD exits
 * before answering or no answer comes within -t SECONDS.  WARMUP runs go
 * first and are not counted.
 *
 * Output, one line on stdout:
 *   label=NAME runs=N median_us=X p99_us=Y min_us=Z max_us=M listen_us=L
 *   again_us=A refused=R closed=C timeouts=T
 * median and p99 (nearest rank) of t1 - t0 over the counted runs, rounded
 * to microseconds; listen_us: median time from t0 to when the parent saw
 * the "listening on" line (-1 if CMD never printed it; resolution: one
 * attempt); again_us: median of the --again requests (-1 without);
 * refused/closed/timeouts: failed attempts of each kind per counted run
 * (mean, two decimals).  With --samples every run's
 * t1 - t0 in ns is printed to stderr as well.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_RUNS      30
#define DEFAULT_WARMUP    2
#define DEFAULT_TIMEOUT_S 30
#define DEFAULT_PORT      23000
#define POLL_NS           100000 /* between two failed attempts */
#define ATTEMPT_TIMEOUT_S 2      /* one connection's wait for the answer */
#define STOP_TIMEOUT_NS   10000000000LL
#define RESP_MAX          4096
#define PORT_TOKEN        "@PORT@"

struct opts {
	long runs, warmup, timeout_s, port, again;
	int show, samples;
	const char *path, *label;
	char **argv;
	int argc;
};

/* Failed attempts of one run. */
struct tally {
	long refused, closed, timeouts;
};

static const char *label = "netfirst";

static void fail(const char *fmt, const char *arg)
{
	fprintf(stderr, "netfirst: %s: ", label);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	exit(1);
}

static void fail_errno(const char *what)
{
	fprintf(stderr, "netfirst: %s: %s: %s\n", label, what, strerror(errno));
	exit(1);
}

static int64_t now_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
		fail_errno("clock_gettime");
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void sleep_ns(long ns)
{
	struct timespec ts = { .tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static long parse_count(const char *s, const char *what, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(stderr, "netfirst: bad %s '%s' (want an integer in %ld..%ld)\n", what, s,
		        min, max);
		exit(2);
	}
	return v;
}

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: netfirst [-n RUNS] [-w WARMUP] [-t SECONDS] [--port BASE] "
	        "[--path PATH] [--label NAME] [--show] [--samples] -- CMD ARGS...\n"
	        "  CMD's arguments may contain @PORT@: the run's port on 127.0.0.1\n"
	        "  -n RUNS       counted runs (default %d)\n"
	        "  -w WARMUP     uncounted runs first (default %d)\n"
	        "  -t SECONDS    give up on a run after this long (default %d)\n"
	        "  --port BASE   first port to try (default %d)\n"
	        "  --path PATH   the request's path (default /health)\n"
	        "  --again K     K more requests, each on a new connection\n"
	        "prints: label=NAME runs=N median_us=X p99_us=Y min_us=Z max_us=M "
	        "listen_us=L again_us=A refused=R closed=C timeouts=T\n",
	        DEFAULT_RUNS, DEFAULT_WARMUP, DEFAULT_TIMEOUT_S, DEFAULT_PORT);
}

static void parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "port", required_argument, NULL, 'p' },  { "path", required_argument, NULL, 'P' },
		{ "label", required_argument, NULL, 'l' }, { "show", no_argument, NULL, 's' },
		{ "samples", no_argument, NULL, 'S' },     { "help", no_argument, NULL, 'h' },
		{ "again", required_argument, NULL, 'a' }, { NULL, 0, NULL, 0 },
	};
	int c;

	*o = (struct opts){ .runs = DEFAULT_RUNS,
		            .warmup = DEFAULT_WARMUP,
		            .timeout_s = DEFAULT_TIMEOUT_S,
		            .port = DEFAULT_PORT,
		            .path = "/health" };
	while ((c = getopt_long(argc, argv, "+n:w:t:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'n': o->runs = parse_count(optarg, "run count", 1, 100000); break;
		case 'w': o->warmup = parse_count(optarg, "warm-up count", 0, 100000); break;
		case 't': o->timeout_s = parse_count(optarg, "timeout", 1, 3600); break;
		case 'p': o->port = parse_count(optarg, "port", 1024, 65000); break;
		case 'P': o->path = optarg; break;
		case 'a': o->again = parse_count(optarg, "--again count", 0, 1000); break;
		case 'l': o->label = optarg; break;
		case 's': o->show = 1; break;
		case 'S': o->samples = 1; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); exit(2);
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "netfirst: no command given\n");
		usage(stderr);
		exit(2);
	}
	if (o->path[0] != '/' || strpbrk(o->path, " \r\n") || strlen(o->path) > 512) {
		fprintf(stderr, "netfirst: --path must start with / and have no blanks\n");
		exit(2);
	}
	o->argv = &argv[optind];
	o->argc = argc - optind;
	if (o->label && (!*o->label || strpbrk(o->label, " \t\n="))) {
		fprintf(stderr, "netfirst: --label must be non-empty, without blanks or '='\n");
		exit(2);
	}
	if (!o->label) {
		const char *slash = strrchr(o->argv[0], '/');
		o->label = slash ? slash + 1 : o->argv[0];
	}
}

static struct sockaddr_in loopback(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

/* The first port from *next on that bind() accepts on 127.0.0.1 (then released). */
static int free_port(long *next)
{
	for (int tries = 0; tries < 1000; tries++) {
		long p = *next;
		struct sockaddr_in a = loopback((int)p);
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), ok;

		*next = p >= 65000 ? 1024 : p + 1;
		if (fd < 0)
			fail_errno("socket");
		ok = bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
		close(fd);
		if (ok)
			return (int)p;
	}
	fail("%s", "no free port in 1000 tries");
	return -1;
}

/* CMD's argv with "@PORT@" replaced by PORT in every argument; exits when out of memory. */
static char **with_port(const struct opts *o, int port)
{
	char **v = calloc((size_t)o->argc + 1, sizeof(*v));
	char num[16];

	if (!v)
		fail_errno("calloc");
	snprintf(num, sizeof(num), "%d", port);
	for (int i = 0; i < o->argc; i++) {
		const char *a = o->argv[i], *hit;
		size_t len = strlen(a) + 1, n = 0;
		char *out;

		for (hit = strstr(a, PORT_TOKEN); hit; hit = strstr(hit + 1, PORT_TOKEN))
			len += strlen(num);
		out = malloc(len);
		if (!out)
			fail_errno("malloc");
		while ((hit = strstr(a, PORT_TOKEN)) != NULL) {
			memcpy(out + n, a, (size_t)(hit - a));
			n += (size_t)(hit - a);
			memcpy(out + n, num, strlen(num));
			n += strlen(num);
			a = hit + strlen(PORT_TOKEN);
		}
		memcpy(out + n, a, strlen(a) + 1);
		v[i] = out;
	}
	return v;
}

static void free_argv(char **v)
{
	for (char **a = v; *a; a++)
		free(*a);
	free(v);
}

/*
 * Whether buf[0..len) holds a complete HTTP response: 1 complete with status
 * 200, 0 incomplete, -1 complete or unparsable with another status.
 */
static int response_state(const char *buf, size_t len)
{
	const char *end = memmem(buf, len, "\r\n\r\n", 4), *cl;
	size_t head, body = 0;

	if (!end)
		return len >= RESP_MAX - 1 ? -1 : 0;
	head = (size_t)(end - buf) + 4;
	cl = memmem(buf, head, "Content-Length:", 15);
	if (!cl)
		cl = memmem(buf, head, "content-length:", 15);
	if (cl)
		body = strtoul(cl + 15, NULL, 10);
	if (len < head + body)
		return 0;
	return strncmp(buf, "HTTP/1.1 200 ", 13) == 0 || strncmp(buf, "HTTP/1.0 200 ", 13) == 0
	               ? 1
	               : -1;
}

/* CMD's stdout, watched for its "listening on" line. */
struct watch {
	int fd; /* -1: not watched */
	int64_t t0;
	int64_t listen_ns; /* -1 until seen */
	char line[128];
	size_t len;
};

/* Take what CMD wrote to its stdout so far (non-blocking); note the line. */
static void watch_stdout(struct watch *w)
{
	char c;

	while (w->fd >= 0 && w->listen_ns < 0 && read(w->fd, &c, 1) == 1) {
		if (c == '\n') {
			w->line[w->len] = '\0';
			if (strncmp(w->line, "listening on", 12) == 0)
				w->listen_ns = now_ns() - w->t0;
			w->len = 0;
		} else if (w->len < sizeof(w->line) - 1) {
			w->line[w->len++] = c;
		}
	}
}

/*
 * One attempt: connect, send the request, read the whole response, taking
 * CMD's output (w) as it comes.  1 done (status 200), 0 failed (counted in
 * *t); exits on an unexpected error or a response other than 200.
 */
static int attempt(int port, const char *req, struct tally *t, struct watch *w)
{
	struct sockaddr_in a = loopback(port);
	int64_t deadline = now_ns() + ATTEMPT_TIMEOUT_S * 1000000000LL;
	char buf[RESP_MAX];
	size_t len = 0, reqlen = strlen(req);
	int fd, rc = 0;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		fail_errno("socket");
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		if (errno != ECONNREFUSED && errno != ECONNRESET && errno != EINTR)
			fail_errno("connect");
		t->refused++;
		goto out;
	}
	if (send(fd, req, reqlen, MSG_NOSIGNAL) != (ssize_t)reqlen) {
		t->closed++;
		goto out;
	}
	for (;;) {
		struct pollfd p[2] = { { .fd = fd, .events = POLLIN },
			               { .fd = w->listen_ns < 0 ? w->fd : -1, .events = POLLIN } };
		int64_t left = deadline - now_ns();
		ssize_t r;
		int st;

		if (left <= 0) {
			t->timeouts++;
			goto out;
		}
		if (poll(p, 2, (int)(left / 1000000) + 1) < 0) {
			if (errno == EINTR)
				continue;
			fail_errno("poll");
		}
		if (p[1].revents)
			watch_stdout(w);
		if (!p[0].revents)
			continue;
		r = recv(fd, buf + len, sizeof(buf) - 1 - len, MSG_DONTWAIT);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0) {
			t->closed++;
			goto out;
		}
		len += (size_t)r;
		buf[len] = '\0';
		st = response_state(buf, len);
		if (st == 1) {
			rc = 1;
			goto out;
		}
		if (st < 0) {
			buf[strcspn(buf, "\r\n")] = '\0';
			fail("unexpected response '%s'", buf);
		}
	}
out:
	close(fd);
	return rc;
}

static void describe_status(int status, char *msg, size_t size)
{
	if (WIFEXITED(status))
		snprintf(msg, size, "exited with status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(msg, size, "killed by signal %d (%s)", WTERMSIG(status),
		         strsignal(WTERMSIG(status)));
	else
		snprintf(msg, size, "ended with wait status 0x%x", status);
}

/* SIGTERM to PID, which must then exit 0 within STOP_TIMEOUT_NS. */
static void stop_server(pid_t pid)
{
	int64_t deadline = now_ns() + STOP_TIMEOUT_NS;
	char msg[128];
	int status;
	pid_t w;

	kill(pid, SIGTERM);
	while ((w = waitpid(pid, &status, WNOHANG)) == 0 && now_ns() < deadline)
		sleep_ns(1000000);
	if (w == 0) {
		kill(-pid, SIGKILL);
		waitpid(pid, NULL, 0);
		fail("%s", "the server did not exit within 10 s of SIGTERM (killed)");
	}
	if (w < 0)
		fail_errno("waitpid");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		describe_status(status, msg, sizeof(msg));
		fail("after SIGTERM the server %s (want status 0)", msg);
	}
}

/* One run's results. */
struct run {
	int64_t first_ns;  /* t1 - t0 */
	int64_t listen_ns; /* t0 to the "listening on" line, or -1 */
	int64_t *again_ns; /* o->again new-connection requests */
};

/* One run on a fresh port; failed attempts are added to *t. */
static void run_once(const struct opts *o, long *next_port, int devnull, struct tally *t,
                     struct run *res)
{
	int port = free_port(next_port);
	char **argv = with_port(o, port), req[640], msg[128];
	struct watch w = { .listen_ns = -1 };
	int64_t t0, deadline;
	int status, out[2];
	pid_t pid;

	snprintf(req, sizeof(req),
	         "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUser-Agent: netfirst\r\n"
	         "Accept: */*\r\n\r\n",
	         o->path, port);
	if (pipe2(out, O_CLOEXEC) < 0)
		fail_errno("pipe");
	t0 = now_ns();
	pid = fork();
	if (pid < 0)
		fail_errno("fork");
	if (pid == 0) {
		setpgid(0, 0);
		if (dup2(devnull, 0) < 0 || dup2(out[1], 1) < 0 ||
		    (!o->show && dup2(devnull, 2) < 0))
			_exit(126);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(out[1]);
	if (fcntl(out[0], F_SETFL, O_NONBLOCK) < 0)
		fail_errno("fcntl");
	w.fd = out[0];
	w.t0 = t0;
	deadline = t0 + o->timeout_s * 1000000000LL;
	for (;;) {
		pid_t done;

		if (attempt(port, req, t, &w))
			break;
		watch_stdout(&w);
		done = waitpid(pid, &status, WNOHANG);
		if (done < 0)
			fail_errno("waitpid");
		if (done == pid) {
			describe_status(status, msg, sizeof(msg));
			fail("the server %s before answering", msg);
		}
		if (now_ns() > deadline) {
			kill(-pid, SIGKILL);
			waitpid(pid, NULL, 0);
			fail("%s", "no answer before the timeout (server killed)");
		}
		sleep_ns(POLL_NS);
	}
	res->first_ns = now_ns() - t0;
	/* The line may come after the answer (stdout is CMD's to flush). */
	watch_stdout(&w);
	res->listen_ns = w.listen_ns;
	for (long i = 0; i < o->again; i++) {
		struct tally none = { 0 };
		int64_t a0 = now_ns();

		if (!attempt(port, req, &none, &w)) {
			kill(-pid, SIGKILL);
			waitpid(pid, NULL, 0);
			fail("%s", "a request on a new connection to the running server failed");
		}
		res->again_ns[i] = now_ns() - a0;
	}
	stop_server(pid);
	close(out[0]);
	free_argv(argv);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Median of v[0..n) (sorts v), rounded to us; -1 for n == 0. */
static long long median_us(int64_t *v, long n)
{
	int64_t m;

	if (n == 0)
		return -1;
	qsort(v, (size_t)n, sizeof(*v), cmp_i64);
	m = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	return (long long)((m + 500) / 1000);
}

int main(int argc, char **argv)
{
	struct opts o;
	struct tally t = { 0 }, warm = { 0 };
	struct run r;
	int64_t *s, *listen, *again;
	long next_port, rank, nlisten = 0;
	long long med, lmed, amed;
	int devnull;

	parse_args(argc, argv, &o);
	label = o.label;
	next_port = o.port;
	signal(SIGPIPE, SIG_IGN);
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull < 0)
		fail_errno("open /dev/null");
	s = calloc((size_t)o.runs, sizeof(*s));
	listen = calloc((size_t)o.runs, sizeof(*listen));
	again = calloc((size_t)(o.runs * o.again + 1), sizeof(*again));
	if (!s || !listen || !again)
		fail_errno("calloc");
	for (long i = 0; i < o.warmup; i++) {
		r.again_ns = again; /* overwritten by the counted runs */
		run_once(&o, &next_port, devnull, &warm, &r);
	}
	for (long i = 0; i < o.runs; i++) {
		r.again_ns = &again[i * o.again];
		run_once(&o, &next_port, devnull, &t, &r);
		s[i] = r.first_ns;
		if (r.listen_ns >= 0)
			listen[nlisten++] = r.listen_ns;
		if (o.samples)
			fprintf(stderr, "netfirst: %s: run %ld: first %lld ns, listening %lld ns\n",
			        label, i + 1, (long long)r.first_ns, (long long)r.listen_ns);
	}
	med = median_us(s, o.runs);      /* sorts s */
	rank = (99 * o.runs + 99) / 100; /* ceil(0.99 N) */
	lmed = nlisten == o.runs ? median_us(listen, nlisten) : -1;
	amed = median_us(again, o.runs * o.again);
	printf("label=%s runs=%ld median_us=%lld p99_us=%lld min_us=%lld max_us=%lld "
	       "listen_us=%lld again_us=%lld refused=%.2f closed=%.2f timeouts=%.2f\n",
	       label, o.runs, med, (long long)((s[rank - 1] + 500) / 1000),
	       (long long)((s[0] + 500) / 1000), (long long)((s[o.runs - 1] + 500) / 1000), lmed,
	       amed, (double)t.refused / (double)o.runs, (double)t.closed / (double)o.runs,
	       (double)t.timeouts / (double)o.runs);
	free(s);
	free(listen);
	free(again);
	return 0;
}
