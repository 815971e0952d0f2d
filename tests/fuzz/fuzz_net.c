/* libFuzzer target: NANVIX_NET_* requests and raw frames into two VMs of the network service. */
/*
 * Each input gets two fresh services (VM A 10.0.2.15, VM B 10.0.2.16) on
 * the process's one lwIP stack, joined by a switch that queues their
 * frames, and a guest arena preset with addresses, lengths and a msghdr.
 * The input is a program: requests whose arguments are drawn from a
 * palette (open handles, arena pointers, good addresses, raw values),
 * pokes into the arena, arbitrary frames into either VM, deliveries of
 * queued frames (some dropped or corrupted) and timer runs.
 *
 * Invariants: nothing crashes (ASan, UBSan); a result is a count or a
 * Linux errno and `value` repeats it; a new handle is in range and not
 * already open; the service's open-socket count matches ours; memory
 * outside the arena is never reached (the accessor faults it); the
 * readiness region keeps its header.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <net/service.h>

#define UBASE 0x40000000ull
#define ARENA 65536
#define QMAX  512 /* frames the switch holds */

static uint8_t arena[ARENA];
static struct net_service *vm[2];
static struct nanvix_net_state state[2];
static uint8_t open_h[2][NANVIX_NET_SOCKETS_MAX];
static int nopen[2];
static int trace; /* FUZZ_NET_TRACE=1: print each request's result */

static void violated(const char *what)
{
	fprintf(stderr, "fuzz_net: invariant violated: %s\n", what);
	abort();
}

/* ---- the caller's memory ---- */

static int in_arena(uint64_t ua, size_t len)
{
	return ua >= UBASE && ua - UBASE <= ARENA && len <= ARENA - (ua - UBASE);
}

static int m_read(void *ctx, uint64_t cr3, uint64_t ua, void *dst, size_t len)
{
	if (!in_arena(ua, len))
		return -EFAULT;
	memcpy(dst, arena + (ua - UBASE), len);
	return 0;
}

static int m_write(void *ctx, uint64_t cr3, uint64_t ua, const void *src, size_t len)
{
	if (!in_arena(ua, len))
		return -EFAULT;
	memmove(arena + (ua - UBASE), src, len);
	return 0;
}

static void *m_map(void *ctx, uint64_t cr3, uint64_t ua, size_t len, int write)
{
	return in_arena(ua, len) ? arena + (ua - UBASE) : NULL;
}

static struct svc_mem mem = { NULL, m_read, m_write, NULL };

/* ---- the switch ---- */

struct qframe {
	int to;
	size_t len;
	uint8_t *data;
};
static struct qframe q[QMAX];
static int qn;

static void sw_output(void *ctx, const void *frame, size_t len)
{
	int from = (int)(intptr_t)ctx;

	if (len < 14 || len > 14 + NET_MTU_MAX)
		violated("frame length");
	if (qn == QMAX)
		return;
	q[qn].to = !from;
	q[qn].len = len;
	q[qn].data = malloc(len);
	if (q[qn].data == NULL)
		return;
	memcpy(q[qn].data, frame, len);
	qn++;
}

static void sw_notify(void *ctx)
{
	int v = (int)(intptr_t)ctx;

	if (!state[v].any)
		violated("notified without `any`");
}

/* Deliver the queue; `how` drops or corrupts some frames. */
static void deliver(uint8_t how)
{
	struct qframe cur[QMAX];
	int n = qn, i;

	memcpy(cur, q, sizeof(q[0]) * (size_t)n);
	qn = 0;
	for (i = 0; i < n; i++) {
		if ((how & 1) && i % 5 == 3) {
			/* dropped */
		} else {
			if ((how & 2) && cur[i].len > 40)
				cur[i].data[cur[i].len / 2] ^= (uint8_t)(how | 1);
			if (vm[cur[i].to])
				net_service_input(vm[cur[i].to], cur[i].data, cur[i].len);
		}
		free(cur[i].data);
	}
}

static void flush_queue(void)
{
	int i;

	for (i = 0; i < qn; i++)
		free(q[i].data);
	qn = 0;
}

