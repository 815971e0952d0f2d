/* Internet sockets: socket calls forwarded to the network component, readiness from it. */
/*
 * A socket is a host handle (1..NANVIX_NET_SOCKETS_MAX-1) wrapped in a
 * file.  Every call goes to the host as one NANVIX_NET_* request (or, with
 * the component placed in the VM, to its server, net/netd.c, which keeps
 * the same region through the kernel: all said of the host below holds
 * for it), and the
 * host never blocks: a call that cannot complete answers -EAGAIN (connect:
 * -EINPROGRESS).  Blocking is done here, by sleeping the calling thread on
 * the socket's key until the readiness the host keeps in the net state
 * region (revents[h]) shows what the call needs, then asking again.  The
 * host publishes changes as bits in changed[] plus `any` before it resumes
 * the vCPU; inet_events() takes them after each doorbell, idle sleep and
 * tick and wakes the sockets' waiters and every poller.  There is no lost
 * wake-up: the kernel is not preempted between a call's -EAGAIN and its
 * sched_block, and only inet_events (run by this vCPU) clears the bits.
 *
 * Nothing of the region is trusted for memory safety: a handle the host
 * returns is range-checked before it indexes anything.
 */
#include <abi/linux.h>
#include <abi/net.h>
#include <abi/ring.h>
#include <fd/file.h>
#include <hal/uaccess.h>
#include <ipc/ring.h>
#include <ipc/server.h>
#include <mm/frame.h>
#include <mm/heap.h>
#include <net/inet.h>
#include <net/netd.h>
#include <proc/proc.h>
#include <sched/sched.h>
#include <sig/signal.h>
#include <sys/syscall.h>

#define WAKE_ALL (1 << 20)

static volatile struct nanvix_net_state *state;

/* The file of each open handle (for wake-ups), NULL when free. */
static struct file *socks[NANVIX_NET_SOCKETS_MAX];
static uint32_t nsocks; /* entries of socks in use */

/* -ENFILE when the VM holds as many sockets as nanvixd --net-sockets allows, else 0. */
static long room(void)
{
	uint32_t limit = proc_limits()->sockets;

	return limit && nsocks >= limit ? -LINUX_ENFILE : 0;
}

/* What the kernel keeps of a socket (file priv). */
struct inet {
	uint32_t h;    /* host handle */
	uint32_t type; /* SOCK_STREAM or SOCK_DGRAM */
	/* SO_RCVTIMEO, SO_SNDTIMEO in ns (0: none): the kernel does the waiting. */
	uint64_t timeo[2];
};

static uint32_t handle(const struct file *f)
{
	return ((const struct inet *)f->priv)->h;
}

static uint32_t sock_type(const struct file *f)
{
	return ((const struct inet *)f->priv)->type;
}

static uint64_t wait_key(uint32_t h)
{
	return (uint64_t)&socks[h] + 1; /* odd: never a futex key */
}

/* With NANVIX_BOOT_NET_GUEST the calls go to the in-VM server (net/netd.c)
 * and the readiness comes from it; otherwise both are the host's. */
void inet_init(const struct nanvix_bootinfo *bi)
{
	uint64_t pa;

	if (!(bi->flags & NANVIX_BOOT_NET) || !ring_active())
		return;
	pa = bootinfo_ring(bi, NANVIX_RING_KIND_NET_STATE, sizeof(struct nanvix_net_state));
	if (!pa)
		return;
	state = (volatile struct nanvix_net_state *)P2V(pa);
	if (state->magic != NANVIX_NET_STATE_MAGIC || state->version != NANVIX_NET_ABI_VERSION)
		panic("net state at %#lx has magic %#x version %u", pa, state->magic,
		      state->version);
	ring_host_events = inet_events;
	if (bi->flags & NANVIX_BOOT_NET_GUEST)
		netd_init(state);
}

bool inet_active(void)
{
	return state != NULL;
}

_Static_assert(NANVIX_NET_SOCKETS_MAX / 32 <= 32, "`any` has a bit per changed[] word");

void inet_events(void)
{
	uint32_t words;

	if (!state || !state->any ||
	    !(words = __atomic_exchange_n(&state->any, 0, __ATOMIC_ACQ_REL)))
		return;
	netd_frames();
	/* Only the words `any` names: the host sets their bits after the words'. */
	while (words) {
		uint32_t i = (uint32_t)__builtin_ctz(words), w;

		words &= words - 1;
		if (i >= NANVIX_NET_SOCKETS_MAX / 32 || !state->changed[i])
			continue;
		w = __atomic_exchange_n(&state->changed[i], 0, __ATOMIC_ACQ_REL);
		while (w) {
			uint32_t h = i * 32 + (uint32_t)__builtin_ctz(w);

			w &= w - 1;
			if (socks[h]) {
				sched_wake_key(wait_key(h), WAKE_ALL);
				file_changed(socks[h], 0); /* pollers and epoll */
			}
		}
	}
}

