/* Signals nanvixd receives, forwarded to the guest's process 1. */
#ifndef MONITOR_HOSTSIG_H
#define MONITOR_HOSTSIG_H

struct vm;

#define HOSTSIG_STOP_TIMEOUT_DEFAULT 10.0 /* seconds, as `docker stop` */

/*
 * Catch SIGINT, SIGTERM, SIGHUP and SIGWINCH for `vm` (one VM per
 * process; call once, after boot, before vm_run).  A signal is posted in
 * the boot info's host_signals and the vCPU is interrupted so that the
 * kernel sends it to process 1.  The first SIGINT, SIGTERM or SIGHUP
 * starts a grace period of `stop_timeout` seconds (0: none, the VM is
 * killed at once); when it ends, or at a second signal of the same kind,
 * the VM is killed.  A signal nanvixd inherited as ignored (nohup, a
 * shell's background job) stays ignored.  Returns 0 or -errno.
 */
int hostsig_init(struct vm *vm, double stop_timeout);

/*
 * Called by the run loop before each KVM_RUN: post what arrived since the
 * last call.  Returns 0, or the status to stop with (128 + the signal)
 * after printing why, when the VM is to be killed.
 */
int hostsig_poll(struct vm *vm);

/* Put the default dispositions back and drop the grace timer. */
void hostsig_fini(void);

#endif /* MONITOR_HOSTSIG_H */
