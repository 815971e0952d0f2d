/* Unit tests of the fs service: every NANVIX_FS_* call over an ext2 image and host volumes. */
/*
 * Each test builds its own world in a fresh temporary folder T: an ext2
 * image T/img (mke2fs -d from T/seed) mounted at "/", a volume T/vol at
 * "/vol", a read-only volume T/ro at "/ro", and a marker file T/secret next
 * to them that no request may ever read or change.  Requests go through
 * fs_service_call only; the caller's memory is an arena in this process
 * ("user" address UBASE + i is arena[i], everything else -EFAULT).  The
 * teardown checks that the service left no host fd open, that e2fsck finds
 * the image clean and that T holds nothing it did not hold before.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <abi/linux.h>
#include <abi/ring.h>
#include <fs/ext2.h>
#include <fs/service.h>

#include "fs/file_blkdev.h"
#include "runner.h"

#define UBASE      0x10000ull
#define ARENA_SIZE (2u << 20)
#define HOLE_OFF   0x100000u /* one unmapped page inside the arena */
#define CR3        0x7000ull

#define ROOT    NANVIX_FS_ROOT
#define MARKER  "HOST SECRET, never to be seen by the guest\n"
#define DSECRET "the disk's own /secret\n"
#define DPASSWD "guest passwd\n"
#define HELLO   "hello, disk\n"

static uint8_t arena[ARENA_SIZE];
static size_t arena_top;
static unsigned long bad_cr3;

struct env {
	char t[64];
	char img[128], vol[128], ro[128], seed[128], marker[128];
	struct file_blkdev fb;
	struct fs_service *s;
	struct svc_mem mem;
	int fds_before;
	struct stat marker_st;
	int disk; /* an ext2 image is mounted */
};

static struct env env;
static uint64_t last_value;

/* ---- the caller's memory ---- */

static bool mapped(uint64_t ua, size_t len)
{
	uint64_t off = ua - UBASE;

	if (ua < UBASE || off > ARENA_SIZE || len > ARENA_SIZE - off)
		return false;
	/* The hole: [HOLE_OFF, HOLE_OFF + 4096) is not mapped. */
	return !(off < HOLE_OFF + 4096 && off + len > HOLE_OFF);
}

static int mem_read(void *ctx, uint64_t cr3, uint64_t ua, void *dst, size_t len)
{
	(void)ctx;
	if (cr3 != CR3)
		bad_cr3++;
	if (!mapped(ua, len))
		return -LINUX_EFAULT;
	memcpy(dst, arena + (ua - UBASE), len);
	return 0;
}

static int mem_write(void *ctx, uint64_t cr3, uint64_t ua, const void *src, size_t len)
{
	(void)ctx;
	if (cr3 != CR3)
		bad_cr3++;
	if (!mapped(ua, len))
		return -LINUX_EFAULT;
	memcpy(arena + (ua - UBASE), src, len);
	return 0;
}

/* len bytes of arena (8-aligned, never in the hole), zeroed; its user address. */
static uint64_t ualloc(size_t len)
{
	size_t off = (arena_top + 7) & ~(size_t)7;

	if (off < HOLE_OFF && off + len > HOLE_OFF)
		off = HOLE_OFF + 4096;
	if (off + len > ARENA_SIZE - 4096) {
		off = 0;
		if (len > HOLE_OFF)
			ck_abort_msg("ualloc(%zu): too big", len);
	}
	arena_top = off + len;
	memset(arena + off, 0, len);
	return UBASE + off;
}

static void *uptr(uint64_t ua)
{
	return arena + (ua - UBASE);
}

static uint64_t ustr(const char *s)
{
	uint64_t ua;

	if (!s)
		return 0;
	ua = ualloc(strlen(s) + 1);
	memcpy(uptr(ua), s, strlen(s) + 1);
	return ua;
}

static uint64_t udata(const void *p, size_t len)
{
	uint64_t ua = ualloc(len);

	memcpy(uptr(ua), p, len);
	return ua;
}

/* printf into one of a few rotating buffers. */
static const char *pf(const char *fmt, ...)
{
	static char bufs[8][NANVIX_FS_PATH_MAX + 512];
	static int next;
	char *b = bufs[next++ % 8];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b, sizeof(bufs[0]), fmt, ap);
	va_end(ap);
	return b;
}

/* ---- requests ---- */

static int64_t req(uint16_t op, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	struct nanvix_ring_req q = { .opcode = op, .id = 42, .args = { CR3, a1, a2, a3, a4, a5 } };

	return fs_service_call(env.s, &q, &env.mem, &last_value);
}

static int64_t xopen_at(uint64_t dir, const char *path, int flags, unsigned mode)
{
	return req(NANVIX_FS_OPEN, dir, ustr(path), (uint64_t)flags, mode, 0);
}

static int64_t xopen(const char *path, int flags, unsigned mode)
{
	return xopen_at(ROOT, path, flags, mode);
}

/* Open that must succeed: the handle. */
static uint64_t hopen(const char *path, int flags, unsigned mode)
{
	int64_t rc = xopen(path, flags, mode);

	ck_assert_msg(rc > 0, "open(%s, %#o): %lld", path, flags, (long long)rc);
	ck_assert_uint_eq(last_value & ~NANVIX_FS_OPEN_DIR, (uint64_t)rc);
	return (uint64_t)rc;
}

static int64_t xclose(uint64_t h)
{
	return req(NANVIX_FS_CLOSE, h, 0, 0, 0, 0);
}

static void hclose(uint64_t h)
{
	ck_assert_int_eq(xclose(h), 0);
}

static int64_t xwrite(uint64_t h, const void *p, size_t len, uint64_t flags)
{
	return req(NANVIX_FS_WRITE, h, udata(p, len), len, flags, 0);
}

static int64_t xread(uint64_t h, void *p, size_t len)
{
	uint64_t ua = ualloc(len);
	int64_t rc = req(NANVIX_FS_READ, h, ua, len, 0, 0);

	if (rc > 0)
		memcpy(p, uptr(ua), (size_t)rc);
	return rc;
}

static int64_t xpwrite(uint64_t h, const void *p, size_t len, uint64_t off)
{
	return req(NANVIX_FS_PWRITE, h, udata(p, len), len, off, 0);
}

static int64_t xpread(uint64_t h, void *p, size_t len, uint64_t off)
{
	uint64_t ua = ualloc(len);
	int64_t rc = req(NANVIX_FS_PREAD, h, ua, len, off, 0);

	if (rc > 0)
		memcpy(p, uptr(ua), (size_t)rc);
	return rc;
}

static int64_t xlseek(uint64_t h, int64_t off, int whence)
{
	int64_t rc = req(NANVIX_FS_LSEEK, h, (uint64_t)off, (uint64_t)whence, 0, 0);

	if (rc >= 0)
		ck_assert_uint_eq(last_value, (uint64_t)rc);
	return rc;
}

static int64_t xstat_at(uint64_t dir, const char *path, uint64_t flags, struct linux_stat *st)
{
	uint64_t ua = ualloc(sizeof(*st));
	int64_t rc = req(NANVIX_FS_FSTATAT, dir, ustr(path), ua, flags, 0);

	memcpy(st, uptr(ua), sizeof(*st));
	return rc;
}

static int64_t xstat(const char *path, struct linux_stat *st)
{
	return xstat_at(ROOT, path, 0, st);
}

static int64_t xlstat(const char *path, struct linux_stat *st)
{
	return xstat_at(ROOT, path, LINUX_AT_SYMLINK_NOFOLLOW, st);
}

static int64_t xstatx(uint64_t dir, const char *path, uint64_t flags, struct linux_statx *x)
{
	uint64_t ua = ualloc(sizeof(*x));
	int64_t rc = req(NANVIX_FS_STATX, dir, ustr(path), flags, LINUX_STATX_BASIC_STATS, ua);

	memcpy(x, uptr(ua), sizeof(*x));
	return rc;
}

static int64_t xmkdir(const char *path, unsigned mode)
{
	return req(NANVIX_FS_MKDIR, ROOT, ustr(path), mode, 0, 0);
}

static int64_t xunlink(const char *path, uint64_t flags)
{
	return req(NANVIX_FS_UNLINK, ROOT, ustr(path), flags, 0, 0);
}

static int64_t xrename(const char *a, const char *b)
{
	return req(NANVIX_FS_RENAME, ROOT, ustr(a), ROOT, ustr(b), 0);
}

static int64_t xlink(const char *a, const char *b, uint64_t flags)
{
	return req(NANVIX_FS_LINK, ROOT, ustr(a), ROOT, ustr(b), flags);
}

static int64_t xsymlink(const char *target, const char *path)
{
	return req(NANVIX_FS_SYMLINK, ROOT, ustr(path), ustr(target), 0, 0);
}

/* readlink into out (NUL-terminated here), at most len bytes asked for. */
static int64_t xreadlink(const char *path, char *out, size_t len)
{
	uint64_t ua = ualloc(len + 1);
	int64_t rc = req(NANVIX_FS_READLINK, ROOT, ustr(path), ua, len, 0);

	if (rc >= 0) {
		memcpy(out, uptr(ua), (size_t)rc);
		out[rc] = 0;
	}
	return rc;
}

static int64_t xtruncate(uint64_t dir, const char *path, int64_t len)
{
	return req(NANVIX_FS_TRUNCATE, dir, ustr(path), (uint64_t)len, 0, 0);
}

static int64_t xaccess(const char *path, uint64_t mode, uint64_t flags)
{
	return req(NANVIX_FS_ACCESS, ROOT, ustr(path), mode, flags, 0);
}

static int64_t xchmod(uint64_t dir, const char *path, uint64_t mode, uint64_t flags)
{
	return req(NANVIX_FS_CHMOD, dir, ustr(path), mode, flags, 0);
}

static int64_t xutimens(const char *path, const struct linux_timespec *ts, uint64_t flags)
{
	return req(NANVIX_FS_UTIMENS, ROOT, ustr(path), ts ? udata(ts, 2 * sizeof(*ts)) : 0, flags,
	           0);
}

static int64_t xstatfs(uint64_t dir, const char *path, struct linux_statfs *f)
{
	uint64_t ua = ualloc(sizeof(*f));
	int64_t rc = req(NANVIX_FS_STATFS, dir, ustr(path), ua, 0, 0);

	memcpy(f, uptr(ua), sizeof(*f));
	return rc;
}

static int64_t xgetpath(uint64_t h, char *out, size_t len)
{
	uint64_t ua = ualloc(len);
	int64_t rc = req(NANVIX_FS_GETPATH, h, ua, len, 0, 0);

	if (rc > 0)
		memcpy(out, uptr(ua), (size_t)rc);
	return rc;
}

/* Create or replace a file with `content`. */
static void put_file(const char *path, const char *content)
{
	uint64_t h = hopen(path, LINUX_O_CREAT | LINUX_O_WRONLY | LINUX_O_TRUNC, 0644);

	ck_assert_int_eq(xwrite(h, content, strlen(content), 0), (int64_t)strlen(content));
	hclose(h);
}

/* The file's content (up to 64 KiB, NUL-terminated), or NULL and *err. */
static const char *get_file(const char *path, int64_t *err)
{
	static char buf[65536 + 1];
	int64_t h = xopen(path, LINUX_O_RDONLY, 0), n;

	*err = h;
	if (h < 0)
		return NULL;
	n = xread((uint64_t)h, buf, sizeof(buf) - 1);
	hclose((uint64_t)h);
	*err = n;
	if (n < 0)
		return NULL;
	buf[n] = 0;
	return buf;
}

static void check_file(const char *path, const char *want)
{
	int64_t err;
	const char *got = get_file(path, &err);

	ck_assert_msg(got, "read %s: %lld", path, (long long)err);
	ck_assert_str_eq(got, want);
}

static void check_errno(int64_t rc, int want, const char *what)
{
	ck_assert_msg(rc == -want, "%s: got %lld, want -%d", what, (long long)rc, want);
}

/* ---- the host side ---- */

/*
 * A symlink the guest may not make in a volume (absolute, or climbing out):
 * EPERM, and nothing on the host; then made by the host instead, as a host
 * tool could, so resolution of such links stays tested.
 */
static void host_symlink(const char *target, const char *path)
{
	struct stat st;

	ck_assert_msg(strncmp(path, "/vol/", 5) == 0, "%s: not in /vol", path);
	check_errno(xsymlink(target, path), LINUX_EPERM, path);
	ck_assert_int_ne(lstat(pf("%s/%s", env.vol, path + 5), &st), 0);
	ck_assert_int_eq(symlink(target, pf("%s/%s", env.vol, path + 5)), 0);
}

/* A symlink made by the guest where it may, else by the host (host_symlink). */
static void any_symlink(const char *target, const char *path)
{
	if (strncmp(path, "/vol/", 5) == 0 && (target[0] == '/' || strstr(target, "..")))
		host_symlink(target, path);
	else
		ck_assert_int_eq(xsymlink(target, path), 0);
}

static void host_put(const char *path, const char *content)
{
	FILE *f = fopen(path, "w");

	ck_assert_msg(f, "fopen %s", path);
	fputs(content, f);
	ck_assert_int_eq(fclose(f), 0);
}

static const char *host_get(const char *path)
{
	static char buf[4096];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	return buf;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	ck_assert(d);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1; /* the DIR's own fd */
}

