/* Validation of a client's hello: the header here, each section by its component. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <abi/bootinfo.h>
#include <mk/mk.h>
#include <mk/service.h>
#include "server.h"

int hello_check(const void *msg, size_t len, struct mk_config *cfg, char *err, size_t errlen)
{
	struct mksrv_hello h;

	if (len < sizeof(h) || len > MKSRV_HELLO_MAX) {
		snprintf(err, errlen, "bad hello: %zu bytes, expected %zu to %u", len, sizeof(h),
		         MKSRV_HELLO_MAX);
		return -EPROTO;
	}
	memcpy(&h, msg, sizeof(h));
	if (h.magic != MKSRV_MAGIC || h.version != MKSRV_VERSION) {
		snprintf(err, errlen,
		         "protocol mismatch (magic %#x version %u; this server speaks version %u)",
		         (unsigned)h.magic, (unsigned)h.version, MKSRV_VERSION);
		return -EPROTO;
	}
	if (h.mem_size % 4096 || h.mem_size < NANVIX_RING_PADDR + NANVIX_RING_SIZE ||
	    h.mem_size > MKSRV_MEM_MAX) {
		snprintf(err, errlen, "bad guest memory size %llu", (unsigned long long)h.mem_size);
		return -EPROTO;
	}
	if (h.reserved) {
		snprintf(err, errlen, "reserved hello field set");
		return -EPROTO;
	}
	memset(cfg, 0, sizeof(*cfg)); /* a component without a section: placement none */
	cfg->notify_fd = -1;
	return mk_hello_take((const char *)msg + sizeof(h), len - sizeof(h), h.nsections, cfg, err,
	                     errlen);
}
