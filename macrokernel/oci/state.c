/* Container state files for nanvix-runc: ROOT/ID/state.json and the status derived from it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "proc.h"
#include "log.h"
#include "state.h"

int oci_id_valid(const char *id)
{
	size_t n = strlen(id);

	if (n == 0 || n > OCI_ID_MAX || strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
		return 0;
	return strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+.-") ==
	       n;
}

int oci_state_save(const char *dir, const struct oci_state *st)
{
	char tmp[4096], path[4096];
	json_t *obj;
	int fd, rc = -1;

	obj = json_pack("{s:s, s:s, s:i, s:I, s:s, s:s, s:s, s:b, s:O}", "id", st->id, "ociVersion",
	                st->version, "pid", (int)st->pid, "start", (json_int_t)st->start, "bundle",
	                st->bundle, "rootfs", st->rootfs, "created", st->created, "sandbox",
	                st->sandbox, "annotations", st->annotations);
	if (obj == NULL) {
		errno = ENOMEM;
		return -1;
	}
	snprintf(tmp, sizeof(tmp), "%s/%s.tmp", dir, OCI_STATE_FILE);
	snprintf(path, sizeof(path), "%s/%s", dir, OCI_STATE_FILE);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		goto out;
	if (json_dumpfd(obj, fd, JSON_INDENT(2)) < 0 || fsync(fd) < 0) {
		int saved = errno;

		close(fd);
		unlink(tmp);
		errno = saved != 0 ? saved : EIO;
		goto out;
	}
	close(fd);
	rc = rename(tmp, path);
out:
	json_decref(obj);
	return rc;
}

static char *dup_field(json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return strdup(s != NULL ? s : "");
}

int oci_state_load(const char *dir, struct oci_state *st, char *why, size_t whylen)
{
	char path[4096];
	json_error_t err;
	json_t *obj;

	memset(st, 0, sizeof(*st));
	snprintf(path, sizeof(path), "%s/%s", dir, OCI_STATE_FILE);
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0) {
		snprintf(why, whylen, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	obj = json_loadfd(fd, 0, &err);
	close(fd);
	if (obj == NULL || !json_is_object(obj) || !json_is_integer(json_object_get(obj, "pid")) ||
	    !json_is_string(json_object_get(obj, "id"))) {
		snprintf(why, whylen, "%s is corrupt%s%s", path, obj == NULL ? ": " : "",
		         obj == NULL ? err.text : "");
		json_decref(obj);
		errno = EINVAL;
		return -1;
	}
	st->id = dup_field(obj, "id");
	st->version = dup_field(obj, "ociVersion");
	st->bundle = dup_field(obj, "bundle");
	st->rootfs = dup_field(obj, "rootfs");
	st->created = dup_field(obj, "created");
	st->pid = (pid_t)json_integer_value(json_object_get(obj, "pid"));
	st->start = (unsigned long long)json_integer_value(json_object_get(obj, "start"));
	st->sandbox = json_is_true(json_object_get(obj, "sandbox"));
	st->annotations = json_object_get(obj, "annotations");
	st->annotations =
	        json_is_object(st->annotations) ? json_incref(st->annotations) : json_object();
	json_decref(obj);
	if (st->id == NULL || st->version == NULL || st->bundle == NULL || st->rootfs == NULL ||
	    st->created == NULL) {
		oci_state_free(st);
		snprintf(why, whylen, "out of memory");
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

void oci_state_free(struct oci_state *st)
{
	free(st->id);
	free(st->version);
	free(st->bundle);
	free(st->rootfs);
	free(st->created);
	json_decref(st->annotations);
	memset(st, 0, sizeof(*st));
}

enum oci_status oci_state_status(const char *dir, const struct oci_state *st)
{
	char fifo[4096];

	if (!oci_proc_alive(st->pid, st->start))
		return OCI_STOPPED;
	snprintf(fifo, sizeof(fifo), "%s/%s", dir, OCI_FIFO_FILE);
	return access(fifo, F_OK) == 0 ? OCI_CREATED : OCI_RUNNING;
}

const char *oci_status_name(enum oci_status status)
{
	static const char *const names[] = {
		[OCI_CREATED] = "created",
		[OCI_RUNNING] = "running",
		[OCI_STOPPED] = "stopped",
	};

	return names[status];
}

json_t *oci_state_json(const struct oci_state *st, enum oci_status status)
{
	json_t *obj = json_pack(
	        "{s:s, s:s, s:i, s:s, s:s, s:s, s:s, s:s}", "ociVersion", st->version, "id", st->id,
	        "pid", status == OCI_STOPPED ? 0 : (int)st->pid, "status", oci_status_name(status),
	        "bundle", st->bundle, "rootfs", st->rootfs, "created", st->created, "owner", "");

	if (obj != NULL && json_object_size(st->annotations) > 0)
		json_object_set(obj, "annotations", st->annotations);
	return obj;
}
