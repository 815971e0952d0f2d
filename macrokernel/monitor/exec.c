/* execve for the guest: argument collection, program lookup, host-side loading. */
/*
 * The guest kernel hands over the caller's path, argv and envp as user
 * addresses and a fresh page-table root; everything else happens here,
 * natively: reading and bounding the arguments, finding the program among
 * the images given to nanvixd, validating its ELF file (elf.c) and building
 * the new image and stack (boot_exec, the same code that builds the first
 * process).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <abi/fsd.h>
#include <monitor/aspace.h>
#include <monitor/boot.h>
#include <monitor/exec.h>
#include <monitor/guestmem.h>

#define PATH_MAX_GUEST 256
#define ARGS_BYTES     (64u * 1024) /* strings of argv and envp together */
#define ARGS_COUNT     4096         /* pointers of argv and envp together */

/* Collected arguments: strings packed in `buf`, pointers into it. */
struct args {
	char buf[ARGS_BYTES];
	size_t used;
	char *ptrs[ARGS_COUNT + 2];
	int n;
};

/* Copy one user string into the pack; its start, or NULL with the errno. */
static char *take_string(const struct vm_mem *mem, uint64_t cr3, uint64_t va, struct args *a,
                         int *err)
{
	char *start = a->buf + a->used;

	for (;;) {
		if (a->used == sizeof(a->buf)) {
			*err = -E2BIG;
			return NULL;
		}
		if (gva_read(mem, cr3, va++, &a->buf[a->used], 1) < 0) {
			*err = -EFAULT;
			return NULL;
		}
		if (a->buf[a->used++] == '\0')
			return start;
	}
}

/* A NULL-terminated user array of strings; the count or -errno. */
static int take_vector(const struct vm_mem *mem, uint64_t cr3, uint64_t uvec, struct args *a)
{
	int count = 0, err = 0;

	if (!uvec)
		return 0; /* Linux treats a NULL argv or envp as empty */
	for (;;) {
		uint64_t p;

		if (gva_read(mem, cr3, uvec + 8ull * count, &p, sizeof(p)) < 0)
			return -EFAULT;
		if (!p)
			return count;
		if (a->n >= ARGS_COUNT)
			return -E2BIG;
		a->ptrs[a->n] = take_string(mem, cr3, p, a, &err);
		if (!a->ptrs[a->n])
			return err;
		a->n++;
		count++;
	}
}

const struct vm_program *exec_lookup(const struct vm *vm, const char *path)
{
	const char *base = strrchr(path, '/');
	int i;

	base = base ? base + 1 : path;
	for (i = 0; i < vm->nprograms; i++)
		if (strcmp(vm->programs[i].name, path) == 0)
			return &vm->programs[i];
	for (i = 0; i < vm->nprograms; i++)
		if (strcmp(vm->programs[i].name, base) == 0)
			return &vm->programs[i];
	return NULL;
}

/* The image the guest holds at image/image_len in image_cr3, copied out. */
static int image_from_guest(struct vm *vm, const struct nanvix_hc_exec *x, void **image,
                            size_t *len)
{
	void *buf;

	if (x->image_len > NANVIX_FSD_LOAD_MAX)
		return -EFBIG;
	buf = malloc(x->image_len);
	if (!buf)
		return -ENOMEM;
	if (gva_copy_from(&vm->mem, x->image_cr3, x->image, buf, x->image_len)) {
		free(buf);
		return -EFAULT;
	}
	*image = buf;
	*len = x->image_len;
	return 0;
}

int64_t exec_program(struct vm *vm, struct nanvix_hc_exec *x)
{
	static struct args a; /* 100 KiB: not on the stack */
	const struct vm_program *prog;
	struct aspace_frames frames;
	struct boot_exec_result res;
	struct boot_config cfg;
	char path[PATH_MAX_GUEST], why[256];
	struct stat st;
	void *image;
	int argc, envc, fd, rc, err = 0;
	static char disk_prog_name[64];
	struct vm_program disk_prog;
	bool from_disk = false;
	size_t i;

	x->frames.used = 0;
	if (aspace_lent(&vm->mem, &x->frames, &frames) < 0)
		return -EINVAL;

	/* The path, then argv and envp, all bounded. */
	for (i = 0; i < sizeof(path); i++) {
		if (gva_read(&vm->mem, x->cr3, x->path + i, &path[i], 1) < 0)
			return -EFAULT;
		if (path[i] == '\0')
			break;
	}
	if (i == sizeof(path))
		return -ENAMETOOLONG;
	a.used = 0;
	a.n = 0;
	argc = take_vector(&vm->mem, x->cr3, x->argv, &a);
	if (argc < 0)
		return argc;
	envc = take_vector(&vm->mem, x->cr3, x->envp, &a);
	if (envc < 0)
		return envc;
	(void)err;

	prog = x->image_len ? NULL : exec_lookup(vm, path);
	if (!prog && (x->image_len || vm->load_file)) {
		/* A program stored on the VM's file system: read by the guest's
		 * fs server (image_*), or by the macro-kernel's. */
		size_t len = 0;
		const char *slash = strrchr(path, '/');

		if (x->image_len)
			rc = image_from_guest(vm, x, &image, &len);
		else
			rc = vm->load_file(vm->ring_ctx, x->cwd, path, &image, &len);
		if (rc)
			return rc;
		st.st_size = (off_t)len;
		{
			const char *base = slash ? slash + 1 : path;
			size_t n = strnlen(base, sizeof(disk_prog_name) - 1);

			memcpy(disk_prog_name, base, n);
			disk_prog_name[n] = '\0';
		}
		disk_prog = (struct vm_program){ .name = disk_prog_name, .path = path };
		prog = &disk_prog;
		from_disk = true;
	} else {
		if (!prog)
			return -ENOENT;
		fd = open(prog->path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -ENOENT;
		if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size == 0) {
			close(fd);
			return -ENOEXEC;
		}
		image = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		close(fd);
		if (image == MAP_FAILED)
			return -ENOEXEC;
	}

	memset(&cfg, 0, sizeof(cfg));
	cfg.program = image;
	cfg.program_size = st.st_size;
	cfg.name = prog->name;
	cfg.argc = argc;
	cfg.argv = a.ptrs;
	cfg.envc = envc;
	cfg.envp = a.ptrs + argc;
	cfg.stack_size = vm->stack_size;
	cfg.vvar = &vm->vvar;
	if (getrandom(cfg.random, sizeof(cfg.random), 0) != sizeof(cfg.random))
		memset(cfg.random, 0x5a, sizeof(cfg.random));
	rc = boot_exec(&vm->mem, &cfg, x->dst_cr3, &frames, &res, why, sizeof(why));
	if (from_disk)
		free(image);
	else
		munmap(image, st.st_size);
	x->frames.used = (uint32_t)res.used;
	switch (rc) {
	case 0: break;
	case NANVIXD_EXIT_BADELF: return -ENOEXEC;
	case NANVIXD_EXIT_NOMEM: return -ENOMEM;
	case NANVIXD_EXIT_USAGE: return -E2BIG;
	default: return -EINVAL;
	}
	x->entry = res.entry;
	x->sp = res.sp;
	x->brk = res.brk;
	x->stack_lo = res.stack_lo;
	x->stack_hi = res.stack_hi;
	memset(x->name, 0, sizeof(x->name));
	strncpy(x->name, prog->name, sizeof(x->name) - 1);
	return 0;
}
