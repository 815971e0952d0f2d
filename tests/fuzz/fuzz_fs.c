/* libFuzzer target: sequences of NANVIX_FS_* requests through the fs service (tests/fuzz/fuzz_fs.h). */
/*
 * Each input gets a fresh service over a fresh copy of a small ext2 image
 * (built once with mke2fs, then held in memory) and a freshly populated
 * host volume, in a private folder T.  Beside the volumes T holds a marker
 * file and a sibling folder that host symlinks in the volume point at.
 *
 * Invariants, checked on every call or input: nothing crashes (ASan and
 * UBSan abort); results are a count or a Linux errno, and value is 0 on
 * error; a new handle is never one already open; the service's open-handle
 * count matches ours and never exceeds FS_HANDLES_MAX; it writes the
 * caller's memory only inside the buffer the request names; after
 * fs_service_free no host fd is left open; a read-only disk is never
 * written; and nothing outside the writable volume changes: the marker,
 * the sibling folder, the read-only volume and T itself keep their bytes,
 * their times and their entries.  A limited volume (FUZZ_FS_LIMITED)
 * never holds more blocks than its limit nor more names than its slots.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <abi/linux.h>
#include <abi/ring.h>
#include <fs/service.h>

#include "../unit/fs/file_blkdev.h"
#include "fuzz_fs.h"

#define IMAGE_SIZE (256 * 1024)
#define MARKER     "host marker: the guest must never see or change this\n"
#define SIBLING    "a host file beside the volume\n"

static char top[64], vol[128], ro[128], marker[128], sibling[128], sibfile[128];
static uint8_t pristine[IMAGE_SIZE], image[IMAGE_SIZE];
static uint8_t arena[FUZZ_FS_ARENA];

/* What must not change: path and its stat at start-up. */
struct frozen {
	const char *path;
	struct stat st;
};
static struct frozen frozen[5];

/* The one buffer the current request may have the service write (len 0: none). */
static uint64_t wr_lo, wr_len;

static void violated(const char *what)
{
	fprintf(stderr, "fuzz_fs: invariant violated: %s\n", what);
	abort();
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* ---- the caller's memory ---- */

static int in_range(uint64_t ua, size_t len, uint64_t lo, uint64_t span)
{
	return ua >= lo && ua - lo <= span && len <= span - (ua - lo);
}

static int mem_read(void *ctx, uint64_t cr3, uint64_t ua, void *dst, size_t len)
{
	(void)ctx, (void)cr3;
	if (!in_range(ua, len, FUZZ_FS_UBASE, FUZZ_FS_ARENA))
		return -LINUX_EFAULT;
	memcpy(dst, arena + (ua - FUZZ_FS_UBASE), len);
	return 0;
}

static int mem_write(void *ctx, uint64_t cr3, uint64_t ua, const void *src, size_t len)
{
	/* In 128 bits: a buffer named near 2^64 is a range that wraps past it. */
	unsigned __int128 lo = wr_lo, end = (unsigned __int128)wr_lo + wr_len;
	unsigned __int128 at = ua, atend = (unsigned __int128)ua + len;

	(void)ctx, (void)cr3;
	if (at < lo || atend > end)
		violated("the service wrote outside the request's buffer");
	if (!in_range(ua, len, FUZZ_FS_UBASE, FUZZ_FS_ARENA))
		return -LINUX_EFAULT;
	memcpy(arena + (ua - FUZZ_FS_UBASE), src, len);
	return 0;
}

static const struct svc_mem mem = { .read = mem_read, .write = mem_write };

/* ---- the host side ---- */

static void put(const char *path, const char *content)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0 || write(fd, content, strlen(content)) != (ssize_t)strlen(content) || close(fd))
		die(path);
}

static void link_to(const char *target, const char *dir, const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (symlink(target, path))
		die(path);
}

/* Empty the folder open as dirfd (which it closes), whatever the guest left in it. */
static void wipe(int dirfd)
{
	DIR *d = fdopendir(dirfd);
	struct dirent *e;

	if (!d)
		die("fdopendir");
	while ((e = readdir(d))) {
		struct stat st;
		int sub;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW))
			die("fstatat");
		if (S_ISDIR(st.st_mode)) {
			fchmodat(dirfd, e->d_name, 0700, 0);
			sub = openat(dirfd, e->d_name,
			             O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0)
				die("openat");
			wipe(sub);
			if (unlinkat(dirfd, e->d_name, AT_REMOVEDIR))
				die("rmdir");
		} else if (unlinkat(dirfd, e->d_name, 0)) {
			die("unlink");
		}
	}
	closedir(d);
}