static int run(const char *cmd)
{
	int st = system(cmd);

	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static void mustdo(const char *cmd)
{
	ck_assert_msg(run(cmd) == 0, "failed: %s", cmd);
}

/* The marker beside the volumes: same bytes, same inode times, one link. */
static void check_marker(void)
{
	struct stat st;
	const char *got = host_get(env.marker);

	ck_assert_msg(got && strcmp(got, MARKER) == 0, "the host marker changed");
	ck_assert_int_eq(stat(env.marker, &st), 0);
	ck_assert_int_eq(st.st_nlink, 1);
	ck_assert_int_eq(st.st_mode, env.marker_st.st_mode);
	ck_assert_int_eq(st.st_mtim.tv_sec, env.marker_st.st_mtim.tv_sec);
	ck_assert_int_eq(st.st_mtim.tv_nsec, env.marker_st.st_mtim.tv_nsec);
	ck_assert_int_eq(st.st_ctim.tv_nsec, env.marker_st.st_ctim.tv_nsec);
	ck_assert_int_eq(st.st_size, (off_t)strlen(MARKER));
}

/* T holds exactly what the set-up put there (nothing escaped a volume). */
static void check_tree(void)
{
	static const char *const want[] = { "img", "vol", "ro", "seed", "secret" };
	DIR *d = opendir(env.t);
	struct dirent *e;
	int n = 0;

	ck_assert(d);
	while ((e = readdir(d))) {
		bool ok = false;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
			ok |= strcmp(e->d_name, want[i]) == 0;
		ck_assert_msg(ok, "unexpected %s/%s", env.t, e->d_name);
		n++;
	}
	closedir(d);
	ck_assert_int_eq(n, 5);
}

/* ---- set-up and teardown ---- */

#define ENV_DISK    1 /* an ext2 image at "/" */
#define ENV_DISK_RO 2 /* ... mounted read-only */
#define ENV_VOLROOT 4 /* no disk: the volume at "/" */

static void env_up(int how)
{
	char err[256];

	memset(&env, 0, sizeof(env));
	arena_top = 0;
	bad_cr3 = 0;
	strcpy(env.t, "/tmp/nvfs-test.XXXXXX");
	ck_assert(mkdtemp(env.t));
	snprintf(env.img, sizeof(env.img), "%s/img", env.t);
	snprintf(env.vol, sizeof(env.vol), "%s/vol", env.t);
	snprintf(env.ro, sizeof(env.ro), "%s/ro", env.t);
	snprintf(env.seed, sizeof(env.seed), "%s/seed", env.t);
	snprintf(env.marker, sizeof(env.marker), "%s/secret", env.t);

	/* The disk's content. */
	mustdo(pf("mkdir -p %s/etc %s/dir/sub %s/empty", env.seed, env.seed, env.seed));
	host_put(pf("%s/hello.txt", env.seed), HELLO);
	host_put(pf("%s/etc/passwd", env.seed), DPASSWD);
	host_put(pf("%s/secret", env.seed), DSECRET);
	host_put(pf("%s/dir/sub/deep.txt", env.seed), "deep\n");
	mustdo(pf("mke2fs -q -F -t ext2 -b 1024 -d %s %s 4M >/dev/null", env.seed, env.img));

	/* The volumes, with host-made symlinks that point out of them. */
	mustdo(pf("mkdir -p %s/sub %s", env.vol, env.ro));
	host_put(pf("%s/v.txt", env.vol), "volume file\n");
	host_put(pf("%s/sub/inner.txt", env.vol), "inner\n");
	host_put(pf("%s/r.txt", env.ro), "read only\n");
	ck_assert_int_eq(symlink("../secret", pf("%s/esc-rel", env.vol)), 0);
	ck_assert_int_eq(symlink(env.marker, pf("%s/esc-abs", env.vol)), 0);
	ck_assert_int_eq(symlink("/etc/passwd", pf("%s/etc-link", env.vol)), 0);
	ck_assert_int_eq(symlink("/", pf("%s/hostroot", env.vol)), 0);
	ck_assert_int_eq(symlink("..", pf("%s/up", env.vol)), 0);
	ck_assert_int_eq(symlink(env.t, pf("%s/outdir", env.vol)), 0);
	ck_assert_int_eq(symlink(pf("/proc/self/root%s", env.marker), pf("%s/proc", env.vol)), 0);
	ck_assert_int_eq(symlink("../secret", pf("%s/esc-rel", env.ro)), 0);
	host_put(env.marker, MARKER);
	ck_assert_int_eq(stat(env.marker, &env.marker_st), 0);

	env.mem = (struct svc_mem){ .ctx = NULL, .read = mem_read, .write = mem_write };
	env.fds_before = count_fds();
	env.s = fs_service_new();
	ck_assert(env.s);
	ck_assert(!fs_service_active(env.s));
	if (how & (ENV_DISK | ENV_DISK_RO)) {
		int ro = !!(how & ENV_DISK_RO);

		ck_assert_int_eq(file_blkdev_open(&env.fb, env.img, ro), 0);
		ck_assert_msg(fs_service_mount_ext2(env.s, &env.fb.dev, ro, err, sizeof(err)) == 0,
		              "mount: %s", err);
		env.disk = 1;
	}
	if (how & ENV_VOLROOT) {
		ck_assert_msg(fs_service_mount_volume(env.s, "/", env.vol, 0, err, sizeof(err)) ==
		                      0,
		              "volume: %s", err);
	} else {
		ck_assert_msg(
		        fs_service_mount_volume(env.s, "/vol", env.vol, 0, err, sizeof(err)) == 0,
		        "volume: %s", err);
		ck_assert_msg(fs_service_mount_volume(env.s, "/ro/", env.ro, 1, err, sizeof(err)) ==
		                      0,
		              "volume: %s", err);
	}
	ck_assert(fs_service_active(env.s));
}

static void env_down(void)
{
	struct fs_service_stats st;

	fs_service_stats(env.s, &st);
	ck_assert_uint_le(st.handles_max, FS_HANDLES_MAX);
	fs_service_free(env.s);
	env.s = NULL;
	if (env.disk)
		file_blkdev_close(&env.fb);
	ck_assert_int_eq(count_fds(), env.fds_before);
	ck_assert_int_eq(bad_cr3, 0);
	check_marker();
	check_tree();
	if (env.disk) {
		const char *log = pf("%s/fsck.log", env.seed);
		int rc = run(pf("e2fsck -fn %s >%s 2>&1", env.img, log));

		ck_assert_msg(rc == 0, "e2fsck -fn: exit %d:\n%s", rc, host_get(log));
	}
	mustdo(pf("rm -rf %s", env.t));
}

/* Both kinds of writable mount: the disk and the volume. */
static const char *const where[] = { "", "/vol" };
#define EACH_MOUNT(r)                        \
	for (size_t wi_ = 0; wi_ < 2; wi_++) \
		for (const char *r = where[wi_]; r; r = NULL)

/* ---- tests ---- */

START_TEST(test_open_read)
{
	char buf[64];
	uint64_t h;

	env_up(ENV_DISK);
	h = hopen("/hello.txt", LINUX_O_RDONLY, 0);
	ck_assert_uint_eq(last_value & NANVIX_FS_OPEN_DIR, 0);
	ck_assert_int_eq(xread(h, buf, sizeof(buf)), (int64_t)strlen(HELLO));
	ck_assert_mem_eq(buf, HELLO, strlen(HELLO));
	ck_assert_int_eq(xread(h, buf, sizeof(buf)), 0); /* end of file */
	ck_assert_int_eq(xread(h, buf, 0), 0);
	hclose(h);
	check_errno(xclose(h), LINUX_EBADF, "close twice");
	check_errno(xread(h, buf, 4), LINUX_EBADF, "read after close");

	h = hopen("/", LINUX_O_RDONLY, 0);
	ck_assert_uint_ne(last_value & NANVIX_FS_OPEN_DIR, 0);
	hclose(h);
	h = hopen("/vol", LINUX_O_RDONLY | LINUX_O_DIRECTORY, 0);
	ck_assert_uint_ne(last_value & NANVIX_FS_OPEN_DIR, 0);
	hclose(h);
	check_file("/vol/v.txt", "volume file\n");
	check_file("/ro/r.txt", "read only\n");
	check_file("/dir/sub/deep.txt", "deep\n");
	env_down();
}
END_TEST

START_TEST(test_create_write_read)
{
	static char big[300 * 1024], back[sizeof(big)];

	env_up(ENV_DISK);
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 7 + i / 251);
	EACH_MOUNT(r)
	{
		char buf[64];
		struct linux_stat st;
		uint64_t h = hopen(pf("%s/new.txt", r), LINUX_O_CREAT | LINUX_O_RDWR, 0640);

		ck_assert_int_eq(xwrite(h, "abcdef", 6, 0), 6);
		ck_assert_int_eq(xlseek(h, 0, LINUX_SEEK_SET), 0);
		ck_assert_int_eq(xread(h, buf, sizeof(buf)), 6);
		ck_assert_mem_eq(buf, "abcdef", 6);
		ck_assert_int_eq(xpwrite(h, "XY", 2, 2), 2);
		ck_assert_int_eq(xpread(h, buf, 4, 1), 4);
		ck_assert_mem_eq(buf, "bXYe", 4);
		/* pread/pwrite leave the offset alone. */
		ck_assert_int_eq(xlseek(h, 0, LINUX_SEEK_CUR), 6);
		ck_assert_int_eq(xpread(h, buf, 4, 100), 0);
		hclose(h);
		ck_assert_int_eq(xstat(pf("%s/new.txt", r), &st), 0);
		ck_assert_int_eq(st.st_size, 6);
		ck_assert_uint_eq(st.st_mode, LINUX_S_IFREG | 0640);

		/* Larger than the service's bounce buffer, in one call each way. */
		h = hopen(pf("%s/big", r), LINUX_O_CREAT | LINUX_O_RDWR | LINUX_O_EXCL, 0600);
		ck_assert_int_eq(xwrite(h, big, sizeof(big), 0), (int64_t)sizeof(big));
		memset(back, 0, sizeof(back));
		ck_assert_int_eq(xpread(h, back, sizeof(back), 0), (int64_t)sizeof(big));
		ck_assert(memcmp(back, big, sizeof(big)) == 0);
		/* A hole far out reads as zeros. */
		ck_assert_int_eq(xpwrite(h, "Z", 1, 2u << 20), 1);
		ck_assert_int_eq(xpread(h, buf, 8, (1u << 20)), 8);
		ck_assert_mem_eq(buf, "\0\0\0\0\0\0\0\0", 8);
		hclose(h);
		ck_assert_int_eq(xstat(pf("%s/big", r), &st), 0);
		ck_assert_int_eq(st.st_size, (2 << 20) + 1);
		ck_assert_int_eq(xunlink(pf("%s/big", r), 0), 0);
	}
	ck_assert_str_eq(host_get(pf("%s/new.txt", env.vol)), "abXYef");
	env_down();
}
END_TEST

/* svc_mem.map: ranges inside one 64 KiB piece of the arena map directly;
 * others (and the hole) return NULL, so calls mix both paths. */
static unsigned long map_hits;

static void *mem_map(void *ctx, uint64_t cr3, uint64_t ua, size_t len, int write)
{
	(void)ctx, (void)write;
	if (cr3 != CR3)
		bad_cr3++;
	if (!mapped(ua, len) || ((ua - UBASE) >> 16) != ((ua - UBASE + len - 1) >> 16))
		return NULL;
	map_hits++;
	return arena + (ua - UBASE);
}

START_TEST(test_direct_io)
{
	static char big[700 * 1024], back[sizeof(big)];
	uint64_t ubig, uback;

	env_up(ENV_DISK);
	env.mem.map = mem_map;
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 13 + i / 509);
	ubig = ualloc(sizeof(big));
	uback = ualloc(sizeof(back));
	memcpy(arena + (ubig - UBASE), big, sizeof(big));
	EACH_MOUNT(r)
	{
		uint64_t h = hopen(pf("%s/direct", r), LINUX_O_CREAT | LINUX_O_RDWR | LINUX_O_EXCL,
		                   0600);

		map_hits = 0;
		/* Small chunks land inside one 64 KiB piece: direct; the rest bounce. */
		ck_assert_int_eq(req(NANVIX_FS_PWRITE, h, ubig + 1000, 60000, 0, 0), 60000);
		ck_assert_int_eq(req(NANVIX_FS_PWRITE, h, ubig, sizeof(big), 0, 0),
		                 (int64_t)sizeof(big));
		ck_assert_int_eq(req(NANVIX_FS_PREAD, h, uback, sizeof(back), 0, 0),
		                 (int64_t)sizeof(back));
		ck_assert(memcmp(arena + (uback - UBASE), big, sizeof(big)) == 0);
		memset(arena + (uback - UBASE), 0, 4096);
		ck_assert_int_eq(req(NANVIX_FS_PREAD, h, uback, 4096, 8192, 0), 4096);
		ck_assert(memcmp(arena + (uback - UBASE), big + 8192, 4096) == 0);
		ck_assert_uint_gt(map_hits, 0);
		/* The hole is never mapped: EFAULT as without map. */
		ck_assert_int_eq(req(NANVIX_FS_PREAD, h, UBASE + HOLE_OFF, 100, 0, 0),
		                 -LINUX_EFAULT);
		hclose(h);
		ck_assert_int_eq(xunlink(pf("%s/direct", r), 0), 0);
	}
	env_down();
}
END_TEST

START_TEST(test_open_flags)
{
	env_up(ENV_DISK);
	EACH_MOUNT(r)
	{
		char buf[64];
		uint64_t h;
		struct linux_stat st;

		put_file(pf("%s/f", r), "0123456789");
		check_errno(
		        xopen(pf("%s/f", r), LINUX_O_CREAT | LINUX_O_EXCL | LINUX_O_WRONLY, 0644),
		        LINUX_EEXIST, "O_EXCL");
		/* O_CREAT without O_EXCL opens the existing file, keeping it. */
		h = hopen(pf("%s/f", r), LINUX_O_CREAT | LINUX_O_RDONLY, 0644);
		ck_assert_int_eq(xread(h, buf, sizeof(buf)), 10);
		hclose(h);

		/* O_APPEND (args[4] of FS_WRITE) writes at the end whatever the offset. */
		h = hopen(pf("%s/f", r), LINUX_O_WRONLY | LINUX_O_APPEND, 0);
		ck_assert_int_eq(xwrite(h, "ab", 2, LINUX_O_APPEND), 2);
		ck_assert_int_eq(xlseek(h, 0, LINUX_SEEK_SET), 0);
		ck_assert_int_eq(xwrite(h, "cd", 2, LINUX_O_APPEND), 2);
		ck_assert_int_eq(xlseek(h, 0, LINUX_SEEK_CUR), 14);
		/* Without the flag, at the offset. */
		ck_assert_int_eq(xlseek(h, 0, LINUX_SEEK_SET), 0);
		ck_assert_int_eq(xwrite(h, "__", 2, 0), 2);
		hclose(h);
		check_file(pf("%s/f", r), "__23456789abcd");

		/* O_TRUNC empties; O_TRUNC on a read-only open is left alone by Linux too. */
		h = hopen(pf("%s/f", r), LINUX_O_WRONLY | LINUX_O_TRUNC, 0);
		hclose(h);
		ck_assert_int_eq(xstat(pf("%s/f", r), &st), 0);
		ck_assert_int_eq(st.st_size, 0);

		check_errno(xopen(pf("%s/f", r), LINUX_O_RDONLY | LINUX_O_DIRECTORY, 0),
		            LINUX_ENOTDIR, "O_DIRECTORY on a file");
		h = hopen(r[0] ? "/vol/sub" : "/dir", LINUX_O_RDONLY | LINUX_O_DIRECTORY, 0);
		hclose(h);
		check_errno(xopen(pf("%s/", r[0] ? r : "/"), LINUX_O_WRONLY, 0), LINUX_EISDIR,
		            "write-open a directory");
		check_errno(xopen(r[0] ? "/vol/sub" : "/empty", LINUX_O_RDWR, 0), LINUX_EISDIR,
		            "write-open a subdirectory");
		check_errno(
		        xopen(r[0] ? "/vol/sub" : "/empty", LINUX_O_CREAT | LINUX_O_RDONLY, 0644),
		        LINUX_EISDIR, "O_CREAT on a subdirectory");
		check_errno(xopen(pf("%s/missing", r), LINUX_O_RDONLY, 0), LINUX_ENOENT, "missing");
		check_errno(xopen(pf("%s/nodir/x", r), LINUX_O_CREAT | LINUX_O_WRONLY, 0644),
		            LINUX_ENOENT, "create in a missing dir");
		check_errno(xopen(pf("%s/f/x", r), LINUX_O_RDONLY, 0), LINUX_ENOTDIR,
		            "file as dir");
		check_errno(xopen(pf("%s/f", r), LINUX_O_ACCMODE, 0), LINUX_EINVAL, "O_ACCMODE");

		/* O_NOFOLLOW on a symlink; O_EXCL on a (dangling) symlink. */
		ck_assert_int_eq(xsymlink("f", pf("%s/lnk", r)), 0);
		ck_assert_int_eq(xsymlink("nowhere", pf("%s/dangling", r)), 0);
		check_errno(xopen(pf("%s/lnk", r), LINUX_O_RDONLY | LINUX_O_NOFOLLOW, 0),
		            LINUX_ELOOP, "O_NOFOLLOW");
		h = hopen(pf("%s/lnk", r), LINUX_O_RDONLY, 0);
		hclose(h);
		check_errno(xopen(pf("%s/dangling", r),
		                  LINUX_O_CREAT | LINUX_O_EXCL | LINUX_O_WRONLY, 0644),
		            LINUX_EEXIST, "O_EXCL on a dangling link");
		check_errno(xopen(pf("%s/dangling", r), LINUX_O_RDONLY, 0), LINUX_ENOENT,
		            "dangling");
		ck_assert_int_eq(xunlink(pf("%s/lnk", r), 0), 0);
		ck_assert_int_eq(xunlink(pf("%s/dangling", r), 0), 0);
		ck_assert_int_eq(xunlink(pf("%s/f", r), 0), 0);
	}
	/* Opening a mount point by name, and creating over one. */
	check_errno(xopen("/vol", LINUX_O_WRONLY, 0), LINUX_EISDIR, "write-open /vol");
	check_errno(xopen("/vol", LINUX_O_CREAT | LINUX_O_EXCL | LINUX_O_RDWR, 0644), LINUX_EEXIST,
	            "O_EXCL /vol");
	check_errno(xopen("/", LINUX_O_CREAT | LINUX_O_RDWR, 0644), LINUX_EISDIR, "O_CREAT /");
	env_down();
}
END_TEST

START_TEST(test_modes)
{
	char buf[16];
	uint64_t r, w, d;

	env_up(ENV_DISK);
	EACH_MOUNT(p)
	{
		put_file(pf("%s/m", p), "data");
		r = hopen(pf("%s/m", p), LINUX_O_RDONLY, 0);
		w = hopen(pf("%s/m", p), LINUX_O_WRONLY, 0);
		d = hopen(p[0] ? p : "/", LINUX_O_RDONLY, 0);
		check_errno(xwrite(r, "x", 1, 0), LINUX_EBADF, "write on O_RDONLY");
		check_errno(xpwrite(r, "x", 1, 0), LINUX_EBADF, "pwrite on O_RDONLY");
		check_errno(xread(w, buf, 1), LINUX_EBADF, "read on O_WRONLY");
		check_errno(xpread(w, buf, 1, 0), LINUX_EBADF, "pread on O_WRONLY");
		check_errno(xread(d, buf, 1), LINUX_EISDIR, "read a directory");
		check_errno(xwrite(d, "x", 1, 0), LINUX_EISDIR, "write a directory");
		/* A file handle is not a directory for *at(). */
		check_errno(xopen_at(r, "x", LINUX_O_RDONLY, 0), LINUX_ENOTDIR, "file as dirfd");
		hclose(r);
		hclose(w);
		hclose(d);
	}
	env_down();
}
END_TEST