/* ---- the program ---- */

struct in {
	const uint8_t *p;
	size_t n;
};

static uint64_t take(struct in *in, int bytes)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < bytes && in->n > 0; i++, in->p++, in->n--)
		v |= (uint64_t)in->p[0] << (8 * i);
	return v;
}

/* Arena layout preset for each input. */
#define A_SIN_A   0x000 /* 10.0.2.15:port */
#define A_SIN_B   0x010 /* 10.0.2.16:port */
#define A_SIN_LO  0x020 /* 127.0.0.1:port */
#define A_SIN_ANY 0x030 /* 0.0.0.0:port */
#define A_LEN     0x040 /* int 16 */
#define A_MSG     0x080 /* msghdr: name at A_SIN_B, 2 iovecs */
#define A_IOV     0x100
#define A_BUF     0x1000

static void preset(uint16_t port)
{
	static const char *ips[4] = { "10.0.2.15", "10.0.2.16", "127.0.0.1", "0.0.0.0" };
	struct sockaddr_in sin;
	uint64_t msg[7] = { UBASE + A_SIN_B, 16, UBASE + A_IOV, 2, 0, 0, 0 };
	uint64_t iov[4] = { UBASE + A_BUF, 1000, UBASE + A_BUF + 2000, 3000 };
	int i, sixteen = 16;

	memset(arena, 0x5a, sizeof(arena));
	for (i = 0; i < 4; i++) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons(port);
		sin.sin_addr.s_addr = inet_addr(ips[i]);
		memcpy(arena + 16 * i, &sin, sizeof(sin));
	}
	memcpy(arena + A_LEN, &sixteen, sizeof(sixteen));
	memcpy(arena + A_MSG, msg, sizeof(msg));
	memcpy(arena + A_IOV, iov, sizeof(iov));
}

static uint64_t pick_handle(int v, uint8_t k)
{
	int h, seen = 0;

	for (h = 1; h < NANVIX_NET_SOCKETS_MAX; h++) {
		if (open_h[v][h] && seen++ == k % (nopen[v] ? nopen[v] : 1))
			return (uint64_t)h;
	}
	return k;
}

static uint64_t arg(struct in *in, int v)
{
	static const uint64_t consts[] = {
		AF_INET,    SOCK_STREAM, SOCK_DGRAM,   16,        SOL_SOCKET, IPPROTO_TCP,
		IPPROTO_IP, SO_ERROR,    SO_REUSEADDR, SO_LINGER, SO_RCVBUF,  0x541B /* FIONREAD */,
		SHUT_WR,    MSG_PEEK,    MSG_TRUNC,    1
	};
	uint8_t s = (uint8_t)take(in, 1);

	switch (s & 7) {
	case 0: return take(in, 1);
	case 1: return pick_handle(v, (uint8_t)take(in, 1));
	case 2: return UBASE + take(in, 2);
	case 3: return UBASE + 16 * (s >> 6); /* one of the preset addresses */
	case 4: return take(in, 2);
	case 5: return take(in, 8);
	case 6: return consts[(s >> 3) & 15];
	default: return s >> 3 == 1 ? UBASE + A_LEN : s >> 3 == 2 ? UBASE + A_MSG : 0;
	}
}

