/* libFuzzer target for the signify decoders (macrokernel/trust): keys and signatures come with untrusted images. */
/*
 * Input: byte 0 picks the kind (public key, secret key, signature), the
 * rest is the file's text.  A decoded signature is also checked against a
 * fixed message and a decoded public key, so the Ed25519 check sees
 * arbitrary signatures.  Any crash, sanitizer report or a "good" answer
 * for a signature no key made aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <trust/trust.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t msg[] = "a program image";
	static uint8_t pk[32], sk[64];
	static int ready;
	union {
		struct trust_pubkey pub;
		struct trust_seckey sec;
		struct trust_sig sig;
	} u;
	char err[256];

	if (!ready) {
		if (sodium_init() < 0)
			abort();
		crypto_sign_ed25519_keypair(pk, sk); /* a key the input cannot know */
		ready = 1;
	}
	if (size < 1)
		return 0;
	if (trust_decode((const char *)data + 1, size - 1, (enum trust_kind)(data[0] % 3), &u, err,
	                 sizeof(err)) != 0)
		return 0;
	if (data[0] % 3 == TRUST_SIG &&
	    crypto_sign_ed25519_verify_detached(u.sig.sig, msg, sizeof(msg), pk) == 0)
		abort(); /* a forgery: cannot happen */
	return 0;
}
