/* The call ring: the kernel's side of the request queue to the macro-kernel. */
#ifndef IPC_RING_H
#define IPC_RING_H

#include <abi/bootinfo.h>
#include <abi/ring.h>
#include <lib/klib.h>

/* Adopt the call ring the host laid out (boot info, NANVIX_RING_KIND_CALLS);
 * false when the VM has none.  Panics on a ring the host broke. */
bool ring_init(const struct nanvix_bootinfo *bi);

/* True once ring_init found a ring. */
bool ring_active(void);

/*
 * One request: opcode `op` with args[0] = `cr3` (the address space the
 * pointer arguments belong to) and args[1..5] = a[0..4].  The doorbell
 * returns with the completion in place, so this never blocks: exactly one
 * request is in flight (one vCPU, the kernel is not preempted).  Returns
 * the completion's status (>= 0 or -errno), *value (if not NULL) its value;
 * -EIO if the host answered nothing, -ENOSYS without a ring.
 */
long ring_call(uint16_t op, uint64_t cr3, const uint64_t a[5], uint64_t *value);

/* Take what the host published in shared state (e.g. socket readiness):
 * set by the component that keeps such state; called after every doorbell,
 * idle sleep and tick.  NULL: nothing to take. */
extern void (*ring_host_events)(void);

#endif /* IPC_RING_H */
