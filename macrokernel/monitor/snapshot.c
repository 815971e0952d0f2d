/* Snapshots of a VM: saving, opening and checking, restoring (snapshot.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <abi/bootinfo.h>
#include <abi/hypercall.h>
#include <monitor/guestmem.h>
#include <monitor/snapshot.h>
#include <monitor/tty.h>
#include <monitor/vm.h>

#define PAGE            4096ull
#define SNAP_MAGIC      "NVXSNAP"
#define SNAP_VERSION    2
#define SNAP_PROGS_MAX  32768 /* bytes of program names and paths */
#define SNAP_BUILD_ID   32    /* bytes of the host build stamp kept */
#define SNAP_STATE_FILE "state"
#define SNAP_MEM_FILE   "mem"

/* The state file, written and read as it is (one machine: its byte order). */
struct snap_state {
	char magic[8]; /* SNAP_MAGIC */
	uint32_t version;
	uint32_t size; /* sizeof(struct snap_state) */
	uint32_t abi_version;
	uint32_t flags; /* SNAP_* */
	uint8_t nanvixd_id[SNAP_BUILD_ID];
	uint32_t nanvixd_id_len;
	uint32_t nprograms;
	uint64_t kernel_hash;
	struct vm_fingerprint cpu;
	uint64_t mem_size;
	uint64_t mem_hash;
	uint64_t mem_data; /* bytes of memory that are not holes */
	uint64_t generation;
	uint64_t bootinfo_gpa, hc_gpa, kstats_gpa, frames_gpa;
	uint64_t stack_size;
	uint64_t tsc;         /* the guest TSC when it was taken */
	uint64_t realtime_ns; /* the host's time then */
	struct nanvix_vvar vvar;
	struct vm_cpu_state cpu_state;
	char name[64];
	/* SNAP_DISK_RO: the image's blksw spec and what identifies the file. */
	char disk[PATH_MAX + 4];
	uint64_t disk_dev, disk_ino, disk_size;
	int64_t disk_mtime_ns;
	char programs[SNAP_PROGS_MAX]; /* nprograms times name\0path\0 */
	uint64_t hash;                 /* of everything above */
};

struct snap_image {
	struct snap_state st;
	char dir[PATH_MAX];
	int mem_fd;
	struct vm_program *programs;
	int nprograms;
};

static void say(char *err, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void say(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}

/*
 * A 64-bit hash over whole words, four lanes at a time (memory speed on
 * the host): it finds a corrupted or truncated snapshot, it is no
 * defence against someone who may write the snapshot directory.
 */
static uint64_t mix(uint64_t h, uint64_t w)
{
	h ^= w * 0x9e3779b97f4a7c15ull;
	h = (h << 31) | (h >> 33);
	return h * 0xff51afd7ed558ccdull;
}

static uint64_t hash_bytes(uint64_t seed, const void *p, size_t len)
{
	const uint8_t *b = p;
	uint64_t h[4] = { seed, seed ^ 1, seed ^ 2, seed ^ 3 }, w[4], tail = 0;
	size_t i = 0;

	for (; i + 32 <= len; i += 32) {
		memcpy(w, b + i, 32);
		for (int k = 0; k < 4; k++)
			h[k] = mix(h[k], w[k]);
	}
	for (; i + 8 <= len; i += 8) {
		memcpy(w, b + i, 8);
		h[0] = mix(h[0], w[0]);
	}
	memcpy(&tail, b + i, len - i);
	h[1] = mix(h[1], tail ^ ((uint64_t)len << 56));
	return mix(mix(mix(h[0], h[1]), h[2]), h[3]);
}

/*
 * The build of the host side that took a snapshot: this object's compile
 * time, so every program of one build (nanvixd, nanvix-serve, snapbench,
 * all linking this file's object) restores the others' snapshots, and a
 * rebuild refuses the old ones (the state layout or the restore may have
 * changed).
 */
struct build_id {
	uint8_t id[SNAP_BUILD_ID];
	uint32_t len;
};

static void own_build_id(struct build_id *b)
{
	static const char stamp[] = "nanvix " __DATE__ " " __TIME__;

	memset(b, 0, sizeof(*b));
	b->len = sizeof(stamp) - 1 < SNAP_BUILD_ID ? sizeof(stamp) - 1 : SNAP_BUILD_ID;
	memcpy(b->id, stamp, b->len);
}

/* Where a guest's uptime stood at TSC `tsc` under the clock bases of `v`. */
static uint64_t uptime_ns(const struct nanvix_vvar *v, uint64_t tsc)
{
	return (uint64_t)(((unsigned __int128)(tsc - v->tsc_base) * v->tsc_mult) >> 32);
}

/* Write all of buf at `off`; 0 or -errno. */
static int write_at(int fd, const void *buf, size_t len, off_t off)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = pwrite(fd, p, len, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		p += n, len -= (size_t)n, off += n;
	}
	return 0;
}