/* The volume as each input first sees it. */
static void reset_volume(bool empty)
{
	char p[256];
	int fd;

	if (chmod(vol, 0755))
		die(vol);
	fd = open(vol, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		die(vol);
	wipe(fd);
	if (empty)
		return;
	snprintf(p, sizeof(p), "%s/sub", vol);
	if (mkdir(p, 0755))
		die(p);
	snprintf(p, sizeof(p), "%s/v.txt", vol);
	put(p, "volume file\n");
	snprintf(p, sizeof(p), "%s/sub/inner.txt", vol);
	put(p, "inner\n");
	link_to("../secret", vol, "esc-rel");
	link_to(marker, vol, "esc-abs");
	link_to("/", vol, "hostroot");
	link_to("..", vol, "up");
	link_to("../sibling/file", vol, "sib-rel");
	link_to(sibling, vol, "sib-abs");
}

/* Blocks (each inode once) and names beneath a directory, walked on the host. */
struct usage {
	uint64_t bytes, names;
	uint64_t seen[1024]; /* inode numbers counted (a limited volume has few) */
	size_t nseen;
};

static void tally(int dirfd, struct usage *u, int depth)
{
	struct dirent *e;
	DIR *d = fdopendir(dirfd);

	if (!d) {
		close(dirfd);
		return;
	}
	while ((e = readdir(d))) {
		struct stat st;
		size_t i;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		u->names++;
		if (fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW))
			continue;
		for (i = 0; i < u->nseen && u->seen[i] != (uint64_t)st.st_ino; i++)
			;
		if (i == u->nseen) {
			if (u->nseen < sizeof(u->seen) / sizeof(u->seen[0]))
				u->seen[u->nseen++] = (uint64_t)st.st_ino;
			u->bytes += (uint64_t)st.st_blocks * 512;
		}
		if (S_ISDIR(st.st_mode) && depth < 64) {
			int sub;

			fchmodat(dirfd, e->d_name, 0700, 0);
			sub = openat(dirfd, e->d_name,
			             O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub >= 0)
				tally(sub, u, depth + 1);
		}
	}
	closedir(d);
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		die("/proc/self/fd");
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static void check_content(const char *path, const char *want)
{
	char buf[256];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		violated("a file outside the volume is gone");
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n != (ssize_t)strlen(want) || memcmp(buf, want, (size_t)n))
		violated("a file outside the volume changed");
}

static void check_outside(void)
{
	for (size_t i = 0; i < sizeof(frozen) / sizeof(frozen[0]); i++) {
		struct stat st;
		const struct stat *was = &frozen[i].st;

		if (lstat(frozen[i].path, &st))
			violated("something outside the volume is gone");
		if (st.st_ino != was->st_ino || st.st_mode != was->st_mode ||
		    st.st_nlink != was->st_nlink || st.st_size != was->st_size ||
		    st.st_mtim.tv_sec != was->st_mtim.tv_sec ||
		    st.st_mtim.tv_nsec != was->st_mtim.tv_nsec ||
		    st.st_ctim.tv_nsec != was->st_ctim.tv_nsec)
			violated("something outside the volume changed (mode, links, size or "
			         "times)");
	}
	check_content(marker, MARKER);
	check_content(sibfile, SIBLING);
}

static void cleanup(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	if (top[0] && system(cmd) != 0)
		fprintf(stderr, "fuzz_fs: could not remove %s\n", top);
}

