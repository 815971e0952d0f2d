/* The switch's egress policy: parsing --net-allow and -p specs, and judging the flows VMs open. */
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netsw/policy.h>

#define LOOPBACK_HOST 0x7f000001u /* 127.0.0.1 */

/* Ranges a broad rule never opens: only a rule lying inside one does. */
static const struct {
	uint32_t net;
	uint8_t prefix;
} special[] = {
	{ 0x00000000u, 8 },  /* 0.0.0.0/8: "this network" */
	{ 0x7f000000u, 8 },  /* 127.0.0.0/8: loopback */
	{ 0xa9fe0000u, 16 }, /* 169.254.0.0/16: link-local, cloud metadata */
	{ 0xe0000000u, 3 },  /* 224.0.0.0/3: multicast, reserved, broadcast */
};

static uint32_t mask_of(uint8_t prefix)
{
	return prefix == 0 ? 0 : 0xffffffffu << (32 - prefix);
}

static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

void netsw_policy_init(struct netsw_policy *p)
{
	memset(p, 0, sizeof(*p));
}

char *netsw_fmt_ipv4(uint32_t a, char buf[16])
{
	snprintf(buf, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
	return buf;
}

int netsw_parse_ipv4(const char *s, uint32_t *out)
{
	uint32_t a = 0;

	for (int i = 0; i < 4; i++) {
		unsigned v = 0, digits = 0;

		while (*s >= '0' && *s <= '9') {
			if (digits == 3)
				return -EINVAL;
			v = v * 10 + (unsigned)(*s++ - '0');
			digits++;
		}
		if (digits == 0 || v > 255)
			return -EINVAL;
		a = (a << 8) | v;
		if (i < 3 && *s++ != '.')
			return -EINVAL;
	}
	if (*s != '\0')
		return -EINVAL;
	*out = a;
	return 0;
}

/* A decimal in [lo, hi] making up all of s; 0 or -EINVAL. */
static int parse_num(const char *s, unsigned long lo, unsigned long hi, unsigned long *out)
{
	unsigned long v = 0;

	if (*s == '\0')
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > hi)
			return -EINVAL;
	}
	if (v < lo)
		return -EINVAL;
	*out = v;
	return 0;
}

static bool is_hostname(const char *s)
{
	if (*s == '\0' || strlen(s) > 253)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '.' || *s == '_'))
			return false;
	return true;
}

