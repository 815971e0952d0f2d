/* Host process queries for nanvix-runc, read from /proc. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proc.h"

/* /proc/PID/stat's state, parent and start time; -1 when PID is gone. */
static int proc_stat(pid_t pid, char *state, pid_t *ppid, unsigned long long *start)
{
	char path[64], buf[1024];
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* The command name may hold spaces and parentheses: fields follow the last ')'. */
	char *p = strrchr(buf, ')');
	int ppid_i;

	if (p == NULL || sscanf(p + 1,
	                        " %c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d "
	                        "%*d %*d %*d %llu",
	                        state, &ppid_i, start) != 3)
		return -1;
	*ppid = ppid_i;
	return 0;
}

unsigned long long oci_proc_start_time(pid_t pid)
{
	char state;
	pid_t ppid;
	unsigned long long start;

	if (pid <= 0 || proc_stat(pid, &state, &ppid, &start) < 0 || state == 'Z' || state == 'X')
		return 0;
	return start;
}

int oci_proc_alive(pid_t pid, unsigned long long start)
{
	unsigned long long now = oci_proc_start_time(pid);

	return now != 0 && now == start;
}

size_t oci_proc_tree(pid_t pid, pid_t *out, size_t max)
{
	struct entry {
		pid_t pid, ppid;
	} *all = NULL;
	size_t nall = 0, cap = 0, n = 0;
	struct dirent *d;
	DIR *dir;

	if (max == 0 || oci_proc_start_time(pid) == 0)
		return 0;
	out[n++] = pid;
	dir = opendir("/proc");
	if (dir == NULL)
		return n;
	while ((d = readdir(dir)) != NULL) {
		char *end, state;
		unsigned long long start;
		long v = strtol(d->d_name, &end, 10);
		pid_t ppid;

		if (*end != '\0' || v <= 0 || proc_stat((pid_t)v, &state, &ppid, &start) < 0 ||
		    state == 'Z')
			continue;
		if (nall == cap) {
			size_t ncap = cap == 0 ? 256 : cap * 2;
			struct entry *grown = realloc(all, ncap * sizeof(*all));

			if (grown == NULL)
				break;
			all = grown;
			cap = ncap;
		}
		all[nall].pid = (pid_t)v;
		all[nall++].ppid = ppid;
	}
	closedir(dir);
	/* Breadth first: out[0..n) grows as the children of out[i] are found. */
	for (size_t i = 0; i < n && n < max; i++) {
		for (size_t k = 0; k < nall && n < max; k++) {
			if (all[k].ppid == out[i])
				out[n++] = all[k].pid;
		}
	}
	free(all);
	return n;
}
