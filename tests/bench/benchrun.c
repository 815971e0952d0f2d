/* benchrun: run a command many times, report wall-time percentiles and peak RSS. */

/*
 * usage: benchrun [-n RUNS] [-w WARMUP] [-t SECONDS] [--label NAME] [--show]
 *                 -- CMD ARGS...
 *
 * Each run is fork + execvp + wait4.  The wall time of a run is taken with
 * CLOCK_MONOTONIC just before fork() and just after wait4() returns, so it
 * includes process creation, exec, the program itself and its teardown, as a
 * shell user would see it.  Peak RSS is the child's rusage.ru_maxrss from
 * wait4 (KiB on Linux); the largest over the measured runs is reported.
 *
 * WARMUP runs go first and are not measured (they fill the page cache and the
 * host's allocator caches).  Every run, warm-up or not, must exit with status
 * 0: anything else (non-zero exit, signal, timeout) stops benchrun with a
 * message naming the run and its status, and exit status 1.
 *
 * Output, one line on stdout:
 *   label=NAME runs=N median_us=X p99_us=Y min_us=Z max_rss_kib=R
 * median is the middle sample (mean of the two middle ones for even N), p99
 * is the nearest-rank 99th percentile (the ceil(0.99 N)-th smallest sample),
 * all rounded to whole microseconds.
 */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_RUNS      50
#define DEFAULT_WARMUP    3
#define DEFAULT_TIMEOUT_S 60

struct opts {
	long runs;
	long warmup;
	long timeout_s; /* 0: wait forever */
	int show;       /* keep the child's stdin/stdout/stderr */
	const char *label;
	char **argv; /* command to run, NULL-terminated */
};

/* One run's result. */
struct sample {
	int64_t wall_ns;
	long maxrss_kib;
};

static const char *label = "benchrun";

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: benchrun [-n RUNS] [-w WARMUP] [-t SECONDS] "
	        "[--label NAME] [--show] -- CMD ARGS...\n"
	        "  -n RUNS       measured runs (default %d)\n"
	        "  -w WARMUP     unmeasured runs first (default %d)\n"
	        "  -t SECONDS    kill a run that takes longer and fail "
	        "(default %d, 0: never)\n"
	        "  --label NAME  name printed in the result line (default: "
	        "CMD's basename)\n"
	        "  --show        keep the command's stdin/stdout/stderr "
	        "(default: /dev/null)\n"
	        "prints: label=NAME runs=N median_us=X p99_us=Y min_us=Z "
	        "max_rss_kib=R\n",
	        DEFAULT_RUNS, DEFAULT_WARMUP, DEFAULT_TIMEOUT_S);
}

static void fail(const char *fmt, const char *arg)
{
	fprintf(stderr, "benchrun: %s: ", label);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	exit(1);
}

static void fail_errno(const char *what)
{
	fprintf(stderr, "benchrun: %s: %s: %s\n", label, what, strerror(errno));
	exit(1);
}

static long parse_count(const char *s, const char *what, long min)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min) {
		fprintf(stderr, "benchrun: bad %s '%s' (want an integer >= %ld)\n", what, s, min);
		exit(2);
	}
	return v;
}

static void parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "label", required_argument, NULL, 'l' },
		{ "show", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	o->runs = DEFAULT_RUNS;
	o->warmup = DEFAULT_WARMUP;
	o->timeout_s = DEFAULT_TIMEOUT_S;
	o->show = 0;
	o->label = NULL;
	/* '+': stop at the first non-option, so CMD's own options are left. */
	while ((c = getopt_long(argc, argv, "+n:w:t:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'n': o->runs = parse_count(optarg, "run count", 1); break;
		case 'w': o->warmup = parse_count(optarg, "warm-up count", 0); break;
		case 't': o->timeout_s = parse_count(optarg, "timeout", 0); break;
		case 'l': o->label = optarg; break;
		case 's': o->show = 1; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); exit(2);
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "benchrun: no command given\n");
		usage(stderr);
		exit(2);
	}
	o->argv = &argv[optind];
	if (o->label && (!*o->label || strpbrk(o->label, " \t\n="))) {
		fprintf(stderr, "benchrun: --label must be non-empty, without "
		                "blanks or '='\n");
		exit(2);
	}
	if (!o->label) {
		const char *slash = strrchr(o->argv[0], '/');
		o->label = slash ? slash + 1 : o->argv[0];
	}
}

static int64_t now_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
		fail_errno("clock_gettime");
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/*
 * Wait for the one running child to end, at most until deadline_ns (0: no
 * limit).  SIGCHLD is blocked, so it stays pending until taken here.  Returns
 * 0 when the child ended, -1 on timeout.
 */
static int wait_sigchld(const sigset_t *chld, int64_t deadline_ns)
{
	for (;;) {
		int r;

		if (deadline_ns == 0) {
			r = sigwaitinfo(chld, NULL);
		} else {
			int64_t left = deadline_ns - now_ns();
			struct timespec ts;

			if (left <= 0)
				return -1;
			ts.tv_sec = left / 1000000000;
			ts.tv_nsec = left % 1000000000;
			r = sigtimedwait(chld, NULL, &ts);
		}
		if (r == SIGCHLD)
			return 0;
		if (r < 0 && errno == EAGAIN)
			return -1;
		if (r < 0 && errno != EINTR)
			fail_errno("sigtimedwait");
	}
}

