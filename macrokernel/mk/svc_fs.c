/* The fs component placed on the host: forwarded file calls (NANVIX_FS_*), fast path, exec loads. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <abi/linux.h>
#include <abi/ring.h>
#include <abi/vvar.h>
#include <blksw/blksw.h>
#include <fs/service.h>
#include <mk/mk.h>
#include <mk/service.h>
#include <monitor/guestmem.h>
#include <server/proto.h>

#define LOAD_MAX (64u << 20)

struct fs_svc {
	struct mk_vm *vm;
	struct fs_service *fs;
	uint64_t calls, errors;
};

static int64_t fs_svc_call(void *state, const struct nanvix_ring_req *q, const struct svc_mem *m,
                           uint64_t *value)
{
	struct fs_svc *f = state;
	int64_t rc = fs_service_call(f->fs, q, m, value);

	f->calls++;
	if (rc < 0)
		f->errors++;
	return rc;
}

static void fs_svc_detach(void *state)
{
	struct fs_svc *f = state;

	fs_service_free(f->fs);
	free(f);
}

static int fs_svc_attach(struct mk_vm *vm, const struct mk_config *cfg, const struct mk_host *host,
                         void **state, char *err, size_t errlen)
{
	const struct blkdev *dev;
	struct blksw_disk *disk = mk_vm_disk(vm, &dev);
	struct fs_svc *f;
	int rc;

	(void)host;
	if (cfg->fs != MK_FS_HOST)
		return 0;
	f = calloc(1, sizeof(*f));
	if (!f || !(f->fs = fs_service_new())) {
		free(f);
		snprintf(err, errlen, "macro-kernel: out of memory");
		return -ENOMEM;
	}
	f->vm = vm;
	if (disk) {
		char why[400];

		rc = fs_service_mount_ext2(f->fs, dev, blksw_readonly(disk), why, sizeof(why));
		if (rc) {
			snprintf(err, errlen, "%s: %s", cfg->disk, why);
			goto fail;
		}
	}
	for (int i = 0; i < cfg->nvolumes; i++) {
		const struct mk_volume *v = &cfg->volumes[i];

		rc = fs_service_mount_volume(f->fs, v->at, v->hostdir, v->readonly, err, errlen);
		if (!rc && v->max_bytes)
			rc = fs_service_limit_volume(f->fs, v->at, v->max_bytes, err, errlen);
		if (rc)
			goto fail;
	}
	*state = f;
	return 0;
fail:
	fs_svc_detach(f);
	return rc;
}

static void fs_svc_stats(void *state, struct mk_stats *st)
{
	struct fs_svc *f = state;
	struct fs_service_stats fst;

	st->fs_calls += f->calls;
	st->fs_errors += f->errors;
	fs_service_stats(f->fs, &fst);
	st->tmp_bytes += fst.limited_bytes;
	st->tmp_max += fst.limited_max;
}

/* ---- The fs section of the shared macro-kernel's hello (server/proto.h). ---- */

_Static_assert(MKSRV_VOLUMES == MK_VOLUMES_MAX, "proto.h and mk.h disagree on volumes");
_Static_assert(MKSRV_FS_HOST == (int)MK_FS_HOST && MKSRV_FS_GUEST == (int)MK_FS_GUEST,
               "proto.h and mk.h disagree on fs placements");

/* Copy a string into a fixed field; -1 when it does not fit. */
static int put_str(char *dst, size_t len, const char *src)
{
	size_t n = strlen(src);

	if (n >= len)
		return -1;
	memcpy(dst, src, n + 1);
	return 0;
}

