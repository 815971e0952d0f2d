/* In-kernel self-tests, run by the PVH backend under QEMU. */
#ifndef TEST_SELFTEST_H
#define TEST_SELFTEST_H

/* Run every self-test, print one line each and a summary; returns failures. */
int selftest_run(void);

/* Run user code at rip/rsp in ring 3 until it exits; its exit status (hal_pvh.c). */
int hal_pvh_run_user(unsigned long rip, unsigned long rsp);

#endif /* TEST_SELFTEST_H */
