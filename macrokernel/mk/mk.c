/* The macro-kernel's per-VM core: the ring handler behind a VM's doorbell. */
/*
 * One struct mk_vm per attached VM, in nanvixd (embedded) or in the
 * separate bin/macrokernel process.  The ring is validated once at attach
 * (rings/ring.c keeps private copies of its geometry); each doorbell then
 * serves what the guest published, each request by the service that
 * registered its opcode (mk/service.h: the fs component with host
 * placement, the storage switch's block requests with guest placement,
 * the network component).  The core opens the VM's disk on the storage
 * switch, since two services use it.  Guest memory is reached only
 * through the host's own walk of the guest page tables
 * (monitor/guestmem.c).
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
#include <mk/mk.h>
#include <mk/service.h>
#include <monitor/guestmem.h>
#include <rings/ring.h>

#define SERVICES_MAX 8

struct mk_vm {
	const struct vm_mem *mem;
	struct ring ring;
	struct blksw_disk *disk;
	struct blkdev dev;
	struct mk_stats st;
	int nsvc;
	struct {
		const struct mk_service *s;
		void *state;
	} svc[SERVICES_MAX]; /* the services this VM uses */
};

/* The registered services (MK_SERVICE), gathered by the linker. */
extern const struct mk_service *const __start_mk_services[];
extern const struct mk_service *const __stop_mk_services[];

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

const struct svc_mem *mk_vm_memory(struct mk_vm *vm, struct svc_mem *m)
{
	*m = (struct svc_mem){ .ctx = vm, .read = mem_read, .write = mem_write, .map = mem_map };
	return m;
}

void *mk_vm_service(const struct mk_vm *vm, const struct mk_service *s)
{
	for (int i = 0; i < vm->nsvc; i++)
		if (vm->svc[i].s == s)
			return vm->svc[i].state;
	return NULL;
}

const struct vm_mem *mk_vm_guest(const struct mk_vm *vm)
{
	return vm->mem;
}

struct blksw_disk *mk_vm_disk(const struct mk_vm *vm, const struct blkdev **dev)
{
	if (dev)
		*dev = &vm->dev;
	return vm->disk;
}

static int handle(void *ctx, const struct nanvix_ring_req *q, struct nanvix_ring_cpl *c)
{
	struct mk_vm *vm = ctx;
	struct svc_mem m;

	for (int i = 0; i < vm->nsvc; i++) {
		const struct mk_service *s = vm->svc[i].s;

		if (q->opcode >= s->op_first && q->opcode < s->op_end) {
			int64_t rc = s->call(vm->svc[i].state, q, mk_vm_memory(vm, &m), &c->value);

			/* Status is 32-bit: big results (offsets, handles) travel in value. */
			return rc > INT32_MAX ? INT32_MAX : (int)rc;
		}
	}
	return -ENOSYS;
}

/* Check the ring region in the VM's memory and take its geometry and indices from it. */
static int attach_ring(struct mk_vm *vm)
{
	void *region = gpa_ptr(vm->mem, NANVIX_RING_PADDR, NANVIX_RING_SIZE);

	return region ? ring_attach(&vm->ring, region, NANVIX_RING_SIZE) : -EINVAL;
}

int mk_vm_attach(struct mk_vm **out, const struct mk_host *host, const struct vm_mem *mem,
                 const struct mk_config *cfg, char *err, size_t errlen)
{
	struct mk_vm *vm = calloc(1, sizeof(*vm));
	int rc;

	*out = NULL;
	if (!vm) {
		snprintf(err, errlen, "macro-kernel: out of memory");
		return -ENOMEM;
	}
	vm->mem = mem;
	rc = attach_ring(vm);
	if (rc) {
		snprintf(err, errlen, "macro-kernel: the VM's ring region is not valid");
		goto fail;
	}
	if (cfg->disk) {
		rc = blksw_open(host->blk, cfg->disk, &vm->disk, err, errlen);
		if (rc)
			goto fail;
		blksw_set_rate(vm->disk, cfg->disk_rate);
		blksw_blkdev(vm->disk, &vm->dev);
	}
	for (const struct mk_service *const *s = __start_mk_services; s < __stop_mk_services; s++) {
		void *state = NULL;

		if (vm->nsvc == SERVICES_MAX) {
			rc = -E2BIG;
			snprintf(err, errlen, "macro-kernel: more than %d services", SERVICES_MAX);
			goto fail;
		}
		rc = (*s)->attach(vm, cfg, host, &state, err, errlen);
		if (rc)
			goto fail;
		if (state)
			vm->svc[vm->nsvc++] = (typeof(vm->svc[0])){ *s, state };
	}
	*out = vm;
	return 0;
fail:
	mk_vm_detach(vm);
	return rc;
}

int mk_vm_reset(struct mk_vm *vm)
{
	int rc = attach_ring(vm);

	for (int i = 0; !rc && i < vm->nsvc; i++)
		if (vm->svc[i].s->reset)
			rc = vm->svc[i].s->reset(vm->svc[i].state);
	return rc;
}

int mk_vm_idle(void *ctx, uint64_t ns)
{
	struct mk_vm *vm = ctx;

	for (int i = 0; i < vm->nsvc; i++)
		if (vm->svc[i].s->idle)
			return vm->svc[i].s->idle(vm->svc[i].state, ns);
	return -ENOSYS;
}

int mk_vm_kick(struct mk_vm *vm)
{
	vm->st.kicks++;
	/* Budget: everything published; the queue holds at most nslots. */
	ring_service(&vm->ring, vm->ring.nslots, handle, vm);
	return 0;
}

bool mk_vm_quiet(const struct mk_vm *vm)
{
	return ring_quiet(&vm->ring);
}

void mk_vm_stats(const struct mk_vm *vm, struct mk_stats *out)
{
	*out = vm->st;
	out->served = vm->ring.served;
	out->malformed = vm->ring.malformed;
	for (int i = 0; i < vm->nsvc; i++)
		if (vm->svc[i].s->stats)
			vm->svc[i].s->stats(vm->svc[i].state, out);
}

void mk_vm_detach(struct mk_vm *vm)
{
	if (!vm)
		return;
	/* Last registered first: a service may use what an earlier one set up. */
	while (vm->nsvc-- > 0)
		vm->svc[vm->nsvc].s->detach(vm->svc[vm->nsvc].state);
	if (vm->disk) {
		blksw_flush(vm->disk);
		blksw_close(vm->disk);
	}
	free(vm);
}
