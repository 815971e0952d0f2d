/* nanvix-serve's process backend: each instance is a host process (to test the gateway with). */
/*
 * No isolation at all: this backend exists so that the gateway and the
 * pools can be tested without micro-VMs.  An instance is the function's
 * program, started with fork and execve in a process group of its own,
 * with stdin on /dev/null, stdout on a pipe, stderr shared with
 * nanvix-serve, and a small environment: PATH, PORT (a free TCP port on
 * 127.0.0.1, found by binding port 0), NANVIX_FUNCTION, NANVIX_INSTANCE
 * and the function's "env".  "memory" becomes its RLIMIT_DATA.
 *
 * It is ready once it prints a line "ready" on stdout (within
 * start_timeout); the lines before go to stderr, and so does its stdout
 * afterwards (log_fd).  Its death is learnt from a pidfd (dead_fd); where
 * pidfd_open is missing (Linux before 5.3, valgrind 3.19) from a pipe
 * whose only writer is the instance's fd 3, which ends when it ends (or
 * closes fd 3: a program run this way must leave fd 3 alone).
 * destroy kills the process group with SIGKILL and reaps the process: no
 * zombie, no process left behind.  "process-fresh" also recycles: after
 * each request the process is replaced in place by a new one (on a new
 * port and with new fds), as a micro-VM restored from its snapshot would
 * be; it exercises the gateway's recycle path.  The port can in principle be taken by
 * someone else between the probe and the program's bind: the program
 * then fails to start, and the pool retries.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <time.h>
#include <unistd.h>

#include <serve/backend.h>

#define DEFAULT_PATH "PATH=/usr/local/bin:/usr/bin:/bin"
#define EXEC_FAILED  "\001execve "

struct proc {
	pid_t pid;
	int pidfd; /* a pidfd, or the read end of the life pipe */
	int out;   /* its stdout (log_fd) */
};

/* How to learn of an instance's death, probed once (spawns run on several workers). */
static pthread_once_t probe_once = PTHREAD_ONCE_INIT;
static bool have_pidfd;

static void probe_pidfd(void)
{
	int fd = (int)syscall(SYS_pidfd_open, getpid(), 0);

	have_pidfd = fd >= 0;
	if (fd >= 0)
		close(fd);
}

/* One line of an instance's output to stderr, as the gateway prints them. */
static void relay_line(const struct serve_inst *inst, const char *line, size_t n)
{
	char buf[640];
	int k = snprintf(buf, sizeof(buf), "nanvix-serve: %s/%lu: %.*s\n", inst->fn->name, inst->id,
	                 (int)(n < 512 ? n : 512), line);

	if (k > 0 &&
	    write(STDERR_FILENO, buf, (size_t)k < sizeof(buf) ? (size_t)k : sizeof(buf)) < 0) {
		/* nowhere to report it */
	}
}

static int free_port(unsigned *port, char *err, size_t errlen)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0) {
		snprintf(err, errlen, "no free port: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	*port = ntohs(a.sin_port);
	return 0;
}

static int proc_prepare(void *state, struct serve_fn *fn, char *err, size_t errlen)
{
	struct stat st;

	if (fn->disk) {
		snprintf(err, errlen,
		         "the %s backend runs host programs: \"disk\" needs the vm backend",
		         "process");
		return -1;
	}
	if (stat(fn->program, &st) < 0 || access(fn->program, X_OK) < 0) {
		snprintf(err, errlen, "\"program\" %s cannot be run: %s", fn->program,
		         strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "\"program\" %s is not a regular file", fn->program);
		return -1;
	}
	return 0;
}

/* The child, between fork and execve: async-signal-safe calls only (the parent has threads). */
__attribute__((noreturn)) static void child(const struct serve_fn *fn, char **envp, int out,
                                            int life, pid_t parent)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	struct rlimit data = { fn->memory, fn->memory }, core = { 0, 0 };
	sigset_t none;
	char msg[32];
	int null, e, n;

	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
	null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(out, STDOUT_FILENO) < 0)
		_exit(127);
	if (life == 3)
		fcntl(3, F_SETFD, 0); /* dup2 onto itself would keep CLOEXEC */
	else if (life >= 0 && dup2(life, 3) < 0)
		_exit(127);
	/* Whatever nanvix-serve inherited without CLOEXEC. */
	syscall(SYS_close_range, life >= 0 ? 4U : 3U, ~0U, 0U);
	sigaction(SIGPIPE, &dfl, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	setrlimit(RLIMIT_DATA, &data);
	setrlimit(RLIMIT_CORE, &core);
	execve(fn->program, fn->argv, envp);
	/* Tell the parent why, on the pipe it reads: EXEC_FAILED and errno in decimal. */
	e = errno;
	memcpy(msg, EXEC_FAILED, sizeof(EXEC_FAILED) - 1);
	n = sizeof(EXEC_FAILED) - 1;
	if (e >= 100)
		msg[n++] = (char)('0' + e / 100 % 10);
	if (e >= 10)
		msg[n++] = (char)('0' + e / 10 % 10);
	msg[n++] = (char)('0' + e % 10);
	msg[n++] = '\n';
	if (write(STDOUT_FILENO, msg, (size_t)n) < 0) {
		/* the parent then sees status 127 */
	}
	_exit(127);
}

