/* Signed images: signify-format Ed25519 keys and signatures (libsodium), and the trust policy (jansson). */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <libgen.h>
#include <limits.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <trust/trust.h>

#define COMMENT       "untrusted comment: "
#define KEYFILE_MAX   4096
#define PUB_BYTES     (2 + TRUST_KEYNUM + 32)
#define SEC_BYTES     (2 + 2 + 4 + 16 + 8 + TRUST_KEYNUM + 64)
#define SIG_BYTES     (2 + TRUST_KEYNUM + 64)
#define RESTRICT_MEM  (16ull << 20) /* nanvixd's default -m */
#define RESTRICT_PIDS 64            /* tasks of a restricted run */

static int pub_from(const uint8_t *b, struct trust_pubkey *k);
static int sec_from(const uint8_t *b, const char *path, struct trust_seckey *k, char *err,
                    size_t errlen);
static int sig_from(const uint8_t *b, struct trust_sig *s);

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* libsodium, once; -1 when it cannot start (no entropy source). */
static int crypto_ready(char *err, size_t errlen)
{
	return sodium_init() < 0 ? fail(err, errlen, "libsodium cannot start") : 0;
}

/*
 * Decode a signify file's text: the comment line, then one base64 line
 * decoding to exactly `len` bytes that start with "Ed".
 */
static int decode_blob(const char *text, size_t n, const char *path, const char *what, uint8_t *out,
                       size_t len, char *err, size_t errlen)
{
	const char *line, *end;
	size_t binlen = 0;

	if (n < strlen(COMMENT) || memcmp(text, COMMENT, strlen(COMMENT)) ||
	    !(line = memchr(text, '\n', n)))
		return fail(err, errlen, "%s: not a %s (no \"%s\" line)", path, what, COMMENT);
	line++;
	end = memchr(line, '\n', n - (size_t)(line - text));
	if (!end)
		end = text + n;
	if (sodium_base642bin(out, len, line, (size_t)(end - line), NULL, &binlen, NULL,
	                      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    binlen != len || memcmp(out, "Ed", 2))
		return fail(err, errlen, "%s: not a %s (bad base64 line)", path, what);
	return 0;
}

/* Read a signify file (at most KEYFILE_MAX bytes) and decode it. */
static int read_blob(const char *path, const char *what, uint8_t *out, size_t len, char *err,
                     size_t errlen)
{
	char text[KEYFILE_MAX + 1];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return fail(err, errlen, "%s: cannot open the %s: %s", path, what, strerror(errno));
	n = read(fd, text, KEYFILE_MAX + 1);
	close(fd);
	if (n < 0 || n > KEYFILE_MAX)
		return fail(err, errlen, "%s: not a %s (%s)", path, what,
		            n < 0 ? strerror(errno) : "too long");
	return decode_blob(text, (size_t)n, path, what, out, len, err, errlen);
}

int trust_decode(const char *text, size_t n, enum trust_kind kind, void *out, char *err,
                 size_t errlen)
{
	uint8_t b[SEC_BYTES];

	switch (kind) {
	case TRUST_PUBKEY:
		if (decode_blob(text, n, "input", "signify public key", b, PUB_BYTES, err, errlen))
			return -1;
		return pub_from(b, out);
	case TRUST_SECKEY:
		if (decode_blob(text, n, "input", "signify secret key", b, SEC_BYTES, err, errlen))
			return -1;
		return sec_from(b, "input", out, err, errlen);
	case TRUST_SIG:
		if (decode_blob(text, n, "input", "signify signature", b, SIG_BYTES, err, errlen))
			return -1;
		return sig_from(b, out);
	}
	return fail(err, errlen, "unknown kind");
}

/* The decoded bytes of each kind, checked, into its struct. */
static int pub_from(const uint8_t *b, struct trust_pubkey *k)
{
	memcpy(k->keynum, b + 2, TRUST_KEYNUM);
	memcpy(k->key, b + 2 + TRUST_KEYNUM, 32);
	return 0;
}

static int sec_from(const uint8_t *b, const char *path, struct trust_seckey *k, char *err,
                    size_t errlen)
{
	uint8_t sum[crypto_hash_sha512_BYTES];
	uint32_t rounds;

	if (crypto_ready(err, errlen))
		return -1;
	if (memcmp(b + 2, "BK", 2))
		return fail(err, errlen, "%s: unknown key derivation", path);
	rounds = (uint32_t)b[4] << 24 | (uint32_t)b[5] << 16 | (uint32_t)b[6] << 8 | b[7];
	if (rounds)
		return fail(err, errlen,
		            "%s: the key has a passphrase; make one without (signify -G -n)", path);
	/* "Ed" "BK" rounds[4] salt[16] checksum[8] keynum[8] key[64] */
	memcpy(k->keynum, b + 32, TRUST_KEYNUM);
	memcpy(k->key, b + 40, 64);
	crypto_hash_sha512(sum, k->key, 64);
	if (memcmp(sum, b + 24, 8))
		return fail(err, errlen, "%s: the key's checksum is wrong", path);
	return 0;
}

static int sig_from(const uint8_t *b, struct trust_sig *s)
{
	memcpy(s->keynum, b + 2, TRUST_KEYNUM);
	memcpy(s->sig, b + 2 + TRUST_KEYNUM, 64);
	return 0;
}

int trust_read_pubkey(const char *path, struct trust_pubkey *k, char *err, size_t errlen)
{
	uint8_t b[PUB_BYTES];

	if (read_blob(path, "signify public key", b, sizeof(b), err, errlen))
		return -1;
	return pub_from(b, k);
}

int trust_read_seckey(const char *path, struct trust_seckey *k, char *err, size_t errlen)
{
	uint8_t b[SEC_BYTES];
	int rc;

	if (read_blob(path, "signify secret key", b, sizeof(b), err, errlen))
		return -1;
	rc = sec_from(b, path, k, err, errlen);
	sodium_memzero(b, sizeof(b));
	return rc;
}

int trust_read_sig(const char *path, struct trust_sig *s, char *err, size_t errlen)
{
	uint8_t b[SIG_BYTES];

	if (read_blob(path, "signify signature", b, sizeof(b), err, errlen))
		return -1;
	return sig_from(b, s);
}

/* Write a signify file: comment, base64 of `b`.  `excl`: never over an existing file, mode 0600. */
static int write_blob(const char *path, const char *comment, const uint8_t *b, size_t len,
                      bool excl, char *err, size_t errlen)
{
	char line[KEYFILE_MAX];
	FILE *f;
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (excl ? O_EXCL : O_TRUNC),
	              excl ? 0600 : 0644);

	if (fd < 0)
		return fail(err, errlen, "%s: %s", path, strerror(errno));
	sodium_bin2base64(line, sizeof(line), b, len, sodium_base64_VARIANT_ORIGINAL);
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		return fail(err, errlen, "%s: %s", path, strerror(errno));
	}
	fprintf(f, "%s%s\n%s\n", COMMENT, comment, line);
	if (fclose(f) != 0)
		return fail(err, errlen, "%s: %s", path, strerror(errno));
	return 0;
}