static long call(uint16_t op, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
                 uint64_t *value)
{
	uint64_t a[5] = { a0, a1, a2, a3, a4 };

	if (server_placed(SERVER_NET))
		return server_call(SERVER_NET, op, proc_current->cr3, a, value);
	return ring_call(op, proc_current->cr3, a, value);
}

static uint32_t revents(uint32_t h)
{
	return state->revents[h];
}

/*
 * Sleep until f's socket shows one of `want` (or an error or hang-up), at
 * most its SO_RCVTIMEO (POLLIN) or SO_SNDTIMEO (POLLOUT).  0; -EAGAIN when
 * the caller must not block or the timeout passed; -EINTR on a signal
 * (not restarted under SA_RESTART when a timeout is set, as on Linux);
 * -EBADF when another thread closed the last descriptor meanwhile (f is
 * gone then).
 */
static long wait_for(struct file *f, long flags, uint32_t want)
{
	uint32_t h = handle(f);
	uint64_t timeo = ((struct inet *)f->priv)->timeo[want == LINUX_POLLOUT];
	uint64_t deadline = timeo ? clock_deadline(timeo) : 0;

	if ((f->flags & LINUX_O_NONBLOCK) || (flags & LINUX_MSG_DONTWAIT))
		return -LINUX_EAGAIN;
	while (!(revents(h) & (want | LINUX_POLLERR | LINUX_POLLHUP))) {
		/* file_block holds f: a close by another thread cannot free it
		 * under us; -EBADF when ours was the last reference. */
		long rc = file_block(f, wait_key(h), deadline);

		if (rc == -LINUX_ETIMEDOUT)
			return -LINUX_EAGAIN;
		if (rc == -LINUX_EINTR && timeo)
			thread_current->no_restart = true; /* as Linux, with a timeout */
		if (rc == -LINUX_EINTR || rc == -LINUX_EBADF)
			return rc;
	}
	return 0;
}

/* The flags a socket call forwards (the kernel does the others itself). */
static uint64_t host_flags(long flags)
{
	return (uint32_t)flags &
	       ~(uint32_t)(LINUX_MSG_DONTWAIT | LINUX_MSG_NOSIGNAL | LINUX_MSG_WAITALL);
}

/* -EPIPE from a send: SIGPIPE too, unless MSG_NOSIGNAL. */
static long sent(long rc, long flags)
{
	if (rc == -LINUX_EPIPE && !(flags & LINUX_MSG_NOSIGNAL))
		signal_send(thread_current, LINUX_SIGPIPE, true,
		            &(struct sig_info){ .code = LINUX_SI_KERNEL });
	return rc;
}

static long in_bind(struct file *f, uint64_t addr, uint64_t len)
{
	return call(NANVIX_NET_BIND, handle(f), addr, len, 0, 0, NULL);
}

static long in_listen(struct file *f, long backlog)
{
	return call(NANVIX_NET_LISTEN, handle(f), (uint64_t)backlog, 0, 0, 0, NULL);
}

static struct file *wrap(uint64_t h, uint32_t type, uint32_t flags);

static long in_accept(struct file *f, uint64_t addr, uint64_t ulen, uint32_t flags,
                      struct file **out)
{
	uint64_t nh = 0;
	long rc;

	/* Refused before the service hands a connection over: it stays queued. */
	if ((rc = room()))
		return rc;
	for (;;) {
		rc = call(NANVIX_NET_ACCEPT, handle(f), addr, ulen, 0, 0, &nh);
		if (rc != -LINUX_EAGAIN)
			break;
		rc = wait_for(f, 0, LINUX_POLLIN);
		if (rc)
			return rc;
	}
	if (rc < 0)
		return rc;
	*out = wrap(nh, LINUX_SOCK_STREAM, flags);
	return *out ? 0 : -LINUX_ENOMEM;
}

static long in_connect(struct file *f, uint64_t addr, uint64_t len)
{
	long rc = call(NANVIX_NET_CONNECT, handle(f), addr, len, 0, 0, NULL);

	if (rc != -LINUX_EINPROGRESS || (f->flags & LINUX_O_NONBLOCK))
		return rc;
	/* Blocking connect: wait for the outcome, then take it. */
	for (;;) {
		rc = wait_for(f, 0, LINUX_POLLOUT);
		if (rc)
			return rc;
		rc = call(NANVIX_NET_CONNECT, handle(f), 0, 0, 0, 0, NULL);
		if (rc != -LINUX_EINPROGRESS)
			return rc;
		/* Not settled although it looked ready: wait for the next change. */
		rc = file_block(f, wait_key(handle(f)), 0);
		if (rc == -LINUX_EINTR || rc == -LINUX_EBADF)
			return rc;
	}
}

