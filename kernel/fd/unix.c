/* AF_UNIX socket pairs: two connected sockets, each with a one-frame receive ring. */
/*
 * What one socket sends goes into its peer's ring; bulk data moves with the
 * host's native copy as for pipes (fd/pipe.c).  Stream sockets keep bytes
 * only; datagram and seqpacket sockets keep each message as a 4-byte
 * length then the payload, so boundaries survive (a message must fit the
 * ring: larger ones get EMSGSIZE).  Shutdown follows Linux: a socket's
 * SEND/RCV bits, mirrored onto the peer for connection-oriented types; a
 * socket that goes away leaves its peer fully shut down (stream and
 * seqpacket: EOF after the data still queued, EPIPE on send).  Readers
 * wait on key_data(s), writers on key_room(peer); every change also goes
 * through file_changed() for poll, select and epoll.
 */
#include <abi/linux.h>
#include <fd/file.h>
#include <hal/hal.h>
#include <hal/uaccess.h>
#include <mm/frame.h>
#include <mm/heap.h>
#include <proc/proc.h>
#include <sched/sched.h>
#include <sig/signal.h>
#include <sys/syscall.h>

#define RING_SIZE  PAGE_SIZE
#define SMALL_COPY 64
#define HDR        4u                /* datagram length header */
#define MSG_MAX    (RING_SIZE - HDR) /* largest datagram */
#define WRITABLE   (RING_SIZE / 4)   /* room that makes a socket writable for poll */
#define SHUT_RCV   1u
#define SHUT_SEND  2u
#define LEN_MAX    0x7ffff000ull /* Linux's MAX_RW_COUNT */

struct usock {
	struct usock *peer; /* NULL once the peer went away */
	struct file *file;
	int type;
	uint8_t shut;
	bool refused;   /* datagram: the peer went away; the next send says ECONNREFUSED */
	uint64_t frame; /* receive ring */
	uint32_t head, count, msgs;
};

static uint64_t key_data(struct usock *s)
{
	return (uint64_t)s + 1;
}

static uint64_t key_room(struct usock *s)
{
	return (uint64_t)s + 3;
}

static bool stream(const struct usock *s)
{
	return s->type == LINUX_SOCK_STREAM;
}

static bool connected_type(const struct usock *s)
{
	return s->type != LINUX_SOCK_DGRAM;
}

/* Move n bytes between user `ubuf` and ring offset `off` (from head, wrapping). */
static long ring_user(struct usock *s, uint32_t off, uint64_t ubuf, uint64_t n, bool to_user)
{
	while (n) {
		uint32_t at = (s->head + off) % RING_SIZE;
		uint64_t chunk = n < RING_SIZE - at ? n : RING_SIZE - at;
		uint64_t pa = s->frame + at;
		long rc;

		if (chunk <= SMALL_COPY)
			rc = to_user ? copy_to_user(ubuf, P2V(pa), chunk)
			             : copy_from_user(P2V(pa), ubuf, chunk);
		else if (to_user)
			rc = hal->copy(proc_current->cr3, ubuf, 0, pa, chunk) < 0 ? -LINUX_EFAULT
			                                                          : 0;
		else
			rc = hal->copy(0, pa, proc_current->cr3, ubuf, chunk) < 0 ? -LINUX_EFAULT
			                                                          : 0;
		if (rc)
			return rc;
		ubuf += chunk;
		off += chunk;
		n -= chunk;
	}
	return 0;
}

/* The 4-byte header at ring offset `off`: read (`out`) or write. */
static void ring_hdr(struct usock *s, uint32_t off, uint32_t *v, bool out)
{
	uint8_t *b = (uint8_t *)v;
	uint32_t i;

	for (i = 0; i < HDR; i++) {
		uint8_t *p = (uint8_t *)P2V(s->frame + (s->head + off + i) % RING_SIZE);

		if (out)
			b[i] = *p;
		else
			*p = b[i];
	}
}

