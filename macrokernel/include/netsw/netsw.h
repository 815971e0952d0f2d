/* The network switch: one tenant's L2 switch between its VMs' ports and the rootless uplink. */
#ifndef NETSW_NETSW_H
#define NETSW_NETSW_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <netsw/policy.h>

/*
 * A switch joins the ports of one tenant (each port one VM's network
 * interface: Ethernet frames in both directions) and, when needed, an
 * uplink: the process bin/nanvix-uplink (libslirp and the tenant's DNS
 * responder, netsw/dns.h), reached over a SOCK_SEQPACKET socketpair, one
 * Ethernet frame a message.  The uplink starts with the switch when the
 * policy has an allow rule or a publish; otherwise the first frame a VM
 * sends to the DNS address's port 53 (UDP or TCP) starts it, and waits in
 * the socket (with any later frames) until it is up.  Switches share
 * nothing: no frame of one tenant reaches another switch.
 *
 * Every frame a port sends is hostile.  It is dropped (and counted) unless
 * it is 14..mtu+14 bytes, ARP or IPv4, sent from the port's own MAC with
 * the port's own IPv4 address (ARP: sender MAC and IP too), and within the
 * port's rate (a token bucket in bytes).  IPv4 frames to an address inside
 * the subnet go to the port owning the destination MAC; frames toward the
 * uplink (outside the subnet, or to the gateway or DNS address) are judged
 * by the policy (netsw/policy.h); a refused TCP SYN is answered with a RST
 * so the guest's connect() fails at once, other refused frames are
 * dropped, and each refused destination is logged once.  What reaches a
 * port may be held to a rate of its own too (recv_rate).
 *
 * Addresses are host byte order.  Not thread-safe: one thread (the
 * owner's event loop) makes every call.  Errors: NULL with errno, or a
 * negative errno, as each declaration says.
 */

/* Defaults of netsw_config_default(). */
#define NETSW_DEFAULT_MTU 65000u
#define NETSW_MAX_MTU     65521u /* slirp's if_mtu/if_mru limit */
/*
 * The uplink's own MTU (slirp's if_mtu and if_mru), below the tenant
 * network's: slirp does not scale TCP windows, so a connection through it
 * has a 64 KiB window, and with a ~64 KiB MSS a receiver's window updates
 * (in MSS steps) stall it for slirp's 5 s probe.  16 KiB segments keep
 * four in a window.  VM to VM traffic keeps the large MTU.
 */
#define NETSW_UPLINK_MTU       16384u
#define NETSW_DEFAULT_RATE     (256ull << 20) /* bytes/s a port may send */
#define NETSW_DEFAULT_BURST    (8ull << 20)   /* bytes */
#define NETSW_MAX_PORTS        16384          /* VMs of one tenant network (a /18 or larger) */
#define NETSW_PORT_PUBLISH_MAX 16             /* ports published for one VM by netsw_publish */
#define NETSW_FRAME_MAX        (NETSW_MAX_MTU + 14)

struct netsw;
struct netsw_port;

struct netsw_config {
	struct netsw_net net; /* subnet, netmask, gateway, dns, first_ip */
	uint32_t mtu;         /* IP MTU of the tenant network, 576..NETSW_MAX_MTU */
	uint64_t rate;        /* bytes/s each port may send; 0: unlimited */
	uint64_t burst;       /* bucket size, bytes (at least one full frame) */
	uint64_t recv_rate;   /* bytes/s delivered to each port; 0: unlimited (the default) */
	uint64_t recv_burst;  /* its bucket, bytes (at least one full frame) */
	/*
	 * Past either rate: false drops the frame (policing, the default: a
	 * switch shared by many VMs never waits); true makes the sending
	 * thread sleep until the bytes are earned (shaping: one VM's own
	 * switch, nanvixd --net-rate, where a drop would only make TCP back
	 * off far below the rate).
	 */
	bool shape;
	/* Allow rules and publishes; NULL denies all.  Must outlive the switch. */
	const struct netsw_policy *policy;
	/* The uplink program; NULL: nanvix-uplink beside /proc/self/exe. */
	const char *uplink_path;
	/*
	 * How to start it: NULL posix_spawns it as this process's child; else
	 * this runs `path` with argv and `fd` as its fd 3 and sets *pid (0 or
	 * a positive errno), e.g. through nanvixd's spawner (monitor/spawner.h)
	 * once nanvixd's seccomp filter forbids starting processes.
	 */
	int (*spawn)(const char *path, char *const argv[], int fd, pid_t *pid);
	/* Monotonic clock in ns; NULL: CLOCK_MONOTONIC (tests pass their own). */
	uint64_t (*clock_ns)(void *ctx);
	void *clock_ctx;
	/* One log line (no newline); NULL: "nanvixd: net: LINE" on stderr. */
	void (*log)(void *ctx, const char *line);
	void *log_ctx;
};

