/* Boot-info block: what nanvixd hands the microkernel at its first instruction. */
#ifndef NANVIX_ABI_BOOTINFO_H
#define NANVIX_ABI_BOOTINFO_H

/*
 * nanvixd enters the kernel in 64-bit long mode at the kernel ELF's entry
 * point with paging, GDT, IDT, TSS, the kernel stack and the first user
 * process already prepared, and RDI holding the kernel-virtual address of
 * this block (inside the direct map).  Written by the host before the first
 * guest instruction; read-only to the guest by convention.
 *
 * C99, self-contained: included by the kernel and by nanvixd.
 */

#ifndef __ASSEMBLER__
#include <stdint.h>
#endif

#define NANVIX_BOOTINFO_MAGIC 0x4e414e56u /* "NANV" */

/* Guest virtual layout shared by both sides. */
#define NANVIX_KERNEL_VBASE 0xffffffff80000000ull /* kernel image: phys + this */
#define NANVIX_DMAP_BASE    0xffff800000000000ull /* all RAM: phys + this */
#define NANVIX_KERNEL_PBASE 0x100000ull           /* kernel load address */
#define NANVIX_USER_TOP     0x00007ffffffff000ull /* first non-user address */
#define NANVIX_USER_MIN     0x10000ull            /* lowest mappable user page */
#define NANVIX_PIE_BASE     0x400000ull           /* load base of static-PIE */

/* Fixed guest-physical pages below the kernel image. */
#define NANVIX_BOOTINFO_PADDR 0x1000ull
#define NANVIX_GDT_PADDR      0x2000ull /* GDT, then the TSS at +0x80 */
#define NANVIX_TSS_OFFSET     0x80u
#define NANVIX_IDT_PADDR      0x3000ull
/* The call ring region (abi/ring.h), laid out and initialised by the host. */
#define NANVIX_RING_PADDR 0x4000ull
#define NANVIX_RING_SIZE  0xa000ull
/* The net state region (abi/net.h), right after it. */
#define NANVIX_NET_STATE_PADDR (NANVIX_RING_PADDR + NANVIX_RING_SIZE)
#define NANVIX_NET_STATE_SIZE  0x2000ull

/*
 * The rings a VM has (bootinfo.rings[]): what kind each region is and where
 * it sits.  A component's kernel side finds its region by kind.
 */
#define NANVIX_RING_KIND_CALLS     1 /* abi/ring.h: requests to the macro-kernel */
#define NANVIX_RING_KIND_NET_STATE 2 /* abi/net.h: socket readiness, host-written */
#define NANVIX_BOOT_RINGS_MAX      4
#ifndef __ASSEMBLER__
struct nanvix_boot_ring {
	uint32_t kind; /* NANVIX_RING_KIND_*; 0: unused entry */
	uint32_t pad;
	uint64_t paddr; /* guest-physical, page-aligned, inside RAM */
	uint64_t size;
};
#endif

/* Selectors of the GDT nanvixd builds (and the PVH backend rebuilds). */
#define NANVIX_SEL_KCODE 0x08
#define NANVIX_SEL_KDATA 0x10
#define NANVIX_SEL_UDATA 0x1b /* 0x18 | RPL 3; STAR layout: udata before ucode */
#define NANVIX_SEL_UCODE 0x23 /* 0x20 | RPL 3 */
#define NANVIX_SEL_TSS   0x28

#define NANVIX_MEMRANGES_MAX 4

/* A run of free physical memory, [start, end), page-aligned. */
#ifndef __ASSEMBLER__
struct nanvix_memrange {
	uint64_t start;
	uint64_t end;
};
#endif

/* Flags. */
#define NANVIX_BOOT_FSGSBASE (1u << 0) /* CR4.FSGSBASE is set */
#define NANVIX_BOOT_STRACE   (1u << 1) /* report every system call (NANVIX_HC_STRACE) */
#define NANVIX_BOOT_FS       (1u << 2) /* file calls go to the fs component over the ring */
#define NANVIX_BOOT_FS_GUEST (1u << 3) /* ...to the in-VM fs server (abi/fsd.h) instead */
/* Console stream N (0 stdin, 1 stdout, 2 stderr) is a terminal: its tty
 * ioctls go to the host (NANVIX_HC_TTY); the others answer ENOTTY. */
#define NANVIX_BOOT_TTY(n)  (1u << (4 + (n)))
#define NANVIX_BOOT_TTY_ALL (7u << 4)
#define NANVIX_BOOT_NET     (1u << 7) /* socket calls go to the network component (abi/net.h) */
/* Components served inside the VM (abi/server.h) have a *_GUEST flag each. */
#define NANVIX_BOOT_NET_GUEST (1u << 8) /* ...to the in-VM network server (abi/netd.h) */

/*
 * Signals the host forwards to process 1 (bootinfo.host_signals): what
 * nanvixd itself received (Ctrl-C, `kill`, a hang-up, a window resize).
 * The kernel honours only these bits and drops any other.
 */
#define NANVIX_HOST_SIGNALS                                           \
	((1ull << (1 - 1)) | (1ull << (2 - 1)) | (1ull << (15 - 1)) | \
	 (1ull << (28 - 1))) /* SIGHUP, SIGINT, SIGTERM, SIGWINCH */

