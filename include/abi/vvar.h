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

#define NANVIX_VVAR_SLOW   (1u << 0) /* flags: every call traps (nanvixd --strace) */
#define NANVIX_VVAR_FASTFS (1u << 1) /* flags: the fast file path below is served */
#define NANVIX_VVAR_SHARED (1u << 2) /* flags: a CLONE_VM space: every call traps */
#define NANVIX_VVAR_FASTMM (1u << 3) /* flags: the fast mm path below is served */
#define NANVIX_VVAR_FMAPS  (1u << 4) /* flags: shared file mappings: munmap traps */

/*
 * The fast file path (ring 3, no trap).  read, pread64, fstat and lseek of
 * an fd whose entry in the fd map is non-zero are made by the entry page
 * itself: it stores the call number to NANVIX_FASTCALL_VA, a user-writable
 * page in the kernel half of every address space that maps a guest-physical
 * address with no memory behind it, so the store exits to the host with
 * the call's registers intact.  The host takes the address space from CR3
 * (never from the guest's word), reads the fd's entry from this page after
 * checking the page is read-only to ring 3, serves the call like a ring
 * request and resumes with the result in RAX and R11 = 0; R11 = 1 means
 * "not here", and the entry page traps as usual (RAX still the number).
 *
 * The fd map: NANVIX_VVAR_FDMAP_COUNT uint32 entries at NANVIX_VVAR_FDMAP,
 * written by the kernel whenever an fd changes: 0 for anything but a
 * remote file, else its fs handle | NANVIX_FDMAP_READ (open for reading) |
 * NANVIX_FDMAP_DIR (a directory).
 */
#define NANVIX_FASTCALL_VA       0xffffff0000000000ull
#define NANVIX_FASTCALL_GPA      0x3ffffff000ull /* below 256 GiB, never RAM */
#define NANVIX_VVAR_FDMAP        2048
#define NANVIX_VVAR_FDMAP_COUNT  512
#define NANVIX_FDMAP_READ        (1u << 31)
#define NANVIX_FDMAP_DIR         (1u << 30)
#define NANVIX_FDMAP_HANDLE_MASK (NANVIX_FDMAP_DIR - 1)

/*
 * The fast mm path (ring 3, no trap), the same way: mmap of private
 * anonymous memory without an address, munmap and madvise(MADV_DONTNEED,
 * MADV_FREE) are made by the entry page with a store to the fast-call
 * page.  The host checks the call as the kernel would and serves what it
 * can with the page-table work of NANVIX_HC_MM, taking and giving frames
 * through the kernel's struct nanvix_frame_state (abi/kernel_header.h)
 * and placing mappings below `mmap_next` (updated here) and above
 * `brk_top` (the break, page-aligned, written by the kernel); anything
 * else (a hint, MAP_FIXED, a file, a shared frame, FMAPS) goes on to the
 * trap.  The kernel reads `mmap_next` back before it places a mapping.
 */
#define NANVIX_VVAR_PID       0
#define NANVIX_VVAR_FLAGS     4
#define NANVIX_VVAR_TSC_BASE  8
#define NANVIX_VVAR_TSC_MULT  16
#define NANVIX_VVAR_CLOCKS    24 /* [0] CLOCK_REALTIME, [1] CLOCK_MONOTONIC base ns */
#define NANVIX_VVAR_MMAP_NEXT 40
#define NANVIX_VVAR_BRK_TOP   48

#ifndef __ASSEMBLER__
struct nanvix_vvar {
	uint32_t pid;
	uint32_t flags;
	uint64_t tsc_base;
	uint64_t tsc_mult;
	uint64_t clock_base_ns[2];
	uint64_t mmap_next; /* the fast mm path: mmap allocates below this */
	uint64_t brk_top;   /* ...and above this */
};
#endif

#endif /* NANVIX_ABI_VVAR_H */
