/*
 * Resource limits a process sets on itself, as Linux enforces them:
 * RLIMIT_NOFILE (EMFILE at the soft limit, whatever was open before; dup2
 * and F_DUPFD at or past it; soft above hard) and RLIMIT_CPU (SIGXCPU at
 * the soft limit, SIGKILL at the hard one, in a child).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t xcpu;

static void on_xcpu(int sig)
{
	(void)sig;
	xcpu++;
	if (write(1, "child: SIGXCPU\n", 15) < 0)
		_exit(3);
}

int main(void)
{
	struct rlimit rl = { 16, 16 }, got;
	int fd, last = -1, status;
	pid_t pid;

	printf("setrlimit NOFILE 16:16: %d\n", setrlimit(RLIMIT_NOFILE, &rl));
	while ((fd = open("/dev/null", O_RDONLY)) >= 0)
		last = fd;
	printf("EMFILE after fd %d: %s\n", last, errno == EMFILE ? "yes" : strerror(errno));
	printf("dup2 to fd 16: %s\n", dup2(0, 16) < 0 ? strerror(errno) : "ok");
	printf("dup2 to fd 15: %s\n", dup2(0, 15) == 15 ? "ok" : strerror(errno));
	printf("F_DUPFD from 16: %s\n", fcntl(0, F_DUPFD, 16) < 0 ? strerror(errno) : "ok");
	rl.rlim_cur = 17;
	printf("soft above hard: %s\n", setrlimit(RLIMIT_NOFILE, &rl) ? strerror(errno) : "ok");
	getrlimit(RLIMIT_NOFILE, &got);
	printf("still %llu:%llu\n", (unsigned long long)got.rlim_cur,
	       (unsigned long long)got.rlim_max);
	fflush(stdout);

	pid = fork();
	if (pid == 0) {
		struct rlimit cpu = { 1, 2 };

		signal(SIGXCPU, on_xcpu);
		setrlimit(RLIMIT_CPU, &cpu);
		for (;;)
			; /* CPU time passes */
	}
	waitpid(pid, &status, 0);
	printf("child: %s %d\n", WIFSIGNALED(status) ? "killed by signal" : "exited",
	       WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
	return 0;
}
