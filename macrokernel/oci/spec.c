/* Reading and checking a bundle's config.json (the OCI runtime spec) for nanvix-runc. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/openat2.h>

#include "log.h"
#include "spec.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define PHDRS_MAX    256

/* One load: the reason buffer, the rootfs directory, the argv byte budget. */
struct load {
	char *why;
	size_t whylen;
	int rootfd;
	size_t bytes;
};

static int bad(struct load *ld, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int bad(struct load *ld, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ld->why, ld->whylen, fmt, ap);
	va_end(ap);
	return -1;
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s);

	if (d == NULL) {
		fprintf(stderr, "nanvix-runc: out of memory\n");
		exit(1);
	}
	return d;
}

/* OBJ[KEY] when it is a string (NULL when absent); -1 when it is something else. */
static int get_string(struct load *ld, json_t *obj, const char *key, const char *what,
                      const char **out)
{
	json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return bad(ld, "%s must be a string", what);
	*out = json_string_value(v);
	return 0;
}

/* OBJ[KEY] when it is an array or absent (NULL); -1 when something else or over MAX long. */
static int get_array(struct load *ld, json_t *obj, const char *key, const char *what, size_t max,
                     json_t **out)
{
	json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_array(v))
		return bad(ld, "%s must be an array", what);
	if (json_array_size(v) > max)
		return bad(ld, "%s has %zu entries, more than nanvix-runc accepts (%zu)", what,
		           json_array_size(v), max);
	*out = v;
	return 0;
}

/* OBJ[KEY] when it is an object or absent (NULL); -1 when it is something else. */
static int get_object(struct load *ld, json_t *obj, const char *key, const char *what, json_t **out)
{
	json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_object(v))
		return bad(ld, "%s must be an object", what);
	*out = v;
	return 0;
}

/* A string bound for nanvixd's command line: within the per-string and total budgets. */
static int check_arg(struct load *ld, const char *s, const char *what)
{
	size_t n = strlen(s);

	if (n >= OCI_STRING_MAX)
		return bad(ld, "%s is %zu bytes long, more than nanvix-runc accepts (%u)", what, n,
		           OCI_STRING_MAX);
	ld->bytes += n + 1;
	if (ld->bytes > OCI_ARGV_BYTES)
		return bad(ld, "process.args and process.env are together more than %u bytes",
		           OCI_ARGV_BYTES);
	return 0;
}

/*
 * An absolute path for nanvixd -v: no ':' (its separator), no '..' component
 * (nanvixd confines the guest, but a clear refusal here reads better).
 */
static int check_volume_path(struct load *ld, const char *p, const char *what)
{
	if (p[0] != '/')
		return bad(ld, "%s %s is not an absolute path", what, p);
	if (strlen(p) >= PATH_MAX)
		return bad(ld, "%s is longer than %d bytes", what, PATH_MAX);
	if (strchr(p, ':') != NULL)
		return bad(ld, "%s %s contains ':', which nanvixd's --volume cannot express", what,
		           p);
	for (const char *c = p; (c = strstr(c, "..")) != NULL; c += 2) {
		if (c[-1] == '/' && (c[2] == '/' || c[2] == '\0'))
			return bad(ld, "%s %s has a '..' component", what, p);
	}
	return 0;
}

/* PATH opened under DIRFD as if DIRFD were / (symlinks and .. stay inside), or -1. */
static int open_beneath(int dirfd, const char *path, int flags)
{
	struct open_how how = { .flags = (uint64_t)flags | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT };

	return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
}

/*
 * PATH of the VM's file system opened on the host, or -1 with errno: in the
 * volume mapped at the longest prefix of PATH, else in the rootfs.
 */
