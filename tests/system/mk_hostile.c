/* mk_hostile: a hostile client of bin/macrokernel, one misbehaviour per run. */
/*
 * usage: mk_hostile SOCKET CASE [DISK]
 *
 * Each case breaks the protocol of server/proto.h one way and checks that
 * the server answers as it should (a refusal with a reason, a hang-up, or
 * service as usual); whether the server is still alive and serving others
 * afterwards is the caller's check (tests/system/macrokernel.sh).  Prints
 * "ok CASE: ..." and exits 0, or "FAIL CASE: ..." and exits 1; 2 on usage.
 *
 * The load-* and stats cases speak the requests that follow the hello:
 * well-formed ones must be answered (a sealed memfd, an errno, counters),
 * malformed ones (no NUL, too long, fds attached, a request while an
 * answer is unread) must end the connection.  The load cases expect the
 * image DISK to hold /sub/prog (mode 755, "a file in the image") and
 * /sub/greeting.txt (mode 644).
 *
 * The fake-* cases turn it around: a hostile server on SOCKET for one
 * nanvixd, which must then fail cleanly with status 123.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <abi/bootinfo.h>
#include <abi/ring.h>
#include <stddef.h>

#include <server/proto.h>

#define MEM  (16u << 20)
#define PAGE 4096u

static const char *sock_path, *case_name, *disk;

static int fail(const char *fmt, ...)
{
	va_list ap;

	printf("FAIL %s: ", case_name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	return 1;
}

static int pass(const char *fmt, ...)
{
	va_list ap;

	printf("ok   %s: ", case_name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	return 0;
}

static int dial(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("mk_hostile: connect");
		exit(1);
	}
	return fd;
}

/* Guest RAM as nanvixd makes it, with a valid ring header (boot.c's layout). */
static int make_ram(uint64_t size, bool seal, bool ring)
{
	int fd = memfd_create("hostile-ram", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	if (fd < 0 || ftruncate(fd, (off_t)size) < 0) {
		perror("mk_hostile: memfd");
		exit(1);
	}
	if (ring && size >= NANVIX_RING_PADDR + NANVIX_RING_SIZE) {
		struct nanvix_ring_header h;
		uint32_t nslots = 64, req = 512, cpl = req + nslots * NANVIX_RING_SLOT_SIZE;

		memset(&h, 0, sizeof(h));
		h.magic = NANVIX_RING_MAGIC;
		h.version = NANVIX_RING_ABI_VERSION;
		h.nslots = (uint16_t)nslots;
		h.req_off = req;
		h.cpl_off = cpl;
		h.data_off = cpl + nslots * NANVIX_RING_SLOT_SIZE;
		h.data_len = (uint32_t)NANVIX_RING_SIZE - h.data_off;
		if (pwrite(fd, &h, sizeof(h), NANVIX_RING_PADDR) != sizeof(h)) {
			perror("mk_hostile: pwrite");
			exit(1);
		}
	}
	if (seal && fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK) < 0) {
		perror("mk_hostile: seal");
		exit(1);
	}
	return fd;
}

/* A hello as nanvixd sends one: the header and the fs section, and with
 * a network the net section (hello_len says how much is sent). */
struct hello {
	struct mksrv_hello h;
	struct mksrv_section fs_sec;
	struct mksrv_fs_section fs;
	struct mksrv_section net_sec;
	struct mksrv_net_section net;
};

static void hello_init(struct hello *h)
{
	memset(h, 0, sizeof(*h));
	h->h.magic = MKSRV_MAGIC;
	h->h.version = MKSRV_VERSION;
	h->h.mem_size = MEM;
	h->h.nsections = 1;
	h->fs_sec = (struct mksrv_section){ MKSRV_SECTION_FS, sizeof(h->fs) };
	h->fs.placement = MKSRV_FS_HOST;
	if (disk)
		snprintf(h->fs.disk, sizeof(h->fs.disk), "%s", disk);
	h->net_sec = (struct mksrv_section){ MKSRV_SECTION_NET, sizeof(h->net) };
	h->net.placement = MKSRV_NET_HOST;
}

/* The bytes of `h` a client sends: its sections, no more. */
static size_t hello_len(const struct hello *h)
{
	return h->h.nsections >= 2 ? sizeof(*h) : offsetof(struct hello, net_sec);
}