static bool page_is_zero(const uint8_t *p)
{
	uint64_t acc = 0, w;

	for (size_t i = 0; i < PAGE; i += 8) {
		memcpy(&w, p + i, 8);
		acc |= w;
	}
	return acc == 0;
}

/* The memory hash: every non-zero page, with its number, in ascending order. */
static uint64_t hash_page(uint64_t h, uint64_t pageno, const uint8_t *page)
{
	return hash_bytes(mix(h, pageno), page, PAGE);
}

#define MEM_HASH_SEED 0x6e616e766978ull

/*
 * Guest RAM into `fd` as a sparse file: runs of non-zero pages written,
 * zero pages left as holes.  An anonymous page never touched is not even
 * read (mincore); a snapshot's file-backed page is.
 */
static int write_memory(const struct vm_mem *mem, int fd, uint64_t *hash, uint64_t *data)
{
	uint64_t npages = mem->size / PAGE;
	unsigned char *resident = NULL;
	uint64_t h = MEM_HASH_SEED, run = 0, i;
	int rc = 0;

	if (ftruncate(fd, (off_t)mem->size) < 0)
		return -errno;
	if (!mem->file && !mem->shared) {
		resident = malloc(npages);
		if (resident && mincore(mem->base, mem->size, resident) < 0) {
			free(resident);
			resident = NULL;
		}
	}
	*data = 0;
	for (i = 0; i <= npages; i++) {
		bool zero = i == npages || (resident && !(resident[i] & 1)) ||
		            page_is_zero(mem->base + i * PAGE);

		if (!zero) {
			h = hash_page(h, i, mem->base + i * PAGE);
			run++;
			continue;
		}
		if (run) {
			uint64_t off = (i - run) * PAGE;

			rc = write_at(fd, mem->base + off, run * PAGE, (off_t)off);
			if (rc)
				break;
			*data += run * PAGE;
			run = 0;
		}
	}
	free(resident);
	*hash = h;
	return rc;
}

/* Hash the memory file's non-zero pages as write_memory did, reading only its data; 0 or -errno. */
static int hash_memory(int fd, uint64_t size, uint64_t *hash, uint64_t *data)
{
	uint64_t h = MEM_HASH_SEED;
	uint8_t *map;
	off_t off = 0;

	*data = 0;
	map = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		return -errno;
	while ((uint64_t)off < size) {
		off_t start = lseek(fd, off, SEEK_DATA), end;

		if (start < 0 && errno == ENXIO)
			break; /* no data past `off` */
		end = start < 0 ? -1 : lseek(fd, start, SEEK_HOLE);
		if (end < 0 || (uint64_t)end > size) {
			munmap(map, size);
			return end < 0 ? -errno : -EINVAL;
		}
		for (uint64_t p = (uint64_t)start / PAGE; p < ((uint64_t)end + PAGE - 1) / PAGE;
		     p++)
			if (!page_is_zero(map + p * PAGE)) {
				h = hash_page(h, p, map + p * PAGE);
				*data += PAGE;
			}
		off = (off_t)((((uint64_t)end + PAGE - 1) / PAGE) * PAGE);
	}
	munmap(map, size);
	*hash = h;
	return 0;
}