/* One loaded user segment, as mapped by the host. */
#define NANVIX_SEGMENTS_MAX 8
#ifndef __ASSEMBLER__
struct nanvix_segment {
	uint64_t vaddr; /* page-aligned */
	uint64_t size;  /* page multiple */
	uint32_t prot;  /* PROT_READ 1 | PROT_WRITE 2 | PROT_EXEC 4 */
	uint32_t pad;
};
#endif

#ifndef __ASSEMBLER__
/*
 * The frame area at pfn_stacks, for `npages` frames of RAM: the kernel's
 * two uint32_t PFN stacks, then a uint16_t reference count a frame (the
 * references beyond the first: 0 for a frame one mapping owns; see
 * PTE_SHARED), page-rounded.
 */
#define NANVIX_PFN_REFS(npages) (2 * (uint64_t)(npages)*4)
#define NANVIX_PFN_AREA(npages) \
	((NANVIX_PFN_REFS(npages) + 2 * (uint64_t)(npages) + 4095) & ~4095ull)

/*
 * Limits the host puts on the VM (nanvixd --pids-limit, --ulimit); 0 in a
 * field means none.  tasks bounds the threads of every process together
 * (fork, vfork and clone fail with EAGAIN at it, as in a pids cgroup); the
 * sockets bounds the VM's open inet sockets together (socket and accept
 * fail with ENFILE at it, as when a system's file table is full); the
 * others are process 1's first RLIMIT_NOFILE and RLIMIT_CPU (seconds),
 * which its children inherit, and whose hard values no process of the VM
 * can raise (EPERM).
 */
struct nanvix_boot_limits {
	uint32_t tasks;
	uint32_t sockets;
	uint64_t nofile_cur, nofile_max;
	uint64_t cpu_cur, cpu_max;
};

struct nanvix_bootinfo {
	uint32_t magic;       /* NANVIX_BOOTINFO_MAGIC */
	uint32_t abi_version; /* NANVIX_ABI_VERSION */
	uint32_t flags;       /* NANVIX_BOOT_* */
	uint32_t nranges;     /* used entries of free[] */
	uint64_t mem_size;    /* bytes of RAM at guest-physical 0 */

	/* Physical frames the kernel owns; all of them are zero. */
	struct nanvix_memrange free[NANVIX_MEMRANGES_MAX];
	uint64_t pfn_stacks; /* phys of NANVIX_PFN_AREA(mem_size / 4096) zero bytes */

	/* The first user process, fully mapped by the host. */
	uint64_t cr3;       /* phys of the PML4 (kernel half included) */
	uint64_t entry;     /* user RIP */
	uint64_t sp;        /* user RSP, at argc */
	uint64_t brk;       /* page-aligned end of the image: initial break */
	uint64_t stack_lo;  /* lowest mapped stack page */
	uint64_t stack_hi;  /* end of the stack mapping */
	uint32_t nsegments; /* used entries of segments[] */
	uint32_t argc;
	struct nanvix_segment segments[NANVIX_SEGMENTS_MAX];
	char name[32]; /* program name (basename), NUL-terminated */

	/* Clock: ns = ((tsc - tsc_base) * tsc_mult) >> 32 since the bases. */
	uint64_t tsc_base;
	uint64_t tsc_mult;
	uint64_t tsc_khz;
	uint64_t realtime_base_ns;  /* CLOCK_REALTIME at tsc_base */
	uint64_t monotonic_base_ns; /* CLOCK_MONOTONIC at tsc_base */
	/* The rings and shared regions of the VM, by kind (none: nrings 0). */
	uint32_t nrings;
	uint32_t pad_rings;
	struct nanvix_boot_ring rings[NANVIX_BOOT_RINGS_MAX];

	/*
	 * Signals for process 1, bit (sig - 1) for each of NANVIX_HOST_SIGNALS:
	 * the host ORs bits in atomically while the vCPU is stopped, then
	 * injects NANVIX_TIMER_VECTOR (or ends a SLEEP or console READ early
	 * with -EINTR); the kernel takes them with one atomic exchange at its
	 * next tick, idle wake-up or interrupted console read.  The only field
	 * the guest writes; the host never reads it.
	 */
	uint64_t host_signals;

	/*
	 * Snapshots (abi/snapshot.h): 0 and zero in a VM that booted; the
	 * host writes them, with new clock bases above, before the first
	 * instruction of a restored VM.
	 */
	uint64_t generation;  /* restores this VM went through */
	uint64_t restored_ns; /* CLOCK_REALTIME at the last restore */
	uint8_t seed[32];     /* fresh random bytes of the last restore */

	struct nanvix_boot_limits limits; /* written by the host before boot */
};
#endif

#ifndef __ASSEMBLER__
/* The guest-physical address of the VM's region of `kind` when it holds at
 * least `min` bytes, else 0. */
static inline uint64_t bootinfo_ring(const struct nanvix_bootinfo *bi, uint32_t kind, uint64_t min)
{
	for (uint32_t i = 0; i < bi->nrings && i < NANVIX_BOOT_RINGS_MAX; i++)
		if (bi->rings[i].kind == kind && bi->rings[i].size >= min)
			return bi->rings[i].paddr;
	return 0;
}
#endif

#endif /* NANVIX_ABI_BOOTINFO_H */