static int open_in_vm(struct load *ld, const struct oci_spec *spec, const char *path, int flags)
{
	const struct oci_volume *vol = NULL;
	size_t len = 0;

	for (size_t i = 0; i < spec->nvols; i++) {
		size_t n = strlen(spec->vols[i].dst);

		if (n > len && strncmp(path, spec->vols[i].dst, n) == 0 &&
		    (path[n] == '/' || path[n] == '\0')) {
			vol = &spec->vols[i];
			len = n;
		}
	}
	if (vol == NULL)
		return open_beneath(ld->rootfd, path, flags);
	if (vol->src == NULL) {
		errno = ENOENT; /* a tmpfs starts empty */
		return -1;
	}
	if (path[len] == '\0')
		return open(vol->src, flags | O_CLOEXEC);
	int base = open(vol->src, O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (base < 0)
		return -1;
	int fd = open_beneath(base, path + len, flags);
	int saved = errno;

	close(base);
	errno = saved;
	return fd;
}

/*
 * Whether FD is a program nanvixd can start: a static x86-64 ELF (no
 * PT_INTERP), or a #! script the guest's execve interprets.  -1 with the
 * reason when not.
 */
static int check_program(struct load *ld, int fd, const char *path)
{
	Elf64_Ehdr eh;
	ssize_t n = pread(fd, &eh, sizeof(eh), 0);

	if (n >= 2 && memcmp(&eh, "#!", 2) == 0)
		return 0;
	if (n != (ssize_t)sizeof(eh) || memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0)
		return bad(ld,
		           "%s in the rootfs is not an ELF program (nanvix-runc runs static "
		           "x86-64 ELF programs)",
		           path);
	if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_machine != EM_X86_64)
		return bad(ld, "%s in the rootfs is not an x86-64 ELF program", path);
	if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN)
		return bad(ld, "%s in the rootfs is not an executable ELF file", path);
	if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 || eh.e_phnum > PHDRS_MAX)
		return bad(ld, "%s in the rootfs has a malformed ELF header", path);
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;

		if (pread(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + (uint64_t)i * sizeof(ph))) !=
		    (ssize_t)sizeof(ph))
			return bad(ld, "%s in the rootfs has truncated ELF program headers", path);
		if (ph.p_type == PT_INTERP)
			return bad(ld,
			           "%s in the rootfs is dynamically linked (it needs an ELF "
			           "interpreter); nanvix-runc runs statically linked programs only",
			           path);
	}
	return 0;
}

/* Whether PATH (of the rootfs) is an executable regular file: 1 yes, 0 no such file. */
static int is_executable(struct load *ld, const struct oci_spec *spec, const char *path)
{
	struct stat st;
	int fd = open_in_vm(ld, spec, path, O_PATH);

	if (fd < 0)
		return 0;
	int ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111) != 0;

	close(fd);
	return ok;
}

/* The rootfs path of the program NAME (process.args[0]) as runc finds it, in *OUT. */
static int resolve_program(struct load *ld, struct oci_spec *spec, const char *name, char **out)
{
	char path[PATH_MAX];

	if (name[0] == '\0')
		return bad(ld, "process.args[0] is empty");
	if (strchr(name, '/') != NULL) {
		if (name[0] == '/')
			snprintf(path, sizeof(path), "%s", name);
		else if (snprintf(path, sizeof(path), "%s/%s", spec->cwd, name) >=
		         (int)sizeof(path))
			return bad(ld, "process.args[0] is too long");
		if (!is_executable(ld, spec, path))
			return bad(
			        ld,
			        "exec: \"%s\": no such executable file in the container's rootfs "
			        "(%s)",
			        name, spec->rootfs);
		*out = xstrdup(path);
		return 0;
	}
	const char *search = DEFAULT_PATH;

	for (size_t i = 0; i < spec->nenv; i++) {
		if (strncmp(spec->env[i], "PATH=", 5) == 0)
			search = spec->env[i] + 5;
	}
	for (const char *p = search; *p != '\0';) {
		size_t len = strcspn(p, ":");

		if (len > 0 && p[0] == '/' &&
		    snprintf(path, sizeof(path), "%.*s/%s", (int)len, p, name) <
		            (int)sizeof(path) &&
		    is_executable(ld, spec, path)) {
			*out = xstrdup(path);
			return 0;
		}
		p += len;
		if (*p == ':')
			p++;
	}
	return bad(ld, "exec: \"%s\": executable file not found in $PATH (%s) of the rootfs", name,
	           search);
}