START_TEST(test_lseek)
{
	char buf[8];
	uint64_t h;

	env_up(ENV_DISK);
	EACH_MOUNT(p)
	{
		put_file(pf("%s/s", p), "0123456789");
		h = hopen(pf("%s/s", p), LINUX_O_RDWR, 0);
		ck_assert_int_eq(xlseek(h, 4, LINUX_SEEK_SET), 4);
		ck_assert_int_eq(xlseek(h, 2, LINUX_SEEK_CUR), 6);
		ck_assert_int_eq(xread(h, buf, 2), 2);
		ck_assert_mem_eq(buf, "67", 2);
		ck_assert_int_eq(xlseek(h, -3, LINUX_SEEK_END), 7);
		ck_assert_int_eq(xlseek(h, 0, LINUX_SEEK_END), 10);
		check_errno(xlseek(h, -11, LINUX_SEEK_END), LINUX_EINVAL, "before the start");
		check_errno(xlseek(h, -1, LINUX_SEEK_SET), LINUX_EINVAL, "negative");
		check_errno(xlseek(h, 0, 7), LINUX_EINVAL, "whence 7");
		check_errno(xlseek(h, 0, -1), LINUX_EINVAL, "whence -1");
		ck_assert_int_eq(xlseek(h, INT64_MAX, LINUX_SEEK_SET), INT64_MAX);
		check_errno(xlseek(h, 1, LINUX_SEEK_CUR), LINUX_EINVAL, "overflow");
		check_errno(xlseek(h, INT64_MAX, LINUX_SEEK_END), LINUX_EINVAL, "overflow at end");
		/* Past the end, then write: a hole. */
		ck_assert_int_eq(xlseek(h, 20, LINUX_SEEK_SET), 20);
		ck_assert_int_eq(xwrite(h, "E", 1, 0), 1);
		ck_assert_int_eq(xpread(h, buf, 2, 10), 2);
		ck_assert_mem_eq(buf, "\0\0", 2);
		ck_assert_int_eq(xlseek(h, 0, LINUX_SEEK_END), 21);
		hclose(h);
		check_errno(xlseek(h, 0, LINUX_SEEK_SET), LINUX_EBADF, "closed");
	}
	env_down();
}
END_TEST

START_TEST(test_stat)
{
	struct linux_stat st, st2;
	struct linux_statx x;
	uint64_t h;

	env_up(ENV_DISK);
	ck_assert_int_eq(xstat("/hello.txt", &st), 0);
	ck_assert_uint_eq(st.st_mode & LINUX_S_IFMT, LINUX_S_IFREG);
	ck_assert_int_eq(st.st_size, (int64_t)strlen(HELLO));
	ck_assert_uint_eq(st.st_nlink, 1);
	ck_assert_int_eq(xstat("/", &st), 0);
	ck_assert_uint_eq(st.st_mode & LINUX_S_IFMT, LINUX_S_IFDIR);
	ck_assert_uint_eq(st.st_ino, 2);
	ck_assert_int_eq(xstat("/vol/v.txt", &st2), 0);
	ck_assert_uint_ne(st.st_dev, st2.st_dev);
	ck_assert_int_eq(st2.st_size, 12);
	ck_assert_int_eq(xstat("/vol", &st2), 0);
	ck_assert_uint_eq(st2.st_mode & LINUX_S_IFMT, LINUX_S_IFDIR);
	check_errno(xstat("/nope", &st), LINUX_ENOENT, "stat missing");
	check_errno(xstat("", &st), LINUX_ENOENT, "stat \"\"");

	/* The handle itself: path 0, or "" with AT_EMPTY_PATH. */
	h = hopen("/hello.txt", LINUX_O_RDONLY, 0);
	ck_assert_int_eq(xstat_at(h, NULL, 0, &st), 0);
	ck_assert_int_eq(st.st_size, (int64_t)strlen(HELLO));
	ck_assert_int_eq(xstat_at(h, "", LINUX_AT_EMPTY_PATH, &st2), 0);
	ck_assert_uint_eq(st.st_ino, st2.st_ino);
	check_errno(xstat_at(h, "", 0, &st2), LINUX_ENOENT, "\"\" without AT_EMPTY_PATH");
	ck_assert_int_eq(xstatx(h, NULL, 0, &x), 0);
	ck_assert_uint_eq(x.stx_ino, st.st_ino);
	ck_assert_uint_eq(x.stx_size, (uint64_t)st.st_size);
	ck_assert_uint_eq(x.stx_mode, st.st_mode);
	ck_assert_uint_eq(x.stx_mask & LINUX_STATX_BASIC_STATS, LINUX_STATX_BASIC_STATS);
	hclose(h);

	/* Links followed or not, on both mounts. */
	EACH_MOUNT(r)
	{
		any_symlink("/hello.txt", pf("%s/sl", r));
		ck_assert_int_eq(xstat(pf("%s/sl", r), &st), 0);
		ck_assert_uint_eq(st.st_mode & LINUX_S_IFMT, LINUX_S_IFREG);
		ck_assert_int_eq(st.st_size, (int64_t)strlen(HELLO));
		ck_assert_int_eq(xlstat(pf("%s/sl", r), &st), 0);
		ck_assert_uint_eq(st.st_mode & LINUX_S_IFMT, LINUX_S_IFLNK);
		ck_assert_int_eq(st.st_size, 10);
		ck_assert_int_eq(xstatx(ROOT, pf("%s/sl", r), LINUX_AT_SYMLINK_NOFOLLOW, &x), 0);
		ck_assert_uint_eq(x.stx_mode & LINUX_S_IFMT, LINUX_S_IFLNK);
		ck_assert_int_eq(xstatx(ROOT, pf("%s/sl", r), 0, &x), 0);
		ck_assert_uint_eq(x.stx_mode & LINUX_S_IFMT, LINUX_S_IFREG);
		ck_assert_int_eq(xunlink(pf("%s/sl", r), 0), 0);
	}
	env_down();
}
END_TEST

/* Every name in directory handle h (getdents in bufsz-byte calls), checked record by record. */
static int list_dir(uint64_t h, size_t bufsz, char names[][EXT2_NAME_MAX + 1], uint8_t *types,
                    int max)
{
	int n = 0;

	for (;;) {
		uint64_t ua = ualloc(bufsz);
		int64_t got = req(NANVIX_FS_GETDENTS, h, ua, bufsz, 0, 0);
		size_t at = 0;

		ck_assert_msg(got >= 0, "getdents: %lld", (long long)got);
		ck_assert_uint_le((uint64_t)got, bufsz);
		if (got == 0)
			return n;
		while (at < (size_t)got) {
			struct linux_dirent64 d;
			const char *name = (const char *)uptr(ua) + at + 19;

			memcpy(&d, uptr(ua + at), sizeof(d));
			ck_assert_uint_ge(d.d_reclen, 24);
			ck_assert_uint_eq(d.d_reclen % 8, 0);
			ck_assert_uint_le(at + d.d_reclen, (size_t)got);
			ck_assert_msg(memchr(name, 0, d.d_reclen - 19), "name not terminated");
			ck_assert_uint_ne(d.d_ino, 0);
			ck_assert_int_lt(n, max);
			strcpy(names[n], name);
			types[n] = d.d_type;
			n++;
			at += d.d_reclen;
		}
	}
}

static int find_name(char names[][EXT2_NAME_MAX + 1], int n, const char *name)
{
	int found = -1;

	for (int i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0) {
			ck_assert_msg(found < 0, "%s listed twice", name);
			found = i;
		}
	return found;
}

START_TEST(test_getdents)
{
	static char names[200][EXT2_NAME_MAX + 1];
	uint8_t types[200];

	env_up(ENV_DISK);
	EACH_MOUNT(r)
	{
		uint64_t h;
		int n, i;

		ck_assert_int_eq(xmkdir(pf("%s/many", r), 0755), 0);
		for (i = 0; i < 60; i++)
			put_file(pf("%s/many/file-with-a-longish-name-%03d", r, i), "x");
		ck_assert_int_eq(xmkdir(pf("%s/many/subdir", r), 0700), 0);
		h = hopen(pf("%s/many", r), LINUX_O_RDONLY | LINUX_O_DIRECTORY, 0);
		n = list_dir(h, 200, names, types, 200);
		ck_assert_int_eq(n, 63);
		ck_assert_int_ge(find_name(names, n, "."), 0);
		ck_assert_int_ge(find_name(names, n, ".."), 0);
		i = find_name(names, n, "subdir");
		ck_assert_int_ge(i, 0);
		ck_assert_uint_eq(types[i], 4);
		for (i = 0; i < 60; i++) {
			int k = find_name(names, n, pf("file-with-a-longish-name-%03d", i));

			ck_assert_int_ge(k, 0);
			ck_assert_uint_eq(types[k], 8);
		}
		/* At the end: 0 again; rewound: everything again, in big calls. */
		ck_assert_int_eq(list_dir(h, 200, names, types, 200), 0);
		ck_assert_int_eq(xlseek(h, 0, LINUX_SEEK_SET), 0);
		ck_assert_int_eq(list_dir(h, 65536, names, types, 200), 63);
		ck_assert_int_eq(xlseek(h, 0, LINUX_SEEK_SET), 0);
		/* Too small for one record. */
		check_errno(req(NANVIX_FS_GETDENTS, h, ualloc(16), 16, 0, 0), LINUX_EINVAL, "tiny");
		check_errno(req(NANVIX_FS_GETDENTS, h, UBASE + HOLE_OFF, 4096, 0, 0), LINUX_EFAULT,
		            "unmapped buffer");
		hclose(h);
		for (i = 0; i < 60; i++)
			ck_assert_int_eq(
			        xunlink(pf("%s/many/file-with-a-longish-name-%03d", r, i), 0), 0);
		ck_assert_int_eq(xunlink(pf("%s/many/subdir", r), LINUX_AT_REMOVEDIR), 0);
		ck_assert_int_eq(xunlink(pf("%s/many", r), LINUX_AT_REMOVEDIR), 0);
	}
	{
		uint64_t h = hopen("/hello.txt", LINUX_O_RDONLY, 0);

		check_errno(req(NANVIX_FS_GETDENTS, h, ualloc(4096), 4096, 0, 0), LINUX_ENOTDIR,
		            "getdents on a file");
		hclose(h);
	}
	/* The root lists the disk's names (the mount points are not on the disk). */
	{
		uint64_t h = hopen("/", LINUX_O_RDONLY, 0);
		int n = list_dir(h, 4096, names, types, 200);

		ck_assert_int_ge(find_name(names, n, "hello.txt"), 0);
		ck_assert_int_ge(find_name(names, n, "lost+found"), 0);
		hclose(h);
	}
	env_down();
}
END_TEST

START_TEST(test_dirops)
{
	struct linux_stat st;

	env_up(ENV_DISK);
	EACH_MOUNT(r)
	{
		ck_assert_int_eq(xmkdir(pf("%s/d", r), 0750), 0);
		ck_assert_int_eq(xstat(pf("%s/d", r), &st), 0);
		ck_assert_uint_eq(st.st_mode, LINUX_S_IFDIR | 0750);
		ck_assert_uint_eq(st.st_nlink, 2);
		check_errno(xmkdir(pf("%s/d", r), 0755), LINUX_EEXIST, "mkdir twice");
		check_errno(xmkdir(pf("%s/d/", r), 0755), LINUX_EEXIST, "mkdir twice, slash");
		check_errno(xmkdir(pf("%s/nodir/d", r), 0755), LINUX_ENOENT, "mkdir in missing");
		ck_assert_int_eq(xmkdir(pf("%s/d/e", r), 0755), 0);
		put_file(pf("%s/d/e/f", r), "f");
		check_errno(xunlink(pf("%s/d", r), LINUX_AT_REMOVEDIR), LINUX_ENOTEMPTY,
		            "rmdir full");
		check_errno(xunlink(pf("%s/d/e/f", r), LINUX_AT_REMOVEDIR), LINUX_ENOTDIR,
		            "rmdir a file");
		check_errno(xunlink(pf("%s/d/e", r), 0), LINUX_EISDIR, "unlink a dir");
		check_errno(xunlink(pf("%s/d/e/nope", r), 0), LINUX_ENOENT, "unlink missing");
		check_errno(xunlink(pf("%s/d/e/f/g", r), 0), LINUX_ENOTDIR, "unlink under a file");
		check_errno(xunlink(pf("%s/d/e/f", r), ~0ull), LINUX_EINVAL, "unlink flags");
		check_errno(xunlink(pf("%s/d/e/.", r), LINUX_AT_REMOVEDIR), LINUX_EINVAL,
		            "rmdir .");
		check_errno(xunlink(pf("%s/d/e/..", r), LINUX_AT_REMOVEDIR), LINUX_ENOTEMPTY,
		            "rmdir ..");
		check_errno(xunlink(pf("%s/d/e/.", r), 0), LINUX_EISDIR, "unlink .");
		check_errno(xmkdir(pf("%s/d/e/f/x", r), 0755), LINUX_ENOTDIR, "mkdir under a file");
		check_errno(xmkdir(pf("%s/d/..", r), 0755), LINUX_EEXIST, "mkdir ..");
		ck_assert_int_eq(xunlink(pf("%s/d/e/f", r), 0), 0);
		ck_assert_int_eq(xunlink(pf("%s/d/e", r), LINUX_AT_REMOVEDIR), 0);
		ck_assert_int_eq(xstat(pf("%s/d", r), &st), 0);
		ck_assert_uint_eq(st.st_nlink, 2);
		ck_assert_int_eq(xunlink(pf("%s/d", r), LINUX_AT_REMOVEDIR), 0);
		check_errno(xstat(pf("%s/d", r), &st), LINUX_ENOENT, "gone");
	}
	check_errno(xmkdir("/", 0755), LINUX_EEXIST, "mkdir /");
	check_errno(xunlink("/", LINUX_AT_REMOVEDIR), LINUX_EBUSY, "rmdir /");
	env_down();
}
END_TEST

