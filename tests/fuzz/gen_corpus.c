/* Writes the synthetic seeds of tests/fuzz/corpus/elf/ (valid and broken images) into a folder. */
/* With --fs, the request sequences of tests/fuzz/corpus/fs/ instead (format: fuzz_fs.h); */
/* with --hello or --frames, the inputs of fuzz_hello.c or fuzz_frames.c (formats: there). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <abi/linux.h>
#include <abi/net.h>
#include <abi/ring.h>
#include <server/proto.h>

#include "fuzz_fs.h"
#include "monitor/elf_builder.h"

#define BASE   0x400000ull
#define KVBASE 0xffffffff80100000ull
#define KPBASE 0x100000ull

static struct eb_image im;
static const char *dir;

static void put(const char *name)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(im.u.bytes, 1, im.size, f) != im.size || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

static Elf64_Ehdr *eh(void)
{
	return eb_ehdr(&im);
}

static Elf64_Phdr *ph(unsigned i)
{
	return eb_phdr(&im, i);
}

static void exec(void)
{
	eb_init(&im, ET_EXEC, BASE);
}

/* ---- fs seeds ---- */

static struct {
	uint8_t mode;
	uint8_t prefix[FUZZ_FS_PREFIX];
	struct nanvix_ring_req q[FUZZ_FS_SLOTS_MAX];
	size_t top, n;
} fs;

/* A zeroed arena page after the prefix, for results. */
#define BUF(i) (FUZZ_FS_UBASE + 0x1000u * (1u + (i)))
#define CR3    0x1000u
#define ROOT   NANVIX_FS_ROOT
#define REPEAT 0xf800u /* slot.flags | count: repeat an FS_OPEN (fuzz_fs.h) */

static void fs_begin(uint8_t mode)
{
	memset(&fs, 0, sizeof(fs));
	fs.mode = mode;
}

/* Bytes in the prefix (8-aligned): their user address. */
static uint64_t fs_bytes(const void *p, size_t len)
{
	size_t off = (fs.top + 7) & ~(size_t)7;

	if (off + len > FUZZ_FS_PREFIX - FUZZ_FS_TAIL) {
		fprintf(stderr, "gen_corpus: fs seed prefix full\n");
		exit(1);
	}
	memcpy(fs.prefix + off, p, len);
	fs.top = off + len;
	return FUZZ_FS_UBASE + off;
}

static uint64_t S(const char *s)
{
	return fs_bytes(s, strlen(s) + 1);
}

static void R(uint16_t op, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	if (fs.n == FUZZ_FS_SLOTS_MAX) {
		fprintf(stderr, "gen_corpus: too many fs requests\n");
		exit(1);
	}
	fs.q[fs.n++] = (struct nanvix_ring_req){ .opcode = op,
		                                 .id = (uint32_t)fs.n,
		                                 .args = { CR3, a1, a2, a3, a4, a5 } };
}

static void fs_put(const char *name)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(&fs.mode, 1, 1, f) != 1 ||
	    fwrite(fs.prefix, 1, sizeof(fs.prefix), f) != sizeof(fs.prefix) ||
	    fwrite(fs.q, sizeof(fs.q[0]), fs.n, f) != fs.n || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

/* The same writes on the disk or under a volume prefix ("" or "/vol"). */
static void fs_writes(const char *at)
{
	char p[64];

	snprintf(p, sizeof(p), "%s/new", at);
	R(NANVIX_FS_OPEN, ROOT, S(p), LINUX_O_CREAT | LINUX_O_RDWR, 0644, 0); /* 2 */
	R(NANVIX_FS_WRITE, 2, S("some bytes"), 10, 0, 0);
	R(NANVIX_FS_PWRITE, 2, S("xy"), 2, 3000, 0);
	R(NANVIX_FS_WRITE, 2, S("tail"), 4, LINUX_O_APPEND, 0);
	R(NANVIX_FS_LSEEK, 2, 0, LINUX_SEEK_SET, 0, 0);
	R(NANVIX_FS_READ, 2, BUF(0), 4096, 0, 0);
	R(NANVIX_FS_LSEEK, 2, (uint64_t)-2, LINUX_SEEK_END, 0, 0);
	R(NANVIX_FS_TRUNCATE, 2, 0, 5, 0, 0);
	R(NANVIX_FS_FSYNC, 2, 0, 0, 0, 0);
	R(NANVIX_FS_GETPATH, 2, BUF(1), 64, 0, 0);
	R(NANVIX_FS_FSTATAT, 2, 0, BUF(2), 0, 0);
	R(NANVIX_FS_CLOSE, 2, 0, 0, 0, 0);
	R(NANVIX_FS_TRUNCATE, ROOT, S(p), 70000, 0, 0);
	R(NANVIX_FS_OPEN, ROOT, S(p), LINUX_O_WRONLY | LINUX_O_TRUNC, 0, 0); /* 2 again */
	R(NANVIX_FS_PWRITE, 2, FUZZ_FS_UBASE, 0x8000, 12345, 0);
	R(NANVIX_FS_CLOSE, 2, 0, 0, 0, 0);
	R(NANVIX_FS_OPEN, ROOT, S(p), LINUX_O_CREAT | LINUX_O_EXCL | LINUX_O_RDWR, 0644, 0);
	R(NANVIX_FS_UNLINK, ROOT, S(p), 0, 0, 0);
}

