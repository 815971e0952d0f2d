/* Socket calls on any socket file: socketpair and the calls that dispatch through file_ops. */
/*
 * These calls copy addresses, option values and message headers between
 * user memory and ring 0 and hand them to the file's socket operations
 * (fd/file.h); data stays in user memory for the ops to move.  A socket
 * served outside the kernel (file_ops.sock) gets the caller's arguments
 * untouched instead: its component reads them itself.  A file with
 * neither is not a socket: ENOTSOCK.  socket(), bind(), connect() and
 * friends live in sys_net.c.
 */
#include <abi/linux.h>
#include <fd/file.h>
#include <hal/uaccess.h>
#include <proc/proc.h>
#include <sys/syscall.h>

#define AF_INET  2
#define AF_INET6 10
#define LEN_MAX  0x7ffff000l /* Linux's MAX_RW_COUNT */

long sys_socketpair(SYSCALL_ARGS)
{
	int type = (int)a1 & LINUX_SOCK_TYPE_MASK;
	uint32_t flags = (uint32_t)a1 & (LINUX_SOCK_NONBLOCK | LINUX_SOCK_CLOEXEC);
	struct file *a, *b;
	int32_t sv[2];
	long rc;

	if ((int)a0 != LINUX_AF_UNIX)
		return (int)a0 == AF_INET || (int)a0 == AF_INET6 ? -LINUX_EOPNOTSUPP
		                                                 : -LINUX_EAFNOSUPPORT;
	if ((int)a1 & ~(LINUX_SOCK_TYPE_MASK | LINUX_SOCK_NONBLOCK | LINUX_SOCK_CLOEXEC))
		return -LINUX_EINVAL;
	if (type != LINUX_SOCK_STREAM && type != LINUX_SOCK_DGRAM && type != LINUX_SOCK_SEQPACKET)
		return -LINUX_ESOCKTNOSUPPORT;
	if ((int)a2 != 0 && (int)a2 != LINUX_AF_UNIX)
		return -LINUX_EPROTONOSUPPORT;
	if (!uaccess_ok(a3, sizeof(sv)))
		return -LINUX_EFAULT;
	rc = unix_pair(type, flags & LINUX_SOCK_NONBLOCK, &a, &b);
	if (rc)
		return rc;
	sv[0] = (int32_t)fd_install(a, 0, -1, flags & LINUX_SOCK_CLOEXEC);
	if (sv[0] < 0) {
		file_put(b);
		return sv[0];
	}
	sv[1] = (int32_t)fd_install(b, 0, -1, flags & LINUX_SOCK_CLOEXEC);
	if (sv[1] < 0) {
		fd_close(sv[0]);
		return sv[1];
	}
	if (copy_to_user(a3, sv, sizeof(sv))) {
		fd_close(sv[0]);
		fd_close(sv[1]);
		return -LINUX_EFAULT;
	}
	return 0;
}

/* The socket behind `fd`: 0 with *f set, -EBADF or -ENOTSOCK. */
static long sock_get(long fd, struct file **f)
{
	*f = fd_get(fd);
	if (!*f)
		return -LINUX_EBADF;
	return (*f)->ops->sendmsg || (*f)->ops->sock ? 0 : -LINUX_ENOTSOCK;
}

/* The forwarded socket calls of f (NULL: a kernel-served socket). */
static const struct sock_ops *forwarded(const struct file *f)
{
	return f->ops->sock;
}

/* The flags a call passes on: O_NONBLOCK of the file counts as MSG_DONTWAIT. */
static uint32_t msg_flags(struct file *f, long flags)
{
	return (uint32_t)flags | (f->flags & LINUX_O_NONBLOCK ? LINUX_MSG_DONTWAIT : 0);
}

/* A user address of `len` bytes into m; 0, -EINVAL or -EFAULT. */
static long addr_in(struct sock_msg *m, uint64_t uaddr, long len)
{
	if (!uaddr || !len)
		return 0;
	if ((int)len < 0 || (int)len > SOCK_ADDR_MAX)
		return -LINUX_EINVAL;
	if (copy_from_user(m->addr, uaddr, (uint32_t)len))
		return -LINUX_EFAULT;
	m->addrlen = (uint32_t)len;
	return 0;
}