START_TEST(test_rename_link)
{
	struct linux_stat st, st2;

	env_up(ENV_DISK);
	EACH_MOUNT(r)
	{
		put_file(pf("%s/a", r), "A");
		put_file(pf("%s/b", r), "B");
		ck_assert_int_eq(xrename(pf("%s/a", r), pf("%s/c", r)), 0);
		check_errno(xstat(pf("%s/a", r), &st), LINUX_ENOENT, "renamed away");
		check_file(pf("%s/c", r), "A");
		ck_assert_int_eq(xrename(pf("%s/c", r), pf("%s/b", r)), 0); /* replaces */
		check_file(pf("%s/b", r), "A");
		check_errno(xrename(pf("%s/nope", r), pf("%s/x", r)), LINUX_ENOENT,
		            "rename missing");

		ck_assert_int_eq(xmkdir(pf("%s/d1", r), 0755), 0);
		ck_assert_int_eq(xmkdir(pf("%s/d1/in", r), 0755), 0);
		ck_assert_int_eq(xrename(pf("%s/d1", r), pf("%s/d2", r)), 0);
		ck_assert_int_eq(xstat(pf("%s/d2/in/..", r), &st), 0);
		ck_assert_int_eq(xstat(pf("%s/d2", r), &st2), 0);
		ck_assert_uint_eq(st.st_ino, st2.st_ino);
		check_errno(xrename(pf("%s/d2", r), pf("%s/d2/in/x", r)), LINUX_EINVAL,
		            "dir beneath itself");
		check_errno(xrename(pf("%s/b", r), pf("%s/d2", r)), LINUX_EISDIR, "file over dir");
		check_errno(xrename(pf("%s/d2", r), pf("%s/b", r)), LINUX_ENOTDIR, "dir over file");
		ck_assert_int_eq(xunlink(pf("%s/d2/in", r), LINUX_AT_REMOVEDIR), 0);
		ck_assert_int_eq(xunlink(pf("%s/d2", r), LINUX_AT_REMOVEDIR), 0);

		ck_assert_int_eq(xlink(pf("%s/b", r), pf("%s/b2", r), 0), 0);
		ck_assert_int_eq(xstat(pf("%s/b2", r), &st), 0);
		ck_assert_uint_eq(st.st_nlink, 2);
		ck_assert_int_eq(xstat(pf("%s/b", r), &st2), 0);
		ck_assert_uint_eq(st.st_ino, st2.st_ino);
		check_errno(xlink(pf("%s/b", r), pf("%s/b2", r), 0), LINUX_EEXIST, "link exists");
		check_errno(xlink(pf("%s/b", r), pf("%s/b3", r), 0x1234), LINUX_EINVAL,
		            "link flags");
		check_errno(xlink(pf("%s/nope", r), pf("%s/b3", r), 0), LINUX_ENOENT,
		            "link missing");
		ck_assert_int_eq(xunlink(pf("%s/b", r), 0), 0);
		check_file(pf("%s/b2", r), "A");
		ck_assert_int_eq(xunlink(pf("%s/b2", r), 0), 0);
	}
	/* Between mounts. */
	put_file("/x", "x");
	check_errno(xrename("/x", "/vol/x"), LINUX_EXDEV, "rename disk->volume");
	check_errno(xrename("/vol/v.txt", "/v.txt"), LINUX_EXDEV, "rename volume->disk");
	check_errno(xlink("/x", "/vol/x", 0), LINUX_EXDEV, "link disk->volume");
	check_errno(xlink("/vol/v.txt", "/vx", 0), LINUX_EXDEV, "link volume->disk");
	check_errno(xrename("/vol/v.txt", "/ro/v.txt"), LINUX_EXDEV, "rename volume->ro");
	check_errno(xrename("/vol/v.txt", "/vol/../v.txt"), LINUX_EXDEV, "rename out by ..");
	/* Mount points cannot be renamed, replaced or linked over. */
	check_errno(xrename("/vol", "/vol2"), LINUX_EBUSY, "rename a mount point");
	ck_assert_int_eq(xmkdir("/emptyd", 0755), 0);
	ck_assert_int_lt(xrename("/emptyd", "/vol"), 0);
	ck_assert_int_lt(xlink("/x", "/vol", 0), 0); /* EBUSY; Linux: EEXIST */
	ck_assert_int_eq(xunlink("/emptyd", LINUX_AT_REMOVEDIR), 0);
	ck_assert_int_eq(xunlink("/x", 0), 0);
	check_file("/vol/v.txt", "volume file\n");
	env_down();
}
END_TEST

START_TEST(test_symlinks)
{
	char buf[EXT2_SYMLINK_MAX + 2];
	struct linux_stat st;

	env_up(ENV_DISK);
	EACH_MOUNT(r)
	{
		/* Relative, absolute, chains, through directories. */
		ck_assert_int_eq(xmkdir(pf("%s/s", r), 0755), 0);
		put_file(pf("%s/s/t", r), "target");
		ck_assert_int_eq(xsymlink("t", pf("%s/s/rel", r)), 0);
		any_symlink("/hello.txt", pf("%s/s/abs", r));
		ck_assert_int_eq(xsymlink("rel", pf("%s/s/chain1", r)), 0);
		ck_assert_int_eq(xsymlink("chain1", pf("%s/s/chain2", r)), 0);
		ck_assert_int_eq(xsymlink("s", pf("%s/sdir", r)), 0);
		ck_assert_int_eq(xsymlink("../s/./t", pf("%s/s/dots", r)), 0);
		any_symlink(pf("%s/s", r[0] ? r : ""), pf("%s/absdir", r));
		check_file(pf("%s/s/rel", r), "target");
		check_file(pf("%s/s/abs", r), HELLO);
		check_file(pf("%s/s/chain2", r), "target");
		check_file(pf("%s/sdir/chain2", r), "target");
		check_file(pf("%s/sdir/dots", r), "target");
		check_file(pf("%s/absdir/t", r), "target");
		check_file(pf("%s/absdir/../absdir/t", r), "target");
		/* ".." after a symlinked directory is the target's parent. */
		check_file(pf("%s/sdir/../s/t", r), "target");

		ck_assert_int_eq(xreadlink(pf("%s/s/abs", r), buf, sizeof(buf) - 1), 10);
		ck_assert_str_eq(buf, "/hello.txt");
		ck_assert_int_eq(xreadlink(pf("%s/s/abs", r), buf, 4), 4); /* truncated */
		ck_assert_str_eq(buf, "/hel");
		check_errno(xreadlink(pf("%s/s/t", r), buf, 10), LINUX_EINVAL, "readlink a file");
		check_errno(xreadlink(pf("%s/s/none", r), buf, 10), LINUX_ENOENT,
		            "readlink missing");
		/* readlink of a link in the middle follows it. */
		ck_assert_int_eq(xreadlink(pf("%s/sdir/rel", r), buf, 10), 1);

		/* Loops. */
		ck_assert_int_eq(xsymlink("b", pf("%s/s/a", r)), 0);
		ck_assert_int_eq(xsymlink("a", pf("%s/s/b", r)), 0);
		ck_assert_int_eq(xsymlink("self", pf("%s/s/self", r)), 0);
		check_errno(xopen(pf("%s/s/a", r), LINUX_O_RDONLY, 0), LINUX_ELOOP, "open a loop");
		check_errno(xstat(pf("%s/s/b", r), &st), LINUX_ELOOP, "stat a loop");
		check_errno(xstat(pf("%s/s/self/x", r), &st), LINUX_ELOOP, "loop mid-path");
		check_errno(xopen(pf("%s/s/a", r), LINUX_O_CREAT | LINUX_O_WRONLY, 0644),
		            LINUX_ELOOP, "create through a loop");
		ck_assert_int_eq(xlstat(pf("%s/s/a", r), &st), 0);

		/* A chain of 35 links resolves; 45 is too many (ELOOP). */
		ck_assert_int_eq(xsymlink("t", pf("%s/s/l0", r)), 0);
		for (int i = 1; i <= 45; i++)
			ck_assert_int_eq(xsymlink(pf("l%d", i - 1), pf("%s/s/l%d", r, i)), 0);
		check_file(pf("%s/s/l35", r), "target");
		check_errno(xopen(pf("%s/s/l45", r), LINUX_O_RDONLY, 0), LINUX_ELOOP, "45 links");
		for (int i = 0; i <= 45; i++)
			ck_assert_int_eq(xunlink(pf("%s/s/l%d", r, i), 0), 0);

		/* Writing through a link writes the target; unlink removes the link. */
		{
			uint64_t h = hopen(pf("%s/s/chain2", r), LINUX_O_WRONLY | LINUX_O_TRUNC, 0);

			ck_assert_int_eq(xwrite(h, "new", 3, 0), 3);
			hclose(h);
			check_file(pf("%s/s/t", r), "new");
		}
		/* A dangling link: ENOENT, also with O_CREAT (documented). */
		ck_assert_int_eq(xsymlink("ghost", pf("%s/s/dang", r)), 0);
		check_errno(xopen(pf("%s/s/dang", r), LINUX_O_RDONLY, 0), LINUX_ENOENT, "dangling");
		ck_assert_int_lt(xopen(pf("%s/s/dang", r), LINUX_O_CREAT | LINUX_O_WRONLY, 0644),
		                 0);
		check_errno(xsymlink("x", pf("%s/s/t", r)), LINUX_EEXIST, "symlink over a file");
		check_errno(xsymlink("", pf("%s/s/empty", r)), LINUX_ENOENT, "empty target");

		static const char *const links[] = { "rel", "abs", "chain1", "chain2", "dots",
			                             "a",   "b",   "self",   "dang",   "t" };
		for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
			ck_assert_int_eq(xunlink(pf("%s/s/%s", r, links[i]), 0), 0);
		ck_assert_int_eq(xunlink(pf("%s/s", r), LINUX_AT_REMOVEDIR), 0);
		ck_assert_int_eq(xunlink(pf("%s/sdir", r), 0), 0);
		ck_assert_int_eq(xunlink(pf("%s/absdir", r), 0), 0);
	}
	/* Across mounts: from the disk into the volume and back. */
	ck_assert_int_eq(xsymlink("/vol/v.txt", "/tovol"), 0);
	ck_assert_int_eq(xsymlink("vol/sub", "/tovoldir"), 0);
	check_file("/tovol", "volume file\n");
	check_file("/tovoldir/inner.txt", "inner\n");
	check_file("/tovoldir/../v.txt", "volume file\n");
	host_symlink("../hello.txt", "/vol/todisk");
	check_file("/vol/todisk", HELLO);
	/* Links to mount points and to "/": opened as those directories. */
	ck_assert_int_eq(xsymlink("/vol", "/tovolroot"), 0);
	ck_assert_int_eq(xsymlink("/", "/toroot"), 0);
	ck_assert_int_eq(xsymlink("..", "/vol/sub/toup"), 0);
	{
		static const struct {
			const char *link, *path;
		} dirs[] = { { "/tovolroot", "/vol" },    { "/toroot", "/" },
			     { "/vol/sub/toup", "/vol" }, { "/tovolroot/sub/toup", "/vol" },
			     { "/vol/hostroot", "/" },    { "/vol/up", "/" } };
		char path[64];

		for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
			uint64_t h = hopen(dirs[i].link, LINUX_O_RDONLY, 0);

			ck_assert_uint_ne(last_value & NANVIX_FS_OPEN_DIR, 0);
			ck_assert_int_eq(xgetpath(h, path, sizeof(path)),
			                 (int64_t)strlen(dirs[i].path) + 1);
			ck_assert_str_eq(path, dirs[i].path);
			hclose(h);
			check_errno(xopen(dirs[i].link, LINUX_O_RDWR, 0), LINUX_EISDIR,
			            dirs[i].link);
		}
		check_file("/tovolroot/v.txt", "volume file\n");
	}
	ck_assert_int_eq(xunlink("/tovolroot", 0), 0);
	ck_assert_int_eq(xunlink("/toroot", 0), 0);
	ck_assert_int_eq(xunlink("/vol/sub/toup", 0), 0);
	/* A long target (a slow symlink on ext2). */
	{
		char target[300];

		memset(target, 'x', sizeof(target) - 1);
		target[sizeof(target) - 1] = 0;
		ck_assert_int_eq(xsymlink(target, "/longlink"), 0);
		ck_assert_int_eq(xreadlink("/longlink", buf, sizeof(buf) - 1), 299);
		ck_assert_str_eq(buf, target);
		ck_assert_int_eq(xunlink("/longlink", 0), 0);
	}
	ck_assert_int_eq(xunlink("/tovol", 0), 0);
	ck_assert_int_eq(xunlink("/tovoldir", 0), 0);
	ck_assert_int_eq(xunlink("/vol/todisk", 0), 0);
	env_down();
}
END_TEST

START_TEST(test_walk)
{
	char path[NANVIX_FS_PATH_MAX];
	uint64_t h, d;

	env_up(ENV_DISK);
	check_file("/../hello.txt", HELLO);
	check_file("/../../../hello.txt", HELLO);
	check_file("//hello.txt", HELLO);
	check_file("hello.txt", HELLO);
	check_file("./hello.txt", HELLO);
	check_file("../hello.txt", HELLO);
	check_file("dir/./sub//deep.txt", "deep\n");
	check_file("/dir/sub/../sub/./deep.txt", "deep\n");
	check_file("/dir/sub/../../dir/sub/deep.txt", "deep\n");
	check_file("/vol/../hello.txt", HELLO);
	check_file("/vol/sub/../../hello.txt", HELLO);
	check_file("/vol/./sub/.//inner.txt", "inner\n");
	check_file("/vol/sub/../v.txt", "volume file\n");
	check_file("/ro/../vol/v.txt", "volume file\n");

	/* Relative to directory handles, on both mounts. */
	d = hopen("/dir", LINUX_O_RDONLY, 0);
	h = (uint64_t)xopen_at(d, "sub/deep.txt", LINUX_O_RDONLY, 0);
	ck_assert_int_gt((int64_t)h, 0);
	hclose(h);
	h = (uint64_t)xopen_at(d, "../hello.txt", LINUX_O_RDONLY, 0);
	ck_assert_int_gt((int64_t)h, 0);
	hclose(h);
	ck_assert_int_eq(xgetpath(d, path, sizeof(path)), 5);
	ck_assert_str_eq(path, "/dir");
	hclose(d);
	d = hopen("/vol/sub", LINUX_O_RDONLY, 0);
	h = (uint64_t)xopen_at(d, "inner.txt", LINUX_O_RDONLY, 0);
	ck_assert_int_gt((int64_t)h, 0);
	ck_assert_int_eq(xgetpath(h, path, sizeof(path)), 19);
	ck_assert_str_eq(path, "/vol/sub/inner.txt");
	hclose(h);
	h = (uint64_t)xopen_at(d, "../../hello.txt", LINUX_O_RDONLY, 0);
	ck_assert_int_gt((int64_t)h, 0);
	ck_assert_int_eq(xgetpath(h, path, sizeof(path)), 11);
	ck_assert_str_eq(path, "/hello.txt");
	hclose(h);
	/* An absolute path ignores the directory handle, even a bad one. */
	h = (uint64_t)xopen_at(d, "/hello.txt", LINUX_O_RDONLY, 0);
	ck_assert_int_gt((int64_t)h, 0);
	hclose(h);
	h = (uint64_t)xopen_at(999, "/hello.txt", LINUX_O_RDONLY, 0);
	ck_assert_int_gt((int64_t)h, 0);
	hclose(h);
	check_errno(xopen_at(999, "hello.txt", LINUX_O_RDONLY, 0), LINUX_EBADF, "bad dirfd");
	/* getpath of "." and of ".." canonicalise. */
	h = (uint64_t)xopen_at(d, ".", LINUX_O_RDONLY, 0);
	ck_assert_int_gt((int64_t)h, 0);
	ck_assert_int_eq(xgetpath(h, path, sizeof(path)), 9);
	ck_assert_str_eq(path, "/vol/sub");
	hclose(h);
	h = (uint64_t)xopen_at(d, "..", LINUX_O_RDONLY, 0);
	ck_assert_int_gt((int64_t)h, 0);
	ck_assert_int_eq(xgetpath(h, path, sizeof(path)), 5);
	ck_assert_str_eq(path, "/vol");
	hclose(h);
	h = hopen("/vol/sub/../..", LINUX_O_RDONLY, 0);
	ck_assert_int_eq(xgetpath(h, path, sizeof(path)), 2);
	ck_assert_str_eq(path, "/");
	hclose(h);
	hclose(d);

	/* A handle's directory stays usable after a rename (it is walked by path). */
	ck_assert_int_eq(xmkdir("/w", 0755), 0);
	d = hopen("/w", LINUX_O_RDONLY, 0);
	put_file("/w/f", "f");
	h = (uint64_t)xopen_at(d, "f", LINUX_O_RDONLY, 0);
	ck_assert_int_gt((int64_t)h, 0);
	hclose(h);
	ck_assert_int_eq(xunlink("/w/f", 0), 0);
	ck_assert_int_eq(xunlink("/w", LINUX_AT_REMOVEDIR), 0);
	check_errno(xopen_at(d, "f", LINUX_O_RDONLY, 0), LINUX_ENOENT, "dir handle removed");
	hclose(d);

	check_errno(xopen("", LINUX_O_RDONLY, 0), LINUX_ENOENT, "empty path");
	check_errno(xopen("hello.txt/", LINUX_O_RDONLY, 0), LINUX_ENOTDIR, "file with a slash");
	check_errno(xopen("/hello.txt/.", LINUX_O_RDONLY, 0), LINUX_ENOTDIR, "file/.");
	check_errno(xopen("/hello.txt/..", LINUX_O_RDONLY, 0), LINUX_ENOTDIR, "file/..");
	check_errno(xopen("/vol/v.txt/", LINUX_O_RDONLY, 0), LINUX_ENOTDIR, "volume file/");
	check_errno(xopen("/newdir/", LINUX_O_CREAT | LINUX_O_WRONLY, 0644), LINUX_EISDIR,
	            "O_CREAT name/");
	{
		struct linux_stat st;

		check_errno(xstat("/hello.txt/", &st), LINUX_ENOTDIR, "stat file/");
		check_errno(xstat("/vol/v.txt//", &st), LINUX_ENOTDIR, "stat volume file//");
		ck_assert_int_eq(xstat("/dir/", &st), 0);
		ck_assert_int_eq(xstat("/vol/sub//", &st), 0);
		ck_assert_int_eq(xsymlink("dir", "/dl"), 0);
		ck_assert_int_eq(xsymlink("hello.txt", "/fl"), 0);
		ck_assert_int_eq(xlstat("/dl/", &st), 0); /* followed: a trailing slash */
		ck_assert_uint_eq(st.st_mode & LINUX_S_IFMT, LINUX_S_IFDIR);
		check_errno(xlstat("/fl/", &st), LINUX_ENOTDIR, "link to a file, slash");
		ck_assert_int_eq(xlstat("/fl", &st), 0);
		ck_assert_uint_eq(st.st_mode & LINUX_S_IFMT, LINUX_S_IFLNK);
		check_file("/fl", HELLO);
		ck_assert_int_eq(xunlink("/dl", 0), 0);
		ck_assert_int_eq(xunlink("/fl", 0), 0);
	}
	env_down();
}
END_TEST

