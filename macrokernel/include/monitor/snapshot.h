/* Snapshots of a VM: a small versioned state file and a sparse memory file. */
#ifndef MONITOR_SNAPSHOT_H
#define MONITOR_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <monitor/vm.h>

/*
 * A snapshot is a directory holding two files (docs/architecture.md,
 * Snapshots):
 *
 *   state  the vCPU's registers and every piece of state a later KVM_RUN
 *          depends on, where the kernel keeps its boot info and clocks,
 *          the VM's configuration (memory size, programs, components), the
 *          build of the host side that took it, the CPU and TSC it ran on,
 *          the memory file's hash, and a hash of itself;
 *   mem    guest RAM as a sparse raw file: pages that were zero are holes.
 *
 * Restored VMs map `mem` MAP_PRIVATE: they share its pages (the host's
 * page cache) and own only what they write.
 */

/* What the state records of the VM's components (placement at snapshot time). */
#define SNAP_NET_GUEST (1u << 0) /* lwIP in the VM (netd): its state is in `mem` */
/* A read-only disk image served to the VM's own file server (--disk IMG:ro
 * --fs=guest): the file system's state is in `mem`, the image is named and
 * identified in the state, and must be the same file, unchanged, when
 * restored. */
#define SNAP_DISK_RO (1u << 1)

/* A snapshot opened and checked once (snapshot_open), to restore from many times. */
struct snap_image;

/*
 * Save `vm`, stopped at the snapshot hypercall whose argument block is at
 * guest-physical `hc_gpa` (its pending exit already completed), into `dir`
 * (made if missing; the files are written beside and renamed, so a reader
 * never sees half a snapshot).  `kernel` is the kernel image it booted
 * (hashed as its build id), `flags` SNAP_*; with SNAP_DISK_RO, `disk` is
 * the image's blksw spec ("PATH:ro").  0, or -1 with why in err.
 */
int snapshot_save(struct vm *vm, const char *dir, uint64_t hc_gpa, const void *kernel,
                  size_t kernel_size, uint32_t flags, const char *disk, char *err,
                  size_t errlen);

/* With SNAP_DISK_RO: the disk's blksw spec ("ABSOLUTE-PATH:ro"), else NULL. */
const char *snapshot_disk(const struct snap_image *img);

/*
 * Open the snapshot in `dir` and check it: both files there, the format,
 * the state's own hash, the memory file's size and hash, and that this
 * nanvixd, CPU and TSC rate are the ones it was taken with.  0 with *out
 * set, or -1 with why in err (a corrupt, truncated or foreign snapshot is
 * refused here, never run).
 */
int snapshot_open(struct snap_image **out, const char *dir, char *err, size_t errlen);

/* Close an opened snapshot (restored VMs keep their own mapping of `mem`). */
void snapshot_close(struct snap_image *img);

/* What a VM restored from `img` is made with. */
uint64_t snapshot_mem_size(const struct snap_image *img);
int snapshot_mem_fd(const struct snap_image *img);
uint32_t snapshot_flags(const struct snap_image *img);
const char *snapshot_name(const struct snap_image *img);
const struct vm_program *snapshot_programs(const struct snap_image *img, int *n);

/*
 * Put `vm` (made by vm_create with vm->mem_fd = snapshot_mem_fd(img), or
 * one already restored from `img`, when `in_place`) into the snapshot's
 * state: guest RAM back to the file's pages (in place: private pages
 * dropped), the vCPU's registers, and, before the first instruction, a new
 * generation, a fresh seed and corrected clocks in the boot info, and the
 * snapshot call's return value.  0, or a nanvixd status after printing why.
 */
int snapshot_restore(struct vm *vm, const struct snap_image *img, bool in_place);

#endif /* MONITOR_SNAPSHOT_H */
