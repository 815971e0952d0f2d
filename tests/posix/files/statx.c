/* statx: the statx system call agrees with fstatat (musl 1.2.3 has no wrapper: syscall(SYS_statx)). */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define D "statx"

/* Linux's struct statx (include/uapi/linux/stat.h), 256 bytes. */
struct statx_ts {
	int64_t tv_sec;
	uint32_t tv_nsec;
	int32_t reserved;
};

struct statx_buf {
	uint32_t stx_mask;
	uint32_t stx_blksize;
	uint64_t stx_attributes;
	uint32_t stx_nlink;
	uint32_t stx_uid;
	uint32_t stx_gid;
	uint16_t stx_mode;
	uint16_t pad0;
	uint64_t stx_ino;
	uint64_t stx_size;
	uint64_t stx_blocks;
	uint64_t stx_attributes_mask;
	struct statx_ts stx_atime, stx_btime, stx_ctime, stx_mtime;
	uint32_t stx_rdev_major, stx_rdev_minor;
	uint32_t stx_dev_major, stx_dev_minor;
	uint64_t spare[14];
};

_Static_assert(sizeof(struct statx_buf) == 256, "struct statx");

#define STATX_BASIC_STATS 0x7ffu

static int fails;

static void check(int ok, const char *what)
{
	if (!ok) {
		fails++;
		printf("FAIL: %s (%s)\n", what, strerror(errno));
	}
}

/* Print (what) and the error of (r) by name: a FAIL unless r is -1 with errno (want). */
static void expect_err(long r, int want, const char *name, const char *what)
{
	int e = errno;

	if (r == -1 && e == want) {
		printf("%s: %s\n", what, name);
		return;
	}
	fails++;
	printf("FAIL: %s: want %s, got %ld (%s)\n", what, name, r,
	       r == -1 ? strerror(e) : "no error");
}
#define EXPECT_ERR(r, err, what) expect_err((r), err, #err, what)

static long do_statx(int dfd, const char *path, int flags, struct statx_buf *stx)
{
	memset(stx, 0xa5, sizeof(*stx));
	return syscall(SYS_statx, dfd, path, flags, STATX_BASIC_STATS, stx);
}

/* Compare statx and fstatat on (path) with (flags); print the shared fields. */
static void compare(const char *path, int flags)
{
	struct statx_buf stx;
	struct stat st;
	long r = do_statx(AT_FDCWD, path, flags, &stx);
	int same;

	check(r == 0 && fstatat(AT_FDCWD, path, &st, flags) == 0, path);
	if (r != 0)
		return;
	same = stx.stx_ino == st.st_ino && stx.stx_mode == st.st_mode &&
	       stx.stx_nlink == st.st_nlink && stx.stx_size == (uint64_t)st.st_size &&
	       stx.stx_uid == st.st_uid && stx.stx_gid == st.st_gid &&
	       stx.stx_blocks == (uint64_t)st.st_blocks && stx.stx_mtime.tv_sec == st.st_mtime &&
	       stx.stx_atime.tv_sec == st.st_atime && stx.stx_ctime.tv_sec == st.st_ctime;
	/* A directory's size and link count depend on the file system: not printed. */
	printf("statx %s%s: basic stats %s, mode %06o, size %lld, same as fstatat %s\n", path,
	       flags & AT_SYMLINK_NOFOLLOW ? " (nofollow)" : "",
	       (stx.stx_mask & STATX_BASIC_STATS) == STATX_BASIC_STATS ? "all" : "missing",
	       (unsigned)stx.stx_mode, S_ISDIR(stx.stx_mode) ? -1LL : (long long)stx.stx_size,
	       same ? "yes" : "no");
	check((stx.stx_mask & STATX_BASIC_STATS) == STATX_BASIC_STATS && same, "statx fields");
}

int main(void)
{
	struct statx_buf stx;
	int fd;

	umask(022);
	if (mkdir(D, 0755) < 0) {
		printf("FAIL: mkdir %s: %s\n", D, strerror(errno));
		return 1;
	}
	fd = open(D "/f", O_WRONLY | O_CREAT | O_EXCL, 0640);
	check(fd >= 0 && write(fd, "twelve bytes", 12) == 12 && close(fd) == 0, "create f");
	check(symlink("f", D "/l") == 0, "symlink l -> f");

	compare(D "/f", 0);
	compare(D "/l", 0);
	compare(D "/l", AT_SYMLINK_NOFOLLOW);
	compare(D, 0);

	EXPECT_ERR(do_statx(AT_FDCWD, D "/missing", 0, &stx), ENOENT, "statx a missing file");
	check(unlink(D "/l") == 0 && unlink(D "/f") == 0 && rmdir(D) == 0, "clean up");
	printf("%s\n", fails ? "FAILED" : "done");
	return fails != 0;
}
