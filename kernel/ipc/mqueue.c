/* POSIX message queues: mq_open, mq_unlink, mq_timedsend, mq_timedreceive, mq_notify, mq_getsetattr. */
/*
 * The queues of a VM live in the kernel: a table of MQ_MAX names, each
 * queue a file whose descriptors the mq_* calls take (and poll, select
 * and epoll see: readable with a message, writable with room).  Messages
 * wait in priority order (FIFO within a priority), each in a kmalloc'd
 * header and one or two frames.  Limits are Linux's defaults for what a
 * process may create: at most MQ_MAXMSG_MAX messages of MQ_MSGSIZE_MAX
 * bytes a queue (10 and 8192 when mq_open is given no attributes).
 * Every walk is bounded by a queue's message count or the table size.
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

#define MQ_MAX         64    /* queues in a VM */
#define MQ_NAME_MAX    255   /* NAME_MAX */
#define MQ_MAXMSG_DEF  10    /* /proc/sys/fs/mqueue/msg_default */
#define MQ_MSGSIZE_DEF 8192  /* msgsize_default */
#define MQ_MAXMSG_MAX  65536 /* HARD_MSGMAX */
#define MQ_MSGSIZE_MAX 16384 /* four frames a message at most */
#define MQ_PRIO_MAX    32768
#define MQ_FRAMES      ((int)(MQ_MSGSIZE_MAX / PAGE_SIZE))

#define SIGEV_SIGNAL 0
#define SIGEV_NONE   1
#define SIGEV_THREAD 2

struct mq_msg {
	struct mq_msg *next;
	uint32_t prio;
	uint32_t len;
	uint64_t frame[MQ_FRAMES];
};

struct mqueue {
	char *name;    /* NULL once unlinked */
	int refs;      /* open files */
	uint32_t mode; /* permission bits given at creation */
	long maxmsg, msgsize, curmsgs;
	struct mq_msg *head; /* highest priority first */
	/* mq_notify: the registered process (0: none) and its signal. */
	int notify_pid;
	int notify_kind, notify_sig;
	uint64_t notify_value;
	int receivers; /* threads asleep in mq_timedreceive */
};

struct linux_mq_attr {
	int64_t mq_flags, mq_maxmsg, mq_msgsize, mq_curmsgs, reserved[4];
};

struct linux_sigevent {
	uint64_t value;
	int32_t signo, notify;
	uint8_t pad[48];
};

static struct mqueue *queues[MQ_MAX];

/* Wait keys: odd kernel addresses, never a futex key. */
static uint64_t key_recv(struct mqueue *q)
{
	return (uint64_t)q + 1;
}

static uint64_t key_send(struct mqueue *q)
{
	return (uint64_t)q + 3;
}

static void msg_free(struct mq_msg *m)
{
	int i;

	for (i = 0; i < MQ_FRAMES; i++)
		if (m->frame[i])
			mm_frame_free(m->frame[i]);
	kfree(m);
}

static void mq_put(struct mqueue *q)
{
	if (--q->refs > 0 || q->name)
		return;
	while (q->head) {
		struct mq_msg *m = q->head;

		q->head = m->next;
		msg_free(m);
	}
	kfree(q);
}

static int mqf_poll(struct file *f)
{
	struct mqueue *q = f->priv;

	return (q->curmsgs ? LINUX_POLLIN : 0) | (q->curmsgs < q->maxmsg ? LINUX_POLLOUT : 0);
}

/* A descriptor closed by the registering process ends its notification, as on Linux. */
static void mqf_flush(struct file *f)
{
	struct mqueue *q = f->priv;

	if (q->notify_pid == proc_current->pid)
		q->notify_pid = 0;
}

static void mqf_release(struct file *f)
{
	mq_put(f->priv);
}

static const struct file_ops mq_ops = {
	.poll = mqf_poll,
	.flush = mqf_flush,
	.release = mqf_release,
	.mode = LINUX_S_IFREG | 0600,
};

/* The queue behind `fd`, or NULL (EBADF). */
static struct file *mq_file(long fd)
{
	struct file *f = fd_get(fd);

	return f && f->ops == &mq_ops ? f : NULL;
}

/* The user's name (Linux gets it without the leading '/') into buf. */
static long name_from_user(char *buf, uint64_t uname)
{
	size_t i;

	for (i = 0; i <= MQ_NAME_MAX; i++) {
		if (copy_from_user(&buf[i], uname + i, 1))
			return -LINUX_EFAULT;
		if (buf[i] == '\0')
			break;
		if (buf[i] == '/')
			return -LINUX_EACCES; /* a name is one path component */
	}
	if (i > MQ_NAME_MAX)
		return -LINUX_ENAMETOOLONG;
	if (i == 0 || !memcmp(buf, ".", 2) || !memcmp(buf, "..", 3))
		return -LINUX_ENOENT;
	return 0;
}

static int find(const char *name)
{
	size_t n = strlen(name) + 1;
	int i;

	for (i = 0; i < MQ_MAX; i++)
		if (queues[i] && !memcmp(queues[i]->name, name, n))
			return i;
	return -1;
}

