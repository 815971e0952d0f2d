/* Open files local to the VM: the console, pipes and /dev devices, and fd tables. */
#ifndef FD_FILE_H
#define FD_FILE_H

#include <lib/klib.h>

struct file;
struct proc;

/*
 * The calls of a socket served outside the guest kernel (file_ops.sock:
 * the network component on the host).  They take the caller's arguments
 * as they are: pointers are user virtual addresses of the calling process
 * (the component reads them through its own page walk), so no argument is
 * copied into ring 0; lengths and flags are unchecked.  Sockets the kernel
 * serves itself (AF_UNIX pairs) use the sendmsg/recvmsg/... operations of
 * struct file_ops instead, whose syscall layer copies the arguments in.  Each returns >= 0 or -errno; a NULL operation answers
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
 * returns the POLL* bits true now (NULL: a file that never blocks, such as
 * a disk file: poll and select see it always ready, epoll refuses it with
 * EPERM, as Linux does for files without a poll method).  release runs
 * when the last reference goes.  NULL read/write: EINVAL.
 *
 * Readiness: a kind of file whose poll bits can change calls
 * file_changed() whenever they may have (data arrived, room appeared, the
 * other end went away); that wakes poll/select sleepers and marks the
 * file's epoll registrations.  A file whose poll bits never change (the
 * console, devices) need not call it.
 *
 * Socket operations (all optional; a file without sendmsg is not a
 * socket: the socket calls answer ENOTSOCK).  The syscall layer
 * (sys/sys_socket.c) copies every argument but the data in and out of
 * ring 0, so these take kernel-side arguments:
 *   sendmsg/recvmsg: move data described by `m` (struct sock_msg below);
 *     return the bytes moved or -errno.  They may block unless the file is
 *     O_NONBLOCK or m->flags has MSG_DONTWAIT.  sendmsg raises SIGPIPE
 *     itself on EPIPE unless MSG_NOSIGNAL.  read/write on a
 *     file with these ops go through them too (flags 0), and its readv/writev
 *     ops through sock_vector_io.
 *   shutdown: `how` is SHUT_RD/WR/RDWR (checked by the caller); 0 or -errno.
 *   getsockopt: fill `val` (room *len <= SOCK_OPT_MAX bytes) and set *len.
 *   setsockopt: `val` holds `len` bytes (len <= SOCK_OPT_MAX, longer user
 *     values are cut to that).  Unknown options: -ENOPROTOOPT.
 *   getname: the local (`peer` false) or peer address into `addr` (room
 *     SOCK_ADDR_MAX bytes), its true length in *len (the caller truncates
 *     what it copies out, as Linux does).  -ENOTCONN when there is no peer.
 */
struct sock_msg;

struct file_ops {
	long (*read)(struct file *f, uint64_t buf, uint64_t len);
	long (*write)(struct file *f, uint64_t buf, uint64_t len);
	int (*poll)(struct file *f);
	void (*release)(struct file *f);
	/* Optional: a whole iovec at once (the user's array, iovcnt checked
	 * <= IOV_MAX); device-specific ioctl (else ENOTTY). */
	long (*writev)(struct file *f, uint64_t iov, uint32_t iovcnt);
	long (*readv)(struct file *f, uint64_t iov, uint32_t iovcnt);
	long (*ioctl)(struct file *f, uint64_t req, uint64_t arg);
	/* Optional: fstat and lseek of files the kernel does not describe
	 * itself (the fs component's); else st_mode below and 0 / ESPIPE. */
	long (*fstat)(struct file *f, uint64_t ubuf);
	long (*lseek)(struct file *f, long off, long whence);
	/* Optional: mmap of the file, which is a private copy: fill the user
	 * range [ubuf, ubuf + len) (mapped, writable) with the file's bytes
	 * from `off`, zeros past its end.  0 or -errno (-ENODEV: this file,
	 * say a directory, cannot be mapped); len 0 only asks whether it can
	 * be (mmap asks before it takes memory).  NULL: mmap gives ENODEV. */
	long (*map_copy)(struct file *f, uint64_t ubuf, uint64_t len, uint64_t off);
	/* Optional: MAP_SHARED, mapping the file's own frames at the free user
	 * range [va, va + len) of the current space from `off`, with PTE
	 * `flags`; 0 or -errno (the caller unmaps what was mapped).  NULL:
	 * MAP_SHARED maps a private copy when read-only, else ENODEV. */
	long (*map_shared)(struct file *f, uint64_t va, uint64_t len, uint64_t off, uint64_t flags);
	/* Optional: ftruncate of a file the kernel keeps; 0 or -errno. */
	long (*truncate)(struct file *f, uint64_t len);
	/* Optional: the current process closes a descriptor of the file
	 * (every close, not only the last: mq_notify's registration). */
	void (*flush)(struct file *f);
	/* Sockets served outside the kernel (struct sock_ops): taken before
	 * the kernel-side socket operations below. */
	const struct sock_ops *sock;
	/* Optional socket operations (see above). */
	long (*sendmsg)(struct file *f, struct sock_msg *m);
	long (*recvmsg)(struct file *f, struct sock_msg *m);
	long (*shutdown)(struct file *f, int how);
	long (*getsockopt)(struct file *f, int level, int name, void *val, uint32_t *len);
	long (*setsockopt)(struct file *f, int level, int name, const void *val, uint32_t len);
	long (*getname)(struct file *f, bool peer, void *addr, uint32_t *len);
	uint32_t mode; /* st_mode of fstat */
	bool seekable; /* lseek answers 0 rather than ESPIPE */
};

