/* nanvixd's system-call allowlists (monitor/sandbox.c): the process's, and each thread's. */
#ifndef MONITOR_SANDBOX_H
#define MONITOR_SANDBOX_H

#include <stddef.h>

/* What a thread of nanvixd or bin/macrokernel does, which decides its list (monitor/sandbox.c). */
enum sandbox_role {
	SANDBOX_VCPU,      /* runs the guest (vm_run) and serves its exits inline */
	SANDBOX_IO_THREAD, /* waits on descriptors and wakes the vCPU (the network watcher) */
	SANDBOX_CONTROL,   /* reads requests on a socket, sets flags on the VM (--control-fd) */
	SANDBOX_MK_VM,     /* bin/macrokernel: serves one VM's rings (server/conn.c) */
	SANDBOX_MK_NET,    /* bin/macrokernel: pumps the tenant network (mk_net_run) */
	SANDBOX_ROLES
};

/*
 * Confine every thread of this process to what serving a running VM needs
 * (seccomp, with no_new_privs), then give each thread that asked for its
 * role before (sandbox_thread) its own list.  A forbidden call then ends
 * the process with NANVIXD_EXIT_SECCOMP and one line on stderr.  Call it
 * once, from the thread that built the VM, once everything that opens,
 * maps or spawns at start is done.  0, or -1 with why.
 */
int sandbox_install(char *err, size_t errlen);

/*
 * Narrow the calling thread to `role`'s list, on top of the process's
 * (the lists and why: monitor/sandbox.c).  Call it where the thread's own
 * set-up is done and its loop begins.  Before sandbox_install it only
 * notes the thread: sandbox_install then loads the list on it (with a
 * signal, SIGRTMIN + 1, whose handler must be able to run on that thread:
 * do not block it), so helper threads may call it at their start, and a
 * process that never confines itself (--seccomp=off) gets no filter.
 * Calling it again with the same role does nothing.  0, or -1 with why.
 *
 * Linked into nanvixd only: in the instance library's other users
 * (nanvix-serve, the benches) it is NULL, and callers there check.
 */
int sandbox_thread(enum sandbox_role role, char *err, size_t errlen) __attribute__((weak));

/*
 * The same for nanvix-uplink, which also opens sockets (socket, connect,
 * bind, listen: the guest's connections, DNS lookups); its stop line
 * names it.  Still forbidden: execve, ptrace, mount, namespaces and the
 * rest.
 */
int sandbox_install_uplink(char *err, size_t errlen);

/*
 * A program's own list, not nanvixd's (nanvix-api's): calls[ncalls] by
 * name (those this kernel lacks are skipped), ioctl only with
 * ioctls[nioctls] (any ioctl when ioctls is NULL), on the calling thread
 * and the threads it starts later, with no_new_privs.  A forbidden call
 * stops the process as nanvixd's do (NANVIXD_EXIT_SECCOMP, one line
 * naming `name`, a static string).  0, or -1 with why.
 */
int sandbox_install_list(const char *name, const char *const *calls, size_t ncalls,
                         const unsigned long *ioctls, size_t nioctls, char *err, size_t errlen);

/* The program the stop line names (default "nanvixd"; a static string). */
void sandbox_set_name(const char *name);

/* Also write the stop line, as "event seccomp_kill LINE", to `fd` (monitor/control.c). */
void sandbox_set_event_fd(int fd);

#endif /* MONITOR_SANDBOX_H */
