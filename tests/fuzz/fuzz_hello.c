/* libFuzzer target: the shared macro-kernel's hello (server/hello.c) through the real services' sections. */
/*
 * Linked with the services bin/macrokernel links (mk_services: fs, blk,
 * net), so each section goes to its owner's hello_take as in the server.
 *
 * Input: byte 0 picks the mode.
 *   even: the rest is one hello message, checked by hello_check() from a
 *         buffer of exactly its size (8-aligned, as the server's).
 *   odd:  the rest is a little program that builds a valid mk_config
 *         (cfg_from below); mk_hello_put() writes its sections, as
 *         nanvixd's client does, and hello_check() must take them back.
 *
 * Invariants.  An accepted hello gives a sane config: placements known,
 * fs none => no disk and no volumes, fs guest => a disk and no volumes,
 * nvolumes <= MK_VOLUMES_MAX and unused entries empty, every string
 * NUL-terminated inside the message, printable, disk and volume host
 * directories relative without "..", guest paths absolute; writing that
 * config again and checking it gives the same config.  A refused hello
 * gives -EPROTO or -EINVAL and a reason: one non-empty, NUL-terminated
 * line.  A config built in odd mode either has a string too long for the
 * protocol (mk_hello_put refuses it, -ENAMETOOLONG), does not fit a
 * fuzz-chosen capacity (-E2BIG), or goes through unchanged.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mk/mk.h>
#include <mk/service.h>
#include <server/proto.h>

#include "../../macrokernel/server/server.h"

#define MEM_SIZE (64ull << 20) /* a valid guest RAM size for built hellos */
#define STR_MAX  600           /* longer than any protocol string */

static int trace; /* FUZZ_HELLO_TRACE=1: print each check's result */

static void violated(const char *what, const char *err)
{
	fprintf(stderr, "fuzz_hello: invariant violated: %s%s%s\n", what, err ? ": " : "",
	        err ? err : "");
	abort();
}

/* ---- what a sane config is (this file's own reading of proto.h) ---- */

static bool inside(const char *s, const void *buf, size_t len)
{
	uintptr_t p = (uintptr_t)s, b = (uintptr_t)buf;

	return s && p >= b && p < b + len && memchr(s, '\0', b + len - p);
}

static bool printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

/* Non-empty, relative, and no component "..", nor one starting "..:". */
static bool relative_beneath(const char *s)
{
	if (!*s || *s == '/')
		return false;
	for (const char *c = s; c; c = strchr(c, '/')) {
		while (*c == '/')
			c++;
		if (c[0] == '.' && c[1] == '.' && (!c[2] || c[2] == '/' || c[2] == ':'))
			return false;
	}
	return true;
}

static void check_config(const struct mk_config *cfg, const void *msg, size_t len)
{
	if (cfg->fs != MK_FS_NONE && cfg->fs != MK_FS_HOST && cfg->fs != MK_FS_GUEST)
		violated("unknown fs placement", NULL);
	if (cfg->net != MK_NET_NONE && cfg->net != MK_NET_HOST && cfg->net != MK_NET_GUEST)
		violated("unknown net placement", NULL);
	if (cfg->notify_fd != -1)
		violated("notify_fd set", NULL);
	if (cfg->nvolumes < 0 || cfg->nvolumes > MK_VOLUMES_MAX)
		violated("nvolumes out of range", NULL);
	if (cfg->fs == MK_FS_NONE && (cfg->disk || cfg->nvolumes))
		violated("no file system, but a disk or volumes", NULL);
	if (cfg->fs == MK_FS_GUEST && (!cfg->disk || cfg->nvolumes))
		violated("fs guest without a disk, or with volumes", NULL);
	if (cfg->disk &&
	    (!inside(cfg->disk, msg, len) || !printable(cfg->disk) || !relative_beneath(cfg->disk)))
		violated("bad disk string", NULL);
	for (int i = 0; i < MK_VOLUMES_MAX; i++) {
		const struct mk_volume *v = &cfg->volumes[i];

		if (i >= cfg->nvolumes) {
			if (v->hostdir || v->at || v->readonly)
				violated("an unused volume entry is set", NULL);
			continue;
		}
		if (!inside(v->hostdir, msg, len) || !inside(v->at, msg, len))
			violated("a volume string outside the message", NULL);
		if (!printable(v->hostdir) || !relative_beneath(v->hostdir))
			violated("bad volume host directory", v->hostdir);
		if (!printable(v->at) || v->at[0] != '/')
			violated("bad volume guest path", v->at);
	}
}

