/* nanvixd's system-call allowlist (monitor/sandbox.c). */
#ifndef MONITOR_SANDBOX_H
#define MONITOR_SANDBOX_H

#include <stddef.h>

/*
 * Confine every thread of this process to what serving a running VM needs
 * (seccomp, with no_new_privs); a forbidden call then ends the process
 * with NANVIXD_EXIT_SECCOMP and one line on stderr.  0, or -1 with why.
 */
int sandbox_install(char *err, size_t errlen);

/*
 * The same for nanvix-uplink, which also opens sockets (socket, connect,
 * bind, listen: the guest's connections, DNS lookups); its stop line
 * names it.  Still forbidden: execve, ptrace, mount, namespaces and the
 * rest.
 */
int sandbox_install_uplink(char *err, size_t errlen);

/* The program the stop line names (default "nanvixd"; a static string). */
void sandbox_set_name(const char *name);

#endif /* MONITOR_SANDBOX_H */