/* Per-port counters ("rx": frames the VM sent, "tx": frames delivered to it). */
struct netsw_port_stats {
	uint64_t rx_frames, rx_bytes, tx_frames, tx_bytes;
	uint64_t drop_malformed; /* length, ethertype, bad ARP/IPv4/TCP/UDP headers */
	uint64_t drop_spoofed;   /* source MAC, IPv4 source, ARP sender not the port's */
	uint64_t drop_rate;      /* over the port's token bucket */
	uint64_t drop_recv_rate; /* to the port, over its receive bucket (recv_rate) */
	uint64_t drop_policy;    /* refused by the egress policy (incl. fragments outbound) */
	uint64_t drop_nodest;    /* no port owns the destination, or no uplink */
	uint64_t rst_sent;       /* RSTs synthesised for refused SYNs */
};

/* Switch-wide counters: the sum over ports (live and removed) plus the uplink. */
struct netsw_stats {
	struct netsw_port_stats ports;
	uint64_t uplink_tx_frames, uplink_tx_bytes; /* frames sent to the uplink */
	uint64_t uplink_rx_frames, uplink_rx_bytes; /* frames the uplink sent */
	uint64_t uplink_drop;                       /* uplink socket full, malformed, no port */
};

/* A bucket for `rate` bytes/s under cfg: a tenth of a second's bytes, at least one full frame. */
uint64_t netsw_burst_for(const struct netsw_config *cfg, uint64_t rate);

/* Fill *cfg with the defaults: 10.0.2.0/24, gateway .2, DNS .3, VMs from .15, MTU 65000. */
void netsw_config_default(struct netsw_config *cfg);

/*
 * The same with a /16 (10.0.0.0/16, the same gateway, DNS and first VM
 * address): room for NETSW_MAX_PORTS VMs, for a process holding many
 * (nanvix-serve).
 */
void netsw_config_large(struct netsw_config *cfg);

/* The configuration a switch was made with. */
const struct netsw_config *netsw_config_of(const struct netsw *sw);

/*
 * The address of VM number `idx` (0, 1, ...) on the network: MAC
 * 52:54:00:12:(0x3456 + idx as two bytes) (locally administered: the first
 * VM's is 52:54:00:12:34:56) and IPv4 first_ip + idx.  Returns 0, or
 * -ERANGE when idx leaves the subnet or the MAC's two bytes.
 */
int netsw_addr_for(const struct netsw_config *cfg, unsigned idx, uint8_t mac[6], uint32_t *ip);

/*
 * Create a switch from *cfg (copied; cfg->policy is referenced).  When
 * the policy needs an uplink (any allow rule or publish) the uplink
 * process is started here, without waiting for it (see
 * netsw_uplink_wait, which also reports an uplink that could not be
 * started); otherwise the first DNS query starts it (and a failure then is
 * logged, and the switch goes on without it: no second attempt).  Returns the switch, or NULL with errno EINVAL (bad config:
 * mtu, a non-contiguous netmask, addresses outside the subnet, a burst
 * smaller than one frame) or ENOMEM.
 */
struct netsw *netsw_new(const struct netsw_config *cfg);

/*
 * Stop the uplink process (SIGKILL and waitpid), free every port and the
 * switch.  NULL is ignored.
 */
void netsw_free(struct netsw *sw);

/*
 * Attach a VM's interface: frames for it are passed to deliver(ctx,
 * frame, len).  Broadcast ARP requests reach only the port owning the
 * address asked for (a thousand idle VMs are not woken by one), other
 * broadcast ARP (gratuitous, replies) no port; IPv4 broadcasts reach every
 * port.  Delivery is
 * frame, len) (synchronously, from netsw_port_input of another port or
 * netsw_service; the frame is valid only during the call).  deliver may
 * call netsw_port_input (up to a small nesting depth, beyond which frames
 * are dropped) but not netsw_port_remove.  mac must be unicast, ip inside
 * the subnet and not its network, broadcast, gateway or DNS address;
 * neither may be in use on the switch.  With an uplink, a gratuitous ARP
 * tells it the new port.  Returns the port, or NULL with errno EINVAL,
 * EEXIST, ENOSPC (NETSW_MAX_PORTS) or ENOMEM.
 */
