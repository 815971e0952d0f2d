/* <sys/uio.h> for newlib guests: vectored I/O (readv, writev) with Linux's struct iovec. */
#ifndef ULIB_SYS_UIO_H
#define ULIB_SYS_UIO_H

#include <sys/types.h>

struct iovec {
	void *iov_base;
	size_t iov_len;
};

#define UIO_MAXIOV 1024 /* Linux's limit on iovcnt */

#ifdef __cplusplus
extern "C" {
#endif

ssize_t readv(int fd, const struct iovec *iov, int iovcnt);
ssize_t writev(int fd, const struct iovec *iov, int iovcnt);

#ifdef __cplusplus
}
#endif

#endif /* ULIB_SYS_UIO_H */
