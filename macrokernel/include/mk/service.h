/* The macro-kernel's service table: components serving ring requests register here. */
#ifndef MK_SERVICE_H
#define MK_SERVICE_H

/*
 * A service owns a range of ring opcodes (abi/ring.h, abi/net.h) and keeps
 * per-VM state.  mk.c never names one: each component's file declares its
 * struct mk_service with MK_SERVICE(), the linker gathers them in the
 * section `mk_services`, and the set built is whatever sources the make
 * variables link (MK_SRCS).  At attach every service is asked whether the
 * VM uses it; requests in its range go to its `call` only if it said yes,
 * the rest get -ENOSYS.
 */

#include <stddef.h>
#include <stdint.h>

#include <abi/ring.h>
#include <svc/mem.h>

struct mk_vm;
struct mk_config;
struct mk_host;
struct mk_stats;
struct vm_mem;
struct blksw_disk;
struct blkdev;

struct mk_service {
	const char *name;
	uint16_t op_first, op_end; /* the opcodes it serves: [op_first, op_end) */
	/*
	 * Set *state for VM `vm` described by `cfg`, or leave it NULL when the
	 * VM does not use this service.  0, or a negative errno with a
	 * one-line reason in err.
	 */
	int (*attach)(struct mk_vm *vm, const struct mk_config *cfg, const struct mk_host *host,
	              void **state, char *err, size_t errlen);
	/* One request (a private copy of the slot): the Linux result or -errno;
	 * *value for calls that return a handle or an offset. */
	int64_t (*call)(void *state, const struct nanvix_ring_req *q, const struct svc_mem *m,
	                uint64_t *value);
	/* Optional: add this VM's counters to *st. */
	void (*stats)(void *state, struct mk_stats *st);
	/*
	 * Optional: the VM idles (NANVIX_HC_SLEEP) for up to `ns`: do the
	 * service's host-side work meanwhile.  1 when the VM has something to
	 * take and should run again now, 0 after ns, -EINTR on a signal.
	 */
	int (*idle)(void *state, uint64_t ns);
	/* Give back everything the state holds (NULL states are not passed). */
	void (*detach)(void *state);
	/*
	 * Optional: the VM's memory was reset to a snapshot's (a restore in
	 * place): write again what the service keeps in guest memory for it
	 * (net: its address in the net state region) and forget what it owed
	 * the guest.  0 or a negative errno.
	 */
	int (*reset)(void *state);

	/*
	 * Optional: the component's section of the shared macro-kernel's hello
	 * (server/proto.h), type `hello_type` (0: none), payload exactly
	 * `hello_len` bytes.  hello_put (nanvixd) writes the payload for `cfg`
	 * into a zeroed `payload`: 1, 0 when the VM does not use the
	 * component (no section), or a negative errno with a reason in err
	 * (a value the protocol cannot carry).  hello_take (the server) checks
	 * a client's payload, every field, and sets its part of *cfg, whose
	 * strings may point into `payload`: 0, -EPROTO (malformed) or -EINVAL
	 * (well formed, refused), with a reason in err.
	 */
	uint32_t hello_type;
	uint32_t hello_len;
	int (*hello_put)(const struct mk_config *cfg, void *payload, char *err, size_t errlen);
	int (*hello_take)(const void *payload, struct mk_config *cfg, char *err, size_t errlen);
};

/*
 * The sections of a hello for `cfg`, written at `buf` (at most `cap`
 * bytes, zeroed first), one per registered component the VM uses: the
 * bytes written and *n the sections, or a negative errno with err set.
 */
long mk_hello_put(const struct mk_config *cfg, void *buf, size_t cap, uint32_t *n, char *err,
                  size_t errlen);

/*
 * Check `n` sections in [buf, buf + len) (a client's) and fill *cfg from
 * them through their components' hello_take; the sections must fill the
 * range exactly.  0, -EPROTO or -EINVAL with err set.
 */
int mk_hello_take(const void *buf, size_t len, uint32_t n, struct mk_config *cfg, char *err,
                  size_t errlen);

#define MK_SERVICE(svc)                                              \
	static const struct mk_service *const mk_service_entry_##svc \
	        __attribute__((section("mk_services"), used, aligned(sizeof(void *)))) = &svc

/* This VM's state of service `s`, or NULL when it does not use it. */
void *mk_vm_service(const struct mk_vm *vm, const struct mk_service *s);

/* The VM's memory and its accessor for requests of process `cr3`. */
const struct vm_mem *mk_vm_guest(const struct mk_vm *vm);
const struct svc_mem *mk_vm_memory(struct mk_vm *vm, struct svc_mem *m);

/* The VM's disk on the storage switch (NULL: none) and its block device. */
struct blksw_disk *mk_vm_disk(const struct mk_vm *vm, const struct blkdev **dev);

#endif /* MK_SERVICE_H */
