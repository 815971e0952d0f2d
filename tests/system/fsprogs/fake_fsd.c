/*
 * fake_fsd: a hostile stand-in for fsd.elf (installed as fsd.elf beside a
 * copy of kernel.elf, nanvixd --fs=guest) that probes the kernel's in-VM
 * server mechanism (kernel/ipc/server.c) and then dies while serving.
 *
 * The child opens /dev/fsd and tries every ioctl wrongly first (before
 * REGISTER, bad pages, unknown requests, COPY with nothing served, a bad
 * BLK op, an inherited fd in a grandchild, a second open), then registers,
 * says "ready", answers the parent's first file call with ENOENT (after
 * copying its path) and exits while holding the second one.  The parent
 * (process 1) checks it gets ENOENT, then EIO for the held call and for
 * every later one, and EBUSY for /dev/fsd, for good.  Every check prints
 * one line, "ok ..." or "FAIL ..."; the status is 0 if all passed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <abi/bootinfo.h>
#include <abi/fsd.h>
#include <abi/hypercall.h>
#include <abi/linux.h>
#include <svc/server.h>

static struct nanvix_fsd_page page __attribute__((aligned(4096)));
static const char rodata_page[4096] __attribute__((aligned(4096))) = "read-only";
static int dev = -1, failed;

/* A raw ioctl (svc/server.h): the kernel's result (>= 0 or -errno). */
#define sys_ioctl svc_server_ioctl

static void expect(const char *what, long got, long want)
{
	if (got == want) {
		printf("ok %s\n", what);
	} else {
		printf("FAIL %s: got %ld, want %ld\n", what, got, want);
		failed = 1;
	}
}

static void server(int ready)
{
	char path[16] = { 0 };
	pid_t pid;
	int st;

	dev = open(NANVIX_FSD_PATH, O_RDWR);
	expect("the first opener opens /dev/fsd", dev >= 0, 1);
	expect("SERVE before REGISTER", sys_ioctl(dev, NANVIX_FSD_SERVE, 0), -LINUX_EINVAL);
	expect("REGISTER an unaligned page",
	       sys_ioctl(dev, NANVIX_FSD_REGISTER, (uintptr_t)&page + 8), -LINUX_EINVAL);
	expect("REGISTER a kernel address", sys_ioctl(dev, NANVIX_FSD_REGISTER, NANVIX_USER_TOP),
	       -LINUX_EINVAL);
	expect("REGISTER a read-only page",
	       sys_ioctl(dev, NANVIX_FSD_REGISTER, (uintptr_t)rodata_page), -LINUX_EFAULT);
	expect("REGISTER", sys_ioctl(dev, NANVIX_FSD_REGISTER, (uintptr_t)&page), 0);
	expect("REGISTER again", sys_ioctl(dev, NANVIX_FSD_REGISTER, (uintptr_t)&page),
	       -LINUX_EBUSY);
	expect("an unknown request", sys_ioctl(dev, 0x4e4600ffu, 0), -LINUX_ENOTTY);
	expect("COPY with nothing served", sys_ioctl(dev, NANVIX_FSD_COPY, 0), -LINUX_ESRCH);
	page.blk.op = 0x7777;
	expect("BLK with a bad op", sys_ioctl(dev, NANVIX_FSD_BLK, 0), -LINUX_EINVAL);
	expect("a second open of /dev/fsd", open(NANVIX_FSD_PATH, O_RDWR) < 0 ? errno : 0, EBUSY);
	pid = fork();
	if (pid == 0)
		_exit(sys_ioctl(dev, NANVIX_FSD_SERVE, 0) == -LINUX_EPERM ? 0 : 1);
	expect("an inherited fd in another process: EPERM",
	       pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && !WEXITSTATUS(st), 1);
	if (write(ready, "1", 1) != 1)
		_exit(1);

	expect("SERVE: the first request", sys_ioctl(dev, NANVIX_FSD_SERVE, 0), 0);
	expect("it is FS_OPEN", page.req.opcode, NANVIX_FS_OPEN);
	expect("its args[0] (the client's address space) is hidden", (long)page.req.args[0], 0);
	page.copy.dir = 7;
	page.copy.client = page.req.args[2];
	page.copy.local = (uintptr_t)path;
	page.copy.len = 6;
	expect("COPY with a bad direction", sys_ioctl(dev, NANVIX_FSD_COPY, 0), -LINUX_EINVAL);
	page.copy.dir = NANVIX_FSD_FROM_CLIENT;
	page.copy.len = NANVIX_HC_COPY_MAX + 1;
	expect("COPY of more than the limit", sys_ioctl(dev, NANVIX_FSD_COPY, 0), -LINUX_EINVAL);
	page.copy.len = 6;
	expect("COPY the client's path", sys_ioctl(dev, NANVIX_FSD_COPY, 0), 0);
	expect("the path is the client's", strcmp(path, "/probe"), 0);
	page.status = -LINUX_ENOENT;
	expect("SERVE: answer it, take the second", sys_ioctl(dev, NANVIX_FSD_SERVE, 0), 0);
	_exit(failed); /* holding the second request */
}

int main(void)
{
	int p[2];
	char c;

	setvbuf(stdout, NULL, _IONBF, 0);
	if (pipe(p) < 0)
		return 1;
	if (fork() == 0) {
		close(p[0]);
		server(p[1]);
	}
	close(p[1]);
	if (read(p[0], &c, 1) != 1) {
		printf("FAIL the server never got ready\n");
		return 1;
	}
	expect("the served call's answer", open("/probe", O_RDONLY) < 0 ? errno : 0, ENOENT);
	expect("the call the server died holding", open("/held", O_RDONLY) < 0 ? errno : 0, EIO);
	expect("a call after the server died", open("/later", O_RDONLY) < 0 ? errno : 0, EIO);
	expect("/dev/fsd once its server is gone", open(NANVIX_FSD_PATH, O_RDWR) < 0 ? errno : 0,
	       EBUSY);
	printf("fake_fsd: %s\n", failed ? "FAILED" : "all checks passed");
	return failed;
}
