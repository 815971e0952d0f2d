/* Guest placement: the network component's part of its in-VM server (abi/netd.h, ipc/server). */
/*
 * The server (bin/netd.elf) runs lwIP in ring 3.  The kernel gives it
 * three things: its address (CONFIG, from the net state region the host
 * wrote), its frames (SEND and RECV, each passed on to the host as one
 * call-ring request naming the server's buffer, so frames are copied by
 * the host, never in ring 0), and its sockets' readiness (READY: the
 * server's copy of the readiness table, of which the kernel takes only the
 * sockets marked changed into its own region, then wakes their waiters as
 * it does for the host).  Everything read from the server is checked: a
 * handle indexes only within NANVIX_NET_SOCKETS_MAX, lengths are bounded
 * here and again by the host.
 */
#include <abi/linux.h>
#include <abi/netd.h>
#include <hal/uaccess.h>
#include <ipc/ring.h>
#include <ipc/server.h>
#include <net/inet.h>
#include <net/netd.h>
#include <proc/proc.h>
#include <sys/syscall.h>

SERVER_PAGE_CHECK(struct nanvix_netd_page);

#define NETD_DRAIN_WAIT_NS (3000ull * 1000 * 1000) /* the server's own limit is 2 s */

static volatile struct nanvix_net_state *state;

static long config(volatile struct nanvix_netd_page *page)
{
	page->config.ip = state->ip;
	page->config.netmask = state->netmask;
	page->config.gateway = state->gateway;
	page->config.mtu = state->mtu;
	for (int i = 0; i < 6; i++)
		page->config.mac[i] = state->mac[i];
	return 0;
}

static long frames(volatile struct nanvix_netd_page *page, uint64_t cr3, uint16_t op)
{
	uint64_t a[5] = { page->frames.buf, page->frames.len };

	if (a[1] > NANVIX_NET_FRAMES_BUF_MAX)
		return -LINUX_EINVAL;
	if (!uaccess_ok(a[0], a[1]))
		return -LINUX_EFAULT; /* as an unmapped buffer, and as READY */
	return ring_call(op, cr3, a, NULL);
}

/* Take the readiness of the sockets the server marks changed in *ustate. */
static long ready(uint64_t ustate)
{
	uint64_t revents = ustate + __builtin_offsetof(struct nanvix_net_state, revents);
	uint64_t changed = ustate + __builtin_offsetof(struct nanvix_net_state, changed);
	uint32_t words, any = 0;

	/* The words its `any` names (abi/net.h), not the whole table. */
	if (copy_from_user(&words, ustate + __builtin_offsetof(struct nanvix_net_state, any),
	                   sizeof(words)))
		return -LINUX_EFAULT;
	words &= (uint32_t)((1ull << (NANVIX_NET_SOCKETS_MAX / 32)) - 1);
	while (words) {
		uint32_t i = (uint32_t)__builtin_ctz(words), word, w;

		words &= words - 1;
		if (copy_from_user(&word, changed + 4ull * i, sizeof(word)))
			return -LINUX_EFAULT;
		if (!word)
			continue;
		w = word;
		while (w) {
			uint32_t h = i * 32 + (uint32_t)__builtin_ctz(w), ev;

			w &= w - 1;
			if (copy_from_user(&ev, revents + 4ull * h, sizeof(ev)))
				return -LINUX_EFAULT;
			state->revents[h] = ev;
		}
		__atomic_or_fetch(&state->changed[i], word, __ATOMIC_RELEASE);
		any |= 1u << i;
	}
	if (any) {
		__atomic_or_fetch(&state->any, any, __ATOMIC_RELEASE);
		inet_events();
	}
	return 0;
}

static long netd_ioctl(volatile void *p, uint64_t cr3, uint64_t req, uint64_t arg)
{
	volatile struct nanvix_netd_page *page = p;

	switch (req) {
	case NANVIX_NETD_CONFIG: return config(page);
	case NANVIX_NETD_SEND: return frames(page, cr3, NANVIX_NET_FRAMES_SEND);
	case NANVIX_NETD_RECV: return frames(page, cr3, NANVIX_NET_FRAMES_RECV);
	case NANVIX_NETD_READY: return ready(arg);
	default: return -LINUX_ENOTTY;
	}
}

static const struct server_ops netd_ops = {
	.ioctl = netd_ioctl,
};

void netd_init(volatile struct nanvix_net_state *st)
{
	state = st;
	server_place(SERVER_NET, &netd_ops);
}

void netd_frames(void)
{
	if (state && state->frames && __atomic_exchange_n(&state->frames, 0, __ATOMIC_ACQ_REL))
		server_wake(SERVER_NET);
}

void netd_drain(void)
{
	uint64_t a[5] = { 0 };

	/* The server bounds its drain (2 s); a wedged one is waited for no longer. */
	if (state && server_cr3(SERVER_NET))
		server_call_until(SERVER_NET, NANVIX_NETD_DRAIN, proc_current->cr3, a, NULL,
		                  clock_deadline(NETD_DRAIN_WAIT_NS));
}
