/* nanvix: the operator's command: VMs of the nanvix-api daemon (ctl.c) and the signing helpers. */
#include <stdio.h>
#include <string.h>

#include <trust/trust.h>

#include "ctl.h"

static const char usage_head[] =
        "usage: nanvix [-H ADDR] COMMAND [ARGS]\n"
        "\n"
        "examples:\n"
        "  nanvix run bin/hello.elf\n"
        "      run a program in a micro-VM of the daemon (nanvix-api); it prints here\n"
        "  nanvix run -d --name web -m 256M -p 8080:80 httpd.elf --port 80\n"
        "      start one in the background; commands then take its name or id\n"
        "  nanvix ps -a; nanvix logs -f web; nanvix stop web; nanvix rm web\n"
        "      list VMs, follow one's output, stop it, forget it\n"
        "  nanvix snapshot web warm; nanvix run -d --snapshot warm\n"
        "      save a running VM (one run with --net none --no-tmp), start a copy of it\n"
        "  nanvix fn deploy echo bin/tests/cat.musl.elf; echo hi | nanvix fn invoke echo\n"
        "      register a function, then run it once in a new VM: stdin in, stdout out\n"
        "  nanvix keygen ops.pub ops.sec\n"
        "      a new Ed25519 key pair (the secret key without a passphrase, mode 0600)\n"
        "  nanvix sign ops.sec app.elf\n"
        "      sign app.elf into app.elf.sig, which nanvixd --trust looks for\n"
        "  nanvix verify ops.pub app.elf\n"
        "      check app.elf against app.elf.sig\n"
        "  nanvixd --trust policy.json -- app.elf\n"
        "      run app.elf only if the policy's keys signed it (docs/trust.md)\n"
        "\n"
        "VM commands (nanvix COMMAND --help for each):\n";

static const char usage_tail[] =
        "\n"
        "signing commands:\n"
        "  keygen PUBKEY SECKEY             make a key pair (never over a secret key)\n"
        "  sign SECKEY FILE [SIG]           sign FILE (SIG: FILE.sig)\n"
        "  verify PUBKEY FILE [SIG]         check FILE's signature; 0 when it is good\n"
        "  help [COMMAND]                   this text, or COMMAND's\n"
        "\n"
        "Keys and signatures are OpenBSD signify's format: signify-openbsd -S -s ops.sec\n"
        "-m app.elf signs the same way, and signify-openbsd -V -p ops.pub -m app.elf\n"
        "checks a signature made here.\n"
        "\n"
        "options:\n"
        "  -H, --host ADDR   the daemon: unix:PATH, /PATH or http://127.0.0.1:PORT;\n"
        "                    default $NANVIX_HOST, else $XDG_RUNTIME_DIR/nanvix/api.sock,\n"
        "                    else /run/nanvix/api.sock (root) or /tmp/nanvix-UID/api.sock\n"
        "\n"
        "environment:\n"
        "  NANVIX_HOST       as --host\n"
        "  NANVIX_API_KEY    sent as Authorization: Bearer (the daemon's --keys)\n";

static int usage(FILE *f, int status)
{
	fputs(usage_head, f);
	ctl_list(f);
	fputs(usage_tail, f);
	return status;
}

int main(int argc, char **argv)
{
	char err[512], sig[4096];
	const char *cmd, *host = NULL;
	struct trust_pubkey k;
	char *help_argv[] = { NULL, NULL, NULL, NULL };

	/* Options before COMMAND: -H ADDR, -HADDR, --host ADDR, --host=ADDR. */
	while (argc > 1 && argv[1][0] == '-' && argv[1][1] == 'H') {
		if (argv[1][2]) {
			host = argv[1] + 2;
		} else if (argc > 2) {
			host = argv[2];
			argv++, argc--;
		} else {
			fprintf(stderr, "nanvix: -H needs the daemon's address\n");
			return 2;
		}
		argv++, argc--;
	}
	while (argc > 1 && !strncmp(argv[1], "--host", 6) && (!argv[1][6] || argv[1][6] == '=')) {
		if (argv[1][6] == '=') {
			host = argv[1] + 7;
		} else if (argc > 2) {
			host = argv[2];
			argv++, argc--;
		} else {
			fprintf(stderr, "nanvix: --host needs the daemon's address\n");
			return 2;
		}
		argv++, argc--;
	}
	cmd = argc > 1 ? argv[1] : NULL;
	if (!cmd)
		return usage(stderr, 2);
	if (ctl_is_command(cmd))
		return ctl_main(host, argc - 1, argv + 1);
	/* help COMMAND, or help fn COMMAND: as COMMAND --help. */
	if (!strcmp(cmd, "help") && (argc == 3 || argc == 4) && ctl_is_command(argv[2])) {
		help_argv[0] = argv[2];
		help_argv[1] = argc == 4 ? argv[3] : "--help";
		help_argv[2] = argc == 4 ? "--help" : NULL;
		return ctl_main(host, argc - 1, help_argv);
	}
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