static int load_process(struct load *ld, struct oci_spec *spec, json_t *proc)
{
	json_t *args, *env, *size, *v;
	const char *cwd;

	if (proc == NULL)
		return bad(ld, "config.json has no process");
	if (get_array(ld, proc, "args", "process.args", OCI_ARGS_MAX, &args) < 0 ||
	    get_array(ld, proc, "env", "process.env", OCI_ENV_MAX, &env) < 0 ||
	    get_string(ld, proc, "cwd", "process.cwd", &cwd) < 0 ||
	    get_object(ld, proc, "consoleSize", "process.consoleSize", &size) < 0)
		return -1;
	if (args == NULL || json_array_size(args) == 0)
		return bad(ld, "process.args must name the program to run");
	if (json_object_get(proc, "commandLine") != NULL)
		return bad(ld, "process.commandLine (Windows) is not supported");

	spec->args = calloc(json_array_size(args) + 1, sizeof(char *));
	spec->env = calloc(json_array_size(env) + 1, sizeof(char *));
	if (spec->args == NULL || spec->env == NULL)
		return bad(ld, "out of memory");
	size_t i;

	json_array_foreach(args, i, v)
	{
		if (!json_is_string(v))
			return bad(ld, "process.args[%zu] must be a string", i);
		if (check_arg(ld, json_string_value(v), "an entry of process.args") < 0)
			return -1;
		spec->args[spec->nargs++] = xstrdup(json_string_value(v));
	}
	json_array_foreach(env, i, v)
	{
		const char *kv = json_is_string(v) ? json_string_value(v) : NULL;

		/* nanvixd's -e KEY (no '=') would copy the host's variable: never that. */
		if (kv == NULL || kv[0] == '=' || strchr(kv, '=') == NULL)
			return bad(ld, "process.env[%zu] must be a string KEY=VALUE", i);
		if (check_arg(ld, kv, "an entry of process.env") < 0)
			return -1;
		spec->env[spec->nenv++] = xstrdup(kv);
	}

	if (cwd == NULL)
		cwd = "/";
	if (cwd[0] != '/' || strlen(cwd) >= PATH_MAX)
		return bad(ld, "process.cwd must be an absolute path");
	spec->cwd = xstrdup(cwd);

	v = json_object_get(proc, "terminal");
	if (v != NULL && !json_is_boolean(v))
		return bad(ld, "process.terminal must be true or false");
	spec->terminal = json_is_true(v);
	if (size != NULL) {
		json_t *h = json_object_get(size, "height"), *w = json_object_get(size, "width");

		if ((h != NULL && !json_is_integer(h)) || (w != NULL && !json_is_integer(w)))
			return bad(ld, "process.consoleSize's height and width must be integers");
		if (json_integer_value(h) < 0 || json_integer_value(h) > 65535 ||
		    json_integer_value(w) < 0 || json_integer_value(w) > 65535)
			return bad(ld, "process.consoleSize is out of range");
		spec->rows = (unsigned)json_integer_value(h);
		spec->cols = (unsigned)json_integer_value(w);
	}
	v = json_object_get(proc, "oomScoreAdj");
	if (v != NULL) {
		if (!json_is_integer(v) || json_integer_value(v) < -1000 ||
		    json_integer_value(v) > 1000)
			return bad(ld, "process.oomScoreAdj must be an integer in -1000..1000");
		spec->oom_score_adj = (int)json_integer_value(v);
		spec->has_oom_score_adj = 1;
	}
	/*
	 * user, capabilities, rlimits, noNewPrivileges, apparmorProfile and
	 * selinuxLabel confine a host process; here the program is in a VM and
	 * nanvixd confines itself (seccomp), so they are accepted and ignored.
	 */
	return 0;
}

/* Whether DST is a path under /dev, /proc or /sys: the VM's own, never the host's. */
static int vm_owned(const char *dst)
{
	static const char *const own[] = { "/dev", "/proc", "/sys" };

	for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++) {
		size_t n = strlen(own[i]);

		if (strncmp(dst, own[i], n) == 0 && (dst[n] == '\0' || dst[n] == '/'))
			return 1;
	}
	return 0;
}

