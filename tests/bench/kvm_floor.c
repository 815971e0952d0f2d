/* KVM floor: the least a KVM monitor can do (one VM, one vCPU, one hlt). */

/*
 * This is the baseline `./z bench boot` compares nanvixd against: open
 * /dev/kvm, create a VM with a single 64 KiB memslot that holds one `hlt`,
 * create one vCPU in real mode pointed at it, run until KVM_EXIT_HLT, exit 0.
 * Nothing here can be made cheaper by a monitor, so "nanvixd / floor" is the
 * overhead of our own boot path.  It is linked statically, like nanvixd.
 */

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define GUEST_MEM_SIZE 0x10000UL /* one 64 KiB memslot at GPA 0 */
#define GUEST_HLT_ADDR 0x1000UL  /* where the hlt sits */

static void die(const char *what)
{
	fprintf(stderr, "kvm_floor: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void die_msg(const char *msg)
{
	fprintf(stderr, "kvm_floor: %s\n", msg);
	exit(1);
}

/* ioctl() that returns its result or exits naming the request. */
static int xioctl(int fd, unsigned long req, void *arg, const char *name)
{
	int r;

	do {
		r = ioctl(fd, req, arg);
	} while (r < 0 && errno == EINTR);
	if (r < 0)
		die(name);
	return r;
}

int main(void)
{
	int kvm, vm, vcpu, api, run_size;
	uint8_t *mem;
	struct kvm_run *run;
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		die("open /dev/kvm");
	api = xioctl(kvm, KVM_GET_API_VERSION, NULL, "KVM_GET_API_VERSION");
	if (api != KVM_API_VERSION)
		die_msg("unexpected KVM API version");

	vm = xioctl(kvm, KVM_CREATE_VM, (void *)0, "KVM_CREATE_VM");

	mem = mmap(NULL, GUEST_MEM_SIZE, PROT_READ | PROT_WRITE,
	           MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mem == MAP_FAILED)
		die("mmap guest memory");
	mem[GUEST_HLT_ADDR] = 0xf4; /* hlt */

	struct kvm_userspace_memory_region slot = {
		.slot = 0,
		.guest_phys_addr = 0,
		.memory_size = GUEST_MEM_SIZE,
		.userspace_addr = (uintptr_t)mem,
	};
	xioctl(vm, KVM_SET_USER_MEMORY_REGION, &slot, "KVM_SET_USER_MEMORY_REGION");

	vcpu = xioctl(vm, KVM_CREATE_VCPU, (void *)0, "KVM_CREATE_VCPU");
	run_size = xioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, NULL, "KVM_GET_VCPU_MMAP_SIZE");
	if ((size_t)run_size < sizeof(*run))
		die_msg("KVM_GET_VCPU_MMAP_SIZE smaller than struct kvm_run");
	run = mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED)
		die("mmap kvm_run");

	/* Real mode, flat code segment at 0: CS:IP = 0:GUEST_HLT_ADDR. */
	xioctl(vcpu, KVM_GET_SREGS, &sregs, "KVM_GET_SREGS");
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	xioctl(vcpu, KVM_SET_SREGS, &sregs, "KVM_SET_SREGS");

	memset(&regs, 0, sizeof(regs));
	regs.rip = GUEST_HLT_ADDR;
	regs.rflags = 0x2; /* bit 1 is reserved and must be set */
	xioctl(vcpu, KVM_SET_REGS, &regs, "KVM_SET_REGS");

	for (;;) {
		xioctl(vcpu, KVM_RUN, NULL, "KVM_RUN");
		if (run->exit_reason == KVM_EXIT_HLT)
			break;
		if (run->exit_reason == KVM_EXIT_INTR)
			continue;
		fprintf(stderr, "kvm_floor: unexpected exit reason %u\n", run->exit_reason);
		if (run->exit_reason == KVM_EXIT_INTERNAL_ERROR)
			fprintf(stderr, "kvm_floor: internal error suberror %u\n",
			        run->internal.suberror);
		return 1;
	}
	return 0;
}
