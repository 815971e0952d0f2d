/* Hypercall ABI between the microkernel (guest ring 0) and nanvixd. */
#ifndef NANVIX_ABI_HYPERCALL_H
#define NANVIX_ABI_HYPERCALL_H

/*
 * A hypercall is one 32-bit `out` to a port of the range below.  The value
 * written is the guest-physical address of the call's argument struct, which
 * must be 8-byte aligned and lie wholly inside guest RAM.  The host reads the
 * struct, acts, writes the `ret` field (where the struct has one) and resumes
 * the vCPU after the `out`.  Any other port, or a bad argument address, stops
 * the VM with an error.
 *
 * C99, self-contained: included by the kernel and by nanvixd.
 */

#include <stdint.h>

#include <abi/version.h>

#define NANVIX_HC_PORT_BASE  0x500
#define NANVIX_HC_PORT_COUNT 32

enum nanvix_hc {
	NANVIX_HC_EXIT = 0x500,         /* struct nanvix_hc_exit */
	NANVIX_HC_LOG = 0x501,          /* struct nanvix_hc_log */
	NANVIX_HC_WRITE = 0x502,        /* struct nanvix_hc_write */
	NANVIX_HC_WRITEV = 0x503,       /* struct nanvix_hc_writev */
	NANVIX_HC_READ = 0x504,         /* struct nanvix_hc_read */
	NANVIX_HC_FRAMES_SCRUB = 0x505, /* struct nanvix_hc_frames_scrub */
	NANVIX_HC_PANIC = 0x506,        /* struct nanvix_hc_log */
	NANVIX_HC_STRACE = 0x507,       /* struct nanvix_hc_strace */
	NANVIX_HC_RANDOM = 0x508,       /* struct nanvix_hc_random */
	NANVIX_HC_SLEEP = 0x509,        /* struct nanvix_hc_sleep */
	NANVIX_HC_TIMER = 0x50a,        /* struct nanvix_hc_timer */
	NANVIX_HC_COPY = 0x50b,         /* struct nanvix_hc_copy */
	NANVIX_HC_FORK = 0x50c,         /* struct nanvix_hc_fork */
	NANVIX_HC_EXEC = 0x50d,         /* struct nanvix_hc_exec */
	NANVIX_HC_RELEASE = 0x50e,      /* struct nanvix_hc_release */
	NANVIX_HC_RING = 0x50f,         /* doorbell: value = the ring's GPA */
	NANVIX_HC_TTY = 0x510,          /* struct nanvix_hc_tty */
	NANVIX_HC_SNAPSHOT = 0x511,     /* struct nanvix_hc_snapshot */
	NANVIX_HC_MM = 0x512,           /* struct nanvix_hc_mm */
	NANVIX_HC_LAST = NANVIX_HC_MM,
};

/*
 * NANVIX_HC_RING: the doorbell of the ring region (abi/ring.h).  The value
 * written is the region's guest-physical address (NANVIX_RING_PADDR), not
 * an argument struct.  The host serves every request published up to
 * req_tail before it resumes the vCPU, so the completions are in place when
 * the `out` returns: the guest never spins.  (A VM whose macro-kernel is a
 * separate process waits in nanvixd while that process serves the ring.)
 */

/* Statistics the kernel reports when the VM ends (written by the guest). */
struct nanvix_kstats {
	uint64_t traps;        /* entries into ring 0 (syscalls + faults) */
	uint64_t syscalls;     /* system calls served */
	uint64_t enosys;       /* system calls answered ENOSYS */
	uint64_t frames_free;  /* physical frames free at exit */
	uint64_t frames_total; /* physical frames the kernel managed */
	uint64_t last_enosys;  /* number of the last unknown call, or ~0 */
	uint64_t wx_mmap;      /* mmap calls refused for PROT_WRITE|PROT_EXEC (W^X) */
	uint64_t wx_mprotect;  /* mprotect calls refused for PROT_WRITE|PROT_EXEC */
};

