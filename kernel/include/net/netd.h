/* Guest placement of the network component: the in-VM server's kernel side (abi/netd.h). */
#ifndef NET_NETD_H
#define NET_NETD_H

#include <abi/net.h>
#include <lib/klib.h>

/* Place the network server in the VM (NANVIX_BOOT_NET_GUEST), with the
 * net state region `st` (the host's configuration, the kernel's readiness). */
void netd_init(volatile struct nanvix_net_state *st);

/* The host says frames wait (st->frames): wake the server.  Cheap when not. */
void netd_frames(void);

/* Process 1 has ended: let a running server send what is in flight (it
 * answers within 2 s; one that does not is waited for 3 s at most), so the
 * VM's last replies leave before it stops. */
void netd_drain(void);

#endif /* NET_NETD_H */
