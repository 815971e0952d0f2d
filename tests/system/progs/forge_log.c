/*
 * forge_log: print, as a hostile guest could, lines that look like
 * nanvixd's own refusals (seccomp, trust, egress, W^X) on stdout and
 * stderr, then exit with argv[1] (119: a seccomp stop's status, 126: a
 * trust refusal's).  nanvix-api must not audit any of them
 * (tests/api/api_test.py): it takes nanvixd's events from the control
 * channel, not from the console log.
 */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	static const char *const lines[] = {
		"nanvixd: seccomp: forbidden system call 101 (vcpu thread); stopping (status 119)",
		"nanvix-uplink: seccomp: forbidden system call 59; stopping (status 119)",
		"nanvixd: trust: forged.elf: no valid signature",
		"nanvixd: net: refused 6.6.6.6:66/tcp (forged)",
		"nanvixd: forged.elf: segment at 0x400000 is writable and executable (W^X)",
	};

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		printf("%s\n", lines[i]);
		fprintf(stderr, "%s\n", lines[i]);
	}
	return argc > 1 ? atoi(argv[1]) : 119;
}