static int load_mount(struct load *ld, struct oci_spec *spec, size_t i, json_t *m)
{
	static const char *const vm_types[] = { "proc",   "sysfs",   "devpts",    "mqueue",
		                                "cgroup", "cgroup2", "securityfs" };
	const char *dst, *type, *src;
	json_t *opts, *o;
	int bind = 0, ro = 0;
	size_t k;
	char what[64];

	snprintf(what, sizeof(what), "mounts[%zu]", i);
	if (!json_is_object(m))
		return bad(ld, "%s must be an object", what);
	if (get_string(ld, m, "destination", "a mount's destination", &dst) < 0 ||
	    get_string(ld, m, "type", "a mount's type", &type) < 0 ||
	    get_string(ld, m, "source", "a mount's source", &src) < 0 ||
	    get_array(ld, m, "options", "a mount's options", 256, &opts) < 0)
		return -1;
	if (dst == NULL)
		return bad(ld, "%s has no destination", what);
	json_array_foreach(opts, k, o)
	{
		const char *s = json_is_string(o) ? json_string_value(o) : "";

		if (strcmp(s, "bind") == 0 || strcmp(s, "rbind") == 0)
			bind = 1;
		else if (strcmp(s, "ro") == 0)
			ro = 1;
		else if (strcmp(s, "rw") == 0)
			ro = 0;
	}
	if (type != NULL && strcmp(type, "bind") == 0)
		bind = 1;
	if (type == NULL && !bind)
		return bad(ld, "%s (%s) has no type", what, dst);
	if (!bind) {
		for (k = 0; k < sizeof(vm_types) / sizeof(vm_types[0]); k++) {
			if (strcmp(type, vm_types[k]) == 0) {
				oci_debug("mount %s (%s): the VM has its own", dst, type);
				return 0;
			}
		}
		if (strcmp(type, "tmpfs") != 0)
			return bad(ld,
			           "mount type \"%s\" at %s is not supported (nanvix-runc supports "
			           "bind "
			           "mounts and tmpfs)",
			           type, dst);
	}
	if (check_volume_path(ld, dst, "mount destination") < 0)
		return -1;
	if (strcmp(dst, "/") == 0)
		return bad(ld, "a mount at / is not supported: root.path is the VM's /");
	if (vm_owned(dst)) {
		/* The CRI's /dev/shm and /dev/termination-log binds land here. */
		oci_warn("mount at %s ignored: the VM has its own /dev, /proc and /sys", dst);
		return 0;
	}
	struct oci_volume *vol = &spec->vols[spec->nvols];

	if (bind) {
		struct stat st;

		if (src == NULL || check_volume_path(ld, src, "bind mount source") < 0)
			return src == NULL ? bad(ld, "bind mount at %s has no source", dst) : -1;
		if (stat(src, &st) < 0)
			return bad(ld, "bind mount source %s: %s", src, strerror(errno));
		if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
			return bad(ld, "bind mount source %s is neither a directory nor a file",
			           src);
		vol->src = xstrdup(src);
	}
	vol->dst = xstrdup(dst);
	vol->ro = ro;
	spec->nvols++;
	return 0;
}

static int load_mounts(struct load *ld, struct oci_spec *spec, json_t *root)
{
	json_t *mounts, *m;
	size_t i;

	if (get_array(ld, root, "mounts", "mounts", OCI_MOUNTS_MAX, &mounts) < 0)
		return -1;
	spec->vols = calloc(json_array_size(mounts) + 1, sizeof(*spec->vols));
	if (spec->vols == NULL)
		return bad(ld, "out of memory");
	json_array_foreach(mounts, i, m)
	{
		if (load_mount(ld, spec, i, m) < 0)
			return -1;
	}
	return 0;
}

static int load_namespaces(struct load *ld, struct oci_spec *spec, json_t *linux_)
{
	static const char *const known[] = { "pid", "network", "mount",  "ipc",
		                             "uts", "user",    "cgroup", "time" };
	json_t *nss, *ns, *maps;
	size_t i, k;

	if (get_array(ld, linux_, "namespaces", "linux.namespaces", 16, &nss) < 0)
		return -1;
	json_array_foreach(nss, i, ns)
	{
		const char *type, *path;

		if (!json_is_object(ns) ||
		    get_string(ld, ns, "type", "a namespace's type", &type) < 0 ||
		    get_string(ld, ns, "path", "a namespace's path", &path) < 0)
			return bad(ld, "linux.namespaces[%zu] must be an object with a type", i);
		if (type == NULL)
			return bad(ld, "linux.namespaces[%zu] has no type", i);
		for (k = 0; k < sizeof(known) / sizeof(known[0]); k++) {
			if (strcmp(type, known[k]) == 0)
				break;
		}
		if (k == sizeof(known) / sizeof(known[0]))
			return bad(ld, "unknown namespace type \"%s\"", type);
		if (strcmp(type, "user") == 0 && path != NULL)
			return bad(ld, "joining a user namespace (%s) is not supported", path);
		if (strcmp(type, "network") == 0 && path != NULL) {
			if (path[0] != '/' || strlen(path) >= PATH_MAX)
				return bad(ld, "the network namespace path must be absolute");
			free(spec->netns);
			spec->netns = xstrdup(path);
		}
		/* The others isolate a host process; the VM boundary supersedes them. */
	}
	if (get_array(ld, linux_, "uidMappings", "linux.uidMappings", 1024, &maps) < 0)
		return -1;
	if (json_array_size(maps) > 0)
		return bad(ld, "user namespace ID mappings (linux.uidMappings) are not supported");
	if (get_array(ld, linux_, "gidMappings", "linux.gidMappings", 1024, &maps) < 0)
		return -1;
	if (json_array_size(maps) > 0)
		return bad(ld, "user namespace ID mappings (linux.gidMappings) are not supported");
	return 0;
}

