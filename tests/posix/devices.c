/* devices: /dev/null reads EOF and swallows writes, /dev/zero reads zeroes, /dev/urandom bytes. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int fails;

static void check(int ok, const char *what)
{
	if (!ok) {
		fails++;
		printf("FAIL: %s\n", what);
	}
}

int main(void)
{
	unsigned char buf[4096], a[64], b[64];
	ssize_t n;
	size_t i;
	int fd, zeros;

	fd = open("/dev/null", O_RDWR);
	check(fd >= 0, "open /dev/null");
	n = read(fd, buf, sizeof(buf));
	printf("/dev/null read: %d\n", (int)n);
	check(n == 0, "/dev/null reads EOF");
	memset(buf, 'q', sizeof(buf));
	n = write(fd, buf, sizeof(buf));
	printf("/dev/null write %d: %d\n", (int)sizeof(buf), (int)n);
	check(n == (ssize_t)sizeof(buf), "/dev/null takes the whole write");
	close(fd);

	fd = open("/dev/zero", O_RDONLY);
	check(fd >= 0, "open /dev/zero");
	memset(buf, 0xff, sizeof(buf));
	n = read(fd, buf, sizeof(buf));
	for (i = 0, zeros = 1; i < sizeof(buf); i++)
		zeros &= buf[i] == 0;
	printf("/dev/zero read: %d, all zero %s\n", (int)n, zeros ? "yes" : "no");
	check(n == (ssize_t)sizeof(buf) && zeros, "/dev/zero gives zeroes");
	close(fd);

	fd = open("/dev/urandom", O_RDONLY);
	check(fd >= 0, "open /dev/urandom");
	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	n = read(fd, a, sizeof(a));
	check(read(fd, b, sizeof(b)) == (ssize_t)sizeof(b), "second /dev/urandom read");
	memset(buf, 0, sizeof(a));
	printf("/dev/urandom read: %d, not all zero %s, two reads differ %s\n", (int)n,
	       memcmp(a, buf, sizeof(a)) ? "yes" : "no", memcmp(a, b, sizeof(a)) ? "yes" : "no");
	check(n == (ssize_t)sizeof(a) && memcmp(a, buf, sizeof(a)) && memcmp(a, b, sizeof(a)),
	      "/dev/urandom gives fresh bytes");
	close(fd);
	return fails;
}
