/* Snapshots as a program sees them: the /dev/nanvix-snapshot device. */
#ifndef NANVIX_ABI_SNAPSHOT_H
#define NANVIX_ABI_SNAPSHOT_H

/*
 * A program chooses the point its VM is snapshotted at, typically once it
 * is initialised and about to wait for work (before `accept`):
 *
 *     int fd = open("/dev/nanvix-snapshot", O_RDONLY);
 *     struct nanvix_snapshot_info info;
 *     ioctl(fd, NANVIX_SNAPSHOT_TAKE, &info);
 *
 * Under `nanvixd --snapshot-out DIR` the VM is saved at that call and
 * nanvixd exits; every VM restored from DIR (`nanvixd --restore DIR`, or
 * the serverless daemon) returns from the same call, with `generation` >= 1
 * and a fresh `seed`.  Without --snapshot-out the call returns at once with
 * `taken` 0 and the program goes on, so the same program runs either way.
 * On Linux the device does not exist: a program that also runs natively
 * treats a failed open as "no snapshots here".
 *
 * NANVIX_SNAPSHOT_INFO fills the same struct without asking for anything.
 *
 * What a restored VM must not share with its siblings is refreshed before
 * its first instruction: getrandom and /dev/urandom always come from the
 * host, the clocks are corrected (CLOCK_REALTIME is the host's time at the
 * restore; CLOCK_MONOTONIC goes on from where the snapshot left it, as over
 * a suspend), and `seed` is new for each restored instance, for programs
 * that keep a random pool of their own and must reseed it.
 *
 * C99, self-contained.
 */

#ifndef __ASSEMBLER__
#include <stdint.h>
#endif

#define NANVIX_SNAPSHOT_PATH "/dev/nanvix-snapshot"

/* ioctl requests (the device's own numbers, _IOR('S', n, 64 bytes) in Linux's encoding). */
#define NANVIX_SNAPSHOT_TAKE 0x80405301u
#define NANVIX_SNAPSHOT_INFO 0x80405302u

#ifndef __ASSEMBLER__
struct nanvix_snapshot_info {
	uint64_t generation;  /* restores this VM went through: 0 in the VM that booted */
	uint64_t realtime_ns; /* CLOCK_REALTIME at the last restore, 0 if never restored */
	uint8_t seed[32];     /* random bytes new at each restore, zero if never restored */
	uint32_t taken;       /* TAKE: 1 when the host saved the VM at this call */
	uint32_t pad;
	uint64_t reserved;
};
#endif

#endif /* NANVIX_ABI_SNAPSHOT_H */
