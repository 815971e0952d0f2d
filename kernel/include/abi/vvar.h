/* The read-only data page every address space maps for calls answered in ring 3. */
#ifndef NANVIX_ABI_VVAR_H
#define NANVIX_ABI_VVAR_H

/*
 * On the software hypervisor `syscall` stays in ring 3 and lands in the
 * kernel's user-executable entry page; a few calls need no kernel at all
 * and are answered there, at native speed, from this page (as Linux's vDSO
 * does): getpid and clock_gettime for the realtime and monotonic clocks.
 * Mapped read-only for the user at NANVIX_VVAR_VA in every address space,
 * the last page below the canonical boundary, outside the range mmap and
 * munmap can touch.  The host writes the clock fields when it builds an
 * address space; the kernel writes `pid`.  Offsets are read by assembly
 * (kernel/hal/entry.S): keep them.
 *
 * C99, self-contained.
 */

#ifndef __ASSEMBLER__
#include <stdint.h>
#endif

#define NANVIX_VVAR_VA 0x00007ffffffff000ull

#define NANVIX_VVAR_SLOW (1u << 0) /* flags: every call traps (nanvixd --strace) */

#define NANVIX_VVAR_PID      0
#define NANVIX_VVAR_FLAGS    4
#define NANVIX_VVAR_TSC_BASE 8
#define NANVIX_VVAR_TSC_MULT 16
#define NANVIX_VVAR_CLOCKS   24 /* [0] CLOCK_REALTIME, [1] CLOCK_MONOTONIC base ns */

#ifndef __ASSEMBLER__
struct nanvix_vvar {
	uint32_t pid;
	uint32_t flags;
	uint64_t tsc_base;
	uint64_t tsc_mult;
	uint64_t clock_base_ns[2];
};
#endif

#endif /* NANVIX_ABI_VVAR_H */