static void fs_dirs(const char *at)
{
	char d[64], g[64], h[64];

	snprintf(d, sizeof(d), "%s/d", at);
	snprintf(g, sizeof(g), "%s/d/g", at);
	snprintf(h, sizeof(h), "%s/d/h", at);
	R(NANVIX_FS_MKDIR, ROOT, S(d), 0755, 0, 0);
	R(NANVIX_FS_OPEN, ROOT, S(d), LINUX_O_RDONLY | LINUX_O_DIRECTORY, 0, 0); /* 2 */
	R(NANVIX_FS_OPEN, 2, S("f"), LINUX_O_CREAT | LINUX_O_WRONLY, 0600, 0);   /* 3 */
	R(NANVIX_FS_MKDIR, 2, S("sub"), 0700, 0, 0);
	R(NANVIX_FS_SYMLINK, 2, S("l"), S("f"), 0, 0);
	R(NANVIX_FS_GETDENTS, 2, BUF(0), 4096, 0, 0);
	R(NANVIX_FS_LSEEK, 2, 0, LINUX_SEEK_SET, 0, 0);
	R(NANVIX_FS_GETDENTS, 2, BUF(1), 64, 0, 0);
	R(NANVIX_FS_RENAME, 2, S("f"), ROOT, S(g), 0);
	R(NANVIX_FS_LINK, ROOT, S(g), ROOT, S(h), 0);
	R(NANVIX_FS_RENAME, 2, S("sub"), 2, S("sub2"), 0);
	R(NANVIX_FS_UNLINK, ROOT, S(d), LINUX_AT_REMOVEDIR, 0, 0); /* ENOTEMPTY */
	R(NANVIX_FS_UNLINK, ROOT, S(g), 0, 0, 0);
	R(NANVIX_FS_UNLINK, 2, S("h"), 0, 0, 0);
	R(NANVIX_FS_UNLINK, 2, S("l"), 0, 0, 0);
	R(NANVIX_FS_UNLINK, 2, S("sub2"), LINUX_AT_REMOVEDIR, 0, 0);
	R(NANVIX_FS_UNLINK, ROOT, S(d), LINUX_AT_REMOVEDIR, 0, 0);
	R(NANVIX_FS_GETDENTS, 2, BUF(2), 4096, 0, 0);
	R(NANVIX_FS_CLOSE, 3, 0, 0, 0, 0);
	R(NANVIX_FS_CLOSE, 2, 0, 0, 0, 0);
}