START_TEST(test_truncate_fsync)
{
	struct linux_stat st;
	char buf[16];

	env_up(ENV_DISK);
	EACH_MOUNT(r)
	{
		uint64_t h, rd;

		put_file(pf("%s/t", r), "0123456789");
		ck_assert_int_eq(xtruncate(ROOT, pf("%s/t", r), 4), 0);
		check_file(pf("%s/t", r), "0123");
		ck_assert_int_eq(xtruncate(ROOT, pf("%s/t", r), 8), 0);
		ck_assert_int_eq(xstat(pf("%s/t", r), &st), 0);
		ck_assert_int_eq(st.st_size, 8);
		check_errno(xtruncate(ROOT, pf("%s/t", r), -1), LINUX_EINVAL, "negative");
		check_errno(xtruncate(ROOT, pf("%s/nope", r), 0), LINUX_ENOENT, "missing");
		check_errno(xtruncate(ROOT, r[0] ? r : "/", 0), LINUX_EISDIR, "a directory");
		/* Through a symlink: the target. */
		ck_assert_int_eq(xsymlink("t", pf("%s/tl", r)), 0);
		ck_assert_int_eq(xtruncate(ROOT, pf("%s/tl", r), 2), 0);
		check_file(pf("%s/t", r), "01");

		/* By handle: open for writing only. */
		h = hopen(pf("%s/t", r), LINUX_O_RDWR, 0);
		ck_assert_int_eq(xtruncate(h, NULL, 1), 0);
		ck_assert_int_eq(xpread(h, buf, sizeof(buf), 0), 1);
		ck_assert_int_eq(req(NANVIX_FS_FSYNC, h, 0, 0, 0, 0), 0);
		ck_assert_int_eq(req(NANVIX_FS_FSYNC, h, 1, 0, 0, 0), 0);
		hclose(h);
		rd = hopen(pf("%s/t", r), LINUX_O_RDONLY, 0);
		check_errno(xtruncate(rd, NULL, 0), LINUX_EINVAL, "handle opened read-only");
		hclose(rd);
		h = hopen(r[0] ? r : "/", LINUX_O_RDONLY, 0);
		check_errno(xtruncate(h, NULL, 0), LINUX_EISDIR, "directory handle");
		ck_assert_int_eq(req(NANVIX_FS_FSYNC, h, 0, 0, 0, 0), 0);
		hclose(h);
		ck_assert_int_eq(xunlink(pf("%s/tl", r), 0), 0);
		ck_assert_int_eq(xunlink(pf("%s/t", r), 0), 0);
	}
	ck_assert_int_eq(req(NANVIX_FS_FSYNC, ROOT, 0, 0, 0, 0), 0);
	check_errno(req(NANVIX_FS_FSYNC, 77, 0, 0, 0, 0), LINUX_EBADF, "fsync bad handle");
	env_down();
}
END_TEST

START_TEST(test_attrs)
{
	struct linux_stat st;
	struct linux_statfs f;
	struct stat hst;

	env_up(ENV_DISK);
	EACH_MOUNT(r)
	{
		struct linux_timespec ts[2] = { { 1000, 5 }, { 2000, 7 } };
		uint64_t h;

		put_file(pf("%s/a", r), "a");
		ck_assert_int_eq(xaccess(pf("%s/a", r), LINUX_F_OK, 0), 0);
		ck_assert_int_eq(xaccess(pf("%s/a", r), LINUX_R_OK | LINUX_W_OK, 0), 0);
		check_errno(xaccess(pf("%s/a", r), LINUX_X_OK, 0), LINUX_EACCES, "X_OK on 0644");
		check_errno(xaccess(pf("%s/a", r), 8, 0), LINUX_EINVAL, "mode garbage");
		check_errno(xaccess(pf("%s/nope", r), LINUX_F_OK, 0), LINUX_ENOENT, "missing");

		ck_assert_int_eq(xchmod(ROOT, pf("%s/a", r), 0751, 0), 0);
		ck_assert_int_eq(xstat(pf("%s/a", r), &st), 0);
		ck_assert_uint_eq(st.st_mode, LINUX_S_IFREG | 0751);
		ck_assert_int_eq(xaccess(pf("%s/a", r), LINUX_X_OK, 0), 0);
		/* The type bits of mode are ignored; only 07777 is set. */
		ck_assert_int_eq(xchmod(ROOT, pf("%s/a", r), LINUX_S_IFDIR | 0600, 0), 0);
		ck_assert_int_eq(xstat(pf("%s/a", r), &st), 0);
		ck_assert_uint_eq(st.st_mode, LINUX_S_IFREG | 0600);
		/* chmod of a handle. */
		h = hopen(pf("%s/a", r), LINUX_O_RDONLY, 0);
		ck_assert_int_eq(xchmod(h, NULL, 0640, 0), 0);
		ck_assert_int_eq(xstat_at(h, NULL, 0, &st), 0);
		ck_assert_uint_eq(st.st_mode, LINUX_S_IFREG | 0640);
		hclose(h);

		ck_assert_int_eq(xutimens(pf("%s/a", r), ts, 0), 0);
		ck_assert_int_eq(xstat(pf("%s/a", r), &st), 0);
		ck_assert_int_eq(st.st_atim.tv_sec, 1000);
		ck_assert_int_eq(st.st_mtim.tv_sec, 2000);
		ts[0].tv_nsec = LINUX_UTIME_OMIT;
		ts[1].tv_sec = 3000;
		ck_assert_int_eq(xutimens(pf("%s/a", r), ts, 0), 0);
		ck_assert_int_eq(xstat(pf("%s/a", r), &st), 0);
		ck_assert_int_eq(st.st_atim.tv_sec, 1000);
		ck_assert_int_eq(st.st_mtim.tv_sec, 3000);
		ck_assert_int_eq(xutimens(pf("%s/a", r), NULL, 0), 0); /* now */
		ck_assert_int_eq(xstat(pf("%s/a", r), &st), 0);
		ck_assert_int_gt(st.st_mtim.tv_sec, 1000000000);
		ts[1].tv_nsec = 1000000000;
		check_errno(xutimens(pf("%s/a", r), ts, 0), LINUX_EINVAL, "tv_nsec too big");
		ts[1].tv_nsec = -5;
		check_errno(xutimens(pf("%s/a", r), ts, 0), LINUX_EINVAL, "tv_nsec negative");
		check_errno(
		        req(NANVIX_FS_UTIMENS, ROOT, ustr(pf("%s/a", r)), UBASE + HOLE_OFF, 0, 0),
		        LINUX_EFAULT, "times unmapped");
		ck_assert_int_eq(xunlink(pf("%s/a", r), 0), 0);
	}
	ck_assert_int_eq(stat(pf("%s/v.txt", env.vol), &hst), 0);
	ck_assert_int_eq(xchmod(ROOT, "/vol/v.txt", 0600, 0), 0);
	ck_assert_int_eq(stat(pf("%s/v.txt", env.vol), &hst), 0);
	ck_assert_uint_eq(hst.st_mode & 07777, 0600);

	ck_assert_int_eq(xstatfs(ROOT, "/hello.txt", &f), 0);
	ck_assert_int_eq(f.f_type, LINUX_EXT2_SUPER_MAGIC);
	ck_assert_int_eq(f.f_bsize, 1024);
	ck_assert_uint_gt(f.f_blocks, 3000);
	ck_assert_uint_le(f.f_bfree, f.f_blocks);
	ck_assert_int_eq(f.f_namelen, 255);
	ck_assert_int_eq(f.f_flags, 0);
	ck_assert_int_eq(xstatfs(ROOT, NULL, &f), 0); /* the handle itself */
	ck_assert_int_eq(xstatfs(ROOT, "/vol", &f), 0);
	ck_assert_int_gt(f.f_bsize, 0);
	ck_assert_int_eq(xstatfs(ROOT, "/ro/r.txt", &f), 0);
	ck_assert_int_eq(f.f_flags, 1);
	check_errno(xstatfs(ROOT, "/nope", &f), LINUX_ENOENT, "statfs missing");
	check_errno(req(NANVIX_FS_STATFS, ROOT, ustr("/"), UBASE + HOLE_OFF + 8, 0, 0),
	            LINUX_EFAULT, "statfs unmapped");
	env_down();
}
END_TEST

START_TEST(test_getpath)
{
	char path[64];
	uint64_t h;

	env_up(ENV_DISK);
	ck_assert_int_eq(xgetpath(ROOT, path, sizeof(path)), 2);
	ck_assert_str_eq(path, "/");
	h = hopen("/dir/sub/", LINUX_O_RDONLY, 0);
	ck_assert_int_eq(xgetpath(h, path, sizeof(path)), 9);
	ck_assert_str_eq(path, "/dir/sub");
	ck_assert_int_eq(xgetpath(h, path, 9), 9);
	check_errno(xgetpath(h, path, 8), LINUX_ERANGE, "too small");
	check_errno(xgetpath(h, path, 0), LINUX_ERANGE, "zero");
	check_errno(req(NANVIX_FS_GETPATH, h, UBASE + HOLE_OFF, 64, 0, 0), LINUX_EFAULT,
	            "unmapped");
	check_errno(req(NANVIX_FS_GETPATH, h, UBASE + ARENA_SIZE - 4, 64, 0, 0), LINUX_EFAULT,
	            "across the end");
	hclose(h);
	check_errno(xgetpath(h, path, sizeof(path)), LINUX_EBADF, "closed");
	env_down();
}
END_TEST

START_TEST(test_erofs)
{
	struct linux_stat st;
	uint64_t h;

	env_up(ENV_DISK);
	check_file("/ro/r.txt", "read only\n");
	check_errno(xopen("/ro/r.txt", LINUX_O_WRONLY, 0), LINUX_EROFS, "O_WRONLY");
	check_errno(xopen("/ro/r.txt", LINUX_O_RDONLY | LINUX_O_TRUNC, 0), LINUX_EROFS, "O_TRUNC");
	check_errno(xopen("/ro/new", LINUX_O_CREAT | LINUX_O_RDONLY, 0644), LINUX_EROFS, "create");
	h = hopen("/ro/r.txt", LINUX_O_CREAT | LINUX_O_RDONLY, 0644); /* exists: not a write */
	check_errno(xwrite(h, "x", 1, 0), LINUX_EBADF, "write");
	check_errno(xtruncate(h, NULL, 0), LINUX_EROFS, "ftruncate");
	check_errno(xchmod(h, NULL, 0777, 0), LINUX_EROFS, "fchmod");
	hclose(h);
	check_errno(xmkdir("/ro/d", 0755), LINUX_EROFS, "mkdir");
	check_errno(xunlink("/ro/r.txt", 0), LINUX_EROFS, "unlink");
	check_errno(xrename("/ro/r.txt", "/ro/s.txt"), LINUX_EROFS, "rename");
	check_errno(xlink("/ro/r.txt", "/ro/s.txt", 0), LINUX_EROFS, "link");
	check_errno(xsymlink("r.txt", "/ro/s"), LINUX_EROFS, "symlink");
	check_errno(xtruncate(ROOT, "/ro/r.txt", 0), LINUX_EROFS, "truncate");
	check_errno(xchmod(ROOT, "/ro/r.txt", 0777, 0), LINUX_EROFS, "chmod");
	check_errno(xutimens("/ro/r.txt", NULL, 0), LINUX_EROFS, "utimens");
	check_errno(xaccess("/ro/r.txt", LINUX_W_OK, 0), LINUX_EROFS, "access W_OK");
	ck_assert_int_eq(xaccess("/ro/r.txt", LINUX_R_OK, 0), 0);
	/* The host symlink in the read-only volume resolves in the guest (the disk). */
	check_file("/ro/esc-rel", DSECRET);
	ck_assert_int_eq(xstat("/ro/r.txt", &st), 0);
	ck_assert_str_eq(host_get(pf("%s/r.txt", env.ro)), "read only\n");
	env_down();
}
END_TEST

START_TEST(test_ro_disk)
{
	uint64_t h;

	env_up(ENV_DISK_RO);
	check_file("/hello.txt", HELLO);
	check_errno(xopen("/hello.txt", LINUX_O_RDWR, 0), LINUX_EROFS, "O_RDWR");
	check_errno(xopen("/new", LINUX_O_CREAT | LINUX_O_WRONLY, 0644), LINUX_EROFS, "create");
	check_errno(xmkdir("/d", 0755), LINUX_EROFS, "mkdir");
	check_errno(xunlink("/hello.txt", 0), LINUX_EROFS, "unlink");
	check_errno(xsymlink("x", "/l"), LINUX_EROFS, "symlink");
	check_errno(xrename("/hello.txt", "/h"), LINUX_EROFS, "rename");
	check_errno(xchmod(ROOT, "/hello.txt", 0600, 0), LINUX_EROFS, "chmod");
	check_errno(xtruncate(ROOT, "/hello.txt", 0), LINUX_EROFS, "truncate");
	h = hopen("/hello.txt", LINUX_O_RDONLY, 0);
	ck_assert_int_eq(req(NANVIX_FS_FSYNC, h, 0, 0, 0, 0), 0);
	hclose(h);
	/* The volume stays writable. */
	put_file("/vol/w", "w");
	ck_assert_int_eq(xunlink("/vol/w", 0), 0);
	ck_assert_uint_eq(env.fb.writes, 0);
	env_down();
}
END_TEST

START_TEST(test_nametoolong)
{
	static char path[NANVIX_FS_PATH_MAX + 16];
	char name[300];
	struct linux_stat st;

	env_up(ENV_DISK);
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = 0;
	name[256] = 0; /* 256 bytes: one too many */
	EACH_MOUNT(r)
	{
		check_errno(xopen(pf("%s/%s", r, name), LINUX_O_CREAT | LINUX_O_WRONLY, 0644),
		            LINUX_ENAMETOOLONG, "create 256");
		check_errno(xstat(pf("%s/%s", r, name), &st), LINUX_ENAMETOOLONG, "stat 256");
		check_errno(xmkdir(pf("%s/%s", r, name), 0755), LINUX_ENAMETOOLONG, "mkdir 256");
		check_errno(xstat(pf("%s/%s/x", r, name), &st), LINUX_ENAMETOOLONG, "mid 256");
		check_errno(xsymlink("x", pf("%s/%s", r, name)), LINUX_ENAMETOOLONG, "symlink 256");
		name[255] = 0;
		put_file(pf("%s/%s", r, name), "255");
		check_file(pf("%s/%s", r, name), "255");
		ck_assert_int_eq(xunlink(pf("%s/%s", r, name), 0), 0);
		name[255] = 'n';
	}
	/* Whole paths: 4095 bytes and a NUL is the most. */
	memset(path, '/', sizeof(path));
	path[NANVIX_FS_PATH_MAX - 10] = 0;
	strcpy(path + NANVIX_FS_PATH_MAX - 10, "hello.txt"); /* 4095 bytes */
	ck_assert_uint_eq(strlen(path), NANVIX_FS_PATH_MAX - 1);
	check_file(path, HELLO);
	memmove(path + 1, path, strlen(path) + 1); /* 4096 */
	check_errno(xopen(path, LINUX_O_RDONLY, 0), LINUX_ENAMETOOLONG, "4096 bytes");
	check_errno(xstat(path, &st), LINUX_ENAMETOOLONG, "stat 4096 bytes");
	check_errno(xmkdir(path, 0755), LINUX_ENAMETOOLONG, "mkdir 4096 bytes");
	check_errno(xsymlink(path, "/l"), LINUX_ENAMETOOLONG, "symlink target 4096 bytes");
	/* A link whose target plus the rest is too long (ext2 1 KiB blocks: targets < 1024). */
	memset(path, 'a', 1000);
	path[0] = '/';
	path[1000] = 0;
	ck_assert_int_eq(xsymlink(path, "/longl"), 0);
	strcpy(path, "/longl");
	memset(path + 6, '/', 3200);
	strcpy(path + 3206, "x");
	check_errno(xstat(path, &st), LINUX_ENAMETOOLONG, "spliced too long");
	ck_assert_int_eq(xunlink("/longl", 0), 0);
	env_down();
}
END_TEST

