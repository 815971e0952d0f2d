/* lwIP's platform functions: clock, randomness, assertions, hooks (host and netd). */
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>
#include <time.h>

#include "lwip/arch.h"
#include "lwip/netif.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/sys.h"
#include "net_hooks.h"

u32_t sys_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u32_t)((uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u);
}

/* Random words from getrandom, a batch at a time (musl has no arc4random). */
uint32_t net_lwip_rand(void)
{
	static uint32_t pool[64];
	static size_t left;

	if (left == 0) {
		if (getrandom(pool, sizeof(pool), 0) != (ssize_t)sizeof(pool)) {
			fputs("net: getrandom failed\n", stderr);
			abort();
		}
		left = sizeof(pool) / sizeof(pool[0]);
	}
	return pool[--left];
}

void net_lwip_assert(const char *msg, const char *file, int line)
{
	fprintf(stderr, "net: lwIP assertion \"%s\" failed at %s:%d\n", msg, file, line);
	abort();
}

u32_t net_hook_tcp_isn(void)
{
	return net_lwip_rand();
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

signed char net_hook_tcp_in(struct tcp_pcb *pcb, const struct tcp_hdr *hdr, struct pbuf *p)
{
	/* tcp_input has put the header's fields in host order by now.  The
	 * sequence number does not matter: after a zero-window probe the
	 * peer's is one past ours. */
	u8_t flags = TCPH_FLAGS(hdr);

	switch (pcb->state) {
	case ESTABLISHED:
	case FIN_WAIT_1:
	case FIN_WAIT_2:
	case CLOSE_WAIT:
	case CLOSING:
	case LAST_ACK: break;
	default: return ERR_OK;
	}
	if (pcb->rcv_wnd != 0 || p->tot_len != 0 || (flags & (TCP_SYN | TCP_FIN | TCP_RST)) ||
	    !(flags & TCP_ACK) || hdr->ackno != pcb->lastack ||
	    ((tcpwnd_size_t)hdr->wnd << pcb->snd_scale) != pcb->snd_wnd)
		return ERR_OK;
	return ERR_ABRT; /* nothing acknowledged, no window update: an echo */
}
