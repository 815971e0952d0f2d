/* Translation between newlib's numbering and the Linux x86-64 ABI (private to ulib). */
#ifndef ULIB_XLATE_H
#define ULIB_XLATE_H

/*
 * newlib for a bare target numbers errno values above 34, open flags,
 * signals, fcntl commands and sigprocmask's "how" its own way, and its
 * struct stat is not the kernel's.  The kernel speaks Linux (abi/linux.h), so
 * every glue function converts on the way in and on the way out, here.
 */

#include <signal.h>
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

/* The Linux directory descriptor for an *at() call's (fd): AT_FDCWD differs. */
long ulib_dirfd_to_linux(int fd);

/*
 * Linux AT_* flags for newlib ones (flags: AT_EACCESS, AT_SYMLINK_NOFOLLOW,
 * AT_SYMLINK_FOLLOW, AT_REMOVEDIR, AT_EMPTY_PATH); -1 when (flags) has a bit
 * newlib does not define (the caller fails with EINVAL).
 */
long ulib_atflags_to_linux(int flags);

/* Linux signal number for a newlib one (sig); -1 when there is none. */
int ulib_sig_to_linux(int sig);

/* newlib signal number for a Linux one (sig); -1 when there is none. */
int ulib_sig_from_linux(int sig);

/*
 * The kernel's 64-bit signal set (bit n-1 for signal n) for a newlib one
 * (set; bit n for signal n), and back.  Signals only one side can name
 * (newlib's SIGEMT and SIGLOST; Linux's SIGSTKFLT, SIGPWR, real-time ones)
 * are dropped.
 */
uint64_t ulib_sigset_to_linux(const sigset_t *set);
void ulib_sigset_from_linux(sigset_t *set, uint64_t lset);

/* Linux sa_flags for ulib's (flags: SA_* of <sys/signal.h>), and back; unknown bits dropped. */
uint64_t ulib_saflags_to_linux(int flags);
int ulib_saflags_from_linux(uint64_t flags);

/*
 * Fill si from the kernel's siginfo (lsi): the same layout, with si_signo,
 * si_errno and a SIGCHLD's si_status (when it names a signal) in newlib's
 * numbers.  si_code is Linux's in both.
 */
void ulib_siginfo_from_linux(siginfo_t *si, const struct linux_siginfo *lsi);

/* A Linux wait status (status) with its signal numbers made newlib's. */
int ulib_wstatus_from_linux(int status);

/* Fill the newlib struct stat (st) from the kernel's (ls). */
void ulib_stat_from_linux(struct stat *st, const struct linux_stat *ls);

#endif /* ULIB_XLATE_H */