/*
 * NANVIX_HC_EXIT: the VM is done.  `status` is the process status in shell
 * convention: 0..255 for exit(), 128 + signal for a killed program.  Does not
 * return.
 */
struct nanvix_hc_exit {
	int32_t status;
	uint32_t pad;
	struct nanvix_kstats stats;
};

/*
 * NANVIX_HC_LOG, NANVIX_HC_PANIC: kernel console output.  `buf` is a
 * guest-physical address, `len` at most NANVIX_HC_LOG_MAX.  PANIC prints the
 * text and stops the VM with a guest-error status.
 */
#define NANVIX_HC_LOG_MAX 4096
struct nanvix_hc_log {
	uint64_t buf;
	uint64_t len;
};

/* One element of a user iovec array, Linux layout. */
struct nanvix_iovec {
	uint64_t base;
	uint64_t len;
};

/*
 * NANVIX_HC_WRITEV: write a user iovec array to console fd 1 or 2.  `iov`
 * is a user *virtual* address translated through the page tables rooted at
 * `cr3`; every table entry and buffer must be present and user-accessible.
 * `ret` receives the byte count or a negative errno (-EFAULT, -EBADF,
 * -EINVAL).  At most NANVIX_HC_IOV_MAX elements.
 */
#define NANVIX_HC_IOV_MAX 1024
struct nanvix_hc_writev {
	uint64_t cr3;
	uint64_t iov;
	uint32_t iovcnt;
	uint32_t fd;
	int64_t ret;
};

/*
 * NANVIX_HC_WRITE: write(2) of one user buffer to console fd 1 or 2; `buf`
 * is a user virtual address translated through `cr3` as for WRITEV.  `ret`
 * receives the byte count or a negative errno.
 */
struct nanvix_hc_write {
	uint64_t cr3;
	uint64_t buf;
	uint64_t len;
	uint32_t fd;
	uint32_t pad;
	int64_t ret;
};

/*
 * NANVIX_HC_READ: read up to `len` bytes of the console (nanvixd's stdin)
 * into the user virtual buffer `buf` (translated through `cr3`, must be
 * user-writable).  `ret` receives the byte count, 0 at end of file, or a
 * negative errno.
 */
struct nanvix_hc_read {
	uint64_t cr3;
	uint64_t buf;
	uint64_t len;
	int64_t ret;
};

/*
 * NANVIX_HC_FRAMES_SCRUB: give `count` physical frames back to the host,
 * which zeroes them (and may reclaim their memory).  `pfns` is the
 * guest-physical address of an array of `count` uint32_t frame numbers.
 * `ret` receives 0 or -EINVAL if any frame lies outside RAM (then none are
 * touched).
 */
struct nanvix_hc_frames_scrub {
	uint64_t pfns;
	uint32_t count;
	uint32_t pad;
	int64_t ret;
};

/*
 * NANVIX_HC_STRACE: one system call, for `nanvixd --strace` (made only when
 * the boot info has NANVIX_BOOT_STRACE).  Sent after the call with its
 * result, or before it with NANVIX_STRACE_NORETURN for calls that do not
 * return (exit).  Pointer arguments are user virtual addresses in `cr3`;
 * the host decodes them read-only.  No result.
 */
#define NANVIX_STRACE_NORETURN (1u << 0)
struct nanvix_hc_strace {
	uint64_t cr3;
	uint64_t nr;
	uint64_t args[6];
	int64_t ret;
	uint32_t flags;
	uint32_t pid;
};

/*
 * NANVIX_HC_RANDOM: fill the user buffer `buf` (virtual, through `cr3`,
 * must be user-writable) with `len` bytes from the host's random source.
 * At most NANVIX_HC_RANDOM_MAX bytes per call.  `ret`: bytes or -EFAULT.
 */
