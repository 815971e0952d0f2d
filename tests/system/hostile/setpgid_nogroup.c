/* setpgid_nogroup: joining a process group that does not exist must fail
 * with EPERM (Linux: the group must exist in the caller's session). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
	pid_t c = fork();

	if (c == 0) {
		int r = setpgid(0, 99999);

		printf("setpgid(0, 99999) = %d (%s), getpgrp() = %d\n", r,
		       r ? strerror(errno) : "ok", (int)getpgrp());
		return 0;
	}
	sleep(1);
	return 0;
}
