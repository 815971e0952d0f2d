/* The macro-kernel's per-VM core: the ring handler behind a VM's doorbell. */
/*
 * One struct mk_vm per attached VM, in nanvixd (embedded) or in the
 * separate bin/macrokernel process.  The ring is validated once at attach
 * (rings/ring.c keeps private copies of its geometry); each doorbell then
 * serves what the guest published: FS_* requests go to the VM's fs
 * service (host placement), BLK_* requests to its disk on the storage
 * switch (guest placement).  Guest memory is reached only through the
 * host's own walk of the guest page tables (monitor/guestmem.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <abi/bootinfo.h>
#include <abi/linux.h>
#include <abi/ring.h>
#include <abi/vvar.h>
#include <blksw/blksw.h>
#include <fs/service.h>
#include <mk/mk.h>
#include <monitor/guestmem.h>
#include <rings/ring.h>

#define BLK_CHUNK (256u * 1024)

struct mk_vm {
	const struct vm_mem *mem;
	struct ring ring;
	struct blksw_disk *disk;
	struct blkdev dev;
	struct fs_service *fs;
	enum mk_fs_placement placement;
	struct mk_stats st;
	uint8_t *bounce; /* BLK_CHUNK */
};

static int mem_read(void *ctx, uint64_t cr3, uint64_t ua, void *dst, size_t len)
{
	struct mk_vm *vm = ctx;

	return gva_copy_from(vm->mem, cr3, ua, dst, len) ? -EFAULT : 0;
}

static int mem_write(void *ctx, uint64_t cr3, uint64_t ua, const void *src, size_t len)
{
	struct mk_vm *vm = ctx;

	return gva_copy_to(vm->mem, cr3, ua, src, len) ? -EFAULT : 0;
}

static void *mem_map(void *ctx, uint64_t cr3, uint64_t ua, size_t len, int write)
{
	struct mk_vm *vm = ctx;
	struct iovec iov;
	int n = 0;

	if (gva_iovec(vm->mem, cr3, ua, len, write, &iov, &n, 1) || n != 1 || iov.iov_len != len)
		return NULL;
	return iov.iov_base;
}

/* BLK_READ/WRITE: [0] cr3, [1] disk (0), [2] buf, [3] len, [4] offset. */
static int blk_request(struct mk_vm *vm, const struct nanvix_ring_req *q)
{
	uint64_t cr3 = q->args[0], ua = q->args[2], len = q->args[3], off = q->args[4];
	uint64_t done = 0;

	if (!vm->disk || q->args[1] != 0)
		return -ENODEV;
	if (q->opcode == NANVIX_BLK_FLUSH) {
		vm->st.blk_flushes++;
		return blksw_flush(vm->disk);
	}
	if ((len | off) % 512 || len > (64u << 20))
		return -EINVAL;
	while (done < len) {
		size_t chunk = len - done > BLK_CHUNK ? BLK_CHUNK : (size_t)(len - done);
		int rc;

		if (q->opcode == NANVIX_BLK_READ) {
			rc = blksw_read(vm->disk, off + done, vm->bounce, chunk);
			if (!rc)
				rc = mem_write(vm, cr3, ua + done, vm->bounce, chunk);
			vm->st.blk_reads++;
		} else {
			rc = mem_read(vm, cr3, ua + done, vm->bounce, chunk);
			if (!rc)
				rc = blksw_write(vm->disk, off + done, vm->bounce, chunk);
			vm->st.blk_writes++;
		}
		if (rc)
			return rc;
		done += chunk;
	}
	return (int)(done > INT32_MAX ? INT32_MAX : done);
}

/* One request to the VM's fs service, on the guest's memory, counted. */
static int64_t fs_call(struct mk_vm *vm, const struct nanvix_ring_req *q, uint64_t *value)
{
	const struct fs_mem m = { .ctx = vm, .read = mem_read, .write = mem_write, .map = mem_map };
	int64_t rc = fs_service_call(vm->fs, q, &m, value);

	vm->st.fs_calls++;
	if (rc < 0)
		vm->st.fs_errors++;
	return rc;
}

static int handle(void *ctx, const struct nanvix_ring_req *q, struct nanvix_ring_cpl *c)
{
	struct mk_vm *vm = ctx;

	if (q->opcode >= NANVIX_BLK_READ && q->opcode <= NANVIX_BLK_FLUSH) {
		if (vm->placement != MK_FS_GUEST)
			return -ENOSYS;
		return blk_request(vm, q);
	}
	if (vm->placement != MK_FS_HOST || !vm->fs)
		return -ENOSYS;
	{
		int64_t rc = fs_call(vm, q, &c->value);

		/* Status is 32-bit: big results (offsets, handles) travel in value. */
		return rc > INT32_MAX ? INT32_MAX : (int)rc;
	}
}

