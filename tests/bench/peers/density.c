/* density: start N idle server instances at once, measure host memory per instance and creation rate, tear them all down. */

/*
 * usage: density -n N [-p BASEPORT] [-t TIMEOUT_MS] [-s SETTLE_MS]
 *                [-b BACKOFF_MAX_US] [-m FLOOR_MIB] [-d LOGDIR] [-a AFTER]
 *                [-L LABEL] -- CMD ARGS...
 *
 * In CMD, ARGS and AFTER, "@PORT@" stands for instance I's TCP port
 * (BASEPORT + I, default BASEPORT 19000) and "@I@" for I (0 .. N-1).
 *
 *  1. Check that all N ports are free; read /proc/meminfo ("before").
 *  2. t0 = CLOCK_MONOTONIC; spawn the N instances, each in its own process
 *     group, stdin /dev/null, stdout and stderr to LOGDIR/I.log (default:
 *     /dev/null); then wait until every one answers "GET /" with 200 on
 *     127.0.0.1:PORT (httpclient.h): t1.  The creation rate is N/(t1 - t0).
 *  3. After SETTLE_MS (default 1000) idle: read /proc/meminfo ("after") and
 *     every process descended from the N instances: the sum of their
 *     smaps_rollup Private_Dirty, Pss and Rss.
 *  4. Tear down: SIGTERM to each group, SIGKILL after 10 s, AFTER (a shell
 *     command) once per instance, then SIGKILL to any process of the
 *     instances still alive (one that left its group, as a container
 *     runtime's sandbox does); then check that none is left.
 *
 * It fails (exit 1, after the same teardown) when an instance exits or does
 * not answer within TIMEOUT_MS (default 60000) of t0, when spawning fails,
 * or when MemAvailable falls below FLOOR_MIB (default 4096) while instances
 * start: the host is shared, and this keeps the test well away from
 * running it out of memory.
 *
 * Output, stdout: one machine-readable line and one for people:
 *   density label=L n=N ok=N create_s=S create_per_s=R memavail_mib_per=A
 *     private_dirty_mib_per=D pss_mib_per=P rss_mib_per=Q slab_kib_per=B
 *     pagetables_kib_per=G kernelstack_kib_per=K shmem_kib_per=H procs_per=C
 *     leaked=0 memavail_back_mib=Z
 *   (slab, pagetables, kernelstack, shmem: /proc/meminfo after minus
 *   before, over N; shmem holds a gVisor sandbox's application memory,
 *   which its processes map shared, so that Private_Dirty misses it;
 *   memavail_back_mib: MemAvailable after teardown minus before, MiB.
 *   MemAvailable moves with everything else the host runs meanwhile:
 *   Private_Dirty and the kernel deltas are the instances' own.)
 * On failure: "density label=L n=N ok=K failed=\"REASON\"" with ok the
 * instances that had answered, and leaked= as above.
 */

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "httpclient.h"

#define DEFAULT_BASEPORT   19000
#define DEFAULT_TIMEOUT_MS 60000
#define DEFAULT_SETTLE_MS  1000
#define DEFAULT_BACKOFF_US 1000
#define DEFAULT_FLOOR_MIB  4096
#define STOP_NS            10000000000LL
#define MAX_N              4096
#define MAX_PROCS          65536
#define REASON_MAX         512

extern char **environ;

struct opts {
	long n, baseport, timeout_ms, settle_ms, backoff_us, floor_mib;
	const char *logdir, *after, *label;
	char **cmd;
	int cmdc;
};

/* The fields of /proc/meminfo we compare, in kB. */
struct meminfo {
	long avail, slab, pagetables, kernelstack, shmem;
};

/* A process, identified across pid reuse by its start time. */
struct proc {
	int pid;
	unsigned long long start;
};

static struct opts o;
static pid_t inst[MAX_N];
static struct proc procs[MAX_PROCS];
static int nprocs;
static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	interrupted = sig;
}

