/* nanvixd's client of the shared macro-kernel (bin/macrokernel, server/proto.h). */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <mk/service.h>
#include <monitor/client.h>
#include <netsw/policy.h>
#include <server/proto.h>

/* As nanvixd's own command-line errors: the hello cannot carry this configuration. */
static int usage_error(const char *fmt, const char *arg)
{
	fputs("nanvixd: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs("\nTry 'nanvixd --help' for more information.\n", stderr);
	return NANVIXD_EXIT_USAGE;
}

void mk_client_init(struct mk_client *cl)
{
	memset(cl, 0, sizeof(*cl));
	cl->sock = cl->kick = cl->notify = -1;
}

/*
 * The doorbell, shared: kick the server's thread for this VM and wait for
 * its completion on the socket.  The vCPU stays out of KVM_RUN meanwhile,
 * as with the embedded macro-kernel.  Returns 0 or a nanvixd status.
 */
static int client_kick(void *ctx)
{
	struct mk_client *cl = ctx;
	struct mksrv_done d;
	uint64_t one = 1;

	cl->pending = true;
	if (write(cl->kick, &one, sizeof(one)) != sizeof(one)) {
		vm_error("cannot kick the macro-kernel: %s", strerror(errno));
		return NANVIXD_EXIT_HOST;
	}
	for (;;) {
		struct pollfd p = { .fd = cl->sock, .events = POLLIN };
		ssize_t n;

		/* The preemption tick and --timeout interrupt the wait (no SA_RESTART). */
		if (poll(&p, 1, -1) < 0) {
			if (errno != EINTR) {
				vm_error("poll: %s", strerror(errno));
				return NANVIXD_EXIT_HOST;
			}
			if (*cl->timed_out)
				return NANVIXD_EXIT_TIMEOUT;
			continue;
		}
		n = recv(cl->sock, &d, sizeof(d), MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n == sizeof(d) && d.magic == MKSRV_MAGIC && d.type == MKSRV_DONE) {
			cl->kicks++;
			cl->pending = false;
			return 0;
		}
		if (n > 0)
			vm_error("the macro-kernel sent a malformed completion");
		else
			vm_error("the macro-kernel went away");
		return NANVIXD_EXIT_HOST;
	}
}

/*
 * Receive the server's reply to the hello, waiting at most 10 s.  A server
 * that refused at once may have reset the connection before reading our
 * hello: its reply is still queued, so ECONNRESET is retried once.
 */
static int client_reply(struct mk_client *cl, struct mksrv_reply *r)
{
	struct pollfd p = { .fd = cl->sock, .events = POLLIN };
	ssize_t n = -1;

	for (int tries = 0; tries < 2; tries++) {
		if (poll(&p, 1, 10000) == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		n = recv(cl->sock, r, sizeof(*r), MSG_DONTWAIT);
		if (n >= 0 || errno != ECONNRESET)
			break;
	}
	if (n < 0)
		return -1;
	if (n != sizeof(*r) || r->magic != MKSRV_MAGIC) {
		errno = n == 0 ? ECONNRESET : EPROTO;
		return -1;
	}
	r->error[sizeof(r->error) - 1] = '\0';
	return 0;
}

/*
 * NANVIX_HC_SLEEP with a network in the shared macro-kernel: wait on the
 * notify eventfd (the server writes it when the VM's socket readiness
 * changed) for at most ns.  1 when it fired, 0 after ns, -EINTR.
 */
static int client_idle(void *ctx, uint64_t ns)
{
	struct mk_client *cl = ctx;
	struct pollfd p = { .fd = cl->notify, .events = POLLIN };
	struct timespec ts = { (time_t)(ns / 1000000000ull), (long)(ns % 1000000000ull) };
	uint64_t v;
	int rc = ppoll(&p, 1, &ts, NULL);

	if (rc < 0)
		return errno == EINTR ? -EINTR : 0;
	if (rc == 0)
		return 0;
	if (read(cl->notify, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return 0;
	return 1;
}

int mk_client_attach(struct mk_client *cl, struct vm *vm, const char *sockpath,
                     const struct mk_config *cfg)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	/* The header, then each component's section (mk_hello_put). */
	uint64_t hello_buf[MKSRV_HELLO_MAX / 8]; /* 16 KiB */
	char *hello = (char *)hello_buf;
	struct mksrv_hello h = { .magic = MKSRV_MAGIC,
		                 .version = MKSRV_VERSION,
		                 .mem_size = vm->mem.size };
	struct mksrv_reply r;
	union {
		char buf[CMSG_SPACE(sizeof(int) * MKSRV_HELLO_FDS)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { hello, 0 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;
	int fds[MKSRV_HELLO_FDS];
	char err[256];
	long len = mk_hello_put(cfg, hello + sizeof(h), sizeof(hello_buf) - sizeof(h), &h.nsections,
	                        err, sizeof(err));

	if (len < 0)
		return usage_error("%s", err);
	memcpy(hello, &h, sizeof(h));
	iov.iov_len = sizeof(h) + (size_t)len;
	if (strlen(sockpath) >= sizeof(sa.sun_path))
		return usage_error("macro-kernel socket path '%s' is too long", sockpath);
	strcpy(sa.sun_path, sockpath);

	cl->path = sockpath;
	cl->timed_out = &vm->timers[VM_TIMER_DEADLINE].fired;
	cl->sock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	cl->kick = eventfd(0, EFD_CLOEXEC);
	cl->notify = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (cl->sock < 0 || cl->kick < 0 || cl->notify < 0) {
		vm_error("cannot make the macro-kernel connection: %s", strerror(errno));
		return NANVIXD_EXIT_HOST;
	}
	if (connect(cl->sock, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		vm_error("cannot reach the macro-kernel at '%s': %s", cl->path, strerror(errno));
		return NANVIXD_EXIT_HOST;
	}
	fds[MKSRV_FD_MEM] = vm->ram_fd;
	fds[MKSRV_FD_KICK] = cl->kick;
	fds[MKSRV_FD_NOTIFY] = cl->notify;
	msg.msg_control = ctl.buf;
	msg.msg_controllen = sizeof(ctl.buf);
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(fds));
	memcpy(CMSG_DATA(cm), fds, sizeof(fds));
	/* A send refused because the server already closed still leaves its reply to read. */
	if (sendmsg(cl->sock, &msg, MSG_NOSIGNAL) < 0 && errno != EPIPE && errno != ECONNRESET) {
		vm_error("cannot talk to the macro-kernel at '%s': %s", cl->path, strerror(errno));
		return NANVIXD_EXIT_HOST;
	}
	if (client_reply(cl, &r) < 0) {
		vm_error("no answer from the macro-kernel at '%s': %s", cl->path, strerror(errno));
		return NANVIXD_EXIT_HOST;
	}
	if (r.status != 0) {
		if (r.refusal == MKSRV_REFUSED_CONFIG) {
			vm_error("%s", r.error);
			return r.status == -ENOENT ? NANVIXD_EXIT_NOTFOUND : NANVIXD_EXIT_USAGE;
		}
		vm_error("the macro-kernel at '%s' refused the VM: %s", cl->path, r.error);
		return NANVIXD_EXIT_HOST;
	}
	vm->ring_kick = client_kick;
	vm->ring_ctx = cl;
	vm->load_file = mk_client_load_file;
	if (cfg->net != MK_NET_NONE)
		vm->idle = client_idle;
	return 0;
}

/*
 * Wait until the socket is readable, at most `ms` (-1: no limit; the
 * preemption tick and --timeout interrupt the wait).  0, or -1 with errno
 * set (ETIMEDOUT, EINTR on --timeout).
 */
static int wait_answer(struct mk_client *cl, int ms)
{
	struct pollfd p = { .fd = cl->sock, .events = POLLIN };

	for (;;) {
		int r = poll(&p, 1, ms);

		if (r > 0)
			return 0;
		if (r == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (errno != EINTR)
			return -1;
		if (*cl->timed_out)
			return -1;
	}
}

/* Send a request (server/proto.h): 0, or -1 with errno set.  Never blocks. */
static int request(struct mk_client *cl, const void *q, size_t len)
{
	if (send(cl->sock, q, len, MSG_DONTWAIT | MSG_NOSIGNAL) != (ssize_t)len)
		return -1;
	return 0;
}

/*
 * Receive the answer to a load, checked: one message of the right size,
 * magic and type; with status 0, exactly one fd and a size within bounds;
 * otherwise an errno and no fd.  Returns 0 with *r and *fd (-1 without
 * one), or -1 after printing why (every fd received closed).
 */
static int recv_load(struct mk_client *cl, struct mksrv_load_reply *r, int *fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * 4)];
		struct cmsghdr align;
	} ctl;
	char raw[sizeof(*r) + 1]; /* a longer answer shows as too long */
	struct iovec iov = { raw, sizeof(raw) };
	struct msghdr msg = { .msg_iov = &iov,
		              .msg_iovlen = 1,
		              .msg_control = ctl.buf,
		              .msg_controllen = sizeof(ctl.buf) };
	int fds[4], nfds = 0;
	ssize_t n;

	*fd = -1;
	do
		n = recvmsg(cl->sock, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n <= 0) {
		vm_error("the macro-kernel went away");
		return -1;
	}
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		for (size_t i = 0; i < (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++) {
			int f;

			memcpy(&f, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
			if (nfds < 4)
				fds[nfds++] = f;
			else
				close(f);
		}
	}
	memcpy(r, raw, sizeof(*r));
	if ((size_t)n != sizeof(*r) || (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ||
	    r->magic != MKSRV_MAGIC || r->type != MKSRV_LOAD || r->reserved != 0 ||
	    (r->status == 0 && (nfds != 1 || r->size == 0 || r->size > MKSRV_LOAD_MAX)) ||
	    (r->status != 0 && (nfds != 0 || r->status >= 0 || r->status < -4095 || r->size))) {
		while (nfds > 0)
			close(fds[--nfds]);
		vm_error("the macro-kernel sent a malformed answer to a load");
		return -1;
	}
	if (nfds)
		*fd = fds[0];
	return 0;
}

/* The loaded file's memfd: a sealed tmpfs file of exactly `size` bytes, read into a new buffer. */
static int read_sealed(int fd, uint64_t size, void **buf)
{
	const int want = F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK;
	struct statfs sfs;
	struct stat st;
	uint64_t done = 0;
	int seals = fcntl(fd, F_GET_SEALS);
	char *b;

	if (seals < 0 || (seals & want) != want || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size != size || fstatfs(fd, &sfs) < 0 || sfs.f_type != TMPFS_MAGIC) {
		vm_error("the macro-kernel answered a load with an fd that is not a sealed memfd "
		         "of the size it claims");
		return -EIO;
	}
	b = malloc(size);
	if (!b)
		return -ENOMEM;
	while (done < size) {
		ssize_t n = pread(fd, b + done, size - done, (off_t)done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			free(b);
			vm_error("cannot read the file the macro-kernel loaded: %s",
			         n ? strerror(errno) : "short");
			return -EIO;
		}
		done += (uint64_t)n;
	}
	*buf = b;
	return 0;
}

int mk_client_load_file(void *ctx, uint64_t cwd, const char *path, void **buf, size_t *len)
{
	struct mk_client *cl = ctx;
	struct mksrv_load q; /* 4 KiB */
	struct mksrv_load_reply r;
	size_t plen = strlen(path);
	int fd, rc;

	*buf = NULL;
	if (plen == 0)
		return -ENOENT;
	if (plen >= sizeof(q.path))
		return -ENAMETOOLONG;
	memset(&q, 0, sizeof(q));
	q.magic = MKSRV_MAGIC;
	q.type = MKSRV_LOAD;
	q.cwd = cwd;
	memcpy(q.path, path, plen);
	if (request(cl, &q, sizeof(q)) < 0) {
		vm_error("cannot ask the macro-kernel for '%s': %s", path, strerror(errno));
		return -EIO;
	}
	cl->pending = true;
	if (wait_answer(cl, -1) < 0) {
		if (errno != EINTR)
			vm_error("poll: %s", strerror(errno));
		return -EINTR;
	}
	cl->pending = false;
	if (recv_load(cl, &r, &fd) < 0)
		return -EIO;
	if (r.status)
		return r.status;
	rc = read_sealed(fd, r.size, buf);
	close(fd);
	if (rc)
		return rc;
	*len = (size_t)r.size;
	return 0;
}

int mk_client_stats(struct mk_client *cl, struct mk_stats *out)
{
	struct mksrv_stats_req q = { .magic = MKSRV_MAGIC, .type = MKSRV_STATS };
	struct mksrv_stats a;
	char raw[sizeof(a) + 1];
	ssize_t n;

	/* An answer the VM stopped waiting for (--timeout) comes first: read it and drop it. */
	if (cl->pending && wait_answer(cl, 5000) == 0) {
		char b;
		struct msghdr m = { .msg_iov = &(struct iovec){ &b, 1 }, .msg_iovlen = 1 };

		/* No room for fds: any that came are closed by the kernel. */
		if (recvmsg(cl->sock, &m, MSG_DONTWAIT | MSG_TRUNC) > 0)
			cl->pending = false;
	}
	if (request(cl, &q, sizeof(q)) < 0 || wait_answer(cl, 5000) < 0) {
		vm_error("no stats from the macro-kernel at '%s': %s", cl->path, strerror(errno));
		return -1;
	}
	n = recv(cl->sock, raw, sizeof(raw), MSG_DONTWAIT);
	memcpy(&a, raw, sizeof(a));
	if (n != sizeof(a) || a.magic != MKSRV_MAGIC || a.type != MKSRV_STATS) {
		vm_error("the macro-kernel sent malformed stats");
		return -1;
	}
	*out = (struct mk_stats){ .kicks = a.kicks,
		                  .served = a.served,
		                  .malformed = a.malformed,
		                  .fs_calls = a.fs_calls,
		                  .fs_errors = a.fs_errors,
		                  .blk_reads = a.blk_reads,
		                  .blk_writes = a.blk_writes,
		                  .blk_flushes = a.blk_flushes };
	return 0;
}

int mk_client_publish(struct mk_client *cl, const struct netsw_publish *pub)
{
	struct mksrv_publish q = { .magic = MKSRV_MAGIC,
		                   .type = MKSRV_PUBLISH,
		                   .proto = pub->proto,
		                   .host_addr = pub->host_addr,
		                   .host_port = pub->host_port,
		                   .guest_port = pub->guest_port };
	struct mksrv_publish_reply r;
	ssize_t n;

	if (request(cl, &q, sizeof(q)) < 0 || wait_answer(cl, 5000) < 0) {
		vm_error("no answer from the macro-kernel at '%s' to -p: %s", cl->path,
		         strerror(errno));
		return -1;
	}
	n = recv(cl->sock, &r, sizeof(r), MSG_DONTWAIT);
	cl->pending = false;
	if (n != sizeof(r) || r.magic != MKSRV_MAGIC || r.type != MKSRV_PUBLISH || r.status > 0 ||
	    r.status < -4095) {
		vm_error("the macro-kernel sent a malformed answer to -p");
		return -1;
	}
	if (r.status) {
		r.error[sizeof(r.error) - 1] = '\0';
		vm_error("%s", r.error[0] ? r.error : strerror(-r.status));
		return -1;
	}
	return 0;
}

void mk_client_close(struct mk_client *cl)
{
	if (cl->sock >= 0)
		close(cl->sock);
	if (cl->kick >= 0)
		close(cl->kick);
	if (cl->notify >= 0)
		close(cl->notify);
	cl->sock = cl->kick = cl->notify = -1;
}
