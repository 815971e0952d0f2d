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
#include <monitor/elf.h>
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

/* Put `s` in the pack; its copy, or NULL when the pack is full. */
static char *pack_string(struct args *a, const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = a->buf + a->used;

	if (n > sizeof(a->buf) - a->used)
		return NULL;
	memcpy(d, s, n);
	a->used += n;
	return d;
}

/*
 * A `#!` script's first line (Linux's rules): the interpreter path, then
 * at most one argument, the rest of the line with surrounding blanks
 * removed.  Within the first SCRIPT_LINE_MAX bytes; 0 or -ENOEXEC.
 */
#define SCRIPT_LINE_MAX 256
static int script_line(const char *image, size_t len, char *interp, char *arg)
{
	char line[SCRIPT_LINE_MAX + 1];
	char *p, *end, *nl;
	size_t n = len < SCRIPT_LINE_MAX ? len : SCRIPT_LINE_MAX;

	memcpy(line, image, n);
	line[n] = '\0';
	nl = memchr(line, '\n', n);
	if (nl)
		*nl = '\0';
	else if (len > SCRIPT_LINE_MAX)
		return -ENOEXEC; /* the line does not fit: Linux refuses rather than truncates */
	if (strlen(line) != (nl ? (size_t)(nl - line) : n))
		return -ENOEXEC; /* a NUL inside the line */
	for (p = line + 2; *p == ' ' || *p == '\t'; p++)
		;
	if (!*p)
		return -ENOEXEC;
	for (end = p; *end && *end != ' ' && *end != '\t'; end++)
		;
	memcpy(interp, p, (size_t)(end - p));
	interp[end - p] = '\0';
	for (p = end; *p == ' ' || *p == '\t'; p++)
		;
	for (end = p + strlen(p); end > p && (end[-1] == ' ' || end[-1] == '\t'); end--)
		;
	memcpy(arg, p, (size_t)(end - p));
	arg[end - p] = '\0';
	return 0;
}

/*
 * Rewrite the arguments for script `path` run by `interp` [`arg`]:
 * argv becomes interp, [arg,] path, argv[1..]; envp follows.  0 or -E2BIG.
 */
static int script_args(struct args *a, int *argc, const char *interp, const char *arg,
                       const char *path)
{
	char *s_interp = pack_string(a, interp), *s_arg = *arg ? pack_string(a, arg) : NULL,
	     *s_path = pack_string(a, path);
	int drop = *argc > 0, add = 2 + (s_arg != NULL);

	if (!s_interp || (*arg && !s_arg) || !s_path || a->n - drop + add > ARGS_COUNT)
		return -E2BIG;
	memmove(a->ptrs + add, a->ptrs + drop, (size_t)(a->n - drop) * sizeof(a->ptrs[0]));
	a->ptrs[0] = s_interp;
	if (s_arg)
		a->ptrs[1] = s_arg;
	a->ptrs[add - 1] = s_path;
	a->n += add - drop;
	*argc += add - drop;
	return 0;
}

/* A program's image and name; the image is malloc'd or mmap'd (`mapped`). */
struct image {
	void *data;
	size_t len;
	bool mapped;
	char name[64];
};

static void image_release(struct image *im)
{
	if (im->mapped)
		munmap(im->data, im->len);
	else
		free(im->data);
	im->data = NULL;
}

/*
 * Find `path`: among nanvixd's program images, else on the VM's file
 * system (read by the guest's fs server when `x` carries it, or by the
 * macro-kernel's).  0 or -errno.
 */
