/* signal_handler: sigaction handlers, sa_mask inside a handler, a blocked signal pending once. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int fails;

/* What the handlers saw, in order; written only by the handlers. */
static volatile sig_atomic_t events[8];
static volatile sig_atomic_t nevents;
static volatile sig_atomic_t usr2_pending_in_usr1;

static void check(int ok, const char *what)
{
	if (!ok) {
		fails++;
		printf("FAIL: %s\n", what);
	}
}

static void note(int ev)
{
	if (nevents < (sig_atomic_t)(sizeof(events) / sizeof(events[0])))
		events[nevents++] = ev;
}

static void on_usr1(int sig)
{
	sigset_t pend;

	note(sig == SIGUSR1 ? 1 : -1);
	/* SIGUSR2 is in this handler's sa_mask: it must wait until we return. */
	kill(getpid(), SIGUSR2);
	sigemptyset(&pend);
	sigpending(&pend);
	usr2_pending_in_usr1 = sigismember(&pend, SIGUSR2);
	note(3);
}

static void on_usr2(int sig)
{
	note(sig == SIGUSR2 ? 2 : -2);
}

static void install(int sig, void (*fn)(int), int masked)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	if (masked)
		sigaddset(&sa.sa_mask, masked);
	check(sigaction(sig, &sa, NULL) == 0, "sigaction");
}

static void print_events(const char *label)
{
	int i;

	printf("%s:", label);
	for (i = 0; i < nevents; i++)
		printf(" %s", events[i] == 1   ? "usr1-enter"
		              : events[i] == 3 ? "usr1-leave"
		              : events[i] == 2 ? "usr2"
		                               : "WRONG-SIGNAL");
	printf("\n");
}

int main(void)
{
	sigset_t set, pend, none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	install(SIGUSR1, on_usr1, SIGUSR2);
	install(SIGUSR2, on_usr2, 0);

	/* A signal sent to oneself and unblocked is delivered before kill returns. */
	check(kill(getpid(), SIGUSR1) == 0, "kill SIGUSR1");
	print_events("kill self");
	printf("SIGUSR2 pending inside the SIGUSR1 handler: %s\n",
	       usr2_pending_in_usr1 ? "yes" : "no");
	check(nevents == 3 && events[0] == 1 && events[1] == 3 && events[2] == 2,
	      "usr1 handler runs, usr2 waits for it to return");
	check(usr2_pending_in_usr1, "sa_mask holds SIGUSR2 pending during the handler");

	/* Blocked: nothing runs, the signal is pending; twice sent, once delivered. */
	nevents = 0;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	check(sigprocmask(SIG_BLOCK, &set, NULL) == 0, "sigprocmask block");
	kill(getpid(), SIGUSR2);
	kill(getpid(), SIGUSR2);
	sigemptyset(&pend);
	sigpending(&pend);
	printf("blocked: handler ran %d times, pending %s\n", (int)nevents,
	       sigismember(&pend, SIGUSR2) ? "yes" : "no");
	check(nevents == 0 && sigismember(&pend, SIGUSR2), "blocked signal stays pending");
	check(sigprocmask(SIG_UNBLOCK, &set, NULL) == 0, "sigprocmask unblock");
	sigemptyset(&pend);
	sigpending(&pend);
	printf("unblocked: handler ran %d times, pending %s\n", (int)nevents,
	       sigismember(&pend, SIGUSR2) ? "yes" : "no");
	check(nevents == 1 && events[0] == 2, "unblocking delivers the signal once");
	check(!sigismember(&pend, SIGUSR2), "nothing pending after delivery");
	return fails;
}