static int gen_fs(void)
{
	static const struct linux_timespec times[2] = { { 1000, 0 }, { 0, LINUX_UTIME_OMIT } };
	char longname[300];

	fs_begin(0);
	R(NANVIX_FS_OPEN, ROOT, S("/hello.txt"), LINUX_O_RDONLY, 0, 0); /* 2 */
	R(NANVIX_FS_READ, 2, BUF(0), 64, 0, 0);
	R(NANVIX_FS_LSEEK, 2, 3, LINUX_SEEK_SET, 0, 0);
	R(NANVIX_FS_READ, 2, BUF(1), 4, 0, 0);
	R(NANVIX_FS_PREAD, 2, BUF(2), 5, 1, 0);
	R(NANVIX_FS_FSTATAT, 2, 0, BUF(3), 0, 0);
	R(NANVIX_FS_STATX, ROOT, S("/lnk"), LINUX_AT_SYMLINK_NOFOLLOW, 0x7ff, BUF(4));
	R(NANVIX_FS_FSTATAT, ROOT, S("dir/sub/deep.txt"), BUF(5), 0, 0);
	R(NANVIX_FS_OPEN, ROOT, S("/vol/v.txt"), LINUX_O_RDONLY, 0, 0); /* 3 */
	R(NANVIX_FS_READ, 3, BUF(6), 64, 0, 0);
	R(NANVIX_FS_OPEN, ROOT, S("/ro/r.txt"), LINUX_O_RDONLY, 0, 0); /* 4 */
	R(NANVIX_FS_PREAD, 4, BUF(7), 64, 0, 0);
	R(NANVIX_FS_CLOSE, 2, 0, 0, 0, 0);
	R(NANVIX_FS_CLOSE, 3, 0, 0, 0, 0);
	R(NANVIX_FS_CLOSE, 4, 0, 0, 0, 0);
	fs_put("read");

	fs_begin(0);
	fs_writes("");
	fs_put("write-disk");
	fs_begin(0);
	fs_writes("/vol");
	fs_put("write-vol");
	fs_begin(0);
	fs_dirs("");
	fs_put("dirs-disk");
	fs_begin(0);
	fs_dirs("/vol");
	fs_put("dirs-vol");
	fs_begin(FUZZ_FS_LIMITED);
	fs_writes("/vol");
	fs_put("write-vol-limited");
	fs_begin(FUZZ_FS_LIMITED);
	fs_dirs("/vol");
	fs_put("dirs-vol-limited");

	/* A limited volume (the default /tmp's): past its bytes and its names. */
	fs_begin(FUZZ_FS_LIMITED);
	R(NANVIX_FS_OPEN, ROOT, S("/vol/big"), LINUX_O_RDWR | LINUX_O_CREAT, 0600, 0); /* 2 */
	R(NANVIX_FS_PWRITE, 2, BUF(0), 32768, 0, 0);
	R(NANVIX_FS_PWRITE, 2, BUF(0), 32768, 32768, 0);
	R(NANVIX_FS_PWRITE, 2, BUF(0), 4096, 65536, 0); /* ENOSPC */
	R(NANVIX_FS_PWRITE, 2, BUF(0), 100, 1000, 0);   /* allocated: fine */
	R(NANVIX_FS_LINK, ROOT, S("/vol/big"), ROOT, S("/vol/hard"), 0);
	R(NANVIX_FS_UNLINK, ROOT, S("/vol/big"), 0, 0, 0);
	R(NANVIX_FS_STATFS, ROOT, S("/vol"), BUF(1), 0, 0);
	R(NANVIX_FS_UNLINK, ROOT, S("/vol/hard"), 0, 0, 0); /* open still: kept */
	R(NANVIX_FS_OPEN, ROOT, S("/vol/s"), LINUX_O_RDWR | LINUX_O_CREAT, 0600, 0); /* 3 */
	R(NANVIX_FS_PWRITE, 3, BUF(0), 4096, 1 << 20, 0);                            /* ENOSPC */
	R(NANVIX_FS_CLOSE, 2, 0, 0, 0, 0);
	R(NANVIX_FS_PWRITE, 3, BUF(0), 4096, 1 << 20, 0); /* a page in a hole */
	R(NANVIX_FS_TRUNCATE, ROOT, S("/vol/s"), 1 << 30, 0, 0);
	R(NANVIX_FS_MKDIR, ROOT, S("/vol/d"), 0755, 0, 0);
	R(NANVIX_FS_RENAME, ROOT, S("/vol/s"), ROOT, S("/vol/d/s"), 0);
	R(NANVIX_FS_SYMLINK, ROOT, S("/vol/d/l"), S("s"), 0, 0);
	R(NANVIX_FS_OPEN, ROOT, S("/vol/n"), LINUX_O_WRONLY | LINUX_O_CREAT, 0600, 0);
	fs.q[fs.n - 1].flags = REPEAT | 300;
	R(NANVIX_FS_STATFS, ROOT, S("/vol"), BUF(2), 0, 0);
	fs_put("limited");

	fs_begin(0);
	R(NANVIX_FS_SYMLINK, ROOT, S("/a"), S("b"), 0, 0);
	R(NANVIX_FS_SYMLINK, ROOT, S("/b"), S("a"), 0, 0);
	R(NANVIX_FS_OPEN, ROOT, S("/a"), LINUX_O_RDONLY, 0, 0); /* ELOOP */
	R(NANVIX_FS_SYMLINK, ROOT, S("/c"), S("/vol/v.txt"), 0, 0);
	R(NANVIX_FS_READLINK, ROOT, S("/c"), BUF(0), 64, 0);
	R(NANVIX_FS_OPEN, ROOT, S("/c"), LINUX_O_RDONLY, 0, 0); /* 2 */
	R(NANVIX_FS_READ, 2, BUF(1), 64, 0, 0);
	R(NANVIX_FS_SYMLINK, ROOT, S("/vol/l"), S("../hello.txt"), 0, 0);
	R(NANVIX_FS_OPEN, ROOT, S("/vol/l"), LINUX_O_RDWR, 0, 0); /* 3 */
	R(NANVIX_FS_OPEN, ROOT, S("/lnk"), LINUX_O_RDONLY | LINUX_O_NOFOLLOW, 0, 0);
	R(NANVIX_FS_SYMLINK, ROOT, S("/vol/sub/dl"), S("../.."), 0, 0);
	R(NANVIX_FS_OPEN, ROOT, S("/vol/sub/dl/dir/sub/deep.txt"), LINUX_O_RDONLY, 0, 0);
	R(NANVIX_FS_SYMLINK, ROOT, S("/tovol"), S("vol"), 0, 0);
	R(NANVIX_FS_OPEN, ROOT, S("/tovol"), LINUX_O_RDONLY, 0, 0);
	R(NANVIX_FS_FSTATAT, ROOT, S("/tovol/"), BUF(2), LINUX_AT_SYMLINK_NOFOLLOW, 0);
	R(NANVIX_FS_UNLINK, ROOT, S("/a"), 0, 0, 0);
	fs_put("symlinks");

	fs_begin(0);
	R(NANVIX_FS_OPEN, ROOT, S("/vol/esc-rel"), LINUX_O_RDWR, 0, 0);
	R(NANVIX_FS_OPEN, ROOT, S("/vol/esc-abs"), LINUX_O_RDWR | LINUX_O_TRUNC, 0, 0);
	R(NANVIX_FS_OPEN, ROOT, S("/vol/hostroot/secret"), LINUX_O_WRONLY, 0, 0);
	R(NANVIX_FS_OPEN, ROOT, S("/vol/up/secret"), LINUX_O_WRONLY, 0, 0);
	R(NANVIX_FS_OPEN, ROOT, S("/vol/sib-rel"), LINUX_O_WRONLY, 0, 0);
	R(NANVIX_FS_OPEN, ROOT, S("/vol/sib-abs"), LINUX_O_WRONLY, 0, 0);
	R(NANVIX_FS_OPEN, ROOT, S("/vol/sub"), LINUX_O_RDONLY, 0, 0);
	R(NANVIX_FS_OPEN, 5, S("../../secret"), LINUX_O_RDWR, 0, 0); /* 5: /vol/sub */
	R(NANVIX_FS_OPEN, 5, S("../../../../sibling/file"), LINUX_O_RDWR, 0, 0);
	R(NANVIX_FS_SYMLINK, ROOT, S("/vol/g"), S("../../secret"), 0, 0);
	R(NANVIX_FS_OPEN, ROOT, S("/vol/g"), LINUX_O_WRONLY | LINUX_O_TRUNC, 0, 0);
	R(NANVIX_FS_CHMOD, ROOT, S("/vol/esc-rel"), 0777, 0, 0);
	R(NANVIX_FS_CHMOD, ROOT, S("/vol/sib-rel"), 0777, LINUX_AT_SYMLINK_NOFOLLOW, 0);
	R(NANVIX_FS_UTIMENS, ROOT, S("/vol/sib-abs"), 0, 0, 0);
	R(NANVIX_FS_TRUNCATE, ROOT, S("/vol/sib-rel"), 0, 0, 0);
	R(NANVIX_FS_LINK, ROOT, S("/vol/esc-rel"), ROOT, S("/vol/hard"), LINUX_AT_SYMLINK_FOLLOW);
	R(NANVIX_FS_RENAME, ROOT, S("/vol/v.txt"), ROOT, S("/vol/../v.txt"), 0);
	R(NANVIX_FS_RENAME, ROOT, S("/vol"), ROOT, S("/v2"), 0);
	R(NANVIX_FS_MKDIR, ROOT, S("/vol/up/x"), 0755, 0, 0);
	fs_put("escapes");

	fs_begin(0);
	R(NANVIX_FS_CHMOD, ROOT, S("/hello.txt"), 0600, 0, 0);
	R(NANVIX_FS_CHMOD, ROOT, S("/vol/v.txt"), 0600, 0, 0);
	R(NANVIX_FS_UTIMENS, ROOT, S("/hello.txt"), fs_bytes(times, sizeof(times)), 0, 0);
	R(NANVIX_FS_UTIMENS, ROOT, S("/vol/v.txt"), 0, 0, 0);
	R(NANVIX_FS_ACCESS, ROOT, S("/hello.txt"), LINUX_R_OK | LINUX_W_OK, 0, 0);
	R(NANVIX_FS_ACCESS, ROOT, S("/ro/r.txt"), LINUX_W_OK, 0, 0);
	R(NANVIX_FS_STATFS, ROOT, S("/"), BUF(0), 0, 0);
	R(NANVIX_FS_STATFS, ROOT, S("/vol"), BUF(1), 0, 0);
	R(NANVIX_FS_STATFS, ROOT, S("/ro"), BUF(2), 0, 0);
	R(NANVIX_FS_STATX, ROOT, S("/vol/sub"), 0, 0x7ff, BUF(3));
	fs_put("attrs");

	fs_begin(0);
	R(NANVIX_FS_CLOSE, 0, 0, 0, 0, 0);
	R(NANVIX_FS_CLOSE, ROOT, 0, 0, 0, 0);
	R(NANVIX_FS_READ, 9999, BUF(0), 16, 0, 0);
	R(NANVIX_FS_OPEN, ROOT, 5, 0, 0, 0);
	R(NANVIX_FS_OPEN, ROOT, FUZZ_FS_UBASE + FUZZ_FS_ARENA - FUZZ_FS_TAIL, 0, 0, 0);
	R(NANVIX_FS_OPEN, ROOT, S("/hello.txt"), LINUX_O_RDWR, 0, 0); /* 2 */
	R(NANVIX_FS_READ, 2, BUF(0), UINT64_MAX, 0, 0);
	R(NANVIX_FS_PWRITE, 2, BUF(0), 16, (uint64_t)-1, 0);
	R(NANVIX_FS_PWRITE, 2, FUZZ_FS_UBASE + FUZZ_FS_ARENA - 8, 4096, 0, 0);
	R(NANVIX_FS_PREAD, 2, UINT64_MAX - 8, 64, 0, 0);
	R(NANVIX_FS_LSEEK, 2, INT64_MAX, LINUX_SEEK_SET, 0, 0);
	R(NANVIX_FS_WRITE, 2, BUF(0), 1, 0, 0);
	R(NANVIX_FS_GETDENTS, ROOT, BUF(0), 1, 0, 0);
	R(NANVIX_FS_GETDENTS, ROOT, FUZZ_FS_UBASE + FUZZ_FS_ARENA - 100, 4096, 0, 0);
	R(NANVIX_FS_FSTATAT, ROOT, S("/hello.txt"), BUF(0), UINT64_MAX, 0);
	R(NANVIX_FS_UNLINK, ROOT, S("/hello.txt"), UINT64_MAX, 0, 0);
	R(NANVIX_RING_NOP, 0, 0, 0, 0, 0);
	R(NANVIX_BLK_WRITE, 0, BUF(0), 512, 0, 0);
	R(0xffff, ROOT, 0, 0, 0, 0);
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	R(NANVIX_FS_MKDIR, ROOT, S(longname), 0755, 0, 0);
	R(NANVIX_FS_CLOSE, 2, 0, 0, 0, 0);
	memset(fs.prefix + FUZZ_FS_PREFIX - FUZZ_FS_TAIL, 'z', FUZZ_FS_TAIL);
	fs_put("hostile");

	fs_begin(0);
	R(NANVIX_FS_OPEN, ROOT, S("/hello.txt"), LINUX_O_RDONLY, 0, 0);
	fs.q[fs.n - 1].flags = REPEAT | 1030;
	R(NANVIX_FS_OPEN, ROOT, S("/vol"), LINUX_O_RDONLY, 0, 0); /* ENFILE */
	R(NANVIX_FS_CLOSE, 500, 0, 0, 0, 0);
	R(NANVIX_FS_OPEN, ROOT, S("/vol/v.txt"), LINUX_O_RDONLY, 0, 0);
	R(NANVIX_FS_CLOSE, 2, 0, 0, 0, 0);
	fs_put("exhaust-disk");

	fs_begin(0);
	R(NANVIX_FS_OPEN, ROOT, S("/vol/sub/inner.txt"), LINUX_O_RDWR, 0, 0);
	fs.q[fs.n - 1].flags = REPEAT | 1030;
	R(NANVIX_FS_CLOSE, 1000, 0, 0, 0, 0);
	R(NANVIX_FS_OPEN, ROOT, S("/vol/sub"), LINUX_O_RDONLY, 0, 0);
	fs_put("exhaust-vol");

	fs_begin(FUZZ_FS_NO_DISK);
	R(NANVIX_FS_OPEN, ROOT, S("/"), LINUX_O_RDONLY, 0, 0); /* 2 */
	R(NANVIX_FS_GETDENTS, 2, BUF(0), 4096, 0, 0);
	R(NANVIX_FS_OPEN, ROOT, S("/vol/v.txt"), LINUX_O_RDONLY, 0, 0);
	R(NANVIX_FS_OPEN, ROOT, S("/x"), LINUX_O_CREAT | LINUX_O_WRONLY, 0644, 0);
	R(NANVIX_FS_OPEN, ROOT, S("/vol/esc-rel"), LINUX_O_RDONLY, 0, 0);
	R(NANVIX_FS_OPEN, ROOT, S("/../vol/../ro/r.txt"), LINUX_O_RDONLY, 0, 0);
	R(NANVIX_FS_RENAME, ROOT, S("/vol/v.txt"), ROOT, S("/ro/v.txt"), 0);
	fs_put("no-disk");

	fs_begin(FUZZ_FS_NO_DISK | FUZZ_FS_VOLROOT);
	R(NANVIX_FS_OPEN, ROOT, S("/v.txt"), LINUX_O_RDWR, 0, 0);
	R(NANVIX_FS_OPEN, ROOT, S("/up/up/v.txt"), LINUX_O_RDONLY, 0, 0);
	R(NANVIX_FS_OPEN, ROOT, S("/esc-rel"), LINUX_O_RDONLY, 0, 0);
	R(NANVIX_FS_GETDENTS, ROOT, BUF(0), 4096, 0, 0);
	R(NANVIX_FS_MKDIR, ROOT, S("/hostroot/x"), 0755, 0, 0);
	R(NANVIX_FS_UNLINK, ROOT, S("/"), LINUX_AT_REMOVEDIR, 0, 0);
	fs_put("volume-root");

	fs_begin(FUZZ_FS_DISK_RO);
	R(NANVIX_FS_OPEN, ROOT, S("/hello.txt"), LINUX_O_RDWR, 0, 0);
	R(NANVIX_FS_OPEN, ROOT, S("/hello.txt"), LINUX_O_CREAT | LINUX_O_RDONLY, 0644, 0);
	R(NANVIX_FS_MKDIR, ROOT, S("/d"), 0755, 0, 0);
	R(NANVIX_FS_UNLINK, ROOT, S("/ro/r.txt"), 0, 0, 0);
	R(NANVIX_FS_OPEN, ROOT, S("/ro/new"), LINUX_O_CREAT | LINUX_O_WRONLY, 0644, 0);
	R(NANVIX_FS_CHMOD, ROOT, S("/lnk"), 0600, 0, 0);
	R(NANVIX_FS_FSYNC, ROOT, 0, 0, 0, 0);
	fs_put("read-only");

	fs_begin(0);
	R(NANVIX_FS_OPEN, ROOT, S("//hello.txt"), 0, 0, 0);
	R(NANVIX_FS_OPEN, ROOT, S("/../hello.txt"), 0, 0, 0);
	R(NANVIX_FS_OPEN, ROOT, S("dir/./sub//deep.txt"), 0, 0, 0);
	R(NANVIX_FS_OPEN, ROOT, S("hello.txt/"), 0, 0, 0);
	R(NANVIX_FS_OPEN, ROOT, S("/vol/../dir/sub/../sub/deep.txt"), 0, 0, 0);
	R(NANVIX_FS_OPEN, ROOT, S("/vol/sub/../../vol/./sub/inner.txt"), 0, 0, 0);
	R(NANVIX_FS_OPEN, ROOT, S("."), 0, 0, 0);
	R(NANVIX_FS_OPEN, ROOT, S(".."), 0, 0, 0);
	R(NANVIX_FS_OPEN, ROOT, S(""), 0, 0, 0);
	R(NANVIX_FS_FSTATAT, ROOT, S(""), BUF(0), LINUX_AT_EMPTY_PATH, 0);
	R(NANVIX_FS_OPEN, ROOT, S("/hello.txt/."), 0, 0, 0);
	R(NANVIX_FS_FSTATAT, ROOT, S("/vol/v.txt/.."), BUF(1), 0, 0);
	R(NANVIX_FS_FSTATAT, ROOT, S("/lnk/"), BUF(2), LINUX_AT_SYMLINK_NOFOLLOW, 0);
	R(NANVIX_FS_OPEN, ROOT, S("/vol"), LINUX_O_CREAT | LINUX_O_EXCL | LINUX_O_RDWR, 0644, 0);
	R(NANVIX_FS_OPEN, ROOT, S("/dir"), LINUX_O_CREAT | LINUX_O_RDONLY, 0644, 0);
	R(NANVIX_FS_OPEN, ROOT, S("/new/"), LINUX_O_CREAT | LINUX_O_RDONLY, 0644, 0);
	fs_put("paths");

	/* A link to itself that grows the pending path by 150 bytes a turn: the
	 * splice runs out of PATH_MAX before the 40 links are used up. */
	fs_begin(0);
	{
		char target[152];

		target[0] = 'x';
		memset(target + 1, '/', 150);
		target[151] = 0;
		R(NANVIX_FS_SYMLINK, ROOT, S("/x"), S(target), 0, 0);
		R(NANVIX_FS_FSTATAT, ROOT, S("/x"), BUF(0), 0, 0);
		R(NANVIX_FS_OPEN, ROOT, S("/x/y"), 0, 0, 0);
		R(NANVIX_FS_SYMLINK, ROOT, S("/vol/x"), S(target), 0, 0);
		R(NANVIX_FS_OPEN, ROOT, S("/vol/x"), 0, 0, 0);
	}
	fs_put("splice");
	return 0;
}

