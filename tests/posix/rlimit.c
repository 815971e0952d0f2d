/* rlimit: getrlimit/setrlimit round trips and their errors. */
#include <errno.h>
#include <stdio.h>
#include <sys/resource.h>

int main(void)
{
	struct rlimit r, w;
	int rc;

	rc = getrlimit(RLIMIT_NOFILE, &r);
	printf("getrlimit NOFILE: %d soft<=hard %s\n", rc, r.rlim_cur <= r.rlim_max ? "yes" : "no");
	w.rlim_cur = 64;
	w.rlim_max = r.rlim_max;
	rc = setrlimit(RLIMIT_NOFILE, &w);
	getrlimit(RLIMIT_NOFILE, &r);
	printf("setrlimit NOFILE 64: %d now %llu\n", rc, (unsigned long long)r.rlim_cur);
	w.rlim_cur = 100;
	w.rlim_max = 50;
	errno = 0;
	rc = setrlimit(RLIMIT_NOFILE, &w);
	printf("soft > hard: %d %s\n", rc, errno == EINVAL ? "EINVAL" : "?");
	errno = 0;
	rc = getrlimit(1000, &r);
	printf("bad resource: %d %s\n", rc, errno == EINVAL ? "EINVAL" : "?");
	rc = getrlimit(RLIMIT_STACK, &r);
	printf("stack limit: %d positive %s\n", rc, r.rlim_cur > 0 ? "yes" : "no");
	return 0;
}
