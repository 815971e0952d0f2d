/* nanvix-api's API keys (hashed, with scopes and a rate each) and its audit log. */
/*
 * The keys file holds no key, only each key's SHA-256: a key is 32 random
 * bytes (`nanvix-api keygen`), so a fast hash is enough to make the file
 * useless to a reader, and the comparison runs in constant time.  Each key
 * has a token bucket: `rate` tokens a second up to `burst`; a request takes
 * one, and without one it gets 429 with the seconds until the next.
 */
#include <errno.h>
#include <jansson.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "api.h"

#define KEYS_MAX   1024
#define KEY_PREFIX "nvx_"

struct api_key {
	char name[API_ID_MAX + 1];
	uint8_t hash[crypto_hash_sha256_BYTES];
	int scopes;
	double rate, burst, tokens, last;
	uint64_t limited;
};

static struct api_key *keys;
static int nkeys;
static FILE *audit_f;

bool auth_enabled(void)
{
	return keys != NULL;
}

static int scope_bits(json_t *a)
{
	static const char *const names[] = { "read", "invoke", "manage" };
	int bits = 0;
	size_t i;
	json_t *v;

	if (!json_is_array(a) || json_array_size(a) == 0)
		return -1;
	json_array_foreach(a, i, v)
	{
		int j;

		for (j = 0;
		     j < 3 && !(json_is_string(v) && !strcmp(json_string_value(v), names[j])); j++)
			;
		if (j == 3)
			return -1;
		bits |= 1 << j;
	}
	return bits;
}

static int hex_decode(const char *hex, uint8_t *out, size_t n)
{
	size_t bin_len;

	if (!hex || strlen(hex) != 2 * n ||
	    sodium_hex2bin(out, n, hex, 2 * n, NULL, &bin_len, NULL) != 0 || bin_len != n)
		return -1;
	return 0;
}

int auth_load(const char *path, char *err, size_t errlen)
{
	json_error_t je;
	json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je), *a, *k;
	size_t i;

	if (sodium_init() < 0) {
		snprintf(err, errlen, "libsodium cannot start");
		return -1;
	}
	if (!root) {
		snprintf(err, errlen, "%s:%d: %s", path, je.line, je.text);
		return -1;
	}
	a = json_object_get(root, "keys");
	if (!json_is_array(a) || json_array_size(a) == 0 || json_array_size(a) > KEYS_MAX) {
		snprintf(err, errlen, "%s: expected {\"keys\": [...]} with 1 to %d keys", path,
		         KEYS_MAX);
		goto out_bad;
	}
	keys = calloc(json_array_size(a), sizeof(*keys));
	if (!keys) {
		snprintf(err, errlen, "out of memory");
		goto out_bad;
	}
	json_array_foreach(a, i, k)
	{
		struct api_key *key = &keys[i];
		const char *name = json_string_value(json_object_get(k, "name"));
		json_t *rate = json_object_get(k, "rate"), *burst = json_object_get(k, "burst");

		if (!name || !*name || strlen(name) > API_ID_MAX) {
			snprintf(err, errlen, "%s: keys[%zu]: name: a string of 1 to %d bytes",
			         path, i, API_ID_MAX);
			goto out_bad;
		}
		snprintf(key->name, sizeof(key->name), "%s", name);
		if (hex_decode(json_string_value(json_object_get(k, "sha256")), key->hash,
		               sizeof(key->hash))) {
			snprintf(err, errlen,
			         "%s: key %s: sha256: 64 hex digits (nanvix-api keygen)", path,
			         name);
			goto out_bad;
		}
		key->scopes = scope_bits(json_object_get(k, "scopes"));
		if (key->scopes < 0) {
			snprintf(err, errlen, "%s: key %s: scopes: a list of read, invoke, manage",
			         path, name);
			goto out_bad;
		}
		if ((rate && (!json_is_number(rate) || json_number_value(rate) <= 0)) ||
		    (burst && (!json_is_number(burst) || json_number_value(burst) < 1))) {
			snprintf(err, errlen, "%s: key %s: rate above 0 and burst at least 1", path,
			         name);
			goto out_bad;
		}
		key->rate = rate ? json_number_value(rate) : 20;
		key->burst =
		        burst ? json_number_value(burst) : (key->rate * 2 < 1 ? 1 : key->rate * 2);
		key->tokens = key->burst;
		key->last = api_now();
	}
	nkeys = (int)json_array_size(a);
	json_decref(root);
	return 0;

out_bad:
	free(keys);
	keys = NULL;
	json_decref(root);
	return -1;
}

