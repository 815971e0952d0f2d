/* The components' sections of the shared macro-kernel's hello (server/proto.h). */
/*
 * Only the framing is here: each section's type, size and contents belong
 * to the service that registered them (mk/service.h), so a component added
 * with its own MK_SERVICE brings its section with it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <mk/mk.h>
#include <mk/service.h>
#include <server/proto.h>

/* The registered services (MK_SERVICE); weak: a program linking no
 * service (a unit test of the client) has no such section, and no sections. */
extern const struct mk_service *const __start_mk_services[] __attribute__((weak));
extern const struct mk_service *const __stop_mk_services[] __attribute__((weak));

long mk_hello_put(const struct mk_config *cfg, void *buf, size_t cap, uint32_t *n, char *err,
                  size_t errlen)
{
	unsigned char *out = buf;
	size_t used = 0;

	*n = 0;
	memset(buf, 0, cap);
	for (const struct mk_service *const *s = __start_mk_services; s < __stop_mk_services; s++) {
		struct mksrv_section h = { .type = (*s)->hello_type, .len = (*s)->hello_len };
		int rc;

		if (!h.type)
			continue;
		if (cap - used < sizeof(h) + h.len) {
			snprintf(err, errlen, "the hello has no room for the %s section",
			         (*s)->name);
			return -E2BIG;
		}
		rc = (*s)->hello_put(cfg, out + used + sizeof(h), err, errlen);
		if (rc < 0)
			return rc;
		if (rc == 0)
			continue; /* the VM does not use it; the zeroes are overwritten next */
		memcpy(out + used, &h, sizeof(h));
		used += sizeof(h) + h.len;
		++*n;
	}
	memset(out + used, 0, cap - used);
	return (long)used;
}

static const struct mk_service *section_owner(uint32_t type)
{
	for (const struct mk_service *const *s = __start_mk_services; s < __stop_mk_services; s++)
		if ((*s)->hello_type && (*s)->hello_type == type)
			return *s;
	return NULL;
}

int mk_hello_take(const void *buf, size_t len, uint32_t n, struct mk_config *cfg, char *err,
                  size_t errlen)
{
	const unsigned char *in = buf;
	uint32_t seen[MKSRV_SECTIONS_MAX];
	size_t off = 0;

	if (n > MKSRV_SECTIONS_MAX) {
		snprintf(err, errlen, "too many hello sections (%u, at most %d)", (unsigned)n,
		         MKSRV_SECTIONS_MAX);
		return -EPROTO;
	}
	for (uint32_t i = 0; i < n; i++) {
		const struct mk_service *s;
		struct mksrv_section h;
		int rc;

		if (len - off < sizeof(h)) {
			snprintf(err, errlen, "hello section %u: cut short", (unsigned)i);
			return -EPROTO;
		}
		memcpy(&h, in + off, sizeof(h));
		off += sizeof(h);
		s = section_owner(h.type);
		if (!s) {
			snprintf(err, errlen, "hello section %u: unknown type %u", (unsigned)i,
			         (unsigned)h.type);
			return -EPROTO;
		}
		for (uint32_t j = 0; j < i; j++)
			if (seen[j] == h.type) {
				snprintf(err, errlen, "hello section %u: a second %s section",
				         (unsigned)i, s->name);
				return -EPROTO;
			}
		seen[i] = h.type;
		if (h.len != s->hello_len) {
			snprintf(err, errlen, "hello section %u (%s): %u bytes, expected %u",
			         (unsigned)i, s->name, (unsigned)h.len, (unsigned)s->hello_len);
			return -EPROTO;
		}
		if (len - off < h.len) {
			snprintf(err, errlen,
			         "hello section %u (%s): runs past the end of the hello",
			         (unsigned)i, s->name);
			return -EPROTO;
		}
		rc = s->hello_take(in + off, cfg, err, errlen);
		if (rc)
			return rc;
		off += h.len;
	}
	if (off != len) {
		snprintf(err, errlen, "%zu bytes after the last hello section", len - off);
		return -EPROTO;
	}
	return 0;
}
