/* One micro-VM as a value: its configuration as data, its lifecycle as calls. */
#ifndef MONITOR_INSTANCE_H
#define MONITOR_INSTANCE_H

#include <abi/bootinfo.h>
#include <stdbool.h>
#include <stdint.h>

#include <mk/mk.h>
#include <monitor/tty.h>
#include <monitor/vm.h>
#include <netsw/netsw.h>

/*
 * What an instance runs and with what.  The instance copies what it keeps
 * (the program list, the component configuration); the strings and arrays
 * it points at must outlive it.  `nanvixd -- app` fills one from its
 * command line (main.c); a process holding many VMs fills one per VM.
 */
struct instance_config {
	uint64_t mem;                     /* guest RAM, bytes, a multiple of 4 KiB */
	uint64_t stack;                   /* user stack size, bytes */
	double timeout;                   /* seconds of wall-clock time, 0: none */
	struct nanvix_boot_limits limits; /* --pids-limit, --ulimit (abi/bootinfo.h) */
	double cpus;                      /* --cpus: a CPU quota a 100 ms period, 0: none */
	uint64_t net_rate;      /* --net-rate: bytes/s the VM may send, 0: the switch's default */
	uint64_t net_recv_rate; /* --net-recv-rate: bytes/s delivered to the VM, 0: no bound */
	/* How the network switch starts its uplink (netsw_config.spawn), NULL: itself. */
	int (*uplink_spawn)(const char *path, char *const argv[], int fd, pid_t *pid);
	const char *kernel;       /* kernel.elf, or NULL: found beside nanvixd */
	const char *console_file; /* the guest's console output, or NULL: fds 1 and 2 */
	char **argv;              /* the program and its arguments */
	int argc;
	char **env; /* its environment */
	int envc;
	bool vm_program;     /* argv[0] is a file of the VM's file system */
	const char *workdir; /* its working directory in the VM, or NULL: / */
	bool user_fs;        /* the user gave a file system (--disk, --volume, a shared mk) */
	bool default_tmp;    /* mount a private host directory at /tmp */
	uint64_t tmp_size;   /* --tmp-size: what the guest may store there, 0: no limit */
	bool strace;         /* report system calls (to strace_file, or stderr) */
	const char *strace_file;
	bool no_fast;                      /* no fast file path */
	enum tty_mode tty;                 /* which console streams are terminals */
	const struct vm_program *programs; /* what execve may start besides the program */
	int nprograms;
	struct mk_config mk;                   /* components and their placement */
	const struct netsw_policy *net_policy; /* -p and --net-allow */
	const char *macrokernel;               /* a shared macro-kernel's socket, or NULL */
	const char *snapshot_out;              /* save the VM here at its snapshot call, and stop */
	/*
	 * The tenant switch the VM joins, shared by the process's VMs (the
	 * instance never frees it), or NULL: a switch of its own, with
	 * `net_policy`.  A shared switch has its own policy and uplink.
	 */
	struct netsw *net_switch;
	/* Where the guest's console output goes (fds 1 and 2, kernel log), or
	 * -1: console_file, else nanvixd's stdout and stderr.  Not closed. */
	int console_fd;
	/*
	 * Run by a fleet (monitor/fleet.h): no network watcher thread; the
	 * network signals the VM's readiness on instance_wake_fd.  Needs the
	 * embedded macro-kernel (not `macrokernel`).
	 */
	bool fleet;
};

struct instance;

/*
 * Build an instance: load the kernel and program, make the VM, its
 * macro-kernel (embedded, or attached to the shared one), its network and
 * console, and boot state, up to the first guest instruction.  Returns 0
 * with *out set, or a nanvixd status (enum nanvixd_status) after printing
 * one line saying why; nothing is left behind then.
 */
int instance_create(struct instance **out, const struct instance_config *cfg);

/*
 * Build an instance from an opened snapshot (snapshot_open) instead of a
 * boot: RAM, registers and programs come from `img`, which must outlive
 * the instance; from `cfg` only the console, terminals, timeout and
 * network policy count (argv, memory, stack, env and file system are the
 * snapshot's).  Returns 0 with *out set, or a nanvixd status after
 * printing why.
 */
struct snap_image;
int instance_restore(struct instance **out, const struct instance_config *cfg,
                     const struct snap_image *img);

/*
 * Reset a restored instance in place for its next run: its private pages
 * dropped (RAM is the snapshot's again), its registers rewritten, a new
 * generation, seed and clocks.  Keeps the VM, vCPU and fds.  0, or a
 * nanvixd status after printing why (the instance must then be destroyed).
 */
