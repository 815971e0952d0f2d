/* The default /tmp: a private host directory, mounted as a volume, removed at exit. */
#ifndef MONITOR_TMPVOL_H
#define MONITOR_TMPVOL_H

#include <stddef.h>

/*
 * Make a new private directory (mode 0700) for the VM's /tmp: under
 * /dev/shm when that is a writable directory (memory, as a tmpfs /tmp),
 * else under $TMPDIR, else /tmp; named nanvixd-tmp.XXXXXX.  Its path goes
 * to path[len].  Returns 0, or -errno after printing why.
 */
int tmpvol_create(char *path, size_t len);

/*
 * Remove `path` and everything beneath it, symlinks as links (never
 * followed), and say so on stderr if something stays.  Call once the VM
 * is gone; a no-op for an empty path.
 */
void tmpvol_remove(const char *path);

#endif /* MONITOR_TMPVOL_H */
