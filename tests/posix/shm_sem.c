/*
 * POSIX shared memory and named semaphores (/dev/shm): shm_open with
 * O_CREAT/O_EXCL/O_TRUNC, ftruncate, fstat, MAP_SHARED seen by another
 * process that opened the object itself, MAP_PRIVATE copies, read, write
 * and lseek on the descriptor, shm_unlink (the object lives on while
 * mapped), sem_open/sem_post/sem_wait/sem_unlink across fork, and errors.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "wait_child.h"

static char name[64], sname[64];

static const char *err(int rc)
{
	return rc < 0 ? strerror(errno) : "ok";
}

int main(void)
{
	long pg = sysconf(_SC_PAGESIZE);
	struct stat st;
	char buf[32], *m, *priv;
	sem_t *s;
	pid_t pid;
	int fd, fd2, i;

	setvbuf(stdout, NULL, _IONBF, 0);
	snprintf(name, sizeof(name), "/nanvix-shm-test-%d", (int)getpid());
	snprintf(sname, sizeof(sname), "/nanvix-sem-test-%d", (int)getpid());

	printf("open missing: %s\n", err(shm_open(name, O_RDWR, 0600)));
	fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0640);
	printf("create: %s\n", err(fd));
	printf("create again with O_EXCL: %s\n",
	       err(shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600)));
	fstat(fd, &st);
	printf("new size %ld, mode %o, regular %d\n", (long)st.st_size, st.st_mode & 0777,
	       S_ISREG(st.st_mode));
	printf("ftruncate: %s\n", err(ftruncate(fd, 3 * pg)));
	fstat(fd, &st);
	printf("size after ftruncate: %ld\n", (long)st.st_size);

	m = mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	printf("mmap shared: %s\n", m == MAP_FAILED ? strerror(errno) : "ok");
	printf("zero: %d\n", m[0] == 0 && m[3 * pg - 1] == 0);
	strcpy(m + pg, "written through the mapping");

	/* Another process opens it by name and maps it: one memory. */
	pid = fork();
	if (pid == 0) {
		int cfd = shm_open(name, O_RDWR, 0);
		char *cm = mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE, MAP_SHARED, cfd, 0);

		if (cm == MAP_FAILED)
			_exit(1);
		printf("child reads: %s\n", cm + pg);
		strcpy(cm + 2 * pg, "the child's words");
		_exit(0);
	}
	wait_child(pid);
	printf("parent reads: %s\n", m + 2 * pg);

	/* read/write/lseek see the same bytes. */
	lseek(fd, pg, SEEK_SET);
	printf("read: %zd ", read(fd, buf, 7));
	printf("\"%.7s\"\n", buf);
	printf("pwrite-like write at 10: %zd\n", (lseek(fd, 10, SEEK_SET), write(fd, "XY", 2)));
	printf("mapping sees it: %c%c\n", m[10], m[11]);
	printf("lseek end: %ld\n", (long)lseek(fd, 0, SEEK_END));

	/* MAP_PRIVATE: a copy. */
	priv = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	priv[10] = 'p';
	printf("private copy: %c, shared still: %c\n", priv[10], m[10]);

	/* A read-only descriptor cannot be mapped writable and shared. */
	fd2 = shm_open(name, O_RDONLY, 0);
	printf("rdonly shared writable: %s\n",
	       mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd2, 0) == MAP_FAILED
	               ? strerror(errno)
	               : "ok");
	printf("rdonly ftruncate: %s\n", err(ftruncate(fd2, 0)));
	close(fd2);

	/* Unlinked, the object lives on in its mappings. */
	printf("unlink: %s\n", err(shm_unlink(name)));
	printf("unlink again: %s\n", err(shm_unlink(name)));
	printf("open after unlink: %s\n", err(shm_open(name, O_RDWR, 0)));
	printf("still mapped: %s\n", m + pg);
	close(fd);
	munmap(m, 3 * pg);
	munmap(priv, pg);

	/* O_TRUNC empties an object. */
	fd = shm_open(name, O_RDWR | O_CREAT, 0600);
	write(fd, "abc", 3);
	close(fd);
	fd = shm_open(name, O_RDWR | O_TRUNC, 0600);
	fstat(fd, &st);
	printf("size after O_TRUNC: %ld\n", (long)st.st_size);
	close(fd);
	shm_unlink(name);

	/* Named semaphores. */
	s = sem_open(sname, O_CREAT | O_EXCL, 0600, 0);
	printf("sem_open: %s\n", s == SEM_FAILED ? strerror(errno) : "ok");
	printf("sem_open O_EXCL again: %s\n",
	       sem_open(sname, O_CREAT | O_EXCL, 0600, 0) == SEM_FAILED ? strerror(errno) : "ok");
	pid = fork();
	if (pid == 0) {
		sem_t *cs = sem_open(sname, 0);

		if (cs == SEM_FAILED)
			_exit(1);
		for (i = 0; i < 5; i++)
			sem_post(cs);
		_exit(0);
	}
	for (i = 0; i < 5; i++)
		sem_wait(s);
	wait_child(pid);
	sem_getvalue(s, &i);
	printf("semaphore after 5 posts and 5 waits: %d\n", i);
	printf("trywait on 0: %s\n", err(sem_trywait(s)));
	sem_close(s);
	printf("sem_unlink: %s\n", err(sem_unlink(sname)));
	printf("sem_open missing: %s\n", sem_open(sname, 0) == SEM_FAILED ? strerror(errno) : "ok");
	return 0;
}
