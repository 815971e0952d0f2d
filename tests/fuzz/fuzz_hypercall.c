/* libFuzzer target for vm_hypercall(): hostile argument structs and page tables never escape guest RAM. */
/*
 * Guest RAM is 96 KiB on the heap (AddressSanitizer guards both ends):
 * pages 0..15 are filled from the input, pages 16..23 hold page tables the
 * harness builds from the input's mapping records.  Input layout:
 *
 *   0   port: 0x4fe + byte % 36 (two below the range, two above it)
 *   1   flags: HF_* below
 *   2   argument address, u32 little-endian (the value of the `out`)
 *   6   number of mapping records, at most MAX_RECORDS
 *   7   flags of the intermediate table entries (P W U, bit 3: NX)
 *   8   u64 raw CR3 (used with HF_RAW_CR3)
 *   16  records, 8 bytes each:
 *         0  u32 virtual page number (va = vpn << 12)
 *         4  u16 physical frame number (often outside RAM)
 *         6  bits 0-2 P W U, bit 3 NX, bits 4-5 level (3: a table entry at
 *            level 1 pointing at the frame, so data bytes become a PT),
 *            bit 6 PAT/bit 12, bit 7 PS at level 0 (PAT in a PTE)
 *         7  bits 52-58 of the entry (ignored address bits)
 *   then  bytes copied to guest-physical 0 (at most 64 KiB)
 *
 * After the call the harness checks what the host may have changed: only
 * the `ret` field, plus for READ bytes now zero (stdin is /dev/zero or
 * /dev/null), for RANDOM any byte once it filled some, for a successful
 * FRAMES_SCRUB whole listed frames, now zero, for MM anything but after
 * its check refused (EEXIST, E2BIG).  Any other difference, or an
 * out-of-range result, aborts.  A STRACE struct is also decoded with
 * strace_format(); a SLEEP is cut to at most a microsecond.  Ports the
 * harness does not know yet get the generic checks and AddressSanitizer.
 * FUZZ_HYPERCALL_DEBUG=1 prints each call's result (to check seeds).
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <abi/hypercall.h>
#include <monitor/strace.h>
#include <monitor/vm.h>

#include "../unit/monitor/guest_pt.h"

#define PAGE        GPT_PAGE
#define DATA_PAGES  16
#define POOL_PAGES  8
#define MEM_SIZE    ((DATA_PAGES + POOL_PAGES) * PAGE)
#define HEADER      16
#define MAX_RECORDS 32

#define HF_PATCH_CR3  0x01 /* write the harness CR3 into the struct's first field */
#define HF_ALIGN_ARG  0x02 /* argument address modulo RAM, 8-aligned */
#define HF_STDIN_ZERO 0x04
#define HF_RAW_CR3    0x08 /* patch with the raw CR3 from the header instead */

static uint8_t *ram, *before;
static int null_wr, null_rd, zero_rd;
static int debug; /* FUZZ_HYPERCALL_DEBUG=1: one line per input on stderr */

/* Silent: the fuzzer prints nothing per input. */
void vm_error(const char *fmt, ...)
{
	(void)fmt;
}

/* No real timer: a hostile deadline must arrive clamped to a minute. */
int vm_timer_arm(struct vm *vm, uint64_t ns)
{
	(void)vm;
	if (ns > 60000000000ull)
		abort();
	return 0;
}

