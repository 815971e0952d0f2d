/* guest_init: /init of the QEMU micro-VM peer: load the virtio-mmio network drivers, bring up eth0, exec echo_http. */

/*
 * The Debian kernel builds virtio, virtio-mmio and virtio-net as modules,
 * so this init loads them in the order /modules.list gives (one file name a
 * line, dependencies first; the files sit beside it in /modules), gives
 * eth0 QEMU user-mode networking's fixed guest address GUEST_IP/24, and
 * execs "/echo_http GUEST_PORT".  Every step that fails is reported on the
 * console and ends the VM (exit of PID 1: the kernel panics and, with
 * panic=-1 and -no-reboot, QEMU exits).
 */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define GUEST_IP     "10.0.2.15"
#define GUEST_MASK   "255.255.255.0"
#define GUEST_PORT   "8080"
#define MODULES_LIST "/modules.list"
#define MODULES_DIR  "/modules/"
#define IF_NAME      "eth0"
#define IF_WAIT_MS   2000 /* how long eth0 may take to appear after the driver loads */

static void say(const char *what, const char *detail)
{
	char line[256];
	int n = snprintf(line, sizeof(line), "init: %s%s%s\n", what, detail ? ": " : "",
	                 detail ? detail : "");

	if (n > 0)
		(void)write(2, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

/* The kernel gives /init the console only if /dev/console exists: make sure. */
static void console(void)
{
	int fd;

	if (fcntl(1, F_GETFD) >= 0)
		return;
	(void)mkdir("/dev", 0755);
	(void)mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	fd = open("/dev/console", O_RDWR);
	if (fd < 0)
		return;
	dup2(fd, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	if (fd > 2)
		close(fd);
}

/* Load every module /modules.list names, in order.  Returns 0 or -1. */
static int load_modules(void)
{
	char list[1024], path[256];
	char *p, *next;
	ssize_t n;
	int fd = open(MODULES_LIST, O_RDONLY);

	if (fd < 0)
		return 0; /* a kernel with the drivers built in needs none */
	n = read(fd, list, sizeof(list) - 1);
	close(fd);
	if (n < 0)
		return -1;
	list[n] = '\0';
	for (p = list; *p != '\0'; p = next) {
		char *nl = strchr(p, '\n');
		int mfd;

		next = nl != NULL ? nl + 1 : p + strlen(p);
		if (nl != NULL)
			*nl = '\0';
		if (*p == '\0')
			continue;
		snprintf(path, sizeof(path), "%s%s", MODULES_DIR, p);
		mfd = open(path, O_RDONLY | O_CLOEXEC);
		if (mfd < 0 || (syscall(SYS_finit_module, mfd, "", 0) != 0 && errno != EEXIST)) {
			say(path, strerror(errno));
			return -1;
		}
		close(mfd);
	}
	return 0;
}

static int set_addr(int s, unsigned long req, const char *ip)
{
	struct ifreq ifr;
	struct sockaddr_in *sa = (struct sockaddr_in *)&ifr.ifr_addr;

	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, IF_NAME, IFNAMSIZ - 1);
	sa->sin_family = AF_INET;
	inet_pton(AF_INET, ip, &sa->sin_addr);
	return ioctl(s, req, &ifr);
}

/* Give eth0 its address and bring it (and lo) up.  Returns 0 or -1. */
static int net_up(void)
{
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM, 0), waited = 0;

	if (s < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, IF_NAME, IFNAMSIZ - 1);
	while (ioctl(s, SIOCGIFFLAGS, &ifr) != 0) {
		struct timespec ms = { .tv_nsec = 1000000 };

		if (++waited > IF_WAIT_MS) {
			say("no " IF_NAME, strerror(errno));
			return -1;
		}
		nanosleep(&ms, NULL);
	}
	if (set_addr(s, SIOCSIFADDR, GUEST_IP) != 0 ||
	    set_addr(s, SIOCSIFNETMASK, GUEST_MASK) != 0) {
		say("address " IF_NAME, strerror(errno));
		return -1;
	}
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) != 0) {
		say("up " IF_NAME, strerror(errno));
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
	if (ioctl(s, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
		(void)ioctl(s, SIOCSIFFLAGS, &ifr);
	}
	close(s);
	return 0;
}

int main(void)
{
	char *argv[] = { "/echo_http", GUEST_PORT, NULL };
	char *envp[] = { "PATH=/", NULL };

	console();
	if (load_modules() != 0 || net_up() != 0)
		return 1;
	execve(argv[0], argv, envp);
	say("exec /echo_http", strerror(errno));
	return 1;
}
