/* nanvixd's side of the shared macro-kernel: one VM's connection to bin/macrokernel. */
#ifndef MONITOR_CLIENT_H
#define MONITOR_CLIENT_H

#include <signal.h>
#include <stdint.h>

#include <mk/mk.h>
#include <monitor/vm.h>

/* A connection to the shared macro-kernel (server/proto.h). */
struct mk_client {
	const char *path; /* the server's socket */
	int sock, kick;   /* the connection and the kick eventfd, or -1 */
	uint64_t kicks;   /* completions received */
	volatile sig_atomic_t *timed_out;
};

/* Initialise `cl` unattached, so that mk_client_close may always be called. */
void mk_client_init(struct mk_client *cl);

/*
 * Connect to the shared macro-kernel listening on `sockpath`, send the hello
 * for `cfg` with vm's guest RAM memfd and a new kick eventfd, and point
 * vm's doorbell at the connection.  Returns 0, or a nanvixd status after
 * printing why.  Call once, after vm_create and boot_prepare.
 */
int mk_client_attach(struct mk_client *cl, struct vm *vm, const char *sockpath,
                     const struct mk_config *cfg);

/* Close the connection (detaching the VM from the server) and the eventfd. */
void mk_client_close(struct mk_client *cl);

#endif /* MONITOR_CLIENT_H */