#define SOCK_OPT_MAX  64  /* bytes of an option value passed to get/setsockopt */
#define SOCK_ADDR_MAX 128 /* bytes of a socket address (sockaddr_storage) */
#define SOCK_IOV_MAX  1024

/*
 * One sendmsg/recvmsg as the socket ops see it.  The data stays in user
 * memory: `iov` is a user array of `iovcnt` struct iovec (<= SOCK_IOV_MAX),
 * or 0 for the single buffer `one` (read/write/send/recv).  Fetch element
 * i with sock_iov().  `addr`/`addrlen`: sendmsg's destination (copied in,
 * addrlen 0: none); recvmsg fills the source there (room SOCK_ADDR_MAX)
 * and sets addrlen (0: none).  `flags` are the caller's MSG_* flags;
 * recvmsg sets `oflags` (MSG_TRUNC and so on) for msg_flags.  Ancillary data is
 * not passed (recvmsg reports msg_controllen 0).
 */
struct sock_msg {
	uint64_t iov;
	uint32_t iovcnt;
	struct {
		uint64_t base, len;
	} one;
	uint32_t flags;
	uint32_t oflags;
	uint32_t addrlen;
	uint8_t addr[SOCK_ADDR_MAX];
};

/* Element `i` (< m->iovcnt) of m's vector into *base and *len; 0 or -EFAULT. */
long sock_iov(const struct sock_msg *m, uint32_t i, uint64_t *base, uint64_t *len);

struct epitem;

struct file {
	const struct file_ops *ops;
	int refs;
	uint32_t flags; /* O_ACCMODE, O_NONBLOCK, O_APPEND */
	void *priv;
	long stream;             /* console: 0 stdin, 1 stdout, 2 stderr */
	struct epitem *watchers; /* epoll registrations of this file (fd/epoll.c) */
	uint64_t lock_id;        /* the file's identity for locks (fd/lock.c), 0: not fetched */
};

#define FD_MAX 512 /* one frame of pointers a process */

/*
 * f's size through a seek to the end and back, and its offset in *cur
 * (both 0 for a file without lseek); the size or -errno.
 */
long file_size_by_seek(struct file *f, long *cur);

/* A new file with one reference, or NULL. */
struct file *file_new(const struct file_ops *ops, uint32_t flags, void *priv);

/* Take / drop a reference; the last drop drops the file's epoll
 * registrations and releases it. */
void file_get(struct file *f);
void file_put(struct file *f);

/*
 * f's poll bits now (file_ops.poll, or IN|OUT for a file without one),
 * with RDNORM/WRNORM added to IN/OUT as Linux reports them.
 */
int file_poll(struct file *f);

/*
 * f's readiness may have changed: `bits` are the POLL* bits that may have
 * become true (0: unknown, any).  Wakes poll/select sleepers and queues
 * f's epoll registrations interested in `bits`.  Cost: the registrations
 * of f (usually none or one).
 */
void file_changed(struct file *f, int bits);

/*
 * sched_block(key, deadline) for an operation on `f`, holding a reference
 * on f meanwhile: another thread closing its last fd cannot free f under
 * the sleeper (a thread killed while asleep drops the reference).  Returns
 * what sched_block does, or -EBADF when, on waking, the caller held the
 * last reference: f has then been released and must not be touched.
 */
long file_block(struct file *f, uint64_t key, uint64_t deadline);

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

/* Wait key of anyone in poll()/select(): woken by every file_changed(). */
#define FD_POLL_KEY 2

/* epoll (fd/epoll.c) */
#define EPOLL_MAX_ITEMS FD_MAX /* registrations per epoll instance: ENOSPC past it */
#define EPOLL_MAX_NESTS 4      /* epolls in epolls, as Linux's EP_MAX_NESTS */

/* A new epoll instance (one reference), or NULL. */
struct file *epoll_create(uint32_t flags);

/* True if `f` is an epoll instance. */
bool epoll_is(const struct file *f);

/*
 * epoll_ctl on instance `ep`: `op` on (`tf`, `fd`) with `ev` (ADD/MOD).
 * 0 or -EEXIST, -ENOENT, -EINVAL, -ELOOP, -EPERM, -ENOSPC, -ENOMEM.
 */
long epoll_ctl(struct file *ep, int op, long fd, struct file *tf, uint32_t events, uint64_t data);

/*
 * Report up to `max` ready events of `ep` to user array `uev`; wait until
 * one is ready, the scheduler-clock `deadline` (0: none) passes (0 events)
 * or a signal (-EINTR), unless `nowait`.  Cost: the registrations queued
 * as ready, not all of them.
 */
long epoll_wait(struct file *ep, uint64_t uev, int max, uint64_t deadline, bool nowait);

/* f is going away: drop every registration of it (file_put). */
void epoll_file_gone(struct file *f);

/* Queue f's registrations interested in `bits` (file_changed). */
void epoll_notify(struct file *f, int bits);

/* eventfd (fd/eventfd.c): a counter file with the initial value and EFD_* flags; NULL if no memory. */
struct file *eventfd_create(uint64_t count, uint32_t flags);

/* AF_UNIX socketpair (fd/unix.c): two connected sockets of `type`; 0 or -errno. */
long unix_pair(int type, uint32_t flags, struct file **a, struct file **b);

#endif /* FD_FILE_H */
