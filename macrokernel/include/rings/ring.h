/* Host side of a ring region: validated view, request decoding, completions. */
#ifndef RINGS_RING_H
#define RINGS_RING_H

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
 * Serve up to `budget` requests: each is copied out of its slot once,
 * validated (opcode, flags, buffer inside the data area, aligned), acted on,
 * and answered in the completion queue (-EINVAL for a malformed one,
 * counted in r->malformed).  Stops early when the completion queue is full
 * (a guest that never reads completions gets no more service, and the host
 * never waits) or when the guest's tail is impossible (more than nslots
 * ahead: counted as malformed, nothing consumed).  Returns how many were
 * served.  Never blocks, never touches memory outside the region.
 */
unsigned ring_service(struct ring *r, unsigned budget);

#endif /* RINGS_RING_H */
