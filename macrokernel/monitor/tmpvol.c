/* The default /tmp volume: a private host directory made per VM and removed after. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <monitor/tmpvol.h>
#include <monitor/vm.h>

/* Directory levels removed; deeper ones stay (and are reported). */
#define TMPVOL_DEPTH_MAX 512

/* A base for the directory: a writable directory, or NULL. */
static const char *usable(const char *dir)
{
	struct stat st;

	if (!dir || dir[0] != '/' || stat(dir, &st) < 0 || !S_ISDIR(st.st_mode) ||
	    access(dir, W_OK | X_OK) < 0)
		return NULL;
	return dir;
}

int tmpvol_create(char *path, size_t len)
{
	/* A daemon that runs nanvixd (nanvix-api) names a base it removes
	 * itself, so that nothing stays behind when nanvixd is killed. */
	const char *base = usable(getenv("NANVIXD_TMPDIR"));

	if (!base)
		base = usable("/dev/shm");

	if (!base)
		base = usable(getenv("TMPDIR"));
	if (!base)
		base = "/tmp";
	if ((size_t)snprintf(path, len, "%s/nanvixd-tmp.XXXXXX", base) >= len) {
		path[0] = '\0';
		vm_error("cannot make the VM's /tmp: %s/nanvixd-tmp.XXXXXX is too long", base);
		return -ENAMETOOLONG;
	}
	if (!mkdtemp(path)) { /* mode 0700 */
		int err = errno;

		vm_error("cannot make the VM's /tmp in %s: %s (--no-tmp goes without)", base,
		         strerror(err));
		path[0] = '\0';
		return -err;
	}
	return 0;
}

/*
 * Remove `name` beneath `dirfd` and all it holds.  Never follows a
 * symlink (unlinkat removes the link itself; directories are opened
 * O_NOFOLLOW) and makes directories the guest left unwritable or
 * unsearchable 0700 first.  Depth-bounded: each level holds one fd.
 */
static void remove_tree(int dirfd, const char *name, int depth)
{
	struct dirent *e;
	DIR *d;
	int fd;

	if (unlinkat(dirfd, name, 0) == 0 || errno != EISDIR || depth > TMPVOL_DEPTH_MAX)
		return;
	fchmodat(dirfd, name, 0700, 0);
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			remove_tree(fd, e->d_name, depth + 1);
	closedir(d);
	unlinkat(dirfd, name, AT_REMOVEDIR);
}

void tmpvol_remove(const char *path)
{
	if (!path || !path[0])
		return;
	remove_tree(AT_FDCWD, path, 0);
	if (access(path, F_OK) == 0)
		vm_error("could not remove all of the VM's /tmp, %s", path);
}
