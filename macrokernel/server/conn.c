/* One connection of bin/macrokernel: a VM's hello, attachment, kick loop and cleanup. */
/*
 * Each accepted connection gets a detached thread that owns everything of
 * its VM: the socket, the guest RAM mapping (from the client's memfd), the
 * kick eventfd and the struct mk_vm.  The thread never blocks on its
 * client: the hello is awaited with a deadline, the socket is only read and
 * written with MSG_DONTWAIT, the kick eventfd only read with RWF_NOWAIT,
 * and the only unbounded wait is poll() on the kick eventfd and the socket.
 * When the socket reports EOF, a hang-up or an error (the client exited or
 * died), or the client breaks the protocol, the thread detaches the VM,
 * unmaps its RAM, closes every fd and exits; other VMs are not affected.
 *
 * The client is as hostile as a guest.  Its memfd is accepted only if it
 * is a tmpfs memfd sealed against shrinking (F_SEAL_SHRINK) and exactly
 * as long as claimed, so the mapping can never be truncated under the
 * server (which would SIGBUS it).  Guest memory is then reached only
 * through the checked accessors of monitor/guestmem.c, and the ring
 * through rings/ring.c, which keeps private copies of everything it
 * validated: the client may rewrite its RAM at any time.
 *
 * Requests after the hello (a load for execve, the stats) are answered in
 * the same loop, one at a time: a request must be well formed, and may
 * only come once the client has read every earlier answer (SIOCOUTQ shows
 * none still queued), so a client that never reads holds at most one
 * answer, and one loaded file, in its socket.  Answers are sent with
 * MSG_DONTWAIT like the completions.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include <mk/logline.h>
#include <mk/mk.h>
#include <netinet/in.h>
#include <netsw/policy.h>
#include <monitor/vm.h>
#include <monitor/sandbox.h>

#include "server.h"

#ifndef SYS_openat2
#define SYS_openat2 437
#endif

#define HELLO_DEADLINE_MS 5000
#define FDS_MAX           8 /* a hello carrying more has its extra fds dropped by the kernel */

struct conn {
	struct server *s;
	struct conn *next;
	unsigned long long id;
	int sock, memfd, kickfd, notifyfd;
	pid_t pid; /* the client's, for the log */
	struct vm_mem mem;
	struct mk_vm *vm;
	/* The hello, whose strings cfg points into (aligned: sections are read in place). */
	char hello[MKSRV_HELLO_MAX] __attribute__((aligned(8)));
	size_t hello_len;
	uint64_t mem_size;               /* the hello's */
	struct mk_config cfg;            /* from the hello (hello_check) */
	char volpath[MKSRV_VOLUMES][32]; /* "/proc/self/fd/N" of each volume */
	uint64_t kicks, loads;
};

void srv_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line_v("macrokernel", fmt, ap);
	va_end(ap);
}

