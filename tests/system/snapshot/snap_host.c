/*
 * snap_host: the host's side of a snapshot (instance_snapshot), for
 * tests/system/snapshot.sh.  Guest files come from $NANVIX_GUEST_DIR.
 *
 *   snap_host take PROGRAM DIR   boot PROGRAM (--net=guest, PORT=8080) in a
 *                                fleet, wait until it idles (parked), hold
 *                                it, snapshot it into DIR, release it, and
 *                                check it goes on (runs and parks again)
 *   snap_host busy PROGRAM DIR   boot PROGRAM (no network; one that
 *                                computes), hold it mid-computation and
 *                                try: the snapshot must be refused
 *
 * Prints one line a step; exits 0 when every step went as it should.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <monitor/fleet.h>
#include <monitor/instance.h>
#include <netsw/netsw.h>

#define WAIT_MS 20000

static int parked(struct fleet *f)
{
	struct fleet_stats st;

	fleet_stats(f, &st);
	return (int)st.parked;
}

/* Until the fleet's one VM is parked (or WAIT_MS): 0 or -1. */
static int wait_parked(struct fleet *f)
{
	for (int ms = 0; ms < WAIT_MS; ms += 10) {
		if (parked(f) == 1)
			return 0;
		usleep(10000);
	}
	return -1;
}

int main(int argc, char **argv)
{
	static char *env[] = { "PORT=8080", NULL };
	struct netsw_policy policy;
	struct instance_config c;
	struct instance *in = NULL;
	struct fleet *f = NULL;
	struct fleet_vm *v;
	char err[1024];
	bool busy;
	int rc = 1;

	if (argc != 4 || (strcmp(argv[1], "take") != 0 && strcmp(argv[1], "busy") != 0)) {
		fputs("usage: snap_host take|busy PROGRAM DIR\n", stderr);
		return 2;
	}
	busy = strcmp(argv[1], "busy") == 0;
	netsw_policy_init(&policy);
	memset(&c, 0, sizeof(c));
	c.mem = 16u << 20;
	c.stack = 256u << 10;
	c.tty = TTY_NONE;
	c.mk.notify_fd = -1;
	c.mk.net = busy ? MK_NET_NONE : MK_NET_GUEST;
	c.net_policy = &policy;
	c.console_fd = 2;
	c.fleet = true;
	c.argv = &argv[2];
	c.argc = 1;
	c.env = env;
	c.envc = 1;
	if (fleet_new(&f) < 0 || instance_create(&in, &c) != 0) {
		fprintf(stderr, "snap_host: cannot boot %s\n", argv[2]);
		goto out;
	}
	v = fleet_add(f, in, NULL, NULL);
	if (!v)
		goto out;
	if (busy) {
		usleep(300000); /* computing by now */
		if (fleet_hold(v) != 0) {
			printf("the VM ended before it was held\n");
		} else if (instance_snapshot(in, argv[3], err, sizeof(err)) == 0) {
			printf("snapshot of a VM held mid-computation: taken (it must not be)\n");
		} else {
			printf("refused: %s\n", err);
			rc = 0;
		}
	} else if (wait_parked(f) < 0) {
		printf("the VM did not idle within %d ms\n", WAIT_MS);
	} else if (fleet_hold(v) != 0) {
		printf("the VM ended before it was held\n");
	} else if (instance_snapshot(in, argv[3], err, sizeof(err)) != 0) {
		printf("snapshot refused: %s\n", err);
	} else {
		printf("snapshot of the idle VM taken\n");
		/* It goes on: released, it runs (its SLEEP returns 0) and idles again. */
		fleet_release(v);
		usleep(100000);
		if (wait_parked(f) == 0 && fleet_status(v) < 0) {
			printf("the VM went on and idles again\n");
			rc = 0;
		} else {
			printf("the VM did not go on after the snapshot\n");
		}
	}
	fleet_remove(v, 128 + 9);
out:
	instance_destroy(in);
	fleet_free(f);
	return rc;
}