static void wake(struct usock *s, uint64_t key, int bits)
{
	sched_wake_key(key, FD_MAX * 64);
	file_changed(s->file, bits);
}

static bool nonblock(struct file *f, const struct sock_msg *m)
{
	return (f->flags & LINUX_O_NONBLOCK) || (m->flags & LINUX_MSG_DONTWAIT);
}

/* Sum of m's element lengths; -EFAULT, -EINVAL past LEN_MAX. */
static long msg_len(const struct sock_msg *m)
{
	uint64_t total = 0, base, len;
	uint32_t i;

	for (i = 0; i < m->iovcnt; i++) {
		if (sock_iov(m, i, &base, &len))
			return -LINUX_EFAULT;
		if (len > LEN_MAX || (total += len) > LEN_MAX)
			return -LINUX_EINVAL;
	}
	return (long)total;
}

static long broken_pipe(struct usock *s, const struct sock_msg *m, long done)
{
	if (done)
		return done;
	if (connected_type(s) && !(m->flags & LINUX_MSG_NOSIGNAL))
		signal_send(thread_current, LINUX_SIGPIPE, true,
		            &(struct sig_info){ .code = LINUX_SI_KERNEL });
	return -LINUX_EPIPE;
}

/*
 * Why a send cannot go on now: 0 (it can), -EPIPE, -ECONNREFUSED or
 * -ENOTCONN.  *peer is the peer when 0.
 */
static long send_state(struct usock *s, struct usock **peer)
{
	*peer = s->peer;
	if (s->shut & SHUT_SEND)
		return -LINUX_EPIPE;
	if (*peer)
		return 0;
	if (connected_type(s))
		return -LINUX_EPIPE;
	if (s->refused) {
		s->refused = false;
		return -LINUX_ECONNREFUSED;
	}
	return -LINUX_ENOTCONN;
}

static long stream_send(struct file *f, struct usock *s, struct sock_msg *m)
{
	uint64_t done = 0, base, len, off;
	struct usock *p;
	uint32_t i;
	long rc;

	for (i = 0; i < m->iovcnt; i++) {
		if (sock_iov(m, i, &base, &len))
			return done ? (long)done : -LINUX_EFAULT;
		for (off = 0; off < len;) {
			uint64_t room, n;

			rc = send_state(s, &p);
			if (rc)
				return rc == -LINUX_EPIPE ? broken_pipe(s, m, done) : rc;
			room = RING_SIZE - p->count;
			if (room == 0) {
				if (nonblock(f, m))
					return done ? (long)done : -LINUX_EAGAIN;
				rc = file_block(f, key_room(p), 0);
				if (rc == -LINUX_EBADF)
					return rc;
				if (rc == -LINUX_EINTR)
					return done ? (long)done : rc;
				continue;
			}
			n = len - off < room ? len - off : room;
			if (ring_user(p, p->count, base + off, n, false))
				return done ? (long)done : -LINUX_EFAULT;
			p->count += n;
			off += n;
			done += n;
			wake(p, key_data(p), LINUX_POLLIN);
		}
	}
	return done;
}

static long dgram_send(struct file *f, struct usock *s, struct sock_msg *m)
{
	long total = msg_len(m), rc;
	uint64_t base, len, off;
	struct usock *p;
	uint32_t i, hdr;

	if (total < 0)
		return total;
	if ((uint64_t)total > MSG_MAX)
		return -LINUX_EMSGSIZE;
	for (;;) {
		rc = send_state(s, &p);
		if (rc)
			return rc == -LINUX_EPIPE ? broken_pipe(s, m, 0) : rc;
		if (RING_SIZE - p->count >= HDR + (uint64_t)total)
			break;
		if (nonblock(f, m))
			return -LINUX_EAGAIN;
		rc = file_block(f, key_room(p), 0);
		if (rc == -LINUX_EINTR || rc == -LINUX_EBADF)
			return rc;
	}
	/* Payload first, then the header that makes it visible. */
	for (i = 0, off = HDR; i < m->iovcnt; i++) {
		if (sock_iov(m, i, &base, &len) || ring_user(p, p->count + off, base, len, false))
			return -LINUX_EFAULT;
		off += len;
	}
	hdr = (uint32_t)total;
	ring_hdr(p, p->count, &hdr, false);
	p->count += HDR + hdr;
	p->msgs++;
	wake(p, key_data(p), LINUX_POLLIN);
	return total;
}

