/* Block requests of an in-VM fs component (NANVIX_BLK_*) to the VM's disk on the storage switch. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <abi/ring.h>
#include <blksw/blksw.h>
#include <mk/mk.h>
#include <mk/service.h>

#define BLK_CHUNK (256u * 1024)

struct blk_svc {
	struct blksw_disk *disk;
	uint64_t reads, writes, flushes;
	uint8_t bounce[BLK_CHUNK];
};

/* BLK_READ/WRITE: [0] cr3, [1] disk (0), [2] buf, [3] len, [4] offset. */
static int64_t blk_svc_call(void *state, const struct nanvix_ring_req *q, const struct svc_mem *m,
                            uint64_t *value)
{
	struct blk_svc *b = state;
	uint64_t cr3 = q->args[0], ua = q->args[2], len = q->args[3], off = q->args[4];
	uint64_t done = 0;

	(void)value;
	if (!b->disk || q->args[1] != 0)
		return -ENODEV;
	if (q->opcode == NANVIX_BLK_FLUSH) {
		b->flushes++;
		return blksw_flush(b->disk);
	}
	if ((len | off) % 512 || len > (64u << 20))
		return -EINVAL;
	while (done < len) {
		size_t chunk = len - done > BLK_CHUNK ? BLK_CHUNK : (size_t)(len - done);
		int rc;

		if (q->opcode == NANVIX_BLK_READ) {
			rc = blksw_read(b->disk, off + done, b->bounce, chunk);
			if (!rc)
				rc = m->write(m->ctx, cr3, ua + done, b->bounce, chunk);
			b->reads++;
		} else {
			rc = m->read(m->ctx, cr3, ua + done, b->bounce, chunk);
			if (!rc)
				rc = blksw_write(b->disk, off + done, b->bounce, chunk);
			b->writes++;
		}
		if (rc)
			return rc;
		done += chunk;
	}
	return (int64_t)(done > INT32_MAX ? INT32_MAX : done);
}

static int blk_svc_attach(struct mk_vm *vm, const struct mk_config *cfg, const struct mk_host *host,
                          void **state, char *err, size_t errlen)
{
	struct blk_svc *b;

	(void)host;
	if (cfg->fs != MK_FS_GUEST)
		return 0;
	b = calloc(1, sizeof(*b));
	if (!b) {
		snprintf(err, errlen, "macro-kernel: out of memory");
		return -ENOMEM;
	}
	b->disk = mk_vm_disk(vm, NULL);
	*state = b;
	return 0;
}

static void blk_svc_stats(void *state, struct mk_stats *st)
{
	struct blk_svc *b = state;

	st->blk_reads += b->reads;
	st->blk_writes += b->writes;
	st->blk_flushes += b->flushes;
}

static const struct mk_service blk_svc = {
	.name = "blk",
	.op_first = NANVIX_BLK_READ,
	.op_end = NANVIX_BLK_FLUSH + 1,
	.attach = blk_svc_attach,
	.call = blk_svc_call,
	.stats = blk_svc_stats,
	.detach = free,
};
MK_SERVICE(blk_svc);