START_TEST(test_containment)
{
	static const char *const reads[] = {
		"/vol/esc-rel",
		"/vol/esc-abs",
		"/vol/etc-link",
		"/vol/hostroot/secret",
		"/vol/up/secret",
		"/vol/outdir/secret",
		"/vol/proc",
		"/vol/../secret",
		"/vol/sub/../../secret",
		"/vol/../../secret",
		"/vol/../../../../../../../secret",
		"/vol/up/up/up/secret",
		"/vol/hostroot/tmp",
		"/vol/esc-rel/",
		"/ro/esc-rel",
	};
	char path[NANVIX_FS_PATH_MAX];
	struct linux_stat st;
	uint64_t d;

	env_up(ENV_DISK);
	/* Every read: the disk's file or an error, never the host's. */
	for (size_t i = 0; i < sizeof(reads) / sizeof(reads[0]); i++) {
		int64_t err;
		const char *got = get_file(reads[i], &err);

		ck_assert_msg(!got || !strstr(got, "HOST SECRET"), "%s reached the host", reads[i]);
	}
	check_file("/vol/esc-rel", DSECRET);
	check_file("/vol/etc-link", DPASSWD);
	check_file("/vol/hostroot/etc/passwd", DPASSWD);
	check_file("/vol/up/secret", DSECRET);
	check_errno(xopen("/vol/esc-abs", LINUX_O_RDONLY, 0), LINUX_ENOENT, "host absolute path");
	check_errno(xopen("/vol/outdir/secret", LINUX_O_RDONLY, 0), LINUX_ENOENT, "host dir link");
	check_errno(xopen("/vol/proc", LINUX_O_RDONLY, 0), LINUX_ENOENT, "/proc link");
	check_errno(xopen(env.marker, LINUX_O_RDONLY, 0), LINUX_ENOENT, "host path");

	/* Relative to a volume handle: ".." leaves into the disk, never the host. */
	d = hopen("/vol/sub", LINUX_O_RDONLY, 0);
	for (int up = 1; up < 12; up++) {
		char rel[128] = "";
		int64_t h;

		for (int i = 0; i < up; i++)
			strcat(rel, "../");
		strcat(rel, "secret");
		h = xopen_at(d, rel, LINUX_O_RDWR, 0);
		if (up == 1) {
			check_errno(h, LINUX_ENOENT, rel);
			continue;
		}
		ck_assert_msg(h > 0, "%s: %lld", rel, (long long)h);
		ck_assert_int_eq(xgetpath((uint64_t)h, path, sizeof(path)), 8);
		ck_assert_str_eq(path, "/secret");
		hclose((uint64_t)h);
	}
	hclose(d);

	/* Writes through every escape the guest can build: all land in the guest. */
	host_symlink("../secret", "/vol/g-rel");
	host_symlink(env.marker, "/vol/g-abs");
	host_symlink(pf("/proc/self/root%s", env.marker), "/vol/g-proc");
	host_symlink("/proc/self/cwd/../secret", "/vol/g-cwd");
	host_symlink("..", "/vol/g-up");
	host_symlink("../../../../..", "/vol/sub/g-up5");
	static const char *const writes[] = {
		"/vol/g-rel",           "/vol/g-abs",
		"/vol/g-proc",          "/vol/g-cwd",
		"/vol/g-up/secret",     "/vol/sub/g-up5/secret",
		"/vol/esc-rel",         "/vol/esc-abs",
		"/vol/outdir/secret",   "/vol/up/up/secret",
		"/vol/hostroot/secret", "/vol/proc",
		"/vol/../secret",       "/vol/sub/../../secret",
	};
	for (size_t i = 0; i < sizeof(writes) / sizeof(writes[0]); i++) {
		int64_t h = xopen(writes[i], LINUX_O_WRONLY | LINUX_O_TRUNC, 0);

		if (h > 0) {
			ck_assert_int_eq(xwrite((uint64_t)h, "pwned", 5, 0), 5);
			hclose((uint64_t)h);
		}
		xtruncate(ROOT, writes[i], 1);
		xchmod(ROOT, writes[i], 0777, 0);
		xchmod(ROOT, writes[i], 0777, LINUX_AT_SYMLINK_NOFOLLOW);
		xutimens(writes[i], NULL, 0);
		xutimens(writes[i], NULL, LINUX_AT_SYMLINK_NOFOLLOW);
		xlink(writes[i], "/vol/hard", LINUX_AT_SYMLINK_FOLLOW);
		xunlink("/vol/hard", 0);
		xopen(pf("%s/new", writes[i]), LINUX_O_CREAT | LINUX_O_WRONLY, 0644);
		xmkdir(pf("%s/newd", writes[i]), 0755);
		check_marker();
	}
	/* Creating through links to directories outside: ENOENT, nothing on the host. */
	check_errno(xopen("/vol/outdir/new", LINUX_O_CREAT | LINUX_O_WRONLY, 0644), LINUX_ENOENT,
	            "create via a host dir link");
	check_errno(xmkdir("/vol/outdir/newd", 0755), LINUX_ENOENT, "mkdir via a host dir link");
	check_errno(xsymlink("x", "/vol/outdir/newl"), LINUX_ENOENT, "symlink via a host dir link");
	check_errno(xrename("/vol/v.txt", "/vol/outdir/v.txt"), LINUX_ENOENT, "rename out");
	/* The mount point itself. */
	ck_assert_int_lt(xunlink("/vol", 0), 0); /* EBUSY; Linux: EISDIR */
	check_errno(xunlink("/vol", LINUX_AT_REMOVEDIR), LINUX_EBUSY, "rmdir /vol");
	check_errno(xunlink("/vol/..", LINUX_AT_REMOVEDIR), LINUX_ENOTEMPTY, "rmdir /vol/..");
	check_errno(xmkdir("/vol", 0755), LINUX_EEXIST, "mkdir /vol");
	check_errno(xsymlink("/", "/vol"), LINUX_EEXIST, "symlink /vol");
	check_errno(xrename("/vol", "/v2"), LINUX_EBUSY, "rename /vol");
	check_errno(xrename("/vol/.", "/v2"), LINUX_EBUSY, "rename /vol/.");
	check_errno(xrename("/vol/..", "/v2"), LINUX_EBUSY, "rename /vol/..");
	/* The host path of the marker, built on the guest's disk: the volume's
	 * absolute host link now finds the guest's file, still not the host's. */
	{
		char dirs[128], *p = dirs;

		strcpy(dirs, env.t);
		while ((p = strchr(p + 1, '/'))) {
			*p = 0;
			ck_assert_int_eq(xmkdir(dirs, 0755), 0);
			*p = '/';
		}
		ck_assert_int_eq(xmkdir(dirs, 0755), 0);
		put_file(env.marker, "the guest's own file\n");
		check_file("/vol/esc-abs", "the guest's own file\n");
		check_file("/vol/outdir/secret", "the guest's own file\n");
		check_errno(xopen("/vol/proc", LINUX_O_RDONLY, 0), LINUX_ENOENT, "no /proc");
	}
	/* What the guest wrote is on the disk, where it belongs. */
	ck_assert_int_eq(xstat("/secret", &st), 0);
	ck_assert_int_eq(xstat("/vol/v.txt", &st), 0);
	ck_assert_str_eq(host_get(pf("%s/v.txt", env.vol)), "volume file\n");
	check_marker();
	env_down();
}
END_TEST

START_TEST(test_hostile)
{
	static const uint64_t bad[] = {
		0, 2, 500, FS_HANDLES_MAX, FS_HANDLES_MAX + 1, UINT32_MAX, UINT64_MAX, 1ull << 63
	};
	struct linux_stat st;
	uint64_t h;
	char buf[16];

	env_up(ENV_DISK);
	/* Bad handles, in every call that takes one. */
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t b = bad[i], ua = ualloc(256);

		check_errno(xclose(b), LINUX_EBADF, "close");
		check_errno(req(NANVIX_FS_READ, b, ua, 16, 0, 0), LINUX_EBADF, "read");
		check_errno(req(NANVIX_FS_WRITE, b, ua, 16, 0, 0), LINUX_EBADF, "write");
		check_errno(req(NANVIX_FS_PREAD, b, ua, 16, 0, 0), LINUX_EBADF, "pread");
		check_errno(req(NANVIX_FS_PWRITE, b, ua, 16, 0, 0), LINUX_EBADF, "pwrite");
		check_errno(xlseek(b, 0, 0), LINUX_EBADF, "lseek");
		check_errno(xstat_at(b, NULL, 0, &st), LINUX_EBADF, "fstat");
		check_errno(xstat_at(b, "x", 0, &st), LINUX_EBADF, "fstatat");
		check_errno(req(NANVIX_FS_GETDENTS, b, ua, 256, 0, 0), LINUX_EBADF, "getdents");
		check_errno(req(NANVIX_FS_FSYNC, b, 0, 0, 0, 0), LINUX_EBADF, "fsync");
		check_errno(req(NANVIX_FS_GETPATH, b, ua, 256, 0, 0), LINUX_EBADF, "getpath");
		check_errno(xopen_at(b, "hello.txt", 0, 0), LINUX_EBADF, "openat");
		check_errno(req(NANVIX_FS_MKDIR, b, ustr("d"), 0755, 0, 0), LINUX_EBADF, "mkdirat");
		check_errno(req(NANVIX_FS_UNLINK, b, ustr("hello.txt"), 0, 0, 0), LINUX_EBADF,
		            "unlinkat");
		check_errno(req(NANVIX_FS_RENAME, b, ustr("hello.txt"), ROOT, ustr("x"), 0),
		            LINUX_EBADF, "renameat old");
		check_errno(req(NANVIX_FS_RENAME, ROOT, ustr("hello.txt"), b, ustr("x"), 0),
		            LINUX_EBADF, "renameat new");
		check_errno(req(NANVIX_FS_LINK, ROOT, ustr("hello.txt"), b, ustr("x"), 0),
		            LINUX_EBADF, "linkat");
		check_errno(req(NANVIX_FS_SYMLINK, b, ustr("l"), ustr("x"), 0, 0), LINUX_EBADF,
		            "symlinkat");
		check_errno(req(NANVIX_FS_READLINK, b, ustr("l"), ua, 16, 0), LINUX_EBADF,
		            "readlinkat");
		check_errno(xtruncate(b, NULL, 0), LINUX_EBADF, "ftruncate");
		check_errno(xchmod(b, NULL, 0, 0), LINUX_EBADF, "fchmod");
		check_errno(req(NANVIX_FS_UTIMENS, b, 0, 0, 0, 0), LINUX_EBADF, "futimens");
		check_errno(req(NANVIX_FS_ACCESS, b, ustr("x"), 0, 0, 0), LINUX_EBADF, "faccessat");
		check_errno(req(NANVIX_FS_STATFS, b, 0, ua, 0, 0), LINUX_EBADF, "fstatfs");
	}
	check_errno(xclose(ROOT), LINUX_EBADF, "close the root");
	ck_assert_int_eq(xstat("/hello.txt", &st), 0);

	/* Wrong opcodes. */
	static const uint16_t ops[] = { NANVIX_RING_NOP,
		                        NANVIX_RING_SUM,
		                        NANVIX_BLK_READ,
		                        NANVIX_BLK_WRITE,
		                        NANVIX_BLK_FLUSH,
		                        NANVIX_RING_OP_COUNT,
		                        200,
		                        0xffff };
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		check_errno(req(ops[i], ROOT, 0, 0, 0, 0), LINUX_EINVAL, "opcode");

	/* Unmapped and hostile pointers. */
	static const uint64_t ptrs[] = { 0,
		                         1,
		                         UBASE - 1,
		                         UBASE + HOLE_OFF,
		                         UBASE + HOLE_OFF + 4095,
		                         UBASE + ARENA_SIZE,
		                         UINT64_MAX,
		                         UINT64_MAX - 2 };
	h = hopen("/hello.txt", LINUX_O_RDWR, 0);
	for (size_t i = 0; i < sizeof(ptrs) / sizeof(ptrs[0]); i++) {
		uint64_t p = ptrs[i];

		check_errno(req(NANVIX_FS_OPEN, ROOT, p, 0, 0, 0), LINUX_EFAULT, "open path");
		check_errno(req(NANVIX_FS_FSTATAT, ROOT, ustr("/"), p, 0, 0), LINUX_EFAULT,
		            "stat buf");
		check_errno(req(NANVIX_FS_STATX, ROOT, ustr("/"), 0, 0x7ff, p), LINUX_EFAULT,
		            "statx buf");
		check_errno(req(NANVIX_FS_MKDIR, ROOT, p, 0755, 0, 0), LINUX_EFAULT, "mkdir");
		check_errno(req(NANVIX_FS_UNLINK, ROOT, p, 0, 0, 0), LINUX_EFAULT, "unlink");
		check_errno(req(NANVIX_FS_RENAME, ROOT, p, ROOT, ustr("/x"), 0), LINUX_EFAULT,
		            "rename old");
		check_errno(req(NANVIX_FS_RENAME, ROOT, ustr("/hello.txt"), ROOT, p, 0),
		            LINUX_EFAULT, "rename new");
		check_errno(req(NANVIX_FS_LINK, ROOT, ustr("/hello.txt"), ROOT, p, 0), LINUX_EFAULT,
		            "link new");
		check_errno(req(NANVIX_FS_SYMLINK, ROOT, ustr("/l"), p, 0, 0), LINUX_EFAULT,
		            "symlink target");
		check_errno(req(NANVIX_FS_STATFS, ROOT, ustr("/"), p, 0, 0), LINUX_EFAULT,
		            "statfs");
		if (p == 0)
			continue; /* buffer 0 is just another unmapped address below */
		/* Path 0 means the handle itself in these. */
		check_errno(req(NANVIX_FS_FSTATAT, ROOT, p, ualloc(200), 0, 0), LINUX_EFAULT,
		            "stat");
		check_errno(req(NANVIX_FS_READLINK, ROOT, p, ualloc(16), 16, 0), LINUX_EFAULT,
		            "readlink path");
		check_errno(req(NANVIX_FS_ACCESS, ROOT, p, 0, 0, 0), LINUX_EFAULT, "access");
		check_errno(req(NANVIX_FS_TRUNCATE, ROOT, p, 0, 0, 0), LINUX_EFAULT, "truncate");
		check_errno(req(NANVIX_FS_CHMOD, ROOT, p, 0644, 0, 0), LINUX_EFAULT, "chmod");
		check_errno(req(NANVIX_FS_PREAD, h, p, 4, 0, 0), LINUX_EFAULT, "pread buf");
		check_errno(req(NANVIX_FS_PWRITE, h, p, 4, 0, 0), LINUX_EFAULT, "pwrite buf");
		check_errno(req(NANVIX_FS_WRITE, h, p, 4, 0, 0), LINUX_EFAULT, "write buf");
		check_errno(req(NANVIX_FS_READ, h, p, 4, 0, 0), LINUX_EFAULT, "read buf");
	}
	/* A failed read or write moved nothing. */
	ck_assert_int_eq(xlseek(h, 0, LINUX_SEEK_CUR), 0);
	check_file("/hello.txt", HELLO);

	/* Unterminated paths running into the end of the arena, and into the hole. */
	memset(arena + ARENA_SIZE - 100, 'a', 100);
	check_errno(req(NANVIX_FS_OPEN, ROOT, UBASE + ARENA_SIZE - 100, 0, 0, 0), LINUX_EFAULT,
	            "unterminated at the end");
	memset(arena + ARENA_SIZE - 5000, 'a', 5000);
	check_errno(req(NANVIX_FS_STATFS, ROOT, UBASE + ARENA_SIZE - 5000, ualloc(128), 0, 0),
	            LINUX_ENAMETOOLONG, "unterminated, longer than PATH_MAX");
	memset(arena + HOLE_OFF - 50, 'b', 50);
	check_errno(req(NANVIX_FS_MKDIR, ROOT, UBASE + HOLE_OFF - 50, 0755, 0, 0), LINUX_EFAULT,
	            "unterminated into the hole");
	memset(arena + HOLE_OFF - 50, 0, 50);

	/* Lengths near UINT64_MAX and offsets that are negative. */
	{
		uint64_t ua = ualloc(64);
		int64_t n;

		n = req(NANVIX_FS_PREAD, h, ua, UINT64_MAX, 0, 0);
		ck_assert_int_eq(n, (int64_t)strlen(HELLO)); /* short file: stops at its end */
		n = req(NANVIX_FS_READ, h, UBASE + ARENA_SIZE - 4, UINT64_MAX, 0, 0);
		ck_assert_int_eq(n, -LINUX_EFAULT);
		n = req(NANVIX_FS_PWRITE, h, UBASE + ARENA_SIZE - 8192, UINT64_MAX, 0, 0);
		ck_assert(n == -LINUX_EFAULT || (n >= 0 && n <= 8192)); /* never past the end */
		n = req(NANVIX_FS_PWRITE, h, UINT64_MAX - 16, 32, 0, 0);
		check_errno(n, LINUX_EFAULT, "buffer wrapping around");
		check_errno(req(NANVIX_FS_PREAD, h, ua, 4, UINT64_MAX, 0), LINUX_EINVAL,
		            "pread -1");
		check_errno(req(NANVIX_FS_PWRITE, h, ua, 4, (uint64_t)INT64_MIN, 0), LINUX_EINVAL,
		            "pwrite INT64_MIN");
		n = req(NANVIX_FS_PWRITE, h, ua, 4, INT64_MAX - 2, 0);
		ck_assert_int_lt(n, 0); /* EFBIG or EINVAL, never a wrap */
		n = req(NANVIX_FS_PREAD, h, ua, 4, INT64_MAX - 2, 0);
		ck_assert_int_eq(n, 0);
		n = req(NANVIX_FS_READLINK, ROOT, ustr("/vol/esc-rel"), ua, UINT64_MAX, 0);
		ck_assert_int_eq(n, 9);
		n = req(NANVIX_FS_GETPATH, ROOT, ua, UINT64_MAX, 0, 0);
		ck_assert_int_eq(n, 2);
		n = req(NANVIX_FS_GETDENTS, ROOT, UBASE + ARENA_SIZE - 65536, UINT64_MAX, 0, 0);
		ck_assert_int_gt(n, 0);
		ck_assert_int_eq(xlseek(ROOT, 0, LINUX_SEEK_SET), 0);
		check_errno(xtruncate(h, NULL, INT64_MIN), LINUX_EINVAL, "ftruncate negative");
		ck_assert_int_lt(xtruncate(h, NULL, INT64_MAX), 0);
		check_errno(xlseek(h, INT64_MIN, LINUX_SEEK_SET), LINUX_EINVAL, "lseek INT64_MIN");
		check_errno(xlseek(h, INT64_MIN, LINUX_SEEK_END), LINUX_EINVAL, "lseek END-MIN");
	}
	hclose(h);

	/* Open flags and modes that are nonsense. */
	{
		int64_t r = xopen("/hello.txt", ~0 & ~LINUX_O_CREAT, ~0u);

		ck_assert_int_lt(r, 0);
		r = xopen("/garbage", -1, ~0u);
		ck_assert_int_lt(r, 0);
		r = req(NANVIX_FS_OPEN, ROOT, ustr("/garbage2"), UINT64_MAX & ~3ull, UINT64_MAX, 0);
		if (r > 0)
			hclose((uint64_t)r);
	}

	/* AT_* flag garbage: rejected or ignored, never misread. */
	check_errno(xunlink("/hello.txt", 0x100), LINUX_EINVAL, "unlink AT_SYMLINK_NOFOLLOW");
	check_errno(xlink("/hello.txt", "/h2", ~0ull), LINUX_EINVAL, "link ~0");
	{
		static const uint64_t fl[] = { ~0ull, 0x80000000ull, 0xffff, 1ull << 40, 0x1 };

		for (size_t i = 0; i < sizeof(fl) / sizeof(fl[0]); i++) {
			int64_t r;

			r = xstat_at(ROOT, "/hello.txt", fl[i], &st);
			ck_assert(r == 0 || r == -LINUX_EINVAL);
			r = xaccess("/hello.txt", LINUX_R_OK, fl[i]);
			ck_assert(r == 0 || r == -LINUX_EINVAL);
			r = xchmod(ROOT, "/hello.txt", 0644, fl[i]);
			ck_assert(r == 0 || r == -LINUX_EINVAL || r == -LINUX_EOPNOTSUPP);
			r = xutimens("/hello.txt", NULL, fl[i]);
			ck_assert(r == 0 || r == -LINUX_EINVAL);
			r = req(NANVIX_FS_STATX, ROOT, ustr("/hello.txt"), fl[i], UINT64_MAX,
			        ualloc(256));
			ck_assert(r == 0 || r == -LINUX_EINVAL);
		}
	}
	check_errno(xaccess("/hello.txt", UINT64_MAX, 0), LINUX_EINVAL, "access mode ~0");
	ck_assert_int_eq(xchmod(ROOT, "/hello.txt", UINT64_MAX, 0), 0); /* 07777 of it */
	ck_assert_int_eq(xstat("/hello.txt", &st), 0);
	ck_assert_uint_eq(st.st_mode, LINUX_S_IFREG | 07777);
	ck_assert_int_eq(xchmod(ROOT, "/hello.txt", 0644, 0), 0);
	ck_assert_int_eq(xstat("/", &st), 0);
	(void)buf;
	env_down();
}
END_TEST