/* Build T, the image and the volumes once. */
static void init(void)
{
	char seed[128], img[128], cmd[512], p[256];
	FILE *f;

	/* tmpfs when there is one: every input rebuilds the volume. */
	snprintf(top, sizeof(top), "%s/fuzz_fs.XXXXXX",
	         access("/dev/shm", W_OK) ? "/tmp" : "/dev/shm");
	if (!mkdtemp(top))
		die("mkdtemp");
	atexit(cleanup);
	snprintf(vol, sizeof(vol), "%s/vol", top);
	snprintf(ro, sizeof(ro), "%s/ro", top);
	snprintf(marker, sizeof(marker), "%s/secret", top);
	snprintf(sibling, sizeof(sibling), "%s/sibling", top);
	snprintf(sibfile, sizeof(sibfile), "%s/sibling/file", top);
	snprintf(seed, sizeof(seed), "%s/seed", top);
	snprintf(img, sizeof(img), "%s/img", top);

	/* The disk: a little tree, 256 KiB of 1 KiB blocks. */
	snprintf(cmd, sizeof(cmd), "mkdir -p %s/etc %s/dir/sub %s/empty", seed, seed, seed);
	if (system(cmd))
		die(cmd);
	snprintf(p, sizeof(p), "%s/hello.txt", seed);
	put(p, "hello, disk\n");
	snprintf(p, sizeof(p), "%s/secret", seed);
	put(p, "the disk's own secret\n");
	snprintf(p, sizeof(p), "%s/etc/passwd", seed);
	put(p, "guest passwd\n");
	snprintf(p, sizeof(p), "%s/dir/sub/deep.txt", seed);
	put(p, "deep\n");
	link_to("hello.txt", seed, "lnk");
	snprintf(cmd, sizeof(cmd),
	         "PATH=$PATH:/sbin:/usr/sbin mke2fs -q -F -t ext2 -b 1024 -N 64 -d %s %s 256k "
	         ">/dev/null 2>&1",
	         seed, img);
	if (system(cmd))
		die("mke2fs");
	f = fopen(img, "rb");
	if (!f || fread(pristine, 1, sizeof(pristine), f) != sizeof(pristine))
		die(img);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "rm -rf %s %s", seed, img);
	if (system(cmd))
		die(cmd);

	/* The host around the volumes. */
	if (mkdir(vol, 0755) || mkdir(ro, 0755) || mkdir(sibling, 0755))
		die("mkdir");
	put(marker, MARKER);
	put(sibfile, SIBLING);
	snprintf(p, sizeof(p), "%s/r.txt", ro);
	put(p, "read only\n");
	link_to("../secret", ro, "esc-rel");
	reset_volume(false);
	frozen[0].path = marker;
	frozen[1].path = sibling;
	frozen[2].path = sibfile;
	frozen[3].path = ro;
	frozen[4].path = top; /* its entries: vol, ro, secret, sibling, no more */
	for (size_t i = 0; i < sizeof(frozen) / sizeof(frozen[0]); i++)
		if (lstat(frozen[i].path, &frozen[i].st))
			die(frozen[i].path);
}

/* ---- requests ---- */

/* Where each call may write: the buffer its arguments name. */
static void allow_writes(const struct nanvix_ring_req *q)
{
	const uint64_t *a = q->args;

	wr_lo = wr_len = 0;
	switch (q->opcode) {
	case NANVIX_FS_READ:
	case NANVIX_FS_PREAD:
	case NANVIX_FS_GETDENTS:
	case NANVIX_FS_GETPATH: wr_lo = a[2], wr_len = a[3]; break;
	case NANVIX_FS_READLINK: wr_lo = a[3], wr_len = a[4]; break;
	case NANVIX_FS_FSTATAT: wr_lo = a[3], wr_len = sizeof(struct linux_stat); break;
	case NANVIX_FS_STATX: wr_lo = a[5], wr_len = sizeof(struct linux_statx); break;
	case NANVIX_FS_STATFS: wr_lo = a[3], wr_len = sizeof(struct linux_statfs); break;
	default: break;
	}
}

static uint8_t is_open[FS_HANDLES_MAX + 1];
static unsigned nopen;
static int trace; /* FUZZ_FS_TRACE=1: print each call (to read a crash input) */

