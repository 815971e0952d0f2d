/* The call ring: requests to the macro-kernel, answered before the doorbell returns. */
/*
 * The host lays the ring out before boot; the kernel produces requests and
 * consumes completions through the direct map.  A call writes one slot,
 * publishes req_tail, rings the doorbell and finds its completion in place
 * when the `out` returns, so there is exactly one request in flight and no
 * locking.  Pointer arguments stay user virtual addresses: the host walks
 * the page tables itself, so data never passes through ring 0.  Every
 * component forwarding calls to the host (files, sockets) goes through
 * ring_call.
 */
#include <abi/linux.h>
#include <hal/hal.h>
#include <ipc/ring.h>
#include <mm/frame.h>

static volatile struct nanvix_ring_header *ring;
static uint32_t req_tail, cpl_head; /* private copies of the guest's indices */

void (*ring_host_events)(void);

bool ring_init(const struct nanvix_bootinfo *bi)
{
	uint64_t paddr = bootinfo_ring(bi, NANVIX_RING_KIND_CALLS, sizeof(*ring));

	if (!paddr || !hal->ring_kick)
		return false;
	ring = (volatile struct nanvix_ring_header *)P2V(paddr);
	if (ring->magic != NANVIX_RING_MAGIC || ring->version != NANVIX_RING_ABI_VERSION)
		panic("ring at %#lx has magic %#x version %u", paddr, ring->magic, ring->version);
	req_tail = ring->req_tail;
	cpl_head = ring->cpl_head;
	return true;
}

bool ring_active(void)
{
	return ring != NULL;
}

long ring_call(uint16_t op, uint64_t cr3, const uint64_t a[5], uint64_t *value)
{
	uint8_t *base = (uint8_t *)ring;
	uint32_t mask;
	volatile struct nanvix_ring_req *q;
	volatile struct nanvix_ring_cpl *c;
	long rc;

	if (!ring)
		return -LINUX_ENOSYS;
	mask = ring->nslots - 1u;
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
	if (ring->cpl_tail == cpl_head) {
		rc = -LINUX_EIO; /* the host answered nothing */
	} else {
		c = (volatile struct nanvix_ring_cpl *)(base + ring->cpl_off +
		                                        (cpl_head & mask) * NANVIX_RING_SLOT_SIZE);
		rc = c->status;
		if (value)
			*value = c->value;
		ring->cpl_head = ++cpl_head;
	}
	if (ring_host_events)
		ring_host_events();
	return rc;
}
