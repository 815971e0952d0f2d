/* Host side of a ring region: validated view, request decoding, completions. */
#ifndef RINGS_RING_H
#define RINGS_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <abi/ring.h>

/* What the host learnt once, at attach time; never re-read from guest memory. */
struct ring {
	uint8_t *base;
	size_t len;
	uint32_t nslots;
	uint32_t req_off, cpl_off, data_off, data_len;
	/* Host-private copies of the indices the host owns. */
	uint32_t req_head, cpl_tail;
	/* Counters. */
	uint64_t served, malformed;
};

/*
 * Attach to the region [base, base + len): check the header (magic,
 * version, power-of-two slot count, every area aligned, inside the region
 * and not overlapping another).  Returns 0 or -EINVAL.
 */
int ring_attach(struct ring *r, void *base, size_t len);

/*
 * What serves the requests past the transport's own (opcodes above
 * NANVIX_RING_SUM): called with a private copy of the request whose opcode
 * and flags are checked, it returns the completion status (>= 0 or -errno)
 * and may set c->value (else value = status when status >= 0).  A handler
 * that finds a malformed request bumps the ring's `malformed` counter
 * itself (through its ctx).
 */
typedef int ring_handler_fn(void *ctx, const struct nanvix_ring_req *q, struct nanvix_ring_cpl *c);

/*
 * Serve up to `budget` requests: each is copied out of its slot once,
 * validated (opcode, flags, buffer inside the data area, aligned), acted on,
 * and answered in the completion queue (-EINVAL for a malformed one,
 * counted in r->malformed; -ENOSYS for service opcodes when `handler` is
 * NULL), handed to `handler` (with `ctx`) or acted on,  Stops early when the completion queue is full
 * (a guest that never reads completions gets no more service, and the host
 * never waits) or when the guest's tail is impossible (more than nslots
 * ahead: counted as malformed, nothing consumed).  Returns how many were
 * served.  Never blocks, never touches memory outside the region.
 */
unsigned ring_service(struct ring *r, unsigned budget, ring_handler_fn *handler, void *ctx);

/* No request in flight: every one the guest posted has been served and
 * every completion taken by the guest (read from the region: a guest that
 * scribbles on its indices only gets itself refused). */
bool ring_quiet(const struct ring *r);

#endif /* RINGS_RING_H */
