/* <sys/random.h> for newlib guests: getrandom(2), Linux flags. */
#ifndef ULIB_SYS_RANDOM_H
#define ULIB_SYS_RANDOM_H

#include <sys/types.h>

#define GRND_NONBLOCK 0x1
#define GRND_RANDOM   0x2
#define GRND_INSECURE 0x4

#ifdef __cplusplus
extern "C" {
#endif

ssize_t getrandom(void *buf, size_t len, unsigned int flags);

#ifdef __cplusplus
}
#endif

#endif /* ULIB_SYS_RANDOM_H */
