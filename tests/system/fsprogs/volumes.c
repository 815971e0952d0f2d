/* Volumes: guest symlinks stay inside, missing parents appear, a file mounts. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void try_link(const char *target, const char *path)
{
	printf("symlink %s -> %s: %s\n", path, target,
	       symlink(target, path) == 0 ? "made" : strerror(errno));
}

static void show(const char *what, const char *path)
{
	char buf[128] = { 0 };
	int fd = open(path, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = 0;
	if (n > 0 && buf[n - 1] == '\n')
		buf[n - 1] = 0;
	printf("%s: %s\n", what, n >= 0 ? buf : strerror(errno));
}

int main(void)
{
	DIR *d;
	struct dirent *e;
	int fd;

	/* 1. Links the host would follow out of the volume are refused. */
	try_link("/etc", "/v/abs");
	try_link("../outside.txt", "/v/up");
	try_link("sub/../../outside.txt", "/v/sneaky");
	try_link("inside.txt", "/v/good");
	try_link("../inside.txt", "/v/sub/good2");
	show("read good", "/v/good");
	show("read good2", "/v/sub/good2");

	/* 2. A volume whose guest parents do not exist. */
	show("deep mount", "/a/b/c/inside.txt");
	d = opendir("/a/b");
	printf("list /a/b:");
	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.')
			printf(" %s", e->d_name);
	printf("\n");
	if (d)
		closedir(d);
	printf("mkdir in /a: %s\n", mkdir("/a/new", 0755) == 0 ? "made" : strerror(errno));

	/* 3. A single host file. */
	show("file volume", "/etc/single.conf");
	fd = open("/etc/single.conf", O_WRONLY | O_TRUNC);
	printf("write file volume: %s\n",
	       fd >= 0 && write(fd, "from guest\n", 11) == 11 ? "done" : strerror(errno));
	if (fd >= 0)
		close(fd);
	return 0;
}
