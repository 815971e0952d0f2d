/* nanvixd's side of the shared macro-kernel: one VM's connection to bin/macrokernel. */
#ifndef MONITOR_CLIENT_H
#define MONITOR_CLIENT_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include <mk/mk.h>
#include <monitor/vm.h>

/* A connection to the shared macro-kernel (server/proto.h). */
struct mk_client {
	const char *path; /* the server's socket */
	int sock, kick;   /* the connection and the kick eventfd, or -1 */
	int notify;       /* the eventfd the server writes on network events, or -1 */
	uint64_t kicks;   /* completions received */
	bool pending;     /* a kick or load sent whose answer is not read yet */
	volatile sig_atomic_t *timed_out;
};

/* Initialise `cl` unattached, so that mk_client_close may always be called. */
void mk_client_init(struct mk_client *cl);

/*
 * Connect to the shared macro-kernel listening on `sockpath`, send the hello
 * for `cfg` with vm's guest RAM memfd and a new kick eventfd, and point
 * vm's doorbell (ring_kick) and execve's loader (load_file) at the
 * connection.  Returns 0, or a nanvixd status after printing why.  Call
 * once, after vm_create and boot_prepare.
 */
int mk_client_attach(struct mk_client *cl, struct vm *vm, const char *sockpath,
                     const struct mk_config *cfg);

/*
 * vm->load_file for a shared macro-kernel: ask the server to read the
 * regular file at `path` (relative paths from fs handle `cwd`) from the
 * VM's file system.  0 and a malloc'd *buf of *len bytes (1..64 MiB), or
 * -errno: the server's, -ENAMETOOLONG for a path it cannot carry, -EIO
 * (after printing why) when the server is gone or answers wrongly, -EINTR
 * when --timeout expired.  `ctx` is the struct mk_client; vCPU thread only.
 */
int mk_client_load_file(void *ctx, uint64_t cwd, const char *path, void **buf, size_t *len);

/*
 * The server's counters for this VM (for --stats), asked for and awaited
 * at most 5 s.  0, or -1 after printing why.  Call while attached, with no
 * kick or load in flight (after the VM has stopped).
 */
int mk_client_stats(struct mk_client *cl, struct mk_stats *out);

/* Close the connection (detaching the VM from the server) and the eventfd. */
/*
 * Ask the macro-kernel to publish `pub` (nanvixd -p) for this VM.  0, or
 * -1 after printing why (a host port in use, no network there...).
 */
struct netsw_publish;
int mk_client_publish(struct mk_client *cl, const struct netsw_publish *pub);

void mk_client_close(struct mk_client *cl);

#endif /* MONITOR_CLIENT_H */