/* A refusal: a known errno and one non-empty line in err[0..errlen). */
static void check_refusal(int rc, const char *err, size_t errlen)
{
	const char *nul = memchr(err, '\0', errlen);

	if (rc != -EPROTO && rc != -EINVAL)
		violated("refused with another errno", NULL);
	if (!nul || nul == err)
		violated("refused without a reason", NULL);
	for (const char *c = err; c < nul; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			violated("the reason is not one line", err);
}

static bool same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static bool same_config(const struct mk_config *a, const struct mk_config *b)
{
	if (a->fs != b->fs || a->net != b->net || !same_str(a->disk, b->disk) ||
	    a->nvolumes != b->nvolumes)
		return false;
	for (int i = 0; i < a->nvolumes; i++)
		if (!same_str(a->volumes[i].hostdir, b->volumes[i].hostdir) ||
		    !same_str(a->volumes[i].at, b->volumes[i].at) ||
		    a->volumes[i].readonly != b->volumes[i].readonly)
			return false;
	return true;
}

/* hello_check() on a copy of msg in a buffer of exactly len bytes: ASan sees any overrun. */
static int check_exact(const void *msg, size_t len, struct mk_config *cfg, char *err, size_t errlen,
                       void **copy)
{
	int rc;

	*copy = malloc(len ? len : 1);
	if (!*copy)
		abort();
	memcpy(*copy, msg, len);
	memset(err, 0xa5, errlen); /* no NUL unless one is written */
	rc = hello_check(*copy, len, cfg, err, errlen);
	if (trace)
		fprintf(stderr, "fuzz_hello: %zu bytes: %d%s%.*s\n", len, rc, rc ? " " : "",
		        rc ? (int)errlen : 0, err);
	return rc;
}

/*
 * Write cfg as nanvixd's client does (header, then mk_hello_put's sections
 * in at most cap bytes), check it back and compare.  `long_str`: cfg has a
 * string the protocol cannot carry.
 */
static void round_trip(const struct mk_config *cfg, uint64_t mem_size, size_t cap, bool long_str)
{
	static char msg[MKSRV_HELLO_MAX] __attribute__((aligned(8)));
	struct mksrv_hello h = { .magic = MKSRV_MAGIC,
		                 .version = MKSRV_VERSION,
		                 .mem_size = mem_size };
	struct mk_config back;
	char err[MKSRV_ERR_MAX];
	void *copy;
	long used;
	int rc;

	if (cap > sizeof(msg) - sizeof(h))
		abort();
	memset(msg, 0x5a, sizeof(msg));
	err[0] = '\0';
	used = mk_hello_put(cfg, msg + sizeof(h), cap, &h.nsections, err, sizeof(err));
	if (trace)
		fprintf(stderr, "fuzz_hello: mk_hello_put: %ld%s%s\n", used, used < 0 ? " " : "",
		        used < 0 ? err : "");
	if (used < 0) {
		if (!memchr(err, '\0', sizeof(err)) || !err[0])
			violated("mk_hello_put failed without a reason", NULL);
		if (used == -ENAMETOOLONG && long_str)
			return;
		if (used == -E2BIG && cap < sizeof(msg) - sizeof(h))
			return;
		violated("mk_hello_put refused a valid config", err);
	}
	if (long_str)
		violated("mk_hello_put took a string too long for the protocol", NULL);
	if ((size_t)used > cap || h.nsections > MKSRV_SECTIONS_MAX)
		violated("mk_hello_put wrote too much", NULL);
	for (size_t i = sizeof(h) + (size_t)used; i < sizeof(h) + cap; i++)
		if (msg[i])
			violated("mk_hello_put left bytes after its sections", NULL);
	memcpy(msg, &h, sizeof(h));
	rc = check_exact(msg, sizeof(h) + (size_t)used, &back, err, sizeof(err), &copy);
	if (rc) {
		check_refusal(rc, err, sizeof(err));
		violated("the hello of a valid config was refused", err);
	}
	check_config(&back, copy, sizeof(h) + (size_t)used);
	if (!same_config(cfg, &back))
		violated("the config came back different", NULL);
	free(copy);
}

/* ---- odd mode: a valid config from bytes ---- */

struct reader {
	const uint8_t *p;
	size_t n;
};

static uint8_t take(struct reader *r)
{
	if (!r->n)
		return 0;
	r->n--;
	return *r->p++;
}

/*
 * A string of the fuzzer's bytes into s (a length byte, 255 meaning 255
 * more; then the bytes, control characters and NULs mapped to path
 * punctuation and letters), at most STR_MAX - 2 bytes.
 */
static size_t take_str(struct reader *r, char *s)
{
	static const char punct[] = "/./:..-_ab";
	size_t len = take(r), i;

	if (len == 255)
		len += take(r);
	for (i = 0; i < len; i++) {
		uint8_t c = take(r);

		s[i] = (char)(c < 0x20 || c == 0x7f ? punct[c % (sizeof(punct) - 1)] : c);
	}
	s[i] = '\0';
	return i;
}

/* Make s a path beneath the root: relative, not empty, no ".." component. */
static size_t beneath(char *s)
{
	if (s[0] == '/')
		s[0] = 'r';
	if (!s[0])
		strcpy(s, "d");
	for (char *c = s; c; c = strchr(c, '/')) {
		while (*c == '/')
			c++;
		if (c[0] == '.' && c[1] == '.')
			c[1] = '_';
	}
	return strlen(s);
}

/*
 * Program: [placements] [nvolumes] [readonly bits] [capacity flag (bit 7),
 * then 2 bytes of capacity] [disk] then per volume [host dir] [guest path].
 * Strings: take_str.  The config is valid (what nanvixd would send) apart
 * from strings too long for the protocol, which *long_str reports.
 */
static void cfg_from(struct reader *r, struct mk_config *cfg, size_t *cap, bool *long_str)
{
	static char strs[1 + 2 * MK_VOLUMES_MAX][STR_MAX];
	uint8_t b = take(r), ro;
	char *disk = strs[0];

	memset(cfg, 0, sizeof(*cfg));
	cfg->notify_fd = -1;
	cfg->fs = (enum mk_fs_placement)(b % 3);
	cfg->net = (enum mk_net_placement)(b / 3 % 3);
	cfg->nvolumes = take(r) % (MK_VOLUMES_MAX + 1);
	ro = take(r);
	*cap = MKSRV_HELLO_MAX - sizeof(struct mksrv_hello);
	if (take(r) & 0x80) {
		size_t c = (size_t)take(r) << 8;

		c |= take(r);
		*cap = c % (*cap + 1);
	}
	*long_str = false;
	if (take_str(r, disk))
		*long_str |= beneath(disk) >= MKSRV_PATH_MAX;
	else
		disk = NULL;
	if (cfg->fs == MK_FS_NONE) {
		cfg->nvolumes = 0;
		disk = NULL;
		*long_str = false;
	}
	if (cfg->fs == MK_FS_GUEST) {
		cfg->nvolumes = 0;
		if (!disk)
			disk = strcpy(strs[0], "disk.img");
	}
	cfg->disk = disk;
	for (int i = 0; i < cfg->nvolumes; i++) {
		char *host = strs[1 + 2 * i], *at = strs[2 + 2 * i];

		take_str(r, host);
		*long_str |= beneath(host) >= MKSRV_PATH_MAX;
		at[0] = '/';
		*long_str |= take_str(r, at + 1) + 1 >= MKSRV_PATH_MAX;
		cfg->volumes[i].hostdir = host;
		cfg->volumes[i].at = at;
		cfg->volumes[i].readonly = ro >> i & 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mk_config cfg;
	char err[MKSRV_ERR_MAX];
	void *copy;
	int rc;

	if (size < 1)
		return 0;
	trace = getenv("FUZZ_HELLO_TRACE") != NULL;
	if (data[0] & 1) {
		struct reader r = { data + 1, size - 1 };
		bool long_str;
		size_t cap;

		cfg_from(&r, &cfg, &cap, &long_str);
		round_trip(&cfg, MEM_SIZE, cap, long_str);
		return 0;
	}
	rc = check_exact(data + 1, size - 1, &cfg, err, sizeof(err), &copy);
	if (rc) {
		check_refusal(rc, err, sizeof(err));
	} else {
		struct mksrv_hello h;

		check_config(&cfg, copy, size - 1);
		memcpy(&h, copy, sizeof(h));
		round_trip(&cfg, h.mem_size, MKSRV_HELLO_MAX - sizeof(h), false);
	}
	free(copy);
	return 0;
}
