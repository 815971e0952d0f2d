/* lwIP's compiler and platform glue for the host (glibc, x86-64). */
#ifndef NET_ARCH_CC_H
#define NET_ARCH_CC_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define LWIP_PLATFORM_DIAG(x) \
	do {                  \
		printf x;     \
	} while (0)

/* An lwIP invariant broke: a bug, never bad input (which lwIP drops). */
void net_lwip_assert(const char *msg, const char *file, int line);
#define LWIP_PLATFORM_ASSERT(x) net_lwip_assert((x), __FILE__, __LINE__)

/* Ephemeral ports start at a random place. */
uint32_t net_lwip_rand(void);
#define LWIP_RAND() net_lwip_rand()

#define LWIP_ERR_T int

#endif /* NET_ARCH_CC_H */
