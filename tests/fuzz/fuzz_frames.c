/* libFuzzer target: the frame-record parser nanvix_net_frame_next (abi/net.h). */
/*
 * Input: 4 bytes of `max` (little-endian), then the record buffer, which
 * is parsed from offset 0 as the host's FRAMES_SEND and netd's RECV do.
 * libFuzzer's copy of the input ends where the buffer does, so ASan sees
 * any read past it.
 *
 * Invariants: each frame returned lies inside the buffer, right after its
 * 8-byte header (whose pad is 0), and is 14..max bytes long; the offsets strictly increase,
 * stay multiples of 8 and stop within the buffer; a failure leaves the
 * offset alone; the loop takes at most size / 16 + 1 steps; 0 (the end)
 * comes only at exactly size.  Each answer is also checked against this
 * file's own reading of the record format (64-bit arithmetic).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <abi/net.h>

static volatile uint8_t sum;

static void violated(const char *what, uint64_t off, uint64_t size, uint32_t max)
{
	fprintf(stderr, "fuzz_frames: invariant violated: %s (offset %llu, size %llu, max %u)\n",
	        what, (unsigned long long)off, (unsigned long long)size, (unsigned)max);
	abort();
}

/* What the record at `off` should give: 1, 0 or -1 (and the frame's length). */
static int expected(const uint8_t *buf, uint64_t size, uint64_t off, uint32_t max, uint32_t *len)
{
	uint64_t rec;

	if (off == size)
		return 0;
	if (size - off < 8)
		return -1;
	*len = (uint32_t)buf[off] | (uint32_t)buf[off + 1] << 8 | (uint32_t)buf[off + 2] << 16 |
	       (uint32_t)buf[off + 3] << 24;
	rec = 8 + (((uint64_t)*len + 7) & ~(uint64_t)7);
	if (buf[off + 4] || buf[off + 5] || buf[off + 6] || buf[off + 7])
		return -1; /* the header's pad must be 0 */
	if (*len < 14 || *len > max || rec > size - off)
		return -1;
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *buf = data + 4;
	uint64_t n, off = 0, steps = 0;
	uint32_t max;

	if (size < 4)
		return 0;
	max = (uint32_t)data[0] | (uint32_t)data[1] << 8 | (uint32_t)data[2] << 16 |
	      (uint32_t)data[3] << 24;
	n = size - 4;
	for (;;) {
		const uint8_t *frame = NULL;
		uint32_t len = 0, want_len = 0;
		uint64_t before = off;
		int want = expected(buf, n, off, max, &want_len);
		int rc = nanvix_net_frame_next(buf, n, &off, max, &frame, &len);

		if (++steps > n / 16 + 1)
			violated("too many steps", before, n, max);
		if (rc != want)
			violated(rc > 0    ? "accepted a bad record"
			         : rc == 0 ? "ended before the end"
			                   : "refused a good record",
			         before, n, max);
		if (rc <= 0) {
			if (off != before)
				violated("moved the offset without a frame", before, n, max);
			break;
		}
		if (len != want_len || len < NANVIX_NET_FRAME_ETH_HDR || len > max)
			violated("frame length out of range", before, n, max);
		if (frame != buf + before + sizeof(struct nanvix_net_frame_hdr))
			violated("frame not right after its header", before, n, max);
		if (frame < buf || len > (uint64_t)(buf + n - frame))
			violated("frame outside the buffer", before, n, max);
		if (off <= before || off % 8 || off > n ||
		    off - before != 8 + (((uint64_t)len + 7) & ~(uint64_t)7))
			violated("bad next offset", before, n, max);
		for (uint32_t i = 0; i < len; i++) /* ASan checks every byte is readable */
			sum += frame[i];
	}
	return 0;
}
