/* mremap_memfd: mremap shrinks, grows and moves private memory with its contents; memfd_create's files. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PAGE 4096

static int fails;

static void check(int ok, const char *what)
{
	printf("%s: %s\n", what, ok ? "yes" : "NO");
	fails += !ok;
}

/* 1 if page i of p holds the byte 'a' + i throughout. */
static int pages_ok(const unsigned char *p, int n)
{
	for (int i = 0; i < n; i++)
		for (int j = 0; j < PAGE; j++)
			if (p[(size_t)i * PAGE + j] != (unsigned char)('a' + i))
				return 0;
	return 1;
}

int main(void)
{
	unsigned char *p, *q, *block;
	struct stat st;
	char buf[16];
	int fd, e;

	p = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	for (int i = 0; i < 4; i++)
		memset(p + (size_t)i * PAGE, 'a' + i, PAGE);
	q = mremap(p, 4 * PAGE, 2 * PAGE, 0);
	check(q == p && pages_ok(q, 2), "shrink in place keeps the first pages");
	/* Block growth in place: a mapping right after it. */
	block = mmap(p + 2 * PAGE, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	errno = 0;
	q = mremap(p, 2 * PAGE, 8 * PAGE, 0);
	e = errno;
	check(q == MAP_FAILED && e == ENOMEM, "grow without MAYMOVE where it cannot: ENOMEM");
	q = mremap(p, 2 * PAGE, 8 * PAGE, MREMAP_MAYMOVE);
	check(q != MAP_FAILED && pages_ok(q, 2), "grow with MAYMOVE keeps the contents");
	if (q != MAP_FAILED) {
		int zero = 1;

		for (size_t j = 2 * PAGE; j < 8 * PAGE; j++)
			zero &= q[j] == 0;
		check(zero, "the new part is zero");
		q[8 * PAGE - 1] = 'z';
		check(q[8 * PAGE - 1] == 'z', "the new part is writable");
		check(munmap(q, 8 * PAGE) == 0, "munmap of the moved mapping");
	}
	munmap(block, PAGE);
	errno = 0;
	q = mremap((void *)0x10000000, PAGE, 2 * PAGE, MREMAP_MAYMOVE);
	e = errno;
	check(q == MAP_FAILED && e == EFAULT, "mremap of unmapped memory: EFAULT");
	errno = 0;
	q = mremap(p, PAGE, 2 * PAGE, MREMAP_FIXED);
	e = errno;
	check(q == MAP_FAILED && e == EINVAL, "MREMAP_FIXED without MAYMOVE: EINVAL");

	fd = memfd_create("scratch", MFD_CLOEXEC);
	check(fd >= 0, "memfd_create");
	check(fcntl(fd, F_GETFD) == FD_CLOEXEC, "MFD_CLOEXEC sets close-on-exec");
	check(write(fd, "hello memfd", 11) == 11, "write");
	check(fstat(fd, &st) == 0 && st.st_size == 11 && S_ISREG(st.st_mode) &&
	              (st.st_mode & 0777) == 0777,
	      "fstat: a regular file of 11 bytes, mode 0777");
	check(pread(fd, buf, 5, 6) == 5 && !memcmp(buf, "memfd", 5), "pread");
	check(ftruncate(fd, 3 * PAGE) == 0, "ftruncate");
	p = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	check(p != MAP_FAILED && !memcmp(p, "hello", 5), "MAP_SHARED mapping sees the data");
	if (p != MAP_FAILED) {
		p[2 * PAGE] = 'x';
		check(pread(fd, buf, 1, 2 * PAGE) == 1 && buf[0] == 'x', "stores reach the file");
		munmap(p, 3 * PAGE);
	}
	close(fd);
	errno = 0;
	fd = memfd_create("bad", 0x100);
	e = errno;
	check(fd < 0 && e == EINVAL, "unknown flags: EINVAL");
	errno = 0;
	fd = (int)syscall(SYS_memfd_create, (void *)8, 0);
	e = errno;
	check(fd < 0 && e == EFAULT, "a bad name pointer: EFAULT");
	return fails != 0;
}