/* Give a kernel address of `klen` bytes back to (uaddr, *ulenp) the Linux way (cut to fit). */
static long addr_out(uint64_t uaddr, uint64_t ulenp, const void *addr, uint32_t klen)
{
	int32_t ulen;

	if (copy_from_user(&ulen, ulenp, sizeof(ulen)))
		return -LINUX_EFAULT;
	if (ulen < 0)
		return -LINUX_EINVAL;
	if (klen && copy_to_user(uaddr, addr, klen < (uint32_t)ulen ? klen : (uint32_t)ulen))
		return -LINUX_EFAULT;
	ulen = (int32_t)klen;
	return copy_to_user(ulenp, &ulen, sizeof(ulen));
}

long sys_sendto(SYSCALL_ARGS)
{
	struct sock_msg m = { .iovcnt = 1, .one = { (uint64_t)a1, (uint64_t)a2 } };
	struct file *f;
	long rc = sock_get(a0, &f);

	if (rc)
		return rc;
	if (forwarded(f))
		return forwarded(f)->sendto(f, a1, a2, (int)a3, a4, (uint32_t)a5);
	if ((uint64_t)a2 > LEN_MAX)
		m.one.len = LEN_MAX;
	rc = addr_in(&m, a4, a5);
	if (rc)
		return rc;
	m.flags = msg_flags(f, a3);
	return f->ops->sendmsg(f, &m);
}

long sys_recvfrom(SYSCALL_ARGS)
{
	struct sock_msg m = { .iovcnt = 1, .one = { (uint64_t)a1, (uint64_t)a2 } };
	struct file *f;
	int32_t ulen;
	long rc = sock_get(a0, &f), n;

	if (rc)
		return rc;
	if (forwarded(f))
		return forwarded(f)->recvfrom(f, a1, a2, (int)a3, a4, a4 ? a5 : 0);
	if ((uint64_t)a2 > LEN_MAX)
		m.one.len = LEN_MAX;
	if (a4 && a5) {
		if (copy_from_user(&ulen, a5, sizeof(ulen)))
			return -LINUX_EFAULT;
		if (ulen < 0)
			return -LINUX_EINVAL;
	}
	m.flags = msg_flags(f, a3);
	n = f->ops->recvmsg(f, &m);
	if (n < 0)
		return n;
	rc = a4 && a5 ? addr_out(a4, a5, m.addr, m.addrlen) : 0;
	return rc ? rc : n;
}

/* A user msghdr into h and m; 0 or -errno. */
static long msghdr_in(struct linux_msghdr *h, struct sock_msg *m, uint64_t uh, bool sending)
{
	if (copy_from_user(h, uh, sizeof(*h)))
		return -LINUX_EFAULT;
	if (h->msg_iovlen > SOCK_IOV_MAX)
		return -LINUX_EMSGSIZE;
	m->iov = h->msg_iov;
	m->iovcnt = (uint32_t)h->msg_iovlen;
	if (!m->iov && m->iovcnt)
		return -LINUX_EFAULT;
	if (sending) {
		/* Ancillary data (SCM_RIGHTS...) is not carried: refuse rather than drop it. */
		if (h->msg_control && h->msg_controllen)
			return -LINUX_EOPNOTSUPP;
		return addr_in(m, h->msg_name, h->msg_namelen);
	}
	return (int32_t)h->msg_namelen < 0 ? -LINUX_EINVAL : 0;
}

long sys_sendmsg(SYSCALL_ARGS)
{
	struct linux_msghdr h;
	struct sock_msg m = { 0 };
	struct file *f;
	long rc = sock_get(a0, &f);

	if (!rc && forwarded(f))
		return forwarded(f)->sendmsg(f, a1, (int)a2);
	if (rc || (rc = msghdr_in(&h, &m, a1, true)))
		return rc;
	m.flags = msg_flags(f, a2);
	return f->ops->sendmsg(f, &m);
}

long sys_recvmsg(SYSCALL_ARGS)
{
	struct linux_msghdr h;
	struct sock_msg m = { 0 };
	struct file *f;
	uint32_t namelen;
	long rc = sock_get(a0, &f), n;

	if (!rc && forwarded(f))
		return forwarded(f)->recvmsg(f, a1, (int)a2);
	if (rc || (rc = msghdr_in(&h, &m, a1, false)))
		return rc;
	m.flags = msg_flags(f, a2);
	n = f->ops->recvmsg(f, &m);
	if (n < 0)
		return n;
	/* Linux writes msg_namelen, msg_controllen and msg_flags back. */
	namelen = h.msg_name ? m.addrlen : 0;
	if (namelen &&
	    copy_to_user(h.msg_name, m.addr, namelen < h.msg_namelen ? namelen : h.msg_namelen))
		return -LINUX_EFAULT;
	h.msg_namelen = namelen;
	h.msg_controllen = 0;
	h.msg_flags = (int32_t)m.oflags;
	if (copy_to_user(a1 + offsetof(struct linux_msghdr, msg_namelen), &h.msg_namelen,
	                 sizeof(h.msg_namelen)) ||
	    copy_to_user(a1 + offsetof(struct linux_msghdr, msg_controllen), &h.msg_controllen,
	                 sizeof(h.msg_controllen) + sizeof(h.msg_flags)))
		return -LINUX_EFAULT;
	return n;
}