static void request(struct in *in, uint8_t op)
{
	int v = op & 1;
	struct nanvix_ring_req r;
	struct net_service_stats st;
	uint64_t value = 0x77;
	int64_t res;
	int i, h;

	memset(&r, 0, sizeof(r));
	r.opcode = (uint16_t)(NANVIX_NET_OP_FIRST + (op >> 1) % 17);
	r.args[0] = take(in, 1);
	r.args[1] = pick_handle(v, (uint8_t)take(in, 1));
	if (r.opcode == NANVIX_NET_SENDTO || r.opcode == NANVIX_NET_RECVFROM)
		r.args[1] |= take(in, 1) << 32;
	for (i = 2; i < 6; i++)
		r.args[i] = arg(in, v);
	if (r.opcode == NANVIX_NET_SOCKET) {
		r.args[1] = AF_INET;
		r.args[2] = (op & 2) ? SOCK_STREAM : SOCK_DGRAM;
		r.args[3] = 0;
	}
	if (r.opcode == NANVIX_NET_CLOSE && (op & 0x80) == 0)
		r.args[1] = pick_handle(v, (uint8_t)r.args[2]);
	res = net_service_call(vm[v], &r, &mem, &value);
	if (trace)
		fprintf(stderr, "vm%d op %u h %#llx -> %lld\n", v, r.opcode,
		        (unsigned long long)r.args[1], (long long)res);
	if (res < -4095 || (res >= 0 && value != (uint64_t)res))
		violated("result");
	if (res > 0 && (r.opcode == NANVIX_NET_SOCKET || r.opcode == NANVIX_NET_ACCEPT)) {
		if (res >= NANVIX_NET_SOCKETS_MAX || open_h[v][res])
			violated("new handle");
		open_h[v][res] = 1;
		nopen[v]++;
	}
	if (res == 0 && r.opcode == NANVIX_NET_CLOSE) {
		h = (int)r.args[1];
		if (!open_h[v][h])
			violated("closed a handle never opened");
		open_h[v][h] = 0;
		nopen[v]--;
	}
	net_service_stats(vm[v], &st);
	if (st.sockets_open != (uint64_t)nopen[v])
		violated("open socket count");
	if (state[v].magic != NANVIX_NET_STATE_MAGIC)
		violated("state header");
}

static void frame(struct in *in, uint8_t op)
{
	static const uint8_t mac[2][6] = { { 2, 0, 0, 0, 0, 0xa }, { 2, 0, 0, 0, 0, 0xb } };
	uint8_t f[2048];
	size_t n = (size_t)take(in, 2) % sizeof(f), i;
	int v = op & 1;

	for (i = 0; i < n && in->n > 0; i++)
		f[i] = (uint8_t)take(in, 1);
	if ((op & 2) && n >= 6)
		memcpy(f, mac[v], 6);
	if ((op & 4) && n >= 14) {
		f[12] = 8;
		f[13] = 0;
	}
	net_service_input(vm[v], f, i);
}

static struct net_service *make(int v, const char *ip)
{
	struct net_service_config cfg = { { 2, 0, 0, 0, 0, (uint8_t)(0xa + v) },
		                          inet_addr(ip),
		                          inet_addr("255.255.255.0"),
		                          inet_addr("10.0.2.2"),
		                          0,
		                          256 * 1024, /* small budgets: their edges get fuzzed */
		                          512 * 1024 };

	return net_service_new(&cfg, sw_output, sw_notify, (void *)(intptr_t)v, &state[v]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in in = { data, size };
	int v, steps = 0;
	uint8_t op;

	net_stack_init();
	trace = getenv("FUZZ_NET_TRACE") != NULL;
	memset(open_h, 0, sizeof(open_h));
	nopen[0] = nopen[1] = 0;
	mem.map = size && (data[0] & 1) ? m_map : NULL;
	preset((uint16_t)(1 + take(&in, 1)));
	vm[0] = make(0, "10.0.2.15");
	vm[1] = make(1, "10.0.2.16");
	if (vm[0] == NULL || vm[1] == NULL)
		violated("service creation");
	while (in.n > 0 && steps++ < 400) {
		op = (uint8_t)take(&in, 1);
		switch (op % 8) {
		case 0:
		case 1:
		case 2:
		case 3: request(&in, (uint8_t)take(&in, 1)); break;
		case 4: deliver(op >> 3); break;
		case 5: frame(&in, op >> 3); break;
		case 6: {
			/* poke the arena */
			size_t off = (size_t)take(&in, 2) % ARENA, n = (size_t)take(&in, 1);
			while (n-- && in.n > 0 && off < ARENA)
				arena[off++] = (uint8_t)take(&in, 1);
			break;
		}
		default:
			net_stack_timers();
			if (net_stack_next_timer_ms() < -1)
				violated("timer");
			break;
		}
	}
	deliver(0);
	for (v = 0; v < 2; v++) {
		net_service_free(vm[v]);
		vm[v] = NULL;
	}
	flush_queue();
	return 0;
}
