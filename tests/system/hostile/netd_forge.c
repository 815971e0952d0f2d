/* A forged network server: plays bin/netd.elf for nanvixd --net=guest and attacks the frame path (/dev/netd, the host's record checks, the switch). */
/*
 * tests/system/hostile.sh runs it as the VM's netd.elf (a kernel.elf and a
 * netd.elf, this program, side by side: nanvixd --kernel DIR/kernel.elf
 * --net=guest -- hello.musl.elf), so it gets netd's arguments:
 *
 *     netd [--vm] [--cd DIR] --exec NAME -- ARGV0 [ARGS...]
 *
 * As netd does, it forks; the child opens /dev/netd, which makes it the
 * VM's network server, and instead of serving it attacks, each attack one
 * line with the answer (errno names, or counts that do not depend on
 * timing).  The child then exits: the server is gone for good.  The
 * parent, process 1, waits for that (the pipe's end of file), checks
 * what is left of the device and the sockets, and execs NAME as netd
 * would: the VM must still run it and end normally.
 *
 * Frames sent are Ethernet frames as the switch (macrokernel/netsw) sees
 * them; an ARP request for the gateway is answered by the switch itself
 * (no uplink runs: nothing is published or allowed), into this port's
 * queue, which makes its checks visible: a spoofed request gets no answer.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <abi/netd.h>

#define KADDR        0xffffffff80001000ull /* the kernel's half */
#define FLOOD_BATCH  64                    /* frames a SEND in the flood */
#define FLOOD_ROUNDS 4000                  /* SENDs in the flood */
#define BIG_ROUNDS   1000                  /* SENDs of the largest frames */

extern char **environ;

static struct nanvix_netd_page page __attribute__((aligned(4096)));
static struct nanvix_net_state state; /* READY's table */
static unsigned char buf[NANVIX_NET_FRAMES_BUF_MAX + 4096] __attribute__((aligned(8)));
static unsigned char rx[NANVIX_NET_FRAMES_BUF_MAX] __attribute__((aligned(8)));
static int dev = -1;
static unsigned char *hole; /* an unmapped page, right after a mapped one */
static uint8_t mac[6];
static uint32_t ip; /* network byte order */
static uint16_t mtu;

static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t gateway[4] = { 10, 0, 2, 2 };

static const char *ename(long rc)
{
	if (rc >= 0)
		return "ok";
	switch (-rc) {
	case EINVAL: return "EINVAL";
	case EFAULT: return "EFAULT";
	case EBUSY: return "EBUSY";
	case ENOTTY: return "ENOTTY";
	case EPERM: return "EPERM";
	case ESRCH: return "ESRCH";
	case EIO: return "EIO";
	default: return strerror((int)-rc);
	}
}

/* The raw ioctl: -errno, as the kernel answers (libc converts nothing). */
static long nioctl(int fd, unsigned long req, uint64_t arg)
{
	long rc = syscall(SYS_ioctl, fd, req, arg);

	return rc < 0 ? -errno : rc;
}

static long frames(unsigned long req, const void *p, uint64_t len)
{
	page.frames.buf = (uintptr_t)p;
	page.frames.len = len;
	return nioctl(dev, req, 0);
}

static void show(const char *what, long rc)
{
	printf("%s: %s\n", what, ename(rc));
}

/* A SEND's answer: frames taken, or the errno. */
static void show_sent(const char *what, long rc)
{
	if (rc < 0)
		printf("%s: %s\n", what, ename(rc));
	else
		printf("%s: %ld taken\n", what, rc);
}

/* One record at `at`: the header and `len` bytes of frame from `f`, padded; its size. */
static size_t record(unsigned char *at, const void *f, uint32_t len)
{
	struct nanvix_net_frame_hdr h = { .len = len };
	size_t rec = NANVIX_NET_FRAME_RECORD(len);

	memset(at, 0, rec);
	memcpy(at, &h, sizeof(h));
	if (f)
		memcpy(at + sizeof(h), f, len);
	return rec;
}