static long unix_sendmsg(struct file *f, struct sock_msg *m)
{
	struct usock *s = f->priv;

	if (m->flags & LINUX_MSG_OOB)
		return -LINUX_EOPNOTSUPP;
	if (m->addrlen)
		return stream(s) || s->type == LINUX_SOCK_SEQPACKET ? -LINUX_EISCONN
		                                                    : -LINUX_ENOENT;
	return stream(s) ? stream_send(f, s, m) : dgram_send(f, s, m);
}

/* Nothing queued: 1 if the reader sees end of file, else wait; 0 to look again or -errno. */
static long recv_wait(struct file *f, struct usock *s, const struct sock_msg *m)
{
	long rc;

	if ((s->shut & SHUT_RCV) || (connected_type(s) && !s->peer))
		return 1;
	if (nonblock(f, m))
		return -LINUX_EAGAIN;
	rc = file_block(f, key_data(s), 0);
	return rc == -LINUX_EINTR || rc == -LINUX_EBADF ? rc : 0;
}

/* Data was taken out of s's ring: wake its peer's writers. */
static void consumed(struct usock *s)
{
	sched_wake_key(key_room(s), FD_MAX * 64);
	if (s->peer)
		file_changed(s->peer->file, LINUX_POLLOUT);
}

static long stream_recv(struct file *f, struct usock *s, struct sock_msg *m)
{
	bool peek = m->flags & LINUX_MSG_PEEK, all = (m->flags & LINUX_MSG_WAITALL) && !peek;
	uint64_t done = 0, base, len, off, want;
	long rc, total = msg_len(m);
	uint32_t i = 0;

	if (total < 0)
		return total;
	want = (uint64_t)total;
	while (done < want) {
		uint64_t n;

		if (s->count <= (peek ? done : 0)) {
			if (done && !all)
				break;
			rc = recv_wait(f, s, m);
			if (rc == 1)
				break;
			if (rc < 0)
				return done ? (long)done : rc;
			continue;
		}
		/* Find the element holding byte `done` and fill it from the ring. */
		for (i = 0, off = done; i < m->iovcnt; i++) {
			if (sock_iov(m, i, &base, &len))
				return done ? (long)done : -LINUX_EFAULT;
			if (off < len)
				break;
			off -= len;
		}
		n = len - off;
		if (n > s->count - (peek ? done : 0))
			n = s->count - (peek ? done : 0);
		if (ring_user(s, peek ? (uint32_t)done : 0, base + off, n, true))
			return done ? (long)done : -LINUX_EFAULT;
		done += n;
		if (!peek) {
			s->head = (s->head + n) % RING_SIZE;
			s->count -= n;
			consumed(s);
		}
	}
	return done;
}

static long dgram_recv(struct file *f, struct usock *s, struct sock_msg *m)
{
	uint64_t base, len, off = 0, room;
	long rc, total = msg_len(m);
	uint32_t i, size;

	if (total < 0)
		return total;
	while (s->count == 0) {
		rc = recv_wait(f, s, m);
		if (rc == 1)
			return 0;
		if (rc < 0)
			return rc;
	}
	ring_hdr(s, 0, &size, true);
	room = (uint64_t)total;
	for (i = 0; i < m->iovcnt && off < size && off < room; i++) {
		uint64_t n;

		if (sock_iov(m, i, &base, &len))
			return -LINUX_EFAULT;
		n = size - off < len ? size - off : len;
		if (ring_user(s, HDR + (uint32_t)off, base, n, true))
			return -LINUX_EFAULT;
		off += n;
	}
	if (off < size)
		m->oflags |= LINUX_MSG_TRUNC;
	if (!(m->flags & LINUX_MSG_PEEK)) {
		s->head = (s->head + HDR + size) % RING_SIZE;
		s->count -= HDR + size;
		s->msgs--;
		consumed(s);
	}
	return (m->flags & LINUX_MSG_TRUNC) ? (long)size : (long)off;
}

