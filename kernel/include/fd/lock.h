/* Advisory file locks: fcntl record locks (process-owned and OFD) and flock. */
#ifndef FD_LOCK_H
#define FD_LOCK_H

#include <lib/klib.h>

struct file;
struct proc;

/* fcntl's F_GETLK/F_SETLK/F_SETLKW and the F_OFD_* three on `f`, with the
 * user's struct flock at `uflock`; 0 or -errno as Linux answers. */
long lock_fcntl(struct file *f, long cmd, uint64_t uflock);

/* flock(2) on `f` (LOCK_SH/LOCK_EX/LOCK_UN, | LOCK_NB). */
long lock_flock(struct file *f, long op);

/*
 * `p` closes a descriptor of `f`: as on Linux, every record lock p holds
 * on f's file goes, whichever descriptor took it.  Cheap when p holds none.
 */
void lock_close(struct proc *p, struct file *f);

/* The last reference to `f` goes: its OFD and flock locks go with it. */
void lock_file_gone(struct file *f);

/* Process `p` ends: its record locks go (its descriptors' closes dropped
 * them already unless a file could not be identified). */
void lock_proc_gone(struct proc *p);

#endif /* FD_LOCK_H */