int instance_reset(struct instance *in);

/* Whether the instance saved a snapshot (snapshot_out). */
bool instance_snapshot_saved(const struct instance *in);

/*
 * Snapshot a VM the host holds (fleet_hold) while it is parked in its
 * idle wait, into `dir` (as --snapshot-out's files); the VM goes on when
 * released, and every VM restored from the snapshot resumes from that
 * wait with a new generation, seed and clocks (its netd takes its new
 * address).  Refused, -1 with why in err: a VM not parked (held or paused
 * mid-computation), one with calls in flight on its ring, one that keeps
 * state outside its memory (a file system, --net=host, a shared
 * macro-kernel).  0 when saved.
 */
int instance_snapshot(struct instance *in, const char *dir, char *err, size_t errlen);

/*
 * The kernel's counters now, from any thread: its exit report once it has
 * exited, else what it keeps in guest memory (the guest's word, like the
 * report; zero where the kernel image does not locate them).
 */
void instance_kstats_now(struct instance *in, struct nanvix_kstats *out);

/*
 * From any thread: snapshot the running VM into `dir` (as --snapshot-out's
 * files) at its next idle wait (NANVIX_HC_SLEEP with no ring call in
 * flight), after which it goes on; every VM restored from the snapshot
 * resumes from that wait with a new generation, seed and clocks.  done(ctx,
 * rc, msg) is called on the vCPU's thread once it is saved (rc 0, msg the
 * directory) or failed (rc -1, msg why).  A VM that computes and never
 * idles is never snapshotted: the caller gives up when it wants to.
 * Refused at once, -1 with why in err: a VM that keeps state outside its
 * memory (as instance_snapshot), or one with a snapshot still to take.
 */
int instance_request_snapshot(struct instance *in, const char *dir,
                              void (*done)(void *ctx, int rc, const char *msg), void *ctx,
                              char *err, size_t errlen);

/*
 * Run the instance's vCPU on the calling thread until the guest exits or
 * fails, its timeout expires, or instance_stop/instance_pause is called.
 * Returns the program's status (0..255) or a nanvixd status, or VM_PAUSED:
 * call again, on any thread, to resume.
 */
int instance_run(struct instance *in);

/*
 * From any thread or a signal handler: make instance_run return `status`
 * (instance_stop), return VM_PAUSED (instance_pause), or send process 1
 * signal `sig` (instance_signal).
 */
void instance_stop(struct instance *in, int status);
void instance_pause(struct instance *in);
void instance_signal(struct instance *in, int sig);

/*
 * Publish a port of the VM on the host while it runs (as -p does at the
 * start): 0, or -1 after printing why (the port is taken, no network).
 */
int instance_publish(struct instance *in, const struct netsw_publish *pub);

/*
 * Publish the VM's TCP `guest_port` on a free port of 127.0.0.1 (one that
 * nobody listened on a moment ago; tried again if the uplink finds it
 * taken meanwhile).  The host port, or -1 after printing why.
 */
int instance_publish_any(struct instance *in, uint16_t guest_port);

/* The instance's VM: counters, and hooks such as the command line's host signals. */
struct vm *instance_vm(struct instance *in);

/*
 * Whether the VM's network uplink is still to start (lazily, at its first
 * DNS query: a new process), and starting it now: before nanvixd's
 * seccomp filter, which forbids new processes (docs/security.md).
 */
bool instance_uplink_pending(const struct instance *in);
void instance_uplink_start(struct instance *in);

/* With cfg.fleet and a network: the eventfd written when the VM has
 * network work to take (read it to clear), else -1. */
int instance_wake_fd(const struct instance *in);

/* The program's name (argv[0]'s basename), for messages. */
const char *instance_name(const struct instance *in);

/*
 * The macro-kernel's counters for this VM.  0, or -1 when it has none (no
 * component) or a shared one did not answer.  Call after instance_run, or
 * with `live` from another thread while it runs: the embedded component's
 * counters as they are, none from a shared one (its connection is the
 * vCPU's then).
 */
int instance_mk_stats(struct instance *in, struct mk_stats *out, bool live);

/* Release everything the instance holds: fds, threads, mappings, directories. */
void instance_destroy(struct instance *in);

/* Whether a volume of `mk` sits at "/", at `dir` (e.g. "/tmp") or beneath it. */
bool instance_volume_covers(const struct mk_config *mk, const char *dir);

#endif /* MONITOR_INSTANCE_H */