/* Runs the command once; fails (exits) unless it ends with status 0. */
static struct sample run_once(const struct opts *o, const sigset_t *chld, const sigset_t *orig_mask,
                              int devnull, const char *which)
{
	struct sample s;
	struct rusage ru;
	int64_t t0, deadline;
	int status;
	pid_t pid, w;
	char msg[128];

	t0 = now_ns();
	pid = fork();
	if (pid < 0)
		fail_errno("fork");
	if (pid == 0) {
		if (!o->show &&
		    (dup2(devnull, 0) < 0 || dup2(devnull, 1) < 0 || dup2(devnull, 2) < 0))
			_exit(126);
		sigprocmask(SIG_SETMASK, orig_mask, NULL);
		execvp(o->argv[0], o->argv);
		_exit(127);
	}

	deadline = o->timeout_s ? t0 + o->timeout_s * 1000000000LL : 0;
	if (wait_sigchld(chld, deadline) < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		snprintf(msg, sizeof(msg), "%s: timed out after %ld s, killed", which,
		         o->timeout_s);
		fail("%s", msg);
	}
	do {
		w = wait4(pid, &status, 0, &ru);
	} while (w < 0 && errno == EINTR);
	s.wall_ns = now_ns() - t0;
	if (w < 0)
		fail_errno("wait4");
	s.maxrss_kib = ru.ru_maxrss;

	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return s;
	if (WIFEXITED(status))
		snprintf(msg, sizeof(msg), "%s: exited with status %d%s", which,
		         WEXITSTATUS(status),
		         WEXITSTATUS(status) == 127   ? " (could not exec?)"
		         : WEXITSTATUS(status) == 126 ? " (could not redirect?)"
		                                      : "");
	else if (WIFSIGNALED(status))
		snprintf(msg, sizeof(msg), "%s: killed by signal %d (%s)", which, WTERMSIG(status),
		         strsignal(WTERMSIG(status)));
	else
		snprintf(msg, sizeof(msg), "%s: ended with wait status 0x%x", which, status);
	fprintf(stderr, "benchrun: %s: %s\nbenchrun: %s: command:", label, msg, label);
	for (char **a = o->argv; *a; a++)
		fprintf(stderr, " %s", *a);
	fputc('\n', stderr);
	if (!o->show)
		fprintf(stderr,
		        "benchrun: %s: its output went to /dev/null; "
		        "rerun with --show to see it\n",
		        label);
	exit(1);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Nanoseconds to whole microseconds, rounded to nearest. */
static long long ns_to_us(int64_t ns)
{
	return (long long)((ns + 500) / 1000);
}

int main(int argc, char **argv)
{
	struct opts o;
	sigset_t chld, orig_mask;
	struct sigaction dfl;
	int64_t *wall, median;
	long max_rss = 0, i, p99_rank;
	int devnull;
	char which[64];

	parse_args(argc, argv, &o);
	label = o.label;

	if (strchr(o.argv[0], '/') && access(o.argv[0], X_OK) < 0)
		fail_errno(o.argv[0]);

	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull < 0)
		fail_errno("open /dev/null");

	/* SIGCHLD must be queued, not ignored (a parent may have set SIG_IGN). */
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	if (sigaction(SIGCHLD, &dfl, NULL) < 0)
		fail_errno("sigaction");
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &chld, &orig_mask) < 0)
		fail_errno("sigprocmask");

	wall = calloc((size_t)o.runs, sizeof(*wall));
	if (!wall)
		fail_errno("calloc");

	for (i = 0; i < o.warmup; i++) {
		snprintf(which, sizeof(which), "warm-up run %ld of %ld", i + 1, o.warmup);
		run_once(&o, &chld, &orig_mask, devnull, which);
	}
	for (i = 0; i < o.runs; i++) {
		struct sample s;

		snprintf(which, sizeof(which), "run %ld of %ld", i + 1, o.runs);
		s = run_once(&o, &chld, &orig_mask, devnull, which);
		wall[i] = s.wall_ns;
		if (s.maxrss_kib > max_rss)
			max_rss = s.maxrss_kib;
	}

	qsort(wall, (size_t)o.runs, sizeof(*wall), cmp_i64);
	if (o.runs % 2)
		median = wall[o.runs / 2];
	else
		median = (wall[o.runs / 2 - 1] + wall[o.runs / 2]) / 2;
	/* Nearest rank: ceil(0.99 * runs), computed exactly in integers. */
	p99_rank = (99 * o.runs + 99) / 100;
	printf("label=%s runs=%ld median_us=%lld p99_us=%lld min_us=%lld "
	       "max_rss_kib=%ld\n",
	       o.label, o.runs, ns_to_us(median), ns_to_us(wall[p99_rank - 1]), ns_to_us(wall[0]),
	       max_rss);
	free(wall);
	return fflush(stdout) == 0 ? 0 : 1;
}
