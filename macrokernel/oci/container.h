/* A container's two-step birth: create (a child waits on ROOT/ID/exec.fifo) and start. */
#ifndef OCI_CONTAINER_H
#define OCI_CONTAINER_H

#define OCI_START_TIMEOUT_MS 10000 /* start gives up on a child that never opens the fifo */

struct oci_create {
	const char *root;           /* the state directory (--root) */
	const char *id;             /* the container id, already checked by oci_id_valid */
	const char *bundle;         /* --bundle */
	const char *pid_file;       /* --pid-file, or NULL */
	const char *console_socket; /* --console-socket, or NULL */
};

/*
 * runc create: read the bundle, fork the container's process (waiting, its
 * stdio create's own, in the network namespace given), write its pid to the
 * pid file and ROOT/ID/state.json.  Returns 0, or -1 with the error logged
 * and nothing left behind.
 */
int oci_container_create(const struct oci_create *c);

/*
 * runc start: let the waiting process of ROOT/ID (DIR) run: it execs nanvixd,
 * or becomes a sandbox's placeholder.  Returns 0 once it has, or -1 with the
 * error logged (the exec failed, or the container is not in the created state).
 */
int oci_container_start(const char *dir, const char *id);

/*
 * Remove DIR and everything in it, never following a symlink: tmpfs
 * directories the guest wrote into live there.  0 or -1 with errno.
 */
int oci_container_remove_dir(const char *dir);

#endif
