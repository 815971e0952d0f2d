/* Conversions between newlib's errno, flag and signal numbers and Linux's. */
#define __LINUX_ERRNO_EXTENSIONS__ /* EBADFD, ESHUTDOWN, ... */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>

#include <abi/linux.h>

#include "xlate.h"

_Static_assert(sizeof(struct linux_stat) == 144, "Linux x86-64 struct stat");

/* newlib errno by Linux errno; 0 where newlib has no equivalent. */
static const unsigned char errno_table[] = {
	[LINUX_EPERM] = EPERM,
	[LINUX_ENOENT] = ENOENT,
	[LINUX_ESRCH] = ESRCH,
	[LINUX_EINTR] = EINTR,
	[LINUX_EIO] = EIO,
	[LINUX_ENXIO] = ENXIO,
	[LINUX_E2BIG] = E2BIG,
	[LINUX_ENOEXEC] = ENOEXEC,
	[LINUX_EBADF] = EBADF,
	[LINUX_ECHILD] = ECHILD,
	[LINUX_EAGAIN] = EAGAIN,
	[LINUX_ENOMEM] = ENOMEM,
	[LINUX_EACCES] = EACCES,
	[LINUX_EFAULT] = EFAULT,
	[LINUX_ENOTBLK] = ENOTBLK,
	[LINUX_EBUSY] = EBUSY,
	[LINUX_EEXIST] = EEXIST,
	[LINUX_EXDEV] = EXDEV,
	[LINUX_ENODEV] = ENODEV,
	[LINUX_ENOTDIR] = ENOTDIR,
	[LINUX_EISDIR] = EISDIR,
	[LINUX_EINVAL] = EINVAL,
	[LINUX_ENFILE] = ENFILE,
	[LINUX_EMFILE] = EMFILE,
	[LINUX_ENOTTY] = ENOTTY,
	[LINUX_ETXTBSY] = ETXTBSY,
	[LINUX_EFBIG] = EFBIG,
	[LINUX_ENOSPC] = ENOSPC,
	[LINUX_ESPIPE] = ESPIPE,
	[LINUX_EROFS] = EROFS,
	[LINUX_EMLINK] = EMLINK,
	[LINUX_EPIPE] = EPIPE,
	[LINUX_EDOM] = EDOM,
	[LINUX_ERANGE] = ERANGE,
	[LINUX_EDEADLK] = EDEADLK,
	[LINUX_ENAMETOOLONG] = ENAMETOOLONG,
	[LINUX_ENOLCK] = ENOLCK,
	[LINUX_ENOSYS] = ENOSYS,
	[LINUX_ENOTEMPTY] = ENOTEMPTY,
	[LINUX_ELOOP] = ELOOP,
	[LINUX_ENOMSG] = ENOMSG,
	[LINUX_EIDRM] = EIDRM,
	[LINUX_ENOSTR] = ENOSTR,
	[LINUX_ENODATA] = ENODATA,
	[LINUX_ETIME] = ETIME,
	[LINUX_ENOSR] = ENOSR,
	[LINUX_ENOLINK] = ENOLINK,
	[LINUX_EPROTO] = EPROTO,
	[LINUX_EMULTIHOP] = EMULTIHOP,
	[LINUX_EBADMSG] = EBADMSG,
	[LINUX_EOVERFLOW] = EOVERFLOW,
	[LINUX_EBADFD] = EBADFD,
	[LINUX_EILSEQ] = EILSEQ,
	[LINUX_ESTRPIPE] = ESTRPIPE,
	[LINUX_EUSERS] = EUSERS,
	[LINUX_ENOTSOCK] = ENOTSOCK,
	[LINUX_EDESTADDRREQ] = EDESTADDRREQ,
	[LINUX_EMSGSIZE] = EMSGSIZE,
	[LINUX_EPROTOTYPE] = EPROTOTYPE,
	[LINUX_ENOPROTOOPT] = ENOPROTOOPT,
	[LINUX_EPROTONOSUPPORT] = EPROTONOSUPPORT,
	[LINUX_ESOCKTNOSUPPORT] = ESOCKTNOSUPPORT,
	[LINUX_EOPNOTSUPP] = EOPNOTSUPP,
	[LINUX_EPFNOSUPPORT] = EPFNOSUPPORT,
	[LINUX_EAFNOSUPPORT] = EAFNOSUPPORT,
	[LINUX_EADDRINUSE] = EADDRINUSE,
	[LINUX_EADDRNOTAVAIL] = EADDRNOTAVAIL,
	[LINUX_ENETDOWN] = ENETDOWN,
	[LINUX_ENETUNREACH] = ENETUNREACH,
	[LINUX_ENETRESET] = ENETRESET,
	[LINUX_ECONNABORTED] = ECONNABORTED,
	[LINUX_ECONNRESET] = ECONNRESET,
	[LINUX_ENOBUFS] = ENOBUFS,
	[LINUX_EISCONN] = EISCONN,
	[LINUX_ENOTCONN] = ENOTCONN,
	[LINUX_ESHUTDOWN] = ESHUTDOWN,
	[LINUX_ETOOMANYREFS] = ETOOMANYREFS,
	[LINUX_ETIMEDOUT] = ETIMEDOUT,
	[LINUX_ECONNREFUSED] = ECONNREFUSED,
	[LINUX_EHOSTDOWN] = EHOSTDOWN,
	[LINUX_EHOSTUNREACH] = EHOSTUNREACH,
	[LINUX_EALREADY] = EALREADY,
	[LINUX_EINPROGRESS] = EINPROGRESS,
	[LINUX_ESTALE] = ESTALE,
	[LINUX_EDQUOT] = EDQUOT,
	[LINUX_ENOMEDIUM] = ENOMEDIUM,
	[LINUX_ECANCELED] = ECANCELED,
	[LINUX_EOWNERDEAD] = EOWNERDEAD,
	[LINUX_ENOTRECOVERABLE] = ENOTRECOVERABLE,
};

