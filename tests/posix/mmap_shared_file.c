/*
 * MAP_SHARED, writable, of a regular file: writes through the mapping
 * reach the file at msync, at munmap and when the writer exits; a forked
 * child shares the mapping; the file does not grow past its size; a
 * read-only descriptor cannot be mapped shared and writable.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char path[64];

static void show(const char *what)
{
	char buf[64] = { 0 };
	int fd = open(path, O_RDONLY);
	struct stat st;
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	fstat(fd, &st);
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] == 0)
			buf[i] = '.';
	printf("%s: size %ld \"%s\"\n", what, (long)st.st_size, buf);
	close(fd);
}

int main(void)
{
	long pg = sysconf(_SC_PAGESIZE);
	char *m;
	int fd, st;
	pid_t pid;

	setvbuf(stdout, NULL, _IONBF, 0);
	snprintf(path, sizeof(path), "/tmp/mmap_shared.XXXXXX");
	fd = mkstemp(path);
	if (fd < 0 || write(fd, "hello, file of thirty bytes!!\n", 30) != 30)
		return 1;
	m = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	printf("mapped: %.5s\n", m);
	memcpy(m, "HELLO", 5);
	printf("msync: %d\n", msync(m, pg, MS_SYNC));
	show("after msync");

	/* A child writes through the shared mapping and exits without munmap. */
	pid = fork();
	if (pid == 0) {
		memcpy(m + 7, "FILE", 4);
		_exit(0);
	}
	waitpid(pid, &st, 0);
	show("after the child exited");
	printf("parent sees the child's write: %.4s\n", m + 7);

	/* Past the end of the file: the file does not grow. */
	m[100] = 'x';
	memcpy(m + 15, "THIRTY", 6);
	printf("munmap: %d\n", munmap(m, pg));
	show("after munmap");

	printf("msync unaligned: %s\n",
	       msync((char *)pg + 1, pg, MS_SYNC) ? strerror(errno) : "ok");
	printf("msync bad flags: %s\n",
	       msync(NULL, pg, MS_SYNC | MS_ASYNC) ? strerror(errno) : "ok");
	close(fd);
	fd = open(path, O_RDONLY);
	printf("rdonly shared writable: %s\n",
	       mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED
	               ? strerror(errno)
	               : "ok");
	m = mmap(NULL, pg, PROT_READ, MAP_SHARED, fd, 0);
	printf("rdonly shared read-only: %.6s\n", m == MAP_FAILED ? "failed" : m);
	close(fd);
	unlink(path);
	return 0;
}
