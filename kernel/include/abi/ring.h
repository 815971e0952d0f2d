/* Shared-memory rings between a user VM and the macro-kernel: layout, version 1. */
#ifndef NANVIX_ABI_RING_H
#define NANVIX_ABI_RING_H

/*
 * A ring region is one block of memory both sides map (guest RAM, or a
 * memfd passed to bin/macrokernel).  It holds, at offsets from its start
 * (never pointers): this header, a request queue and a completion queue of
 * fixed 64-byte slots, and a data area that requests name by offset and
 * length.  Each queue has one producer and one consumer:
 *   requests:    the guest produces (writes slots, then req_tail),
 *                the host consumes (reads slots, then req_head);
 *   completions: the host produces (cpl_tail), the guest consumes (cpl_head).
 * Indices run freely (uint32, wrapping); slot = index & (nslots - 1).  The
 * receiver validates every field it reads: the guest is hostile.
 *
 * C99, self-contained: included by the kernel, nanvixd and the macro-kernel.
 */

#include <stdint.h>

#define NANVIX_RING_ABI_VERSION 1
#define NANVIX_RING_MAGIC       0x474e4952u /* "RING" */
#define NANVIX_RING_SLOT_SIZE   64
#define NANVIX_RING_SLOTS_MAX   4096

/* Request opcodes (more come with the storage and network switches). */
enum nanvix_ring_op {
	NANVIX_RING_NOP = 0, /* completes with value = args[0] */
	NANVIX_RING_SUM = 1, /* completes with value = the sum of buf's bytes */
	NANVIX_RING_OP_COUNT,
};

/* Written by the guest at set-up; the host reads it once and checks it. */
struct nanvix_ring_header {
	uint32_t magic;    /* NANVIX_RING_MAGIC */
	uint16_t version;  /* NANVIX_RING_ABI_VERSION */
	uint16_t nslots;   /* power of two, 1..NANVIX_RING_SLOTS_MAX, both queues */
	uint32_t req_off;  /* offset of the request slots, 64-byte aligned */
	uint32_t cpl_off;  /* offset of the completion slots, 64-byte aligned */
	uint32_t data_off; /* offset of the data area */
	uint32_t data_len; /* its size */
	uint32_t pad[2];
	/* Indices, each on its own cache line; the comment says who writes it. */
	uint32_t req_tail; /* guest */
	uint32_t pad1[15];
	uint32_t req_head; /* host */
	uint32_t pad2[15];
	uint32_t cpl_tail; /* host */
	uint32_t pad3[15];
	uint32_t cpl_head; /* guest */
	uint32_t pad4[15];
};

/* A request slot (guest-written). */
struct nanvix_ring_req {
	uint16_t opcode;  /* enum nanvix_ring_op */
	uint16_t flags;   /* 0 */
	uint32_t id;      /* echoed in the completion */
	uint32_t buf_off; /* data-area offset of the buffer, 8-byte aligned */
	uint32_t buf_len; /* its length (0: none) */
	uint64_t args[6];
};

/* A completion slot (host-written). */
struct nanvix_ring_cpl {
	uint32_t id;    /* the request's id */
	int32_t status; /* 0 or a negative errno (-EINVAL: malformed request) */
	uint64_t value;
	uint64_t pad[6];
};

#endif /* NANVIX_ABI_RING_H */
