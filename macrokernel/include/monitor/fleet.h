/* Many VMs in one process, with a host thread only while a VM runs. */
#ifndef MONITOR_FLEET_H
#define MONITOR_FLEET_H

#include <stdint.h>

/*
 * A fleet runs instances (monitor/instance.h, made with cfg.fleet) on
 * worker threads that exist only while some VM runs.  When a VM's guest
 * idles (NANVIX_HC_SLEEP) it is parked: its worker leaves it, and the
 * fleet's one poller thread waits for what wakes it (its network's wake
 * eventfd, or the guest's deadline on a timerfd) before a worker runs it
 * again.  An idle VM costs two descriptors in the poller's epoll set and
 * no thread.  Workers are started when every one is busy, and end after
 * two seconds without work.
 *
 * A VM busy in ring 3 makes no exits: when its wake eventfd fires while it
 * runs, the poller kicks it (vm_kick) so that it takes its frames.
 *
 * The fleet also pumps the tenant switches its VMs share (their uplink
 * and the host side of the network), one thread a switch.
 *
 * Thread-safe: any thread may call any function, except from an `ended`
 * callback, which runs with the fleet's lock held.
 */

struct fleet;
struct fleet_vm;
struct instance;
struct netsw;

/* A fleet with its poller; 0 or -errno. */
int fleet_new(struct fleet **out);

/* Stop the poller, the workers and the switch pumps.  Every VM must have
 * been removed (fleet_remove).  NULL is ignored. */
void fleet_free(struct fleet *f);

/* Pump switch `sw` (not owned; it outlives the fleet) on a thread of its own. */
int fleet_pump_switch(struct fleet *f, struct netsw *sw);

/*
 * Run `in` (made with cfg.fleet; not owned) until it ends.  When it ends
 * on its own, ended(ctx, status) is called once, with the fleet's lock
 * held (write an eventfd, set a flag: nothing more).  Returns the VM's
 * handle, or NULL with errno.
 */
struct fleet_vm *fleet_add(struct fleet *f, struct instance *in,
                           void (*ended)(void *ctx, int status), void *ctx);

/*
 * Take the VM off every thread and keep it off (parked or paused; for
 * instance_reset, instance_snapshot...).  0, or -1 when it has ended.
 */
int fleet_hold(struct fleet_vm *v);

/* Let a held VM run again (it runs once at least, to take what it missed). */
void fleet_release(struct fleet_vm *v);

/* The VM's status once it ended, else -1. */
int fleet_status(struct fleet_vm *v);

/*
 * Stop the VM (with `status`, unless it ended already), wait until no
 * thread runs it, and forget it; the caller then destroys the instance.
 * Its ended callback is not called for this stop.
 */
void fleet_remove(struct fleet_vm *v, int status);

/* Counters: VMs held, parked, running or queued; worker threads alive. */
struct fleet_stats {
	uint32_t vms, parked, running, workers;
	uint64_t wakes; /* parked VMs woken */
};
void fleet_stats(struct fleet *f, struct fleet_stats *out);

#endif /* MONITOR_FLEET_H */