static long unix_recvmsg(struct file *f, struct sock_msg *m)
{
	struct usock *s = f->priv;

	if (m->flags & LINUX_MSG_OOB)
		return -LINUX_EOPNOTSUPP;
	m->addrlen = 0; /* the peer of a pair has no name */
	return stream(s) ? stream_recv(f, s, m) : dgram_recv(f, s, m);
}

static long unix_read(struct file *f, uint64_t buf, uint64_t len)
{
	struct sock_msg m = { .iovcnt = 1, .one = { buf, len } };

	return unix_recvmsg(f, &m);
}

static long unix_write(struct file *f, uint64_t buf, uint64_t len)
{
	struct sock_msg m = { .iovcnt = 1, .one = { buf, len } };

	return unix_sendmsg(f, &m);
}

static int unix_poll(struct file *f)
{
	struct usock *s = f->priv, *p = s->peer;
	int m = 0;

	if (s->shut == (SHUT_RCV | SHUT_SEND))
		m |= LINUX_POLLHUP;
	if (s->shut & SHUT_RCV)
		m |= LINUX_POLLRDHUP | LINUX_POLLIN;
	if (s->count)
		m |= LINUX_POLLIN;
	if (!p || RING_SIZE - p->count >= WRITABLE)
		m |= LINUX_POLLOUT;
	return m;
}

static long unix_shutdown(struct file *f, int how)
{
	struct usock *s = f->priv, *p = s->peer;
	uint8_t mode = (uint8_t)((how + 1) & 3);

	s->shut |= mode;
	wake(s, key_data(s), 0);
	sched_wake_key(key_room(s), FD_MAX * 64);
	if (p) {
		sched_wake_key(key_room(p), FD_MAX * 64); /* our own writers */
		if (connected_type(s)) {
			p->shut |= (mode & SHUT_RCV ? SHUT_SEND : 0) |
			           (mode & SHUT_SEND ? SHUT_RCV : 0);
			wake(p, key_data(p), 0);
		}
	}
	return 0;
}

static long unix_getsockopt(struct file *f, int level, int name, void *val, uint32_t *len)
{
	struct usock *s = f->priv;
	int32_t v;

	if (level != LINUX_SOL_SOCKET)
		return -LINUX_EOPNOTSUPP;
	switch (name) {
	case LINUX_SO_TYPE: v = s->type; break;
	case LINUX_SO_ERROR: v = 0; break;
	case LINUX_SO_DOMAIN: v = LINUX_AF_UNIX; break;
	case LINUX_SO_PROTOCOL:
	case LINUX_SO_ACCEPTCONN: v = 0; break;
	case LINUX_SO_SNDBUF:
	case LINUX_SO_RCVBUF: v = (int32_t)RING_SIZE; break;
	default: return -LINUX_ENOPROTOOPT;
	}
	if (*len > sizeof(v))
		*len = sizeof(v);
	memcpy(val, &v, *len);
	return 0;
}

static long unix_setsockopt(struct file *f, int level, int name, const void *val, uint32_t len)
{
	(void)f;
	(void)val;
	if (level != LINUX_SOL_SOCKET)
		return -LINUX_EOPNOTSUPP;
	switch (name) {
	case LINUX_SO_SNDBUF:
	case LINUX_SO_RCVBUF:
	case 2:  /* SO_REUSEADDR */
	case 9:  /* SO_KEEPALIVE */
	case 16: /* SO_PASSCRED */
	case 20: /* SO_RCVTIMEO: accepted, not honoured */
	case 21: /* SO_SNDTIMEO: accepted, not honoured */
		return len < sizeof(int32_t) ? -LINUX_EINVAL : 0;
	default: return -LINUX_ENOPROTOOPT;
	}
}