static int fs_hello_put(const struct mk_config *cfg, void *payload, char *err, size_t errlen)
{
	struct mksrv_fs_section *f = payload;

	if (cfg->fs == MK_FS_NONE)
		return 0;
	f->placement = (uint32_t)cfg->fs;
	f->nvolumes = (uint32_t)cfg->nvolumes;
	if (cfg->disk && put_str(f->disk, sizeof(f->disk), cfg->disk)) {
		snprintf(err, errlen, "disk '%s': path too long for the macro-kernel", cfg->disk);
		return -ENAMETOOLONG;
	}
	for (int i = 0; i < cfg->nvolumes && i < MKSRV_VOLUMES; i++) {
		const struct mk_volume *v = &cfg->volumes[i];

		if (v->max_bytes) {
			snprintf(err, errlen,
			         "volume '%s': a shared macro-kernel cannot limit its size",
			         v->hostdir);
			return -EINVAL;
		}

		if (put_str(f->volumes[i].hostdir, sizeof(f->volumes[i].hostdir), v->hostdir) ||
		    put_str(f->volumes[i].at, sizeof(f->volumes[i].at), v->at)) {
			snprintf(err, errlen, "volume '%s': path too long for the macro-kernel",
			         v->hostdir);
			return -ENAMETOOLONG;
		}
		f->volumes[i].readonly = v->readonly;
	}
	return 1;
}

/* Length of the NUL-terminated string in a[0..n), or -1 when it has no NUL. */
static int bounded_len(const char *a, size_t n)
{
	const char *nul = memchr(a, '\0', n);

	return nul ? (int)(nul - a) : -1;
}

