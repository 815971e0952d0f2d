/* nanvix-api's confinement (sandbox.c): its system-call allowlist, and the launcher that starts nanvixd outside it. */
#ifndef API_SANDBOX_H
#define API_SANDBOX_H

#include <stddef.h>
#include <sys/types.h>

/* The daemon's exit status when it makes a call its allowlist forbids (as nanvixd's). */
#define API_EXIT_SECCOMP 119

/*
 * Fork the launcher: a process that starts nanvixd for the daemon once
 * the daemon's filter is on (a filter is inherited across fork and exec:
 * started by the daemon itself, nanvixd would run under the daemon's
 * list).  Call it early, before the daemon opens anything or reads its
 * keys: the launcher keeps only stdin, stdout, stderr and its socket.
 * It dies with the daemon.  0 or -errno.
 */
int launcher_start(void);

/* End the launcher and wait for it (it also dies with the daemon). */
void launcher_stop(void);

/*
 * Start argv[0] (through the launcher if it runs, which starts only the
 * daemon's nanvixd, else by a fork of the daemon) with argv and envp: a
 * child of the daemon either way (the launcher clones with CLONE_PARENT,
 * so the daemon gets its SIGCHLD and waits for it), in a process group of
 * its own, killed with the daemon (PR_SET_PDEATHSIG), its signals at their
 * defaults, fds[0..2] its stdin, stdout and stderr and fds[3] its fd 3.
 * `report` is the write end of a close-on-exec pipe: the new process
 * writes an errno there if it cannot exec, and nothing otherwise.  The
 * caller keeps (and closes) all the descriptors.  The pid, or -errno.
 */
pid_t launcher_spawn(char *const argv[], char *const envp[], const int fds[4], int report);

/*
 * Confine the daemon (seccomp, with no_new_privs) to what serving the API
 * needs once it listens; a forbidden call then ends it with
 * API_EXIT_SECCOMP and one line on stderr (and its VMs with it).  0, or
 * -1 with why.
 */
int api_sandbox_install(char *err, size_t errlen);

#endif /* API_SANDBOX_H */