static long in_sendto(struct file *f, uint64_t buf, uint64_t len, long flags, uint64_t addr,
                      uint64_t alen)
{
	uint64_t done = 0;
	long rc;

	for (;;) {
		rc = call(NANVIX_NET_SENDTO, handle(f) | (host_flags(flags) << 32), buf + done,
		          len - done, addr, alen, NULL);
		if (rc > 0) {
			done += (uint64_t)rc;
			/* A blocking stream send takes everything. */
			if (done >= len || sock_type(f) != LINUX_SOCK_STREAM ||
			    (f->flags & LINUX_O_NONBLOCK) || (flags & LINUX_MSG_DONTWAIT))
				return (long)done;
			continue;
		}
		if (rc != -LINUX_EAGAIN)
			break;
		rc = wait_for(f, flags, LINUX_POLLOUT);
		if (rc)
			break;
	}
	return done ? (long)done : sent(rc, flags);
}

static long in_recvfrom(struct file *f, uint64_t buf, uint64_t len, long flags, uint64_t addr,
                        uint64_t ulen)
{
	uint64_t done = 0;
	long rc;

	for (;;) {
		rc = call(NANVIX_NET_RECVFROM, handle(f) | (host_flags(flags) << 32), buf + done,
		          len - done, done ? 0 : addr, done ? 0 : ulen, NULL);
		if (rc > 0) {
			done += (uint64_t)rc;
			if (!(flags & LINUX_MSG_WAITALL) || done >= len ||
			    sock_type(f) != LINUX_SOCK_STREAM || (flags & LINUX_MSG_PEEK))
				return (long)done;
			continue;
		}
		if (rc != -LINUX_EAGAIN)
			break;
		rc = wait_for(f, flags, LINUX_POLLIN);
		if (rc)
			break;
	}
	return done ? (long)done : rc;
}

static long in_sendmsg(struct file *f, uint64_t msg, long flags)
{
	long rc;

	for (;;) {
		rc = call(NANVIX_NET_SENDMSG, handle(f), msg, host_flags(flags), 0, 0, NULL);
		if (rc != -LINUX_EAGAIN)
			return sent(rc, flags);
		rc = wait_for(f, flags, LINUX_POLLOUT);
		if (rc)
			return rc;
	}
}

static long in_recvmsg(struct file *f, uint64_t msg, long flags)
{
	long rc;

	for (;;) {
		rc = call(NANVIX_NET_RECVMSG, handle(f), msg, host_flags(flags), 0, 0, NULL);
		if (rc != -LINUX_EAGAIN)
			return rc;
		rc = wait_for(f, flags, LINUX_POLLIN);
		if (rc)
			return rc;
	}
}

static long in_shutdown(struct file *f, long how)
{
	return call(NANVIX_NET_SHUTDOWN, handle(f), (uint64_t)how, 0, 0, 0, NULL);
}

static long in_name(struct file *f, uint64_t addr, uint64_t ulen, bool peer)
{
	return call(peer ? NANVIX_NET_GETPEERNAME : NANVIX_NET_GETSOCKNAME, handle(f), addr, ulen,
	            0, 0, NULL);
}

/* SO_RCVTIMEO / SO_SNDTIMEO: which timeout (0, 1), or -1 for another option. */
static int timeo_index(long level, long name)
{
	if (level != LINUX_SOL_SOCKET)
		return -1;
	return name == LINUX_SO_RCVTIMEO ? 0 : name == LINUX_SO_SNDTIMEO ? 1 : -1;
}

static long in_setsockopt(struct file *f, long level, long name, uint64_t val, uint64_t len)
{
	int i = timeo_index(level, name);
	struct linux_timeval tv;

	if (i < 0)
		return call(NANVIX_NET_SETSOCKOPT, handle(f), (uint64_t)level, (uint64_t)name, val,
		            len, NULL);
	if (len < sizeof(tv))
		return -LINUX_EINVAL;
	if (copy_from_user(&tv, val, sizeof(tv)))
		return -LINUX_EFAULT;
	if (tv.tv_usec < 0 || tv.tv_usec >= 1000000)
		return -LINUX_EDOM;
	/* Negative: no timeout, as Linux; huge values saturate. */
	((struct inet *)f->priv)->timeo[i] =
	        tv.tv_sec < 0 ? 0
	        : tv.tv_sec > 1000000000000ll
	                ? UINT64_MAX / 2
	                : (uint64_t)tv.tv_sec * 1000000000ull + (uint64_t)tv.tv_usec * 1000ull;
	return 0;
}

