/*
 * Advisory locks: fcntl record locks (F_GETLK/F_SETLK/F_SETLKW), OFD locks
 * and flock, between processes and between open file descriptions;
 * ranges split and reported, released on close of any descriptor, not
 * inherited by fork, deadlock detected, a waiter woken, a signal ending
 * a wait, and the errors Linux gives for bad arguments.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef F_OFD_GETLK
#define F_OFD_GETLK  36
#define F_OFD_SETLK  37
#define F_OFD_SETLKW 38
#endif

static char path[64];

static int setlk(int fd, int cmd, short type, short whence, off_t start, off_t len)
{
	struct flock fl = { .l_type = type, .l_whence = whence, .l_start = start, .l_len = len };

	return fcntl(fd, cmd, &fl) < 0 ? -errno : 0;
}

/* F_GETLK for [start, start+len): prints what blocks it (pid as "parent"/"child"/"other"). */
static void getlk(const char *what, int fd, int cmd, short type, off_t start, off_t len,
                  pid_t parent)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len };

	if (fcntl(fd, cmd, &fl) < 0) {
		printf("%s: getlk error %s\n", what, strerror(errno));
		return;
	}
	if (fl.l_type == F_UNLCK) {
		printf("%s: free\n", what);
		return;
	}
	printf("%s: %s lock at %ld len %ld by %s\n", what, fl.l_type == F_WRLCK ? "write" : "read",
	       (long)fl.l_start, (long)fl.l_len,
	       fl.l_pid == parent ? "parent"
	       : fl.l_pid == -1   ? "ofd"
	                          : "other");
}

static int child(void (*fn)(int), int arg)
{
	int st;
	pid_t pid = fork();

	if (pid == 0) {
		fn(arg);
		fflush(stdout);
		_exit(0);
	}
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static pid_t parent_pid;

/* In a child: what the parent's locks look like from another process. */
static void probe(int unused)
{
	int fd = open(path, O_RDWR);

	(void)unused;
	getlk("child sees 0-10 write", fd, F_GETLK, F_WRLCK, 0, 10, parent_pid);
	getlk("child sees 10-20 write", fd, F_GETLK, F_WRLCK, 10, 10, parent_pid);
	getlk("child sees 20-30 read", fd, F_GETLK, F_RDLCK, 20, 10, parent_pid);
	getlk("child sees 20-30 write", fd, F_GETLK, F_WRLCK, 20, 10, parent_pid);
	getlk("child sees 100-inf write", fd, F_GETLK, F_WRLCK, 100, 0, parent_pid);
	printf("child setlk write 5-6: %s\n",
	       strerror(-setlk(fd, F_SETLK, F_WRLCK, SEEK_SET, 5, 1)));
	printf("child setlk read 25-26: %s\n",
	       strerror(-setlk(fd, F_SETLK, F_RDLCK, SEEK_SET, 25, 1)));
	printf("child setlk write 12-13: %s\n",
	       strerror(-setlk(fd, F_SETLK, F_WRLCK, SEEK_SET, 12, 1)));
	close(fd);
}

static void ranges(void)
{
	int fd = open(path, O_RDWR), fd2;

	/* Write 0-30, then read 20-30 (splits), unlock 10-20 (a hole). */
	printf("write 0-30: %d\n", setlk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 30));
	printf("read 20-30: %d\n", setlk(fd, F_SETLK, F_RDLCK, SEEK_SET, 20, 10));
	printf("unlock 10-20: %d\n", setlk(fd, F_SETLK, F_UNLCK, SEEK_SET, 10, 10));
	/* Negative length: [start+len, start). */
	printf("write 100 back 0: %d\n", setlk(fd, F_SETLK, F_WRLCK, SEEK_SET, 110, -10));
	printf("write 110-inf: %d\n", setlk(fd, F_SETLK, F_WRLCK, SEEK_SET, 110, 0));
	child(probe, 0);
	/* Our own locks never block us. */
	getlk("self sees 0-10 write", fd, F_GETLK, F_WRLCK, 0, 10, parent_pid);
	/* Closing another descriptor of the file drops them all. */
	fd2 = open(path, O_RDONLY);
	close(fd2);
	child(probe, 0);
	close(fd);
}

