/* startlat: time from spawning a server's start command to its first complete HTTP answer, over N runs. */

/*
 * usage: startlat [-n RUNS] [-w WARMUP] [-t TIMEOUT_MS] [-b BACKOFF_MAX_US]
 *                 [-o SAMPLES] [-l LOG] [-a AFTER] [-L LABEL]
 *                 HOST PORT -- CMD ARGS...
 *
 * Each run: t0 = CLOCK_MONOTONIC; posix_spawnp(CMD) in a new process group
 * (stdin /dev/null, stdout and stderr appended to LOG, default /dev/null);
 * then http_first() (httpclient.h) against HOST:PORT until a complete answer
 * comes; t1 = CLOCK_MONOTONIC right then.  The sample is t1 - t0.
 *
 * Then the process group gets SIGTERM, and SIGKILL if CMD has not exited
 * after 5 s; the shell command AFTER (if any) runs once CMD is gone, to
 * clean up what CMD left (a container's state, say).  Neither is timed.
 *
 * A run fails when CMD exits before answering, when no answer comes within
 * TIMEOUT_MS (default 30000), or when the answer is not 200: startlat then
 * cleans up as above, says why on stderr and exits 1.  WARMUP runs
 * (default 1) go first and are not counted.
 *
 * Output: SAMPLES (if given) gets every counted sample in microseconds, one
 * a line, in run order; stdout gets one line
 *   label=L runs=N p50_us=X p99_us=Y min_us=A max_us=B mean_us=M
 *   attempts=T closed=C
 * (p50 and p99 by nearest rank; attempts and closed: mean connections
 * opened and closed unanswered per run).
 */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "httpclient.h"

#define DEFAULT_RUNS       10
#define DEFAULT_WARMUP     1
#define DEFAULT_TIMEOUT_MS 30000
#define DEFAULT_BACKOFF_US 1000
#define STOP_NS            5000000000LL

extern char **environ;

/* The process group of the run in progress, ended if startlat is stopped. */
static volatile pid_t current;

static void on_signal(int sig)
{
	if (current > 0)
		kill(-current, SIGKILL);
	signal(sig, SIG_DFL);
	raise(sig);
}

struct opts {
	long runs, warmup, timeout_ms, backoff_us;
	const char *samples, *log, *after, *label;
	struct sockaddr_in addr;
	char **cmd;
};

static void usage(void)
{
	fprintf(stderr,
	        "usage: startlat [-n RUNS] [-w WARMUP] [-t TIMEOUT_MS] [-b BACKOFF_MAX_US]\n"
	        "                [-o SAMPLES] [-l LOG] [-a AFTER] [-L LABEL] HOST PORT -- "
	        "CMD ARGS...\n");
	exit(2);
}

static long number(const char *s, long min)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < min) {
		fprintf(stderr, "startlat: bad number '%s'\n", s);
		exit(2);
	}
	return v;
}

static void parse(int argc, char **argv, struct opts *o)
{
	char err[128];
	int c;

	*o = (struct opts){ .runs = DEFAULT_RUNS,
		            .warmup = DEFAULT_WARMUP,
		            .timeout_ms = DEFAULT_TIMEOUT_MS,
		            .backoff_us = DEFAULT_BACKOFF_US,
		            .log = "/dev/null",
		            .label = "server" };
	while ((c = getopt(argc, argv, "+n:w:t:b:o:l:a:L:")) != -1) {
		switch (c) {
		case 'n': o->runs = number(optarg, 1); break;
		case 'w': o->warmup = number(optarg, 0); break;
		case 't': o->timeout_ms = number(optarg, 1); break;
		case 'b': o->backoff_us = number(optarg, 1); break;
		case 'o': o->samples = optarg; break;
		case 'l': o->log = optarg; break;
		case 'a': o->after = optarg; break;
		case 'L': o->label = optarg; break;
		default: usage();
		}
	}
	if (argc - optind < 4 || strcmp(argv[optind + 2], "--") != 0)
		usage();
	if (http_parse_addr(argv[optind], argv[optind + 1], &o->addr, err, sizeof(err)) != 0) {
		fprintf(stderr, "startlat: %s\n", err);
		exit(2);
	}
	o->cmd = argv + optind + 3;
}

