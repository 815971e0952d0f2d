/* Ring decoding on the host: every slot validated before it is acted on. */
/*
 * The guest may change any byte of the region at any time (another vCPU,
 * or a hostile program racing us), so the host reads each guest-written
 * value exactly once into private memory (header fields at attach, a
 * request slot, the tail index) and validates the copy: check, then act.
 * Host-owned indices live in struct ring and are only published to the
 * region, never read back from it.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <rings/ring.h>

static uint32_t read_u32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return v;
}

static void publish_u32(uint8_t *p, uint32_t v)
{
	__atomic_thread_fence(__ATOMIC_RELEASE);
	memcpy(p, &v, sizeof(v));
}

/* [off, off + len) lies in [0, limit) without wrapping. */
static int inside(uint64_t off, uint64_t len, uint64_t limit)
{
	return off <= limit && len <= limit - off;
}

int ring_attach(struct ring *r, void *base, size_t len)
{
	struct nanvix_ring_header h;
	uint64_t qbytes;

	memset(r, 0, sizeof(*r));
	if (!base || len < sizeof(h))
		return -EINVAL;
	memcpy(&h, base, sizeof(h));
	if (h.magic != NANVIX_RING_MAGIC || h.version != NANVIX_RING_ABI_VERSION)
		return -EINVAL;
	if (h.nslots == 0 || h.nslots > NANVIX_RING_SLOTS_MAX || (h.nslots & (h.nslots - 1)))
		return -EINVAL;
	qbytes = (uint64_t)h.nslots * NANVIX_RING_SLOT_SIZE;
	if ((h.req_off | h.cpl_off) % NANVIX_RING_SLOT_SIZE || h.data_off % 8)
		return -EINVAL;
	if (!inside(h.req_off, qbytes, len) || !inside(h.cpl_off, qbytes, len) ||
	    !inside(h.data_off, h.data_len, len))
		return -EINVAL;
	/* No area may overlap the header or another area. */
	if (h.req_off < sizeof(h) || h.cpl_off < sizeof(h) ||
	    (h.data_len && h.data_off < sizeof(h)))
		return -EINVAL;
	if (!(h.req_off + qbytes <= h.cpl_off || h.cpl_off + qbytes <= h.req_off) ||
	    (h.data_len && !((uint64_t)h.data_off + h.data_len <= h.req_off ||
	                     h.req_off + qbytes <= h.data_off)) ||
	    (h.data_len &&
	     !((uint64_t)h.data_off + h.data_len <= h.cpl_off || h.cpl_off + qbytes <= h.data_off)))
		return -EINVAL;
	r->base = base;
	r->len = len;
	r->nslots = h.nslots;
	r->req_off = h.req_off;
	r->cpl_off = h.cpl_off;
	r->data_off = h.data_off;
	r->data_len = h.data_len;
	r->req_head = h.req_head;
	r->cpl_tail = h.cpl_tail;
	return 0;
}

/* Check a request copy; 0 or -EINVAL. */
static int check(const struct ring *r, const struct nanvix_ring_req *q, bool served)
{
	if (q->opcode >= NANVIX_RING_OPCODE_END || q->flags)
		return -EINVAL;
	if (!served && q->opcode > NANVIX_RING_SUM)
		return -ENOSYS;
	if (q->buf_len && ((q->buf_off % 8) || !inside(q->buf_off, q->buf_len, r->data_len)))
		return -EINVAL;
	return 0;
}

/* Act on a checked request; fills the completion. */
static void act(struct ring *r, const struct nanvix_ring_req *q, struct nanvix_ring_cpl *c,
                ring_handler_fn *handler, void *ctx)
{
	switch (q->opcode) {
	case NANVIX_RING_NOP: c->value = q->args[0]; break;
	case NANVIX_RING_SUM: {
		/* The buffer was checked to lie in the data area. */
		const uint8_t *b = r->base + r->data_off + q->buf_off;
		uint32_t i;

		for (i = 0; i < q->buf_len; i++)
			c->value += b[i];
		break;
	}
	default:
		/* check() let only transport ops through when there is no handler. */
		c->status = handler(ctx, q, c);
		if (c->status >= 0 && !c->value)
			c->value = (uint64_t)c->status;
		break;
	}
}

unsigned ring_service(struct ring *r, unsigned budget, ring_handler_fn *handler, void *ctx)
{
	uint8_t *h = r->base;
	unsigned done = 0;
	uint32_t tail = read_u32(h + offsetof(struct nanvix_ring_header, req_tail));
	uint32_t cpl_head = read_u32(h + offsetof(struct nanvix_ring_header, cpl_head));

	/* An impossible tail: the guest claims more requests than slots. */
	if (tail - r->req_head > r->nslots) {
		r->malformed++;
		return 0;
	}
	while (done < budget && r->req_head != tail) {
		struct nanvix_ring_req q;
		struct nanvix_ring_cpl c;

		/* Backpressure: no room for the answer, so no more service. */
		if (r->cpl_tail - cpl_head >= r->nslots)
			break;
		memcpy(&q,
		       h + r->req_off +
		               (uint64_t)(r->req_head & (r->nslots - 1)) * NANVIX_RING_SLOT_SIZE,
		       sizeof(q));
		memset(&c, 0, sizeof(c));
		c.id = q.id;
		c.status = check(r, &q, handler != NULL);
		if (c.status == -EINVAL)
			r->malformed++;
		else if (!c.status)
			act(r, &q, &c, handler, ctx);
		memcpy(h + r->cpl_off +
		               (uint64_t)(r->cpl_tail & (r->nslots - 1)) * NANVIX_RING_SLOT_SIZE,
		       &c, sizeof(c));
		r->cpl_tail++;
		r->req_head++;
		r->served++;
		done++;
	}
	publish_u32(h + offsetof(struct nanvix_ring_header, cpl_tail), r->cpl_tail);
	publish_u32(h + offsetof(struct nanvix_ring_header, req_head), r->req_head);
	return done;
}

bool ring_quiet(const struct ring *r)
{
	const uint8_t *h = r->base;

	return read_u32(h + offsetof(struct nanvix_ring_header, req_tail)) == r->req_head &&
	       read_u32(h + offsetof(struct nanvix_ring_header, cpl_head)) == r->cpl_tail;
}