/* An ARP request for the gateway from (eth source, sender MAC, sender IP): 42 bytes. */
static size_t arp_request(unsigned char *f, const uint8_t *eth_src, const uint8_t *sha,
                          uint32_t spa)
{
	static const unsigned char head[] = { 0x08, 0x06, 0, 1, 0x08, 0x00, 6, 4, 0, 1 };

	memcpy(f, bcast, 6);
	memcpy(f + 6, eth_src, 6);
	memcpy(f + 12, head, sizeof(head));
	memcpy(f + 22, sha, 6);
	memcpy(f + 28, &spa, 4);
	memset(f + 32, 0, 6);
	memcpy(f + 38, gateway, 4);
	return 42;
}

static uint16_t ip_sum(const unsigned char *p, size_t n)
{
	uint32_t s = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* A UDP datagram to 255.255.255.255:9 from `src` (network order), `payload` bytes. */
static size_t udp_broadcast(unsigned char *f, uint32_t src, size_t payload)
{
	size_t tot = 20 + 8 + payload;
	uint16_t sum;

	memset(f, 0, 14 + tot);
	memcpy(f, bcast, 6);
	memcpy(f + 6, mac, 6);
	f[12] = 0x08;
	f[14] = 0x45;
	f[16] = (uint8_t)(tot >> 8), f[17] = (uint8_t)tot;
	f[22] = 64, f[23] = 17;
	memcpy(f + 26, &src, 4);
	memset(f + 30, 0xff, 4);
	sum = ip_sum(f + 14, 20);
	f[24] = (uint8_t)(sum >> 8), f[25] = (uint8_t)sum;
	f[34] = 0x30, f[35] = 0x39; /* port 12345 */
	f[37] = 9;                  /* discard */
	f[38] = (uint8_t)((8 + payload) >> 8), f[39] = (uint8_t)(8 + payload);
	return 14 + tot;
}

/* Take every frame waiting for the VM: how many, and how many are ARP replies from the gateway. */
static long drain(long *arp_replies)
{
	long n = 0, got;

	*arp_replies = 0;
	while ((got = frames(NANVIX_NETD_RECV, rx, sizeof(rx))) > 0) {
		for (size_t off = 0; off + 8 <= (size_t)got;) {
			struct nanvix_net_frame_hdr h;
			const unsigned char *f = rx + off + 8;

			memcpy(&h, rx + off, sizeof(h));
			if (h.len < 14 || NANVIX_NET_FRAME_RECORD(h.len) > (size_t)got - off)
				return -EPROTO; /* the host wrote a bad record */
			if (h.len >= 42 && f[12] == 0x08 && f[13] == 0x06 && f[21] == 2 &&
			    memcmp(f + 28, gateway, 4) == 0 && memcmp(f, mac, 6) == 0)
				++*arp_replies;
			n++;
			off += NANVIX_NET_FRAME_RECORD(h.len);
		}
	}
	return got < 0 ? got : n;
}

/* Send one frame and report whether the switch answered it (an ARP reply). */
static void arp_probe(const char *what, const uint8_t *eth_src, const uint8_t *sha, uint32_t spa)
{
	unsigned char f[64];
	size_t len = arp_request(f, eth_src, sha, spa);
	long sent = frames(NANVIX_NETD_SEND, buf, record(buf, f, (uint32_t)len)), replies, n;

	n = drain(&replies);
	if (sent < 0 || n < 0)
		printf("%s: send %s, recv %s\n", what, ename(sent), ename(n));
	else
		printf("%s: %ld taken, %ld answered\n", what, sent, replies);
}

/* Bad records, lengths and buffers: SEND and RECV refuse them. */
static void bad_sends(void)
{
	unsigned char f[64];
	size_t len = arp_request(f, mac, mac, ip), at;

	show_sent("SEND of 0 bytes", frames(NANVIX_NETD_SEND, buf, 0));
	record(buf, f, (uint32_t)len);
	show_sent("SEND len not a multiple of 8", frames(NANVIX_NETD_SEND, buf, 52));
	record(buf, f, 13);
	show_sent("SEND a record of 13 bytes (< 14)", frames(NANVIX_NETD_SEND, buf, 24));
	record(buf, f, 0);
	show_sent("SEND a record of 0 bytes", frames(NANVIX_NETD_SEND, buf, 8));
	record(buf, NULL, (uint32_t)mtu + 15);
	memcpy(buf + 8, f, len);
	show_sent("SEND a record of mtu + 15 bytes",
	          frames(NANVIX_NETD_SEND, buf, NANVIX_NET_FRAME_RECORD(mtu + 15)));
	{
		/* Only the header: such a record cannot be laid out. */
		struct nanvix_net_frame_hdr h = { .len = 0xffffffffu };

		memset(buf, 0, 64);
		memcpy(buf, &h, sizeof(h));
	}
	show_sent("SEND a record of 2^32-1 bytes", frames(NANVIX_NETD_SEND, buf, 64));
	record(buf, f, 60);
	show_sent("SEND a record running past the buffer", frames(NANVIX_NETD_SEND, buf, 64));
	at = record(buf, f, (uint32_t)len);
	memset(buf + at, 0, 8);
	show_sent("SEND a good record, then a record of 0 bytes",
	          frames(NANVIX_NETD_SEND, buf, at + 8));
	drain(&(long){ 0 }); /* the good one's reply */
	show_sent("SEND of 256 KiB + 8",
	          frames(NANVIX_NETD_SEND, buf, NANVIX_NET_FRAMES_BUF_MAX + 8));
	show_sent("SEND of 2^63", frames(NANVIX_NETD_SEND, buf, 1ull << 63));
	show_sent("SEND from an unmapped buffer", frames(NANVIX_NETD_SEND, hole, 64));
	show_sent("SEND from a buffer ending in unmapped memory",
	          frames(NANVIX_NETD_SEND, hole - 64, 128));
	show_sent("SEND from the kernel's half", frames(NANVIX_NETD_SEND, (void *)KADDR, 64));
	show_sent("SEND from address 0", frames(NANVIX_NETD_SEND, NULL, 64));

	show("RECV with room below NANVIX_NET_FRAMES_RECV_MIN",
	     frames(NANVIX_NETD_RECV, rx, NANVIX_NET_FRAMES_RECV_MIN - 8));
	show("RECV of 256 KiB + 8", frames(NANVIX_NETD_RECV, rx, NANVIX_NET_FRAMES_BUF_MAX + 8));
	show("RECV into the kernel's half", frames(NANVIX_NETD_RECV, (void *)KADDR, sizeof(rx)));
	printf("RECV with nothing waiting: %ld bytes\n", frames(NANVIX_NETD_RECV, rx, sizeof(rx)));
	/* A frame waits (the switch's ARP reply), the buffer is unmapped: lost, EFAULT. */
	frames(NANVIX_NETD_SEND, buf, record(buf, f, (uint32_t)len));
	show("RECV into an unmapped buffer, a frame waiting",
	     frames(NANVIX_NETD_RECV, hole, sizeof(rx)));
	printf("... the frame is gone: %ld bytes waiting\n",
	       frames(NANVIX_NETD_RECV, rx, sizeof(rx)));
}

static void bad_ready(void)
{
	show("READY with an unmapped table", nioctl(dev, NANVIX_NETD_READY, (uintptr_t)hole));
	show("READY with a table in the kernel's half", nioctl(dev, NANVIX_NETD_READY, KADDR));
	/* changed[] half in the mapped page, half in the hole, `any` naming every word. */
	{
		struct nanvix_net_state *t =
		        (void *)(hole - __builtin_offsetof(struct nanvix_net_state, changed) - 64);

		t->any = ~0u;
		memset(t->changed, 0xff, 64);
		show("READY with a table running into unmapped memory",
		     nioctl(dev, NANVIX_NETD_READY, (uintptr_t)t));
	}
	memset(&state, 0, sizeof(state));
	memset(state.changed, 0xff, sizeof(state.changed));
	memset(state.revents, 0xff, sizeof(state.revents));
	state.any = ~0u;
	show("READY with every socket changed, every event set",
	     nioctl(dev, NANVIX_NETD_READY, (uintptr_t)&state));
	memset(&state, 0, sizeof(state));
	show("READY with nothing changed", nioctl(dev, NANVIX_NETD_READY, (uintptr_t)&state));
}

/* Thousands of batches of valid broadcast frames: ARP requests for the
 * gateway (each answered into this port's queue) and UDP broadcasts (to
 * no other port); then batches of the largest frames.  All are taken by
 * the record check; the switch answers, drops or rate-limits them. */
static void flood(void)
{
	unsigned char f[128];
	size_t n = 0, arp, udp, big, i;
	long taken = 0, rc = 0, frames_in, replies;

	arp = arp_request(f, mac, mac, ip);
	for (i = 0; i < FLOOD_BATCH; i += 2) {
		n += record(buf + n, f, (uint32_t)arp);
		udp = udp_broadcast(f + 64, ip, 18);
		n += record(buf + n, f + 64, (uint32_t)udp);
	}
	for (i = 0; i < FLOOD_ROUNDS && rc >= 0; i++) {
		rc = frames(NANVIX_NETD_SEND, buf, n);
		taken += rc > 0 ? rc : 0;
	}
	printf("flood: %d SENDs of %d broadcast frames: %s, %s taken\n", FLOOD_ROUNDS, FLOOD_BATCH,
	       ename(rc), taken == (long)FLOOD_ROUNDS * FLOOD_BATCH ? "all" : "not all");
	/* The switch answered each request into the VM's queue, which is bounded. */
	frames_in = drain(&replies);
	if (frames_in < 0)
		printf("flood: the frames waiting for the VM: %s\n", ename(frames_in));
	else if (replies > 0 && replies == frames_in &&
	         replies < (long)FLOOD_ROUNDS * FLOOD_BATCH / 2)
		puts("flood: ARP replies waiting for the VM: some, fewer than asked for");
	else
		printf("flood: %ld frames waiting for the VM, %ld of them ARP replies\n", frames_in,
		       replies);
	/* The largest frames the MTU allows, as many as a buffer holds. */
	big = 14 + (size_t)mtu;
	n = 0;
	while (n + NANVIX_NET_FRAME_RECORD(big) <= NANVIX_NET_FRAMES_BUF_MAX)
		n += record(buf + n, NULL, (uint32_t)big);
	for (size_t off = 0; off < n; off += NANVIX_NET_FRAME_RECORD(big)) {
		unsigned char *g = buf + off + 8;

		memcpy(g, bcast, 6);
		memcpy(g + 6, mac, 6);
		g[12] = 0x08, g[13] = 0x06; /* ARP, too long: malformed to the switch */
	}
	taken = 0;
	rc = 0;
	for (i = 0; i < BIG_ROUNDS && rc >= 0; i++) {
		rc = frames(NANVIX_NETD_SEND, buf, n);
		taken += rc > 0 ? rc : 0;
	}
	printf("flood: %d SENDs of %zu frames of mtu + 14 bytes: %s, %s taken\n", BIG_ROUNDS,
	       n / NANVIX_NET_FRAME_RECORD(big), ename(rc),
	       taken == (long)(BIG_ROUNDS * (n / NANVIX_NET_FRAME_RECORD(big))) ? "all"
	                                                                        : "not all");
	drain(&replies);
}

/* The server's life: open, register, configure, attack. */
static void server(void)
{
	unsigned char f[64];
	uint8_t other[6];
	long rc;
	int fd2;

	hole = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (hole == MAP_FAILED || munmap(hole + 4096, 4096)) {
		puts("mmap failed");
		return;
	}
	hole += 4096;
	dev = open(NANVIX_NETD_PATH, O_RDWR | O_CLOEXEC);
	if (dev < 0) {
		printf("open %s: %s\n", NANVIX_NETD_PATH, strerror(errno));
		return;
	}
	printf("open %s: ok\n", NANVIX_NETD_PATH);
	fd2 = open(NANVIX_NETD_PATH, O_RDWR);
	show("open it again (the server)", fd2 < 0 ? -errno : 0);
	show("SEND before REGISTER", frames(NANVIX_NETD_SEND, buf, 0));
	show("CONFIG before REGISTER", nioctl(dev, NANVIX_NETD_CONFIG, 0));
	show("REGISTER an unaligned page",
	     nioctl(dev, NANVIX_SERVER_REGISTER, (uintptr_t)&page + 8));
	show("REGISTER a page in the kernel's half", nioctl(dev, NANVIX_SERVER_REGISTER, KADDR));
	show("REGISTER a read-only page (the code)",
	     nioctl(dev, NANVIX_SERVER_REGISTER, (uintptr_t)server & ~4095ul));
	show("REGISTER", nioctl(dev, NANVIX_SERVER_REGISTER, (uintptr_t)&page));
	show("REGISTER again", nioctl(dev, NANVIX_SERVER_REGISTER, (uintptr_t)&page));
	rc = nioctl(dev, NANVIX_NETD_CONFIG, 0);
	memcpy(mac, (const void *)page.config.mac, 6);
	ip = page.config.ip;
	mtu = page.config.mtu;
	printf("CONFIG: %s, address %u.%u.%u.%u, mtu %s\n", ename(rc), ip & 0xff, ip >> 8 & 0xff,
	       ip >> 16 & 0xff, ip >> 24, mtu >= 576 ? "576 or more" : "too small");
	show("an unknown ioctl", nioctl(dev, NANVIX_NETD_READY + 1, 0));
	show("an ioctl below the component's", nioctl(dev, NANVIX_SERVER_COMPONENT_IOCTL - 4, 0));
	show("COPY with no request served", nioctl(dev, NANVIX_SERVER_COPY, 0));
	rc = nioctl(dev, NANVIX_SERVER_SERVE, 1);
	printf("SERVE for 1 ms: %s, %s\n", ename(rc), page.req.opcode ? "a request" : "no request");

	/* A child of the server holds the descriptor, not the device. */
	fflush(stdout);
	if (fork() == 0) {
		show("an inherited descriptor (SEND from a child of the server)",
		     frames(NANVIX_NETD_SEND, buf, 0));
		fflush(stdout);
		_exit(0);
	}
	wait(NULL);

	bad_sends();
	bad_ready();

	/* The switch's anti-spoofing, seen through its ARP answers. */
	memcpy(other, mac, 6);
	other[5] ^= 0x40;
	arp_probe("ARP request for the gateway", mac, mac, ip);
	arp_probe("... from another Ethernet source", other, other, ip);
	arp_probe("... with another sender MAC", mac, other, ip);
	arp_probe("... with another sender IP", mac, mac, ip ^ 0x01000000u);
	show_sent("UDP broadcast from another IP",
	          frames(NANVIX_NETD_SEND, buf,
	                 record(buf, f, (uint32_t)udp_broadcast(f, ip ^ 0x01000000u, 4))));
	arp_request(f, mac, mac, ip);
	memcpy(f, mac, 6); /* an ARP reply to itself */
	f[21] = 2;
	show_sent("an ARP reply to its own MAC", frames(NANVIX_NETD_SEND, buf, record(buf, f, 42)));
	printf("... nothing comes back: %ld bytes waiting\n",
	       frames(NANVIX_NETD_RECV, rx, sizeof(rx)));

	flood();
	arp_probe("after the floods: ARP request for the gateway", mac, mac, ip);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	const char *name = NULL, *workdir = NULL;
	int i, p[2], fd;
	char c;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "--vm"))
			continue;
		if (!strcmp(argv[i], "--cd") && i + 1 < argc)
			workdir = argv[++i];
		else if (!strcmp(argv[i], "--exec") && i + 1 < argc)
			name = argv[++i];
		else
			return 125;
	}
	if (!name || i + 1 >= argc || pipe(p) < 0)
		return 125;
	if (getenv("NETD_FORGE_WEDGE")) {
		/* A server that registers and then never serves: the VM must
		 * still end when process 1 does (the kernel's drain is bounded). */
		if (fork() == 0) {
			dev = open(NANVIX_NETD_PATH, O_RDWR | O_CLOEXEC);
			nioctl(dev, NANVIX_SERVER_REGISTER, (uintptr_t)&page);
			close(p[1]);
			for (;;)
				pause();
		}
		close(p[1]);
		if (read(p[0], &c, 1) != 0)
			return 125;
		puts("a wedged server holds /dev/netd");
		fflush(stdout);
		execve(name, argv + i + 1, environ);
		return 127;
	}
	if (fork() == 0) {
		close(p[0]);
		server();
		_exit(0); /* the server is gone: the pipe's end says so */
	}
	close(p[1]);
	if (read(p[0], &c, 1) != 0)
		puts("the forged server wrote to the pipe");
	close(p[0]);
	/* The server is gone: the device is never served again. */
	fd = open(NANVIX_NETD_PATH, O_RDWR);
	show("process 1 opens /dev/netd, its server gone", fd < 0 ? -errno : 0);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	show("process 1 makes a socket, the server gone", fd < 0 ? -errno : 0);
	fflush(stdout);
	if (workdir && chdir(workdir) < 0)
		return 125;
	execve(name, argv + i + 1, environ);
	printf("exec %s: %s\n", name, strerror(errno));
	return 127;
}