int netsw_policy_allow(struct netsw_policy *p, const char *spec, netsw_resolve_fn resolve,
                       char *err, size_t errlen)
{
	char buf[300], *colon, *slash, ab[16];
	unsigned long port = 0, prefix = 32;
	uint32_t addrs[16];
	int naddr = 1;

	if (!spec || strlen(spec) >= sizeof(buf)) {
		seterr(err, errlen, "--net-allow: empty or too long a spec");
		return -EINVAL;
	}
	strcpy(buf, spec);
	colon = strrchr(buf, ':');
	if (colon) {
		*colon = '\0';
		if (parse_num(colon + 1, 1, 65535, &port) < 0) {
			seterr(err, errlen, "--net-allow %s: bad port '%s' (want 1..65535)", spec,
			       colon + 1);
			return -EINVAL;
		}
	}
	slash = strchr(buf, '/');
	if (slash) {
		*slash = '\0';
		if (parse_num(slash + 1, 0, 32, &prefix) < 0) {
			seterr(err, errlen, "--net-allow %s: bad prefix length '%s' (want 0..32)",
			       spec, slash + 1);
			return -EINVAL;
		}
	}
	if (netsw_parse_ipv4(buf, &addrs[0]) == 0) {
		if (addrs[0] & ~mask_of((uint8_t)prefix)) {
			seterr(err, errlen,
			       "--net-allow %s: host bits set beyond /%lu (did you mean %s/%lu?)",
			       spec, prefix,
			       netsw_fmt_ipv4(addrs[0] & mask_of((uint8_t)prefix), ab), prefix);
			return -EINVAL;
		}
	} else if (!slash && is_hostname(buf) && strspn(buf, "0123456789.") != strlen(buf)) {
		if (!resolve) {
			seterr(err, errlen,
			       "--net-allow %s: '%s' is not an IPv4 address (hostnames cannot be "
			       "resolved here)",
			       spec, buf);
			return -EINVAL;
		}
		naddr = resolve(buf, addrs, sizeof(addrs) / sizeof(addrs[0]));
		if (naddr <= 0) {
			seterr(err, errlen,
			       "--net-allow %s: cannot resolve '%s' to an IPv4 address", spec, buf);
			return naddr < 0 ? naddr : -ENOENT;
		}
		if ((size_t)naddr > sizeof(addrs) / sizeof(addrs[0]))
			naddr = sizeof(addrs) / sizeof(addrs[0]);
	} else {
		seterr(err, errlen,
		       "--net-allow %s: want HOST[:PORT] or NET/PREFIX[:PORT], with an IPv4 "
		       "address "
		       "or a hostname",
		       spec);
		return -EINVAL;
	}
	if (p->nrules + (size_t)naddr > NETSW_POLICY_MAX_RULES) {
		seterr(err, errlen, "--net-allow %s: more than %d rules", spec,
		       NETSW_POLICY_MAX_RULES);
		return -ENOSPC;
	}
	for (int i = 0; i < naddr; i++) {
		struct netsw_rule *r = &p->rules[p->nrules++];

		r->net = addrs[i];
		r->prefix = (uint8_t)prefix;
		r->port = (uint16_t)port;
	}
	return 0;
}

int netsw_policy_publish(struct netsw_policy *p, const char *spec, char *err, size_t errlen)
{
	char buf[128], *f[4], *slash, *save = NULL, *tok;
	unsigned long hport, gport;
	uint32_t haddr = LOOPBACK_HOST;
	uint8_t proto = IPPROTO_TCP;
	int n = 0;

	if (!spec || *spec == '\0' || strlen(spec) >= sizeof(buf)) {
		seterr(err, errlen, "-p: empty or too long a spec");
		return -EINVAL;
	}
	strcpy(buf, spec);
	slash = strchr(buf, '/');
	if (slash) {
		*slash++ = '\0';
		if (strcmp(slash, "udp") == 0) {
			proto = IPPROTO_UDP;
		} else if (strcmp(slash, "tcp") != 0) {
			seterr(err, errlen, "-p %s: unknown protocol '%s' (want tcp or udp)", spec,
			       slash);
			return -EINVAL;
		}
	}
	/* strtok_r would merge empty fields ("::80"): split by hand. */
	tok = buf;
	for (;;) {
		if (n == 4)
			goto bad;
		f[n++] = tok;
		save = strchr(tok, ':');
		if (!save)
			break;
		*save = '\0';
		tok = save + 1;
	}
	if (n < 2 || n > 3)
		goto bad;
	if (n == 3 && netsw_parse_ipv4(f[0], &haddr) < 0) {
		seterr(err, errlen, "-p %s: bad host address '%s' (want an IPv4 address)", spec,
		       f[0]);
		return -EINVAL;
	}
	if (parse_num(f[n - 2], 1, 65535, &hport) < 0) {
		seterr(err, errlen, "-p %s: bad host port '%s' (want 1..65535)", spec, f[n - 2]);
		return -EINVAL;
	}
	if (parse_num(f[n - 1], 1, 65535, &gport) < 0) {
		seterr(err, errlen, "-p %s: bad guest port '%s' (want 1..65535)", spec, f[n - 1]);
		return -EINVAL;
	}
	for (size_t i = 0; i < p->npubs; i++) {
		const struct netsw_publish *q = &p->pubs[i];

		if (q->proto == proto && q->host_port == hport &&
		    (q->host_addr == haddr || q->host_addr == 0 || haddr == 0)) {
			seterr(err, errlen, "-p %s: host port %lu/%s is already published", spec,
			       hport, proto == IPPROTO_UDP ? "udp" : "tcp");
			return -EEXIST;
		}
	}
	if (p->npubs == NETSW_POLICY_MAX_PUBLISH) {
		seterr(err, errlen, "-p %s: more than %d published ports", spec,
		       NETSW_POLICY_MAX_PUBLISH);
		return -ENOSPC;
	}
	p->pubs[p->npubs++] = (struct netsw_publish){ .proto = proto,
		                                      .host_addr = haddr,
		                                      .host_port = (uint16_t)hport,
		                                      .guest_ip = 0,
		                                      .guest_port = (uint16_t)gport };
	return 0;
bad:
	seterr(err, errlen, "-p %s: want [HOSTADDR:]HOSTPORT:GUESTPORT[/tcp|/udp]", spec);
	return -EINVAL;
}

