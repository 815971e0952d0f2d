/* Socket calls: socket() by family; bind, listen, accept and connect of forwarded sockets. */
/*
 * The calls that move data or options (send*, recv*, shutdown, *sockopt,
 * get*name) are in sys_socket.c, for every kind of socket.  These four
 * exist only for sockets served outside the kernel (file_ops.sock); a
 * kernel-served socket (an AF_UNIX pair) has nothing to bind or connect:
 * EOPNOTSUPP.
 */
#include <abi/linux.h>
#include <fd/file.h>
#include <net/inet.h>
#include <sys/syscall.h>

/* The socket operations of fd, or NULL with *err set (EBADF, ENOTSOCK). */
static const struct sock_ops *sock_of(long fd, struct file **f, long *err)
{
	*f = fd_get(fd);
	if (!*f) {
		*err = -LINUX_EBADF;
		return NULL;
	}
	if (!(*f)->ops->sock) {
		*err = (*f)->ops->sendmsg ? -LINUX_EOPNOTSUPP : -LINUX_ENOTSOCK;
		return NULL;
	}
	return (*f)->ops->sock;
}

/* Look fd's socket operation `op` up, or return its error. */
#define SOCK_OP(fd, op)                                    \
	struct file *f;                                    \
	long err = 0;                                      \
	const struct sock_ops *so = sock_of(fd, &f, &err); \
	if (!so)                                           \
		return err;                                \
	if (!so->op)                                       \
	return -LINUX_EOPNOTSUPP

long sys_socket(SYSCALL_ARGS)
{
	long type = a1 & LINUX_SOCK_TYPE_MASK;
	struct file *f = NULL;
	long rc;

	if (a1 & ~(LINUX_SOCK_TYPE_MASK | LINUX_SOCK_NONBLOCK | LINUX_SOCK_CLOEXEC))
		return -LINUX_EINVAL;
	switch ((int)a0) {
	case LINUX_AF_INET:
		if (type != LINUX_SOCK_STREAM && type != LINUX_SOCK_DGRAM)
			return -LINUX_EINVAL;
		rc = inet_socket(type, (int)a2, a1 & LINUX_SOCK_NONBLOCK ? LINUX_O_NONBLOCK : 0,
		                 &f);
		break;
	default: return -LINUX_EAFNOSUPPORT;
	}
	if (rc)
		return rc;
	return fd_install(f, 0, -1, a1 & LINUX_SOCK_CLOEXEC);
}

long sys_bind(SYSCALL_ARGS)
{
	SOCK_OP(a0, bind);
	return so->bind(f, a1, (uint32_t)a2);
}

long sys_listen(SYSCALL_ARGS)
{
	SOCK_OP(a0, listen);
	return so->listen(f, (int)a1);
}

static long do_accept(long fd, uint64_t addr, uint64_t ulen, long flags)
{
	struct file *nf = NULL;
	long rc;

	if (flags & ~(LINUX_SOCK_NONBLOCK | LINUX_SOCK_CLOEXEC))
		return -LINUX_EINVAL;
	{
		SOCK_OP(fd, accept);
		rc = so->accept(f, addr, ulen, flags & LINUX_SOCK_NONBLOCK ? LINUX_O_NONBLOCK : 0,
		                &nf);
	}
	if (rc)
		return rc;
	return fd_install(nf, 0, -1, flags & LINUX_SOCK_CLOEXEC);
}

long sys_accept(SYSCALL_ARGS)
{
	return do_accept(a0, a1, a2, 0);
}

long sys_accept4(SYSCALL_ARGS)
{
	return do_accept(a0, a1, a2, (int)a3);
}

long sys_connect(SYSCALL_ARGS)
{
	SOCK_OP(a0, connect);
	return so->connect(f, a1, (uint32_t)a2);
}
