/* Internet sockets served by the network component (abi/net.h). */
#ifndef NET_INET_H
#define NET_INET_H

#include <abi/bootinfo.h>
#include <lib/klib.h>

struct file;

/* Adopt the net state region when the boot info has NANVIX_BOOT_NET. */
void inet_init(const struct nanvix_bootinfo *bi);

/* True when socket calls have somewhere to go. */
bool inet_active(void);

/*
 * socket(AF_INET, type, protocol): a new socket file (one reference) in
 * *out with status flags `flags` (O_NONBLOCK).  0 or -errno.
 */
long inet_socket(long type, long protocol, uint32_t flags, struct file **out);

/*
 * Take the readiness changes the host published (abi/net.h) and wake the
 * threads waiting on those sockets and every poller.  Cheap when nothing
 * changed (one load).  Called after each doorbell, idle sleep and tick.
 */
void inet_events(void);

#endif /* NET_INET_H */