int trust_keygen(const char *pubpath, const char *secpath, char *err, size_t errlen)
{
	uint8_t pub[PUB_BYTES] = "Ed", sec[SEC_BYTES] = "EdBK", sum[crypto_hash_sha512_BYTES];
	char comment[PATH_MAX + 32];
	int rc;

	if (crypto_ready(err, errlen))
		return -1;
	randombytes_buf(pub + 2, TRUST_KEYNUM);
	crypto_sign_ed25519_keypair(pub + 2 + TRUST_KEYNUM, sec + 40);
	/* rounds 0 (bytes 4..7); the salt unused but random, as signify -n writes it */
	randombytes_buf(sec + 8, 16);
	crypto_hash_sha512(sum, sec + 40, 64);
	memcpy(sec + 24, sum, 8);
	memcpy(sec + 32, pub + 2, TRUST_KEYNUM);
	rc = write_blob(secpath, "nanvix secret key", sec, sizeof(sec), true, err, errlen);
	sodium_memzero(sec, sizeof(sec));
	if (rc)
		return -1;
	snprintf(comment, sizeof(comment), "nanvix public key");
	return write_blob(pubpath, comment, pub, sizeof(pub), false, err, errlen);
}

/* The whole file, mapped read-only (*len 0: an empty file, *map NULL). */
static int map_file(const char *path, const uint8_t **map, size_t *len, char *err, size_t errlen)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	*map = NULL;
	*len = 0;
	if (fd < 0)
		return fail(err, errlen, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return fail(err, errlen, "%s: not a regular file", path);
	}
	*len = (size_t)st.st_size;
	if (*len) {
		void *m = mmap(NULL, *len, PROT_READ, MAP_PRIVATE, fd, 0);

		if (m == MAP_FAILED) {
			close(fd);
			return fail(err, errlen, "%s: %s", path, strerror(errno));
		}
		*map = m;
	}
	close(fd);
	return 0;
}