int mk_vm_attach(struct mk_vm **out, struct blksw *sw, const struct vm_mem *mem,
                 const struct mk_config *cfg, char *err, size_t errlen)
{
	struct mk_vm *vm = calloc(1, sizeof(*vm));
	void *region;
	int rc;

	*out = NULL;
	if (!vm || !(vm->bounce = malloc(BLK_CHUNK))) {
		free(vm);
		snprintf(err, errlen, "macro-kernel: out of memory");
		return -ENOMEM;
	}
	vm->mem = mem;
	vm->placement = cfg->fs;
	region = gpa_ptr(mem, NANVIX_RING_PADDR, NANVIX_RING_SIZE);
	rc = region ? ring_attach(&vm->ring, region, NANVIX_RING_SIZE) : -EINVAL;
	if (rc) {
		snprintf(err, errlen, "macro-kernel: the VM's ring region is not valid");
		goto fail;
	}
	if (cfg->disk) {
		rc = blksw_open(sw, cfg->disk, &vm->disk, err, errlen);
		if (rc)
			goto fail;
		blksw_blkdev(vm->disk, &vm->dev);
	}
	if (cfg->fs == MK_FS_HOST) {
		vm->fs = fs_service_new();
		if (!vm->fs) {
			rc = -ENOMEM;
			snprintf(err, errlen, "macro-kernel: out of memory");
			goto fail;
		}
		if (vm->disk) {
			char why[400];

			rc = fs_service_mount_ext2(vm->fs, &vm->dev, blksw_readonly(vm->disk), why,
			                           sizeof(why));
			if (rc) {
				snprintf(err, errlen, "%s: %s", cfg->disk, why);
				goto fail;
			}
		}
		for (int i = 0; i < cfg->nvolumes; i++) {
			const struct mk_volume *v = &cfg->volumes[i];

			rc = fs_service_mount_volume(vm->fs, v->at, v->hostdir, v->readonly, err,
			                             errlen);
			if (rc)
				goto fail;
		}
	}
	*out = vm;
	return 0;
fail:
	mk_vm_detach(vm);
	return rc;
}

#define LOAD_MAX (64u << 20)

int mk_vm_load_file(void *ctx, uint64_t cwd, const char *path, void **buf, size_t *len)
{
	struct mk_vm *vm = ctx;

	*buf = NULL;
	if (vm->placement != MK_FS_HOST || !vm->fs)
		return -ENOENT;
	return fs_service_load(vm->fs, cwd, path, LOAD_MAX, buf, len);
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
	struct nanvix_ring_req q = { .args = { cr3 } };
	uint64_t va = NANVIX_VVAR_VA + NANVIX_VVAR_FDMAP + a[0] * 4, gpa, value = 0;
	const uint32_t *slot;
	uint32_t e;
	int64_t rc;

	if (vm->placement != MK_FS_HOST || !vm->fs || a[0] >= NANVIX_VVAR_FDMAP_COUNT)
		return 1;
	if (gva_translate(vm->mem, cr3, va, false, &gpa) || !gva_translate(vm->mem, cr3, va, true, &gpa))
		return 1; /* no vvar page, or one the process could have written */
	slot = gpa_ptr(vm->mem, gpa, sizeof(*slot));
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
	rc = fs_call(vm, &q, &value);
	*ret = nr == LINUX_SYS_lseek && rc >= 0 ? (int64_t)value : rc;
	return 0;
}

int mk_vm_kick(struct mk_vm *vm)
{
	vm->st.kicks++;
	/* Budget: everything published; the queue holds at most nslots. */
	ring_service(&vm->ring, vm->ring.nslots, handle, vm);
	return 0;
}

void mk_vm_stats(const struct mk_vm *vm, struct mk_stats *out)
{
	*out = vm->st;
	out->served = vm->ring.served;
	out->malformed = vm->ring.malformed;
}

void mk_vm_detach(struct mk_vm *vm)
{
	if (!vm)
		return;
	fs_service_free(vm->fs);
	if (vm->disk) {
		blksw_flush(vm->disk);
		blksw_close(vm->disk);
	}
	free(vm->bounce);
	free(vm);
}