static void call(struct fs_service *s, const struct nanvix_ring_req *q)
{
	struct fs_service_stats st;
	uint64_t value = 0xdeadbeef;
	int64_t rc;

	allow_writes(q);
	rc = fs_service_call(s, q, &mem, &value);
	if (trace)
		fprintf(stderr, "op %u (%#llx %#llx %#llx %#llx %#llx) = %lld value %#llx\n",
		        q->opcode, (unsigned long long)q->args[1], (unsigned long long)q->args[2],
		        (unsigned long long)q->args[3], (unsigned long long)q->args[4],
		        (unsigned long long)q->args[5], (long long)rc, (unsigned long long)value);
	if (rc < -133) /* EHWPOISON, the last Linux errno */
		violated("a result below -133 (not a Linux errno)");
	if (rc < 0 && value != 0)
		violated("value set on an error");
	if (rc >= 0) {
		switch (q->opcode) {
		case NANVIX_FS_OPEN:
			if (rc <= NANVIX_FS_ROOT || rc > FS_HANDLES_MAX)
				violated("a new handle out of range");
			if ((value & ~NANVIX_FS_OPEN_DIR) != (uint64_t)rc)
				violated("FS_OPEN value is not the handle");
			if (is_open[rc])
				violated("a new handle that was already open");
			is_open[rc] = 1;
			nopen++;
			break;
		case NANVIX_FS_CLOSE:
			if (q->args[1] > FS_HANDLES_MAX || !is_open[q->args[1]])
				violated("closed a handle that was not open");
			is_open[q->args[1]] = 0;
			nopen--;
			break;
		case NANVIX_FS_LSEEK:
			if (value != (uint64_t)rc)
				violated("FS_LSEEK value is not the offset");
			break;
		case NANVIX_FS_READ:
		case NANVIX_FS_PREAD:
		case NANVIX_FS_WRITE:
		case NANVIX_FS_PWRITE:
		case NANVIX_FS_GETDENTS:
		case NANVIX_FS_GETPATH:
			if ((uint64_t)rc > q->args[3])
				violated("more bytes than asked for");
			break;
		case NANVIX_FS_READLINK:
			if ((uint64_t)rc > q->args[4])
				violated("readlink: more bytes than asked for");
			break;
		default: break;
		}
	}
	fs_service_stats(s, &st);
	if (st.handles_open != 1 + nopen)
		violated("the service's handle count differs from the handles handed out");
	if (st.handles_open > FS_HANDLES_MAX || st.handles_max > FS_HANDLES_MAX)
		violated("more than FS_HANDLES_MAX handles");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct mem_blkdev mb;
	struct fs_service *s;
	size_t nslots, pre;
	char err[256];
	uint8_t mode;
	int fds;

	if (!ready) {
		trace = getenv("FUZZ_FS_TRACE") != NULL;
		init();
		ready = 1;
	}
	if (size < 1)
		return 0;
	mode = data[0];
	pre = size - 1 < FUZZ_FS_PREFIX ? size - 1 : FUZZ_FS_PREFIX;
	memset(arena, 0, sizeof(arena));
	memcpy(arena, data + 1, pre);
	memcpy(arena + FUZZ_FS_ARENA - FUZZ_FS_TAIL, arena + FUZZ_FS_PREFIX - FUZZ_FS_TAIL,
	       FUZZ_FS_TAIL);
	nslots =
	        size > 1 + FUZZ_FS_PREFIX ? (size - 1 - FUZZ_FS_PREFIX) / NANVIX_RING_SLOT_SIZE : 0;
	if (nslots > FUZZ_FS_SLOTS_MAX)
		nslots = FUZZ_FS_SLOTS_MAX;

	reset_volume(mode & FUZZ_FS_LIMITED);
	memcpy(image, pristine, sizeof(image));
	memset(is_open, 0, sizeof(is_open));
	nopen = 0;
	fds = count_fds();

	s = fs_service_new();
	if (!s)
		die("fs_service_new");
	if (!(mode & FUZZ_FS_NO_DISK)) {
		mem_blkdev_init(&mb, image, sizeof(image), mode & FUZZ_FS_DISK_RO);
		if (fs_service_mount_ext2(s, &mb.dev, mode & FUZZ_FS_DISK_RO, err, sizeof(err)))
			violated(err);
	}
	if ((mode & FUZZ_FS_NO_DISK) && (mode & FUZZ_FS_VOLROOT)) {
		if (fs_service_mount_volume(s, "/", vol, 0, err, sizeof(err)))
			violated(err);
	} else if (fs_service_mount_volume(s, "/vol", vol, 0, err, sizeof(err)) ||
	           fs_service_mount_volume(s, "/ro", ro, 1, err, sizeof(err))) {
		violated(err);
	}
	if ((mode & FUZZ_FS_LIMITED) &&
	    fs_service_limit_volume(
	            s, (mode & FUZZ_FS_NO_DISK) && (mode & FUZZ_FS_VOLROOT) ? "/" : "/vol",
	            FUZZ_FS_LIMIT, err, sizeof(err)))
		violated(err);

	for (size_t i = 0; i < nslots; i++) {
		struct nanvix_ring_req q;
		unsigned reps = 1;

		memcpy(&q, data + 1 + FUZZ_FS_PREFIX + i * NANVIX_RING_SLOT_SIZE, sizeof(q));
		if (q.opcode == NANVIX_FS_OPEN && (q.flags & 0xf800) == 0xf800)
			reps = q.flags & 0x7ff;
		if (reps > FUZZ_FS_REPEAT_MAX)
			reps = FUZZ_FS_REPEAT_MAX;
		while (reps--)
			call(s, &q);
	}

	if (mode & FUZZ_FS_LIMITED) {
		/* What the host holds, seen from outside (open unlinked files aside). */
		struct usage u = { 0 };
		int fd = open(vol, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (fd < 0)
			die(vol);
		tally(fd, &u, 0);
		if (u.bytes > FUZZ_FS_LIMIT)
			violated("a limited volume holds more blocks than its limit");
		if (u.names + 1 > 256) /* the root's slot and one a name: 256 for 64 KiB */
			violated("a limited volume holds more names than its slots");
	}
	fs_service_free(s);
	if (count_fds() != fds)
		violated("a host fd outlived the service");
	if ((mode & (FUZZ_FS_NO_DISK | FUZZ_FS_DISK_RO)) == FUZZ_FS_DISK_RO && mb.writes)
		violated("a read-only disk was written");
	check_outside();
	return 0;
}
