/* The macro-kernel's per-VM core: a VM's ring, its file system and its disk. */
#ifndef MK_MK_H
#define MK_MK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <monitor/vm.h>

struct blksw;

/* Where the file-system component of a VM runs. */
enum mk_fs_placement {
	MK_FS_NONE = 0, /* no file system: file calls fail with ENOENT */
	MK_FS_HOST,     /* in the macro-kernel: the guest forwards file calls */
	MK_FS_GUEST,    /* in the VM: the macro-kernel serves block requests */
};

/* Where the network component (lwIP) of a VM runs. */
enum mk_net_placement {
	MK_NET_NONE = 0, /* no network: socket() fails with EAFNOSUPPORT */
	MK_NET_HOST,     /* in the macro-kernel: the guest forwards socket calls */
	MK_NET_GUEST,    /* in the VM: the macro-kernel's switch carries its frames */
};

#define MK_VOLUMES_MAX 8

struct mk_volume {
	const char *hostdir;
	const char *at; /* absolute guest path */
	bool readonly;
	/* A size limit (fs_service_limit_volume: the directory must start
	 * empty), 0: none.  The embedded macro-kernel only. */
	uint64_t max_bytes;
};

/* What a VM asks of the macro-kernel (nanvixd's --fs, --disk, --volume). */
struct mk_config {
	enum mk_fs_placement fs;
	const char *disk; /* blksw spec ("img", "img:ro", "img:cow") or NULL */
	uint64_t disk_rate; /* bytes a second of disk I/O (blksw_set_rate), 0: no bound */
	struct mk_volume volumes[MK_VOLUMES_MAX];
	int nvolumes;
	enum mk_net_placement net;
	/* An eventfd the network service writes when the VM's socket readiness
	 * changed (a shared macro-kernel's client idles on it), or -1. */
	int notify_fd;
};

struct mk_vm;
struct netsw;

/* What the macro-kernel shares among its VMs: the storage switch, and the
 * network switch of the tenant (NULL: no VM has a network). */
struct mk_host {
	struct blksw *blk;
	struct netsw *net;
};

/*
 * Attach a VM: check the ring region the host laid out in `mem` (abi/ring.h
 * at NANVIX_RING_PADDR), open the disk on host->blk, and give the VM every
 * registered service it uses (mk/service.h): the fs component mounts the
 * disk and volumes (host placement), the network component its netif.  Returns 0, or a negative errno with a
 * one-line reason in err.  `mem` must outlive the VM's attachment.
 */
int mk_vm_attach(struct mk_vm **out, const struct mk_host *host, const struct vm_mem *mem,
                 const struct mk_config *cfg, char *err, size_t errlen);

/*
 * The doorbell: serve every request the guest has published.  Returns 0;
 * a ring the guest has broken (impossible indices) is answered by not
 * serving it and counted, never by stopping the host.
 */
int mk_vm_kick(struct mk_vm *vm);

/*
 * Read the whole regular file at `path` (a host string; relative paths from
 * fs handle `cwd`) from the VM's file system, for execve of a program on
 * disk.  0 and a malloc'd *buf of *len bytes, or -errno (-ENOENT without a
 * host-placed file system, -ENOEXEC for an empty file, -EFBIG past 64 MiB).
 */
int mk_vm_load_file(void *vm, uint64_t cwd, const char *path, void **buf, size_t *len);

/*
 * The VM idles for up to `ns` (NANVIX_HC_SLEEP), `ctx` an mk_vm: a service
 * with host-side work (the network) does it meanwhile.  1 when the VM
 * should run again at once, 0 after ns, -EINTR on a signal; -ENOSYS when
 * no service idles (the caller then just sleeps).
 */
int mk_vm_idle(void *ctx, uint64_t ns);

/*
 * bin/macrokernel's network pump (one thread): take what the uplink of
 * switch `sw` sends and run lwIP's timers for every VM, until *stop; a
 * write to eventfd `wake_fd` makes it look at *stop at once.  (nanvixd
 * pumps in its VM's idle wait instead.)
 */
void mk_net_run(struct netsw *sw, int wake_fd, volatile int *stop);

/*
 * For a watcher of a running VM (nanvixd: a VM busy in ring 3 makes no
 * exits, so its idle wait never pumps): the descriptors of the VM's
 * network to poll, and lwIP's next timer in *timeout_ms (-1: none);
 * how many, or -1 when the VM has no network.  Then mk_vm_net_pump (on
 * the vCPU's thread): take what came; 1 when the VM has readiness
 * changes to take (inject a tick).  `ctx` is the mk_vm.
 */
struct pollfd;
int mk_vm_net_fds(void *ctx, struct pollfd *out, int max, int *timeout_ms);
int mk_vm_net_pump(void *ctx);

/*
 * Publish a host port for the VM (bin/macrokernel, for its client's -p):
 * `pub`'s host address, host port, guest port and protocol, to the VM's
 * address.  0, or a negative errno with a one-line reason in err
 * (-ENETDOWN: the VM has no network here).
 */
struct netsw_publish;
int mk_vm_net_publish(struct mk_vm *vm, const struct netsw_publish *pub, char *err, size_t errlen);

/* Counters for --stats. */
struct mk_stats {
	uint64_t kicks, served, malformed, fs_calls, fs_errors, blk_reads, blk_writes, blk_flushes;
	uint64_t net_calls, net_errors;
	uint64_t tmp_bytes, tmp_max; /* the size-limited /tmp: held, and its limit (0: none) */
};
void mk_vm_stats(const struct mk_vm *vm, struct mk_stats *out);

/*
 * A call of the fast file path (abi/vvar.h), `ctx` an mk_vm: read, pread64,
 * fstat or lseek (Linux number `nr`, arguments a[]) made in ring 3 of the
 * address space `cr3`.  0 with the result in *ret, or 1 when the call must
 * take the trap path (not a remote file, a directory, not readable, ...).
 */
int mk_vm_fastcall(void *ctx, uint64_t cr3, uint64_t nr, const uint64_t a[6], int64_t *ret);

/* Detach: close every handle, unmount (flushing), close the disk, free. */
void mk_vm_detach(struct mk_vm *vm);

/*
 * The VM's memory was reset to a snapshot's (instance_reset): read the
 * ring's indices from it again and let each service rewrite its part.  0,
 * or a negative errno when the ring in that memory is not valid.
 */
int mk_vm_reset(struct mk_vm *vm);

/* No call of the VM's in flight on its ring (ring_quiet). */
bool mk_vm_quiet(const struct mk_vm *vm);

#endif /* MK_MK_H */
