/* Open files local to the VM: the console, pipes and /dev devices, and fd tables. */
#ifndef FD_FILE_H
#define FD_FILE_H

#include <lib/klib.h>

struct file;
struct proc;

/*
 * The calls of a file that is a socket (file_ops.sock).  Pointers are user
 * virtual addresses of the calling process (a component on the host reads
 * them through its own page walk); lengths and flags are the caller's,
 * unchecked.  Each returns >= 0 or -errno; a NULL operation answers
 * EOPNOTSUPP.  They block unless the file is O_NONBLOCK or MSG_DONTWAIT is
 * given, and return -EINTR when a signal interrupts them.
 */
struct sock_ops {
	long (*bind)(struct file *f, uint64_t addr, uint64_t addrlen);
	long (*listen)(struct file *f, long backlog);
	/* A new connection as a new file (one reference) in *out, with
	 * `flags` (O_NONBLOCK) as its status flags. */
	long (*accept)(struct file *f, uint64_t addr, uint64_t uaddrlen, uint32_t flags,
	               struct file **out);
	long (*connect)(struct file *f, uint64_t addr, uint64_t addrlen);
	long (*sendto)(struct file *f, uint64_t buf, uint64_t len, long flags, uint64_t addr,
	               uint64_t addrlen);
	long (*recvfrom)(struct file *f, uint64_t buf, uint64_t len, long flags, uint64_t addr,
	                 uint64_t uaddrlen);
	long (*sendmsg)(struct file *f, uint64_t msg, long flags);
	long (*recvmsg)(struct file *f, uint64_t msg, long flags);
	long (*shutdown)(struct file *f, long how);
	/* getsockname (peer false) and getpeername (peer true). */
	long (*name)(struct file *f, uint64_t addr, uint64_t uaddrlen, bool peer);
	long (*setsockopt)(struct file *f, long level, long name, uint64_t val, uint64_t len);
	long (*getsockopt)(struct file *f, long level, long name, uint64_t val, uint64_t ulen);
};

/*
 * What a kind of file does.  read/write move bytes between the file and
 * the user buffer (virtual, current address space) and return a count or a
 * negative errno; they may block unless the file is O_NONBLOCK.  poll
 * returns the POLL* bits true now.  release runs when the last reference
 * goes.  NULL read/write: EINVAL.
 */
struct file_ops {
	long (*read)(struct file *f, uint64_t buf, uint64_t len);
	long (*write)(struct file *f, uint64_t buf, uint64_t len);
	int (*poll)(struct file *f);
	void (*release)(struct file *f);
	/* Optional: a whole iovec at once; device-specific ioctl (else ENOTTY). */
	long (*writev)(struct file *f, uint64_t iov, uint32_t iovcnt);
	long (*ioctl)(struct file *f, uint64_t req, uint64_t arg);
	/* Optional: fstat and lseek of files the kernel does not describe
	 * itself (the fs component's); else st_mode below and 0 / ESPIPE. */
	long (*fstat)(struct file *f, uint64_t ubuf);
	long (*lseek)(struct file *f, long off, long whence);
	const struct sock_ops *sock; /* sockets only */
	uint32_t mode;               /* st_mode of fstat */
	bool seekable; /* lseek answers 0 rather than ESPIPE */
};

struct file {
	const struct file_ops *ops;
	int refs;
	uint32_t flags; /* O_ACCMODE, O_NONBLOCK, O_APPEND */
	void *priv;
	long stream; /* console: 0 stdin, 1 stdout, 2 stderr */
};

#define FD_MAX 512 /* one frame of pointers a process */

/* A new file with one reference, or NULL. */
struct file *file_new(const struct file_ops *ops, uint32_t flags, void *priv);

/* Take / drop a reference; the last drop releases the file. */
void file_get(struct file *f);
void file_put(struct file *f);

/* Give `p` its fd table with the console on 0, 1, 2; 0 or -ENOMEM. */
int fd_init(struct proc *p);

/* Write fd's entry of p's fd map (abi/vvar.h: the fast file path). */
void fd_publish(struct proc *p, long fd);

/* The open file behind `fd` of the current process, or NULL. */
struct file *fd_get(long fd);

/*
 * Install `f` (consuming the caller's reference) at the lowest free fd >=
 * `min`, or exactly at `at` when at >= 0 (closing what was there).  Returns
 * the fd or -EMFILE/-EBADF.
 */
long fd_install(struct file *f, long min, long at, bool cloexec);

/* Close `fd`; 0 or -EBADF. */
long fd_close(long fd);

/* FD_CLOEXEC of `fd`. */
bool fd_cloexec(long fd);
void fd_set_cloexec(long fd, bool on);

/* Make a pipe: two files (read end, write end); 0 or -ENOMEM. */
int pipe_create(uint32_t flags, struct file **rd, struct file **wr);

/* Open a device by path ("/dev/null"...); the file or NULL if there is none. */
struct file *dev_open(const char *path, uint32_t flags);

/* The console as a file for stream 0, 1 or 2. */
struct file *console_file(long stream);

/* Wait key of anyone in poll(): woken on every pipe state change. */
#define FD_POLL_KEY 2

#endif /* FD_FILE_H */
