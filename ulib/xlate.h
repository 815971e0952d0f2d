/* Translation between newlib's numbering and the Linux x86-64 ABI (private to ulib). */
#ifndef ULIB_XLATE_H
#define ULIB_XLATE_H

/*
 * newlib for a bare target numbers errno values above 34, open flags,
 * signals, fcntl commands and sigprocmask's "how" its own way, and its
 * struct stat is not the kernel's.  The kernel speaks Linux (abi/linux.h), so
 * every glue function converts on the way in and on the way out, here.
 */

#include <stdint.h>
#include <sys/stat.h>

#include <abi/linux.h>

/*
 * Turn a raw system-call result (r) into the libc convention: values in
 * [-4095, -1] set errno to the newlib equivalent of -r and give -1; anything
 * else is returned unchanged.
 */
long ulib_ret(long r);

/* The newlib errno value for Linux errno (e); EIO when newlib has none. */
int ulib_errno_from_linux(long e);

/* Linux open(2) flags for newlib ones (flags), and back. */
int ulib_oflags_to_linux(int flags);
int ulib_oflags_from_linux(int flags);

/* Linux signal number for a newlib one (sig); -1 when there is none. */
int ulib_sig_to_linux(int sig);

/* newlib signal number for a Linux one (sig); -1 when there is none. */
int ulib_sig_from_linux(int sig);

/* A Linux wait status (status) with its signal numbers made newlib's. */
int ulib_wstatus_from_linux(int status);

/* Fill the newlib struct stat (st) from the kernel's (ls). */
void ulib_stat_from_linux(struct stat *st, const struct linux_stat *ls);

#endif /* ULIB_XLATE_H */