long sys_shutdown(SYSCALL_ARGS)
{
	struct file *f;
	long rc = sock_get(a0, &f);

	if (rc)
		return rc;
	if ((int)a1 < LINUX_SHUT_RD || (int)a1 > LINUX_SHUT_RDWR)
		return -LINUX_EINVAL;
	if (forwarded(f))
		return forwarded(f)->shutdown(f, (int)a1);
	return f->ops->shutdown ? f->ops->shutdown(f, (int)a1) : -LINUX_EOPNOTSUPP;
}

long sys_getsockopt(SYSCALL_ARGS)
{
	uint8_t val[SOCK_OPT_MAX];
	struct file *f;
	int32_t ulen;
	uint32_t len;
	long rc = sock_get(a0, &f);

	if (rc)
		return rc;
	if (forwarded(f))
		return forwarded(f)->getsockopt(f, (int)a1, (int)a2, a3, a4);
	if (copy_from_user(&ulen, a4, sizeof(ulen)))
		return -LINUX_EFAULT;
	if (ulen < 0)
		return -LINUX_EINVAL;
	if (!f->ops->getsockopt)
		return -LINUX_ENOPROTOOPT;
	len = ulen < SOCK_OPT_MAX ? (uint32_t)ulen : SOCK_OPT_MAX;
	memset(val, 0, sizeof(val));
	rc = f->ops->getsockopt(f, (int)a1, (int)a2, val, &len);
	if (rc)
		return rc;
	ulen = (int32_t)len;
	if (copy_to_user(a3, val, len) || copy_to_user(a4, &ulen, sizeof(ulen)))
		return -LINUX_EFAULT;
	return 0;
}

long sys_setsockopt(SYSCALL_ARGS)
{
	uint8_t val[SOCK_OPT_MAX];
	struct file *f;
	uint32_t len;
	long rc = sock_get(a0, &f);

	if (rc)
		return rc;
	if (forwarded(f))
		return forwarded(f)->setsockopt(f, (int)a1, (int)a2, a3, (uint32_t)a4);
	if ((int)a4 < 0)
		return -LINUX_EINVAL;
	len = (int)a4 < SOCK_OPT_MAX ? (uint32_t)a4 : SOCK_OPT_MAX;
	if (copy_from_user(val, a3, len))
		return -LINUX_EFAULT;
	if (!f->ops->setsockopt)
		return -LINUX_ENOPROTOOPT;
	return f->ops->setsockopt(f, (int)a1, (int)a2, val, len);
}

static long getname(long fd, uint64_t uaddr, uint64_t ulenp, bool peer)
{
	uint8_t addr[SOCK_ADDR_MAX];
	struct file *f;
	int32_t ulen;
	uint32_t len = 0;
	long rc = sock_get(fd, &f);

	if (rc)
		return rc;
	if (forwarded(f))
		return forwarded(f)->name(f, uaddr, ulenp, peer);
	if (copy_from_user(&ulen, ulenp, sizeof(ulen)))
		return -LINUX_EFAULT;
	if (ulen < 0)
		return -LINUX_EINVAL;
	if (!f->ops->getname)
		return -LINUX_EOPNOTSUPP;
	rc = f->ops->getname(f, peer, addr, &len);
	if (rc)
		return rc;
	if (len > SOCK_ADDR_MAX)
		len = SOCK_ADDR_MAX;
	return addr_out(uaddr, ulenp, addr, len);
}

long sys_getsockname(SYSCALL_ARGS)
{
	return getname(a0, a1, a2, false);
}

long sys_getpeername(SYSCALL_ARGS)
{
	return getname(a0, a1, a2, true);
}

long sock_vector_io(struct file *f, uint64_t iov, long cnt, bool writing)
{
	struct sock_msg m = { .iov = iov, .iovcnt = (uint32_t)cnt };

	if (cnt < 0 || cnt > SOCK_IOV_MAX)
		return -LINUX_EINVAL;
	if (!iov && cnt)
		return -LINUX_EFAULT;
	m.flags = msg_flags(f, 0);
	return writing ? f->ops->sendmsg(f, &m) : f->ops->recvmsg(f, &m);
}
