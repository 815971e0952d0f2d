/* uname: uname() works and reports an x86_64 machine. */
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

int main(void)
{
	struct utsname u;

	if (uname(&u) != 0) {
		printf("uname failed\n");
		return 1;
	}
	if (strcmp(u.machine, "x86_64") != 0) {
		printf("uname machine %s\n", u.machine);
		return 1;
	}
	printf("uname ok x86_64\n");
	return 0;
}
