/* libFuzzer target: random ring regions through the host's decoder (ring_attach, ring_service). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rings/ring.h>

#define REGION_MAX 16384

static uint8_t region[REGION_MAX], before[REGION_MAX];

static void violated(const char *what)
{
	fprintf(stderr, "fuzz_rings: invariant violated: %s\n", what);
	abort();
}

/* Byte i may change only in the completion slots or the two host indices. */
static int host_writable(const struct ring *r, size_t i)
{
	size_t qbytes = (size_t)r->nslots * NANVIX_RING_SLOT_SIZE;

	if (i >= r->cpl_off && i < r->cpl_off + qbytes)
		return 1;
	if (i >= offsetof(struct nanvix_ring_header, req_head) &&
	    i < offsetof(struct nanvix_ring_header, req_head) + 4)
		return 1;
	return i >= offsetof(struct nanvix_ring_header, cpl_tail) &&
	       i < offsetof(struct nanvix_ring_header, cpl_tail) + 4;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ring r;
	size_t len, i;
	unsigned budget, served;
	uint32_t head0;

	if (size < 2)
		return 0;
	budget = data[0] % 65;
	len = size - 1 < REGION_MAX ? size - 1 : REGION_MAX;
	memset(region, 0, sizeof(region));
	memcpy(region, data + 1, len);
	if (ring_attach(&r, region, len) < 0)
		return 0;
	memcpy(before, region, len);
	head0 = r.req_head;
	served = ring_service(&r, budget, NULL, NULL);
	if (served > budget || served > r.nslots)
		violated("served more than the budget or a ring's worth");
	if (r.req_head - head0 != served)
		violated("head moved by more than what was served");
	if (r.malformed > r.served + 1)
		violated("malformed count runs ahead");
	for (i = 0; i < len; i++)
		if (region[i] != before[i] && !host_writable(&r, i))
			violated("the host wrote outside the completions and its indices");
	return 0;
}