int ulib_errno_from_linux(long e)
{
	if (e > 0 && (unsigned long)e < sizeof(errno_table) && errno_table[e])
		return errno_table[e];
	return EIO;
}

long ulib_ret(long r)
{
	if (r < 0 && r >= -LINUX_ERRNO_MAX) {
		errno = ulib_errno_from_linux(-r);
		return -1;
	}
	return r;
}

/* Open flags other than the access mode, as pairs {newlib, Linux}. */
static const int oflag_table[][2] = {
	{ O_APPEND, LINUX_O_APPEND },     { O_CREAT, LINUX_O_CREAT },
	{ O_TRUNC, LINUX_O_TRUNC },       { O_EXCL, LINUX_O_EXCL },
	{ O_SYNC, LINUX_O_SYNC },         { O_NONBLOCK, LINUX_O_NONBLOCK },
	{ O_NOCTTY, LINUX_O_NOCTTY },     { O_CLOEXEC, LINUX_O_CLOEXEC },
	{ O_NOFOLLOW, LINUX_O_NOFOLLOW }, { O_DIRECTORY, LINUX_O_DIRECTORY },
	{ O_DIRECT, LINUX_O_DIRECT },
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* The access modes 0, 1 and 2 are the same in both. */
_Static_assert(O_RDONLY == 0 && O_WRONLY == 1 && O_RDWR == 2, "access modes");

int ulib_oflags_to_linux(int flags)
{
	int out = flags & O_ACCMODE;

	for (size_t i = 0; i < NELEM(oflag_table); i++)
		if ((flags & oflag_table[i][0]) == oflag_table[i][0])
			out |= oflag_table[i][1];
	return out;
}

int ulib_oflags_from_linux(int flags)
{
	int out = flags & LINUX_O_ACCMODE;

	for (size_t i = 0; i < NELEM(oflag_table); i++)
		if ((flags & oflag_table[i][1]) == oflag_table[i][1])
			out |= oflag_table[i][0];
	return out;
}

/*
 * Linux's *at() flags (linux/fcntl.h); kept here until <abi/linux.h> has
 * them.  AT_EACCESS (faccessat) and AT_REMOVEDIR (unlinkat) share a value.
 */
#ifndef LINUX_AT_SYMLINK_NOFOLLOW
#define LINUX_AT_SYMLINK_NOFOLLOW 0x100
#endif
#ifndef LINUX_AT_EACCESS
#define LINUX_AT_EACCESS 0x200
#endif
#ifndef LINUX_AT_REMOVEDIR
#define LINUX_AT_REMOVEDIR 0x200
#endif
#ifndef LINUX_AT_SYMLINK_FOLLOW
#define LINUX_AT_SYMLINK_FOLLOW 0x400
#endif
#ifndef LINUX_AT_EMPTY_PATH
#define LINUX_AT_EMPTY_PATH 0x1000
#endif
#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 16 /* newlib's, declared for _GNU_SOURCE only */
#endif

long ulib_dirfd_to_linux(int fd)
{
	return fd == AT_FDCWD ? LINUX_AT_FDCWD : fd;
}

/* *at() flags, as pairs {newlib, Linux}. */
static const int atflag_table[][2] = {
	{ AT_EACCESS, LINUX_AT_EACCESS },
	{ AT_SYMLINK_NOFOLLOW, LINUX_AT_SYMLINK_NOFOLLOW },
	{ AT_SYMLINK_FOLLOW, LINUX_AT_SYMLINK_FOLLOW },
	{ AT_REMOVEDIR, LINUX_AT_REMOVEDIR },
	{ AT_EMPTY_PATH, LINUX_AT_EMPTY_PATH },
};

long ulib_atflags_to_linux(int flags)
{
	long out = 0;

	for (size_t i = 0; i < NELEM(atflag_table); i++)
		if (flags & atflag_table[i][0]) {
			out |= atflag_table[i][1];
			flags &= ~atflag_table[i][0];
		}
	return flags ? -1 : out;
}

/* Signals, as pairs {newlib, Linux}. */
static const int sig_table[][2] = {
	{ SIGHUP, LINUX_SIGHUP },       { SIGINT, LINUX_SIGINT },     { SIGQUIT, LINUX_SIGQUIT },
	{ SIGILL, LINUX_SIGILL },       { SIGTRAP, LINUX_SIGTRAP },   { SIGABRT, LINUX_SIGABRT },
	{ SIGFPE, LINUX_SIGFPE },       { SIGKILL, LINUX_SIGKILL },   { SIGBUS, LINUX_SIGBUS },
	{ SIGSEGV, LINUX_SIGSEGV },     { SIGSYS, LINUX_SIGSYS },     { SIGPIPE, LINUX_SIGPIPE },
	{ SIGALRM, LINUX_SIGALRM },     { SIGTERM, LINUX_SIGTERM },   { SIGURG, LINUX_SIGURG },
	{ SIGSTOP, LINUX_SIGSTOP },     { SIGTSTP, LINUX_SIGTSTP },   { SIGCONT, LINUX_SIGCONT },
	{ SIGCHLD, LINUX_SIGCHLD },     { SIGTTIN, LINUX_SIGTTIN },   { SIGTTOU, LINUX_SIGTTOU },
	{ SIGIO, LINUX_SIGIO },         { SIGWINCH, LINUX_SIGWINCH }, { SIGUSR1, LINUX_SIGUSR1 },
	{ SIGUSR2, LINUX_SIGUSR2 },     { SIGXCPU, LINUX_SIGXCPU },   { SIGXFSZ, LINUX_SIGXFSZ },
	{ SIGVTALRM, LINUX_SIGVTALRM }, { SIGPROF, LINUX_SIGPROF },
};

int ulib_sig_to_linux(int sig)
{
	if (sig == 0)
		return 0;
	for (size_t i = 0; i < NELEM(sig_table); i++)
		if (sig_table[i][0] == sig)
			return sig_table[i][1];
	return -1;
}

int ulib_sig_from_linux(int sig)
{
	if (sig == 0)
		return 0;
	for (size_t i = 0; i < NELEM(sig_table); i++)
		if (sig_table[i][1] == sig)
			return sig_table[i][0];
	return -1;
}

_Static_assert(sizeof(sigset_t) * 8 >= NSIG, "newlib sigset_t: bit n for signal n");

uint64_t ulib_sigset_to_linux(const sigset_t *set)
{
	uint64_t lset = 0;

	for (size_t i = 0; i < NELEM(sig_table); i++)
		if (*set & (1UL << sig_table[i][0]))
			lset |= 1ULL << (sig_table[i][1] - 1);
	return lset;
}

void ulib_sigset_from_linux(sigset_t *set, uint64_t lset)
{
	*set = 0;
	for (size_t i = 0; i < NELEM(sig_table); i++)
		if (lset & (1ULL << (sig_table[i][1] - 1)))
			*set |= 1UL << sig_table[i][0];
}

/* sa_flags, as pairs {ulib, Linux}. */
static const uint64_t saflag_table[][2] = {
	{ SA_NOCLDSTOP, 0x1 /* Linux's SA_NOCLDSTOP */ },
	{ SA_SIGINFO, LINUX_SA_SIGINFO },
	{ SA_NODEFER, LINUX_SA_NODEFER },
	{ SA_RESETHAND, LINUX_SA_RESETHAND },
	{ SA_RESTART, LINUX_SA_RESTART },
};

uint64_t ulib_saflags_to_linux(int flags)
{
	uint64_t out = 0;

	for (size_t i = 0; i < NELEM(saflag_table); i++)
		if ((uint64_t)flags & saflag_table[i][0])
			out |= saflag_table[i][1];
	return out;
}

int ulib_saflags_from_linux(uint64_t flags)
{
	int out = 0;

	for (size_t i = 0; i < NELEM(saflag_table); i++)
		if (flags & saflag_table[i][1])
			out |= (int)saflag_table[i][0];
	return out;
}

/* siginfo_t is Linux's layout, so the union after si_code copies as it is. */
_Static_assert(sizeof(siginfo_t) == sizeof(struct linux_siginfo), "siginfo_t is 128 bytes");
_Static_assert(offsetof(siginfo_t, si_pid) == offsetof(struct linux_siginfo, u.kill.pid) &&
                       offsetof(siginfo_t, si_uid) == offsetof(struct linux_siginfo, u.kill.uid) &&
                       offsetof(siginfo_t, si_status) == 24 &&
                       offsetof(siginfo_t, si_value) == 24 &&
                       offsetof(siginfo_t, si_addr) == offsetof(struct linux_siginfo, u.addr) &&
                       offsetof(siginfo_t, si_band) == 16,
               "siginfo_t fields where Linux has them");

void ulib_siginfo_from_linux(siginfo_t *si, const struct linux_siginfo *lsi)
{
	int sig;

	memcpy(si, lsi, sizeof(*si));
	si->si_signo = ulib_sig_from_linux(lsi->si_signo);
	si->si_errno = lsi->si_errno ? ulib_errno_from_linux(lsi->si_errno) : 0;
	/* CLD_KILLED, CLD_DUMPED, CLD_TRAPPED, CLD_STOPPED, CLD_CONTINUED carry a signal. */
	if (lsi->si_signo == LINUX_SIGCHLD && lsi->si_code > CLD_EXITED &&
	    lsi->si_code <= CLD_CONTINUED) {
		sig = ulib_sig_from_linux(si->si_status);
		if (sig > 0)
			si->si_status = sig;
	}
}

/*
 * Wait statuses are encoded alike (exit code << 8; terminating signal in
 * bits 0-6 with the core flag 0x80; 0x7f | stop signal << 8 when stopped);
 * only the signal numbers differ.  A signal newlib cannot name is left as is.
 */
int ulib_wstatus_from_linux(int status)
{
	int sig;

	if ((status & 0x7f) == 0)
		return status; /* exited */
	if ((status & 0xff) == 0x7f) {
		sig = ulib_sig_from_linux((status >> 8) & 0xff);
		return sig < 0 ? status : (status & ~0xff00) | (sig << 8);
	}
	sig = ulib_sig_from_linux(status & 0x7f);
	return sig < 0 ? status : (status & ~0x7f) | sig;
}

void ulib_stat_from_linux(struct stat *st, const struct linux_stat *ls)
{
	*st = (struct stat){
		.st_dev = (dev_t)ls->st_dev,
		.st_ino = (ino_t)ls->st_ino,
		.st_mode = (mode_t)ls->st_mode, /* S_IF* and permission bits agree */
		.st_nlink = (nlink_t)ls->st_nlink,
		.st_uid = (uid_t)ls->st_uid,
		.st_gid = (gid_t)ls->st_gid,
		.st_rdev = (dev_t)ls->st_rdev,
		.st_size = (off_t)ls->st_size,
		.st_atim = { ls->st_atim.tv_sec, ls->st_atim.tv_nsec },
		.st_mtim = { ls->st_mtim.tv_sec, ls->st_mtim.tv_nsec },
		.st_ctim = { ls->st_ctim.tv_sec, ls->st_ctim.tv_nsec },
		.st_blksize = (blksize_t)ls->st_blksize,
		.st_blocks = (blkcnt_t)ls->st_blocks,
	};
}
