/* <sys/resource.h> for newlib guests: newlib's getrusage, plus Linux resource limits. */
#ifndef ULIB_SYS_RESOURCE_H
#define ULIB_SYS_RESOURCE_H

#include_next <sys/resource.h>

#include <stdint.h>

/* Resource numbers and layout are Linux's (abi/linux.h): passed through unchanged. */
typedef uint64_t rlim_t;

struct rlimit {
	rlim_t rlim_cur;
	rlim_t rlim_max;
};

#define RLIM_INFINITY  (~(rlim_t)0)
#define RLIMIT_CPU     0
#define RLIMIT_FSIZE   1
#define RLIMIT_DATA    2
#define RLIMIT_STACK   3
#define RLIMIT_CORE    4
#define RLIMIT_RSS     5
#define RLIMIT_NPROC   6
#define RLIMIT_NOFILE  7
#define RLIMIT_MEMLOCK 8
#define RLIMIT_AS      9

#ifdef __cplusplus
extern "C" {
#endif

int getrlimit(int resource, struct rlimit *rlim);
int setrlimit(int resource, const struct rlimit *rlim);

#ifdef __cplusplus
}
#endif

#endif /* ULIB_SYS_RESOURCE_H */
