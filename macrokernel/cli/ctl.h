/* ctl: bin/nanvix's VM lifecycle commands, clients of nanvix-api (docs/api/openapi.yaml). */
#ifndef NANVIX_CLI_CTL_H
#define NANVIX_CLI_CTL_H

#include <stdio.h>

/* The client's version, as `nanvix version` shows it. */
#define CTL_VERSION "0.1.0"

/* Whether NAME is one of the lifecycle commands (run, ps, logs, ..., fn). */
int ctl_is_command(const char *name);

/* Write one line a lifecycle command (synopsis and summary) to F, for nanvix --help. */
void ctl_list(FILE *f);

/*
 * Run the lifecycle command argv[0] with its arguments.  HOST is -H's
 * address of the daemon, or NULL for $NANVIX_HOST or the default socket;
 * the API key comes from $NANVIX_API_KEY.  Returns the exit status: 0, 1
 * when something failed (said on stderr), 2 for bad usage, or the VM's
 * exit status for `run` (not detached), `wait` and `fn invoke`.
 */
int ctl_main(const char *host, int argc, char **argv);

#endif
