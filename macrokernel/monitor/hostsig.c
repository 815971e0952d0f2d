/* Forwarding nanvixd's SIGINT, SIGTERM, SIGHUP and SIGWINCH to the guest's process 1. */
/*
 * A handler only counts the signal and kicks the vCPU out of KVM_RUN (as
 * the preemption tick does); everything else happens in the run loop,
 * between two KVM_RUNs, where the vCPU is stopped: hostsig_poll ORs the
 * signal's bit into the boot info's host_signals and asks for a tick.  The
 * kernel takes the bits at that tick (or when an idle SLEEP or a console
 * READ returns -EINTR) and sends each to process 1.
 *
 * This is the command line's binding of nanvixd's own signals to its one
 * VM (a process has one set of handlers, hence the file's statics); a
 * process holding many VMs forwards to each with vm_post_signal instead.
 *
 * The guest may ignore a stop signal, or be unable to act on it; nanvixd
 * does not depend on it: a second signal of the same kind, or the end of
 * the grace period after the first (the `docker stop` model), kills the
 * VM and nanvixd exits with 128 + that signal, as a shell reports a
 * process killed by it.
 */
#include <errno.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <abi/bootinfo.h>
#include <monitor/hostsig.h>
#include <monitor/vm.h>

static const int forwarded[] = { SIGHUP, SIGINT, SIGTERM, SIGWINCH };
#define NFWD ((int)(sizeof(forwarded) / sizeof(forwarded[0])))

static volatile sig_atomic_t received[NFWD]; /* counts, written by the handler */
static int seen[NFWD];                       /* counts the run loop has acted on */
static struct vm *volatile bound;            /* the VM they go to */
static double grace_s;
static int stop_sig; /* the first stop signal, or 0 */

static void on_forwarded(int sig)
{
	struct vm *vm = bound;

	for (int i = 0; i < NFWD; i++)
		if (forwarded[i] == sig)
			received[i]++;
	if (vm)
		vm_interrupt(vm);
}

int hostsig_init(struct vm *vm, double stop_timeout)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_forwarded; /* no SA_RESTART: KVM_RUN and host reads return EINTR */
	sigemptyset(&sa.sa_mask);
	for (int i = 0; i < NFWD; i++)
		sigaddset(&sa.sa_mask, forwarded[i]);
	grace_s = stop_timeout;
	bound = vm;
	vm->poll = hostsig_poll;
	for (int i = 0; i < NFWD; i++) {
		struct sigaction old;

		if (sigaction(forwarded[i], &sa, &old) < 0)
			return -errno;
		/* Ignored when we started (nohup, a background job): stay so. */
		if (old.sa_handler == SIG_IGN && sigaction(forwarded[i], &old, NULL) < 0)
			return -errno;
	}
	return 0;
}

static const char *name(int sig)
{
	return sig == SIGHUP ? "SIGHUP" : sig == SIGINT ? "SIGINT" : "SIGTERM";
}

static int killed(int sig, const char *why)
{
	vm_error("%s: VM killed", why);
	return 128 + sig;
}

int hostsig_poll(struct vm *vm)
{
	char why[96];

	for (int i = 0; i < NFWD; i++) {
		int sig = forwarded[i], n = received[i], before = seen[i];

		if (n == before)
			continue;
		seen[i] = n;
		if (sig != SIGWINCH) {
			if (before > 0 || n - before > 1) {
				snprintf(why, sizeof(why), "second %s", name(sig));
				return killed(sig, why);
			}
			if (grace_s <= 0)
				return killed(sig, name(sig));
			if (!stop_sig) {
				stop_sig = sig;
				uint64_t ns = (uint64_t)(grace_s * 1e9);
				int rc = vm_timer_set(vm, VM_TIMER_GRACE, ns ? ns : 1);

				if (rc < 0) {
					vm_error("cannot arm the stop timer: %s", strerror(-rc));
					return killed(sig, name(sig));
				}
			}
		}
		vm_post_signal(vm, sig);
	}
	if (vm->timers[VM_TIMER_GRACE].fired) {
		snprintf(why, sizeof(why), "%s: the program did not exit within %g s",
		         name(stop_sig), grace_s);
		return killed(stop_sig, why);
	}
	return 0;
}

void hostsig_fini(void)
{
	bound = NULL;
	for (int i = 0; i < NFWD; i++) {
		struct sigaction sa;

		if (sigaction(forwarded[i], NULL, &sa) == 0 && sa.sa_handler == on_forwarded)
			signal(forwarded[i], SIG_DFL);
	}
}