int trust_sign(const char *secpath, const char *path, const char *sigpath, char *err, size_t errlen)
{
	struct trust_seckey k;
	uint8_t b[SIG_BYTES] = "Ed";
	char comment[PATH_MAX + 32];
	const uint8_t *m;
	size_t len;

	if (trust_read_seckey(secpath, &k, err, errlen) || map_file(path, &m, &len, err, errlen))
		return -1;
	memcpy(b + 2, k.keynum, TRUST_KEYNUM);
	crypto_sign_ed25519_detached(b + 2 + TRUST_KEYNUM, NULL, m ? m : (const uint8_t *)"", len,
	                             k.key);
	sodium_memzero(&k, sizeof(k));
	if (m)
		munmap((void *)m, len);
	snprintf(comment, sizeof(comment), "verify with the public key of %s", secpath);
	return write_blob(sigpath, comment, b, sizeof(b), false, err, errlen);
}

int trust_verify(const struct trust_pubkey *k, const char *path, const char *sigpath, char *err,
                 size_t errlen)
{
	struct trust_sig s;
	const uint8_t *m;
	size_t len;
	int bad;

	if (crypto_ready(err, errlen) || trust_read_sig(sigpath, &s, err, errlen))
		return -1;
	if (memcmp(s.keynum, k->keynum, TRUST_KEYNUM))
		return fail(err, errlen, "%s: signed with another key than this one", path);
	if (map_file(path, &m, &len, err, errlen))
		return -1;
	bad = crypto_sign_ed25519_verify_detached(s.sig, m ? m : (const uint8_t *)"", len, k->key);
	if (m)
		munmap((void *)m, len);
	if (bad)
		return fail(err, errlen,
		            "%s: the signature does not match (the file was changed after signing, "
		            "or the signature is damaged)",
		            path);
	return 0;
}

/* "256M" and the like: bytes, or 0 for a malformed size. */
static uint64_t parse_size(const char *s)
{
	char *end;
	unsigned long long v;
	int shift = 0;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return 0;
	switch (*end) {
	case 'K': shift = 10, end++; break;
	case 'M': shift = 20, end++; break;
	case 'G': shift = 30, end++; break;
	}
	if (*end || v > (UINT64_MAX >> shift))
		return 0;
	return (uint64_t)v << shift;
}

/* A profile object; what it leaves out stays as restrictive as `base`. */
static int read_profile(json_t *o, struct trust_profile *p, const char *where, char *err,
                        size_t errlen)
{
	const char *key;
	json_t *v;

	if (!o)
		return 0;
	if (!json_is_object(o))
		return fail(err, errlen, "%s: \"profile\" must be an object", where);
	json_object_foreach(o, key, v)
	{
		if (!strcmp(key, "net") && json_is_boolean(v))
			p->net = json_is_true(v);
		else if (!strcmp(key, "volumes") && json_is_boolean(v))
			p->volumes = json_is_true(v);
		else if (!strcmp(key, "max_memory") && json_is_string(v) &&
		         (p->max_memory = parse_size(json_string_value(v))))
			continue;
		else if (!strcmp(key, "max_pids") && json_is_integer(v) &&
		         json_integer_value(v) > 0 && json_integer_value(v) <= 1000000)
			p->max_pids = (uint32_t)json_integer_value(v);
		else if (!strcmp(key, "max_cpus") && json_is_number(v) &&
		         json_number_value(v) >= 0.01 && json_number_value(v) <= 1)
			p->max_cpus = json_number_value(v);
		else if ((!strcmp(key, "max_disk_rate") || !strcmp(key, "max_net_rate") ||
		          !strcmp(key, "max_net_recv_rate")) &&
		         json_is_string(v) && parse_size(json_string_value(v)))
			*(key[4] == 'd'              ? &p->max_disk_rate
			  : !strcmp(key + 8, "rate") ? &p->max_net_rate
			                             : &p->max_net_recv_rate) =
			        parse_size(json_string_value(v));
		else if (!strcmp(key, "net_allow") && json_is_array(v) &&
		         json_array_size(v) <= TRUST_ALLOW_MAX) {
			size_t i;
			json_t *a;

			p->nallow = 0;
			json_array_foreach(v, i, a)
			{
				const char *r = json_string_value(a);

				if (!r || !*r || strlen(r) >= sizeof(p->allow[0]))
					return fail(err, errlen,
					            "%s: net_allow[%zu]: a HOST|CIDR[:PORT] string",
					            where, i);
				snprintf(p->allow[p->nallow++], sizeof(p->allow[0]), "%s", r);
			}
		} else
			return fail(err, errlen, "%s: bad profile entry \"%s\"", where, key);
	}
	return 0;
}

