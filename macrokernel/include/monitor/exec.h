/* execve for the guest, served on the host from the program images. */
#ifndef MONITOR_EXEC_H
#define MONITOR_EXEC_H

#include <abi/hypercall.h>
#include <monitor/vm.h>

/* The program `path` names: an exact image name, else its last component; or NULL. */
const struct vm_program *exec_lookup(const struct vm *vm, const char *path);

/*
 * Serve NANVIX_HC_EXEC `x` (a private copy of the guest's request): fills
 * its outputs and returns the value for `ret` (0 or -errno).  Every guest
 * address and size is checked; a failure leaves the caller's space intact.
 */
int64_t exec_program(struct vm *vm, struct nanvix_hc_exec *x);

#endif /* MONITOR_EXEC_H */