/* Send `len` bytes of `buf` with `nfds` fds; errors are the test's to judge. */
static int send_msg(int sock, const void *buf, size_t len, const int *fds, int nfds)
{
	union {
		char b[CMSG_SPACE(sizeof(int) * 16)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { (void *)buf, len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (nfds > 0) {
		struct cmsghdr *cm;

		msg.msg_control = ctl.b;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * nfds);
	}
	return sendmsg(sock, &msg, MSG_NOSIGNAL) < 0 ? -1 : 0;
}

/* The reply within `ms`: 1 with *r, 0 on hang-up without one, -1 on timeout or junk. */
static int get_reply(int sock, struct mksrv_reply *r, int ms)
{
	struct pollfd p = { .fd = sock, .events = POLLIN };
	ssize_t n;

	if (poll(&p, 1, ms) <= 0)
		return -1;
	n = recv(sock, r, sizeof(*r), MSG_DONTWAIT);
	if (n <= 0)
		return 0;
	if (n != sizeof(*r) || r->magic != MKSRV_MAGIC)
		return -1;
	r->error[sizeof(r->error) - 1] = '\0';
	return 1;
}

/* Send a hello (any bytes) with fds and expect a refusal with a reason. */
static int expect_refusal(const void *hello, size_t len, const int *fds, int nfds, const char *want)
{
	struct mksrv_reply r;
	int sock = dial(), rc;

	send_msg(sock, hello, len, fds, nfds);
	rc = get_reply(sock, &r, 10000);
	close(sock);
	if (rc < 0)
		return fail("no reply within 10 s");
	if (rc == 0)
		return want ? fail("hang-up without a reply") : pass("hang-up");
	if (r.status == 0)
		return fail("the server accepted it");
	if (want && !strstr(r.error, want))
		return fail("refused with '%s', expected '%s'", r.error, want);
	return pass("refused (%d): %s", r.status, r.error);
}

/* A well-formed attach: returns the socket, with *ram mapped and *kick set. */
static int attach(uint8_t **ram, int *kick)
{
	struct hello h;
	struct mksrv_reply r;
	int fds[3], sock = dial();

	hello_init(&h);
	fds[0] = make_ram(MEM, true, true);
	fds[1] = *kick = eventfd(0, EFD_CLOEXEC);
	fds[2] = eventfd(0, EFD_CLOEXEC);
	*ram = mmap(NULL, MEM, PROT_READ | PROT_WRITE, MAP_SHARED, fds[0], 0);
	if (*ram == MAP_FAILED || send_msg(sock, &h, hello_len(&h), fds, 3) < 0) {
		perror("mk_hostile: attach");
		exit(1);
	}
	if (get_reply(sock, &r, 10000) != 1 || r.status != 0) {
		printf("FAIL %s: a valid attach was refused: %s\n", case_name, r.error);
		exit(1);
	}
	close(fds[0]);
	return sock;
}

/* Kick and wait for the completion: 1 done, 0 hang-up, -1 timeout. */
static int kick_wait(int sock, int kick, int ms)
{
	uint64_t one = 1;
	struct mksrv_done d;
	struct pollfd p = { .fd = sock, .events = POLLIN };

	if (write(kick, &one, sizeof(one)) != sizeof(one))
		return -1;
	if (poll(&p, 1, ms) <= 0)
		return -1;
	if (recv(sock, &d, sizeof(d), MSG_DONTWAIT) != sizeof(d))
		return 0;
	return d.magic == MKSRV_MAGIC ? 1 : -1;
}

static uint64_t rnd_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

/* Garbage in guest RAM: random page tables, ring slots and indices, then kick. */
static int ring_fuzz(void)
{
	struct nanvix_ring_header *h;
	uint8_t *ram;
	int kick, sock = attach(&ram, &kick), rounds = 300;

	h = (struct nanvix_ring_header *)(ram + NANVIX_RING_PADDR);
	for (int i = 0; i < rounds; i++) {
		uint8_t *slots = ram + NANVIX_RING_PADDR + 512;
		uint32_t head = h->req_head;
		int rc;

		/* Random tables in the first 2 MiB (the ring region excepted) half the time. */
		if (i % 2 == 0)
			for (uint64_t off = 0x10000; off < (2u << 20); off += 8) {
				uint64_t v = rnd();

				if (v & 1) /* present entries pointing into RAM, user, writable */
					v = (v & (MEM - 1) & ~0xfffull) | 0x7;
				memcpy(ram + off, &v, 8);
			}
		for (int s = 0; s < 64; s++) {
			struct nanvix_ring_req q;

			for (size_t b = 0; b < sizeof(q); b += 8) {
				uint64_t v = rnd();

				memcpy((uint8_t *)&q + b, &v, 8);
			}
			q.opcode = (uint16_t)(rnd() % 40);
			if (rnd() % 4)
				q.flags = 0, q.buf_off = 0, q.buf_len = 0;
			q.args[0] = 0x10000 + (rnd() % 64) * PAGE; /* a cr3 in the random tables */
			if (rnd() % 2)
				q.args[1] = NANVIX_FS_ROOT;
			memcpy(slots + s * NANVIX_RING_SLOT_SIZE, &q, sizeof(q));
		}
		h->req_tail = head + (uint32_t)(rnd() % 80); /* sometimes impossible */
		h->cpl_head = h->cpl_tail;                   /* every completion consumed */
		if (i % 50 == 49) /* the header itself, trashed: the host kept its own copy */
			for (size_t b = 0; b < sizeof(*h); b++)
				((uint8_t *)h)[b] = (uint8_t)rnd();
		rc = kick_wait(sock, kick, 10000);
		if (rc != 1)
			return fail("round %d: %s", i,
			            rc ? "no completion within 10 s" : "hang-up");
	}
	/* Holes punched in our own RAM read as zeros on the server's side; no shrinking. */
	if (madvise(ram, MEM, MADV_REMOVE) < 0)
		return fail("MADV_REMOVE: %s", strerror(errno));
	if (kick_wait(sock, kick, 10000) != 1)
		return fail("no completion after the holes");
	close(sock);
	return pass("%d rounds of garbage served", rounds);
}

/* Kick without ever reading a completion: the server must drop us, not wait. */
static int no_read(void)
{
	uint8_t *ram;
	int kick, sock = attach(&ram, &kick);
	struct pollfd p = { .fd = sock, .events = POLLIN };
	uint64_t one = 1;
	time_t end = time(NULL) + 20;
	int kicks = 0;

	/* Let completions pile up until the server gives up on us (or we give up). */
	while (time(NULL) < end) {
		char b[64];

		if (write(kick, &one, sizeof(one)) != sizeof(one))
			return fail("kick: %s", strerror(errno));
		kicks++;
		usleep(20);
		if (kicks % 1000 == 0) {
			/* A hang-up shows once the completions queued before it are read. */
			int sz = 0;
			socklen_t l = sizeof(sz);

			if (getsockopt(sock, SOL_SOCKET, SO_ERROR, &sz, &l) == 0 && sz)
				break;
			if (send(sock, b, 0, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 && errno == EPIPE)
				break;
		}
	}
	/* Now drain: the stream of completions must end in a hang-up. */
	for (;;) {
		struct mksrv_done d;
		ssize_t n;

		if (poll(&p, 1, 5000) <= 0)
			return fail("still connected after %d unread completions", kicks);
		n = recv(sock, &d, sizeof(d), MSG_DONTWAIT);
		if (n <= 0)
			break;
	}
	close(sock);
	return pass("dropped after %d kicks without reads", kicks);
}

/* Drain our own kick eventfd under the server's nose: it must not block on it. */
static int drain_kick(void)
{
	uint8_t *ram;
	int kick, sock = attach(&ram, &kick), done = 0;
	struct pollfd p = { .fd = sock, .events = POLLIN };
	uint64_t one = 1, v;
	struct mksrv_done d;

	for (int i = 0; i < 200; i++) {
		if (write(kick, &one, sizeof(one)) != sizeof(one))
			return fail("kick: %s", strerror(errno));
		usleep((useconds_t)(rnd() % 64));
		/* Race the server for it; whoever loses finds the eventfd empty. */
		if (fcntl(kick, F_SETFL, O_NONBLOCK) < 0 ||
		    (read(kick, &v, sizeof(v)) < 0 && errno != EAGAIN))
			return fail("steal: %s", strerror(errno));
		fcntl(kick, F_SETFL, 0);
	}
	while (poll(&p, 1, 200) > 0 && recv(sock, &d, sizeof(d), MSG_DONTWAIT) == sizeof(d))
		done++;
	if (kick_wait(sock, kick, 10000) != 1)
		return fail("no completion after the drained kicks");
	close(sock);
	return pass("served after %d stolen kicks (%d answered)", 200, done);
}

/* Connect and say nothing: the server must give up on the hello by itself. */
static int silent(void)
{
	struct mksrv_reply r;
	int sock = dial(), rc = get_reply(sock, &r, 15000);

	close(sock);
	if (rc < 0)
		return fail("still waiting for a hello after 15 s");
	return pass("%s", rc ? r.error : "hang-up");
}

/* After the hello, a message the protocol does not have: dropped. */
static int chatter(void)
{
	uint8_t *ram;
	int kick, sock = attach(&ram, &kick);
	struct pollfd p = { .fd = sock, .events = POLLIN };
	char b[16] = "hello again";
	struct mksrv_done d;

	send(sock, b, sizeof(b), MSG_NOSIGNAL);
	if (poll(&p, 1, 5000) <= 0 || recv(sock, &d, sizeof(d), 0) != 0)
		return fail("not dropped");
	close(sock);
	return pass("dropped");
}

/* A load request for `path` from handle `cwd`. */
static void load_init(struct mksrv_load *q, uint64_t cwd, const char *path)
{
	memset(q, 0, sizeof(*q));
	q->magic = MKSRV_MAGIC;
	q->type = MKSRV_LOAD;
	q->cwd = cwd;
	snprintf(q->path, sizeof(q->path), "%s", path);
}

/* The answer to a load within 10 s: 1 with *r and *fd (or -1), 0 on hang-up, -1 on junk. */
static int get_load(int sock, struct mksrv_load_reply *r, int *fd)
{
	union {
		char b[CMSG_SPACE(sizeof(int) * 4)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { r, sizeof(*r) };
	struct msghdr msg = { .msg_iov = &iov,
		              .msg_iovlen = 1,
		              .msg_control = ctl.b,
		              .msg_controllen = sizeof(ctl.b) };
	struct pollfd p = { .fd = sock, .events = POLLIN };
	struct cmsghdr *cm;
	ssize_t n;

	*fd = -1;
	if (poll(&p, 1, 10000) <= 0)
		return -1;
	n = recvmsg(sock, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n <= 0)
		return 0;
	cm = CMSG_FIRSTHDR(&msg);
	if (cm && cm->cmsg_type == SCM_RIGHTS && cm->cmsg_len == CMSG_LEN(sizeof(int)))
		memcpy(fd, CMSG_DATA(cm), sizeof(int));
	if (n != sizeof(*r) || r->magic != MKSRV_MAGIC || r->type != MKSRV_LOAD)
		return -1;
	return 1;
}

/* Expect the server to hang up on us within 10 s (queued answers are read and ignored). */
static int expect_drop(int sock, const char *what)
{
	struct pollfd p = { .fd = sock, .events = POLLIN };
	char b[64];

	for (;;) {
		ssize_t n;

		if (poll(&p, 1, 10000) <= 0)
			return fail("%s: still connected after 10 s", what);
		n = recv(sock, b, sizeof(b), MSG_DONTWAIT | MSG_TRUNC);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			break;
	}
	close(sock);
	return pass("%s: dropped", what);
}

/* A load the server must answer: a file (sealed memfd) or an errno; then still served. */
static int load_answered(const char *path, uint64_t cwd, int want)
{
	uint8_t *ram;
	int kick, sock = attach(&ram, &kick), fd, seals;
	struct mksrv_load q;
	struct mksrv_load_reply r;
	struct stat st;
	char head[64] = "";

	load_init(&q, cwd, path);
	if (send(sock, &q, sizeof(q), MSG_NOSIGNAL) != sizeof(q))
		return fail("send: %s", strerror(errno));
	if (get_load(sock, &r, &fd) != 1)
		return fail("no well-formed answer");
	if (want) {
		if (r.status != want || fd >= 0 || r.size)
			return fail("status %d size %llu fd %d, expected %d and no fd", r.status,
			            (unsigned long long)r.size, fd, want);
	} else {
		if (r.status || fd < 0)
			return fail("status %d fd %d", r.status, fd);
		seals = fcntl(fd, F_GET_SEALS);
		if (fstat(fd, &st) < 0 || (uint64_t)st.st_size != r.size || seals < 0 ||
		    (seals & (F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK)) !=
		            (F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK))
			return fail("the memfd is not sealed or not %llu bytes",
			            (unsigned long long)r.size);
		if (pwrite(fd, "x", 1, 0) == 1 || ftruncate(fd, 0) == 0)
			return fail("the memfd can be changed");
		if (pread(fd, head, sizeof(head) - 1, 0) < 0 ||
		    !strstr(head, "a file in the image"))
			return fail("unexpected contents '%s'", head);
		close(fd);
	}
	/* Still attached and served. */
	if (kick_wait(sock, kick, 10000) != 1)
		return fail("no completion after the load");
	close(sock);
	return want ? pass("answered %d", r.status)
	            : pass("answered with a sealed memfd of %llu bytes",
	                   (unsigned long long)r.size);
}

/* The stats, asked for twice: counters that count our kicks. */
static int stats(void)
{
	uint8_t *ram;
	int kick, sock = attach(&ram, &kick);
	struct mksrv_stats_req q = { .magic = MKSRV_MAGIC, .type = MKSRV_STATS };
	struct mksrv_stats a;
	struct pollfd p = { .fd = sock, .events = POLLIN };

	for (int i = 0; i < 3; i++)
		if (kick_wait(sock, kick, 10000) != 1)
			return fail("no completion");
	if (send(sock, &q, sizeof(q), MSG_NOSIGNAL) != sizeof(q) || poll(&p, 1, 10000) <= 0 ||
	    recv(sock, &a, sizeof(a), 0) != sizeof(a) || a.magic != MKSRV_MAGIC ||
	    a.type != MKSRV_STATS)
		return fail("no stats");
	if (a.kicks != 3)
		return fail("kicks=%llu, expected 3", (unsigned long long)a.kicks);
	close(sock);
	return pass("kicks=%llu served=%llu", (unsigned long long)a.kicks,
	            (unsigned long long)a.served);
}

/* Malformed requests and requests out of turn: each must end the connection. */
static int load_bad(const char *how)
{
	uint8_t *ram;
	int kick, sock = attach(&ram, &kick);
	static struct mksrv_load q;
	static char big[sizeof(q) + 100];

	load_init(&q, NANVIX_FS_ROOT, "/sub/prog");
	if (!strcmp(how, "nonul")) {
		memset(q.path, 'A', sizeof(q.path));
		send(sock, &q, sizeof(q), MSG_NOSIGNAL);
	} else if (!strcmp(how, "emptypath")) {
		q.path[0] = '\0';
		send(sock, &q, sizeof(q), MSG_NOSIGNAL);
	} else if (!strcmp(how, "long")) {
		memcpy(big, &q, sizeof(q));
		send(sock, big, sizeof(big), MSG_NOSIGNAL);
	} else if (!strcmp(how, "short")) {
		send(sock, &q, sizeof(q) - 1, MSG_NOSIGNAL);
	} else if (!strcmp(how, "type")) {
		q.type = 99;
		send(sock, &q, sizeof(q), MSG_NOSIGNAL);
	} else if (!strcmp(how, "fds")) {
		int f = eventfd(0, EFD_CLOEXEC);

		send_msg(sock, &q, sizeof(q), &f, 1);
	} else if (!strcmp(how, "noread")) {
		/* Never read the answers: a second request while the first is unread. */
		struct mksrv_load_reply r;
		struct pollfd p = { .fd = sock, .events = POLLIN };

		send(sock, &q, sizeof(q), MSG_NOSIGNAL);
		/* The answer is queued: seen with MSG_PEEK, which leaves it unread. */
		if (poll(&p, 1, 10000) <= 0 ||
		    recv(sock, &r, sizeof(r), MSG_PEEK | MSG_DONTWAIT) != sizeof(r) ||
		    r.type != MKSRV_LOAD || r.status)
			return fail("noread: the first load was not answered");
		for (int i = 0; i < 50; i++)
			if (send(sock, &q, sizeof(q), MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
				break;
		/* Read nothing until the hang-up: reading would make room for the next answer. */
		p = (struct pollfd){ .fd = sock, .events = 0 };
		if (poll(&p, 1, 10000) <= 0 || !(p.revents & POLLHUP))
			return fail("noread: still connected after 10 s");
		close(sock);
		return pass("a request while an answer is unread: dropped");
	} else if (!strcmp(how, "ignore")) {
		/* Ask and never read, staying connected: other VMs are served meanwhile. */
		uint8_t *ram2;
		int kick2, sock2, fd;
		struct mksrv_load_reply r;

		for (int i = 0; i < 3; i++)
			send(sock, &q, sizeof(q), MSG_NOSIGNAL | MSG_DONTWAIT);
		sock2 = attach(&ram2, &kick2);
		if (kick_wait(sock2, kick2, 10000) != 1)
			return fail("ignore: another VM is not served");
		if (send(sock2, &q, sizeof(q), MSG_NOSIGNAL) != sizeof(q) ||
		    get_load(sock2, &r, &fd) != 1 || r.status || fd < 0)
			return fail("ignore: another VM's load is not answered");
		close(fd);
		close(sock2);
		return expect_drop(sock, "ignore: answers never read; others served; then");
	} else {
		return fail("unknown load case");
	}
	return expect_drop(sock, how);
}

/* Our RAM cannot be truncated under the server: the seal holds. */
static int shrink(void)
{
	struct hello h;
	struct mksrv_reply r;
	int sock = dial(), fds[3];

	hello_init(&h);
	fds[0] = make_ram(MEM, true, true);
	fds[1] = eventfd(0, EFD_CLOEXEC);
	fds[2] = eventfd(0, EFD_CLOEXEC);
	send_msg(sock, &h, hello_len(&h), fds, 3);
	if (get_reply(sock, &r, 10000) != 1 || r.status)
		return fail("attach refused");
	if (ftruncate(fds[0], 0) == 0)
		return fail("a sealed memfd shrank");
	close(sock);
	return pass("ftruncate refused: %s", strerror(errno));
}

/* Hold `n` VMs attached until stdin closes (for the --max-vms test). */
static int hold(int n)
{
	char b;

	for (int i = 0; i < n; i++) {
		uint8_t *ram;
		int kick;

		attach(&ram, &kick);
	}
	printf("ok   %s: holding %d VMs\n", case_name, n);
	fflush(stdout);
	while (read(0, &b, 1) > 0)
		;
	return 0;
}

/*
 * A fake macro-kernel for one client: accept its hello, then on its first
 * kick die (fake-die) or answer garbage (fake-garbage).
 */
static int fake_server(bool die)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0), sock, fds[MKSRV_HELLO_FDS];
	char ctl[CMSG_SPACE(sizeof(int) * MKSRV_HELLO_FDS)];
	static char h[MKSRV_HELLO_MAX];
	struct mksrv_reply r;
	struct iovec iov = { h, sizeof(h) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl)
	};
	struct cmsghdr *cm;
	struct pollfd p;
	uint64_t v;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 1) < 0)
		return fail("listen: %s", strerror(errno));
	printf("listening\n");
	sock = accept(lfd, NULL, NULL);
	if (sock < 0 || recvmsg(sock, &msg, 0) < (ssize_t)sizeof(struct mksrv_hello) ||
	    !(cm = CMSG_FIRSTHDR(&msg)) || cm->cmsg_len != CMSG_LEN(sizeof(fds)))
		return fail("no hello");
	memcpy(fds, CMSG_DATA(cm), sizeof(fds));
	memset(&r, 0, sizeof(r));
	r.magic = MKSRV_MAGIC;
	r.version = MKSRV_VERSION;
	if (send(sock, &r, sizeof(r), MSG_NOSIGNAL) != sizeof(r))
		return fail("reply: %s", strerror(errno));
	p = (struct pollfd){ .fd = fds[1], .events = POLLIN };
	if (poll(&p, 1, 20000) <= 0 || read(fds[1], &v, sizeof(v)) != sizeof(v))
		return fail("no kick");
	if (!die) {
		uint64_t junk[3] = { rnd(), rnd(), rnd() };

		send(sock, junk, sizeof(junk), MSG_NOSIGNAL);
		p = (struct pollfd){ .fd = sock, .events = POLLIN };
		poll(&p, 1, 20000); /* until the client hangs up */
	}
	unlink(sock_path);
	return pass("%s at the first kick", die ? "died" : "answered garbage");
}

int main(int argc, char **argv)
{
	struct hello h;
	char junk[sizeof(h) + 64];
	int fds[8];

	if (argc < 3) {
		fprintf(stderr, "usage: mk_hostile SOCKET CASE [DISK]\n");
		return 2;
	}
	sock_path = argv[1];
	case_name = argv[2];
	disk = argc > 3 ? argv[3] : NULL;
	setvbuf(stdout, NULL, _IOLBF, 0);
	rnd_state ^= (uint64_t)time(NULL) * 0x2545f4914f6cdd1dull;
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (char)rnd();
	hello_init(&h);
	fds[0] = make_ram(MEM, true, true);
	fds[1] = eventfd(0, EFD_CLOEXEC);
	fds[2] = eventfd(0, EFD_CLOEXEC);

	if (!strcmp(case_name, "garbage"))
		return expect_refusal(junk, 100, NULL, 0, "bad hello");
	if (!strcmp(case_name, "empty"))
		return expect_refusal("", 0, fds, 3, NULL);
	if (!strcmp(case_name, "short"))
		return expect_refusal(&h, sizeof(h.h) / 2, fds, 3, "bad hello");
	if (!strcmp(case_name, "long")) {
		static char big[MKSRV_HELLO_MAX + 64];

		memcpy(big, &h, sizeof(h));
		return expect_refusal(big, sizeof(big), fds, 3, "bad hello");
	}
	if (!strcmp(case_name, "random"))
		return expect_refusal(junk, hello_len(&h), fds, 3, "protocol");
	if (!strcmp(case_name, "version")) {
		h.h.version = 99;
		return expect_refusal(&h, hello_len(&h), fds, 3, "protocol");
	}
	if (!strcmp(case_name, "nofds"))
		return expect_refusal(&h, hello_len(&h), fds, 0, "fds");
	if (!strcmp(case_name, "onefd"))
		return expect_refusal(&h, hello_len(&h), fds, 1, "fds");
	if (!strcmp(case_name, "manyfds")) {
		for (int i = 3; i < 8; i++)
			fds[i] = eventfd(0, EFD_CLOEXEC);
		return expect_refusal(&h, hello_len(&h), fds, 8, "fds");
	}
	if (!strcmp(case_name, "swapped")) {
		int sw[3] = { fds[1], fds[0], fds[2] };

		return expect_refusal(&h, hello_len(&h), sw, 3, "eventfd");
	}
	if (!strcmp(case_name, "pipekick")) {
		int p[2], f[3];

		if (pipe(p) < 0)
			return fail("pipe");
		f[0] = fds[0], f[1] = p[0], f[2] = fds[2];
		return expect_refusal(&h, hello_len(&h), f, 3, "eventfd");
	}
	if (!strcmp(case_name, "pipenotify")) {
		int p[2], f[3];

		if (pipe(p) < 0)
			return fail("pipe");
		f[0] = fds[0], f[1] = fds[1], f[2] = p[1];
		return expect_refusal(&h, hello_len(&h), f, 3, "notify fd is not an eventfd");
	}
	if (!strcmp(case_name, "section-unknown")) {
		h.fs_sec.type = 99;
		return expect_refusal(&h, hello_len(&h), fds, 3, "unknown type 99");
	}
	if (!strcmp(case_name, "section-twice")) {
		h.h.nsections = 2;
		h.net_sec.type = MKSRV_SECTION_FS;
		h.net_sec.len = sizeof(h.net);
		return expect_refusal(&h, hello_len(&h), fds, 3, "second fs section");
	}
	if (!strcmp(case_name, "section-size")) {
		h.fs_sec.len = sizeof(h.fs) - 8;
		return expect_refusal(&h, hello_len(&h), fds, 3, "expected");
	}
	if (!strcmp(case_name, "section-past")) { /* a section claiming more than was sent */
		h.h.nsections = 2;
		return expect_refusal(&h, hello_len(&h) - 4, fds, 3, "past the end");
	}
	if (!strcmp(case_name, "section-count")) {
		h.h.nsections = 1000;
		return expect_refusal(&h, hello_len(&h), fds, 3, "too many hello sections");
	}
	if (!strcmp(case_name, "section-trailing")) { /* bytes after the last section */
		h.h.nsections = 1;
		return expect_refusal(&h, sizeof(h), fds, 3, "after the last hello section");
	}
	if (!strcmp(case_name, "netplace")) {
		h.h.nsections = 2;
		h.net.placement = 7;
		return expect_refusal(&h, hello_len(&h), fds, 3, "network placement");
	}
	if (!strcmp(case_name, "filemem")) {
		char path[] = "/tmp/mk_hostile.XXXXXX";
		int f[3] = { mkstemp(path), fds[1], fds[2] };

		unlink(path);
		if (f[0] < 0 || ftruncate(f[0], MEM) < 0)
			return fail("tmpfile");
		return expect_refusal(&h, hello_len(&h), f, 3, "memfd");
	}
	if (!strcmp(case_name, "unsealed")) {
		int f[3] = { make_ram(MEM, false, true), fds[1], fds[2] };

		return expect_refusal(&h, hello_len(&h), f, 3, "sealed");
	}
	if (!strcmp(case_name, "small")) {
		int f[3] = { make_ram(MEM / 2, true, true), fds[1], fds[2] };

		return expect_refusal(&h, hello_len(&h), f, 3, "claims");
	}
	if (!strcmp(case_name, "big")) {
		h.h.mem_size = 1ull << 40;
		return expect_refusal(&h, hello_len(&h), fds, 3, "memory size");
	}
	if (!strcmp(case_name, "unaligned")) {
		h.h.mem_size = MEM - 100;
		return expect_refusal(&h, hello_len(&h), fds, 3, "memory size");
	}
	if (!strcmp(case_name, "unterminated")) {
		memset(h.fs.disk, 'A', sizeof(h.fs.disk));
		return expect_refusal(&h, hello_len(&h), fds, 3, "disk");
	}
	if (!strcmp(case_name, "placement")) {
		h.fs.placement = 7;
		return expect_refusal(&h, hello_len(&h), fds, 3, "placement");
	}
	if (!strcmp(case_name, "absdisk")) {
		snprintf(h.fs.disk, sizeof(h.fs.disk), "/etc/passwd:ro");
		return expect_refusal(&h, hello_len(&h), fds, 3, "relative");
	}
	if (!strcmp(case_name, "dotdisk")) {
		snprintf(h.fs.disk, sizeof(h.fs.disk), "sub/../../img:cow");
		return expect_refusal(&h, hello_len(&h), fds, 3, "relative");
	}
	if (!strcmp(case_name, "symdisk")) { /* DISK is a symlink leading out of the root */
		return expect_refusal(&h, hello_len(&h), fds, 3, NULL);
	}
	if (!strcmp(case_name, "dotvolume") || !strcmp(case_name, "absvolume") ||
	    !strcmp(case_name, "symvolume")) {
		h.fs.disk[0] = '\0';
		h.fs.nvolumes = 1;
		snprintf(h.fs.volumes[0].hostdir, sizeof(h.fs.volumes[0].hostdir), "%s",
		         case_name[0] == 'd'   ? "../"
		         : case_name[0] == 'a' ? "/etc"
		                               : disk);
		snprintf(h.fs.volumes[0].at, sizeof(h.fs.volumes[0].at), "/mnt");
		return expect_refusal(&h, hello_len(&h), fds, 3, "volume");
	}
	if (!strcmp(case_name, "volumejunk")) {
		h.fs.volumes[3].readonly = 1; /* an unused entry that is not zero */
		return expect_refusal(&h, hello_len(&h), fds, 3, "volume");
	}
	if (!strcmp(case_name, "noring")) {
		int f[3] = { make_ram(MEM, true, false), fds[1], fds[2] };

		return expect_refusal(&h, hello_len(&h), f, 3, "ring");
	}
	if (!strcmp(case_name, "fake-die") || !strcmp(case_name, "fake-garbage"))
		return fake_server(case_name[5] == 'd');
	if (!strcmp(case_name, "ringfuzz"))
		return ring_fuzz();
	if (!strcmp(case_name, "noread"))
		return no_read();
	if (!strcmp(case_name, "drain"))
		return drain_kick();
	if (!strcmp(case_name, "silent"))
		return silent();
	if (!strcmp(case_name, "chatter"))
		return chatter();
	if (!strcmp(case_name, "shrink"))
		return shrink();
	if (!strcmp(case_name, "stats"))
		return stats();
	if (!strcmp(case_name, "load-ok"))
		return load_answered("/sub/prog", NANVIX_FS_ROOT, 0);
	if (!strcmp(case_name, "load-relative")) /* relative to the root handle */
		return load_answered("sub/prog", NANVIX_FS_ROOT, 0);
	if (!strcmp(case_name, "load-missing"))
		return load_answered("/no/such/file", NANVIX_FS_ROOT, -ENOENT);
	if (!strcmp(case_name, "load-dir"))
		return load_answered("/sub", NANVIX_FS_ROOT, -EACCES);
	if (!strcmp(case_name, "load-badcwd"))
		return load_answered("prog", 0xdeadbeefull, -EBADF);
	if (!strcmp(case_name, "load-noexec"))
		return load_answered("/sub/greeting.txt", NANVIX_FS_ROOT, -EACCES);
	if (!strcmp(case_name, "load-early")) { /* a load where the hello belongs */
		struct mksrv_load *q = malloc(sizeof(*q));

		load_init(q, NANVIX_FS_ROOT, "/sub/prog");
		return expect_refusal(q, sizeof(*q), fds, 3, "protocol mismatch");
	}
	if (!strncmp(case_name, "load-", 5))
		return load_bad(case_name + 5);
	if (!strcmp(case_name, "hold")) {
		int n = disk ? atoi(disk) : 1;

		disk = NULL;
		return hold(n);
	}
	if (!strcmp(case_name, "full")) {
		hello_init(&h);
		return expect_refusal(&h, hello_len(&h), fds, 3, "full");
	}
	fprintf(stderr, "mk_hostile: unknown case '%s'\n", case_name);
	return 2;
}
