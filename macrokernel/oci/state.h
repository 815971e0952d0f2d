/* A container's state: ROOT/ID/state.json, written atomically, and its status. */
#ifndef OCI_STATE_H
#define OCI_STATE_H

#include <stddef.h>
#include <sys/types.h>

#include <jansson.h>

#define OCI_ROOT_DEFAULT "/run/nanvix-runc"
#define OCI_ID_MAX       255 /* a container id is one file name */
#define OCI_STATE_FILE   "state.json"
#define OCI_FIFO_FILE    "exec.fifo" /* present from create until start */
#define OCI_STATE_MAX    (8u << 20)  /* bytes of state.json read back */

enum oci_status { OCI_CREATED, OCI_RUNNING, OCI_STOPPED };

struct oci_state {
	char *id;
	char *version; /* the bundle's ociVersion */
	char *bundle;
	char *rootfs;
	char *created;            /* RFC 3339, UTC */
	pid_t pid;                /* the waiting child, then nanvixd (or the sandbox placeholder) */
	unsigned long long start; /* the pid's start time (proc.h): guards pid reuse */
	int sandbox;
	json_t *annotations; /* an object, owned */
};

/* Whether ID is a valid container id ([A-Za-z0-9_+.-], not . or .., at most OCI_ID_MAX). */
int oci_id_valid(const char *id);

/* ST saved into DIR/state.json (a temporary file renamed over it); 0 or -1 with errno. */
int oci_state_save(const char *dir, const struct oci_state *st);

/* DIR/state.json read into ST; 0, or -1 with the reason in WHY (errno ENOENT: none). */
int oci_state_load(const char *dir, struct oci_state *st, char *why, size_t whylen);

void oci_state_free(struct oci_state *st);

/* Created while DIR's exec fifo exists, running while the process lives, else stopped. */
enum oci_status oci_state_status(const char *dir, const struct oci_state *st);

const char *oci_status_name(enum oci_status status);

/* The state as runc's `state` command prints it (a new reference). */
json_t *oci_state_json(const struct oci_state *st, enum oci_status status);

#endif
