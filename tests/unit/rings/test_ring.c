/* Check tests for the host's ring decoder: layout checks, service, hostile slots and indices. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rings/ring.h>

#include "runner.h"

#define REGION 16384u
#define NSLOTS 8u

static uint8_t *region;
static struct nanvix_ring_header *hdr;

static void setup(void)
{
	region = calloc(1, REGION);
	ck_assert_ptr_nonnull(region);
	hdr = (struct nanvix_ring_header *)region;
	hdr->magic = NANVIX_RING_MAGIC;
	hdr->version = NANVIX_RING_ABI_VERSION;
	hdr->nslots = NSLOTS;
	hdr->req_off = 1024;
	hdr->cpl_off = 2048;
	hdr->data_off = 4096;
	hdr->data_len = 8192;
}

static void teardown(void)
{
	free(region);
}

static struct nanvix_ring_req *req(uint32_t i)
{
	return (struct nanvix_ring_req *)(region + hdr->req_off + (i % NSLOTS) * 64);
}

static struct nanvix_ring_cpl *cpl(uint32_t i)
{
	return (struct nanvix_ring_cpl *)(region + hdr->cpl_off + (i % NSLOTS) * 64);
}

START_TEST(test_attach_checks_layout)
{
	struct ring r;

	ck_assert_int_eq(ring_attach(&r, region, REGION), 0);
	ck_assert_int_eq(ring_attach(&r, region, 64), -EINVAL); /* shorter than the header */
	hdr->nslots = 6;                                        /* not a power of two */
	ck_assert_int_eq(ring_attach(&r, region, REGION), -EINVAL);
	hdr->nslots = NSLOTS;
	hdr->cpl_off = 1024 + 64; /* overlaps the requests */
	ck_assert_int_eq(ring_attach(&r, region, REGION), -EINVAL);
	hdr->cpl_off = 2048;
	hdr->data_len = 0xfffff000u; /* past the region, wrapping */
	ck_assert_int_eq(ring_attach(&r, region, REGION), -EINVAL);
	hdr->data_len = 8192;
	hdr->req_off = 100; /* misaligned, and inside the header */
	ck_assert_int_eq(ring_attach(&r, region, REGION), -EINVAL);
	hdr->req_off = 1024;
	hdr->magic = 0;
	ck_assert_int_eq(ring_attach(&r, region, REGION), -EINVAL);
}
END_TEST

START_TEST(test_service)
{
	struct ring r;

	ck_assert_int_eq(ring_attach(&r, region, REGION), 0);
	*req(0) = (struct nanvix_ring_req){ .opcode = NANVIX_RING_NOP, .id = 7, .args = { 42 } };
	memset(region + 4096 + 16, 2, 10);
	*req(1) = (struct nanvix_ring_req){
		.opcode = NANVIX_RING_SUM, .id = 8, .buf_off = 16, .buf_len = 10
	};
	hdr->req_tail = 2;
	ck_assert_uint_eq(ring_service(&r, 16, NULL, NULL), 2);
	ck_assert_uint_eq(hdr->req_head, 2);
	ck_assert_uint_eq(hdr->cpl_tail, 2);
	ck_assert_uint_eq(cpl(0)->id, 7);
	ck_assert_int_eq(cpl(0)->status, 0);
	ck_assert_uint_eq(cpl(0)->value, 42);
	ck_assert_uint_eq(cpl(1)->value, 20);
	ck_assert_uint_eq(r.malformed, 0);
}
END_TEST

/* Each malformed request gets -EINVAL and a count; the next ones are still served. */
START_TEST(test_malformed_slots)
{
	static const struct nanvix_ring_req bad[] = {
		{ .opcode = NANVIX_RING_OPCODE_END, .id = 1 },
		{ .opcode = NANVIX_RING_NOP, .flags = 1, .id = 2 },
		{ .opcode = NANVIX_RING_SUM, .id = 3, .buf_off = 8190, .buf_len = 8 },
		{ .opcode = NANVIX_RING_SUM, .id = 4, .buf_off = 3, .buf_len = 1 },
		{ .opcode = NANVIX_RING_SUM, .id = 5, .buf_off = 0xfffffff8u, .buf_len = 16 },
	};
	struct ring r;
	unsigned i;

	ck_assert_int_eq(ring_attach(&r, region, REGION), 0);
	for (i = 0; i < 5; i++)
		*req(i) = bad[i];
	*req(5) = (struct nanvix_ring_req){ .opcode = NANVIX_RING_NOP, .id = 6, .args = { 1 } };
	hdr->req_tail = 6;
	ck_assert_uint_eq(ring_service(&r, 16, NULL, NULL), 6);
	for (i = 0; i < 5; i++) {
		ck_assert_uint_eq(cpl(i)->id, bad[i].id);
		ck_assert_int_eq(cpl(i)->status, -EINVAL);
	}
	ck_assert_int_eq(cpl(5)->status, 0);
	ck_assert_uint_eq(r.malformed, 5);
}
END_TEST

/* A tail claiming more than a ring's worth is refused without consuming anything. */
START_TEST(test_impossible_tail)
{
	struct ring r;

	ck_assert_int_eq(ring_attach(&r, region, REGION), 0);
	hdr->req_tail = NSLOTS + 1;
	ck_assert_uint_eq(ring_service(&r, 100, NULL, NULL), 0);
	ck_assert_uint_eq(r.malformed, 1);
	ck_assert_uint_eq(hdr->req_head, 0);
	hdr->req_tail = 0xffffffffu; /* "behind" the head: also impossible */
	ck_assert_uint_eq(ring_service(&r, 100, NULL, NULL), 0);
}
END_TEST

/* A guest that never reads completions stops getting service; the host does not wait. */
START_TEST(test_backpressure)
{
	struct ring r;
	unsigned i;

	ck_assert_int_eq(ring_attach(&r, region, REGION), 0);
	for (i = 0; i < NSLOTS; i++)
		*req(i) = (struct nanvix_ring_req){ .opcode = NANVIX_RING_NOP, .id = i };
	hdr->req_tail = NSLOTS;
	ck_assert_uint_eq(ring_service(&r, 100, NULL, NULL), NSLOTS); /* fills the completions */
	hdr->req_tail = 2 * NSLOTS;
	ck_assert_uint_eq(ring_service(&r, 100, NULL, NULL), 0); /* full: nothing more, no wait */
	hdr->cpl_head = 3;                                       /* the guest reads three */
	ck_assert_uint_eq(ring_service(&r, 100, NULL, NULL), 3);
	/* A lying cpl_head cannot make the host overwrite unread completions. */
	hdr->cpl_head = 0;
	ck_assert_uint_eq(ring_service(&r, 100, NULL, NULL), 0);
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("rings/ring");
	TCase *tc = tcase_create("ring");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_attach_checks_layout);
	tcase_add_test(tc, test_service);
	tcase_add_test(tc, test_malformed_slots);
	tcase_add_test(tc, test_impossible_tail);
	tcase_add_test(tc, test_backpressure);
	suite_add_tcase(s, tc);
	return s;
}