static void bad_args(void)
{
	int rd = open(path, O_RDONLY), wr = open(path, O_WRONLY);
	struct flock fl = { .l_type = 7 };

	printf("bad type: %s\n", fcntl(rd, F_SETLK, &fl) < 0 ? strerror(errno) : "ok");
	fl.l_type = F_RDLCK;
	fl.l_whence = 9;
	printf("bad whence: %s\n", fcntl(rd, F_SETLK, &fl) < 0 ? strerror(errno) : "ok");
	printf("write lock on O_RDONLY: %s\n",
	       strerror(-setlk(rd, F_SETLK, F_WRLCK, SEEK_SET, 0, 1)));
	printf("read lock on O_WRONLY: %s\n",
	       strerror(-setlk(wr, F_SETLK, F_RDLCK, SEEK_SET, 0, 1)));
	printf("negative start: %s\n", strerror(-setlk(rd, F_SETLK, F_RDLCK, SEEK_SET, -1, 1)));
	printf("len before 0: %s\n", strerror(-setlk(rd, F_SETLK, F_RDLCK, SEEK_SET, 2, -5)));
	printf("getlk unlck: %s\n", strerror(-setlk(rd, F_GETLK, F_UNLCK, SEEK_SET, 0, 1)));
	printf("bad fd: %s\n", strerror(-setlk(99, F_SETLK, F_RDLCK, SEEK_SET, 0, 1)));
	printf("efault: %s\n", fcntl(rd, F_SETLK, (struct flock *)16) < 0 ? strerror(errno) : "ok");
	fl.l_type = F_RDLCK;
	fl.l_whence = SEEK_SET;
	fl.l_pid = 5;
	printf("ofd with pid: %s\n", fcntl(rd, F_OFD_SETLK, &fl) < 0 ? strerror(errno) : "ok");
	printf("flock bad op: %s\n", flock(rd, 3) < 0 ? strerror(errno) : "ok");
	printf("flock bad fd: %s\n", flock(99, LOCK_SH) < 0 ? strerror(errno) : "ok");
	/* SEEK_CUR and SEEK_END ranges. */
	lseek(wr, 4, SEEK_SET);
	printf("seek_cur lock: %d\n", setlk(wr, F_SETLK, F_WRLCK, SEEK_CUR, 2, 3));
	printf("seek_end lock: %d\n", setlk(wr, F_SETLK, F_WRLCK, SEEK_END, -1, 1));
	printf("offset kept: %ld\n", (long)lseek(wr, 0, SEEK_CUR));
	close(rd);
	close(wr);
}

/* A child waits in F_SETLKW until the parent unlocks. */
static void waiter(int fd)
{
	printf("child waits: %d\n", setlk(fd, F_SETLKW, F_WRLCK, SEEK_SET, 0, 1));
	printf("child got it\n");
}

/* Open the file in *fd, write-lock its byte 0, make a pipe and fork: fork's result. */
static pid_t fork_holding_0(int *fd, int p[2])
{
	*fd = open(path, O_RDWR);
	setlk(*fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 1);
	if (pipe(p) < 0)
		exit(1);
	fflush(stdout);
	return fork();
}

static void blocking(void)
{
	int fd, p[2];
	pid_t pid = fork_holding_0(&fd, p);
	char c;

	if (pid == 0) {
		int cfd = open(path, O_RDWR);

		close(p[0]);
		write(p[1], "r", 1);
		waiter(cfd);
		fflush(stdout);
		_exit(0);
	}
	close(p[1]);
	read(p[0], &c, 1);
	usleep(100000);
	printf("parent unlocks\n");
	fflush(stdout);
	setlk(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, 1);
	waitpid(pid, NULL, 0);
	close(p[0]);
	close(fd);
}

/* A holds 0, B holds 1; B waits for 0, then A asking for 1 is a deadlock. */
static void deadlock(void)
{
	int fd, p[2];
	pid_t pid = fork_holding_0(&fd, p);
	char c;

	if (pid == 0) {
		int cfd = open(path, O_RDWR);

		setlk(cfd, F_SETLK, F_WRLCK, SEEK_SET, 1, 1);
		write(p[1], "r", 1);
		printf("child waits for 0: %d\n", setlk(cfd, F_SETLKW, F_WRLCK, SEEK_SET, 0, 1));
		fflush(stdout);
		_exit(0);
	}
	read(p[0], &c, 1);
	usleep(100000);
	printf("parent asks for 1: %s\n", strerror(-setlk(fd, F_SETLKW, F_WRLCK, SEEK_SET, 1, 1)));
	fflush(stdout);
	close(fd); /* the child gets 0 */
	waitpid(pid, NULL, 0);
	close(p[0]);
	close(p[1]);
}

