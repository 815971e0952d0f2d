/* <sys/stat.h> for newlib guests: newlib's, plus lstat and Linux's UTIME_NOW/UTIME_OMIT. */
#ifndef ULIB_SYS_STAT_H
#define ULIB_SYS_STAT_H

#include_next <sys/stat.h>

/* tv_nsec values for utimensat(2) and futimens(2): Linux's, passed through. */
#define UTIME_NOW  ((1l << 30) - 1l)
#define UTIME_OMIT ((1l << 30) - 2l)

#ifdef __cplusplus
extern "C" {
#endif

/* newlib declares lstat for a few hosts only; ulib/files.c provides it. */
int lstat(const char *__restrict path, struct stat *__restrict st);

#ifdef __cplusplus
}
#endif

#endif /* ULIB_SYS_STAT_H */
