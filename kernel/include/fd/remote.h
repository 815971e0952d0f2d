/* Files served by the fs component: calls forwarded as requests on the ring. */
#ifndef FD_REMOTE_H
#define FD_REMOTE_H

#include <abi/bootinfo.h>
#include <abi/ring.h>
#include <ipc/ring.h>
#include <lib/klib.h>

struct file;

/* Adopt the ring the host laid out (boot info); forwarding is on when
 * NANVIX_BOOT_FS is set. */
void remote_init(const struct nanvix_bootinfo *bi);

/* True when file calls have somewhere to go. */
bool remote_active(void);

/*
 * One file request: opcode `op` with args[1..5] = a[0..4] (args[0] is the
 * current address space, so pointer arguments are the caller's user
 * addresses).  Returns the completion status (>= 0 or -errno); *value (if
 * not NULL) receives the completion's value.  -EIO if the host answered
 * nothing.  On the ring it never blocks in the kernel (the doorbell returns
 * with the answer in place); to the in-VM server it sleeps until answered.
 */
long remote_call(uint16_t op, const uint64_t a[5], uint64_t *value);

/* Wrap host handle `h` in a new file (one reference), or NULL (the handle
 * is closed then). */
struct file *remote_file(uint64_t h, uint32_t flags, bool dir);

/* The handle behind `f`, or 0 when `f` is not a remote file. */
uint64_t remote_handle(const struct file *f);

/* `f`'s entry in an fd map (abi/vvar.h), 0 when not a remote file. */
uint32_t remote_fdmap_entry(const struct file *f);

/* True when `f` is a remote directory. */
bool remote_is_dir(const struct file *f);

/* The file calls of kernel/sys/sys_fs.c other files need: open (devices
 * aside), fstat and lseek of a remote file. */
long fs_open(long dirfd, uint64_t upath, long flags, long mode);
long sys_fs_fstat(struct file *f, uint64_t ubuf);
long sys_fs_lseek(struct file *f, long off, long whence);

#endif /* FD_REMOTE_H */