/* The VM's programs as name\0path\0 pairs; false if they do not fit. */
static bool pack_programs(const struct vm *vm, struct snap_state *st)
{
	size_t used = 0;

	for (int i = 0; i < vm->nprograms; i++) {
		size_t a = strlen(vm->programs[i].name) + 1, b = strlen(vm->programs[i].path) + 1;

		if (used + a + b > sizeof(st->programs))
			return false;
		memcpy(st->programs + used, vm->programs[i].name, a);
		memcpy(st->programs + used + a, vm->programs[i].path, b);
		used += a + b;
	}
	st->nprograms = (uint32_t)vm->nprograms;
	return true;
}

/* Write `len` bytes of `buf` to dir/name through a temporary file, synced. */
static int write_file(int dirfd, const char *name, const void *buf, size_t len,
                      const struct vm_mem *mem, uint64_t *hash, uint64_t *data)
{
	char tmp[64];
	int fd, rc;

	snprintf(tmp, sizeof(tmp), ".%s.tmp", name);
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	rc = mem ? write_memory(mem, fd, hash, data) : write_at(fd, buf, len, 0);
	if (!rc && fsync(fd) < 0)
		rc = -errno;
	close(fd);
	if (!rc && renameat(dirfd, tmp, dirfd, name) < 0)
		rc = -errno;
	if (rc)
		unlinkat(dirfd, tmp, 0);
	return rc;
}

/*
 * A read-only disk's spec made absolute ("PATH:ro") and its identity into
 * *st; 0, or -1 with why.
 */