/* End CMD's process group: SIGTERM, then SIGKILL after STOP_NS; reap PID. */
static void stop(pid_t pid)
{
	int64_t give_up = now_ns() + STOP_NS;
	int ws;

	kill(-pid, SIGTERM);
	while (waitpid(pid, &ws, WNOHANG) == 0) {
		struct timespec ms = { .tv_nsec = 1000000 };

		if (now_ns() > give_up) {
			kill(-pid, SIGKILL);
			waitpid(pid, &ws, 0);
			break;
		}
		nanosleep(&ms, NULL);
	}
	kill(-pid, SIGKILL); /* whatever CMD left in its group */
}

/* One run: its sample in ns, or -1 after saying why on stderr. */
static int64_t run(const struct opts *o, struct http_first_stats *st)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	char err[256];
	int64_t t0, t1;
	pid_t pid;
	int status, rc;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, o->log, O_WRONLY | O_CREAT | O_APPEND, 0644);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	posix_spawnattr_init(&at);
	posix_spawnattr_setpgroup(&at, 0);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP);

	t0 = now_ns();
	rc = posix_spawnp(&pid, o->cmd[0], &fa, &at, o->cmd, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	if (rc != 0) {
		fprintf(stderr, "startlat: %s: %s\n", o->cmd[0], strerror(rc));
		return -1;
	}
	current = pid;
	status =
	        http_first(&(struct http_first_opts){ .addr = o->addr,
	                                              .deadline_ns = t0 + o->timeout_ms * 1000000LL,
	                                              .backoff_max_us = o->backoff_us,
	                                              .watch = pid },
	                   st, err, sizeof(err));
	t1 = now_ns();
	stop(pid);
	current = 0;
	if (o->after != NULL && system(o->after) != 0)
		fprintf(stderr, "startlat: warning: '%s' failed\n", o->after);
	if (status < 0) {
		fprintf(stderr, "startlat: %s: %s (log: %s)\n", o->label, err, o->log);
		return -1;
	}
	if (status != 200) {
		fprintf(stderr, "startlat: %s: answered HTTP %d\n", o->label, status);
		return -1;
	}
	return t1 - t0;
}

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank percentile P (0..100] of the N sorted values V. */
static int64_t pct(const int64_t *v, long n, int p)
{
	long rank = (n * p + 99) / 100;

	return v[rank < 1 ? 0 : rank - 1];
}

int main(int argc, char **argv)
{
	struct opts o;
	struct http_first_stats st;
	int64_t *v, sum = 0;
	long i, attempts = 0, closed = 0;
	FILE *f = NULL;

	parse(argc, argv, &o);
	v = calloc((size_t)o.runs, sizeof(*v));
	if (v == NULL)
		return 1;
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	if (o.samples != NULL && (f = fopen(o.samples, "w")) == NULL) {
		fprintf(stderr, "startlat: %s: %s\n", o.samples, strerror(errno));
		return 1;
	}
	for (i = 0; i < o.warmup; i++)
		if (run(&o, &st) < 0)
			return 1;
	for (i = 0; i < o.runs; i++) {
		v[i] = run(&o, &st);
		if (v[i] < 0)
			return 1;
		attempts += st.attempts;
		closed += st.closed;
		sum += v[i];
		if (f != NULL)
			fprintf(f, "%lld\n", (long long)((v[i] + 500) / 1000));
	}
	if (f != NULL && fclose(f) != 0) {
		fprintf(stderr, "startlat: %s: %s\n", o.samples, strerror(errno));
		return 1;
	}
	qsort(v, (size_t)o.runs, sizeof(*v), cmp64);
	printf("label=%s runs=%ld p50_us=%lld p99_us=%lld min_us=%lld max_us=%lld mean_us=%lld "
	       "attempts=%.1f closed=%.1f\n",
	       o.label, o.runs, (long long)(pct(v, o.runs, 50) + 500) / 1000,
	       (long long)(pct(v, o.runs, 99) + 500) / 1000, (long long)(v[0] + 500) / 1000,
	       (long long)(v[o.runs - 1] + 500) / 1000, (long long)(sum / o.runs + 500) / 1000,
	       (double)attempts / (double)o.runs, (double)closed / (double)o.runs);
	free(v);
	return 0;
}
