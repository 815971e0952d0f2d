/* nanvix: the operator's command; for now the signing helpers (keygen, sign, verify). */
#include <stdio.h>
#include <string.h>

#include <trust/trust.h>

static const char usage_text[] =
        "usage: nanvix COMMAND [ARGS]\n"
        "\n"
        "examples:\n"
        "  nanvix keygen ops.pub ops.sec\n"
        "      a new Ed25519 key pair (the secret key without a passphrase, mode 0600)\n"
        "  nanvix sign ops.sec app.elf\n"
        "      sign app.elf into app.elf.sig, which nanvixd --trust looks for\n"
        "  nanvix verify ops.pub app.elf\n"
        "      check app.elf against app.elf.sig\n"
        "  nanvixd --trust policy.json -- app.elf\n"
        "      run app.elf only if the policy's keys signed it (docs/trust.md)\n"
        "\n"
        "Keys and signatures are OpenBSD signify's format: signify-openbsd -S -s ops.sec\n"
        "-m app.elf signs the same way, and signify-openbsd -V -p ops.pub -m app.elf\n"
        "checks a signature made here.\n"
        "\n"
        "commands:\n"
        "  keygen PUBKEY SECKEY         make a key pair (never over an existing secret key)\n"
        "  sign SECKEY FILE [SIG]       sign FILE (SIG: FILE.sig)\n"
        "  verify PUBKEY FILE [SIG]     check FILE's signature; exit 0 when it is good\n"
        "  help                         this text\n";

static int usage(FILE *f, int status)
{
	fputs(usage_text, f);
	return status;
}

int main(int argc, char **argv)
{
	char err[512], sig[4096];
	const char *cmd = argc > 1 ? argv[1] : NULL;
	struct trust_pubkey k;

	if (!cmd)
		return usage(stderr, 2);
	if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h"))
		return usage(stdout, 0);
	if (!strcmp(cmd, "keygen") && argc == 4) {
		if (trust_keygen(argv[2], argv[3], err, sizeof(err)) == 0)
			return 0;
	} else if ((!strcmp(cmd, "sign") || !strcmp(cmd, "verify")) && (argc == 4 || argc == 5)) {
		if (argc == 5)
			snprintf(sig, sizeof(sig), "%s", argv[4]);
		else
			snprintf(sig, sizeof(sig), "%s.sig", argv[3]);
		if (!strcmp(cmd, "sign") &&
		    trust_sign(argv[2], argv[3], sig, err, sizeof(err)) == 0)
			return 0;
		if (!strcmp(cmd, "verify") &&
		    trust_read_pubkey(argv[2], &k, err, sizeof(err)) == 0 &&
		    trust_verify(&k, argv[3], sig, err, sizeof(err)) == 0) {
			printf("%s: signature good\n", argv[3]);
			return 0;
		}
	} else {
		fprintf(stderr, "nanvix: %s: unknown command or wrong arguments\n\n", cmd);
		return usage(stderr, 2);
	}
	fprintf(stderr, "nanvix: %s\n", err);
	return 1;
}