#define NANVIX_HC_RANDOM_MAX (1u << 20)
struct nanvix_hc_random {
	uint64_t cr3;
	uint64_t buf;
	uint64_t len;
	int64_t ret;
};

/*
 * NANVIX_HC_SLEEP: the VM has nothing to run for `ns` nanoseconds
 * (NANVIX_HC_SLEEP_FOREVER: until something arrives); the host waits
 * without spending CPU, and may return sooner (nanvixd returns after
 * NANVIX_HC_SLEEP_MAX_NS at most; the kernel loops).  A VM of a fleet
 * (monitor/fleet.h) is parked instead: no host thread waits for it.
 * `ret`: 0, or -EINTR if the host was interrupted (e.g. the --timeout
 * fired), or the new generation (> 0) in a VM restored from a snapshot the
 * host took while this SLEEP waited (the boot info's clocks were rewritten,
 * as after NANVIX_HC_SNAPSHOT).
 */
#define NANVIX_HC_SLEEP_MAX_NS  1000000000ull
#define NANVIX_HC_SLEEP_FOREVER UINT64_MAX
struct nanvix_hc_sleep {
	uint64_t ns;
	int64_t ret;
};

/*
 * NANVIX_HC_TIMER: a one-shot preemption timer without any emulated device.
 * After `ns` nanoseconds (0 disarms) the host injects NANVIX_TIMER_VECTOR
 * into the vCPU as an external interrupt, at the next point where the guest
 * has interrupts enabled.  Re-arming replaces the previous deadline.
 */
#define NANVIX_TIMER_VECTOR 32
struct nanvix_hc_timer {
	uint64_t ns;
};

/*
 * NANVIX_HC_COPY: copy `len` bytes from `src` to `dst` natively on the host
 * (ring-0 copies cost about 0.4 us per 8 bytes when emulated).  Each side is
 * a user virtual address translated through its cr3 (`dst_cr3`, `src_cr3`;
 * the destination must be user-writable), or a guest-physical address when
 * its cr3 is 0.  At most NANVIX_HC_COPY_MAX bytes.  The ranges must not
 * overlap.  `ret`: bytes copied or -EFAULT (then nothing was copied).
 */
#define NANVIX_HC_COPY_MAX (1u << 20)
struct nanvix_hc_copy {
	uint64_t dst_cr3;
	uint64_t dst;
	uint64_t src_cr3;
	uint64_t src;
	uint64_t len;
	int64_t ret;
};

/*
 * Frames a guest kernel lends the host for building page tables and pages
 * (FORK, EXEC): first the run of `range_count` frames starting at frame
 * number `range_start`, then the guest-physical uint32_t array `pfns` of
 * `npfns` frame numbers taken from its END backwards (so the guest's free
 * stack shrinks from the top).  The host writes how many it took to `used`,
 * whether the call succeeded or not.
 */
struct nanvix_frames_lent {
	uint64_t range_start;
	uint64_t range_count;
	uint64_t pfns;
	uint32_t npfns;
	uint32_t used;
};

/*
 * NANVIX_HC_FORK: duplicate the user half (PML4 entries 0..255) of the
 * address space rooted at `src_cr3` into the one at `dst_cr3` (whose user
 * half must be empty), natively: every page table and every mapped user
 * page (present, or PTE_NONE) gets a fresh frame with a copy of the
 * original, in `frames`.  `ret`: 0, -ENOMEM when they ran out (dst is then
 * partly built from the frames taken), or -EINVAL for a malformed request
 * or source (large pages, tables outside RAM).
 */
struct nanvix_hc_fork {
	uint64_t src_cr3;
	uint64_t dst_cr3;
	struct nanvix_frames_lent frames;
	int64_t ret;
};

