/* Remote files: the kernel's side of the ring to the fs component. */
/*
 * The host lays the ring out before boot (NANVIX_RING_PADDR); the kernel
 * produces requests and consumes completions through the direct map.  A
 * call writes one slot, publishes req_tail, rings the doorbell and finds
 * its completion in place when the `out` returns, so there is exactly one
 * request in flight and no locking (one vCPU, the kernel is not preempted).
 * Pointer arguments stay user virtual addresses: the host walks the page
 * tables itself, so file data never passes through ring 0.
 */
#include <abi/linux.h>
#include <abi/vvar.h>
#include <fd/file.h>
#include <fd/fsd.h>
#include <fd/remote.h>
#include <hal/hal.h>
#include <mm/frame.h>
#include <proc/proc.h>

static volatile struct nanvix_ring_header *ring;
static uint32_t req_tail, cpl_head; /* private copies of the guest's indices */
static bool active;

void remote_init(const struct nanvix_bootinfo *bi)
{
	uint64_t paddr = bootinfo_ring(bi, NANVIX_RING_KIND_CALLS, sizeof(*ring));

	if (!paddr || !(bi->flags & NANVIX_BOOT_FS) || !hal->ring_kick)
		return;
	ring = (volatile struct nanvix_ring_header *)P2V(paddr);
	if (ring->magic != NANVIX_RING_MAGIC || ring->version != NANVIX_RING_ABI_VERSION)
		panic("ring at %#lx has magic %#x version %u", paddr, ring->magic, ring->version);
	req_tail = ring->req_tail;
	cpl_head = ring->cpl_head;
	active = true;
	fsd_init(bi->flags & NANVIX_BOOT_FS_GUEST);
}

bool remote_active(void)
{
	return active;
}

long remote_call(uint16_t op, const uint64_t a[5], uint64_t *value)
{
	if (fsd_enabled())
		return fsd_call(op, proc_current->cr3, a, value);
	return ring_call(op, proc_current->cr3, a, value);
}

long ring_call(uint16_t op, uint64_t cr3, const uint64_t a[5], uint64_t *value)
{
	uint8_t *base = (uint8_t *)ring;
	uint32_t mask = ring->nslots - 1u;
	volatile struct nanvix_ring_req *q;
	volatile struct nanvix_ring_cpl *c;
	long rc;

	if (!active)
		return -LINUX_ENOSYS;
	q = (volatile struct nanvix_ring_req *)(base + ring->req_off +
	                                        (req_tail & mask) * NANVIX_RING_SLOT_SIZE);
	q->opcode = op;
	q->flags = 0;
	q->id = req_tail;
	q->buf_off = 0;
	q->buf_len = 0;
	q->args[0] = cr3;
	for (int i = 0; i < 5; i++)
		q->args[i + 1] = a[i];
	__atomic_thread_fence(__ATOMIC_RELEASE);
	ring->req_tail = ++req_tail;
	hal->ring_kick();
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (ring->cpl_tail == cpl_head)
		return -LINUX_EIO; /* the host answered nothing */
	c = (volatile struct nanvix_ring_cpl *)(base + ring->cpl_off +
	                                        (cpl_head & mask) * NANVIX_RING_SLOT_SIZE);
	rc = c->status;
	if (value)
		*value = c->value;
	ring->cpl_head = ++cpl_head;
	return rc;
}

static long rf_read(struct file *f, uint64_t buf, uint64_t len)
{
	uint64_t a[5] = { (uint64_t)f->priv, buf, len };

	return remote_call(NANVIX_FS_READ, a, NULL);
}

static long rf_write(struct file *f, uint64_t buf, uint64_t len)
{
	uint64_t a[5] = { (uint64_t)f->priv, buf, len, f->flags };

	return remote_call(NANVIX_FS_WRITE, a, NULL);
}

static void rf_release(struct file *f)
{
	uint64_t a[5] = { (uint64_t)f->priv };

	remote_call(NANVIX_FS_CLOSE, a, NULL);
}

static const struct file_ops remote_ops = {
	.read = rf_read,
	.write = rf_write,
	/* No poll: disk files never block (poll/select: ready; epoll: EPERM, as Linux). */
	.release = rf_release,
	.mode = LINUX_S_IFREG | 0644,
	.seekable = true,
};

struct file *remote_file(uint64_t h, uint32_t flags, bool dir)
{
	struct file *f = file_new(&remote_ops, flags, (void *)h);

	if (!f) {
		uint64_t a[5] = { h };

		remote_call(NANVIX_FS_CLOSE, a, NULL);
		return NULL;
	}
	f->stream = dir;
	return f;
}

uint32_t remote_fdmap_entry(const struct file *f)
{
	uint64_t h = remote_handle(f);
	uint32_t e;

	if (!h || h > NANVIX_FDMAP_HANDLE_MASK)
		return 0;
	e = (uint32_t)h;
	if ((f->flags & LINUX_O_ACCMODE) != LINUX_O_WRONLY)
		e |= NANVIX_FDMAP_READ;
	if (f->stream)
		e |= NANVIX_FDMAP_DIR;
	return e;
}

uint64_t remote_handle(const struct file *f)
{
	return f && f->ops == &remote_ops ? (uint64_t)f->priv : 0;
}

bool remote_is_dir(const struct file *f)
{
	return remote_handle(f) && f->stream;
}
