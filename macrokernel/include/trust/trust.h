/* Signed program and disk images: signify-format Ed25519 keys and signatures, and the trust policy. */
#ifndef TRUST_TRUST_H
#define TRUST_TRUST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Files are OpenBSD signify's (signify-openbsd in Debian), so images can be
 * signed and checked with either tool: each is one "untrusted comment: ..."
 * line and one base64 line.  A public key holds "Ed", an 8-byte key number
 * and the 32-byte Ed25519 key; a signature "Ed", the key number and the
 * 64-byte signature of the whole file; a secret key "Ed", "BK", the KDF
 * rounds (big-endian; 0: not encrypted, the only kind read here), a salt,
 * an 8-byte checksum (the start of the SHA-512 of the key), the key number
 * and the 64-byte Ed25519 secret key.
 */
#define TRUST_KEYNUM 8

struct trust_pubkey {
	uint8_t keynum[TRUST_KEYNUM];
	uint8_t key[32];
};

struct trust_seckey {
	uint8_t keynum[TRUST_KEYNUM];
	uint8_t key[64];
};

struct trust_sig {
	uint8_t keynum[TRUST_KEYNUM];
	uint8_t sig[64];
};

/* What a run may use (a key's profile in the policy). */
#define TRUST_ALLOW_MAX 32 /* net_allow entries of a profile */

struct trust_profile {
	bool net;            /* --net */
	bool volumes;        /* --volume, --disk */
	uint64_t max_memory; /* -m at most (bytes) */
	/* Limits the run gets at most (0: none), given when it asks for none. */
	uint32_t max_pids;          /* --pids-limit */
	double max_cpus;            /* --cpus */
	uint64_t max_disk_rate;     /* --disk-rate, bytes a second */
	uint64_t max_net_rate;      /* --net-rate, bytes a second */
	uint64_t max_net_recv_rate; /* --net-recv-rate, bytes a second */
	/* The --net-allow destinations a run may ask for, as written;
	 * nallow -1: any (the profile names none). */
	int nallow;
	char allow[TRUST_ALLOW_MAX][64];
};

#define TRUST_KEYS_MAX 64

struct trust_policy {
	struct trust_pubkey keys[TRUST_KEYS_MAX];
	struct trust_profile profiles[TRUST_KEYS_MAX];
	int nkeys;
	bool allow_unsigned;             /* unsigned images run, with `restricted` */
	struct trust_profile restricted; /* the most restrictive profile */
};

/* Decode the text of one file of `kind` into *out (the struct of that kind); 0 or -1 and why. */
enum trust_kind { TRUST_PUBKEY, TRUST_SECKEY, TRUST_SIG };
int trust_decode(const char *text, size_t n, enum trust_kind kind, void *out, char *err,
                 size_t errlen);

/* Read one file of each kind; 0, or -1 with the reason in err. */
int trust_read_pubkey(const char *path, struct trust_pubkey *k, char *err, size_t errlen);
int trust_read_seckey(const char *path, struct trust_seckey *k, char *err, size_t errlen);
int trust_read_sig(const char *path, struct trust_sig *s, char *err, size_t errlen);

/* A new key pair, written to the two files (the secret one mode 0600, never over a file). */
int trust_keygen(const char *pubpath, const char *secpath, char *err, size_t errlen);

/* Sign the file `path` into `sigpath` with the secret key. */
int trust_sign(const char *secpath, const char *path, const char *sigpath, char *err,
               size_t errlen);

/* 0 when `sigpath` is a signature of `path` by `k`; -1 and why otherwise. */
int trust_verify(const struct trust_pubkey *k, const char *path, const char *sigpath, char *err,
                 size_t errlen);

/*
 * The policy file (JSON, docs/trust.md): {"keys": [{"pubkey": PATH,
 * "profile": {"net": BOOL, "volumes": BOOL, "max_memory": "SIZE"}}],
 * "unsigned": "deny" | "restricted"}.  Key paths are relative to the
 * policy's directory.  0, or -1 with the reason.
 */
int trust_policy_load(const char *path, struct trust_policy *p, char *err, size_t errlen);

/*
 * Check the image `path` (its signature at path + ".sig") under the
 * policy: narrows *prof to what its key allows and returns 0; or, when it
 * has no signature and the policy allows unsigned images, narrows *prof
 * to the restricted profile and returns 1; -1 with the reason otherwise
 * (no signature, a bad one, a key the policy does not list, a modified
 * file).
 */
int trust_check(const struct trust_policy *p, const char *path, struct trust_profile *prof,
                char *err, size_t errlen);

#endif /* TRUST_TRUST_H */
