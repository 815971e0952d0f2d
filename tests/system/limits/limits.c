/*
 * limits: drive the VM past one of the limits nanvixd puts on it and say
 * what the program saw (tests/system/limits.sh):
 *   limits fork      fork until it fails; prints how many and the error
 *   limits threads   pthread_create until it fails; the same
 *   limits nofile    prints RLIMIT_NOFILE, opens until EMFILE, dup2s to the
 *                    limit, tries to raise the hard limit by one
 *   limits cpu       prints RLIMIT_CPU, then spins, printing each SIGXCPU
 *   limits spin S    spins for S seconds of wall-clock time
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t xcpu;

static void on_xcpu(int sig)
{
	(void)sig;
	xcpu++;
}

static void *idle(void *arg)
{
	(void)arg;
	pause();
	return NULL;
}

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";
	struct rlimit rl;
	int n = 0;

	if (!strcmp(what, "fork")) {
		pid_t pid;

		while (n < 10000 && (pid = fork()) >= 0) {
			if (pid == 0) {
				pause();
				_exit(0);
			}
			n++;
		}
		printf("forked %d, then %s\n", n, strerror(errno));
		fflush(stdout);
		signal(SIGTERM, SIG_IGN);
		kill(0, SIGTERM); /* the children */
		return 0;
	}
	if (!strcmp(what, "threads")) {
		pthread_t t;
		int rc;

		while (n < 10000 && (rc = pthread_create(&t, NULL, idle, NULL)) == 0)
			n++;
		printf("threads %d, then %s\n", n, strerror(rc));
		return 0;
	}
	if (!strcmp(what, "nofile")) {
		getrlimit(RLIMIT_NOFILE, &rl);
		printf("nofile %llu:%llu\n", (unsigned long long)rl.rlim_cur,
		       (unsigned long long)rl.rlim_max);
		while (open("/dev/null", O_RDONLY) >= 0)
			n++;
		printf("opened %d more, then %s\n", n, strerror(errno));
		printf("dup2 to the limit: %s\n",
		       dup2(0, (int)rl.rlim_cur) < 0 ? strerror(errno) : "ok");
		rl.rlim_max += 1;
		printf("raising the hard limit: %s\n",
		       setrlimit(RLIMIT_NOFILE, &rl) ? strerror(errno) : "ok");
		return 0;
	}
	if (!strcmp(what, "cpu")) {
		getrlimit(RLIMIT_CPU, &rl);
		printf("cpu %llu:%llu\n", (unsigned long long)rl.rlim_cur,
		       (unsigned long long)rl.rlim_max);
		fflush(stdout);
		signal(SIGXCPU, on_xcpu);
		for (int seen = 0;;)
			if (xcpu != seen) {
				seen = xcpu;
				printf("SIGXCPU %d\n", seen);
				fflush(stdout);
			}
	}
	if (!strcmp(what, "spin") && argc > 2) {
		time_t end = time(NULL) + atoi(argv[2]);

		while (time(NULL) < end)
			;
		printf("spun\n");
		return 0;
	}
	fprintf(stderr, "usage: limits fork|threads|nofile|cpu|spin SECONDS\n");
	return 2;
}
