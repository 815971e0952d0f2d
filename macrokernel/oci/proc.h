/* Host processes as nanvix-runc sees them: liveness (pid reuse guarded) and process trees. */
#ifndef OCI_PROC_H
#define OCI_PROC_H

#include <stddef.h>
#include <sys/types.h>

#define OCI_TREE_MAX 4096 /* processes oci_proc_tree lists at most */

/*
 * PID's start time (field 22 of /proc/PID/stat, clock ticks since boot), or
 * 0 when PID does not exist or is a zombie: a pid with another start time
 * than the one recorded at create is another process (the pid was reused).
 */
unsigned long long oci_proc_start_time(pid_t pid);

/* Whether PID is alive and still the process that started at START. */
int oci_proc_alive(pid_t pid, unsigned long long start);

/*
 * PID and its descendants (breadth first, PID first) into OUT, at most MAX.
 * Returns how many; 0 when PID is gone.
 */
size_t oci_proc_tree(pid_t pid, pid_t *out, size_t max);

#endif