static void usage(void)
{
	fprintf(stderr, "usage: density -n N [-p BASEPORT] [-t TIMEOUT_MS] [-s SETTLE_MS] "
	                "[-b BACKOFF_MAX_US]\n               [-m FLOOR_MIB] [-d LOGDIR] [-a AFTER] "
	                "[-L LABEL] -- CMD ARGS...\n");
	exit(2);
}

static long number(const char *s, long min, long max)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < min || v > max) {
		fprintf(stderr, "density: bad number '%s' (%ld..%ld)\n", s, min, max);
		exit(2);
	}
	return v;
}

static void parse(int argc, char **argv)
{
	int c;

	o = (struct opts){ .baseport = DEFAULT_BASEPORT,
		           .timeout_ms = DEFAULT_TIMEOUT_MS,
		           .settle_ms = DEFAULT_SETTLE_MS,
		           .backoff_us = DEFAULT_BACKOFF_US,
		           .floor_mib = DEFAULT_FLOOR_MIB,
		           .label = "server" };
	while ((c = getopt(argc, argv, "+n:p:t:s:b:m:d:a:L:")) != -1) {
		switch (c) {
		case 'n': o.n = number(optarg, 1, MAX_N); break;
		case 'p': o.baseport = number(optarg, 1, 65535); break;
		case 't': o.timeout_ms = number(optarg, 1, 86400000); break;
		case 's': o.settle_ms = number(optarg, 0, 600000); break;
		case 'b': o.backoff_us = number(optarg, 1, 1000000); break;
		case 'm': o.floor_mib = number(optarg, 0, 1L << 30); break;
		case 'd': o.logdir = optarg; break;
		case 'a': o.after = optarg; break;
		case 'L': o.label = optarg; break;
		default: usage();
		}
	}
	if (o.n == 0 || optind >= argc || o.baseport + o.n - 1 > 65535)
		usage();
	o.cmd = argv + optind;
	o.cmdc = argc - optind;
}

/* S with every "@PORT@" and "@I@" replaced for instance I (malloc'd). */
static char *subst(const char *s, long i)
{
	char port[16], idx[16], *out, *q;

	snprintf(port, sizeof(port), "%ld", o.baseport + i);
	snprintf(idx, sizeof(idx), "%ld", i);
	out = malloc(strlen(s) * 4 + 64); /* a 3-byte token becomes at most 10 digits */
	if (out == NULL)
		exit(1);
	for (q = out; *s != '\0';) {
		if (strncmp(s, "@PORT@", 6) == 0) {
			q = stpcpy(q, port);
			s += 6;
		} else if (strncmp(s, "@I@", 3) == 0) {
			q = stpcpy(q, idx);
			s += 3;
		} else {
			*q++ = *s++;
		}
	}
	*q = '\0';
	return out;
}

static int read_meminfo(struct meminfo *m)
{
	char line[256];
	FILE *f = fopen("/proc/meminfo", "r");
	long v;

	if (f == NULL)
		return -1;
	memset(m, 0, sizeof(*m));
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "MemAvailable: %ld", &v) == 1)
			m->avail = v;
		else if (sscanf(line, "Slab: %ld", &v) == 1)
			m->slab = v;
		else if (sscanf(line, "PageTables: %ld", &v) == 1)
			m->pagetables = v;
		else if (sscanf(line, "KernelStack: %ld", &v) == 1)
			m->kernelstack = v;
		else if (sscanf(line, "Shmem: %ld", &v) == 1)
			m->shmem = v;
	}
	fclose(f);
	return 0;
}

/* pid's parent and start time from /proc/PID/stat; -1 if it is gone. */
static int read_stat(int pid, int *ppid, unsigned long long *start)
{
	char path[64], buf[1024], *p;
	int fd, i;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strrchr(buf, ')'); /* the command name may hold spaces and parentheses */
	if (p == NULL)
		return -1;
	p += 2; /* state */
	if (sscanf(p, "%*c %d", ppid) != 1)
		return -1;
	for (i = 0; i < 19 && p != NULL; i++) /* field 22, starttime, is 19 after state */
		p = strchr(p + 1, ' ');
	if (p == NULL || sscanf(p, " %llu", start) != 1)
		return -1;
	return 0;
}

