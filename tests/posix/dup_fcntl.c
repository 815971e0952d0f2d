/* dup_fcntl: dup, dup2 and dup3 on a pipe; O_NONBLOCK via F_SETFL; FD_CLOEXEC via F_SETFD. */
#define _GNU_SOURCE /* dup3 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#define HIGH_FD 100 /* far above anything open, so dup2/dup3 pick it, not the lowest free */

static int fails;

static void check(int ok, const char *what)
{
	if (!ok) {
		fails++;
		printf("FAIL: %s\n", what);
	}
}

/* 1 if a byte written to (w) comes out of (r). */
static int connected(int w, int r)
{
	char c = 'y';

	return write(w, "z", 1) == 1 && read(r, &c, 1) == 1 && c == 'z';
}

int main(void)
{
	int fds[2], a, b, d, fl, r;
	char c;

	if (pipe(fds) != 0) {
		printf("FAIL: pipe\n");
		return 1;
	}

	a = dup(fds[0]);
	printf("dup: new fd %s, same pipe %s\n", a >= 0 && a != fds[0] ? "yes" : "no",
	       connected(fds[1], a) ? "yes" : "no");
	check(a >= 0 && a != fds[0] && connected(fds[1], a), "dup shares the pipe");
	close(a);
	b = dup(fds[1]);
	printf("dup reuses the lowest free fd: %s\n", b == a ? "yes" : "no");
	check(b == a, "dup takes the lowest free descriptor");
	close(b);

	d = dup2(fds[1], HIGH_FD);
	printf("dup2 to %d: %s, same pipe %s\n", HIGH_FD, d == HIGH_FD ? "yes" : "no",
	       connected(HIGH_FD, fds[0]) ? "yes" : "no");
	check(d == HIGH_FD && connected(HIGH_FD, fds[0]), "dup2 to a chosen fd");
	d = dup2(fds[0], HIGH_FD); /* silently closes the old HIGH_FD first */
	printf("dup2 over an open fd: %s\n",
	       d == HIGH_FD && connected(fds[1], HIGH_FD) ? "yes" : "no");
	check(d == HIGH_FD && connected(fds[1], HIGH_FD), "dup2 replaces an open fd");
	printf("dup2 onto itself: %s\n", dup2(fds[0], fds[0]) == fds[0] ? "yes" : "no");
	check(dup2(fds[0], fds[0]) == fds[0], "dup2(fd, fd) returns fd");
	printf("dup2 copy has FD_CLOEXEC: %d\n", fcntl(HIGH_FD, F_GETFD));
	check(fcntl(HIGH_FD, F_GETFD) == 0, "dup2 clears FD_CLOEXEC");
	close(HIGH_FD);

	d = dup3(fds[1], HIGH_FD + 1, O_CLOEXEC);
	printf("dup3 O_CLOEXEC: %s, FD_CLOEXEC %d\n", d == HIGH_FD + 1 ? "yes" : "no",
	       fcntl(HIGH_FD + 1, F_GETFD));
	check(d == HIGH_FD + 1 && fcntl(d, F_GETFD) == FD_CLOEXEC, "dup3 with O_CLOEXEC");
	close(HIGH_FD + 1);
	errno = 0;
	r = dup3(fds[0], fds[0], 0);
	printf("dup3 onto itself: %d %s\n", r, errno == EINVAL ? "EINVAL" : "?");
	check(r == -1 && errno == EINVAL, "dup3(fd, fd) gives EINVAL");

	fl = fcntl(fds[0], F_GETFL);
	printf("F_GETFL: O_RDONLY %s, O_NONBLOCK %s\n",
	       fl >= 0 && (fl & O_ACCMODE) == O_RDONLY ? "yes" : "no",
	       fl >= 0 && (fl & O_NONBLOCK) ? "yes" : "no");
	check(fl >= 0 && (fl & O_ACCMODE) == O_RDONLY && !(fl & O_NONBLOCK),
	      "F_GETFL of a read end");
	check(fcntl(fds[0], F_SETFL, fl | O_NONBLOCK) == 0, "F_SETFL O_NONBLOCK");
	fl = fcntl(fds[0], F_GETFL);
	printf("after F_SETFL: O_NONBLOCK %s\n", fl >= 0 && (fl & O_NONBLOCK) ? "yes" : "no");
	check(fl >= 0 && (fl & O_NONBLOCK), "O_NONBLOCK reads back");
	errno = 0;
	r = (int)read(fds[0], &c, 1);
	printf("empty non-blocking read: %d %s\n", r, errno == EAGAIN ? "EAGAIN" : "?");
	check(r == -1 && errno == EAGAIN, "empty non-blocking read gives EAGAIN");

	printf("FD_CLOEXEC initially: %d\n", fcntl(fds[0], F_GETFD));
	check(fcntl(fds[0], F_GETFD) == 0, "pipe fds start without FD_CLOEXEC");
	check(fcntl(fds[0], F_SETFD, FD_CLOEXEC) == 0, "F_SETFD FD_CLOEXEC");
	printf("FD_CLOEXEC after set: %d\n", fcntl(fds[0], F_GETFD));
	check(fcntl(fds[0], F_GETFD) == FD_CLOEXEC, "FD_CLOEXEC reads back");
	check(fcntl(fds[0], F_SETFD, 0) == 0, "F_SETFD 0");
	printf("FD_CLOEXEC after clear: %d\n", fcntl(fds[0], F_GETFD));
	check(fcntl(fds[0], F_GETFD) == 0, "FD_CLOEXEC clears");

	close(fds[0]);
	close(fds[1]);
	return fails;
}