static int image_load(struct vm *vm, const struct nanvix_hc_exec *x, const char *path,
                      bool guest_image, struct image *im)
{
	const struct vm_program *prog = guest_image ? NULL : exec_lookup(vm, path);
	const char *base = strrchr(path, '/');
	struct stat st;
	int fd, rc;

	base = base ? base + 1 : path;
	if (!prog && (guest_image || vm->load_file)) {
		if (guest_image)
			rc = image_from_guest(vm, x, &im->data, &im->len);
		else
			rc = vm->load_file(vm->ring_ctx, x->cwd, path, &im->data, &im->len);
		if (rc)
			return rc;
		im->mapped = false;
	} else {
		if (!prog)
			return -ENOENT;
		base = prog->name;
		fd = open(prog->path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -ENOENT;
		if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size == 0) {
			close(fd);
			return -ENOEXEC;
		}
		im->data = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		close(fd);
		if (im->data == MAP_FAILED)
			return -ENOEXEC;
		im->len = (size_t)st.st_size;
		im->mapped = true;
	}
	snprintf(im->name, sizeof(im->name), "%s", base);
	return 0;
}

/* Interpreters of interpreters, as deep as Linux goes before ELOOP. */
#define SCRIPT_DEPTH_MAX 4

/* exec_program with `a` (100 KiB) to hold the argument vectors. */
static int64_t exec_into(struct vm *vm, struct nanvix_hc_exec *x, struct args *a)
{
	struct aspace_frames frames;
	struct boot_exec_result res;
	struct boot_config cfg;
	char path[PATH_MAX_GUEST], why[256];
	char interp[SCRIPT_LINE_MAX + 1], arg[SCRIPT_LINE_MAX + 1];
	struct image im;
	int argc, envc, rc, depth;
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
	a->used = 0;
	a->n = 0;
	argc = take_vector(&vm->mem, x->cr3, x->argv, a);
	if (argc < 0)
		return argc;
	envc = take_vector(&vm->mem, x->cr3, x->envp, a);
	if (envc < 0)
		return envc;

	rc = image_load(vm, x, path, x->image_len != 0, &im);
	/* `#!` scripts: run the interpreter named on the first line instead. */
	for (depth = 0; rc == 0 && im.len >= 2 && memcmp(im.data, "#!", 2) == 0; depth++) {
		if (depth == SCRIPT_DEPTH_MAX)
			rc = -ELOOP;
		else if (x->image_len)
			rc = -ENOEXEC; /* the in-VM fs server has only the script: see docs/syscalls.md */
		else
			rc = script_line(im.data, im.len, interp, arg);
		if (rc == 0)
			rc = script_args(a, &argc, interp, arg, path);
		image_release(&im);
		if (rc)
			return rc;
		if (strlen(interp) >= sizeof(path))
			return -ENAMETOOLONG;
		memcpy(path, interp, strlen(interp) + 1);
		rc = image_load(vm, x, path, false, &im);
	}
	if (rc)
		return rc;

	memset(&cfg, 0, sizeof(cfg));
	cfg.program = im.data;
	cfg.program_size = im.len;
	cfg.name = im.name;
	cfg.argc = argc;
	cfg.argv = a->ptrs;
	cfg.envc = envc;
	cfg.envp = a->ptrs + argc;
	cfg.stack_size = vm->stack_size;
	cfg.vvar = &vm->vvar;
	if (getrandom(cfg.random, sizeof(cfg.random), 0) != sizeof(cfg.random))
		memset(cfg.random, 0x5a, sizeof(cfg.random));
	rc = boot_exec(&vm->mem, &cfg, x->dst_cr3, &frames, &res, why, sizeof(why));
	image_release(&im);
	x->frames.used = (uint32_t)res.used;
	/* W^X (the reason after the name, which the guest chose): counted, said the first time. */
	if (rc == NANVIXD_EXIT_BADELF && !strncmp(why, im.name, strlen(im.name)) &&
	    strstr(why + strlen(im.name), ELF_WX_REASON) && vm->wx_exec++ == 0)
		vm_error("W^X: execve refused (%s); later refusals are only counted", why);
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
	memcpy(x->name, im.name, strnlen(im.name, sizeof(x->name) - 1));
	return 0;
}

int64_t exec_program(struct vm *vm, struct nanvix_hc_exec *x)
{
	struct args *a = malloc(sizeof(*a));
	int64_t rc;

	if (!a)
		return -ENOMEM;
	rc = exec_into(vm, x, a);
	free(a);
	return rc;
}