static int known(int pid)
{
	int i;

	for (i = 0; i < nprocs; i++)
		if (procs[i].pid == pid)
			return 1;
	return 0;
}

/*
 * Add to procs every live process descended from an instance (the
 * instances included).  Repeated until nothing new turns up, since /proc
 * lists a child before its parent when pids wrap.
 */
static void collect(void)
{
	static int pid_of[MAX_PROCS], ppid_of[MAX_PROCS];
	static unsigned long long start_of[MAX_PROCS];
	int all = 0, grew = 1, i;
	struct dirent *d;
	DIR *dir = opendir("/proc");

	if (dir == NULL)
		return;
	while ((d = readdir(dir)) != NULL && all < MAX_PROCS) {
		if (!isdigit((unsigned char)d->d_name[0]))
			continue;
		pid_of[all] = atoi(d->d_name);
		if (read_stat(pid_of[all], &ppid_of[all], &start_of[all]) == 0)
			all++;
	}
	closedir(dir);
	for (i = 0; i < o.n; i++) {
		if (inst[i] > 0 && !known(inst[i]) && nprocs < MAX_PROCS) {
			int k;

			for (k = 0; k < all; k++)
				if (pid_of[k] == inst[i])
					procs[nprocs++] = (struct proc){ inst[i], start_of[k] };
		}
	}
	while (grew) {
		grew = 0;
		for (i = 0; i < all && nprocs < MAX_PROCS; i++) {
			if (!known(pid_of[i]) && known(ppid_of[i])) {
				procs[nprocs++] = (struct proc){ pid_of[i], start_of[i] };
				grew = 1;
			}
		}
	}
}

/* Is P still the same live process (not a zombie)? */
static int alive(const struct proc *p)
{
	unsigned long long start;
	char path[64], buf[256], *s;
	int ppid, fd;
	ssize_t n;

	if (read_stat(p->pid, &ppid, &start) != 0 || start != p->start)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", p->pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	s = strrchr(buf, ')');
	return s != NULL && s[1] == ' ' && s[2] != 'Z' && s[2] != 'X';
}

/* Sum of smaps_rollup fields over procs, in kB. */
static void smaps(long *dirty, long *pss, long *rss)
{
	char path[64], line[256];
	int i;
	long v;

	*dirty = *pss = *rss = 0;
	for (i = 0; i < nprocs; i++) {
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", procs[i].pid);
		f = fopen(path, "r");
		if (f == NULL)
			continue;
		while (fgets(line, sizeof(line), f) != NULL) {
			if (sscanf(line, "Private_Dirty: %ld", &v) == 1)
				*dirty += v;
			else if (sscanf(line, "Pss: %ld", &v) == 1)
				*pss += v;
			else if (sscanf(line, "Rss: %ld", &v) == 1)
				*rss += v;
		}
		fclose(f);
	}
}

static int port_free(long port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port) };
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), ok, one = 1;

	if (s < 0)
		return 0;
	/* As the servers do: connections of a previous run in TIME_WAIT do not count. */
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	ok = bind(s, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(s);
	return ok;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR && !interrupted)
		;
}

/* The last line of instance I's log, for a failure message. */
static void last_log_line(long i, char *out, size_t len)
{
	char path[4096], buf[4096], *p;
	ssize_t n;
	int fd;

	out[0] = '\0';
	if (o.logdir == NULL)
		return;
	snprintf(path, sizeof(path), "%s/%ld.log", o.logdir, i);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return;
	if (lseek(fd, 0, SEEK_END) > (off_t)sizeof(buf) - 1)
		lseek(fd, -(off_t)(sizeof(buf) - 1), SEEK_END);
	else
		lseek(fd, 0, SEEK_SET);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	p = strrchr(buf, '\n');
	p = p ? p + 1 : buf;
	n = (ssize_t)strlen(p) < (ssize_t)len - 1 ? (ssize_t)strlen(p) : (ssize_t)len - 1;
	memcpy(out, p, (size_t)n);
	out[n] = '\0';
	for (p = out; *p != '\0'; p++)
		if (*p == '"' || (unsigned char)*p < ' ')
			*p = '\'';
}