/*
 * NANVIX_HC_EXEC: execve on the host.  `path`, `argv` and `envp` are user
 * addresses in the caller's space `cr3` (argv and envp NULL-terminated
 * arrays of string pointers, as execve takes them).  The host looks the
 * path up in the program images given to nanvixd (--program, --image: an
 * exact name, or the path's last component; or takes the image the guest
 * names in image_*), checks the ELF file, and
 * builds the program and its initial stack in the empty user half of
 * `dst_cr3` with the lent `frames`.  Out: `frames.used` (always), and on
 * success `entry`, `sp`, `brk`, `stack_lo`, `stack_hi` and `name`.
 * `ret`: 0, -ENOENT (no such program), -ENOEXEC (not a loadable ELF),
 * -E2BIG (arguments too long), -EFAULT (bad user pointers), -ENOMEM
 * (frames ran out: dst is then partly built), -EINVAL (bad request).
 */
struct nanvix_hc_exec {
	uint64_t cr3;
	uint64_t path;
	uint64_t argv;
	uint64_t envp;
	uint64_t dst_cr3;
	struct nanvix_frames_lent frames;
	uint64_t entry;
	uint64_t sp;
	uint64_t brk;
	uint64_t stack_lo;
	uint64_t stack_hi;
	char name[32];
	int64_t ret;
	uint64_t cwd; /* fs handle of the caller's working directory (programs on disk) */
	/* A program the guest read itself (the in-VM fs server, abi/fsd.h):
	 * image_len bytes at user address `image` in `image_cr3`, at most
	 * NANVIX_FSD_LOAD_MAX.  0: look `path` up as above. */
	uint64_t image_cr3;
	uint64_t image;
	uint64_t image_len;
};

/*
 * NANVIX_HC_RELEASE: tear down the user half of the address space at `cr3`
 * natively: every mapped user page (present or PTE_NONE) and every user
 * page table is zeroed (the host may drop its memory), its frame number is
 * written to the guest-physical uint32_t array `pfns` (room for `max`),
 * and the PML4's user entries are cleared.  `count` receives how many were
 * written; they are free, zero frames for the guest from then on.  `ret`:
 * 0, -E2BIG when `max` was too small (nothing was changed), or -EINVAL for
 * a malformed request or tables (large pages, frames outside RAM).
 */
struct nanvix_hc_release {
	uint64_t cr3;
	uint64_t pfns;
	uint32_t max;
	uint32_t count;
	int64_t ret;
};

/*
 * NANVIX_HC_TTY: a terminal ioctl on console stream `fd` (0, 1 or 2), made
 * only for streams the boot info marks as terminals (NANVIX_BOOT_TTY_*).
 * `req` is the Linux request: TCGETS (`arg` receives a struct
 * linux_termios), TCSETS, TCSETSW, TCSETSF (`arg` holds one; the host
 * applies it to its terminal and restores the original when it exits) or
 * TIOCGWINSZ (`arg` receives a struct linux_winsize).  `arg` is a user
 * virtual address translated through `cr3` (user-writable for the
 * getters).  `ret`: 0, -ENOTTY (stream not a terminal, or another
 * request), -EFAULT, -EINTR, or the host's error.
 */
struct nanvix_hc_tty {
	uint64_t cr3;
	uint64_t arg;
	uint32_t fd;
	uint32_t req;
	int64_t ret;
};

/*
 * NANVIX_HC_SNAPSHOT: the program asked for a snapshot here (abi/snapshot.h).
 * Made by the kernel from its own call path, never with a user address.
 * `ret`: 0 when the host takes no snapshot (the VM goes on), 1 when it
 * saved the VM (the host then ends it: this VM never sees the 1), or, in a
 * VM restored from the snapshot, the restore's generation (>= 1) with the
 * boot info's clock bases, `generation` and `seed` already rewritten: the
 * kernel reloads its clocks and every address space's vvar page before it
 * returns to the program.  A negative errno when the host refused (the
 * VM's components keep state outside it, or writing the snapshot failed;
 * the host has said why).
 */