/* Send the reply; a client that cannot take it is simply dropped later. */
static void reply(int sock, int status, enum mksrv_refusal refusal, const char *error)
{
	struct mksrv_reply r;

	memset(&r, 0, sizeof(r));
	r.magic = MKSRV_MAGIC;
	r.version = MKSRV_VERSION;
	r.status = status;
	r.refusal = refusal;
	snprintf(r.error, sizeof(r.error), "%s", error ? error : "");
	if (send(sock, &r, sizeof(r), MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
		/* the client is gone or not reading: its thread ends either way */
	}
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ll + ts.tv_nsec / 1000000;
}

/*
 * Receive the hello and its fds within the deadline.  Returns 0 with
 * c->hello (c->hello_len bytes), c->memfd and c->kickfd set; 1 when the client left without a
 * word; or -1 with a reason in err (every fd received is then closed).
 */
static int recv_hello(struct conn *c, char *err, size_t errlen)
{
	long long deadline = now_ms() + HELLO_DEADLINE_MS;
	union {
		char buf[CMSG_SPACE(sizeof(int) * FDS_MAX)];
		struct cmsghdr align;
	} ctl;
	/* One byte more than a hello: a longer message shows as too long, not cut. */
	char buf[MKSRV_HELLO_MAX + 1];
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	int fds[FDS_MAX], nfds = 0;
	ssize_t n;

	for (;;) {
		struct pollfd p = { .fd = c->sock, .events = POLLIN };
		long long left = deadline - now_ms();
		int r;

		if (left <= 0) {
			snprintf(err, errlen, "no hello within %d ms", HELLO_DEADLINE_MS);
			return -1;
		}
		r = poll(&p, 1, (int)left);
		if (r < 0 && errno != EINTR) {
			snprintf(err, errlen, "poll: %s", strerror(errno));
			return -1;
		}
		if (r <= 0)
			continue;
		msg.msg_control = ctl.buf;
		msg.msg_controllen = sizeof(ctl.buf);
		msg.msg_flags = 0;
		n = recvmsg(c->sock, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		break;
	}
	if (n < 0) {
		snprintf(err, errlen, "recvmsg: %s", strerror(errno));
		return -1;
	}
	/* Collect every fd that arrived, whatever else is wrong, to close them. */
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		for (size_t i = 0; i < (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
			if (nfds < FDS_MAX)
				fds[nfds++] = fd;
			else
				close(fd);
		}
	}
	if (n == 0) { /* the client left (or sent an empty message: the same to us) */
		for (int i = 0; i < nfds; i++)
			close(fds[i]);
		return 1;
	}
	if ((size_t)n < sizeof(struct mksrv_hello) || (size_t)n > MKSRV_HELLO_MAX ||
	    (msg.msg_flags & MSG_TRUNC)) {
		snprintf(err, errlen, "bad hello: %zd bytes, expected %zu to %u", n,
		         sizeof(struct mksrv_hello), MKSRV_HELLO_MAX);
		goto fail;
	}
	if (nfds != MKSRV_HELLO_FDS || (msg.msg_flags & MSG_CTRUNC)) {
		snprintf(err, errlen,
		         "bad hello: %d fds%s, expected %d (memfd, kick and notify eventfds)", nfds,
		         (msg.msg_flags & MSG_CTRUNC) ? " or more" : "", MKSRV_HELLO_FDS);
		goto fail;
	}
	memcpy(c->hello, buf, (size_t)n);
	c->hello_len = (size_t)n;
	c->memfd = fds[MKSRV_FD_MEM];
	c->kickfd = fds[MKSRV_FD_KICK];
	c->notifyfd = fds[MKSRV_FD_NOTIFY];
	/* The server writes it and must never block on it. */
	fcntl(c->notifyfd, F_SETFL, fcntl(c->notifyfd, F_GETFL) | O_NONBLOCK);
	return 0;
fail:
	for (int i = 0; i < nfds; i++)
		close(fds[i]);
	return -1;
}

/* The memfd: tmpfs, sealed against shrinking, exactly mem_size long; then map it. */
static int map_ram(struct conn *c, char *err, size_t errlen)
{
	uint64_t size = c->mem_size;
	struct statfs sfs;
	struct stat st;
	int seals;
	void *p;

	if (fstat(c->memfd, &st) < 0 || !S_ISREG(st.st_mode) || fstatfs(c->memfd, &sfs) < 0 ||
	    sfs.f_type != TMPFS_MAGIC) {
		snprintf(err, errlen, "guest memory is not a memfd");
		return -1;
	}
	seals = fcntl(c->memfd, F_GET_SEALS);
	if (seals < 0 || !(seals & F_SEAL_SHRINK)) {
		snprintf(err, errlen,
		         "guest memfd is not sealed against shrinking (F_SEAL_SHRINK)");
		return -1;
	}
	/* Checked after the seal: from here on the file cannot get shorter. */
	if (fstat(c->memfd, &st) < 0 || (uint64_t)st.st_size != size) {
		snprintf(err, errlen, "guest memfd holds %lld bytes, the hello claims %llu",
		         (long long)st.st_size, (unsigned long long)size);
		return -1;
	}
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, c->memfd, 0);
	if (p == MAP_FAILED) {
		snprintf(err, errlen, "cannot map guest memory: %s", strerror(errno));
		return -1;
	}
	c->mem.base = p;
	c->mem.size = size;
	return 0;
}

static int check_eventfd(int fd, const char *what, char *err, size_t errlen)
{
	char path[64], link[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0 || (link[n] = '\0', strcmp(link, "anon_inode:[eventfd]") != 0)) {
		snprintf(err, errlen, "the %s fd is not an eventfd", what);
		return -1;
	}
	return 0;
}

/*
 * A volume's host directory (or file): strictly beneath the root, reached
 * without symlinks, opened here once.  The fs service is handed that very
 * directory as "/proc/self/fd/N" (a magic link it opens again), never the
 * path: a client that swaps a component for a symlink between our check and
 * the service's open must not get a directory outside the root.  Returns 0
 * with *fd open (the caller closes it after the attach), or a negative errno.
 */
static int volume_open(struct conn *c, int i, int *fd, char *err, size_t errlen)
{
	const char *rel = c->cfg.volumes[i].hostdir;
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	struct stat st;

	*fd = (int)syscall(SYS_openat2, c->s->rootfd, rel, &how, sizeof(how));
	if (*fd < 0) {
		int e = errno;

		snprintf(err, errlen, "volume '%s': %s", rel,
		         e == EXDEV || e == ELOOP ? "leaves the macro-kernel's root" : strerror(e));
		return e == ENOENT ? -ENOENT : -EINVAL;
	}
	if (fstat(*fd, &st) || !(S_ISDIR(st.st_mode) || S_ISREG(st.st_mode))) {
		snprintf(err, errlen, "volume '%s': not a directory or a regular file", rel);
		close(*fd);
		*fd = -1;
		return -EINVAL;
	}
	snprintf(c->volpath[i], sizeof(c->volpath[i]), "/proc/self/fd/%d", *fd);
	return 0;
}

/* Attach the VM described by the hello.  Returns 0 or a negative errno with err set. */
static int attach(struct conn *c, char *err, size_t errlen)
{
	int volfd[MKSRV_VOLUMES], nvol = 0, rc = 0;
	struct mk_config cfg = c->cfg; /* the hello's, volumes replaced by what we opened */

	cfg.notify_fd = c->notifyfd;
	for (; nvol < cfg.nvolumes; nvol++) {
		rc = volume_open(c, nvol, &volfd[nvol], err, errlen);
		if (rc)
			break;
		cfg.volumes[nvol].hostdir = c->volpath[nvol];
	}
	if (!rc)
		rc = mk_vm_attach(&c->vm, &(struct mk_host){ .blk = c->s->sw, .net = c->s->net },
		                  &c->mem, &cfg, err, errlen);
	/* The service holds its own descriptors of the volumes now. */
	while (nvol-- > 0)
		close(volfd[nvol]);
	return rc;
}

/* Serve one kick: consume the eventfd, serve the ring, answer.  0, or -1 to end. */
static int serve_kick(struct conn *c, const char **why)
{
	struct mksrv_done d = { .magic = MKSRV_MAGIC, .type = MKSRV_DONE };
	uint64_t v;
	struct iovec iov = { &v, sizeof(v) };

	/* RWF_NOWAIT: the client shares the eventfd and may have drained it. */
	if (preadv2(c->kickfd, &iov, 1, -1, RWF_NOWAIT) != sizeof(v)) {
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		*why = "cannot read the kick eventfd";
		return -1;
	}
	mk_vm_kick(c->vm);
	d.kicks = ++c->kicks;
	if (send(c->sock, &d, sizeof(d), MSG_DONTWAIT | MSG_NOSIGNAL) != sizeof(d)) {
		*why = errno == EAGAIN ? "the client does not read its completions"
		                       : "the client went away";
		return -1;
	}
	return 0;
}

/* Close every fd that came with a message; returns how many there were. */
static int drop_fds(struct msghdr *msg)
{
	int n = 0;

	for (struct cmsghdr *cm = CMSG_FIRSTHDR(msg); cm; cm = CMSG_NXTHDR(msg, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		for (size_t i = 0; i < (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
			close(fd);
			n++;
		}
	}
	return n;
}

/* Send an answer, with `fd` attached unless it is -1.  0, or -1 with *why set. */
static int answer(struct conn *c, const void *a, size_t len, int fd, const char **why)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { (void *)a, len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (fd >= 0) {
		struct cmsghdr *cm;

		memset(&ctl, 0, sizeof(ctl));
		msg.msg_control = ctl.buf;
		msg.msg_controllen = sizeof(ctl.buf);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	if (sendmsg(c->sock, &msg, MSG_DONTWAIT | MSG_NOSIGNAL) != (ssize_t)len) {
		*why = errno == EAGAIN ? "the client does not read its answers"
		                       : "the client went away";
		return -1;
	}
	return 0;
}

/*
 * The file's bytes in a new memfd sealed against any change (proto.h).
 * Returns the fd, or a negative errno.
 */
static int sealed_copy(const void *buf, size_t len)
{
	int fd = memfd_create("nanvix-load", MFD_CLOEXEC | MFD_ALLOW_SEALING), e;
	size_t done = 0;

	if (fd < 0)
		return -errno;
	while (done < len) {
		ssize_t n = write(fd, (const char *)buf + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto fail;
		done += (size_t)n;
	}
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL) < 0)
		goto fail;
	return fd;
fail:
	e = errno ? errno : EIO;
	close(fd);
	return -e;
}

/* A load: read the file from the VM's file system and answer with it. */
static int serve_load(struct conn *c, const struct mksrv_load *q, const char **why)
{
	struct mksrv_load_reply r = { .magic = MKSRV_MAGIC, .type = MKSRV_LOAD };
	void *buf = NULL;
	size_t len = 0;
	int fd = -1, rc;

	/* Check: a path terminated within its array and not empty; the handle is the service's. */
	if (!memchr(q->path, '\0', sizeof(q->path)) || !q->path[0]) {
		*why = "the client sent a load without a path";
		return -1;
	}
	rc = mk_vm_load_file(c->vm, q->cwd, q->path, &buf, &len);
	if (!rc && len > MKSRV_LOAD_MAX)
		rc = -EFBIG;
	if (!rc) {
		fd = sealed_copy(buf, len);
		rc = fd < 0 ? fd : 0;
	}
	free(buf);
	r.status = rc;
	r.size = rc ? 0 : len;
	rc = answer(c, &r, sizeof(r), fd, why);
	if (fd >= 0)
		close(fd);
	c->loads++;
	return rc;
}

/* A published port for the VM: checked, then bound by the tenant's uplink. */
static int serve_publish(struct conn *c, const struct mksrv_publish *q, const char **why)
{
	struct mksrv_publish_reply r = { .magic = MKSRV_MAGIC, .type = MKSRV_PUBLISH };
	struct netsw_publish pub = { .proto = (uint8_t)q->proto,
		                     .host_addr = q->host_addr,
		                     .host_port = q->host_port,
		                     .guest_port = q->guest_port };

	if ((q->proto != IPPROTO_TCP && q->proto != IPPROTO_UDP) || !q->host_port ||
	    !q->guest_port || q->reserved) {
		*why = "the client sent a malformed request";
		return -1;
	}
	r.status = mk_vm_net_publish(c->vm, &pub, r.error, sizeof(r.error));
	if (r.status == 0)
		r.error[0] = '\0';
	if (send(c->sock, &r, sizeof(r), MSG_DONTWAIT | MSG_NOSIGNAL) != sizeof(r)) {
		*why = "the client does not read its answers";
		return -1;
	}
	return 0;
}

static int serve_stats(struct conn *c, const char **why)
{
	struct mksrv_stats a = { .magic = MKSRV_MAGIC, .type = MKSRV_STATS };
	struct mk_stats st;

	mk_vm_stats(c->vm, &st);
	a.kicks = st.kicks, a.served = st.served, a.malformed = st.malformed;
	a.fs_calls = st.fs_calls, a.fs_errors = st.fs_errors;
	a.blk_reads = st.blk_reads, a.blk_writes = st.blk_writes, a.blk_flushes = st.blk_flushes;
	return answer(c, &a, sizeof(a), -1, why);
}

/*
 * One message from the client after its hello: check it, then serve it.
 * Returns 0, or -1 with *why set to end the connection.
 */
static int serve_request(struct conn *c, const char **why)
{
	union {
		struct mksrv_load load;
		struct mksrv_stats_req stats;
		struct mksrv_publish publish;
		char raw[sizeof(struct mksrv_load) + 1]; /* a longer message shows as too long */
	} m;
	union {
		char buf[CMSG_SPACE(sizeof(int) * FDS_MAX)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { &m, sizeof(m) };
	struct msghdr msg = { .msg_iov = &iov,
		              .msg_iovlen = 1,
		              .msg_control = ctl.buf,
		              .msg_controllen = sizeof(ctl.buf) };
	uint32_t hdr[2];
	ssize_t n = recvmsg(c->sock, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	int queued = 0;

	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		*why = "the client went away";
		return -1;
	}
	if (drop_fds(&msg) > 0 || (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
		*why = "the client sent a malformed request";
		return -1;
	}
	if (n == 0) {
		*why = "the client went away";
		return -1;
	}
	if ((size_t)n < sizeof(hdr)) {
		*why = "the client sent a malformed request";
		return -1;
	}
	memcpy(hdr, &m, sizeof(hdr));
	if (hdr[0] != MKSRV_MAGIC ||
	    !((hdr[1] == MKSRV_LOAD && (size_t)n == sizeof(m.load)) ||
	      (hdr[1] == MKSRV_STATS && (size_t)n == sizeof(m.stats)) ||
	      (hdr[1] == MKSRV_PUBLISH && (size_t)n == sizeof(m.publish)))) {
		*why = "the client sent a malformed request";
		return -1;
	}
	/* One answer at a time: everything sent before must have been read. */
	if (ioctl(c->sock, SIOCOUTQ, &queued) < 0 || queued > 0) {
		*why = "the client sent a request before reading an answer";
		return -1;
	}
	if (hdr[1] == MKSRV_PUBLISH)
		return serve_publish(c, &m.publish, why);
	return hdr[1] == MKSRV_LOAD ? serve_load(c, &m.load, why) : serve_stats(c, why);
}

/* The attached VM's loop: returns why it ended. */
static const char *serve(struct conn *c)
{
	const char *why = NULL;

	while (!why) {
		struct pollfd p[2] = {
			{ .fd = c->kickfd, .events = POLLIN },
			{ .fd = c->sock, .events = POLLIN },
		};

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return "poll failed";
		}
		/* Messages still queued are read first: a hang-up after a request is not lost. */
		if (p[1].revents & POLLIN) {
			if (serve_request(c, &why) < 0)
				return why;
		} else if (p[1].revents & (POLLHUP | POLLERR | POLLNVAL)) {
			return "the client went away";
		}
		if (p[0].revents & (POLLERR | POLLNVAL))
			return "the kick eventfd failed";
		if (p[0].revents & POLLIN)
			serve_kick(c, &why);
	}
	return why;
}

static void conn_free(struct conn *c)
{
	struct server *s = c->s;

	mk_vm_detach(c->vm);
	if (c->mem.base)
		munmap(c->mem.base, c->mem.size);
	if (c->memfd >= 0)
		close(c->memfd);
	if (c->kickfd >= 0)
		close(c->kickfd);
	if (c->notifyfd >= 0)
		close(c->notifyfd);
	/* Leave the list before closing the socket: conn_stop_all shuts down listed sockets. */
	pthread_mutex_lock(&s->lock);
	for (struct conn **pp = &s->conns; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	s->nconns--;
	pthread_cond_broadcast(&s->idle);
	pthread_mutex_unlock(&s->lock);
	close(c->sock);
	free(c);
}

/* The enum mk_fs_placement and mk_net_placement values share their names. */
static const char *placement_name(int p)
{
	return p == 1 ? "host" : p == 2 ? "guest" : "none";
}

static void *conn_thread(void *arg)
{
	struct conn *c = arg;
	struct server *s = c->s;
	char err[MKSRV_ERR_MAX];
	const char *why;
	int rc;

	/* Before anything the client sent is read: this thread's own list. */
	if (s->sandboxed && sandbox_thread(SANDBOX_MK_VM, err, sizeof(err)) < 0) {
		srv_log("vm %llu (pid %d): %s", c->id, (int)c->pid, err);
		reply(c->sock, -EPERM, MKSRV_REFUSED_SERVER,
		      "the macro-kernel cannot confine this VM's thread");
		goto out;
	}
	rc = recv_hello(c, err, sizeof(err));
	if (rc) {
		if (rc < 0) {
			reply(c->sock, -EPROTO, MKSRV_REFUSED_SERVER, err);
			if (s->verbose)
				srv_log("vm %llu (pid %d) refused: %s", c->id, (int)c->pid, err);
		}
		goto out;
	}
	rc = hello_check(c->hello, c->hello_len, &c->cfg, err, sizeof(err));
	if (!rc) {
		struct mksrv_hello h;

		memcpy(&h, c->hello, sizeof(h));
		c->mem_size = h.mem_size;
	}
	if (!rc && (check_eventfd(c->kickfd, "kick", err, sizeof(err)) ||
	            check_eventfd(c->notifyfd, "notify", err, sizeof(err))))
		rc = -EPROTO;
	if (!rc && map_ram(c, err, sizeof(err)))
		rc = -EPROTO;
	if (!rc)
		rc = attach(c, err, sizeof(err));
	if (rc) {
		reply(c->sock, rc, rc == -EPROTO ? MKSRV_REFUSED_SERVER : MKSRV_REFUSED_CONFIG,
		      err);
		if (s->verbose)
			srv_log("vm %llu (pid %d) refused: %s", c->id, (int)c->pid, err);
		goto out;
	}
	reply(c->sock, 0, MKSRV_OK, NULL);
	if (s->verbose)
		srv_log("vm %llu (pid %d) attached: %llu MiB, fs %s, disk %s, %d volume(s), net %s",
		        c->id, (int)c->pid, (unsigned long long)(c->mem.size >> 20),
		        placement_name((int)c->cfg.fs), c->cfg.disk ? c->cfg.disk : "-",
		        c->cfg.nvolumes, placement_name((int)c->cfg.net));
	why = serve(c);
	if (s->verbose) {
		struct mk_stats st;

		mk_vm_stats(c->vm, &st);
		srv_log("vm %llu (pid %d) detached: %s (kicks %llu, served %llu, malformed %llu, "
		        "loads %llu)",
		        c->id, (int)c->pid, why, (unsigned long long)st.kicks,
		        (unsigned long long)st.served, (unsigned long long)st.malformed,
		        (unsigned long long)c->loads);
	}
out:
	conn_free(c);
	return NULL;
}

/* Refuse a connection: answer, drop its pending hello so the reply is not reset, close. */
static void refuse(int fd, const char *error)
{
	char b;

	reply(fd, -EBUSY, MKSRV_REFUSED_SERVER, error);
	while (recv(fd, &b, 1, MSG_DONTWAIT | MSG_TRUNC) > 0)
		;
	close(fd);
}

void conn_start(struct server *s, int fd)
{
	struct conn *c;
	pthread_attr_t attr;
	struct ucred cred;
	socklen_t len = sizeof(cred);
	pthread_t t;
	int rc;

	pthread_mutex_lock(&s->lock);
	if (s->stopping || s->nconns >= s->max_vms) {
		unsigned max = s->max_vms;
		bool stopping = s->stopping;

		pthread_mutex_unlock(&s->lock);
		if (stopping) {
			refuse(fd, "the macro-kernel is shutting down");
		} else {
			char msg[96];

			snprintf(msg, sizeof(msg), "the macro-kernel is full (%u VMs, --max-vms)",
			         max);
			refuse(fd, msg);
			if (s->verbose)
				srv_log("refused a VM: full (%u VMs)", max);
		}
		return;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		pthread_mutex_unlock(&s->lock);
		refuse(fd, "the macro-kernel is out of memory");
		return;
	}
	c->s = s;
	c->sock = fd;
	c->memfd = c->kickfd = c->notifyfd = -1;
	c->id = ++s->next_id;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0)
		c->pid = cred.pid;
	c->next = s->conns;
	s->conns = c;
	s->nconns++;
	pthread_mutex_unlock(&s->lock);

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&t, &attr, conn_thread, c);
	pthread_attr_destroy(&attr);
	if (rc) {
		srv_log("cannot start a VM thread: %s", strerror(rc));
		reply(fd, -rc, MKSRV_REFUSED_SERVER, "the macro-kernel cannot start a thread");
		conn_free(c);
	}
}

void conn_stop_all(struct server *s, int secs)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += secs;
	pthread_mutex_lock(&s->lock);
	s->stopping = true;
	/* A listed connection's socket is still open: its thread closes it after unlisting. */
	for (struct conn *c = s->conns; c; c = c->next)
		shutdown(c->sock, SHUT_RDWR);
	while (s->nconns > 0)
		if (pthread_cond_timedwait(&s->idle, &s->lock, &until) == ETIMEDOUT)
			break;
	pthread_mutex_unlock(&s->lock);
}