struct netsw_port *netsw_port_add(struct netsw *sw, const uint8_t mac[6], uint32_t ip,
                                  void (*deliver)(void *ctx, const void *frame, size_t len),
                                  void *ctx);

/*
 * A frame the port's VM sent (hostile, copied if kept).  Returns 0 when
 * it was forwarded (or answered), or a negative errno saying why it was
 * dropped (it is counted either way): -EMSGSIZE (length), -EPROTO
 * (malformed, ethertype), -EPERM (spoofed), -ENOBUFS (rate),
 * -EACCES (policy), -EHOSTUNREACH (no destination).  Never blocks.
 */
int netsw_port_input(struct netsw_port *p, const void *frame, size_t len);

/*
 * Tell the port's VM the gateway's and the DNS address's MACs: an ARP
 * request "from" each, for the VM's own address, delivered to it (a stack
 * learns the sender of a request aimed at it), so its first packet out
 * waits for no ARP round trip, and none is left queued behind one when a
 * VM answers and exits at once.  Its replies go to the uplink, or nowhere.
 */
void netsw_port_announce(struct netsw_port *p);

/*
 * Publish `pub` (host address and port, guest port, protocol; its
 * guest_ip is ignored) for the VM of port `p`, while the switch runs: a VM
 * of the shared macro-kernel, whose ports are not known when the uplink
 * starts.  Starts the uplink if it is not running, asks it to bind the
 * host port and waits (2 s at most) for its answer, delivering frames that
 * arrive meanwhile as usual.  0, or a negative errno with a one-line
 * reason in err (-EADDRINUSE: the host port is taken).  The port is
 * withdrawn when `p` is removed.
 */
int netsw_publish(struct netsw_port *p, const struct netsw_publish *pub, char *err, size_t errlen);

/* Detach a port (withdrawing what netsw_publish published for it); its
 * counters stay in the switch totals. */
void netsw_port_remove(struct netsw_port *p);

/*
 * The descriptors the owner's event loop polls for the switch, written to
 * out[0..max) (fd and events set, revents cleared); returns how many (0
 * without an uplink).  Call netsw_service after poll reports any of them.
 * The set changes when a DNS query starts the uplink (in
 * netsw_port_input): ask again before each poll.
 */
int netsw_fds(struct netsw *sw, struct pollfd *out, int max);

/*
 * Read what the uplink sent (a bounded batch, never blocking) and deliver
 * its frames to the ports.  Notices the uplink's status message and its
 * exit (after which the switch goes on without an uplink).
 */
void netsw_service(struct netsw *sw);

/*
 * Wait up to timeout_ms for the uplink's start-up status (fast: it runs in
 * parallel with the VM's boot).  Returns 0 when it is up (or when the switch
 * has no uplink, or one not yet started by a DNS query), -ETIMEDOUT, or a negative errno with a one-line message
 * in msg[len] when it failed: -EADDRINUSE for a published port already
 * bound on the host, -ENOENT/-EACCES when it could not be started, -EPIPE
 * when it died.
 */
int netsw_uplink_wait(struct netsw *sw, int timeout_ms, char *msg, size_t len);

/* True while the uplink has not been started: the first DNS query would start it. */
bool netsw_uplink_pending(const struct netsw *sw);

/* Start the uplink now unless it was (before nanvixd forbids itself new processes). */
void netsw_uplink_start_now(struct netsw *sw);

/*
 * A netsw_resolve_fn for --net-allow hostnames in a static nanvixd: runs
 * `nanvix-uplink --resolve NAME` (beside /proc/self/exe; the dynamic
 * uplink can use the host's NSS) and reads up to `max` IPv4 addresses.
 * Blocks until it answers (parse time only).  Returns how many, -ENOENT
 * when the name has none, or another negative errno.
 */
int netsw_resolve(const char *name, uint32_t *out, size_t max);

/* netsw_resolve with the uplink program at `uplink` (NULL: beside /proc/self/exe). */
int netsw_resolve_at(const char *uplink, const char *name, uint32_t *out, size_t max);

/* Counters of the switch (totals) and of one port. */
void netsw_stats(const struct netsw *sw, struct netsw_stats *out);
void netsw_port_stats(const struct netsw_port *p, struct netsw_port_stats *out);

#endif /* NETSW_NETSW_H */
