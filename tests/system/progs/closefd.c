/* closefd: fstat and close on the console fds behave as on Linux. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int main(void)
{
	struct stat st;
	int r;

	printf("fstat(1) = %d\n", fstat(1, &st));
	printf("fstat(9) = %d %s\n", fstat(9, &st), errno == EBADF ? "EBADF" : "?");
	printf("close(2) = %d\n", close(2));
	errno = 0;
	r = (int)write(2, "x", 1);
	printf("write(2) = %d %s\n", r, errno == EBADF ? "EBADF" : "?");
	errno = 0;
	r = close(2);
	printf("close(2) = %d %s\n", r, errno == EBADF ? "EBADF" : "?");
	return 0;
}