static int save_disk(struct snap_state *st, const char *spec, char *err, size_t errlen)
{
	char path[PATH_MAX], real[PATH_MAX];
	size_t n = strlen(spec);
	struct stat sb;

	if (n < 4 || strcmp(spec + n - 3, ":ro") != 0 || n - 3 >= sizeof(path)) {
		say(err, errlen,
		    "a snapshot keeps only a read-only disk (--disk IMAGE:ro), not '%s'", spec);
		return -1;
	}
	memcpy(path, spec, n - 3);
	path[n - 3] = '\0';
	if (!realpath(path, real) || stat(real, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		say(err, errlen, "the disk image '%s' is not a file", path);
		return -1;
	}
	snprintf(st->disk, sizeof(st->disk), "%s:ro", real);
	st->disk_dev = (uint64_t)sb.st_dev;
	st->disk_ino = (uint64_t)sb.st_ino;
	st->disk_size = (uint64_t)sb.st_size;
	st->disk_mtime_ns = (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec;
	return 0;
}

int snapshot_save(struct vm *vm, const char *dir, uint64_t hc_gpa, const void *kernel,
                  size_t kernel_size, uint32_t flags, const char *disk, char *err,
                  size_t errlen)
{
	struct snap_state *st = calloc(1, sizeof(*st));
	struct build_id bid;
	struct timespec now;
	uint64_t khz;
	int dirfd = -1, rc = -1;

	if (!st) {
		say(err, errlen, "out of memory");
		return -1;
	}
	memcpy(st->magic, SNAP_MAGIC, sizeof(SNAP_MAGIC));
	st->version = SNAP_VERSION;
	st->size = sizeof(*st);
	st->abi_version = NANVIX_ABI_VERSION;
	st->flags = flags;
	own_build_id(&bid);
	memcpy(st->nanvixd_id, bid.id, sizeof(st->nanvixd_id));
	st->nanvixd_id_len = bid.len;
	st->kernel_hash = kernel ? hash_bytes(0, kernel, kernel_size) : 0;
	st->mem_size = vm->mem.size;
	st->generation = vm->bootinfo->generation;
	st->bootinfo_gpa = (uint64_t)((uint8_t *)vm->bootinfo - vm->mem.base);
	st->hc_gpa = hc_gpa;
	st->kstats_gpa = vm->kstats_gpa;
	st->frames_gpa = vm->frames_gpa;
	st->stack_size = vm->stack_size;
	st->vvar = vm->vvar;
	snprintf(st->name, sizeof(st->name), "%s", vm->bootinfo->name);
	if ((flags & SNAP_DISK_RO) && save_disk(st, disk ? disk : "", err, errlen) < 0)
		goto out;
	if (!pack_programs(vm, st)) {
		say(err, errlen, "the VM's program list does not fit in a snapshot (%d programs)",
		    vm->nprograms);
		goto out;
	}
	if (vm_fingerprint(vm, &st->cpu) < 0 || vm_cpu_save(vm, &st->cpu_state) < 0 ||
	    vm_read_tsc(vm, &st->tsc, &khz) < 0) {
		say(err, errlen, "cannot read the vCPU's state (see above)");
		goto out;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	st->realtime_ns = (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		say(err, errlen, "cannot make snapshot directory '%s': %s", dir, strerror(errno));
		goto out;
	}
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		say(err, errlen, "cannot open snapshot directory '%s': %s", dir, strerror(errno));
		goto out;
	}
	/* Memory first: its hash goes into the state, which makes the snapshot whole. */
	unlinkat(dirfd, SNAP_STATE_FILE, 0);
	rc = write_file(dirfd, SNAP_MEM_FILE, NULL, 0, &vm->mem, &st->mem_hash, &st->mem_data);
	if (!rc) {
		st->hash = hash_bytes(0, st, offsetof(struct snap_state, hash));
		rc = write_file(dirfd, SNAP_STATE_FILE, st, sizeof(*st), NULL, NULL, NULL);
	}
	if (!rc && fsync(dirfd) < 0)
		rc = -errno;
	if (rc) {
		say(err, errlen, "cannot write the snapshot into '%s': %s", dir, strerror(-rc));
		rc = -1;
	}
out:
	if (dirfd >= 0)
		close(dirfd);
	free(st);
	return rc;
}

/* The state's program list as vm_programs pointing into it; false if malformed. */
static bool unpack_programs(struct snap_image *img)
{
	const char *p = img->st.programs, *end = p + sizeof(img->st.programs);

	if (img->st.nprograms > 4096)
		return false;
	img->programs = calloc(img->st.nprograms + 1, sizeof(*img->programs));
	if (!img->programs)
		return false;
	for (uint32_t i = 0; i < img->st.nprograms; i++) {
		const char *name = p, *path;
		size_t a = strnlen(name, (size_t)(end - p));

		if (a == 0 || name + a == end)
			return false;
		path = name + a + 1;
		if (path >= end || strnlen(path, (size_t)(end - path)) == (size_t)(end - path))
			return false;
		img->programs[i].name = name;
		img->programs[i].path = path;
		p = path + strlen(path) + 1;
	}
	img->nprograms = (int)img->st.nprograms;
	return true;
}

/* Read the state file whole; 0 or -1 with why. */
static int read_state(struct snap_image *img, int dirfd, char *err, size_t errlen)
{
	struct stat sb;
	int fd = openat(dirfd, SNAP_STATE_FILE, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0) {
		say(err, errlen, "'%s' is not a snapshot: no %s file (%s)", img->dir,
		    SNAP_STATE_FILE, strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) < 0 || sb.st_size != (off_t)sizeof(img->st)) {
		say(err, errlen,
		    "snapshot '%s': the state file has %lld bytes, not %zu (truncated, or "
		    "written by another version of nanvixd)",
		    img->dir, (long long)sb.st_size, sizeof(img->st));
		close(fd);
		return -1;
	}
	n = pread(fd, &img->st, sizeof(img->st), 0);
	close(fd);
	if (n != (ssize_t)sizeof(img->st)) {
		say(err, errlen, "snapshot '%s': cannot read the state file", img->dir);
		return -1;
	}
	return 0;
}

/* Everything in the state that does not depend on this host; 0 or -1 with why. */
static int check_state(struct snap_image *img, char *err, size_t errlen)
{
	const struct snap_state *st = &img->st;
	const uint64_t bi_end = st->bootinfo_gpa + sizeof(struct nanvix_bootinfo);

	if (memcmp(st->magic, SNAP_MAGIC, sizeof(SNAP_MAGIC)) != 0) {
		say(err, errlen, "'%s' is not a snapshot (bad magic in its state file)", img->dir);
		return -1;
	}
	if (st->version != SNAP_VERSION || st->size != sizeof(*st)) {
		say(err, errlen, "snapshot '%s' has format version %u; this nanvixd reads %u",
		    img->dir, st->version, SNAP_VERSION);
		return -1;
	}
	if (st->hash != hash_bytes(0, st, offsetof(struct snap_state, hash))) {
		say(err, errlen, "snapshot '%s' is corrupt: its state file fails its hash",
		    img->dir);
		return -1;
	}
	if (st->abi_version != NANVIX_ABI_VERSION) {
		say(err, errlen,
		    "snapshot '%s' holds a kernel of boot ABI %u; this nanvixd speaks %d", img->dir,
		    st->abi_version, NANVIX_ABI_VERSION);
		return -1;
	}
	/* Every address the restore writes through must lie in guest RAM. */
	if (st->mem_size == 0 || st->mem_size % PAGE || st->mem_size > (64ull << 30) ||
	    st->bootinfo_gpa >= st->mem_size || bi_end > st->mem_size ||
	    bi_end < st->bootinfo_gpa || st->hc_gpa > st->mem_size - 8 || st->hc_gpa % 8 ||
	    st->name[sizeof(st->name) - 1] || st->cpu_state.nmsrs > VM_CPU_MSRS ||
	    st->disk[sizeof(st->disk) - 1] || (st->flags & ~(SNAP_NET_GUEST | SNAP_DISK_RO)) ||
	    !(st->flags & SNAP_DISK_RO) != !st->disk[0] || !unpack_programs(img)) {
		say(err, errlen, "snapshot '%s' is malformed (its state is inconsistent)",
		    img->dir);
		return -1;
	}
	return 0;
}

/* What this host must match: nanvixd, CPU, TSC rate; 0 or -1 with why. */
static int check_host(struct snap_image *img, char *err, size_t errlen)
{
	const struct snap_state *st = &img->st;
	struct vm_fingerprint fp;
	struct build_id bid;
	struct vm probe;

	own_build_id(&bid);
	if (bid.len != st->nanvixd_id_len || memcmp(bid.id, st->nanvixd_id, bid.len) != 0) {
		say(err, errlen,
		    "snapshot '%s' was taken by another build of nanvixd (build ids differ); take "
		    "it again with this one",
		    img->dir);
		return -1;
	}
	/* The fingerprint needs /dev/kvm and a vCPU: a throwaway VM of one page. */
	memset(&probe, 0, sizeof(probe));
	if (vm_create(&probe, PAGE) != 0) {
		say(err, errlen, "cannot check snapshot '%s' against this host (see above)",
		    img->dir);
		return -1;
	}
	if (vm_fingerprint(&probe, &fp) < 0) {
		vm_destroy(&probe);
		say(err, errlen, "cannot read this host's CPU fingerprint");
		return -1;
	}
	vm_destroy(&probe);
	if (memcmp(fp.vendor, st->cpu.vendor, sizeof(fp.vendor)) != 0 ||
	    fp.signature != st->cpu.signature ||
	    memcmp(fp.features, st->cpu.features, sizeof(fp.features)) != 0) {
		say(err, errlen,
		    "snapshot '%s' was taken on another CPU (%.12s, signature %#x; here %.12s, "
		    "%#x%s): it cannot be restored here",
		    img->dir, st->cpu.vendor, st->cpu.signature, fp.vendor, fp.signature,
		    fp.signature == st->cpu.signature ? ", other features" : "");
		return -1;
	}
	if (fp.tsc_khz != st->cpu.tsc_khz) {
		say(err, errlen,
		    "snapshot '%s' was taken with a %llu kHz TSC; this host's runs at %llu kHz",
		    img->dir, (unsigned long long)st->cpu.tsc_khz, (unsigned long long)fp.tsc_khz);
		return -1;
	}
	return 0;
}

/* The disk it was taken with: the same file, unchanged since; 0 or -1 with why. */
static int check_disk(struct snap_image *img, char *err, size_t errlen)
{
	const struct snap_state *st = &img->st;
	char path[PATH_MAX + 4];
	size_t n = strlen(st->disk);
	struct stat sb;

	if (!(st->flags & SNAP_DISK_RO))
		return 0;
	if (n < 4 || strcmp(st->disk + n - 3, ":ro") != 0) {
		say(err, errlen, "snapshot '%s' is malformed (its disk)", img->dir);
		return -1;
	}
	memcpy(path, st->disk, n - 3);
	path[n - 3] = '\0';
	if (stat(path, &sb) < 0) {
		say(err, errlen, "snapshot '%s' needs its disk image '%s': %s", img->dir, path,
		    strerror(errno));
		return -1;
	}
	if ((uint64_t)sb.st_dev != st->disk_dev || (uint64_t)sb.st_ino != st->disk_ino ||
	    (uint64_t)sb.st_size != st->disk_size ||
	    (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec != st->disk_mtime_ns) {
		say(err, errlen,
		    "snapshot '%s': the disk image '%s' changed since the snapshot (another file, "
		    "size or modification time): its file system would not match the VM's",
		    img->dir, path);
		return -1;
	}
	return 0;
}

/* The memory file: its size, then its hash (once, here); 0 or -1 with why. */
static int check_memory(struct snap_image *img, int dirfd, char *err, size_t errlen)
{
	struct stat sb;
	uint64_t hash = 0, data = 0;
	int rc;

	img->mem_fd = openat(dirfd, SNAP_MEM_FILE, O_RDONLY | O_CLOEXEC);
	if (img->mem_fd < 0) {
		say(err, errlen, "snapshot '%s' has no memory file: %s", img->dir, strerror(errno));
		return -1;
	}
	if (fstat(img->mem_fd, &sb) < 0 || !S_ISREG(sb.st_mode) ||
	    (uint64_t)sb.st_size != img->st.mem_size) {
		say(err, errlen,
		    "snapshot '%s': the memory file has %lld bytes, the VM had %llu (truncated?)",
		    img->dir, (long long)sb.st_size, (unsigned long long)img->st.mem_size);
		return -1;
	}
	rc = hash_memory(img->mem_fd, img->st.mem_size, &hash, &data);
	if (rc) {
		say(err, errlen, "snapshot '%s': cannot read the memory file: %s", img->dir,
		    strerror(-rc));
		return -1;
	}
	if (hash != img->st.mem_hash || data != img->st.mem_data) {
		say(err, errlen, "snapshot '%s' is corrupt: its memory file fails its hash",
		    img->dir);
		return -1;
	}
	return 0;
}

int snapshot_open(struct snap_image **out, const char *dir, char *err, size_t errlen)
{
	struct snap_image *img = calloc(1, sizeof(*img));
	int dirfd;

	*out = NULL;
	if (!img) {
		say(err, errlen, "out of memory");
		return -1;
	}
	img->mem_fd = -1;
	snprintf(img->dir, sizeof(img->dir), "%s", dir);
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		say(err, errlen, "cannot open snapshot '%s': %s", dir, strerror(errno));
		snapshot_close(img);
		return -1;
	}
	if (read_state(img, dirfd, err, errlen) < 0 || check_state(img, err, errlen) < 0 ||
	    check_host(img, err, errlen) < 0 || check_disk(img, err, errlen) < 0 ||
	    check_memory(img, dirfd, err, errlen) < 0) {
		close(dirfd);
		snapshot_close(img);
		return -1;
	}
	close(dirfd);
	*out = img;
	return 0;
}

void snapshot_close(struct snap_image *img)
{
	if (!img)
		return;
	if (img->mem_fd >= 0)
		close(img->mem_fd);
	free(img->programs);
	free(img);
}

uint64_t snapshot_mem_size(const struct snap_image *img)
{
	return img->st.mem_size;
}

int snapshot_mem_fd(const struct snap_image *img)
{
	return img->mem_fd;
}

uint32_t snapshot_flags(const struct snap_image *img)
{
	return img->st.flags;
}

const char *snapshot_disk(const struct snap_image *img)
{
	return img->st.flags & SNAP_DISK_RO ? img->st.disk : NULL;
}

const char *snapshot_name(const struct snap_image *img)
{
	return img->st.name;
}

const struct vm_program *snapshot_programs(const struct snap_image *img, int *n)
{
	*n = img->nprograms;
	return img->programs;
}

/*
 * Before the first instruction: a new generation and seed, and clock
 * bases that make the guest's uptime (and CLOCK_MONOTONIC) go on from the
 * snapshot's instant on this vCPU's TSC, and CLOCK_REALTIME read the
 * host's time now.  The kernel reloads them when the snapshot call returns.
 */
static int refresh_boot_info(struct vm *vm, const struct snap_image *img)
{
	const struct snap_state *st = &img->st;
	struct nanvix_bootinfo *bi = gpa_ptr(&vm->mem, st->bootinfo_gpa, sizeof(*bi));
	int64_t *ret = gpa_ptr(&vm->mem, st->hc_gpa, sizeof(*ret));
	uint64_t tsc, khz, up = uptime_ns(&st->vvar, st->tsc);
	struct timespec now;

	if (!bi || !ret || vm_read_tsc(vm, &tsc, &khz) < 0) {
		vm_error("restore: cannot reach the kernel's boot info or the vCPU's TSC");
		return NANVIXD_EXIT_HOST;
	}
	if (getrandom(bi->seed, sizeof(bi->seed), 0) != (ssize_t)sizeof(bi->seed)) {
		vm_error("restore: getrandom: %s", strerror(errno));
		return NANVIXD_EXIT_HOST;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	vm->vvar = st->vvar;
	vm->vvar.tsc_base = st->vvar.tsc_base + (tsc - st->tsc);
	vm->vvar.clock_base_ns[0] =
	        (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec - up;
	bi->tsc_base = vm->vvar.tsc_base;
	bi->tsc_mult = vm->vvar.tsc_mult;
	bi->realtime_base_ns = vm->vvar.clock_base_ns[0];
	bi->monotonic_base_ns = vm->vvar.clock_base_ns[1];
	bi->generation = st->generation + 1;
	bi->restored_ns = (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
	bi->host_signals = 0;
	/* The terminals are this nanvixd's, not the snapshot taker's. */
	bi->flags = (bi->flags & ~(NANVIX_BOOT_TTY(0) | NANVIX_BOOT_TTY(1) | NANVIX_BOOT_TTY(2))) |
	            tty_boot_flags(vm);
	*ret = (int64_t)bi->generation;
	vm->bootinfo = bi;
	return 0;
}

int snapshot_restore(struct vm *vm, const struct snap_image *img, bool in_place)
{
	const struct snap_state *st = &img->st;
	int rc;

	if (in_place && vm_mem_reset(vm) < 0)
		return NANVIXD_EXIT_HOST;
	vm->parked_ret_gpa = 0; /* that wait is gone with the old state */
	if (vm_cpu_load(vm, &st->cpu_state, !in_place) < 0)
		return NANVIXD_EXIT_HOST;
	vm->kstats_gpa = st->kstats_gpa;
	vm->frames_gpa = st->frames_gpa;
	vm->stack_size = st->stack_size;
	rc = refresh_boot_info(vm, img);
	if (rc)
		return rc;
	/* The tick the kernel may be waiting for: at the first chance, as after
	 * any pause (not a timer: this may run on another thread than the vCPU's). */
	vm->irq_pending = true;
	return 0;
}
