/* identity: process ids, user ids, umask and sched_yield. */
#include <sched.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

int main(void)
{
	mode_t old;

	printf("getpid > 0: %s\n", getpid() > 0 ? "yes" : "no");
	printf("getppid >= 0: %s\n", getppid() >= 0 ? "yes" : "no");
	printf("uid == euid: %s\n", getuid() == geteuid() ? "yes" : "no");
	printf("gid == egid: %s\n", getgid() == getegid() ? "yes" : "no");
	umask(022);
	old = umask(077);
	printf("umask: %03o then %03o\n", (unsigned)old, (unsigned)umask(022));
	printf("sched_yield: %d\n", sched_yield());
	return 0;
}
