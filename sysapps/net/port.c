/* lwIP's platform functions on the host: clock, randomness, assertions, hooks. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "lwip/arch.h"
#include "lwip/netif.h"
#include "lwip/sys.h"
#include "net_hooks.h"

u32_t sys_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u32_t)((uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u);
}

uint32_t net_lwip_rand(void)
{
	return arc4random();
}

void net_lwip_assert(const char *msg, const char *file, int line)
{
	fprintf(stderr, "net: lwIP assertion \"%s\" failed at %s:%d\n", msg, file, line);
	abort();
}

u32_t net_hook_tcp_isn(void)
{
	return arc4random();
}

struct netif *net_hook_route_src(const ip4_addr_t *src, const ip4_addr_t *dest)
{
	struct netif *netif;

	(void)dest;
	if (src == NULL || ip4_addr_isany(src))
		return NULL;
	NETIF_FOREACH(netif)
	{
		if (netif_is_up(netif) && ip4_addr_cmp(src, netif_ip4_addr(netif)))
			return netif;
	}
	return NULL;
}