static pid_t spawn(long i)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	char **argv = calloc((size_t)o.cmdc + 1, sizeof(char *)), log[4096];
	pid_t pid = -1;
	int k, rc;

	if (argv == NULL)
		return -1;
	for (k = 0; k < o.cmdc; k++)
		argv[k] = subst(o.cmd[k], i);
	if (o.logdir != NULL)
		snprintf(log, sizeof(log), "%s/%ld.log", o.logdir, i);
	else
		snprintf(log, sizeof(log), "/dev/null");
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	posix_spawnattr_init(&at);
	posix_spawnattr_setpgroup(&at, 0);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP);
	rc = posix_spawnp(&pid, argv[0], &fa, &at, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	for (k = 0; k < o.cmdc; k++)
		free(argv[k]);
	free(argv);
	if (rc != 0) {
		errno = rc;
		return -1;
	}
	return pid;
}

/* Stop everything: groups, AFTER, stragglers.  Returns the processes left alive. */
static int teardown(long started)
{
	int64_t give_up;
	long i;
	int left, k, ws;

	collect();
	for (i = 0; i < started; i++)
		if (inst[i] > 0)
			kill(-inst[i], SIGTERM);
	give_up = now_ns() + STOP_NS;
	for (i = 0; i < started; i++) {
		while (inst[i] > 0 && waitpid(inst[i], &ws, WNOHANG) == 0) {
			if (now_ns() > give_up) {
				kill(-inst[i], SIGKILL);
				waitpid(inst[i], &ws, 0);
				break;
			}
			sleep_ms(2);
		}
		if (inst[i] > 0)
			kill(-inst[i], SIGKILL);
	}
	for (i = 0; i < started && o.after != NULL; i++) {
		char *cmd = subst(o.after, i);

		if (system(cmd) != 0)
			fprintf(stderr, "density: warning: '%s' failed\n", cmd);
		free(cmd);
	}
	for (k = 0; k < nprocs; k++)
		if (alive(&procs[k]))
			kill(procs[k].pid, SIGKILL);
	/* SIGKILL is asynchronous: give the kernel a moment to reap. */
	for (give_up = now_ns() + 2000000000LL;;) {
		for (left = 0, k = 0; k < nprocs; k++)
			left += alive(&procs[k]);
		if (left == 0 || now_ns() > give_up)
			break;
		sleep_ms(10);
	}
	return left;
}

