/* bin/macrokernel's private interface between its accept loop and its per-VM threads. */
#ifndef SERVER_SERVER_H
#define SERVER_SERVER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include <server/proto.h>

struct blksw;
struct netsw;
struct conn;

/* The process: one storage switch, one network switch and one --root for every VM. */
struct server {
	struct blksw *sw;
	struct netsw *net; /* the tenant network (its pump: mk_net_run) */
	int rootfd;        /* O_PATH directory: disks and volumes live beneath it */
	unsigned max_vms;
	bool verbose;
	bool sandboxed; /* seccomp on: each VM's thread narrows itself (SANDBOX_MK_VM) */

	/* Live connections (hello pending or attached); guarded by lock. */
	pthread_mutex_t lock;
	pthread_cond_t idle; /* signalled when nconns drops */
	struct conn *conns;
	unsigned nconns;
	unsigned long long next_id;
	bool stopping; /* no new connections; threads are being told to end */
};

/*
 * Take the accepted connection `fd` (close-on-exec): refuse it with a reply
 * when the server already holds max_vms connections, else hand it to a new
 * detached thread that reads its hello, attaches the VM and serves its
 * kicks until the client goes away.  Never blocks on the client.  Called
 * by the accept loop only.
 */
void conn_start(struct server *s, int fd);

/* Ask every connection's thread to end (they detach their VMs) and wait up to `secs`. */
void conn_stop_all(struct server *s, int secs);

struct mk_config;

/*
 * Check a hello of `len` bytes (every field, see server/proto.h: the
 * header here, each section by its component) and fill *cfg from it (its
 * strings point into `msg`; notify_fd -1).  Returns 0; -EPROTO when it is
 * malformed (magic, version, sizes, sections, unterminated strings,
 * reserved fields); or -EINVAL when it is well formed but asks for what
 * is not allowed (paths outside the root, a guest placement without a
 * disk): a refused configuration.  A one-line reason goes to err.
 */
int hello_check(const void *msg, size_t len, struct mk_config *cfg, char *err, size_t errlen);

/* Print "macrokernel: " and the message to stderr (one line, one write). */
void srv_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* SERVER_SERVER_H */