long sys_mq_open(SYSCALL_ARGS)
{
	char name[MQ_NAME_MAX + 1];
	int flags = (int)a1, slot, acc = flags & LINUX_O_ACCMODE;
	struct linux_mq_attr attr = { .mq_maxmsg = MQ_MAXMSG_DEF, .mq_msgsize = MQ_MSGSIZE_DEF };
	struct mqueue *q;
	struct file *f;
	long rc = name_from_user(name, (uint64_t)a0);

	if (rc)
		return rc;
	if (acc == 3)
		return -LINUX_EINVAL;
	slot = find(name);
	if (slot >= 0) {
		if ((flags & (LINUX_O_CREAT | LINUX_O_EXCL)) == (LINUX_O_CREAT | LINUX_O_EXCL))
			return -LINUX_EEXIST;
		q = queues[slot];
	} else {
		if (!(flags & LINUX_O_CREAT))
			return -LINUX_ENOENT;
		if (a3) {
			if (copy_from_user(&attr, (uint64_t)a3, sizeof(attr)))
				return -LINUX_EFAULT;
			if (attr.mq_maxmsg <= 0 || attr.mq_msgsize <= 0 ||
			    attr.mq_maxmsg > MQ_MAXMSG_MAX || attr.mq_msgsize > MQ_MSGSIZE_MAX)
				return -LINUX_EINVAL;
		}
		for (slot = 0; slot < MQ_MAX && queues[slot]; slot++)
			;
		if (slot == MQ_MAX)
			return -LINUX_ENOSPC; /* as Linux past queues_max */
		q = kmalloc(sizeof(*q));
		if (!q)
			return -LINUX_ENOMEM;
		memset(q, 0, sizeof(*q));
		q->name = kmalloc(strlen(name) + 1);
		if (!q->name) {
			kfree(q);
			return -LINUX_ENOMEM;
		}
		memcpy(q->name, name, strlen(name) + 1);
		q->mode = (uint32_t)a2 & 0777 & ~proc_current->umask;
		q->maxmsg = attr.mq_maxmsg;
		q->msgsize = attr.mq_msgsize;
		queues[slot] = q;
	}
	f = file_new(&mq_ops, (uint32_t)acc | ((uint32_t)flags & LINUX_O_NONBLOCK), q);
	if (!f) {
		if (!q->refs) {
			queues[slot] = NULL;
			kfree(q->name);
			kfree(q);
		}
		return -LINUX_ENOMEM;
	}
	q->refs++;
	return fd_install(f, 0, -1, flags & LINUX_O_CLOEXEC);
}

long sys_mq_unlink(SYSCALL_ARGS)
{
	char name[MQ_NAME_MAX + 1];
	long rc = name_from_user(name, (uint64_t)a0);
	struct mqueue *q;
	int slot;

	if (rc)
		return rc;
	slot = find(name);
	if (slot < 0)
		return -LINUX_ENOENT;
	q = queues[slot];
	queues[slot] = NULL;
	kfree(q->name);
	q->name = NULL;
	q->refs++; /* mq_put drops it and frees an unreferenced queue */
	mq_put(q);
	return 0;
}

/* Wait on `key` for `f` until woken or `deadline` (0: none); 0 or -errno. */
static long mq_wait(struct file *f, uint64_t key, uint64_t deadline)
{
	if (deadline && deadline <= clock_uptime_ns())
		return -LINUX_ETIMEDOUT;
	return file_block(f, key, deadline);
}

static void notify(struct mqueue *q)
{
	struct proc *p = q->notify_pid ? proc_find(q->notify_pid) : NULL;

	if (!q->notify_pid)
		return;
	q->notify_pid = 0; /* one notification a registration */
	if (p && q->notify_kind == SIGEV_SIGNAL && q->notify_sig)
		proc_signal_value(p, q->notify_sig, LINUX_SI_MESGQ, q->notify_value);
}

long sys_mq_timedsend(SYSCALL_ARGS)
{
	struct file *f = mq_file(a0);
	struct mqueue *q;
	uint64_t len = (uint64_t)a2, deadline, done;
	uint32_t prio = (uint32_t)a3;
	struct mq_msg *m, **at;
	long rc;
	int i;

	if (!f || (f->flags & LINUX_O_ACCMODE) == LINUX_O_RDONLY)
		return -LINUX_EBADF;
	q = f->priv;
	if (len > (uint64_t)q->msgsize)
		return -LINUX_EMSGSIZE;
	if (prio >= MQ_PRIO_MAX)
		return -LINUX_EINVAL;
	rc = clock_timeout((uint64_t)a4, LINUX_CLOCK_REALTIME, &deadline);
	if (rc)
		return rc;
	m = kmalloc(sizeof(*m));
	if (!m)
		return -LINUX_ENOMEM;
	memset(m, 0, sizeof(*m));
	m->prio = prio;
	m->len = (uint32_t)len;
	for (i = 0, done = 0; done < len; i++, done += PAGE_SIZE) {
		uint64_t n = len - done < PAGE_SIZE ? len - done : PAGE_SIZE;

		m->frame[i] = mm_frame_alloc();
		if (!m->frame[i]) {
			msg_free(m);
			return -LINUX_ENOMEM;
		}
		if (copy_from_user(P2V(m->frame[i]), (uint64_t)a1 + done, n)) {
			msg_free(m);
			return -LINUX_EFAULT;
		}
	}
	while (q->curmsgs >= q->maxmsg) {
		if (f->flags & LINUX_O_NONBLOCK) {
			msg_free(m);
			return -LINUX_EAGAIN;
		}
		rc = mq_wait(f, key_send(q), deadline);
		if (rc < 0) {
			msg_free(m);
			return rc;
		}
	}
	/* Behind every message of its priority or higher. */
	for (at = &q->head; *at && (*at)->prio >= prio; at = &(*at)->next)
		;
	m->next = *at;
	*at = m;
	q->curmsgs++;
	if (q->curmsgs == 1 && !q->receivers)
		notify(q);
	sched_wake_key(key_recv(q), 1);
	file_changed(f, LINUX_POLLIN);
	return 0;
}

