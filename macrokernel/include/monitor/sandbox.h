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

#endif /* MONITOR_SANDBOX_H */
