/* The in-VM network server's interface to the kernel: the /dev/netd device. */
#ifndef NANVIX_ABI_NETD_H
#define NANVIX_ABI_NETD_H

/*
 * Guest placement (nanvixd --net=guest, boot flag NANVIX_BOOT_NET_GUEST):
 * the network component (lwIP and the socket service) runs inside the VM
 * as a ring-3 process, bin/netd.elf (sysapps/net/netd.c), the second user
 * of the in-VM server mechanism (abi/server.h).  Its device is /dev/netd,
 * its message page struct nanvix_netd_page, and it serves the NANVIX_NET_*
 * socket calls (abi/net.h) of every other process, plus the kernel's own
 *   NANVIX_NETD_DRAIN  process 1 has ended: answer once nothing is left in
 *       flight (data sent but not acknowledged), or after at most 2 s, as
 *       the host does for --net=host.
 * SERVE's argument is a timeout in milliseconds (lwIP's next timer): SERVE
 * returns with page->req.opcode 0 when it passes without a request, or
 * when frames arrived (page->events has NANVIX_SERVER_EV_WAKE then).
 *
 * The component ioctls:
 *   NANVIX_NETD_CONFIG  copy the VM's address (ip, netmask, gateway, mtu,
 *       mac, from the net state region the host wrote) into page->config.
 *   NANVIX_NETD_SEND    page->frames.buf/len: frame records (abi/net.h) for
 *       the switch -> frames taken, or -errno.
 *   NANVIX_NETD_RECV    page->frames.buf/len: room for frame records ->
 *       bytes of records written (0: none waited), or -errno.
 *   NANVIX_NETD_READY   arg: the server's own struct nanvix_net_state, which
 *       its socket service keeps as the host's does (revents[], changed[],
 *       any): the kernel takes the changed sockets' readiness into its own
 *       region and wakes their waiters.  The server clears its changed[]
 *       and any after the call.
 * The frames go to the host through the call ring (NANVIX_NET_FRAMES_*):
 * the host copies them from and to the server's buffers directly.
 */

#include <stdint.h>

#include <abi/net.h>
#include <abi/ring.h>
#include <abi/server.h>

#define NANVIX_NETD_PATH NANVIX_SERVER_NET_PATH

#define NANVIX_NETD_CONFIG 0x4e460010u
#define NANVIX_NETD_SEND   0x4e460011u
#define NANVIX_NETD_RECV   0x4e460012u
#define NANVIX_NETD_READY  0x4e460013u

/* Kernel-made opcode (at or above NANVIX_RING_OPCODE_END). */
#define NANVIX_NETD_DRAIN 0x110

/* struct nanvix_server_page's fields (the kernel checks the layout), then netd's. */
struct nanvix_netd_page {
	struct nanvix_ring_req req;
	int64_t status;
	uint64_t value;
	struct nanvix_server_copy copy;
	uint32_t events;
	uint32_t pad;
	struct {
		uint32_t ip, netmask, gateway; /* network byte order */
		uint16_t mtu;
		uint8_t mac[6];
	} config; /* kernel -> server: NANVIX_NETD_CONFIG */
	struct {
		uint64_t buf, len;
	} frames; /* server -> kernel: NANVIX_NETD_SEND, NANVIX_NETD_RECV */
};

#endif /* NANVIX_ABI_NETD_H */
