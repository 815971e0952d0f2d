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

/* Directory levels removed in one descent; deeper ones are moved up to the top. */
#define TMPVOL_DEPTH_MAX 64
/* Passes over the top directory: each removes TMPVOL_DEPTH_MAX levels of any
 * chain, so this covers depths far past what a /tmp of 1T has names for. */
#define TMPVOL_PASSES_MAX (1u << 24)

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
 * unsearchable 0700 first.  Each level holds one fd, so a directory
 * TMPVOL_DEPTH_MAX levels down is not entered but moved into `topfd`
 * (the VM's /tmp itself), for the next pass; *moved counts those.  A
 * guest may nest directories as deep as its names allow (it walks them
 * relative to its working directory), deeper than PATH_MAX.
 */
static void remove_tree(int topfd, int dirfd, const char *name, int depth, unsigned *moved)
{
	struct dirent *e;
	DIR *d;
	int fd;

	if (unlinkat(dirfd, name, 0) == 0 || errno != EISDIR)
		return;
	if (depth >= TMPVOL_DEPTH_MAX) {
		char up[48];

		for (int i = 0; i < 64; i++) {
			snprintf(up, sizeof(up), ".nanvixd-deep.%u.%d", *moved, i);
			if (renameat2(dirfd, name, topfd, up, RENAME_NOREPLACE) == 0) {
				++*moved;
				return;
			}
			if (errno != EEXIST)
				return;
		}
		return;
	}
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
			remove_tree(topfd, fd, e->d_name, depth + 1, moved);
	closedir(d);
	unlinkat(dirfd, name, AT_REMOVEDIR);
}

void tmpvol_remove(const char *path)
{
	unsigned moved = 0, before;
	int top;

	if (!path || !path[0])
		return;
	/* Where deep directories are moved to (a directory reference only). */
	top = open(path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	/* Pass after pass, until one moves nothing up: that one removes the top too. */
	for (unsigned pass = 0; pass < TMPVOL_PASSES_MAX; pass++) {
		before = moved;
		remove_tree(top, AT_FDCWD, path, 0, &moved);
		if (moved == before)
			break;
	}
	if (top >= 0)
		close(top);
	if (access(path, F_OK) == 0)
		vm_error("could not remove all of the VM's /tmp, %s", path);
}
