/* The file-system service: forwarded file calls against a namespace of mounts. */
#ifndef FS_SERVICE_H
#define FS_SERVICE_H

/*
 * One service per VM.  It owns the VM's namespace (an ext2 disk at "/" and
 * host volumes at mount points), its table of open handles and their
 * offsets, and answers the NANVIX_FS_* requests of abi/ring.h.  The same
 * source serves both placements: linked into the macro-kernel (the guest
 * forwards its calls over the ring) and into the guest's fs server (the
 * kernel forwards to it inside the VM).  Only struct svc_mem differs: how
 * the caller's memory is reached.
 *
 * Every request field is hostile: handles are looked up in the table,
 * paths are copied in with a bound and walked component by component by
 * the service itself ("..", symlinks and mount points included), so no
 * name ever reaches a backend with a '/' in it, and nothing resolves above
 * the namespace root or outside a volume.  Errors are negative Linux errno
 * values.  Not thread-safe: one caller at a time per service.
 */

#include <stddef.h>
#include <stdint.h>

#include <abi/ring.h>
#include <fs/blkdev.h>
#include <svc/mem.h>

struct fs_service;

/* A new, empty service; NULL when out of memory. */
struct fs_service *fs_service_new(void);

/* Unmount everything (flushing the disks), close every handle, free. */
void fs_service_free(struct fs_service *s);

/*
 * Mount an ext2 disk at "/" (only "/" for now).  Returns 0, or a negative
 * errno with a one-line reason in err.  The blkdev must outlive the service.
 */
int fs_service_mount_ext2(struct fs_service *s, const struct blkdev *dev, int readonly, char *err,
                          size_t errlen);

/*
 * Map the host directory `hostdir` at the absolute guest path `at` (host
 * placement only: fs/volume.h).  The service resolves every name beneath it
 * one component at a time with openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS
 * | RESOLVE_NO_MAGICLINKS) and follows symlinks itself, inside the guest
 * namespace, so nothing outside hostdir is ever reached.
 */
int fs_service_mount_volume(struct fs_service *s, const char *at, const char *hostdir, int readonly,
                            char *err, size_t errlen);

/*
 * Bound the volume mounted at `at` (an empty, writable host directory: the
 * default /tmp) to `max_bytes` of stored data and one name per 4 KiB of it,
 * as a tmpfs of that size would be: past either the guest gets ENOSPC.
 * Returns 0, or a negative errno with a one-line reason in err.
 */
int fs_service_limit_volume(struct fs_service *s, const char *at, uint64_t max_bytes, char *err,
                            size_t errlen);

/* True when something is mounted (the VM has a file system at all). */
int fs_service_active(const struct fs_service *s);

/*
 * Serve one request (a private, already copied slot).  Returns the Linux
 * result (>= 0) or -errno; *value receives a handle or offset for the
 * calls that return one.  -EINVAL also for malformed requests.
 */
int64_t fs_service_call(struct fs_service *s, const struct nanvix_ring_req *q,
                        const struct svc_mem *m, uint64_t *value);

/*
 * Read the whole regular file `path` (resolved against handle `dir`, a
 * pointer in the caller's own memory) into a new malloc'ed buffer: execve
 * of a program on the disk.  0, or -ENOENT..., -EACCES (not a regular file,
 * no execute bit), -ENOEXEC (empty), -EFBIG (over `max` bytes).
 */
int fs_service_load(struct fs_service *s, uint64_t dir, const char *path, size_t max, void **buf,
                    size_t *len);

/* Counters for --stats. */
struct fs_service_stats {
	uint64_t calls, errors, handles_open, handles_max;
	/* Size-limited volumes (fs_service_limit_volume): what they hold, their limits. */
	uint64_t limited_bytes, limited_max;
};
void fs_service_stats(const struct fs_service *s, struct fs_service_stats *out);

/* Most handles one VM may hold open (each volume handle holds a host fd). */
#define FS_HANDLES_MAX 1024

#endif /* FS_SERVICE_H */
