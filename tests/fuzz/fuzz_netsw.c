/* libFuzzer target: hostile frames into a network switch's ports, and --net-allow / -p specs. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netsw/netsw.h>

/*
 * Input: byte 0 picks the mode.  0: the rest is records [port][len hi][len
 * lo][frame...] fed to port (port & 3) of a two-port switch whose policy
 * allows some destinations (its uplink cannot start: frames that pass the
 * policy are dropped as unreachable).  Bit 7 of the port byte stamps the
 * port's own source MAC into the frame, bit 6 its IPv4 source, so deeper
 * parsers are reached.  1 and 2: the rest is one --net-allow or -p spec.
 */

static uint64_t now;
static uint64_t clock_fn(void *ctx)
{
	return now += 1000;
}

static void quiet(void *ctx, const char *line)
{
}

static volatile uint8_t sum;

static void check_deliver(void *ctx, const void *frame, size_t len)
{

	if (len < 14 || len > NETSW_FRAME_MAX) {
		fprintf(stderr, "fuzz_netsw: delivered a frame of %zu bytes\n", len);
		abort();
	}
	for (size_t i = 0; i < len; i++) /* ASan checks every byte is readable */
		sum += ((const uint8_t *)frame)[i];
}

static int resolve(const char *name, uint32_t *out, size_t max)
{
	out[0] = 0x0a010203;
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct netsw_policy pol;
	static uint8_t frame[NETSW_FRAME_MAX + 16];
	struct netsw_config cfg;
	struct netsw_port *ports[2];
	struct netsw_stats st;
	struct netsw *sw;
	uint8_t mac[2][6];
	uint32_t ip[2];
	char spec[512], err[256];
	size_t off = 1, inputs = 0;

	if (size < 1)
		return 0;
	if (data[0] == 1 || data[0] == 2) {
		size_t n = size - 1 < sizeof(spec) - 1 ? size - 1 : sizeof(spec) - 1;

		memcpy(spec, data + 1, n);
		spec[n] = '\0';
		netsw_policy_init(&pol);
		if (data[0] == 1)
			netsw_policy_allow(&pol, spec, resolve, err, sizeof(err));
		else
			netsw_policy_publish(&pol, spec, err, sizeof(err));
		return 0;
	}

	netsw_config_default(&cfg);
	netsw_policy_init(&pol);
	netsw_policy_allow(&pol, "10.0.0.0/8:443", NULL, err, sizeof(err));
	netsw_policy_allow(&pol, "127.0.0.1:8080", NULL, err, sizeof(err));
	netsw_policy_publish(&pol, "5353:53/udp", err, sizeof(err));
	cfg.policy = &pol;
	cfg.uplink_path = "/nonexistent/nanvix-uplink";
	cfg.clock_ns = clock_fn;
	cfg.log = quiet;
	cfg.rate = 10u << 20;
	cfg.burst = 1u << 20;
	sw = netsw_new(&cfg);
	if (!sw)
		abort();
	for (int i = 0; i < 2; i++) {
		netsw_addr_for(&cfg, (unsigned)i, mac[i], &ip[i]);
		ports[i] = netsw_port_add(sw, mac[i], ip[i], check_deliver, NULL);
		if (!ports[i])
			abort();
	}
	while (off + 3 <= size) {
		unsigned which = data[off] & 1;
		size_t len = (size_t)data[off + 1] << 8 | data[off + 2];
		uint8_t flags = data[off];

		off += 3;
		if (len > size - off)
			len = size - off;
		memcpy(frame, data + off, len);
		off += len;
		if ((flags & 0x80) && len >= 12)
			memcpy(frame + 6, mac[which], 6);
		if ((flags & 0x40) && len >= 30) {
			frame[26] = (uint8_t)(ip[which] >> 24);
			frame[27] = (uint8_t)(ip[which] >> 16);
			frame[28] = (uint8_t)(ip[which] >> 8);
			frame[29] = (uint8_t)ip[which];
		}
		netsw_port_input(ports[which], frame, len);
		inputs++;
	}
	netsw_stats(sw, &st);
	if (st.ports.rx_frames != inputs)
		abort();
	netsw_free(sw);
	return 0;
}
