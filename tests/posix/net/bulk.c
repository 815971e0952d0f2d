/* bulk: 64 MiB each way over TCP with varied send and receive sizes, checked by FNV-1a checksums. */
#include "common.h"

#define TOTAL     (64ull << 20)
#define SEED_UP   0x1234abcdull
#define SEED_DOWN 0x9876fedcull

static const size_t send_sizes[] = { 1, 3, 512, 1460, 4096, 65536, 131072, 7, 100000, 32768 };
static const size_t recv_sizes[] = { 1, 17, 4096, 65536, 1500, 262144, 9, 8192 };
#define NSEND (sizeof(send_sizes) / sizeof(send_sizes[0]))
#define NRECV (sizeof(recv_sizes) / sizeof(recv_sizes[0]))
#define BUFSZ 262144

/* The test stream: byte POS is byte POS % 8 of splitmix64(SEED + POS / 8). */
static uint64_t word_at(uint64_t seed, uint64_t idx)
{
	uint64_t z = seed + (idx + 1) * 0x9e3779b97f4a7c15ull;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void fill(uint64_t seed, uint64_t pos, unsigned char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++, pos++)
		buf[i] = (unsigned char)(word_at(seed, pos / 8) >> (8 * (pos % 8)));
}

/* FNV-1a over little-endian 64-bit words of a byte stream fed in any pieces. */
struct fnv {
	uint64_t h, part;
	unsigned nbytes;
};

static void fnv_init(struct fnv *f)
{
	f->h = 0xcbf29ce484222325ull;
	f->part = 0;
	f->nbytes = 0;
}

static void fnv_feed(struct fnv *f, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		f->part |= (uint64_t)p[i] << (8 * f->nbytes);
		if (++f->nbytes == 8) {
			f->h = (f->h ^ f->part) * 0x100000001b3ull;
			f->part = 0;
			f->nbytes = 0;
		}
	}
}

/* Send TOTAL bytes of SEED's stream on FD; its checksum in *sum. */
static int send_stream(int fd, uint64_t seed, uint64_t *sum)
{
	static unsigned char buf[BUFSZ];
	struct fnv f;
	uint64_t pos = 0;
	size_t k = 0;

	fnv_init(&f);
	while (pos < TOTAL) {
		size_t n = send_sizes[k++ % NSEND];
		if (n > TOTAL - pos)
			n = (size_t)(TOTAL - pos);
		fill(seed, pos, buf, n);
		fnv_feed(&f, buf, n);
		if (write_all(fd, buf, n) != 0)
			return -1;
		pos += n;
	}
	*sum = f.h;
	return 0;
}

/* Receive TOTAL bytes on FD: its checksum in *sum, and whether it is SEED's stream. */
static int recv_stream(int fd, uint64_t seed, uint64_t *sum, int *intact)
{
	static unsigned char buf[BUFSZ], want[BUFSZ];
	struct fnv f;
	uint64_t pos = 0;
	size_t k = 0;

	fnv_init(&f);
	*intact = 1;
	while (pos < TOTAL) {
		size_t n = recv_sizes[k++ % NRECV];
		ssize_t r;
		if (n > TOTAL - pos)
			n = (size_t)(TOTAL - pos);
		r = recv(fd, buf, n, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		fnv_feed(&f, buf, (size_t)r);
		fill(seed, pos, want, (size_t)r);
		if (memcmp(buf, want, (size_t)r) != 0)
			*intact = 0;
		pos += (uint64_t)r;
	}
	*sum = f.h;
	return 0;
}

/* The child: take the upload, answer its checksum, then send the download. */
static int serve(int l)
{
	uint64_t sum, dsum;
	int intact, s = accept(l, NULL, NULL);

	if (s < 0)
		return 2;
	close(l);
	if (recv_stream(s, SEED_UP, &sum, &intact) != 0)
		return 3;
	if (write_all(s, &sum, sizeof(sum)) != 0)
		return 4;
	if (send_stream(s, SEED_DOWN, &dsum) != 0)
		return 5;
	if (write_all(s, &dsum, sizeof(dsum)) != 0)
		return 6;
	close(s);
	return intact ? 0 : 7;
}

int main(void)
{
	int port, l, c, st, intact;
	uint64_t up, up_peer, down, down_peer;
	char b;
	pid_t pid;

	net_test = "bulk";
	l = tcp_listener("127.0.0.1", &port);
	pid = fork_flushed();
	if (pid == 0)
		_exit(serve(l));
	close(l);
	c = tcp_connect("127.0.0.1", port);
	CHECK(send_stream(c, SEED_UP, &up) == 0, "upload");
	CHECK(read_full(c, &up_peer, sizeof(up_peer)) == sizeof(up_peer), "upload checksum");
	CHECK(up == up_peer, "upload checksums: sent %016llx, received %016llx",
	      (unsigned long long)up, (unsigned long long)up_peer);
	CHECK(recv_stream(c, SEED_DOWN, &down, &intact) == 0, "download");
	CHECK(intact, "download content");
	CHECK(read_full(c, &down_peer, sizeof(down_peer)) == sizeof(down_peer),
	      "download checksum");
	CHECK(down == down_peer, "download checksums: sent %016llx, received %016llx",
	      (unsigned long long)down_peer, (unsigned long long)down);
	CHECK(read(c, &b, 1) == 0, "end of file after the download");
	close(c);
	st = wait_child(pid);
	CHECK(st == 0, "server status %d (7: upload content differs)", st);
	OK("bulk: %llu bytes each way, checksums %016llx and %016llx\n", (unsigned long long)TOTAL,
	   (unsigned long long)up, (unsigned long long)down);
	return net_done();
}
