/* enospc: filling the file system ends in ENOSPC; deleting the file gives the space back.  VM only (VM_ONLY). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#define D "enospc"

/* Refuse to fill anything larger: natively this would be the host's disk. */
#define MAX_FS (1024L * 1024 * 1024)

static int fails;

static void check(int ok, const char *what)
{
	if (!ok) {
		fails++;
		printf("FAIL: %s (%s)\n", what, strerror(errno));
	}
}

int main(void)
{
	static char buf[65536];
	struct statfs sf;
	long total = 0;
	ssize_t n;
	int fd, err = 0;

	if (statfs(".", &sf) < 0 || (long)sf.f_blocks * sf.f_bsize > MAX_FS) {
		printf("FAIL: refusing to fill a file system larger than %ld bytes (or statfs "
		       "failed)\n",
		       MAX_FS);
		return 1;
	}
	if (mkdir(D, 0755) < 0) {
		printf("FAIL: mkdir %s: %s\n", D, strerror(errno));
		return 1;
	}
	memset(buf, 'f', sizeof(buf));
	fd = open(D "/fill", O_WRONLY | O_CREAT | O_EXCL, 0644);
	check(fd >= 0, "create fill");

	/* Write until a write fails; a short write comes just before the failing one. */
	for (;;) {
		n = write(fd, buf, sizeof(buf));
		if (n < 0) {
			err = errno;
			break;
		}
		if (n == 0 || total > MAX_FS) {
			check(0, "write neither fails nor makes progress");
			break;
		}
		total += n;
	}
	printf("filled the disk: wrote something %s, then %s\n", total > 0 ? "yes" : "no",
	       err == ENOSPC ? "ENOSPC" : strerror(err));
	check(total > 0 && err == ENOSPC, "write fails with ENOSPC");
	n = write(fd, buf, 1);
	printf("another write on the full disk: %s\n",
	       n < 0 && errno == ENOSPC ? "ENOSPC" : "not ENOSPC");
	check(close(fd) == 0, "close");

	/* Deleting the file frees its blocks: the same amount fits again. */
	check(unlink(D "/fill") == 0, "unlink fill");
	fd = open(D "/again", O_WRONLY | O_CREAT | O_EXCL, 0644);
	check(fd >= 0, "create again");
	for (n = 0; fd >= 0 && n < total; n += sizeof(buf))
		if (write(fd, buf,
		          sizeof(buf) < (size_t)(total - n) ? sizeof(buf) : (size_t)(total - n)) <
		    0)
			break;
	printf("after unlink, the same amount fits again: %s\n", n >= total ? "yes" : "no");
	check(n >= total, "the space came back");
	check(fd >= 0 && close(fd) == 0, "close");
	check(unlink(D "/again") == 0 && rmdir(D) == 0, "clean up");
	printf("%s\n", fails ? "FAILED" : "done");
	return fails != 0;
}