START_TEST(test_handles)
{
	static uint64_t hs[FS_HANDLES_MAX];
	struct fs_service_stats st;
	int fds, passes;

	/* Pass 1 holds a host fd per handle: lift the soft limit (often 1024). */
	{
		struct rlimit rl;

		ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
		if (rl.rlim_cur < 2 * FS_HANDLES_MAX && rl.rlim_max > rl.rlim_cur) {
			rl.rlim_cur =
			        rl.rlim_max < 2 * FS_HANDLES_MAX ? rl.rlim_max : 2 * FS_HANDLES_MAX;
			ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
		}
		passes = rl.rlim_cur >= FS_HANDLES_MAX + 64 ? 2 : 1;
	}
	env_up(ENV_DISK);
	for (int pass = 0; pass < passes; pass++) {
		const char *path = pass ? "/vol/v.txt" : "/hello.txt";
		int n = 0;
		int64_t rc;

		fds = count_fds();
		for (;;) {
			rc = xopen(path, LINUX_O_RDONLY, 0);
			if (rc < 0)
				break;
			ck_assert_int_lt(n, FS_HANDLES_MAX);
			hs[n++] = (uint64_t)rc;
		}
		check_errno(rc, LINUX_ENFILE, "table full");
		ck_assert_int_eq(n, FS_HANDLES_MAX - 1); /* the root holds one */
		fs_service_stats(env.s, &st);
		ck_assert_uint_eq(st.handles_open, FS_HANDLES_MAX);
		ck_assert_uint_eq(st.handles_max, FS_HANDLES_MAX);
		check_errno(xopen("/", LINUX_O_RDONLY, 0), LINUX_ENFILE, "dir too");
		check_errno(xopen("/vol", LINUX_O_RDONLY, 0), LINUX_ENFILE, "mount point too");
		/* Other calls still work. */
		{
			struct linux_stat s;

			ck_assert_int_eq(xstat(path, &s), 0);
		}
		hclose(hs[n / 2]);
		hs[n / 2] = hopen(path, LINUX_O_RDONLY, 0);
		for (int i = 0; i < n; i++)
			hclose(hs[i]);
		fs_service_stats(env.s, &st);
		ck_assert_uint_eq(st.handles_open, 1);
		ck_assert_int_eq(count_fds(), fds);
	}
	env_down();
}
END_TEST

/* A FIFO or socket the host left in a volume never blocks the service. */
START_TEST(test_special_files)
{
	char buf[8];
	int64_t h;

	env_up(ENV_DISK);
	ck_assert_int_eq(mkfifo(pf("%s/fifo", env.vol), 0666), 0);
	h = xopen("/vol/fifo", LINUX_O_RDONLY, 0);
	if (h > 0) {
		ck_assert_int_le(xread((uint64_t)h, buf, sizeof(buf)), 0);
		hclose((uint64_t)h);
	}
	h = xopen("/vol/fifo", LINUX_O_WRONLY, 0);
	if (h > 0) {
		ck_assert_int_le(xwrite((uint64_t)h, "x", 1, 0), 1);
		hclose((uint64_t)h);
	}
	h = xopen("/vol/fifo", LINUX_O_RDWR, 0);
	if (h > 0)
		hclose((uint64_t)h);
	ck_assert_int_eq(unlink(pf("%s/fifo", env.vol)), 0);
	env_down();
}
END_TEST

START_TEST(test_unlinked_open)
{
	char buf[16];

	env_up(ENV_DISK);
	EACH_MOUNT(r)
	{
		uint64_t h;

		put_file(pf("%s/u", r), "still here");
		h = hopen(pf("%s/u", r), LINUX_O_RDWR, 0);
		ck_assert_int_eq(xunlink(pf("%s/u", r), 0), 0);
		ck_assert_int_eq(xread(h, buf, sizeof(buf)), 10);
		ck_assert_mem_eq(buf, "still here", 10);
		ck_assert_int_eq(xpwrite(h, "more", 4, 10), 4);
		hclose(h);
		check_errno(xopen(pf("%s/u", r), LINUX_O_RDONLY, 0), LINUX_ENOENT, "unlinked");
	}
	/* An unlinked file still open when the service goes (freed at unmount). */
	put_file("/u2", "x");
	hopen("/u2", LINUX_O_RDONLY, 0);
	ck_assert_int_eq(xunlink("/u2", 0), 0);
	env_down();
}
END_TEST

START_TEST(test_no_disk)
{
	static char names[64][EXT2_NAME_MAX + 1];
	uint8_t types[64];
	struct linux_stat st;
	uint64_t h;
	int n;

	env_up(0);
	h = hopen("/", LINUX_O_RDONLY, 0);
	n = list_dir(h, 4096, names, types, 64);
	ck_assert_int_eq(n, 4);
	ck_assert_int_ge(find_name(names, n, "vol"), 0);
	ck_assert_int_ge(find_name(names, n, "ro"), 0);
	hclose(h);
	check_file("/vol/v.txt", "volume file\n");
	check_file("/vol/../ro/r.txt", "read only\n");
	check_file("/../../vol/sub/inner.txt", "inner\n");
	check_errno(xopen("/new", LINUX_O_CREAT | LINUX_O_WRONLY, 0644), LINUX_EROFS,
	            "create /new");
	check_errno(xmkdir("/d", 0755), LINUX_EROFS, "mkdir /d");
	check_errno(xopen("/vol/esc-rel", LINUX_O_RDONLY, 0), LINUX_ENOENT, "escape");
	check_errno(xopen("/vol/etc-link", LINUX_O_RDONLY, 0), LINUX_ENOENT, "escape");
	check_errno(xstat("/nope", &st), LINUX_ENOENT, "stat /nope");
	ck_assert_int_eq(xstat("/", &st), 0);
	ck_assert_uint_eq(st.st_mode & LINUX_S_IFMT, LINUX_S_IFDIR);
	check_errno(xrename("/vol/v.txt", "/ro/v.txt"), LINUX_EXDEV, "between volumes");
	env_down();
}
END_TEST

START_TEST(test_volume_root)
{
	char path[64];
	uint64_t h;

	env_up(ENV_VOLROOT);
	check_file("/v.txt", "volume file\n");
	check_file("/../../v.txt", "volume file\n");
	check_file("/sub/../../sub/inner.txt", "inner\n");
	check_errno(xopen("/esc-rel", LINUX_O_RDONLY, 0), LINUX_ENOENT, "../secret at the root");
	check_errno(xopen("/esc-abs", LINUX_O_RDONLY, 0), LINUX_ENOENT, "host path");
	check_errno(xopen("/up/up/secret", LINUX_O_RDONLY, 0), LINUX_ENOENT, "up");
	check_file("/hostroot/up/v.txt", "volume file\n");
	h = hopen("/up/up/..", LINUX_O_RDONLY, 0);
	ck_assert_int_eq(xgetpath(h, path, sizeof(path)), 2);
	hclose(h);
	put_file("/up/../created", "c");
	ck_assert_str_eq(host_get(pf("%s/created", env.vol)), "c");
	ck_assert_int_eq(xunlink("/created", 0), 0);
	check_errno(xunlink("/", LINUX_AT_REMOVEDIR), LINUX_EBUSY, "rmdir /");
	check_errno(xrename("/v.txt", "/.."), LINUX_EEXIST, "rename onto ..");
	env_down();
}
END_TEST

/* The guest's symlinks in a volume stay inside it (host tools follow them). */
START_TEST(test_volume_symlinks)
{
	static const struct {
		const char *target, *path;
	} refused[] = {
		{ "/etc", "/vol/x" },
		{ "/", "/vol/x" },
		{ "/vol/v.txt", "/vol/x" },
		{ "..", "/vol/x" },
		{ "../secret", "/vol/x" },
		{ "./../x", "/vol/x" },
		{ "sub/../../x", "/vol/x" },
		{ "sub/../v.txt", "/vol/x" },
		{ "../../secret", "/vol/sub/x" },
		{ "../..", "/vol/sub/x" },
		{ "..//..", "/vol/sub/x" },
		{ "../../vol/v.txt", "/tovoldir/x" },
	};
	static const struct {
		const char *target, *path, *reads;
	} allowed[] = {
		{ "v.txt", "/vol/l1", "volume file\n" },
		{ "./sub//inner.txt", "/vol/l2", "inner\n" },
		{ "../v.txt", "/vol/sub/l3", "volume file\n" },
		{ "../sub/./inner.txt", "/vol/sub/l4", "inner\n" },
		{ "../v.txt", "/tovoldir/l5", "volume file\n" },
		{ "missing", "/vol/l6", NULL },
	};
	char buf[64];
	struct stat st;

	env_up(ENV_DISK);
	ck_assert_int_eq(xsymlink("vol/sub", "/tovoldir"), 0);
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		const char *host =
		        pf("%s%s", env.vol,
		           strcmp(refused[i].path, "/tovoldir/x") == 0 ? "/sub/x"
		                                                       : refused[i].path + 4);

		check_errno(xsymlink(refused[i].target, refused[i].path), LINUX_EPERM,
		            pf("%s -> %s", refused[i].path, refused[i].target));
		ck_assert_int_ne(lstat(host, &st), 0);
	}
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
		const char *host = pf("%s%s", env.vol,
		                      strncmp(allowed[i].path, "/tovoldir/", 10) == 0
		                              ? pf("/sub/%s", allowed[i].path + 10)
		                              : allowed[i].path + 4);
		ssize_t n;

		ck_assert_int_eq(xsymlink(allowed[i].target, allowed[i].path), 0);
		n = readlink(host, buf, sizeof(buf) - 1);
		ck_assert_int_eq(n, (ssize_t)strlen(allowed[i].target));
		buf[n] = 0;
		ck_assert_str_eq(buf, allowed[i].target);
		if (allowed[i].reads)
			check_file(allowed[i].path, allowed[i].reads);
		ck_assert_int_eq(xunlink(allowed[i].path, 0), 0);
	}
	/* A read-only volume says EROFS first; the disk takes any target. */
	check_errno(xsymlink("/etc", "/ro/x"), LINUX_EROFS, "ro volume");
	ck_assert_int_eq(xsymlink("/etc", "/abs-on-disk"), 0);
	ck_assert_int_eq(xsymlink("../../..", "/dir/sub/up-on-disk"), 0);
	ck_assert_int_eq(xunlink("/abs-on-disk", 0), 0);
	ck_assert_int_eq(xunlink("/dir/sub/up-on-disk", 0), 0);
	ck_assert_int_eq(xunlink("/tovoldir", 0), 0);
	env_down();

	/* A volume at "/": its root is the top. */
	env_up(ENV_VOLROOT);
	check_errno(xsymlink("/v.txt", "/x"), LINUX_EPERM, "absolute at /");
	check_errno(xsymlink("..", "/x"), LINUX_EPERM, ".. at /");
	ck_assert_int_eq(xsymlink("..", "/sub/x"), 0);
	ck_assert_int_eq(xunlink("/sub/x", 0), 0);
	env_down();
}
END_TEST

