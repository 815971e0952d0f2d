/* Guest placement: the kernel's side of the in-VM fs server (abi/fsd.h). */
#ifndef FD_FSD_H
#define FD_FSD_H

#include <lib/klib.h>

struct file;
struct proc;

/* Forward file calls to an in-VM server (boot flag NANVIX_BOOT_FS_GUEST). */
void fsd_init(bool guest);
bool fsd_enabled(void);

/*
 * One request to the server, made by the current thread: opcode `op` with
 * args[0] = `cr3` (the address space the pointer arguments belong to) and
 * args[1..5] = a[0..4].  Sleeps until the server answers (a server that
 * has not started yet is waited for); -EIO once the server is gone.
 */
long fsd_call(uint16_t op, uint64_t cr3, const uint64_t a[5], uint64_t *value);

/* Open /dev/fsd: the caller becomes the server (once per boot). */
long fsd_open(uint32_t flags, struct file **out);

/* Process `p` exits or replaces its image: if it is the server, it is gone. */
void fsd_proc_gone(struct proc *p);

/* The server's address space (for a program it loaded), or 0. */
uint64_t fsd_server_cr3(void);

#endif /* FD_FSD_H */