/*
 * linux.resources.pids.limit as nanvixd --pids-limit (0 or -1: none), and
 * linux.resources.cpu's quota per period as --cpus (the VM has one vCPU:
 * a share above one CPU is no bound).  CPU shares (a weight, not a bound)
 * are ignored.
 */
static int load_pids_cpu(struct load *ld, struct oci_spec *spec, json_t *res)
{
	json_t *pids, *cpu, *v, *q;

	if (get_object(ld, res, "pids", "linux.resources.pids", &pids) < 0 ||
	    get_object(ld, res, "cpu", "linux.resources.cpu", &cpu) < 0)
		return -1;
	v = pids == NULL ? NULL : json_object_get(pids, "limit");
	if (v != NULL && !json_is_null(v)) {
		if (!json_is_integer(v))
			return bad(ld, "linux.resources.pids.limit must be an integer");
		if (json_integer_value(v) > 1000000)
			return bad(ld, "linux.resources.pids.limit %lld is above nanvixd's 1000000",
			           (long long)json_integer_value(v));
		if (json_integer_value(v) > 0)
			spec->pids = (uint32_t)json_integer_value(v);
	}
	q = cpu == NULL ? NULL : json_object_get(cpu, "quota");
	v = cpu == NULL ? NULL : json_object_get(cpu, "period");
	if (q != NULL && !json_is_null(q)) {
		json_int_t period =
		        v != NULL && json_is_integer(v) ? json_integer_value(v) : 100000;

		if (!json_is_integer(q) || (v != NULL && !json_is_null(v) && !json_is_integer(v)))
			return bad(ld, "linux.resources.cpu.quota and .period must be integers");
		if (json_integer_value(q) > 0 && period > 0) {
			double share = (double)json_integer_value(q) / (double)period;

			spec->cpus = share >= 1 ? 0 : share < 0.01 ? 0.01 : share;
		}
	}
	return 0;
}

static int load_resources(struct load *ld, struct oci_spec *spec, json_t *linux_)
{
	json_t *res, *mem, *v;

	spec->mem_mib = OCI_MEM_DEFAULT_MIB;
	if (get_object(ld, linux_, "resources", "linux.resources", &res) < 0)
		return -1;
	if (res == NULL)
		return 0;
	if (get_object(ld, res, "memory", "linux.resources.memory", &mem) < 0)
		return -1;
	v = mem == NULL ? NULL : json_object_get(mem, "limit");
	if (v != NULL && !json_is_null(v)) {
		if (!json_is_integer(v))
			return bad(ld, "linux.resources.memory.limit must be an integer");
		json_int_t limit = json_integer_value(v);

		/* 0 is unset and -1 unlimited: both get the default. */
		if (limit > 0) {
			uint64_t mib = ((uint64_t)limit + (1u << 20) - 1) >> 20;

			if (mib < OCI_MEM_MIN_MIB)
				return bad(ld,
				           "memory limit %lld bytes is below the %u MiB a micro-VM "
				           "needs to boot",
				           (long long)limit, OCI_MEM_MIN_MIB);
			if (mib > OCI_MEM_MAX_MIB)
				return bad(ld, "memory limit %lld bytes is above nanvixd's 64 GiB",
				           (long long)limit);
			spec->mem_mib = mib;
		}
	}
	if (load_pids_cpu(ld, spec, res) < 0)
		return -1;
	return 0;
}

