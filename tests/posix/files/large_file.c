/* large_file: 5 MiB written in odd-sized chunks, read back in other odd sizes and at scattered offsets, checksummed. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define D "large_file"

/*
 * Past 4 MiB + 48 KiB so that, with 4 KiB blocks, ext2 needs its double
 * indirect block; not a multiple of any block size.
 */
#define SIZE (5L * 1024 * 1024 + 123)

static int fails;

static void check(int ok, const char *what)
{
	if (!ok) {
		fails++;
		printf("FAIL: %s (%s)\n", what, strerror(errno));
	}
}

/* The byte at offset (i) of the file: varies within and between blocks. */
static unsigned char byte_at(long i)
{
	uint32_t x = (uint32_t)i * 2654435761u;

	return (unsigned char)((x >> 24) ^ (uint32_t)(i >> 12));
}

/* FNV-1a over (n) bytes at (p), continuing from (h). */
static uint32_t fnv1a(uint32_t h, const unsigned char *p, size_t n)
{
	while (n--) {
		h ^= *p++;
		h *= 16777619u;
	}
	return h;
}

int main(void)
{
	static const size_t wsizes[] = { 1, 7, 511, 4097, 65537, 12345, 3, 40961 };
	static const size_t rsizes[] = { 1000, 4093, 65521, 17 };
	static const long probes[] = { 0, 4095, 4096, 49151, 49152, 4243455, 4243456, SIZE - 1 };
	static unsigned char buf[65537];
	uint32_t wsum = 2166136261u, rsum = 2166136261u;
	long off, bad = -1;
	struct stat st;
	size_t i, k, n;
	ssize_t r;
	int fd;

	if (mkdir(D, 0755) < 0) {
		printf("FAIL: mkdir %s: %s\n", D, strerror(errno));
		return 1;
	}

	fd = open(D "/big", O_WRONLY | O_CREAT | O_EXCL, 0644);
	check(fd >= 0, "create big");
	for (off = 0, k = 0; fd >= 0 && off < SIZE; off += (long)n, k++) {
		n = wsizes[k % (sizeof(wsizes) / sizeof(wsizes[0]))];
		if ((long)n > SIZE - off)
			n = (size_t)(SIZE - off);
		for (i = 0; i < n; i++)
			buf[i] = byte_at(off + (long)i);
		wsum = fnv1a(wsum, buf, n);
		r = write(fd, buf, n);
		if (r != (ssize_t)n) {
			check(0, "write a chunk");
			break;
		}
	}
	printf("wrote %ld bytes in %d chunks, fnv1a %08x\n", off, (int)k, (unsigned)wsum);
	check(fd >= 0 && fsync(fd) == 0 && close(fd) == 0, "fsync, close");

	check(stat(D "/big", &st) == 0, "stat big");
	printf("size %ld\n", (long)st.st_size);
	check(st.st_size == SIZE, "size");

	fd = open(D "/big", O_RDONLY);
	check(fd >= 0, "open big");
	for (off = 0, k = 0; fd >= 0; off += r, k++) {
		n = rsizes[k % (sizeof(rsizes) / sizeof(rsizes[0]))];
		r = read(fd, buf, n);
		if (r <= 0) {
			check(r == 0, "read a chunk");
			break;
		}
		rsum = fnv1a(rsum, buf, (size_t)r);
		for (i = 0; bad < 0 && i < (size_t)r; i++)
			if (buf[i] != byte_at(off + (long)i))
				bad = off + (long)i;
	}
	printf("read %ld bytes, fnv1a %08x, first wrong byte %ld\n", off, (unsigned)rsum, bad);
	check(off == SIZE && rsum == wsum && bad < 0, "read back what was written");

	/* Scattered reads across block and indirect-block boundaries. */
	for (i = 0; fd >= 0 && i < sizeof(probes) / sizeof(probes[0]); i++) {
		r = pread(fd, buf, 2, probes[i]);
		check(r == (probes[i] == SIZE - 1 ? 1 : 2) && buf[0] == byte_at(probes[i]) &&
		              (r == 1 || buf[1] == byte_at(probes[i] + 1)),
		      "pread at a boundary");
	}
	printf("pread at %d boundaries: %s\n", (int)i, fails ? "FAILED" : "ok");
	check(fd >= 0 && close(fd) == 0, "close");

	check(unlink(D "/big") == 0, "unlink big");
	check(rmdir(D) == 0, "rmdir " D);
	printf("%s\n", fails ? "FAILED" : "done");
	return fails != 0;
}
