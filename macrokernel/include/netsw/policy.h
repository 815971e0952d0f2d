/* The network switch's egress policy: --net-allow rules, -p published ports, and the verdict on a flow. */
#ifndef NETSW_POLICY_H
#define NETSW_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Every address in this API is an IPv4 address in host byte order
 * (10.0.2.15 is 0x0a00020f); ports too are in host byte order.
 *
 * The policy is applied by the switch (host side) to frames a VM sends
 * toward the uplink: to a destination outside the tenant subnet, or to the
 * gateway or DNS addresses.  Deny by default.  The gateway stands for the
 * host's loopback (slirp's host alias), so a flow to gateway:P is judged as
 * one to 127.0.0.1:P.  Loopback (127/8), link-local (169.254/16, with the
 * cloud metadata address), 0/8 and multicast/reserved (224/3) are opened
 * only by a rule that lies inside the range: 0.0.0.0/0 does not open them.
 *
 * Errors: the parsers return 0 or a negative errno and write a one-line
 * message (no trailing newline, naming the spec) into err[errlen].
 */

#define NETSW_POLICY_MAX_RULES   256
#define NETSW_POLICY_MAX_PUBLISH 64

/* The tenant network's addresses (host byte order). */
struct netsw_net {
	uint32_t subnet;   /* 10.0.2.0 */
	uint32_t netmask;  /* 255.255.255.0 */
	uint32_t gateway;  /* 10.0.2.2: slirp's host alias, reaches the host's loopback */
	uint32_t dns;      /* 10.0.2.3 */
	uint32_t first_ip; /* 10.0.2.15: the first VM; the default target of -p */
};

/* One --net-allow rule: net/prefix, port 0 = every port (and ICMP). */
struct netsw_rule {
	uint32_t net;
	uint8_t prefix;
	uint16_t port;
};

/* One -p publish: host_addr:host_port on the host -> guest_ip:guest_port. */
struct netsw_publish {
	uint8_t proto; /* IPPROTO_TCP or IPPROTO_UDP */
	uint32_t host_addr;
	uint16_t host_port;
	uint32_t guest_ip; /* 0: the network's first_ip */
	uint16_t guest_port;
};

struct netsw_policy {
	struct netsw_rule rules[NETSW_POLICY_MAX_RULES];
	size_t nrules;
	struct netsw_publish pubs[NETSW_POLICY_MAX_PUBLISH];
	size_t npubs;
};

/*
 * Resolves hostname `name` to at most `max` IPv4 addresses (host byte
 * order) in out[]; returns how many (>= 1) or a negative errno.  The policy
 * calls it once, at parse time.
 */
typedef int (*netsw_resolve_fn)(const char *name, uint32_t *out, size_t max);

/* Empty the policy (deny everything, publish nothing). */
void netsw_policy_init(struct netsw_policy *p);

/*
 * Add the rules of one --net-allow spec: HOST[:PORT] or NET/PREFIX[:PORT],
 * HOST a dotted quad or (when `resolve` is not NULL) a hostname, which
 * adds one /32 rule per address it resolves to.  NET must have no host
 * bits set beyond PREFIX.  PORT is 1..65535; without it every port.
 * Returns 0, -EINVAL (bad spec), -ENOSPC (too many rules) or the
 * resolver's error; on error the policy is unchanged.
 */
int netsw_policy_allow(struct netsw_policy *p, const char *spec, netsw_resolve_fn resolve,
                       char *err, size_t errlen);

/*
 * Add one -p spec: [HOSTADDR:]HOSTPORT:GUESTPORT[/tcp|/udp], HOSTADDR a
 * dotted quad (default 127.0.0.1), ports 1..65535, TCP by default.  The
 * target is the network's first VM.  Returns 0, -EINVAL, -EEXIST (the
 * same protocol, host address and port twice) or -ENOSPC.
 */
int netsw_policy_publish(struct netsw_policy *p, const char *spec, char *err, size_t errlen);

/* Whether the policy needs an uplink at all: any allow rule or publish. */
bool netsw_policy_needs_uplink(const struct netsw_policy *p);

/* A flow as the switch sees it in one frame a VM sent toward the uplink. */
struct netsw_flow {
	uint8_t proto; /* IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP, other */
	uint32_t src, dst;
	uint16_t sport, dport; /* 0 for ICMP and other protocols */
	bool syn;              /* TCP: SYN set and ACK clear (a connection opening) */
};

enum netsw_verdict {
	NETSW_ALLOW = 0,
	NETSW_DENY,         /* no rule allows it */
	NETSW_DENY_SPECIAL, /* loopback/link-local/reserved, no rule names it */
	NETSW_DENY_PROTO,   /* a protocol the policy never passes */
};

/*
 * The verdict on flow f of a VM on network `net`.  TCP segments other
 * than a connection-opening SYN pass (replies within connections slirp
 * opened for a published port, and segments of allowed connections);
 * TCP/UDP to dns:53 pass; UDP from a /udp published guest port to the
 * gateway passes (the reply side of that publish); everything else needs a
 * rule covering the destination (the gateway as 127.0.0.1) and port.
 * ICMP needs a rule covering the address with every port.
 */
enum netsw_verdict netsw_policy_check(const struct netsw_policy *p, const struct netsw_net *net,
                                      const struct netsw_flow *f);

/* A short reason for a refusal, for the log ("not in --net-allow"). */
const char *netsw_verdict_reason(enum netsw_verdict v);

/* Parse a dotted quad into *out (host order); 0 or -EINVAL.  No trailing text. */
int netsw_parse_ipv4(const char *s, uint32_t *out);

/* Format a host-order address as a dotted quad into buf[16]; returns buf. */
char *netsw_fmt_ipv4(uint32_t a, char buf[16]);

#endif /* NETSW_POLICY_H */
