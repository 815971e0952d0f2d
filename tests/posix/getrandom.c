/* getrandom: fills buffers with fresh bytes, checks flags and bad pointers. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

int main(void)
{
	unsigned char a[64], b[64], zero[64] = { 0 };
	int fails = 0;
	ssize_t r;

	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	if (getrandom(a, sizeof(a), 0) != (ssize_t)sizeof(a) ||
	    getrandom(b, sizeof(b), GRND_NONBLOCK) != (ssize_t)sizeof(b))
		fails++, printf("short read\n");
	printf("two reads differ: %s\n", memcmp(a, b, sizeof(a)) ? "yes" : "no");
	printf("not all zero: %s\n", memcmp(a, zero, sizeof(a)) ? "yes" : "no");
	printf("len 0: %zd\n", getrandom(a, 0, 0));

	errno = 0;
	r = getrandom(a, 8, 0x100);
	printf("bad flags: %zd %s\n", r, errno == EINVAL ? "EINVAL" : "?");
	fails += !(r == -1 && errno == EINVAL);
	errno = 0;
	/* Through a volatile pointer: glibc's headers would flag the bad buffer at compile time. */
	r = getrandom(*(void *volatile *)&(void *){ (void *)8 }, 16, 0);
	printf("bad pointer: %zd %s\n", r, errno == EFAULT ? "EFAULT" : "?");
	fails += !(r == -1 && errno == EFAULT);
	return fails;
}
