/*
 * POSIX message queues and timers: priority order, attributes, O_NONBLOCK,
 * timeouts, EMSGSIZE, a receiver blocked until another process sends,
 * mq_notify's signal; timer_create/settime/gettime/delete with a signal,
 * a periodic timer's expiries, overruns while the signal is blocked,
 * TIMER_ABSTIME, and nanosleep's remaining time after a signal.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t got, got_code, got_value, overrun = -1, record;
static timer_t timer;

static void on_sig(int sig, siginfo_t *si, void *uc)
{
	(void)sig, (void)uc;
	got++;
	got_code = si->si_code;
	got_value = si->si_value.sival_int;
	if (record) {
		/* The first signal after the block: its own overrun count. */
		overrun = timer_getoverrun(timer);
		record = 0;
	}
}

static const char *err(long rc)
{
	return rc < 0 ? strerror(errno) : "ok";
}

static void queues(void)
{
	struct mq_attr attr = { .mq_maxmsg = 4, .mq_msgsize = 32 }, got_attr;
	struct timespec ts;
	char name[64], buf[64];
	unsigned prio;
	mqd_t q;
	pid_t pid;
	int i;

	snprintf(name, sizeof(name), "/nanvix-mq-test-%d", (int)getpid());
	printf("open missing: %s\n", err(mq_open(name, O_RDWR)));
	q = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, &attr);
	printf("create: %s\n", err(q));
	mq_getattr(q, &got_attr);
	printf("attr: maxmsg %ld msgsize %ld curmsgs %ld\n", got_attr.mq_maxmsg,
	       got_attr.mq_msgsize, got_attr.mq_curmsgs);
	mq_send(q, "low", 4, 1);
	mq_send(q, "high", 5, 9);
	mq_send(q, "low2", 5, 1);
	mq_send(q, "mid", 4, 5);
	printf("full, nonblocking send: ");
	attr.mq_flags = O_NONBLOCK;
	mq_setattr(q, &attr, NULL);
	printf("%s\n", err(mq_send(q, "x", 2, 0)));
	printf("too long: %s\n", err(mq_send(q, buf, 33, 0)));
	printf("short buffer: %s\n", err(mq_receive(q, buf, 31, &prio)));
	for (i = 0; i < 4; i++) {
		long n = mq_receive(q, buf, sizeof(buf), &prio);

		printf("received %ld bytes \"%s\" prio %u\n", n, buf, prio);
	}
	printf("empty, nonblocking receive: %s\n", err(mq_receive(q, buf, sizeof(buf), &prio)));
	attr.mq_flags = 0;
	mq_setattr(q, &attr, NULL);
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += 50000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	printf("timed receive: %s\n", err(mq_timedreceive(q, buf, sizeof(buf), &prio, &ts)));
	ts.tv_nsec = 2000000000;
	printf("bad timeout: %s\n", err(mq_timedreceive(q, buf, sizeof(buf), &prio, &ts)));

	/* A receiver waits until another process sends; mq_notify signals. */
	{
		struct sigevent ev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1 };
		struct sigaction sa = { .sa_sigaction = on_sig, .sa_flags = SA_SIGINFO };

		ev.sigev_value.sival_int = 77;
		sigaction(SIGUSR1, &sa, NULL);
		printf("notify: %s\n", err(mq_notify(q, &ev)));
		printf("notify twice: %s\n", err(mq_notify(q, &ev)));
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		mqd_t c = mq_open(name, O_WRONLY);

		usleep(50000);
		mq_send(c, "from the child", 15, 3);
		_exit(0);
	}
	while (!got)
		pause();
	printf("signal: code is SI_MESGQ %d, value %d\n", got_code == SI_MESGQ, (int)got_value);
	printf("receive: %ld \"%s\"\n", (long)mq_receive(q, buf, sizeof(buf), &prio), buf);
	waitpid(pid, NULL, 0);
	mq_close(q);
	printf("unlink: %s\n", err(mq_unlink(name)));
	printf("unlink again: %s\n", err(mq_unlink(name)));
	printf("bad name: %s\n", err(mq_open("/a/b", O_RDWR | O_CREAT, 0600, NULL)));
}

static void timers(void)
{
	struct sigaction sa = { .sa_sigaction = on_sig, .sa_flags = SA_SIGINFO };
	struct sigevent ev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR2 };
	struct itimerspec its = { .it_value = { 0, 20000000 }, .it_interval = { 0, 20000000 } },
	                  cur;
	struct timespec ts, rem;
	sigset_t set;
	timer_t t;

	sigaction(SIGUSR2, &sa, NULL);
	ev.sigev_value.sival_int = 5;
	printf("timer_create: %s\n", err(timer_create(CLOCK_MONOTONIC, &ev, &t)));
	printf("bad clock: %s\n", err(timer_create(99, &ev, &t)));
	got = 0;
	timer_settime(t, 0, &its, NULL);
	while (got < 3)
		pause();
	printf("periodic: 3 signals, SI_TIMER %d, value %d\n", got_code == SI_TIMER,
	       (int)got_value);
	timer_gettime(t, &cur);
	printf("interval read back: %ld ns, armed %d\n", cur.it_interval.tv_nsec,
	       cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec > 0);

	/* Blocked: expiries pile up as overruns of one signal. */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, NULL);
	timer = t;
	record = 1;
	usleep(200000);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	printf("overruns of the signal pending through the block, at least 5: %d\n", overrun >= 5);

	/* Disarmed, nothing more comes. */
	memset(&its, 0, sizeof(its));
	timer_settime(t, 0, &its, NULL);
	timer_gettime(t, &cur);
	printf("disarmed: %ld %ld\n", (long)cur.it_value.tv_sec, cur.it_value.tv_nsec);
	/* musl's timer_delete returns the error itself (errno untouched). */
	printf("delete: %s", timer_delete(t) == 0 ? "ok" : "failed");
	printf(", again: %s\n", timer_delete(t) == 0 ? "ok" : "failed");

	/* An absolute one-shot, 100 ms ahead, interrupts a 1 s nanosleep. */
	timer_create(CLOCK_REALTIME, &ev, &t);
	clock_gettime(CLOCK_REALTIME, &its.it_value);
	its.it_value.tv_nsec += 100000000;
	if (its.it_value.tv_nsec >= 1000000000) {
		its.it_value.tv_sec++;
		its.it_value.tv_nsec -= 1000000000;
	}
	timer_settime(t, TIMER_ABSTIME, &its, NULL);
	ts.tv_sec = 1;
	ts.tv_nsec = 0;
	printf("nanosleep: %s", err(nanosleep(&ts, &rem)));
	printf(", about 0.9 s left: %d\n", rem.tv_sec == 0 && rem.tv_nsec > 500000000);
	timer_delete(t);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	queues();
	timers();
	return 0;
}
