/* signal_nested: a SIGUSR1 handler raises SIGUSR2, whose handler runs nested inside it. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

enum { USR1_ENTER = 1, USR2_RUN, USR1_LEAVE, BACK_IN_MAIN };

/* The order things happened in; written by the handlers and, last, by main. */
static volatile sig_atomic_t events[8];
static volatile sig_atomic_t n;

static void note(int ev)
{
	if (n < (sig_atomic_t)(sizeof(events) / sizeof(events[0])))
		events[n++] = ev;
}

static void on_usr2(int sig)
{
	note(sig == SIGUSR2 ? USR2_RUN : 0);
}

static void on_usr1(int sig)
{
	note(sig == SIGUSR1 ? USR1_ENTER : 0);
	raise(SIGUSR2); /* not in sa_mask: its handler runs before raise returns */
	note(USR1_LEAVE);
}

int main(void)
{
	static const char *const names[] = { "?", "usr1-enter", "usr2", "usr1-leave", "main" };
	struct sigaction sa;
	sigset_t none;
	int i;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_usr2;
	sigaction(SIGUSR2, &sa, NULL);
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);

	raise(SIGUSR1);
	note(BACK_IN_MAIN);
	printf("order:");
	for (i = 0; i < n; i++)
		printf(" %s", names[events[i] >= 0 && events[i] <= BACK_IN_MAIN ? events[i] : 0]);
	printf("\n");
	if (n != 4 || events[0] != USR1_ENTER || events[1] != USR2_RUN || events[2] != USR1_LEAVE ||
	    events[3] != BACK_IN_MAIN) {
		printf("FAIL: expected usr1-enter usr2 usr1-leave main\n");
		return 1;
	}
	return 0;
}