/* Control bytes would break the one-line logs and replies that name the path. */
static bool printable(const char *p)
{
	for (; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

/*
 * A path beneath the server's root: non-empty, relative, no ".." component
 * (a component starting with "..:" counts too, for disk specs' suffixes).
 * The storage switch and the volume check resolve it beneath the root
 * anyway; this refuses the obvious escapes with a clear message.
 */
static bool beneath(const char *p)
{
	if (!*p || *p == '/')
		return false;
	while (*p) {
		if (p[0] == '.' && p[1] == '.' && (p[2] == '\0' || p[2] == '/' || p[2] == ':'))
			return false;
		p = strchr(p, '/');
		if (!p)
			break;
		while (*p == '/')
			p++;
	}
	return true;
}

static bool all_zero(const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

/* Both strings terminated and printable, flags known, reserved zero. */
static bool volume_well_formed(const struct mksrv_volume *v)
{
	return bounded_len(v->hostdir, sizeof(v->hostdir)) >= 0 &&
	       bounded_len(v->at, sizeof(v->at)) >= 0 && printable(v->hostdir) &&
	       printable(v->at) && v->readonly <= 1 && v->reserved == 0;
}

static int fs_hello_take(const void *payload, struct mk_config *cfg, char *err, size_t errlen)
{
	const struct mksrv_fs_section *f = payload;
	int disklen;

	if (f->placement != MKSRV_FS_HOST && f->placement != MKSRV_FS_GUEST) {
		snprintf(err, errlen, "bad file-system placement %u", (unsigned)f->placement);
		return -EPROTO;
	}
	disklen = bounded_len(f->disk, sizeof(f->disk));
	if (disklen < 0 || !printable(f->disk)) {
		snprintf(err, errlen, "bad disk field (unterminated or control characters)");
		return -EPROTO;
	}
	if (f->nvolumes > MKSRV_VOLUMES) {
		snprintf(err, errlen, "too many volumes (%u, at most %d)", (unsigned)f->nvolumes,
		         MKSRV_VOLUMES);
		return -EPROTO;
	}
	for (unsigned i = 0; i < MKSRV_VOLUMES; i++) {
		const struct mksrv_volume *v = &f->volumes[i];

		if (i < f->nvolumes ? !volume_well_formed(v) : !all_zero(v, sizeof(*v))) {
			snprintf(err, errlen, "bad volume entry %u", i);
			return -EPROTO;
		}
	}
	/* Well formed: now what it asks for. */
	if (disklen > 0 && !beneath(f->disk)) {
		snprintf(err, errlen, "disk '%s': not a path relative to the macro-kernel's root",
		         f->disk);
		return -EINVAL;
	}
	if (f->placement == MKSRV_FS_GUEST && (disklen == 0 || f->nvolumes > 0)) {
		snprintf(err, errlen, "guest placement needs a disk and no volumes");
		return -EINVAL;
	}
	for (unsigned i = 0; i < f->nvolumes; i++) {
		const struct mksrv_volume *v = &f->volumes[i];

		if (!beneath(v->hostdir)) {
			snprintf(err, errlen,
			         "volume '%s': not a directory relative to the macro-kernel's root",
			         v->hostdir);
			return -EINVAL;
		}
		if (v->at[0] != '/') {
			snprintf(err, errlen, "volume '%s': the guest path '%s' is not absolute",
			         v->hostdir, v->at);
			return -EINVAL;
		}
		cfg->volumes[i].hostdir = v->hostdir; /* the server opens it beneath its root */
		cfg->volumes[i].at = v->at;
		cfg->volumes[i].readonly = v->readonly;
	}
	cfg->fs = (enum mk_fs_placement)f->placement;
	cfg->disk = disklen ? f->disk : NULL;
	cfg->nvolumes = (int)f->nvolumes;
	return 0;
}

static const struct mk_service fs_svc = {
	.name = "fs",
	.op_first = NANVIX_FS_OPEN,
	.op_end = NANVIX_FS_IDENT + 1,
	.attach = fs_svc_attach,
	.call = fs_svc_call,
	.stats = fs_svc_stats,
	.detach = fs_svc_detach,
	.hello_type = MKSRV_SECTION_FS,
	.hello_len = sizeof(struct mksrv_fs_section),
	.hello_put = fs_hello_put,
	.hello_take = fs_hello_take,
};
MK_SERVICE(fs_svc);

int mk_vm_load_file(void *ctx, uint64_t cwd, const char *path, void **buf, size_t *len)
{
	struct fs_svc *f = mk_vm_service(ctx, &fs_svc);

	*buf = NULL;
	if (!f)
		return -ENOENT;
	return fs_service_load(f->fs, cwd, path, LOAD_MAX, buf, len);
}

/*
 * The fast file path (abi/vvar.h): a call made in ring 3 without a trap.
 * The fd's handle comes from the fd map the guest kernel keeps in the vvar
 * page of the address space `cr3`, trusted only while that page is
 * read-only to ring 3 (the kernel writes it, the process cannot).  Anything
 * unusual is sent on to the trap path (1), where the kernel decides.
 */
int mk_vm_fastcall(void *ctx, uint64_t cr3, uint64_t nr, const uint64_t a[6], int64_t *ret)
{
	struct mk_vm *vm = ctx;
	struct fs_svc *f = mk_vm_service(vm, &fs_svc);
	const struct vm_mem *mem = mk_vm_guest(vm);
	struct nanvix_ring_req q = { .args = { cr3 } };
	uint64_t va = NANVIX_VVAR_VA + NANVIX_VVAR_FDMAP + a[0] * 4, gpa, value = 0;
	struct svc_mem m;
	const uint32_t *slot;
	uint32_t e;
	int64_t rc;

	if (!f || a[0] >= NANVIX_VVAR_FDMAP_COUNT)
		return 1;
	if (gva_translate(mem, cr3, va, false, &gpa) || !gva_translate(mem, cr3, va, true, &gpa))
		return 1; /* no vvar page, or one the process could have written */
	slot = gpa_ptr(mem, gpa, sizeof(*slot));
	e = slot ? __atomic_load_n(slot, __ATOMIC_RELAXED) : 0;
	if (!(e & NANVIX_FDMAP_HANDLE_MASK))
		return 1;
	q.args[1] = e & NANVIX_FDMAP_HANDLE_MASK;
	switch (nr) {
	case LINUX_SYS_read:
	case LINUX_SYS_pread64:
		if (!(e & NANVIX_FDMAP_READ) || (e & NANVIX_FDMAP_DIR))
			return 1;
		if (nr == LINUX_SYS_pread64 && (int64_t)a[3] < 0)
			return 1;
		q.opcode = nr == LINUX_SYS_read ? NANVIX_FS_READ : NANVIX_FS_PREAD;
		q.args[2] = a[1];
		q.args[3] = a[2];
		q.args[4] = a[3];
		break;
	case LINUX_SYS_fstat:
		q.opcode = NANVIX_FS_FSTATAT;
		q.args[3] = a[1];
		break;
	case LINUX_SYS_lseek:
		if (e & NANVIX_FDMAP_DIR)
			return 1;
		q.opcode = NANVIX_FS_LSEEK;
		q.args[2] = a[1];
		q.args[3] = a[2];
		break;
	default: return 1;
	}
	rc = fs_svc_call(f, &q, mk_vm_memory(vm, &m), &value);
	*ret = nr == LINUX_SYS_lseek && rc >= 0 ? (int64_t)value : rc;
	return 0;
}
