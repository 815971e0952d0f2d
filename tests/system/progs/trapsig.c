/*
 * trapsig: what a program sees of the signals sent to nanvixd.
 *   trapsig handle spin|sleep|read  SIGINT/SIGTERM/SIGHUP handlers; prints
 *                                   "caught SIGx" and exits 0 after one
 *   trapsig ignore                  ignores SIGINT and SIGTERM, spins
 *   trapsig tty [wait]              isatty(0..2), TIOCGWINSZ; with "wait",
 *                                   waits for a SIGWINCH, prints the new size
 *   trapsig raw                     turns the terminal's echo and canonical
 *                                   mode off (TCSETS) and exits, leaving them
 *   trapsig raw-then-spin           the same, then as "ignore"
 * Each prints "ready" once its handlers are in place.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t got;

static void on_signal(int sig)
{
	got = sig;
}

static const char *name(int sig)
{
	return sig == SIGINT     ? "SIGINT"
	       : sig == SIGTERM  ? "SIGTERM"
	       : sig == SIGHUP   ? "SIGHUP"
	       : sig == SIGWINCH ? "SIGWINCH"
	                         : "?";
}

static void catch (int sig)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

static void ready(void)
{
	printf("ready\n");
	fflush(stdout);
}

static void winsize(const char *when)
{
	struct winsize ws;

	if (ioctl(1, TIOCGWINSZ, &ws) == 0)
		printf("%s: %u rows %u cols\n", when, ws.ws_row, ws.ws_col);
	else
		printf("%s: TIOCGWINSZ: %s\n", when, errno == ENOTTY ? "ENOTTY" : strerror(errno));
	fflush(stdout);
}

static int wait_for(const char *how)
{
	volatile unsigned long n = 0;
	struct timespec ts = { 60, 0 };
	char c;

	while (!got) {
		if (strcmp(how, "sleep") == 0)
			nanosleep(&ts, NULL);
		else if (strcmp(how, "read") == 0) {
			if (read(0, &c, 1) < 0 && errno == EINTR && got)
				break;
		} else
			n++;
	}
	printf("caught %s\n", name(got));
	return 0;
}

/* Echo and canonical mode off through the kernel's struct termios (either libc). */
static int raw(void)
{
	struct {
		unsigned int iflag, oflag, cflag, lflag;
		unsigned char line, cc[19];
	} t;

	if (ioctl(1, TCGETS, &t) < 0) {
		printf("TCGETS: %s\n", strerror(errno));
		return 1;
	}
	t.lflag &= ~(010u | 02u); /* ECHO, ICANON */
	if (ioctl(1, TCSETS, &t) < 0 || ioctl(1, TCGETS, &t) < 0) {
		printf("TCSETS: %s\n", strerror(errno));
		return 1;
	}
	printf("echo %s, icanon %s\n", t.lflag & 010 ? "on" : "off", t.lflag & 02 ? "on" : "off");
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "handle";

	if (strncmp(mode, "raw", 3) == 0) {
		if (raw())
			return 1;
		if (strcmp(mode, "raw") == 0)
			return 0;
		mode = "ignore";
	}
	if (strcmp(mode, "ignore") == 0) {
		volatile unsigned long n = 0;

		signal(SIGINT, SIG_IGN);
		signal(SIGTERM, SIG_IGN);
		ready();
		for (;;)
			n++;
	}
	if (strcmp(mode, "tty") == 0) {
		printf("isatty: %d %d %d\n", isatty(0), isatty(1), isatty(2));
		winsize("size");
		if (argc < 3 || strcmp(argv[2], "wait") != 0)
			return 0;
		catch (SIGWINCH);
		ready();
		return wait_for("sleep") || (winsize("resized"), 0);
	}
	catch (SIGINT);
	catch (SIGTERM);
	catch (SIGHUP);
	ready();
	return wait_for(argc > 2 ? argv[2] : "spin");
}