/* Mount points whose parents do not exist get synthetic read-only parents. */
START_TEST(test_volume_parents)
{
	static char names[64][EXT2_NAME_MAX + 1];
	uint8_t types[64];
	struct linux_stat st;
	struct stat hst;
	char err[256];
	uint64_t h;
	int n;

	env_up(ENV_DISK);
	ck_assert_msg(fs_service_mount_volume(env.s, "/deep/er/mnt", pf("%s/sub", env.vol), 0, err,
	                                      sizeof(err)) == 0,
	              "deep: %s", err);
	/* A parent on the disk is used as it is; one inside a volume is synthetic. */
	ck_assert_msg(fs_service_mount_volume(env.s, "/dir/sub/m2", env.ro, 1, err, sizeof(err)) ==
	                      0,
	              "m2: %s", err);
	ck_assert_msg(
	        fs_service_mount_volume(env.s, "/vol/nothere/m3", env.ro, 1, err, sizeof(err)) == 0,
	        "m3: %s", err);
	/* Mounted below first, then at the synthetic parent itself: it gives way. */
	ck_assert_msg(fs_service_mount_volume(env.s, "/p/q", env.ro, 1, err, sizeof(err)) == 0,
	              "p/q: %s", err);
	ck_assert_msg(fs_service_mount_volume(env.s, "/p", pf("%s/sub", env.vol), 0, err,
	                                      sizeof(err)) == 0,
	              "p: %s", err);
	/* A parent that is a file: a clear error. */
	ck_assert_int_eq(
	        fs_service_mount_volume(env.s, "/hello.txt/m", env.ro, 1, err, sizeof(err)),
	        -LINUX_ENOTDIR);
	ck_assert_msg(strstr(err, "not a directory"), "%s", err);

	check_file("/deep/er/mnt/inner.txt", "inner\n");
	check_file("/deep/../deep/er/./mnt/inner.txt", "inner\n");
	check_file("/dir/sub/m2/r.txt", "read only\n");
	check_file("/dir/sub/deep.txt", "deep\n");
	check_file("/vol/nothere/m3/r.txt", "read only\n");
	check_file("/p/inner.txt", "inner\n");
	check_file("/p/q/r.txt", "read only\n");
	ck_assert_int_eq(xstat("/deep/er", &st), 0);
	ck_assert_uint_eq(st.st_mode & LINUX_S_IFMT, LINUX_S_IFDIR);
	h = hopen("/deep", LINUX_O_RDONLY, 0);
	n = list_dir(h, 4096, names, types, 64);
	ck_assert_int_eq(n, 3);
	ck_assert_int_ge(find_name(names, n, "er"), 0);
	hclose(h);
	h = hopen("/deep/er", LINUX_O_RDONLY, 0);
	n = list_dir(h, 4096, names, types, 64);
	ck_assert_int_eq(n, 3);
	ck_assert_int_ge(find_name(names, n, "mnt"), 0);
	hclose(h);
	check_errno(xmkdir("/deep/x", 0755), LINUX_EROFS, "mkdir in a synthetic parent");
	check_errno(xopen("/deep/er/f", LINUX_O_CREAT | LINUX_O_WRONLY, 0644), LINUX_EROFS,
	            "create in a synthetic parent");
	check_errno(xunlink("/deep/er", LINUX_AT_REMOVEDIR), LINUX_EBUSY, "rmdir a parent");
	/* Nothing was made on the host for the parent inside the volume. */
	ck_assert_int_ne(lstat(pf("%s/nothere", env.vol), &hst), 0);
	env_down();

	/* Without a disk: the synthetic root lists the top, each parent its child. */
	env_up(0);
	ck_assert_msg(fs_service_mount_volume(env.s, "/x/y", pf("%s/sub", env.vol), 0, err,
	                                      sizeof(err)) == 0,
	              "x/y: %s", err);
	h = hopen("/", LINUX_O_RDONLY, 0);
	n = list_dir(h, 4096, names, types, 64);
	ck_assert_int_eq(n, 5);
	ck_assert_int_ge(find_name(names, n, "x"), 0);
	hclose(h);
	h = hopen("/x", LINUX_O_RDONLY, 0);
	n = list_dir(h, 4096, names, types, 64);
	ck_assert_int_eq(n, 3);
	ck_assert_int_ge(find_name(names, n, "y"), 0);
	hclose(h);
	check_file("/x/y/inner.txt", "inner\n");
	env_down();
}
END_TEST

/* A single host file as a volume. */
START_TEST(test_volume_file)
{
	static char names[64][EXT2_NAME_MAX + 1];
	uint8_t types[64];
	struct linux_stat st;
	const char *file;
	char err[256];
	uint64_t h;
	int n, i;

	env_up(ENV_DISK);
	file = pf("%s/v.txt", env.vol);
	ck_assert_msg(fs_service_mount_volume(env.s, "/etc/hostsfile", file, 0, err, sizeof(err)) ==
	                      0,
	              "file: %s", err);
	ck_assert_msg(fs_service_mount_volume(env.s, "/newdir/f", file, 1, err, sizeof(err)) == 0,
	              "ro file: %s", err);
	ck_assert_int_eq(
	        fs_service_mount_volume(env.s, "/dev-null", "/dev/null", 0, err, sizeof(err)),
	        -LINUX_ENOTDIR);
	check_file("/etc/hostsfile", "volume file\n");
	check_file("/newdir/f", "volume file\n");
	ck_assert_int_eq(xstat("/etc/hostsfile", &st), 0);
	ck_assert_uint_eq(st.st_mode & LINUX_S_IFMT, LINUX_S_IFREG);
	ck_assert_int_eq(st.st_size, 12);
	/* Writes go to the host file; the read-only mount refuses them. */
	put_file("/etc/hostsfile", "rewritten\n");
	ck_assert_str_eq(host_get(file), "rewritten\n");
	check_file("/newdir/f", "rewritten\n");
	check_errno(xopen("/newdir/f", LINUX_O_WRONLY, 0), LINUX_EROFS, "ro file volume");
	check_errno(xopen("/newdir/f", LINUX_O_RDONLY | LINUX_O_TRUNC, 0), LINUX_EROFS,
	            "ro truncate");
	check_errno(xopen("/etc/hostsfile", LINUX_O_CREAT | LINUX_O_EXCL | LINUX_O_WRONLY, 0644),
	            LINUX_EEXIST, "O_EXCL");
	check_errno(xopen("/etc/hostsfile", LINUX_O_RDONLY | LINUX_O_DIRECTORY, 0), LINUX_ENOTDIR,
	            "O_DIRECTORY");
	check_errno(xopen("/etc/hostsfile/x", LINUX_O_RDONLY, 0), LINUX_ENOTDIR, "below a file");
	check_errno(xunlink("/etc/hostsfile", 0), LINUX_EBUSY, "unlink a mount point");
	check_errno(xrename("/hello.txt", "/etc/hostsfile"), LINUX_EBUSY, "rename onto it");
	/* Through a symlink on the disk. */
	ck_assert_int_eq(xsymlink("/etc/hostsfile", "/tofile"), 0);
	put_file("/tofile", "via link\n");
	ck_assert_str_eq(host_get(file), "via link\n");
	ck_assert_int_eq(xunlink("/tofile", 0), 0);
	/* Listed as a regular file in its synthetic parent. */
	h = hopen("/newdir", LINUX_O_RDONLY, 0);
	n = list_dir(h, 4096, names, types, 64);
	ck_assert_int_eq(n, 3);
	i = find_name(names, n, "f");
	ck_assert_int_ge(i, 0);
	ck_assert_uint_eq(types[i], 8);
	hclose(h);
	host_put(file, "volume file\n");
	env_down();

	/* A file cannot be the root. */
	{
		struct fs_service *s = fs_service_new();

		ck_assert(s);
		ck_assert_int_eq(
		        fs_service_mount_volume(s, "/", "/etc/hostname", 0, err, sizeof(err)),
		        -LINUX_ENOTDIR);
		ck_assert(!fs_service_active(s));
		fs_service_free(s);
	}
}
END_TEST

/* A size-limited volume (the default /tmp): bytes and names as a tmpfs counts them. */
START_TEST(test_volume_limit)
{
	static char big[70000];
	char lim[] = "/tmp/nvfs-limit.XXXXXX", err[256];
	struct linux_statfs f;
	uint64_t h, h2;
	int i, n;

	env_up(ENV_DISK);
	ck_assert(mkdtemp(lim));
	/* Refused: not empty, read-only, not a volume, no size, twice. */
	ck_assert_int_eq(fs_service_limit_volume(env.s, "/vol", 1 << 20, err, sizeof(err)),
	                 -LINUX_ENOTEMPTY);
	ck_assert_msg(strstr(err, "empty"), "%s", err);
	ck_assert_int_eq(fs_service_limit_volume(env.s, "/ro", 1 << 20, err, sizeof(err)),
	                 -LINUX_EROFS);
	ck_assert_int_eq(fs_service_limit_volume(env.s, "/", 1 << 20, err, sizeof(err)),
	                 -LINUX_EINVAL);
	ck_assert_int_eq(fs_service_limit_volume(env.s, "/nowhere", 1 << 20, err, sizeof(err)),
	                 -LINUX_EINVAL);
	ck_assert_int_eq(fs_service_mount_volume(env.s, "/lim", lim, 0, err, sizeof(err)), 0);
	ck_assert_int_eq(fs_service_limit_volume(env.s, "/lim", 0, err, sizeof(err)),
	                 -LINUX_EINVAL);
	ck_assert_msg(fs_service_limit_volume(env.s, "/lim", 64 << 10, err, sizeof(err)) == 0, "%s",
	              err);
	ck_assert_int_eq(fs_service_limit_volume(env.s, "/lim", 64 << 10, err, sizeof(err)),
	                 -LINUX_EINVAL);
	ck_assert_int_eq(xstatfs(ROOT, "/lim", &f), 0);
	ck_assert_uint_eq(f.f_blocks * f.f_bsize, 64 << 10);
	ck_assert_uint_eq(f.f_bfree * f.f_bsize, 64 << 10);
	ck_assert_uint_eq(f.f_files, 256);
	ck_assert_uint_eq(f.f_ffree, 255);

	/* Data: cut short at the limit, then ENOSPC; a hard link holds it. */
	memset(big, 'b', sizeof(big));
	h = hopen("/lim/a", LINUX_O_RDWR | LINUX_O_CREAT, 0600);
	ck_assert_int_eq(xwrite(h, big, sizeof(big), 0), 64 << 10);
	check_errno(xwrite(h, big, 1, 0), LINUX_ENOSPC, "full");
	ck_assert_int_eq(xpwrite(h, "c", 1, 100), 1); /* allocated already */
	ck_assert_int_eq(xlink("/lim/a", "/lim/b", 0), 0);
	hclose(h);
	ck_assert_int_eq(xunlink("/lim/a", 0), 0);
	ck_assert_int_eq(xstatfs(ROOT, "/lim", &f), 0);
	ck_assert_uint_eq(f.f_bfree, 0);
	ck_assert_int_eq(xrename("/lim/b", "/lim/c"), 0);
	put_file("/lim/d", "");
	ck_assert_int_eq(xrename("/lim/d", "/lim/c"), 0); /* over it: its blocks go */
	ck_assert_int_eq(xstatfs(ROOT, "/lim", &f), 0);
	ck_assert_uint_eq(f.f_bfree * f.f_bsize, 64 << 10);
	ck_assert_uint_eq(f.f_ffree, 254);
	ck_assert_int_eq(xunlink("/lim/c", 0), 0);

	/* Names, many times over: every slot comes back. */
	for (int round = 0; round < 3; round++) {
		for (n = 0; n < 300; n++) {
			int64_t rc = n % 3 == 1 ? xmkdir(pf("/lim/n%d", n), 0700)
			             : n % 3 == 2
			                     ? xsymlink("x", pf("/lim/n%d", n))
			                     : xopen(pf("/lim/n%d", n),
			                             LINUX_O_WRONLY | LINUX_O_CREAT | LINUX_O_EXCL,
			                             0600);

			if (rc < 0) {
				check_errno(rc, LINUX_ENOSPC, "names");
				break;
			}
			if (n % 3 == 0)
				hclose((uint64_t)rc);
		}
		ck_assert_int_eq(n, 255);
		check_errno(xlink("/lim/n0", "/lim/l", 0), LINUX_ENOSPC, "link");
		/* Freed in a different order each round (the table shifts entries
		 * back): i * a stride prime to 255 visits every name once. */
		for (i = 0; i < n; i++) {
			static const int stride[] = { 7, 11, 13 };
			int k = (i * stride[round]) % n;

			ck_assert_int_eq(
			        xunlink(pf("/lim/n%d", k), k % 3 == 1 ? LINUX_AT_REMOVEDIR : 0), 0);
		}
		ck_assert_int_eq(xstatfs(ROOT, "/lim", &f), 0);
		ck_assert_uint_eq(f.f_ffree, 255);
	}
	/* An unlinked file still open keeps its space and its slot until closed. */
	h = hopen("/lim/o", LINUX_O_RDWR | LINUX_O_CREAT, 0600);
	ck_assert_int_eq(xwrite(h, big, 8192, 0), 8192);
	h2 = hopen("/lim/o", LINUX_O_RDONLY, 0);
	ck_assert_int_eq(xunlink("/lim/o", 0), 0);
	hclose(h);
	ck_assert_int_eq(xstatfs(ROOT, "/lim", &f), 0);
	ck_assert_uint_eq(f.f_bfree * f.f_bsize, 56 << 10);
	ck_assert_uint_eq(f.f_ffree, 254);
	hclose(h2);
	ck_assert_int_eq(xstatfs(ROOT, "/lim", &f), 0);
	ck_assert_uint_eq(f.f_bfree * f.f_bsize, 64 << 10);
	ck_assert_uint_eq(f.f_ffree, 255);
	env_down();
	mustdo(pf("rm -rf %s", lim));
}
END_TEST

START_TEST(test_nothing_mounted)
{
	struct fs_service *s = fs_service_new();
	struct svc_mem mem = { .read = mem_read, .write = mem_write };
	struct nanvix_ring_req q = { .opcode = NANVIX_FS_OPEN, .args = { CR3, ROOT, ustr("/") } };
	struct fs_service_stats st;
	char err[128];
	uint64_t v = 99;

	ck_assert(s);
	ck_assert_int_eq(fs_service_call(s, &q, &mem, &v), -LINUX_ENOENT);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_lt(fs_service_mount_volume(s, "relative", "/tmp", 0, err, sizeof(err)), 0);
	ck_assert_int_lt(fs_service_mount_volume(s, "/a/../b", "/tmp", 0, err, sizeof(err)), 0);
	ck_assert_int_lt(fs_service_mount_volume(s, "/x", "/nonexistent/dir", 0, err, sizeof(err)),
	                 0);
	fs_service_stats(s, &st);
	ck_assert_uint_eq(st.calls, 1);
	ck_assert_uint_eq(st.errors, 1);
	fs_service_free(s);
	fs_service_free(NULL);
}
END_TEST

Suite *unit_suite(void)
{
	static const struct {
		const char *name;
		const TTest *const *test;
	} tests[] = {
		{ "open_read", &test_open_read },
		{ "create_write_read", &test_create_write_read },
		{ "direct_io", &test_direct_io },
		{ "open_flags", &test_open_flags },
		{ "modes", &test_modes },
		{ "lseek", &test_lseek },
		{ "stat", &test_stat },
		{ "getdents", &test_getdents },
		{ "dirops", &test_dirops },
		{ "rename_link", &test_rename_link },
		{ "symlinks", &test_symlinks },
		{ "walk", &test_walk },
		{ "truncate_fsync", &test_truncate_fsync },
		{ "attrs", &test_attrs },
		{ "getpath", &test_getpath },
		{ "erofs", &test_erofs },
		{ "ro_disk", &test_ro_disk },
		{ "nametoolong", &test_nametoolong },
		{ "containment", &test_containment },
		{ "hostile", &test_hostile },
		{ "handles", &test_handles },
		{ "special_files", &test_special_files },
		{ "unlinked_open", &test_unlinked_open },
		{ "no_disk", &test_no_disk },
		{ "volume_root", &test_volume_root },
		{ "volume_symlinks", &test_volume_symlinks },
		{ "volume_parents", &test_volume_parents },
		{ "volume_file", &test_volume_file },
		{ "volume_limit", &test_volume_limit },
		{ "nothing_mounted", &test_nothing_mounted },
	};
	Suite *s = suite_create("fs_service");

	/* One case a test, so CK_RUN_CASE=name runs just that one. */
	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		TCase *tc = tcase_create(tests[i].name);

		tcase_set_timeout(tc, 120);
		tcase_add_test(tc, *tests[i].test);
		suite_add_tcase(s, tc);
	}
	return s;
}