long sys_mq_timedreceive(SYSCALL_ARGS)
{
	struct file *f = mq_file(a0);
	struct mqueue *q;
	uint64_t deadline, done;
	struct mq_msg *m;
	long rc;
	int i;

	if (!f || (f->flags & LINUX_O_ACCMODE) == LINUX_O_WRONLY)
		return -LINUX_EBADF;
	q = f->priv;
	if ((uint64_t)a2 < (uint64_t)q->msgsize)
		return -LINUX_EMSGSIZE;
	rc = clock_timeout((uint64_t)a4, LINUX_CLOCK_REALTIME, &deadline);
	if (rc)
		return rc;
	while (!q->head) {
		if (f->flags & LINUX_O_NONBLOCK)
			return -LINUX_EAGAIN;
		q->receivers++;
		rc = mq_wait(f, key_recv(q), deadline);
		if (rc != -LINUX_EBADF)
			q->receivers--;
		if (rc < 0)
			return rc;
	}
	m = q->head;
	for (i = 0, done = 0; done < m->len; i++, done += PAGE_SIZE) {
		uint64_t n = m->len - done < PAGE_SIZE ? m->len - done : PAGE_SIZE;

		if (copy_to_user((uint64_t)a1 + done, P2V(m->frame[i]), n))
			return -LINUX_EFAULT; /* the message stays queued */
	}
	if (a3 && copy_to_user((uint64_t)a3, &m->prio, sizeof(m->prio)))
		return -LINUX_EFAULT;
	q->head = m->next;
	q->curmsgs--;
	rc = m->len;
	msg_free(m);
	sched_wake_key(key_send(q), 1);
	file_changed(f, LINUX_POLLOUT);
	return rc;
}

long sys_mq_notify(SYSCALL_ARGS)
{
	struct file *f = mq_file(a0);
	struct linux_sigevent ev;
	struct mqueue *q;

	if (!f)
		return -LINUX_EBADF;
	q = f->priv;
	if (!a1) {
		/* Unregister, when the registration is the caller's. */
		if (q->notify_pid == proc_current->pid)
			q->notify_pid = 0;
		return 0;
	}
	if (copy_from_user(&ev, (uint64_t)a1, sizeof(ev)))
		return -LINUX_EFAULT;
	if (ev.notify != SIGEV_SIGNAL && ev.notify != SIGEV_NONE)
		return -LINUX_EINVAL; /* SIGEV_THREAD: the libc's netlink socket never gets here */
	if (ev.notify == SIGEV_SIGNAL && (uint32_t)ev.signo > LINUX_NSIG) /* 0: no signal */
		return -LINUX_EINVAL;
	if (q->notify_pid && proc_find(q->notify_pid))
		return -LINUX_EBUSY;
	q->notify_pid = proc_current->pid;
	q->notify_kind = ev.notify;
	q->notify_sig = ev.signo;
	q->notify_value = ev.value;
	return 0;
}

long sys_mq_getsetattr(SYSCALL_ARGS)
{
	struct file *f = mq_file(a0);
	struct linux_mq_attr attr, old;
	struct mqueue *q;

	if (!f)
		return -LINUX_EBADF;
	q = f->priv;
	memset(&old, 0, sizeof(old));
	old.mq_flags = f->flags & LINUX_O_NONBLOCK;
	old.mq_maxmsg = q->maxmsg;
	old.mq_msgsize = q->msgsize;
	old.mq_curmsgs = q->curmsgs;
	if (a1) {
		if (copy_from_user(&attr, (uint64_t)a1, sizeof(attr)))
			return -LINUX_EFAULT;
		if (attr.mq_flags & ~(int64_t)LINUX_O_NONBLOCK)
			return -LINUX_EINVAL;
	}
	if (a2 && copy_to_user((uint64_t)a2, &old, sizeof(old)))
		return -LINUX_EFAULT;
	if (a1)
		f->flags = (f->flags & ~LINUX_O_NONBLOCK) | (uint32_t)attr.mq_flags;
	return 0;
}