static long unix_getname(struct file *f, bool peer, void *addr, uint32_t *len)
{
	uint16_t family = LINUX_AF_UNIX;

	(void)f;
	(void)peer;
	memcpy(addr, &family, sizeof(family)); /* unnamed: the family alone */
	*len = sizeof(family);
	return 0;
}

static long unix_ioctl(struct file *f, uint64_t req, uint64_t arg)
{
	struct usock *s = f->priv;
	int32_t n;

	switch (req) {
	case LINUX_FIONREAD:
		if (stream(s))
			n = (int32_t)s->count;
		else if (s->type == LINUX_SOCK_SEQPACKET)
			n = (int32_t)(s->count - HDR * s->msgs);
		else if (s->count) {
			uint32_t size;

			ring_hdr(s, 0, &size, true);
			n = (int32_t)size;
		} else
			n = 0;
		return copy_to_user(arg, &n, sizeof(n));
	case LINUX_TIOCOUTQ:
		n = s->peer ? (int32_t)(s->peer->count - HDR * s->peer->msgs) : 0;
		return copy_to_user(arg, &n, sizeof(n));
	case LINUX_FIONBIO:
		if (copy_from_user(&n, arg, sizeof(n)))
			return -LINUX_EFAULT;
		f->flags = n ? f->flags | LINUX_O_NONBLOCK : f->flags & ~LINUX_O_NONBLOCK;
		return 0;
	default: return -LINUX_ENOTTY;
	}
}

static void unix_release(struct file *f)
{
	struct usock *s = f->priv, *p = s->peer;

	if (p) {
		p->peer = NULL;
		if (connected_type(p))
			p->shut = SHUT_RCV | SHUT_SEND;
		else
			p->refused = true;
		sched_wake_key(key_room(s), FD_MAX * 64); /* p's writers: EPIPE */
		wake(p, key_data(p), 0);
	}
	mm_frame_free(s->frame);
	kfree(s);
}

/* readv/writev: the vector as one message (a datagram stays whole). */
static long unix_readv(struct file *f, uint64_t iov, uint32_t cnt)
{
	return sock_vector_io(f, iov, cnt, false);
}

static long unix_writev(struct file *f, uint64_t iov, uint32_t cnt)
{
	return sock_vector_io(f, iov, cnt, true);
}

static const struct file_ops unix_ops = {
	.read = unix_read,
	.write = unix_write,
	.readv = unix_readv,
	.writev = unix_writev,
	.poll = unix_poll,
	.release = unix_release,
	.ioctl = unix_ioctl,
	.sendmsg = unix_sendmsg,
	.recvmsg = unix_recvmsg,
	.shutdown = unix_shutdown,
	.getsockopt = unix_getsockopt,
	.setsockopt = unix_setsockopt,
	.getname = unix_getname,
	.mode = LINUX_S_IFSOCK | 0777,
};

static struct file *sock_new(int type, uint32_t flags)
{
	struct usock *s = kmalloc(sizeof(*s));
	struct file *f = NULL;

	if (s && (s->frame = mm_frame_alloc()))
		f = file_new(&unix_ops, LINUX_O_RDWR | flags, s);
	if (!f) {
		if (s && s->frame)
			mm_frame_free(s->frame);
		kfree(s);
		return NULL;
	}
	s->type = type;
	s->file = f;
	return f;
}

long unix_pair(int type, uint32_t flags, struct file **a, struct file **b)
{
	struct usock *sa, *sb;

	*a = sock_new(type, flags);
	*b = *a ? sock_new(type, flags) : NULL;
	if (!*b) {
		if (*a)
			file_put(*a);
		return -LINUX_ENOMEM;
	}
	sa = (*a)->priv;
	sb = (*b)->priv;
	sa->peer = sb;
	sb->peer = sa;
	return 0;
}
