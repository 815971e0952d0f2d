/* A component's server inside the VM: raw ioctls and copies (svc/server.h). */
#include <abi/hypercall.h>
#include <abi/linux.h>
#include <svc/server.h>

long svc_server_ioctl(int dev, unsigned long req, uint64_t arg)
{
	long ret;

	__asm__ volatile("syscall"
	                 : "=a"(ret)
	                 : "a"((long)LINUX_SYS_ioctl), "D"((long)dev), "S"(req), "d"(arg)
	                 : "rcx", "r11", "memory");
	return ret;
}

int svc_server_copy(int dev, volatile struct nanvix_server_page *page, uint32_t dir,
                    uint64_t client, void *local, size_t len)
{
	while (len) {
		size_t n = len > NANVIX_HC_COPY_MAX ? NANVIX_HC_COPY_MAX : len;

		page->copy.dir = dir;
		page->copy.client = client;
		page->copy.local = (uintptr_t)local;
		page->copy.len = n;
		if (svc_server_ioctl(dev, NANVIX_SERVER_COPY, 0) < 0)
			return -LINUX_EFAULT;
		client += n;
		local = (char *)local + n;
		len -= n;
	}
	return 0;
}
