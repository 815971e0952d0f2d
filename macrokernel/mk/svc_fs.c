/* The fs component placed on the host: forwarded file calls (NANVIX_FS_*), fast path, exec loads. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <abi/linux.h>
#include <abi/ring.h>
#include <abi/vvar.h>
#include <blksw/blksw.h>
#include <fs/service.h>
#include <mk/mk.h>
#include <mk/service.h>
#include <monitor/guestmem.h>

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

	st->fs_calls += f->calls;
	st->fs_errors += f->errors;
}

static const struct mk_service fs_svc = {
	.name = "fs",
	.op_first = NANVIX_FS_OPEN,
	.op_end = NANVIX_FS_STATFS + 1,
	.attach = fs_svc_attach,
	.call = fs_svc_call,
	.stats = fs_svc_stats,
	.detach = fs_svc_detach,
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