static long in_getsockopt(struct file *f, long level, long name, uint64_t val, uint64_t ulen)
{
	int i = timeo_index(level, name);
	uint64_t ns;
	struct linux_timeval tv;
	int32_t len;

	if (i < 0)
		return call(NANVIX_NET_GETSOCKOPT, handle(f), (uint64_t)level, (uint64_t)name, val,
		            ulen, NULL);
	if (copy_from_user(&len, ulen, sizeof(len)))
		return -LINUX_EFAULT;
	if (len < 0)
		return -LINUX_EINVAL;
	ns = ((struct inet *)f->priv)->timeo[i];
	tv.tv_sec = (int64_t)(ns / 1000000000ull);
	tv.tv_usec = (int64_t)(ns % 1000000000ull / 1000ull);
	if ((uint32_t)len > sizeof(tv))
		len = sizeof(tv);
	if (copy_to_user(val, &tv, (uint32_t)len) || copy_to_user(ulen, &len, sizeof(len)))
		return -LINUX_EFAULT;
	return 0;
}

/* readv/writev: the whole vector in one call to the host, blocking as
 * recv/send do (a datagram stays one datagram; a stream send takes all
 * of it only if it fits the send room: a short count, as Linux may give). */
static long in_vector(struct file *f, uint64_t iov, uint32_t cnt, bool writing)
{
	long rc;

	for (;;) {
		rc = call(writing ? NANVIX_NET_WRITEV : NANVIX_NET_READV, handle(f), iov, cnt, 0, 0,
		          NULL);
		if (rc != -LINUX_EAGAIN)
			return writing ? sent(rc, 0) : rc;
		rc = wait_for(f, 0, writing ? LINUX_POLLOUT : LINUX_POLLIN);
		if (rc)
			return rc;
	}
}

static long in_writev(struct file *f, uint64_t iov, uint32_t cnt)
{
	return in_vector(f, iov, cnt, true);
}

static long in_readv(struct file *f, uint64_t iov, uint32_t cnt)
{
	return in_vector(f, iov, cnt, false);
}

static long in_read(struct file *f, uint64_t buf, uint64_t len)
{
	return in_recvfrom(f, buf, len, 0, 0, 0);
}

static long in_write(struct file *f, uint64_t buf, uint64_t len)
{
	return in_sendto(f, buf, len, 0, 0, 0);
}

static int in_poll(struct file *f)
{
	return (int)revents(handle(f));
}

static long in_ioctl(struct file *f, uint64_t req, uint64_t arg)
{
	return call(NANVIX_NET_IOCTL, handle(f), req, arg, 0, 0, NULL);
}

static void in_release(struct file *f)
{
	uint32_t h = handle(f);

	socks[h] = NULL;
	nsocks--;
	kfree(f->priv);
	call(NANVIX_NET_CLOSE, h, 0, 0, 0, 0, NULL);
}

static const struct sock_ops inet_sock_ops = {
	.bind = in_bind,
	.listen = in_listen,
	.accept = in_accept,
	.connect = in_connect,
	.sendto = in_sendto,
	.recvfrom = in_recvfrom,
	.sendmsg = in_sendmsg,
	.recvmsg = in_recvmsg,
	.shutdown = in_shutdown,
	.name = in_name,
	.setsockopt = in_setsockopt,
	.getsockopt = in_getsockopt,
};

static const struct file_ops inet_ops = {
	.read = in_read,
	.write = in_write,
	.poll = in_poll,
	.release = in_release,
	.writev = in_writev,
	.readv = in_readv,
	.ioctl = in_ioctl,
	.sock = &inet_sock_ops,
	.mode = LINUX_S_IFSOCK | 0777,
};

/* A file for host handle h, or NULL (the handle is closed then). */
static struct file *wrap(uint64_t h, uint32_t type, uint32_t flags)
{
	struct file *f;

	/* A handle out of range or already in use breaks the host's contract:
	 * never index with it, never close someone else's. */
	struct inet *in;

	if (h == 0 || h >= NANVIX_NET_SOCKETS_MAX || socks[h])
		return NULL;
	in = kmalloc(sizeof(*in));
	f = in ? file_new(&inet_ops, LINUX_O_RDWR | (flags & LINUX_O_NONBLOCK), in) : NULL;
	if (!f) {
		kfree(in);
		call(NANVIX_NET_CLOSE, h, 0, 0, 0, 0, NULL);
		return NULL;
	}
	*in = (struct inet){ .h = (uint32_t)h, .type = type };
	socks[h] = f;
	nsocks++;
	return f;
}

long inet_socket(long type, long protocol, uint32_t flags, struct file **out)
{
	uint64_t h = 0;
	long rc;

	if (!state)
		return -LINUX_EAFNOSUPPORT;
	if ((rc = room()))
		return rc;
	rc = call(NANVIX_NET_SOCKET, LINUX_AF_INET, (uint64_t)type, (uint64_t)protocol, 0, 0, &h);
	if (rc < 0)
		return rc;
	*out = wrap(h, (uint32_t)type, flags);
	return *out ? 0 : -LINUX_ENOMEM;
}
