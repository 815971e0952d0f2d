/* nanvixd's client of the shared macro-kernel (bin/macrokernel, server/proto.h). */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <monitor/client.h>
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
	cl->sock = cl->kick = -1;
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
		if (n == sizeof(d) && d.magic == MKSRV_MAGIC) {
			cl->kicks++;
			return 0;
		}
		if (n > 0)
			vm_error("the macro-kernel sent a malformed completion");
		else
			vm_error("the macro-kernel went away");
		return NANVIXD_EXIT_HOST;
	}
}

/* Copy a string into a fixed hello field; -1 when it does not fit. */
static int hello_str(char *dst, size_t len, const char *src)
{
	if (strlen(src) >= len)
		return -1;
	strcpy(dst, src);
	return 0;
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

int mk_client_attach(struct mk_client *cl, struct vm *vm, const char *sockpath,
                     const struct mk_config *cfg)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct mksrv_hello h;
	struct mksrv_reply r;
	union {
		char buf[CMSG_SPACE(sizeof(int) * MKSRV_HELLO_FDS)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { &h, sizeof(h) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;
	int fds[MKSRV_HELLO_FDS];

	memset(&h, 0, sizeof(h));
	h.magic = MKSRV_MAGIC;
	h.version = MKSRV_VERSION;
	h.mem_size = vm->mem.size;
	h.fs = (uint32_t)cfg->fs;
	h.nvolumes = (uint32_t)cfg->nvolumes;
	if (cfg->disk && hello_str(h.disk, sizeof(h.disk), cfg->disk))
		return usage_error("disk '%s': path too long for the macro-kernel", cfg->disk);
	for (int i = 0; i < cfg->nvolumes; i++) {
		const struct mk_volume *v = &cfg->volumes[i];

		if (hello_str(h.volumes[i].hostdir, sizeof(h.volumes[i].hostdir), v->hostdir) ||
		    hello_str(h.volumes[i].at, sizeof(h.volumes[i].at), v->at))
			return usage_error("volume '%s': path too long for the macro-kernel",
			                   v->hostdir);
		h.volumes[i].readonly = v->readonly;
	}
	if (strlen(sockpath) >= sizeof(sa.sun_path))
		return usage_error("macro-kernel socket path '%s' is too long", sockpath);
	strcpy(sa.sun_path, sockpath);

	cl->path = sockpath;
	cl->timed_out = vm->timed_out;
	cl->sock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	cl->kick = eventfd(0, EFD_CLOEXEC);
	if (cl->sock < 0 || cl->kick < 0) {
		vm_error("cannot make the macro-kernel connection: %s", strerror(errno));
		return NANVIXD_EXIT_HOST;
	}
	if (connect(cl->sock, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		vm_error("cannot reach the macro-kernel at '%s': %s", cl->path, strerror(errno));
		return NANVIXD_EXIT_HOST;
	}
	fds[MKSRV_FD_MEM] = vm->ram_fd;
	fds[MKSRV_FD_KICK] = cl->kick;
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
	return 0;
}

void mk_client_close(struct mk_client *cl)
{
	if (cl->sock >= 0)
		close(cl->sock);
	if (cl->kick >= 0)
		close(cl->kick);
	cl->sock = cl->kick = -1;
}