bool netsw_policy_needs_uplink(const struct netsw_policy *p)
{
	return p && (p->nrules > 0 || p->npubs > 0);
}

/* The special range holding a, or -1. */
static int special_of(uint32_t a)
{
	for (size_t i = 0; i < sizeof(special) / sizeof(special[0]); i++)
		if ((a & mask_of(special[i].prefix)) == special[i].net)
			return (int)i;
	return -1;
}

/* Whether some rule covers (dst, port); `any_port` asks for a rule with every port. */
static bool rules_allow(const struct netsw_policy *p, uint32_t dst, uint16_t port, bool any_port)
{
	int sp = special_of(dst);

	for (size_t i = 0; i < p->nrules; i++) {
		const struct netsw_rule *r = &p->rules[i];

		if ((dst & mask_of(r->prefix)) != r->net)
			continue;
		if (any_port ? r->port != 0 : (r->port != 0 && r->port != port))
			continue;
		/* In a special range, only a rule lying inside that range counts. */
		if (sp >= 0 && (r->prefix < special[sp].prefix ||
		                (r->net & mask_of(special[sp].prefix)) != special[sp].net))
			continue;
		return true;
	}
	return false;
}

enum netsw_verdict netsw_policy_check(const struct netsw_policy *p, const struct netsw_net *net,
                                      const struct netsw_flow *f)
{
	uint32_t dst = f->dst;
	bool ports = f->proto == IPPROTO_TCP || f->proto == IPPROTO_UDP;

	if (f->proto == IPPROTO_TCP && !f->syn)
		return NETSW_ALLOW;
	if (dst == net->dns)
		return ports && f->dport == 53 ? NETSW_ALLOW : NETSW_DENY;
	if (!ports && f->proto != IPPROTO_ICMP)
		return NETSW_DENY_PROTO;
	if (dst == net->gateway) {
		if (f->proto == IPPROTO_UDP) {
			for (size_t i = 0; p && i < p->npubs; i++) {
				const struct netsw_publish *q = &p->pubs[i];
				uint32_t gip = q->guest_ip ? q->guest_ip : net->first_ip;

				if (q->proto == IPPROTO_UDP && gip == f->src &&
				    q->guest_port == f->sport)
					return NETSW_ALLOW;
			}
		}
		dst = LOOPBACK_HOST;
	}
	if (p && rules_allow(p, dst, f->dport, !ports))
		return NETSW_ALLOW;
	return special_of(dst) >= 0 ? NETSW_DENY_SPECIAL : NETSW_DENY;
}

const char *netsw_verdict_reason(enum netsw_verdict v)
{
	switch (v) {
	case NETSW_ALLOW: return "allowed";
	case NETSW_DENY: return "not in --net-allow";
	case NETSW_DENY_SPECIAL:
		return "loopback/link-local/reserved: only an --net-allow rule naming it opens it";
	case NETSW_DENY_PROTO: return "only TCP, UDP and ICMP leave the tenant network";
	}
	return "refused";
}