static void on_alarm(int sig)
{
	(void)sig;
}

static void interrupted(void)
{
	int fd = open(path, O_RDWR);
	struct sigaction sa = { .sa_handler = on_alarm };
	pid_t pid;
	int st;

	setlk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 1);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		int cfd = open(path, O_RDWR);

		sigaction(SIGALRM, &sa, NULL); /* no SA_RESTART */
		alarm(1);
		printf("child wait interrupted: %s\n",
		       strerror(-setlk(cfd, F_SETLKW, F_WRLCK, SEEK_SET, 0, 1)));
		fflush(stdout);
		_exit(0);
	}
	waitpid(pid, &st, 0);
	close(fd);
}

static void ofd(void)
{
	int a = open(path, O_RDWR), b = open(path, O_RDWR);

	printf("ofd a write 0-10: %d\n", setlk(a, F_OFD_SETLK, F_WRLCK, SEEK_SET, 0, 10));
	printf("ofd b write 5-6: %s\n", strerror(-setlk(b, F_OFD_SETLK, F_WRLCK, SEEK_SET, 5, 1)));
	getlk("ofd b sees", b, F_OFD_GETLK, F_WRLCK, 0, 0, parent_pid);
	printf("posix write 5-6 (same process): %s\n",
	       strerror(-setlk(b, F_SETLK, F_WRLCK, SEEK_SET, 5, 1)));
	close(b); /* OFD locks of a stay */
	b = open(path, O_RDWR);
	printf("ofd b again: %s\n", strerror(-setlk(b, F_OFD_SETLK, F_WRLCK, SEEK_SET, 5, 1)));
	close(a); /* the last reference to a: its locks go */
	printf("ofd b after a closed: %d\n", setlk(b, F_OFD_SETLK, F_WRLCK, SEEK_SET, 5, 1));
	close(b);
}

static void flocks(void)
{
	int a = open(path, O_RDONLY), b = open(path, O_RDONLY), c;
	pid_t pid;

	printf("flock a sh: %d\n", flock(a, LOCK_SH) < 0 ? -errno : 0);
	printf("flock b sh: %d\n", flock(b, LOCK_SH | LOCK_NB) < 0 ? -errno : 0);
	printf("flock b ex nb: %s\n", flock(b, LOCK_EX | LOCK_NB) < 0 ? strerror(errno) : "ok");
	printf("fcntl lock not stopped by flock: %d\n", setlk(a, F_SETLK, F_RDLCK, SEEK_SET, 0, 0));
	printf("flock a un: %d\n", flock(a, LOCK_UN));
	printf("flock b ex nb: %s\n", flock(b, LOCK_EX | LOCK_NB) < 0 ? strerror(errno) : "ok");
	/* A forked child shares b's lock: its open file description. */
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		c = open(path, O_RDONLY);
		printf("child flock c nb: %s\n",
		       flock(c, LOCK_SH | LOCK_NB) < 0 ? strerror(errno) : "ok");
		printf("child flock b (shared) ex: %s\n",
		       flock(b, LOCK_EX | LOCK_NB) < 0 ? strerror(errno) : "ok");
		fflush(stdout);
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	close(b);
	c = open(path, O_RDONLY);
	printf("flock c after b closed: %s\n",
	       flock(c, LOCK_EX | LOCK_NB) < 0 ? strerror(errno) : "ok");
	close(c);
	close(a);
}

int main(void)
{
	int fd;

	setvbuf(stdout, NULL, _IOLBF, 0);
	parent_pid = getpid();
	snprintf(path, sizeof(path), "/tmp/locks.XXXXXX");
	fd = mkstemp(path);
	if (fd < 0 || write(fd, "0123456789abcdefghij", 20) != 20) {
		perror("mkstemp");
		return 1;
	}
	close(fd);
	ranges();
	bad_args();
	blocking();
	deadlock();
	interrupted();
	ofd();
	flocks();
	unlink(path);
	return 0;
}
