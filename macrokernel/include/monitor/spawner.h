/* The spawner: starts programs for a nanvixd that its seccomp filter keeps from doing so. */
#ifndef MONITOR_SPAWNER_H
#define MONITOR_SPAWNER_H

#include <stdbool.h>
#include <sys/types.h>

/*
 * Fork the spawner (monitor/spawner.c).  Call it early: before the VM's
 * memory is mapped and before any thread starts.  0 or -errno.
 */
int spawner_start(void);

/* Whether spawner_start succeeded (and spawner_stop was not called). */
bool spawner_running(void);

/*
 * Run `path` with argv (argv[0] is replaced by path) and `fd` as its fd 3,
 * its other descriptors closed and signals at their defaults, through the
 * spawner; *pid is the program's (a child of the spawner, not of the
 * caller).  0, or a positive errno: the exec's own, or ENOSYS without a
 * spawner.  Blocks until the program has exec'd.
 */
int spawner_spawn(const char *path, char *const argv[], int fd, pid_t *pid);

/* End the spawner (it also dies with its parent). */
void spawner_stop(void);

#endif /* MONITOR_SPAWNER_H */