static int load_linux(struct load *ld, struct oci_spec *spec, json_t *root)
{
	json_t *linux_, *devs, *hooks, *h;
	const char *name;

	if (get_object(ld, root, "hooks", "hooks", &hooks) < 0)
		return -1;
	json_object_foreach(hooks, name, h)
	{
		if (json_is_array(h) && json_array_size(h) > 0)
			return bad(ld, "hooks (%s) are not supported by nanvix-runc", name);
	}
	if (json_object_get(root, "windows") != NULL)
		return bad(ld, "a Windows container spec is not supported");
	spec->mem_mib = OCI_MEM_DEFAULT_MIB;
	if (get_object(ld, root, "linux", "linux", &linux_) < 0)
		return -1;
	if (linux_ == NULL)
		return 0;
	if (get_array(ld, linux_, "devices", "linux.devices", 1024, &devs) < 0)
		return -1;
	if (json_array_size(devs) > 0)
		return bad(ld, "device nodes (linux.devices) cannot be passed into a micro-VM");
	/*
	 * seccomp, maskedPaths, readonlyPaths, sysctl, cgroupsPath, the
	 * device cgroup rules and the other namespaces confine a host process:
	 * the VM boundary and nanvixd's own seccomp filter supersede them.
	 */
	return load_namespaces(ld, spec, linux_) < 0 ? -1 : load_resources(ld, spec, linux_);
}

static int load_annotations(struct load *ld, struct oci_spec *spec, json_t *root)
{
	json_t *ann, *v;
	const char *key;

	if (get_object(ld, root, "annotations", "annotations", &ann) < 0)
		return -1;
	spec->annotations = ann == NULL ? json_object() : json_incref(ann);
	json_object_foreach(spec->annotations, key, v)
	{
		if (!json_is_string(v))
			return bad(ld, "annotation %s must be a string", key);
	}
	const char *t = json_string_value(json_object_get(spec->annotations, OCI_SANDBOX_KEY));

	if (t == NULL)
		t = json_string_value(json_object_get(spec->annotations, OCI_SANDBOX_KEY_CRIO));
	spec->sandbox = t != NULL && strcmp(t, OCI_SANDBOX_VALUE) == 0;
	return 0;
}