struct nanvix_hc_snapshot {
	int64_t ret;
};

/*
 * NANVIX_HC_MM: the page-table work of mmap, munmap, madvise and brk,
 * done natively on the range [va, va + len) of the user half of `cr3`
 * (page-aligned, non-empty, below 2^47).  Every operation checks the whole
 * range first and changes nothing when it fails.  A hostile tree (cycles,
 * shared tables, large pages, frames outside RAM) ends in -EINVAL, after a
 * walk bounded by the size of RAM.  The host only adds mappings, or
 * removes them together with their frames' contents: a hypervisor that
 * shadows the guest's tables sees that, and not other edits by the host
 * (see macrokernel/monitor/aspace.c); narrowing rights stays the guest's.
 *
 *  - NANVIX_MM_MAP: every page of the range must be unmapped (-EEXIST
 *    otherwise).  Each gets a zero frame and the PTE `frame | pte`, and
 *    missing page tables are built, all from the lent frames: first the
 *    `dirty` list (frame numbers taken from its end backwards; the host
 *    zeroes each), then `frames` as NANVIX_HC_FORK lends them.  -ENOMEM,
 *    before any change, when they cannot cover the pages and tables.
 *    `count`: frames taken, dirty ones first.  `pte` may hold only PTE_P,
 *    PTE_W, PTE_U, PTE_NX, PTE_NONE and PTE_SHARED; a present page must be
 *    user and never both writable and executable (W^X), a PTE_NONE one
 *    not present; -EINVAL otherwise.
 *  - NANVIX_MM_UNMAP: every mapped page (present or PTE_NONE) is unmapped;
 *    its frame is zeroed and its number appended to `freed` (room for
 *    `freed_max`; -E2BIG before any change).  -EBUSY, before any change,
 *    when a PTE_SHARED frame of the range is still referenced by other
 *    mappings (NANVIX_PFN_REFS).  `count`: frames listed.
 *  - NANVIX_MM_ZERO (MADV_DONTNEED): every page must be mapped (-ENOMEM
 *    otherwise); each private one is zeroed in place (the host may drop its
 *    memory), PTE_SHARED ones are left alone.  `count`: pages zeroed.
 *
 * `ret`: 0 or -errno; -EINVAL for a malformed request.
 */
enum nanvix_mm_op {
	NANVIX_MM_MAP = 1,
	NANVIX_MM_UNMAP = 2,
	NANVIX_MM_ZERO = 3,
};

struct nanvix_hc_mm {
	uint64_t cr3;
	uint64_t va;
	uint64_t len;
	uint64_t pte;
	uint32_t op;
	uint32_t ndirty;
	uint64_t dirty;                   /* MAP: guest-physical uint32_t array of dirty frames */
	struct nanvix_frames_lent frames; /* MAP */
	uint64_t freed;                   /* UNMAP: guest-physical uint32_t array */
	uint32_t freed_max;
	uint32_t pad;
	uint64_t count;
	int64_t ret;
};

/* Any hypercall's argument block: a guest keeps one, aligned, for all calls. */
union nanvix_hc_args {
	struct nanvix_hc_exit exit;
	struct nanvix_hc_log log;
	struct nanvix_hc_write write;
	struct nanvix_hc_writev writev;
	struct nanvix_hc_read read;
	struct nanvix_hc_frames_scrub scrub;
	struct nanvix_hc_strace strace;
	struct nanvix_hc_random random;
	struct nanvix_hc_sleep sleep;
	struct nanvix_hc_timer timer;
	struct nanvix_hc_copy copy;
	struct nanvix_hc_fork fork;
	struct nanvix_hc_exec exec;
	struct nanvix_hc_release release;
	struct nanvix_hc_tty tty;
	struct nanvix_hc_snapshot snapshot;
	struct nanvix_hc_mm mm;
};

#endif /* NANVIX_ABI_HYPERCALL_H */