static void violated(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fuzz_hypercall: invariant violated: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

static uint64_t le(const uint8_t *p, int n)
{
	uint64_t v = 0;

	while (n-- > 0)
		v = v << 8 | p[n];
	return v;
}

static void init_once(void)
{
	if (ram)
		return;
	ram = aligned_alloc(PAGE, MEM_SIZE);
	before = malloc(MEM_SIZE);
	null_wr = open("/dev/null", O_WRONLY | O_CLOEXEC);
	null_rd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	zero_rd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	debug = getenv("FUZZ_HYPERCALL_DEBUG") != NULL;
	if (!ram || !before || null_wr < 0 || null_rd < 0 || zero_rd < 0) {
		perror("fuzz_hypercall: setup");
		abort();
	}
}

/* Apply one mapping record; records that do not fit are skipped. */
static void apply_record(struct gpt *pt, const uint8_t *r)
{
	uint64_t va = le(r, 4) << 12, pa = le(r + 4, 2) << 12, f = r[6];
	uint64_t flags = (f & 7) | (f & 8 ? GPT_NX : 0) | (f & 0x40 ? 0x1000 : 0) |
	                 (uint64_t)(r[7] & 0x7f) << 52;
	int level = (f >> 4) & 3;
	uint64_t *slot;

	if (level == 3) {
		/* A directory entry pointing at any frame: its bytes become a table. */
		slot = gpt_slot(pt, va, 1);
		if (slot)
			*slot = pa | flags;
		return;
	}
	slot = gpt_slot(pt, va, level);
	if (!slot)
		return;
	*slot = pa | flags | (level > 0 || (f & 0x80) ? GPT_PS : 0);
}

/* Offset and size of the `ret` field of the struct served on `port`, or size 0. */
static void ret_field(uint16_t port, size_t *off, size_t *size)
{
	*size = 8;
	switch (port) {
	case NANVIX_HC_WRITE: *off = offsetof(struct nanvix_hc_write, ret); break;
	case NANVIX_HC_WRITEV: *off = offsetof(struct nanvix_hc_writev, ret); break;
	case NANVIX_HC_READ: *off = offsetof(struct nanvix_hc_read, ret); break;
	case NANVIX_HC_FRAMES_SCRUB: *off = offsetof(struct nanvix_hc_frames_scrub, ret); break;
	case NANVIX_HC_RANDOM: *off = offsetof(struct nanvix_hc_random, ret); break;
	case NANVIX_HC_SLEEP: *off = offsetof(struct nanvix_hc_sleep, ret); break;
	case NANVIX_HC_COPY: *off = offsetof(struct nanvix_hc_copy, ret); break;
	case NANVIX_HC_RELEASE: *off = offsetof(struct nanvix_hc_release, ret); break;
	case NANVIX_HC_FORK: *off = offsetof(struct nanvix_hc_fork, ret); break;
	case NANVIX_HC_EXEC: *off = offsetof(struct nanvix_hc_exec, ret); break;
	case NANVIX_HC_MM: *off = offsetof(struct nanvix_hc_mm, ret); break;
	default: *off = 0, *size = 0; break;
	}
}

/* Other output fields the host writes besides `ret`: byte i is one of them. */
static int out_field(uint16_t port, uint32_t arg, uint64_t i)
{
	size_t lo = 0, hi = 0;

	switch (port) {
	case NANVIX_HC_RELEASE:
		lo = offsetof(struct nanvix_hc_release, count);
		hi = lo + sizeof(uint32_t);
		break;
	case NANVIX_HC_FORK:
		lo = offsetof(struct nanvix_hc_fork, frames.used);
		hi = lo + sizeof(uint32_t);
		break;
	case NANVIX_HC_EXEC:
		lo = offsetof(struct nanvix_hc_exec, frames.used);
		hi = sizeof(struct nanvix_hc_exec);
		break;
	case NANVIX_HC_MM:
		lo = offsetof(struct nanvix_hc_mm, count);
		hi = lo + sizeof(uint64_t);
		break;
	}
	return i >= (uint64_t)arg + lo && i < (uint64_t)arg + hi;
}

/* Size of the argument struct of a served port. */
static size_t arg_size(uint16_t port)
{
	switch (port) {
	case NANVIX_HC_EXIT: return sizeof(struct nanvix_hc_exit);
	case NANVIX_HC_WRITE: return sizeof(struct nanvix_hc_write);
	case NANVIX_HC_WRITEV: return sizeof(struct nanvix_hc_writev);
	case NANVIX_HC_READ: return sizeof(struct nanvix_hc_read);
	case NANVIX_HC_FRAMES_SCRUB: return sizeof(struct nanvix_hc_frames_scrub);
	case NANVIX_HC_STRACE: return sizeof(struct nanvix_hc_strace);
	case NANVIX_HC_RANDOM: return sizeof(struct nanvix_hc_random);
	case NANVIX_HC_SLEEP: return sizeof(struct nanvix_hc_sleep);
	case NANVIX_HC_COPY: return sizeof(struct nanvix_hc_copy);
	case NANVIX_HC_RELEASE: return sizeof(struct nanvix_hc_release);
	case NANVIX_HC_FORK: return sizeof(struct nanvix_hc_fork);
	case NANVIX_HC_EXEC: return sizeof(struct nanvix_hc_exec);
	case NANVIX_HC_MM: return sizeof(struct nanvix_hc_mm);
	default: return sizeof(struct nanvix_hc_log);
	}
}

/* What the ABI promises, from the struct as the guest left it. */
static void check_contract(uint16_t port, uint32_t arg, int rc, const struct vm *vm, int64_t ret)
{
	uint64_t f[4];

	if ((arg & 7) || (uint64_t)arg + arg_size(port) > MEM_SIZE) {
		if (rc != 1 || vm->status != NANVIXD_EXIT_GUEST)
			violated("port %#x: bad argument address %#x served (%d)", (unsigned)port,
			         (unsigned)arg, rc);
		return;
	}
	memcpy(f, before + arg, sizeof(f) < arg_size(port) ? sizeof(f) : arg_size(port));
	switch (port) {
	case NANVIX_HC_LOG:
		if ((f[1] > NANVIX_HC_LOG_MAX || f[0] > MEM_SIZE || f[1] > MEM_SIZE - f[0]) !=
		    (rc == 1))
			violated("LOG %#llx+%llu returned %d", (unsigned long long)f[0],
			         (unsigned long long)f[1], rc);
		break;
	case NANVIX_HC_WRITE:
		if ((uint32_t)f[3] != 1 && (uint32_t)f[3] != 2 && ret != -9)
			violated("WRITE to fd %u: ret %lld", (unsigned)f[3], (long long)ret);
		break;
	case NANVIX_HC_COPY: {
		struct nanvix_hc_copy c;

		memcpy(&c, before + arg, sizeof(c));
		if (ret != -14 && (ret != (int64_t)c.len || c.len > NANVIX_HC_COPY_MAX))
			violated("COPY of %llu bytes: ret %lld", (unsigned long long)c.len,
			         (long long)ret);
		break;
	}
	case NANVIX_HC_WRITEV:
		if ((uint32_t)f[2] > NANVIX_HC_IOV_MAX && (f[2] >> 32 == 1 || f[2] >> 32 == 2) &&
		    ret != -22)
			violated("WRITEV of %u elements: ret %lld", (unsigned)f[2], (long long)ret);
		break;
	}
}

/*
 * vm_hypercall() runs STRACE with tracing off (its output would go to the
 * fuzzer's stderr); decode the same struct here, into a buffer of the size
 * hc_strace uses, so that AddressSanitizer sees any overrun.
 */
static void check_strace(const struct vm_mem *mem, uint32_t arg)
{
	struct nanvix_hc_strace t;
	char *line = malloc(512);
	size_t n;

	if (!line)
		abort();
	memcpy(&t, mem->base + arg, sizeof(t));
	n = strace_format(mem, &t, line, 512);
	if (n == 0 || n >= 512 || line[n] != '\0' || line[n - 1] != '\n' ||
	    memchr(line, '\n', n - 1))
		violated("strace line of %zu bytes is not one terminated line", n);
	if (debug)
		fprintf(stderr, "fuzz_hypercall: strace: %s", line);
	free(line);
}

/* Is byte i inside a frame the (successful) scrub at `arg` listed? */
static int scrubbed(uint32_t arg, uint64_t i)
{
	struct nanvix_hc_frames_scrub a;
	uint32_t k, pfn;

	memcpy(&a, before + arg, sizeof(a)); /* the list as it was before the call */
	for (k = 0; k < a.count; k++) {
		memcpy(&pfn, before + a.pfns + 4ull * k, 4);
		if (pfn == i / PAGE)
			return 1;
	}
	return 0;
}

static void check_memory(uint16_t port, uint32_t arg, int served, int64_t ret)
{
	size_t off = 0, size = 0;
	uint64_t i;

	if (served)
		ret_field(port, &off, &size);
	for (i = 0; i < MEM_SIZE; i++) {
		/* Whole equal pages in one memcmp: the byte loop is instrumented. */
		if (i % PAGE == 0 && memcmp(ram + i, before + i, PAGE) == 0) {
			i += PAGE - 1;
			continue;
		}
		if (ram[i] == before[i])
			continue;
		if (i >= (uint64_t)arg + off && i < (uint64_t)arg + off + size)
			continue;
		if (served && out_field(port, arg, i))
			continue;
		if (port == NANVIX_HC_READ && served && ram[i] == 0 && ret > 0)
			continue;
		if ((port == NANVIX_HC_RANDOM || port == NANVIX_HC_COPY) && served && ret > 0)
			continue;
		/* fork and exec build into lent frames, also when they fail half-way. */
		if ((port == NANVIX_HC_FORK || port == NANVIX_HC_EXEC) && served)
			continue;
		if (port == NANVIX_HC_RELEASE && served && ret == 0)
			continue;
		/* MM edits tables and frames; EEXIST and E2BIG come from its check, before any change. */
		if (port == NANVIX_HC_MM && served && ret != -17 && ret != -7)
			continue;
		if (port == NANVIX_HC_FRAMES_SCRUB && served && ret == 0 && ram[i] == 0 &&
		    scrubbed(arg, i))
			continue;
		violated("port %#x arg %#x: guest byte %#llx changed %#x -> %#x (ret %lld)",
		         (unsigned)port, (unsigned)arg, (unsigned long long)i, before[i], ram[i],
		         (long long)ret);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vm vm;
	struct gpt pt;
	uint16_t port;
	uint32_t arg, nrec, k;
	uint8_t flags;
	size_t rest;
	int rc, served;
	int64_t ret = 0;

	if (size < HEADER)
		return 0;
	init_once();
	port = 0x4fe + data[0] % 36;
	flags = data[1];
	arg = (uint32_t)le(data + 2, 4);
	nrec = data[6] % (MAX_RECORDS + 1);
	if (flags & HF_ALIGN_ARG)
		arg = (arg % MEM_SIZE) & ~7u;
	if (size < HEADER + 8ull * nrec)
		nrec = (size - HEADER) / 8;

	/* RAM: input bytes, then the tables. */
	memset(ram, 0, MEM_SIZE);
	rest = size - HEADER - 8ull * nrec;
	if (rest > DATA_PAGES * PAGE)
		rest = DATA_PAGES * PAGE;
	memcpy(ram, data + HEADER + 8ull * nrec, rest);
	memset(&vm, 0, sizeof(vm));
	vm.mem.base = ram;
	vm.mem.size = MEM_SIZE;
	if (gpt_init(&pt, &vm.mem, DATA_PAGES * PAGE, MEM_SIZE) < 0)
		abort();
	pt.inter = (data[7] & 7) | (data[7] & 8 ? GPT_NX : 0);
	for (k = 0; k < nrec; k++)
		apply_record(&pt, data + HEADER + 8ull * k);
	if ((flags & (HF_PATCH_CR3 | HF_RAW_CR3)) && arg <= MEM_SIZE - 8) {
		uint64_t cr3 = flags & HF_RAW_CR3 ? le(data + 8, 8) : pt.cr3;

		memcpy(ram + arg, &cr3, 8);
	}

	/* SLEEP really sleeps (up to a second): keep it to a microsecond here. */
	if (port == NANVIX_HC_SLEEP && !(arg & 7) && arg <= MEM_SIZE - 8) {
		uint64_t ns;

		memcpy(&ns, ram + arg, 8);
		ns %= 1000;
		memcpy(ram + arg, &ns, 8);
	}

	vm.kvm_fd = vm.vm_fd = vm.vcpu_fd = -1;
	vm.out_fd = vm.err_fd = vm.log_fd = null_wr;
	vm.in_fd = flags & HF_STDIN_ZERO ? zero_rd : null_rd;
	memcpy(before, ram, MEM_SIZE);

	rc = vm_hypercall(&vm, port, arg);
	free(vm.copy_iov); /* the VM's lazily made scratch (vm_destroy's job in nanvixd) */
	vm.copy_iov = NULL;

	if (port < NANVIX_HC_PORT_BASE || port >= NANVIX_HC_PORT_BASE + NANVIX_HC_PORT_COUNT) {
		if (rc != -1 || vm.done)
			violated("port %#x is not a hypercall but returned %d", (unsigned)port, rc);
		return 0;
	}
	if (rc == -1)
		return 0; /* a free slot */
	if (rc != 0 && rc != 1)
		violated("port %#x returned %d", (unsigned)port, rc);
	/* The calls this harness knows in detail; newer ones get the checks above and ASan. */
	served = (port >= NANVIX_HC_EXIT && port <= NANVIX_HC_SLEEP) || port == NANVIX_HC_MM;
	if (rc == 1 && !vm.done)
		violated("stopped without done");
	if (rc == 0 && vm.done)
		violated("done but resumed");
	if (rc == 1 && (vm.status < 0 || vm.status > 255))
		violated("status %d", vm.status);
	if (rc == 1 && port != NANVIX_HC_EXIT && vm.status != NANVIXD_EXIT_GUEST)
		violated("port %#x stopped with status %d", (unsigned)port, vm.status);
	if (!served)
		return 0;
	if (rc == 0) {
		size_t off, sz;

		ret_field(port, &off, &sz);
		if (sz)
			memcpy(&ret, ram + arg + off, 8);
		if (port == NANVIX_HC_FRAMES_SCRUB && ret != 0 && ret != -22)
			violated("scrub ret %lld", (long long)ret);
		if (port == NANVIX_HC_SLEEP && ret != 0)
			violated("sleep ret %lld", (long long)ret);
		if (port == NANVIX_HC_MM && ret != 0 && ret != -22 && ret != -12 && ret != -17 &&
		    ret != -7)
			violated("mm ret %lld", (long long)ret);
		if (port == NANVIX_HC_WRITE || port == NANVIX_HC_READ || port == NANVIX_HC_RANDOM) {
			uint64_t len;

			memcpy(&len, before + arg + offsetof(struct nanvix_hc_write, len), 8);
			if (ret > 0 && (uint64_t)ret > len)
				violated("port %#x: %lld bytes for len %llu", (unsigned)port,
				         (long long)ret, (unsigned long long)len);
		}
		if (ret < -4095)
			violated("port %#x: ret %lld", (unsigned)port, (long long)ret);
	}
	if (served)
		check_contract(port, arg, rc, &vm, ret);
	if (port == NANVIX_HC_STRACE && rc == 0)
		check_strace(&vm.mem, arg);
	if (debug)
		fprintf(stderr, "fuzz_hypercall: port %#x arg %#x -> %d, status %d, ret %lld\n",
		        (unsigned)port, (unsigned)arg, rc, vm.status, (long long)ret);
	check_memory(port, arg, rc == 0, ret);
	return 0;
}