static long remaining_ms(const struct timespec *deadline)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (deadline->tv_sec - now.tv_sec) * 1000 + (deadline->tv_nsec - now.tv_nsec) / 1000000;
}

/*
 * Read the instance's stdout until its "ready" line.  0 when it came;
 * else -1 with the reason in err (it ended, it closed its stdout, it
 * could not be executed, or the deadline passed).
 */
static int wait_ready(const struct serve_inst *inst, struct proc *p, char *err, size_t errlen)
{
	const struct serve_fn *fn = inst->fn;
	struct timespec deadline;
	char buf[1024];
	size_t len = 0;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += fn->start_timeout_ms / 1000;
	deadline.tv_nsec += (long)(fn->start_timeout_ms % 1000) * 1000000;
	if (deadline.tv_nsec >= 1000000000) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000;
	}
	for (;;) {
		struct pollfd pf[2] = { { p->out, POLLIN, 0 }, { p->pidfd, POLLIN, 0 } };
		long ms = remaining_ms(&deadline);
		char *nl;
		ssize_t n;

		if (ms <= 0) {
			snprintf(err, errlen, "it did not print \"ready\" within %.1f s",
			         fn->start_timeout_ms / 1000.0);
			return -1;
		}
		n = poll(pf, 2, (int)ms);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "poll: %s", strerror(errno));
			return -1;
		}
		if (pf[0].revents) {
			n = read(p->out, buf + len, sizeof(buf) - len);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				/* Most likely it is ending: give it a moment, so that stop() can say how. */
				poll(&pf[1], 1, ms < 2000 ? (int)ms : 2000);
				snprintf(err, errlen,
				         "it closed its stdout before it printed \"ready\"");
				return -1;
			}
			len += (size_t)n;
			while ((nl = memchr(buf, '\n', len)) != NULL) {
				size_t line = (size_t)(nl - buf), k = line;

				while (k > 0 && (buf[k - 1] == '\r' || buf[k - 1] == ' '))
					k--;
				if (k == 5 && memcmp(buf, "ready", 5) == 0) {
					/* What followed the line is output like any other. */
					if (len > line + 1)
						relay_line(inst, nl + 1, len - line - 1);
					return 0;
				}
				if (k > sizeof(EXEC_FAILED) - 1 &&
				    memcmp(buf, EXEC_FAILED, sizeof(EXEC_FAILED) - 1) == 0) {
					snprintf(err, errlen, "cannot execute %s: %s", fn->program,
					         strerror(atoi(buf + sizeof(EXEC_FAILED) - 1)));
					return -1;
				}
				relay_line(inst, buf, k);
				memmove(buf, nl + 1, len - line - 1);
				len -= line + 1;
			}
			if (len == sizeof(buf)) {
				relay_line(inst, buf, len);
				len = 0;
			}
			continue;
		}
		if (pf[1].revents) {
			snprintf(err, errlen, "it ended before it printed \"ready\"");
			return -1;
		}
	}
}