int auth_check(const char *auth, size_t len, int scope, char *who, size_t wholen, int *retry_after,
               char *err, size_t errlen)
{
	uint8_t h[crypto_hash_sha256_BYTES];
	struct api_key *key = NULL;
	double now;

	if (!keys) {
		snprintf(who, wholen, "local");
		return 0;
	}
	if (!auth || len < 8 || strncasecmp(auth, "bearer ", 7) != 0) {
		snprintf(err, errlen, "this daemon needs an API key: Authorization: Bearer KEY");
		return 401;
	}
	crypto_hash_sha256(h, (const uint8_t *)auth + 7, len - 7);
	for (int i = 0; i < nkeys; i++)
		if (sodium_memcmp(h, keys[i].hash, sizeof(h)) == 0)
			key = &keys[i];
	if (!key) {
		snprintf(err, errlen, "unknown API key");
		return 401;
	}
	snprintf(who, wholen, "%s", key->name);
	if (!(key->scopes & scope)) {
		snprintf(err, errlen, "key %s lacks the %s scope", key->name,
		         scope == SCOPE_READ     ? "read"
		         : scope == SCOPE_INVOKE ? "invoke"
		                                 : "manage");
		return 403;
	}
	now = api_now();
	key->tokens += (now - key->last) * key->rate;
	if (key->tokens > key->burst)
		key->tokens = key->burst;
	key->last = now;
	if (key->tokens < 1) {
		double wait = (1 - key->tokens) / key->rate;

		*retry_after = wait < 1 ? 1 : (int)(wait + 0.999);
		key->limited++;
		snprintf(err, errlen, "key %s is over its rate of %g requests a second", key->name,
		         key->rate);
		return 429;
	}
	key->tokens -= 1;
	return 0;
}

uint64_t auth_rate_limited(const char **name, int i)
{
	if (i < 0 || i >= nkeys) {
		*name = NULL;
		return 0;
	}
	*name = keys[i].name;
	return keys[i].limited;
}

int auth_keygen(const char *name, const char *scopes)
{
	uint8_t raw[32], h[crypto_hash_sha256_BYTES];
	char key[sizeof(KEY_PREFIX) + 2 * sizeof(raw)], hex[2 * sizeof(h) + 1];
	json_t *entry, *sc;
	char *text, *list, *tok, *save;

	if (sodium_init() < 0)
		return -1;
	if (!name || !*name || strlen(name) > API_ID_MAX) {
		fprintf(stderr, "nanvix-api: keygen: a name of 1 to %d bytes\n", API_ID_MAX);
		return -1;
	}
	sc = json_array();
	list = strdup(scopes);
	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		json_array_append_new(sc, json_string(tok));
	free(list);
	if (scope_bits(sc) < 0) {
		fprintf(stderr,
		        "nanvix-api: keygen: scopes: a comma-separated list of read, invoke, "
		        "manage\n");
		json_decref(sc);
		return -1;
	}
	randombytes_buf(raw, sizeof(raw));
	memcpy(key, KEY_PREFIX, strlen(KEY_PREFIX));
	sodium_bin2hex(key + strlen(KEY_PREFIX), sizeof(key) - strlen(KEY_PREFIX), raw,
	               sizeof(raw));
	crypto_hash_sha256(h, (const uint8_t *)key, strlen(key));
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	entry = json_pack("{s:s, s:s, s:o}", "name", name, "sha256", hex, "scopes", sc);
	text = json_dumps(entry, JSON_COMPACT);
	printf("key: %s\nentry: %s\n", key, text);
	free(text);
	json_decref(entry);
	sodium_memzero(key, sizeof(key));
	return 0;
}

int audit_open(const char *path)
{
	audit_f = fopen(path, "ae");
	if (!audit_f)
		return -errno;
	setvbuf(audit_f, NULL, _IOLBF, 0);
	return 0;
}

void audit(const char *event, ...)
{
	json_t *o = json_object();
	char stamp[40], *text;
	struct timespec ts;
	struct tm tm;
	const char *k, *v;
	va_list ap;

	metrics_audit(event);
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(stamp + strlen(stamp), sizeof(stamp) - strlen(stamp), ".%03ldZ",
	         ts.tv_nsec / 1000000);
	json_object_set_new(o, "time", json_string(stamp));
	json_object_set_new(o, "event", json_string(event));
	va_start(ap, event);
	while ((k = va_arg(ap, const char *)) && (v = va_arg(ap, const char *)))
		json_object_set_new(o, k, json_stringn(v, strlen(v)));
	va_end(ap);
	text = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
	if (audit_f && text)
		fprintf(audit_f, "%s\n", text);
	free(text);
	json_decref(o);
}