int main(int argc, char **argv)
{
	struct meminfo before, after, back;
	char reason[REASON_MAX] = "", err[256], tail[200];
	long i, started = 0, ok = 0, dirty, pss, rss;
	int64_t t0, t1 = 0;
	int leaked;

	parse(argc, argv);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	for (i = 0; i < o.n; i++) {
		if (!port_free(o.baseport + i)) {
			fprintf(stderr, "density: port %ld is in use\n", o.baseport + i);
			return 1;
		}
	}
	if (read_meminfo(&before) != 0) {
		perror("density: /proc/meminfo");
		return 1;
	}

	t0 = now_ns();
	for (i = 0; i < o.n && reason[0] == '\0'; i++) {
		struct meminfo m;

		if (interrupted) {
			snprintf(reason, sizeof(reason), "interrupted by signal %d",
			         (int)interrupted);
			break;
		}
		inst[i] = spawn(i);
		if (inst[i] < 0) {
			snprintf(reason, sizeof(reason), "spawning instance %ld: %s", i,
			         strerror(errno));
			inst[i] = 0;
			break;
		}
		started++;
		if (read_meminfo(&m) == 0 && m.avail / 1024 < o.floor_mib)
			snprintf(reason, sizeof(reason),
			         "MemAvailable fell to %ld MiB (floor %ld MiB) after %ld instances",
			         m.avail / 1024, o.floor_mib, started);
	}
	for (i = 0; i < started && reason[0] == '\0'; i++) {
		struct meminfo m;
		struct http_first_opts h = { .deadline_ns = t0 + o.timeout_ms * 1000000LL,
			                     .backoff_max_us = o.backoff_us,
			                     .watch = inst[i] };
		char port[16];
		int status;

		snprintf(port, sizeof(port), "%ld", o.baseport + i);
		http_parse_addr("127.0.0.1", port, &h.addr, err, sizeof(err));
		status = http_first(&h, NULL, err, sizeof(err));
		if (interrupted) {
			snprintf(reason, sizeof(reason), "interrupted by signal %d",
			         (int)interrupted);
			break;
		}
		if (status != 200) {
			last_log_line(i, tail, sizeof(tail));
			if (status > 0)
				snprintf(err, sizeof(err), "answered HTTP %d", status);
			snprintf(reason, sizeof(reason), "instance %ld (port %s): %s%s%s", i, port,
			         err, tail[0] ? "; its log ends: " : "", tail);
			if (status < 0 &&
			    (strstr(err, "exited") != NULL || strstr(err, "died") != NULL))
				inst[i] = 0; /* reaped by http_first */
			break;
		}
		ok++;
		if (read_meminfo(&m) == 0 && m.avail / 1024 < o.floor_mib)
			snprintf(reason, sizeof(reason),
			         "MemAvailable fell to %ld MiB (floor %ld MiB) with %ld instances "
			         "up",
			         m.avail / 1024, o.floor_mib, ok);
	}
	t1 = now_ns();

	if (reason[0] != '\0') {
		leaked = teardown(started);
		printf("density label=%s n=%ld ok=%ld failed=\"%s\" leaked=%d\n", o.label, o.n, ok,
		       reason, leaked);
		printf("%s: %ld instances: stopped after %ld ready: %s%s\n", o.label, o.n, ok,
		       reason, leaked ? " (PROCESSES LEFT ALIVE)" : "");
		return 1;
	}

	sleep_ms(o.settle_ms);
	read_meminfo(&after);
	collect();
	smaps(&dirty, &pss, &rss);
	leaked = teardown(started);
	sleep_ms(500);
	read_meminfo(&back);
	{
		double n = (double)o.n, secs = (double)(t1 - t0) / 1e9;
		double avail = (double)(before.avail - after.avail) / 1024.0 / n;

		printf("density label=%s n=%ld ok=%ld create_s=%.3f create_per_s=%.1f "
		       "memavail_mib_per=%.2f private_dirty_mib_per=%.2f pss_mib_per=%.2f "
		       "rss_mib_per=%.2f slab_kib_per=%.1f pagetables_kib_per=%.1f "
		       "kernelstack_kib_per=%.1f shmem_kib_per=%.1f procs_per=%.1f leaked=%d "
		       "memavail_back_mib=%ld\n",
		       o.label, o.n, ok, secs, n / secs, avail, (double)dirty / 1024.0 / n,
		       (double)pss / 1024.0 / n, (double)rss / 1024.0 / n,
		       (double)(after.slab - before.slab) / n,
		       (double)(after.pagetables - before.pagetables) / n,
		       (double)(after.kernelstack - before.kernelstack) / n,
		       (double)(after.shmem - before.shmem) / n, (double)nprocs / n, leaked,
		       (back.avail - before.avail) / 1024);
		printf("%s: %ld instances ready in %.2f s (%.1f/s); per instance: %.2f MiB of "
		       "MemAvailable, %.2f MiB private dirty (%.1f processes), kernel %.0f KiB "
		       "slab + "
		       "%.0f KiB page tables + %.0f KiB stacks; %s\n",
		       o.label, o.n, secs, n / secs, avail, (double)dirty / 1024.0 / n,
		       (double)nprocs / n, (double)(after.slab - before.slab) / n,
		       (double)(after.pagetables - before.pagetables) / n,
		       (double)(after.kernelstack - before.kernelstack) / n,
		       leaked ? "PROCESSES LEFT ALIVE after teardown" : "all torn down");
	}
	return leaked ? 1 : 0;
}
