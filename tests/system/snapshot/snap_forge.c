/*
 * snap_forge DIR FIELD: rewrite one field of a snapshot's state file and
 * its hash, so that the state is well-formed and only that field is
 * wrong: a snapshot from another CPU, TSC rate, nanvixd build or ABI, or
 * one whose addresses or lists a hostile writer bent.  nanvixd --restore
 * must refuse each with its own reason (tests/system/snapshot.sh).
 *
 * It reads snapshot.c's own layout and hash (the file is included), so it
 * can never drift from what nanvixd writes.
 */
#include "../../../macrokernel/monitor/snapshot.c"

/* snapshot.c's VM calls, never reached from what this tool uses. */
int vm_create(struct vm *vm, uint64_t mem_size)
{
	(void)vm, (void)mem_size;
	return -1;
}
void vm_destroy(struct vm *vm)
{
	(void)vm;
}
int vm_fingerprint(struct vm *vm, struct vm_fingerprint *fp)
{
	(void)vm, (void)fp;
	return -1;
}
int vm_cpu_save(struct vm *vm, struct vm_cpu_state *st)
{
	(void)vm, (void)st;
	return -1;
}
int vm_cpu_load(struct vm *vm, const struct vm_cpu_state *st, bool fresh)
{
	(void)vm, (void)st, (void)fresh;
	return -1;
}
int vm_read_tsc(struct vm *vm, uint64_t *tsc, uint64_t *khz)
{
	(void)vm, (void)tsc, (void)khz;
	return -1;
}
int vm_mem_reset(struct vm *vm)
{
	(void)vm;
	return -1;
}
uint32_t tty_boot_flags(const struct vm *vm)
{
	(void)vm;
	return 0;
}
void vm_error(const char *fmt, ...)
{
	(void)fmt;
}

int main(int argc, char **argv)
{
	static struct snap_state st;
	char path[PATH_MAX];
	const char *f;
	int fd;

	if (argc != 3) {
		fprintf(stderr, "usage: snap_forge DIR cpu|tsc|build|abi|bootinfo|hc|msrs|programs|"
		                "name|memsize\n");
		return 2;
	}
	f = argv[2];
	snprintf(path, sizeof(path), "%s/%s", argv[1], SNAP_STATE_FILE);
	fd = open(path, O_RDWR);
	if (fd < 0 || pread(fd, &st, sizeof(st), 0) != (ssize_t)sizeof(st)) {
		perror(path);
		return 1;
	}
	if (!strcmp(f, "cpu"))
		st.cpu.signature ^= 0x10;
	else if (!strcmp(f, "tsc"))
		st.cpu.tsc_khz += 1000;
	else if (!strcmp(f, "build"))
		st.nanvixd_id[0] ^= 1;
	else if (!strcmp(f, "abi"))
		st.abi_version++;
	else if (!strcmp(f, "bootinfo"))
		st.bootinfo_gpa = st.mem_size - 8;
	else if (!strcmp(f, "hc"))
		st.hc_gpa = st.mem_size;
	else if (!strcmp(f, "msrs"))
		st.cpu_state.nmsrs = 1000;
	else if (!strcmp(f, "programs"))
		st.nprograms = 3, memset(st.programs, 'a', sizeof(st.programs));
	else if (!strcmp(f, "name"))
		memset(st.name, 'n', sizeof(st.name));
	else if (!strcmp(f, "memsize"))
		st.mem_size += 4096;
	else {
		fprintf(stderr, "snap_forge: unknown field '%s'\n", f);
		return 2;
	}
	st.hash = hash_bytes(0, &st, offsetof(struct snap_state, hash));
	if (pwrite(fd, &st, sizeof(st), 0) != (ssize_t)sizeof(st)) {
		perror(path);
		return 1;
	}
	close(fd);
	return 0;
}