/* Kill the instance's process group, reap it; `how` says how it had ended if it had. */
static void stop(struct proc *p, char *how, size_t howlen)
{
	siginfo_t si = { 0 };
	int status = 0;

	if (how)
		how[0] = 0;
	/* Ended already (a zombie): how, SIGKILL included (the OOM killer's, say). */
	if (how && waitid(P_PID, (id_t)p->pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
	    si.si_pid == p->pid) {
		if (si.si_code == CLD_EXITED)
			snprintf(how, howlen, "exited with status %d", si.si_status);
		else
			snprintf(how, howlen, "killed by signal %d (%s)", si.si_status,
			         strsignal(si.si_status));
	}
	kill(-p->pid, SIGKILL);
	kill(p->pid, SIGKILL);
	while (waitpid(p->pid, &status, 0) < 0 && errno == EINTR)
		;
	/* Or it was ending as it was killed: anything but our SIGKILL is its own end. */
	if (how && !how[0]) {
		if (WIFEXITED(status))
			snprintf(how, howlen, "exited with status %d", WEXITSTATUS(status));
		else if (WIFSIGNALED(status) && WTERMSIG(status) != SIGKILL)
			snprintf(how, howlen, "killed by signal %d (%s)", WTERMSIG(status),
			         strsignal(WTERMSIG(status)));
	}
	if (p->pidfd >= 0)
		close(p->pidfd);
	if (p->out >= 0)
		close(p->out);
}

static int proc_spawn(void *state, struct serve_inst *inst, char *err, size_t errlen)
{
	const struct serve_fn *fn = inst->fn;
	struct sockaddr_in *a = (struct sockaddr_in *)&inst->addr;
	struct proc *p = NULL;
	char **envp = NULL;
	size_t nenv = 0, k = 0;
	bool has_path = false;
	unsigned port;
	int out[2] = { -1, -1 }, life[2] = { -1, -1 }, rc = -1;
	pid_t self = getpid();

	pthread_once(&probe_once, probe_pidfd);

	if (free_port(&port, err, errlen) < 0)
		return -1;
	while (fn->envv[nenv]) {
		has_path = has_path || !strncmp(fn->envv[nenv], "PATH=", 5);
		nenv++;
	}
	envp = calloc(nenv + 5, sizeof(char *));
	p = calloc(1, sizeof(*p));
	if (!envp || !p)
		goto out_nomem;
	if (asprintf(&envp[k++], "PORT=%u", port) < 0 ||
	    asprintf(&envp[k++], "NANVIX_FUNCTION=%s", fn->name) < 0 ||
	    asprintf(&envp[k++], "NANVIX_INSTANCE=%lu", inst->id) < 0) {
		envp[--k] = NULL;
		goto out_nomem;
	}
	if (!has_path)
		envp[k++] = DEFAULT_PATH;
	memcpy(envp + k, fn->envv, nenv * sizeof(char *));
	if (pipe2(out, O_CLOEXEC) < 0 || (!have_pidfd && pipe2(life, O_CLOEXEC) < 0)) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		goto out;
	}
	p->pidfd = -1;
	p->out = out[0];
	p->pid = fork();
	if (p->pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		goto out;
	}
	if (p->pid == 0)
		child(fn, envp, out[1], life[1], self);
	close(out[1]);
	out[1] = -1;
	if (have_pidfd) {
		p->pidfd = (int)syscall(SYS_pidfd_open, p->pid, 0);
		if (p->pidfd < 0) {
			snprintf(err, errlen, "pidfd_open: %s", strerror(errno));
			stop(p, NULL, 0);
			out[0] = -1;
			goto out;
		}
		fcntl(p->pidfd, F_SETFD, FD_CLOEXEC);
	} else {
		close(life[1]);
		p->pidfd = life[0];
		life[0] = life[1] = -1;
	}
	if (wait_ready(inst, p, err, errlen) < 0) {
		char how[96] = "";
		size_t n = strlen(err);

		stop(p, how, sizeof(how));
		if (how[0] && n < errlen)
			snprintf(err + n, errlen - n, " (it %s)", how);
		out[0] = -1;
		goto out;
	}
	fcntl(p->out, F_SETFL, fcntl(p->out, F_GETFL) | O_NONBLOCK);
	memset(&inst->addr, 0, sizeof(inst->addr));
	a->sin_family = AF_INET;
	a->sin_port = htons((uint16_t)port);
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	inst->addrlen = sizeof(*a);
	inst->dead_fd = p->pidfd;
	inst->log_fd = p->out;
	inst->priv = p;
	p = NULL;
	rc = 0;
	goto out;
out_nomem:
	snprintf(err, errlen, "out of memory");
out:
	if (envp) {
		free(envp[0]);
		free(envp[1]);
		free(envp[2]);
	}
	free(envp);
	free(p);
	if (out[1] >= 0)
		close(out[1]);
	if (rc && out[0] >= 0)
		close(out[0]);
	if (life[0] >= 0)
		close(life[0]);
	if (life[1] >= 0)
		close(life[1]);
	return rc;
}

static void proc_destroy(void *state, struct serve_inst *inst, char *how, size_t howlen)
{
	struct proc *p = inst->priv;

	if (!p)
		return; /* a failed recycle left nothing running */
	stop(p, how, howlen);
	free(p);
	inst->priv = NULL;
	inst->dead_fd = inst->log_fd = -1;
}

/* process-fresh: a new process after every request, in place (what a snapshot restore gives). */
static int proc_recycle(void *state, struct serve_inst *inst, char *err, size_t errlen)
{
	struct proc *p = inst->priv;

	stop(p, NULL, 0);
	free(p);
	inst->priv = NULL;
	inst->dead_fd = inst->log_fd = -1;
	return proc_spawn(state, inst, err, errlen);
}

static const struct serve_backend process_backend = {
	.name = "process",
	.summary = "host processes, no isolation (for testing the gateway)",
	.prepare = proc_prepare,
	.spawn = proc_spawn,
	.destroy = proc_destroy,
};
SERVE_BACKEND(process_backend);

static const struct serve_backend process_fresh_backend = {
	.name = "process-fresh",
	.summary = "as process, but a new process for every request (recycle)",
	.prepare = proc_prepare,
	.spawn = proc_spawn,
	.recycle = proc_recycle,
	.destroy = proc_destroy,
};
SERVE_BACKEND(process_fresh_backend);