static int load_root(struct load *ld, struct oci_spec *spec, json_t *root)
{
	json_t *r, *v;
	const char *path;
	char joined[PATH_MAX], real[PATH_MAX];
	struct stat st;

	if (get_object(ld, root, "root", "root", &r) < 0)
		return -1;
	if (r == NULL)
		return bad(ld, "config.json has no root");
	if (get_string(ld, r, "path", "root.path", &path) < 0)
		return -1;
	if (path == NULL)
		return bad(ld, "config.json has no root.path");
	v = json_object_get(r, "readonly");
	if (v != NULL && !json_is_boolean(v))
		return bad(ld, "root.readonly must be true or false");
	spec->root_ro = json_is_true(v);
	if (snprintf(joined, sizeof(joined), "%s/%s", path[0] == '/' ? "" : spec->bundle, path) >=
	    (int)sizeof(joined))
		return bad(ld, "root.path is too long");
	if (realpath(joined, real) == NULL)
		return bad(ld, "root.path %s: %s", joined, strerror(errno));
	if (stat(real, &st) < 0 || !S_ISDIR(st.st_mode))
		return bad(ld, "root.path %s is not a directory", real);
	if (check_volume_path(ld, real, "root.path") < 0)
		return -1;
	spec->rootfs = xstrdup(real);
	ld->rootfd = open(real, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (ld->rootfd < 0)
		return bad(ld, "root.path %s: %s", real, strerror(errno));
	return 0;
}

/* The program and working directory, checked in the rootfs as the VM will see it. */
static int load_program(struct load *ld, struct oci_spec *spec)
{
	char *prog = NULL;
	int fd = open_in_vm(ld, spec, spec->cwd, O_PATH | O_DIRECTORY);

	if (fd < 0 && errno == ENOSYS)
		return 0; /* no openat2 (Linux < 5.6): nanvixd reports these at start */
	if (fd < 0)
		return bad(ld, "process.cwd %s is not a directory of the rootfs (%s)", spec->cwd,
		           strerror(errno));
	close(fd);
	if (resolve_program(ld, spec, spec->args[0], &prog) < 0)
		return -1;
	free(spec->args[0]);
	spec->args[0] = prog;
	fd = open_in_vm(ld, spec, prog, O_RDONLY);
	if (fd < 0)
		return bad(ld, "cannot read %s in the rootfs: %s", prog, strerror(errno));
	int rc = check_program(ld, fd, prog);

	close(fd);
	return rc;
}

static int load_all(struct load *ld, struct oci_spec *spec, json_t *root)
{
	const char *version;

	if (!json_is_object(root))
		return bad(ld, "config.json is not a JSON object");
	if (get_string(ld, root, "ociVersion", "ociVersion", &version) < 0)
		return -1;
	if (version == NULL)
		return bad(ld, "config.json has no ociVersion");
	if (strncmp(version, "1.", 2) != 0 || strlen(version) > 64)
		return bad(ld, "ociVersion \"%.64s\" is not supported (nanvix-runc reads 1.x)",
		           version);
	spec->version = xstrdup(version);
	if (load_annotations(ld, spec, root) < 0 || load_root(ld, spec, root) < 0 ||
	    load_process(ld, spec, json_object_get(root, "process")) < 0 ||
	    load_mounts(ld, spec, root) < 0 || load_linux(ld, spec, root) < 0)
		return -1;
	/* A sandbox runs no program (docs/kubernetes.md): its pause binary is not checked. */
	return spec->sandbox ? 0 : load_program(ld, spec);
}

int oci_spec_load(const char *bundle, struct oci_spec *spec, char *why, size_t whylen)
{
	struct load ld = { .why = why, .whylen = whylen, .rootfd = -1 };
	char path[PATH_MAX], real[PATH_MAX];
	struct stat st;
	json_error_t err;
	json_t *root = NULL;
	char *text = NULL;
	int fd = -1, rc = -1;

	memset(spec, 0, sizeof(*spec));
	why[0] = '\0';
	if (realpath(bundle, real) == NULL) {
		bad(&ld, "bundle %s: %s", bundle, strerror(errno));
		goto out;
	}
	spec->bundle = xstrdup(real);
	if (snprintf(path, sizeof(path), "%s/config.json", real) >= (int)sizeof(path)) {
		bad(&ld, "bundle path %s is too long", real);
		goto out;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0) {
		bad(&ld, "cannot open %s: %s", path, strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		bad(&ld, "%s is not a regular file", path);
		goto out;
	}
	if (st.st_size > OCI_CONFIG_MAX) {
		bad(&ld, "%s is %lld bytes, more than nanvix-runc reads (%u)", path,
		    (long long)st.st_size, OCI_CONFIG_MAX);
		goto out;
	}
	text = malloc((size_t)st.st_size + 1);
	if (text == NULL) {
		bad(&ld, "out of memory");
		goto out;
	}
	ssize_t n = read(fd, text, (size_t)st.st_size + 1);

	if (n < 0 || n > st.st_size) {
		bad(&ld, "cannot read %s: %s", path, n < 0 ? strerror(errno) : "it grew");
		goto out;
	}
	root = json_loadb(text, (size_t)n, JSON_REJECT_DUPLICATES, &err);
	if (root == NULL) {
		bad(&ld, "config.json: %s (line %d, column %d)", err.text, err.line, err.column);
		goto out;
	}
	rc = load_all(&ld, spec, root);
out:
	if (ld.rootfd >= 0)
		close(ld.rootfd);
	if (fd >= 0)
		close(fd);
	json_decref(root);
	free(text);
	if (rc < 0)
		oci_spec_free(spec);
	return rc;
}

void oci_spec_free(struct oci_spec *spec)
{
	for (size_t i = 0; spec->args != NULL && i < spec->nargs; i++)
		free(spec->args[i]);
	for (size_t i = 0; spec->env != NULL && i < spec->nenv; i++)
		free(spec->env[i]);
	for (size_t i = 0; spec->vols != NULL && i < spec->nvols; i++) {
		free(spec->vols[i].src);
		free(spec->vols[i].dst);
	}
	free(spec->args);
	free(spec->env);
	free(spec->vols);
	free(spec->version);
	free(spec->bundle);
	free(spec->rootfs);
	free(spec->cwd);
	free(spec->netns);
	json_decref(spec->annotations);
	memset(spec, 0, sizeof(*spec));
}
