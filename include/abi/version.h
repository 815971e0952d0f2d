/* The host-guest ABI's version, for C and for assembly (test kernels). */
#ifndef NANVIX_ABI_VERSION_H
#define NANVIX_ABI_VERSION_H

/* Bumped whenever the boot info, a hypercall or the kernel header changes. */
#define NANVIX_ABI_VERSION 10

#endif /* NANVIX_ABI_VERSION_H */