/* Write len bytes at p as the seed `name`. */
static void put_bytes(const char *name, const void *p, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(p, 1, len, f) != len || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

/* ---- hello seeds: byte 0 the mode, then a hello (even) or a config program (odd) ---- */

static struct {
	unsigned char b[MKSRV_HELLO_MAX] __attribute__((aligned(8)));
	size_t len;
} hl;

static void hello_begin(uint32_t nsections)
{
	struct mksrv_hello h = { .magic = MKSRV_MAGIC,
		                 .version = MKSRV_VERSION,
		                 .mem_size = 64u << 20,
		                 .nsections = nsections };

	memset(&hl, 0, sizeof(hl));
	memcpy(hl.b, &h, sizeof(h));
	hl.len = sizeof(h);
}

/* The seed: mode byte 0, then the hello. */
static void hello_put(const char *name)
{
	static unsigned char b[1 + MKSRV_HELLO_MAX];

	b[0] = 0;
	memcpy(b + 1, hl.b, hl.len);
	put_bytes(name, b, 1 + hl.len);
}

/* A section of `type` with `len` bytes of payload: its payload, zeroed. */
static void *hello_section(uint32_t type, uint32_t len)
{
	struct mksrv_section sec = { .type = type, .len = len };
	void *payload = hl.b + hl.len + sizeof(sec);

	memcpy(hl.b + hl.len, &sec, sizeof(sec));
	hl.len += sizeof(sec) + len;
	return payload;
}

static struct mksrv_fs_section *hello_fs(uint32_t placement, const char *disk)
{
	struct mksrv_fs_section *f = hello_section(MKSRV_SECTION_FS, sizeof(*f));

	f->placement = placement;
	snprintf(f->disk, sizeof(f->disk), "%s", disk);
	return f;
}

static void hello_volume(struct mksrv_fs_section *f, const char *hostdir, const char *at, int ro)
{
	struct mksrv_volume *v = &f->volumes[f->nvolumes++];

	snprintf(v->hostdir, sizeof(v->hostdir), "%s", hostdir);
	snprintf(v->at, sizeof(v->at), "%s", at);
	v->readonly = (uint32_t)ro;
}

static void hello_net(uint32_t placement)
{
	struct mksrv_net_section *n = hello_section(MKSRV_SECTION_NET, sizeof(*n));

	n->placement = placement;
}

/* A config program (fuzz_hello.c cfg_from): bytes, then strings. */
static void prog_put(const char *name, const unsigned char *head, size_t n, const char **strs)
{
	unsigned char b[2048];
	size_t len = 1;

	b[0] = 1;
	memcpy(b + len, head, n);
	len += n;
	for (; *strs; strs++) {
		size_t l = strlen(*strs);

		b[len++] = (unsigned char)l;
		memcpy(b + len, *strs, l);
		len += l;
	}
	put_bytes(name, b, len);
}

static int gen_hello(void)
{
	struct mksrv_fs_section *f;

	hello_begin(2);
	f = hello_fs(MKSRV_FS_HOST, "disk.img:cow");
	hello_volume(f, "vol/a", "/mnt/a", 1);
	hello_volume(f, "shared", "/data", 0);
	hello_net(MKSRV_NET_HOST);
	hello_put("fs-host-net-host");

	hello_begin(2);
	hello_fs(MKSRV_FS_GUEST, "img/root.ext2");
	hello_net(MKSRV_NET_GUEST);
	hello_put("fs-guest-net-guest");

	hello_begin(2);
	hello_net(MKSRV_NET_HOST);
	f = hello_fs(MKSRV_FS_HOST, "");
	hello_volume(f, "..x/y", "/", 0);
	hello_put("net-then-fs-volume");

	hello_begin(1);
	hello_net(MKSRV_NET_GUEST);
	hello_put("net-only");

	hello_begin(0);
	hello_put("none");

	/* Refused, one way each. */
	hello_begin(1);
	hello_fs(MKSRV_FS_HOST, "a/../../etc:ro");
	hello_put("bad-disk-dotdot");

	hello_begin(1);
	f = hello_fs(MKSRV_FS_GUEST, "disk.img");
	hello_volume(f, "v", "/v", 0);
	hello_put("bad-guest-volume");

	hello_begin(2);
	hello_net(MKSRV_NET_HOST);
	hello_net(MKSRV_NET_HOST);
	hello_put("bad-net-twice");

	hello_begin(1);
	hello_section(7, 8);
	hello_put("bad-unknown-section");

	/* Config programs: placements (fs + 3 * net), nvolumes, readonly bits, capacity. */
	prog_put("prog-host", (const unsigned char[]){ 1 + 3 * 1, 2, 1, 0 }, 4,
	         (const char *[]){ "disk.img", "vol/a", "mnt/a", "shared", "data", NULL });
	prog_put("prog-guest", (const unsigned char[]){ 2 + 3 * 2, 0, 0, 0 }, 4,
	         (const char *[]){ "root.ext2:ro", NULL });
	prog_put("prog-small-cap", (const unsigned char[]){ 1 + 3 * 1, 1, 0, 0x80, 0x10, 0x00 }, 6,
	         (const char *[]){ "", "v", "v", NULL });
	return 0;
}

/* ---- frames seeds: 4 bytes of max (little-endian), then the record buffer ---- */

static struct {
	unsigned char b[4 + 8192];
	size_t len;
} fr;

static void frames_begin(uint32_t max)
{
	memset(&fr, 0, sizeof(fr));
	memcpy(fr.b, &max, 4);
	fr.len = 4;
}

/* A record of a frame of `len` bytes (filled with a pattern), whose header says `hdr_len`. */
static void frames_add(uint32_t hdr_len, uint32_t len)
{
	struct nanvix_net_frame_hdr h = { .len = hdr_len };

	memcpy(fr.b + fr.len, &h, sizeof(h));
	for (uint32_t i = 0; i < len; i++)
		fr.b[fr.len + sizeof(h) + i] = (unsigned char)(i < 6 ? 0xff : i);
	fr.len += NANVIX_NET_FRAME_RECORD(len);
}

static int gen_frames(void)
{
	frames_begin(1514);
	put_bytes("empty", fr.b, fr.len);
	frames_add(60, 60);
	put_bytes("one", fr.b, fr.len);
	frames_add(14, 14);
	frames_add(42, 42);
	frames_add(99, 99);
	put_bytes("several", fr.b, fr.len);

	frames_begin(1514);
	frames_add(1514, 1514);
	put_bytes("max-size", fr.b, fr.len);

	frames_begin(1514);
	frames_add(1515, 1515);
	put_bytes("bad-over-max", fr.b, fr.len);

	frames_begin(1514);
	frames_add(60, 60);
	frames_add(13, 13);
	put_bytes("bad-short-frame", fr.b, fr.len);

	frames_begin(1514);
	frames_add(60, 60);
	fr.len += 5; /* a header cut short */
	put_bytes("bad-cut-header", fr.b, fr.len);

	frames_begin(1514);
	frames_add(100, 60);
	put_bytes("bad-past-end", fr.b, fr.len);

	frames_begin(UINT16_MAX);
	frames_add(60, 60);
	fr.len -= 3; /* not a multiple of 8 */
	put_bytes("bad-unaligned-size", fr.b, fr.len);

	/* A length whose record size wrapped to 8 in 32 bits (found by fuzz_frames). */
	frames_begin(UINT32_MAX);
	frames_add(UINT32_MAX, 16);
	put_bytes("bad-len-wraps", fr.b, fr.len);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned i;

	if (argc == 3 && strcmp(argv[1], "--fs") == 0) {
		dir = argv[2];
		return gen_fs();
	}
	if (argc == 3 && strcmp(argv[1], "--hello") == 0) {
		dir = argv[2];
		return gen_hello();
	}
	if (argc == 3 && strcmp(argv[1], "--frames") == 0) {
		dir = argv[2];
		return gen_frames();
	}
	if (argc != 2) {
		fprintf(stderr, "usage: %s [--fs|--hello|--frames] DIR\n", argv[0]);
		return 2;
	}
	dir = argv[1];

	/* Valid. */
	exec();
	put("ok-exec");
	eb_init(&im, ET_DYN, 0);
	put("ok-static-pie");
	eb_init_kernel(&im, KVBASE, KPBASE);
	put("ok-kernel");
	exec();
	eb_add(&im, PT_PHDR, PF_R, BASE + 0x40, 0x100, 0x40, 0x100);
	eb_add(&im, PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0);
	put("ok-phdr-stack");
	exec();
	for (i = 0; i < 5; i++)
		eb_add(&im, PT_LOAD, PF_R, BASE + 0x10000 + i * 0x1000, 0x100, 0, 0x100);
	put("ok-eight-segments");

	/* Broken, one way each. */
	exec();
	eh()->e_ident[EI_CLASS] = ELFCLASS32;
	put("bad-class32");
	exec();
	eh()->e_machine = EM_AARCH64;
	put("bad-machine");
	exec();
	eh()->e_type = ET_REL;
	put("bad-type-rel");
	exec();
	eh()->e_phoff = 0xfffffffffffffff8ull;
	put("bad-phoff");
	exec();
	eb_add(&im, PT_INTERP, PF_R, BASE + 0x200, 0x1c, 0x200, 0x1c);
	put("bad-interp");
	exec();
	ph(1)->p_flags = PF_R | PF_W | PF_X;
	put("bad-wx");
	exec();
	ph(2)->p_vaddr = ph(1)->p_vaddr + ph(1)->p_memsz;
	put("bad-shared-page-wx");
	exec();
	ph(2)->p_vaddr = ph(1)->p_vaddr + 0x100;
	ph(2)->p_flags = PF_R;
	ph(2)->p_memsz = ph(2)->p_filesz;
	eb_add(&im, PT_LOAD, PF_R | PF_W, ph(1)->p_vaddr + 0x200, 0x100, EB_DATA_OFF, 0x10);
	put("bad-shared-page-wx-3");
	exec();
	ph(2)->p_vaddr = ph(1)->p_vaddr;
	put("bad-overlap");
	exec();
	eh()->e_entry = ph(2)->p_vaddr;
	put("bad-entry-data");
	exec();
	ph(2)->p_offset = im.size - 1;
	put("bad-past-eof");
	exec();
	ph(2)->p_memsz = 1ull << 63;
	put("bad-huge-memsz");
	exec();
	for (i = 0; i < 6; i++)
		eb_add(&im, PT_LOAD, PF_R, BASE + 0x10000 + i * 0x1000, 0x100, 0, 0x100);
	put("bad-nine-segments");
	eb_init_kernel(&im, KVBASE, KPBASE);
	ph(2)->p_paddr = ph(1)->p_paddr;
	put("bad-kernel-paddr-overlap");
	exec();
	im.size = 300;
	put("bad-truncated");
	return 0;
}
