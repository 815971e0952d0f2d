/* Validation of a client's hello: every field, before anything is acted on. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <abi/bootinfo.h>
#include "server.h"

/* Length of the NUL-terminated string in a[0..n), or -1 when it has no NUL. */
static int bounded_len(const char *a, size_t n)
{
	const char *nul = memchr(a, '\0', n);

	return nul ? (int)(nul - a) : -1;
}

/* Control bytes would break the one-line logs and replies that name the path. */
static bool printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

/*
 * A path beneath the server's root: non-empty, relative, no ".." component
 * (a component starting with "..:" counts too, for disk specs' suffixes).
 * The storage switch and the volume check resolve it beneath the root
 * anyway; this refuses the obvious escapes with a clear message.
 */
static bool beneath(const char *p)
{
	if (!*p || *p == '/')
		return false;
	while (*p) {
		if (p[0] == '.' && p[1] == '.' && (p[2] == '\0' || p[2] == '/' || p[2] == ':'))
			return false;
		p = strchr(p, '/');
		if (!p)
			break;
		while (*p == '/')
			p++;
	}
	return true;
}

static bool all_zero(const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

/* Both strings terminated and printable, flags known, reserved zero. */
static bool volume_well_formed(const struct mksrv_volume *v)
{
	return bounded_len(v->hostdir, sizeof(v->hostdir)) >= 0 &&
	       bounded_len(v->at, sizeof(v->at)) >= 0 && printable(v->hostdir) &&
	       printable(v->at) && v->readonly <= 1 && v->reserved == 0;
}

int hello_check(const struct mksrv_hello *h, char *err, size_t errlen)
{
	int disklen;

	if (h->magic != MKSRV_MAGIC || h->version != MKSRV_VERSION) {
		snprintf(err, errlen,
		         "protocol mismatch (magic %#x version %u; this server speaks version %u)",
		         (unsigned)h->magic, (unsigned)h->version, MKSRV_VERSION);
		return -EPROTO;
	}
	if (h->mem_size % 4096 || h->mem_size < NANVIX_RING_PADDR + NANVIX_RING_SIZE ||
	    h->mem_size > MKSRV_MEM_MAX) {
		snprintf(err, errlen, "bad guest memory size %llu",
		         (unsigned long long)h->mem_size);
		return -EPROTO;
	}
	if (h->fs != MKSRV_FS_NONE && h->fs != MKSRV_FS_HOST && h->fs != MKSRV_FS_GUEST) {
		snprintf(err, errlen, "bad file-system placement %u", (unsigned)h->fs);
		return -EPROTO;
	}
	if (h->net != MKSRV_NET_NONE && h->net != MKSRV_NET_HOST && h->net != MKSRV_NET_GUEST) {
		snprintf(err, errlen, "bad network placement %u", (unsigned)h->net);
		return -EPROTO;
	}
	if (h->reserved) {
		snprintf(err, errlen, "reserved hello field set");
		return -EPROTO;
	}
	disklen = bounded_len(h->disk, sizeof(h->disk));
	if (disklen < 0 || !printable(h->disk)) {
		snprintf(err, errlen, "bad disk field (unterminated or control characters)");
		return -EPROTO;
	}
	if (h->nvolumes > MKSRV_VOLUMES) {
		snprintf(err, errlen, "too many volumes (%u, at most %d)", (unsigned)h->nvolumes,
		         MKSRV_VOLUMES);
		return -EPROTO;
	}
	for (unsigned i = 0; i < MKSRV_VOLUMES; i++) {
		const struct mksrv_volume *v = &h->volumes[i];

		if (i < h->nvolumes ? !volume_well_formed(v) : !all_zero(v, sizeof(*v))) {
			snprintf(err, errlen, "bad volume entry %u", i);
			return -EPROTO;
		}
	}
	/* Well formed: now what it asks for. */
	if (disklen > 0 && !beneath(h->disk)) {
		snprintf(err, errlen, "disk '%s': not a path relative to the macro-kernel's root",
		         h->disk);
		return -EINVAL;
	}
	if (h->fs == MKSRV_FS_NONE && (disklen > 0 || h->nvolumes > 0)) {
		snprintf(err, errlen, "a disk or volume without a file system");
		return -EINVAL;
	}
	if (h->fs == MKSRV_FS_GUEST && (disklen == 0 || h->nvolumes > 0)) {
		snprintf(err, errlen, "guest placement needs a disk and no volumes");
		return -EINVAL;
	}
	for (unsigned i = 0; i < h->nvolumes; i++) {
		const struct mksrv_volume *v = &h->volumes[i];

		if (!beneath(v->hostdir)) {
			snprintf(err, errlen,
			         "volume '%s': not a directory relative to the macro-kernel's root",
			         v->hostdir);
			return -EINVAL;
		}
		if (v->at[0] != '/') {
			snprintf(err, errlen, "volume '%s': the guest path '%s' is not absolute",
			         v->hostdir, v->at);
			return -EINVAL;
		}
	}
	return 0;
}