int trust_policy_load(const char *path, struct trust_policy *p, char *err, size_t errlen)
{
	json_error_t je;
	json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je), *keys, *e;
	const char *u;
	char dir[PATH_MAX], where[PATH_MAX + 32];
	size_t i;
	int rc = -1;

	memset(p, 0, sizeof(*p));
	p->restricted = (struct trust_profile){ .max_memory = RESTRICT_MEM,
		                                .max_pids = RESTRICT_PIDS,
		                                .nallow = 0 };
	if (!root)
		return fail(err, errlen, "%s:%d: %s", path, je.line, je.text);
	snprintf(where, sizeof(where), "%s", path);
	snprintf(dir, sizeof(dir), "%s", dirname(where)); /* dirname may write its argument */
	keys = json_object_get(root, "keys");
	u = json_string_value(json_object_get(root, "unsigned"));
	if (!json_is_object(root) || !json_is_array(keys)) {
		fail(err, errlen, "%s: needs {\"keys\": [...]}", path);
		goto out;
	}
	if (u && strcmp(u, "deny") && strcmp(u, "restricted")) {
		fail(err, errlen, "%s: \"unsigned\" is \"deny\" or \"restricted\"", path);
		goto out;
	}
	p->allow_unsigned = u && !strcmp(u, "restricted");
	json_array_foreach(keys, i, e)
	{
		const char *kp = json_string_value(json_object_get(e, "pubkey"));
		char full[2 * PATH_MAX + 2];

		snprintf(where, sizeof(where), "%s: keys[%zu]", path, i);
		if (p->nkeys == TRUST_KEYS_MAX) {
			fail(err, errlen, "%s: more than %d keys", where, TRUST_KEYS_MAX);
			goto out;
		}
		if (!json_is_object(e) || !kp) {
			fail(err, errlen, "%s: needs \"pubkey\": PATH", where);
			goto out;
		}
		snprintf(full, sizeof(full), "%s/%s", kp[0] == '/' ? "" : dir, kp);
		/* What a profile leaves out is denied; limits it names none of are not. */
		p->profiles[p->nkeys] =
		        (struct trust_profile){ .max_memory = RESTRICT_MEM, .nallow = -1 };
		if (trust_read_pubkey(kp[0] == '/' ? kp : full, &p->keys[p->nkeys], err, errlen) ||
		    read_profile(json_object_get(e, "profile"), &p->profiles[p->nkeys], where, err,
		                 errlen))
			goto out;
		p->nkeys++;
	}
	rc = 0;
out:
	json_decref(root);
	return rc;
}

/* The smaller of two limits where 0 is none. */
#define NARROW_LIMIT(to, by)                        \
	do {                                        \
		if ((by) && (!(to) || (by) < (to))) \
			(to) = (by);                \
	} while (0)

/* The narrower of two profiles. */
static void narrow(struct trust_profile *to, const struct trust_profile *by)
{
	to->net = to->net && by->net;
	to->volumes = to->volumes && by->volumes;
	if (by->max_memory < to->max_memory)
		to->max_memory = by->max_memory;
	NARROW_LIMIT(to->max_pids, by->max_pids);
	NARROW_LIMIT(to->max_cpus, by->max_cpus);
	NARROW_LIMIT(to->max_disk_rate, by->max_disk_rate);
	NARROW_LIMIT(to->max_net_rate, by->max_net_rate);
	NARROW_LIMIT(to->max_net_recv_rate, by->max_net_recv_rate);
	if (by->nallow < 0)
		return;
	if (to->nallow < 0) {
		to->nallow = by->nallow;
		memcpy(to->allow, by->allow, sizeof(to->allow));
		return;
	}
	/* Both name destinations: only those both name. */
	for (int i = 0; i < to->nallow;) {
		int j;

		for (j = 0; j < by->nallow && strcmp(to->allow[i], by->allow[j]); j++)
			;
		if (j < by->nallow) {
			i++;
			continue;
		}
		memmove(to->allow[i], to->allow[i + 1],
		        (size_t)(to->nallow - i - 1) * sizeof(to->allow[0]));
		to->nallow--;
	}
}

int trust_check(const struct trust_policy *p, const char *path, struct trust_profile *prof,
                char *err, size_t errlen)
{
	char sigpath[PATH_MAX + 8];
	struct trust_sig s;
	int i;

	snprintf(sigpath, sizeof(sigpath), "%s.sig", path);
	if (access(sigpath, F_OK) != 0) {
		if (!p->allow_unsigned)
			return fail(
			        err, errlen,
			        "%s: not signed (no %s) and the trust policy allows only signed "
			        "images",
			        path, sigpath);
		narrow(prof, &p->restricted);
		return 1;
	}
	if (trust_read_sig(sigpath, &s, err, errlen))
		return -1;
	for (i = 0; i < p->nkeys; i++)
		if (!memcmp(p->keys[i].keynum, s.keynum, TRUST_KEYNUM)) {
			if (trust_verify(&p->keys[i], path, sigpath, err, errlen))
				return -1;
			narrow(prof, &p->profiles[i]);
			return 0;
		}
	return fail(err, errlen, "%s: signed with a key the trust policy does not list", path);
}
