/* nanvixd: run one static ELF program in a device-less KVM micro-VM. */
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <getopt.h>
#include <libgen.h>
#include <linux/kvm.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <blksw/blksw.h>
#include <abi/kernel_header.h>
#include <mk/mk.h>
#include <monitor/boot.h>
#include <monitor/client.h>
#include <monitor/guestmem.h>
#include <monitor/hostsig.h>
#include <monitor/tmpvol.h>
#include <monitor/tty.h>
#include <monitor/vm.h>
#include <netsw/netsw.h>

#define NANVIXD_VERSION "0.1.0"
#define MEM_DEFAULT     (16ull << 20)
#define MEM_MAX         (64ull << 30)
#define ENV_MAX         256
#define PROGRAMS_MAX    256
#define ENV_FILES_MAX   16

extern char **environ;

static const char usage_text[] =
        "usage: nanvixd [OPTIONS] -- PROGRAM [ARGS...]\n"
        "\n"
        "Run a static x86-64 ELF program (musl, or newlib with ulib) in a\n"
        "device-less KVM micro-VM on the Nanvix microkernel.  The program's\n"
        "stdout and stderr are nanvixd's; its exit status is nanvixd's.\n"
        "\n"
        "Where PROGRAM comes from: a host file, unless it is an absolute path\n"
        "with no host file there and a --disk or --volume is given, or --in-vm\n"
        "is given: then a file of the VM's file system, as docker runs a file\n"
        "of its image (status 127 and one line when it is not there).\n"
        "\n"
        "examples:\n"
        "  musl-gcc -static -o hello hello.c && nanvixd -- ./hello\n"
        "  nanvixd -m 512 --timeout 10 -e HOME=/ -e TERM -- ./prog --flag arg\n"
        "  nanvixd --disk root.img -v \"$PWD/data:/data:ro\" -- ./prog /data/in\n"
        "  nanvixd --disk root.img --in-vm -w /root -- /bin/sh -c 'ls /tmp'\n"
        "                                (/bin/sh of the disk, not of the host)\n"
        "  nanvixd --image ./bin -- ./bin/main   (execve may start any file of ./bin)\n"
        "\n"
        "options:\n"
        "  -m, --memory SIZE       guest RAM (default 16M).  SIZE is a number with\n"
        "                          an optional suffix K, M or G (any case; Ki, KiB,\n"
        "                          MB... are the same): all powers of 1024, as in\n"
        "                          QEMU; a bare number is MiB (-m 128 = 128 MiB),\n"
        "                          B is bytes; at most 64G\n"
        "      --stack SIZE        user stack size (default 256K; suffixes as for\n"
        "                          -m, but a bare number is bytes; 16K..1G)\n"
        "      --timeout SECONDS   kill the VM after this wall-clock time (may be\n"
        "                          fractional, e.g. 0.5)\n"
        "      --stop-timeout SECONDS\n"
        "                          SIGINT, SIGTERM and SIGHUP go to the program;\n"
        "                          if it has not exited this long after the first\n"
        "                          (default 10; 0: at once), or at a second signal\n"
        "                          of the same kind, the VM is killed (status\n"
        "                          128+signal).  SIGWINCH is forwarded too\n"
        "  -i, --interactive       keep stdin attached to the program (the default:\n"
        "                          nanvixd's stdin is always the program's; redirect\n"
        "                          it from /dev/null to detach it)\n"
        "  -t, --tty               the program's stdin, stdout and stderr are all\n"
        "                          terminals, backed by nanvixd's terminal (one of\n"
        "                          its stdin/stdout/stderr, else /dev/tty; error 125\n"
        "                          if there is none), even where output is redirected.\n"
        "                          Default: each is a terminal when nanvixd's own is\n"
        "      --no-tty            none of them is a terminal (ioctls give ENOTTY)\n"
        "  -e, --env KEY=VALUE     add to the program's environment (repeatable;\n"
        "                          the environment is otherwise empty)\n"
        "  -e, --env KEY           copy KEY from nanvixd's environment (nothing if\n"
        "                          it is unset)\n"
        "      --env-file FILE     read KEY=VALUE (or KEY) lines from FILE; blank\n"
        "                          lines and lines starting with # are skipped,\n"
        "                          values are taken verbatim (repeatable)\n"
        "  -w, --workdir DIR       the program's working directory in the VM (an\n"
        "                          absolute path that must exist there; status 125\n"
        "                          if it does not).  Default: /\n"
        "      --in-vm             PROGRAM is a file of the VM's file system even if\n"
        "                          the host has a file at that path (needs --disk\n"
        "                          or --volume)\n"
        "      --console-file PATH send the guest's console output to PATH\n"
        "      --kernel PATH       microkernel image (default: kernel.elf beside\n"
        "                          nanvixd, else ../lib/nanvix/kernel.elf from it)\n"
        "      --program NAME=PATH let execve start PATH as NAME or /bin/NAME\n"
        "                          (repeatable)\n"
        "      --image DIR         let execve start every file of DIR by its name\n"
        "                          (repeatable; the program itself always can)\n"
        "      --stats             print VM exit and guest trap counts, and the\n"
        "                          macro-kernel's ring, fs and disk counters, at the\n"
        "                          end (also after --timeout or a guest error)\n"
        "      --strace            print each system call of the program, with\n"
        "                          arguments and result, to stderr (like strace -f)\n"
        "      --strace-file PATH  the same, written to PATH instead\n"
        "\n"
        "file system (ext2 disk images, host directories):\n"
        "      --disk IMAGE[:ro|:cow]\n"
        "                          an ext2 image as the guest's root directory:\n"
        "                          read-write (default), read-only, or copy-on-write\n"
        "                          (the image is never written; changes vanish with\n"
        "                          the VM); make one with mke2fs -t ext2 (not ext4)\n"
        "  -v, --volume HOSTDIR:/PATH[:ro]\n"
        "                          map a host directory (or one file) at /PATH\n"
        "                          (repeatable; host placement only; missing parents\n"
        "                          of /PATH appear as read-only directories); nothing\n"
        "                          outside HOSTDIR is reachable, ..-, symlink- or\n"
        "                          link-wise, and the guest's symlinks must stay inside\n"
        "      --no-tmp            no /tmp of nanvixd's own.  By default, without\n"
        "                          --disk, /tmp is a private, writable, empty host\n"
        "                          directory (in /dev/shm, i.e. memory, where it\n"
        "                          exists, else $TMPDIR or /tmp), removed when nanvixd\n"
        "                          exits; not with a volume at / or /tmp, with\n"
        "                          --fs=guest or --macrokernel.  With --disk, /tmp is\n"
        "                          the disk's\n"
        "      --fs=host|guest     where the file-system component runs: in the\n"
        "                          macro-kernel (host, the default), or in the VM\n"
        "                          as a server process (guest: needs --disk and\n"
        "                          fsd.elf beside kernel.elf; no --volume)\n"
        "      --no-fast-path      with --fs=host, make every file call trap into\n"
        "                          the guest kernel (by default read, pread, fstat\n"
        "                          and lseek of disk files go to nanvixd from ring 3)\n"
        "      --macrokernel SOCKET\n"
        "                          attach to the shared macro-kernel listening on\n"
        "                          SOCKET (bin/macrokernel) instead of the embedded\n"
        "                          one; --disk and --volume paths are then relative\n"
        "                          to its --root\n"
        "\n"
        "network (each VM on the tenant network 10.0.2.0/24, gateway 10.0.2.2):\n"
        "      --net=host|guest|none\n"
        "                          where the TCP/IP stack (lwIP) runs: in the\n"
        "                          macro-kernel (host, the default), in the VM as a\n"
        "                          server process (guest: netd.elf beside\n"
        "                          kernel.elf; the macro-kernel only switches its\n"
        "                          frames), or no network at all (none: socket()\n"
        "                          fails with EAFNOSUPPORT)\n"
        "  -p, --publish [HOSTADDR:]HOSTPORT:GUESTPORT[/udp]\n"
        "                          forward a host port to the program's port (the\n"
        "                          host address defaults to 127.0.0.1; repeatable),\n"
        "                          e.g. -p 8080:80\n"
        "      --net-allow HOST|CIDR[:PORT]\n"
        "                          let the program connect to these destinations\n"
        "                          (repeatable); everything else outside the tenant\n"
        "                          network is refused (ECONNREFUSED).  The host's\n"
        "                          loopback, link-local addresses and the cloud\n"
        "                          metadata address stay closed unless named; the\n"
        "                          host's 127.0.0.1:PORT, once allowed, is reached\n"
        "                          from the VM as host.internal (10.0.2.2):PORT\n"
        "  -h, --help              show this help\n"
        "      --version           show the version\n"
        "\n"
        "exit status: the program's (128+N when killed by signal N), or\n"
        "  120 no usable /dev/kvm      124 --timeout expired\n"
        "  121 guest memory too small  125 bad command line, or no -w DIR\n"
        "  122 the VM failed           126 kernel or program not loadable\n"
        "  123 host-side error         127 kernel or program not found\n";

#define UPLINK_WAIT_MS 2000 /* the uplink binds the published ports in ~2 ms */

struct options {
	uint64_t mem;
	uint64_t stack;
	double timeout;
	const char *console_file;
	const char *kernel;
	char *env[ENV_MAX + 1];
	int envc;
	char *env_files[ENV_FILES_MAX]; /* --env-file texts, which env[] points into */
	int nenv_files;
	int stats;
	int strace;
	const char *strace_file;
	int no_fast; /* --no-fast-path */

	double stop_timeout; /* --stop-timeout */
	enum tty_mode tty;   /* -t, --no-tty */
	struct vm_program programs[PROGRAMS_MAX];
	int nprograms;
	struct mk_config mk;            /* --fs, --disk, --volume, --net */
	struct netsw_policy net_policy; /* -p and --net-allow */
	bool net_given;                 /* --net given explicitly */
	const char *macrokernel;        /* --macrokernel SOCKET, or NULL: embedded */
	const char *workdir;            /* -w DIR, or NULL: / */
	int in_vm;                      /* --in-vm */
	int no_tmp;                     /* --no-tmp */
	bool user_fs;                   /* --disk, --volume or --macrokernel given */
	bool vm_program;                /* argv[0] is a file of the VM's file system */
	bool default_tmp;               /* mount a private host directory at /tmp */
	char tmpdir[PATH_MAX];          /* that directory, once made ("" before) */
	char etcdir[PATH_MAX];          /* the network's /etc (hosts, resolv.conf), once made */
	char **argv;                    /* program and its arguments */
	int argc;
};

static volatile sig_atomic_t timed_out;
static struct kvm_run *volatile timeout_run;

static int usage_error(const char *fmt, const char *arg)
{
	fputs("nanvixd: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs("\nTry 'nanvixd --help' for more information.\n", stderr);
	return NANVIXD_EXIT_USAGE;
}

/* An invalid size for `what`: the reason and an example. */
static int usage_error_size(const char *what, const char *arg, const char *why, const char *example)
{
	fprintf(stderr, "nanvixd: invalid %s size '%s': %s; %s\n", what, arg, why, example);
	fputs("Try 'nanvixd --help' for more information.\n", stderr);
	return NANVIXD_EXIT_USAGE;
}

/*
 * A size such as "128", "16M", "1GiB" or "4096B" in bytes: K, M, G (any
 * case, optionally followed by "i" and/or "B") are powers of 1024, as in
 * QEMU; "B" alone is bytes; a bare number is `unit` bytes.  Returns 0 with
 * *out set, or a static reason for the error message.
 */
static const char *parse_size(const char *s, uint64_t unit, uint64_t *out)
{
	const char *p = s;
	uint64_t v = 0, mult = unit;

	if (*p < '0' || *p > '9')
		return "not a number";
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return "too large";
		v = v * 10 + (uint64_t)(*p - '0');
	}
	switch (*p) {
	case 'k':
	case 'K': mult = 1ull << 10; break;
	case 'm':
	case 'M': mult = 1ull << 20; break;
	case 'g':
	case 'G': mult = 1ull << 30; break;
	case 'b':
	case 'B': mult = 1; break;
	case '\0': break;
	case '.':
	case ',': return "not a whole number (write 1.5G as 1536M)";
	default: return "unknown suffix (use K, M or G)";
	}
	if (*p && mult != 1) {
		p++;
		if (*p == 'i' || *p == 'I')
			p++;
		if (*p == 'b' || *p == 'B')
			p++;
	} else if (*p) {
		p++; /* "B" */
	}
	if (*p)
		return "unknown suffix (use K, M or G)";
	if (v == 0)
		return "must be more than zero";
	if (v > UINT64_MAX / mult)
		return "too large";
	*out = v * mult;
	return NULL;
}

/*
 * -e KEY=VALUE, or -e KEY: KEY's value in nanvixd's environment (nothing
 * when unset, as docker does).  `entry` must outlive the VM.  Returns 0 or a
 * nanvixd status after printing why (`where`: "file:line: " or "").
 */
static int add_env(struct options *o, char *entry, const char *where)
{
	char *eq = strchr(entry, '=');
	size_t keylen = eq ? (size_t)(eq - entry) : strlen(entry);

	if (keylen == 0 || strcspn(entry, " \t") < keylen) {
		fprintf(stderr,
		        "nanvixd: %sinvalid environment entry '%s' (need KEY=VALUE, or KEY to "
		        "copy nanvixd's own)\n",
		        where, entry);
		return NANVIXD_EXIT_USAGE;
	}
	if (!eq) {
		const char *key = entry;

		/* environ's own "KEY=value" string lives as long as nanvixd. */
		entry = NULL;
		for (char **e = environ; e && *e && !entry; e++)
			if (strncmp(*e, key, keylen) == 0 && (*e)[keylen] == '=')
				entry = *e;
		if (!entry)
			return 0;
	}
	if (o->envc == ENV_MAX)
		return usage_error("too many environment entries (at most %s)", "256");
	o->env[o->envc++] = entry;
	return 0;
}

/*
 * --env-file FILE: one KEY=VALUE (or KEY, as -e) a line, as docker reads
 * it: blank lines and lines starting with # are skipped, the value is
 * taken verbatim (no quotes, no expansion).  The file's text stays in
 * o->env_files[] for the VM's lifetime.
 */
static int add_env_file(struct options *o, const char *path)
{
	char where[PATH_MAX + 32], *buf = NULL, *line;
	size_t cap = 0, len = 0;
	unsigned lineno = 0;
	FILE *f;
	int rc = 0;

	if (o->nenv_files == ENV_FILES_MAX)
		return usage_error("too many --env-file options (at most %s)", "16");
	f = fopen(path, "r");
	if (!f) {
		vm_error("cannot open env file '%s': %s", path, strerror(errno));
		return NANVIXD_EXIT_NOTFOUND;
	}
	for (;;) {
		if (len + 4096 > cap) {
			char *n = realloc(buf, cap += 65536);

			if (!n) {
				vm_error("env file '%s': out of memory", path);
				rc = NANVIXD_EXIT_HOST;
				goto out;
			}
			buf = n;
		}
		size_t got = fread(buf + len, 1, cap - len - 1, f);

		len += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		vm_error("cannot read env file '%s': %s", path, strerror(errno));
		rc = NANVIXD_EXIT_NOTFOUND;
		goto out;
	}
	buf[len] = '\0';
	if (memchr(buf, '\0', len)) {
		vm_error("env file '%s' is not a text file (it holds a NUL byte)", path);
		rc = NANVIXD_EXIT_USAGE;
		goto out;
	}
	o->env_files[o->nenv_files++] = buf;
	for (line = buf; !rc && *line;) {
		char *next = strchr(line, '\n'), *p = line;

		if (next)
			*next++ = '\0';
		else
			next = line + strlen(line);
		lineno++;
		if (*line && line[strlen(line) - 1] == '\r')
			line[strlen(line) - 1] = '\0'; /* CRLF */
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p && *p != '#') {
			snprintf(where, sizeof(where), "%s:%u: ", path, lineno);
			rc = add_env(o, p, where);
		}
		line = next;
	}
	buf = NULL;
out:
	free(buf);
	fclose(f);
	return rc;
}

/* Register a program image execve can start; checks that PATH is a regular file. */
static int add_program(struct options *o, const char *name, const char *path)
{
	struct stat st;

	if (o->nprograms == PROGRAMS_MAX)
		return usage_error("too many programs (at most %s)", "256");
	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode)) {
		vm_error("program image '%s' (%s) is not a readable file", path, name);
		return NANVIXD_EXIT_NOTFOUND;
	}
	o->programs[o->nprograms].name = name;
	o->programs[o->nprograms].path = path;
	o->nprograms++;
	return 0;
}

/* Every regular file of DIR, under its file name. */
static int add_image(struct options *o, const char *dir)
{
	static char paths[PROGRAMS_MAX][PATH_MAX];
	struct dirent *e;
	DIR *d = opendir(dir);
	int rc = 0;

	if (!d) {
		vm_error("cannot open image directory '%s': %s", dir, strerror(errno));
		return NANVIXD_EXIT_NOTFOUND;
	}
	while (!rc && (e = readdir(d))) {
		struct stat st;
		/* Each program keeps its own path buffer for the VM's lifetime. */
		char *path = paths[o->nprograms < PROGRAMS_MAX ? o->nprograms : 0];

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, PATH_MAX, "%s/%s", dir, e->d_name);
		if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		rc = add_program(o, strrchr(path, '/') + 1, path);
	}
	closedir(d);
	return rc;
}

/* --volume HOSTDIR:/PATH[:ro] */
static int add_volume(struct options *o, char *arg)
{
	struct mk_volume *v;
	char *at = strstr(arg, ":/"), *ro;

	if (!at || at == arg)
		return usage_error("invalid volume '%s' (need HOSTDIR:/PATH[:ro])", arg);
	if (o->mk.nvolumes == MK_VOLUMES_MAX)
		return usage_error("too many --volume options (at most %s)", "8");
	v = &o->mk.volumes[o->mk.nvolumes];
	*at = '\0';
	v->hostdir = arg;
	v->at = at + 1;
	ro = strrchr(v->at, ':');
	if (ro) {
		if (strcmp(ro, ":ro") != 0 && strcmp(ro, ":rw") != 0)
			return usage_error("invalid volume option '%s' (ro or rw)", ro + 1);
		v->readonly = strcmp(ro, ":ro") == 0;
		*ro = '\0';
	}
	o->mk.nvolumes++;
	return 0;
}

/* A --volume at /, at /tmp or beneath it: the user's /tmp, not ours. */
/* Whether a volume sits at "/", at `dir` (e.g. "/tmp") or beneath it. */
static bool volume_covers(const struct options *o, const char *dir)
{
	size_t n = strlen(dir);

	for (int i = 0; i < o->mk.nvolumes; i++) {
		const char *at = o->mk.volumes[i].at;

		while (at[0] == '/' && at[1] == '/')
			at++;
		if (strspn(at, "/") == strlen(at) ||
		    (strncmp(at, dir, n) == 0 && (at[n] == '\0' || at[n] == '/')))
			return true;
	}
	return false;
}

/* --net, -p and --net-allow together; 0 or a nanvixd status. */
static int net_options(struct options *o)
{
	if (!o->net_given)
		o->mk.net = MK_NET_HOST;
	if (o->macrokernel && o->net_policy.nrules)
		return usage_error("%s", "--net-allow belongs to the shared macro-kernel: its "
		                         "tenant's policy is its own (macrokernel --net-allow)");
	if (o->mk.net == MK_NET_NONE && netsw_policy_needs_uplink(&o->net_policy))
		return usage_error("%s", o->net_policy.npubs ? "-p needs a network (not --net=none)"
		                                             : "--net-allow needs a network (not "
		                                               "--net=none)");
	return 0;
}

static int parse_options(int argc, char **argv, struct options *o)
{
	enum {
		OPT_TIMEOUT = 256,
		OPT_CONSOLE,
		OPT_KERNEL,
		OPT_VERSION,
		OPT_STATS,
		OPT_STACK,
		OPT_STRACE,
		OPT_STRACE_FILE,
		OPT_PROGRAM,
		OPT_IMAGE,
		OPT_FS,
		OPT_DISK,
		OPT_MACROKERNEL,
		OPT_NO_FAST,
		OPT_ENV_FILE,
		OPT_STOP_TIMEOUT,
		OPT_NO_TTY,
		OPT_IN_VM,
		OPT_NO_TMP,
		OPT_NET,
		OPT_NET_ALLOW,
	};
	static const struct option longopts[] = {
		{ "memory", required_argument, NULL, 'm' },
		{ "env", required_argument, NULL, 'e' },
		{ "env-file", required_argument, NULL, OPT_ENV_FILE },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "console-file", required_argument, NULL, OPT_CONSOLE },
		{ "kernel", required_argument, NULL, OPT_KERNEL },
		{ "stack", required_argument, NULL, OPT_STACK },
		{ "stats", no_argument, NULL, OPT_STATS },
		{ "strace", no_argument, NULL, OPT_STRACE },
		{ "strace-file", required_argument, NULL, OPT_STRACE_FILE },
		{ "program", required_argument, NULL, OPT_PROGRAM },
		{ "image", required_argument, NULL, OPT_IMAGE },
		{ "fs", required_argument, NULL, OPT_FS },
		{ "disk", required_argument, NULL, OPT_DISK },
		{ "volume", required_argument, NULL, 'v' },
		{ "macrokernel", required_argument, NULL, OPT_MACROKERNEL },
		{ "no-fast-path", no_argument, NULL, OPT_NO_FAST },
		{ "stop-timeout", required_argument, NULL, OPT_STOP_TIMEOUT },
		{ "tty", no_argument, NULL, 't' },
		{ "no-tty", no_argument, NULL, OPT_NO_TTY },
		{ "interactive", no_argument, NULL, 'i' },
		{ "workdir", required_argument, NULL, 'w' },
		{ "in-vm", no_argument, NULL, OPT_IN_VM },
		{ "no-tmp", no_argument, NULL, OPT_NO_TMP },
		{ "net", required_argument, NULL, OPT_NET },
		{ "publish", required_argument, NULL, 'p' },
		{ "net-allow", required_argument, NULL, OPT_NET_ALLOW },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	bool user_fs;
	int c;

	o->mem = MEM_DEFAULT;
	o->mk.notify_fd = -1;
	netsw_policy_init(&o->net_policy);
	o->stack = BOOT_STACK_SIZE_DEFAULT;
	o->stop_timeout = HOSTSIG_STOP_TIMEOUT_DEFAULT;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+m:e:v:w:p:hit", longopts, NULL)) != -1) {
		char *end;

		switch (c) {
		case 'm': {
			const char *why = parse_size(optarg, 1ull << 20, &o->mem);

			if (!why && o->mem > MEM_MAX)
				why = "too large";
			if (why)
				return usage_error_size(
				        "memory", optarg, why,
				        "e.g. -m 128 (MiB), 512M or 2G, at most 64G");
			o->mem = (o->mem + 4095) & ~4095ull;
			break;
		}
		case OPT_STACK: {
			const char *why = parse_size(optarg, 1, &o->stack);

			if (!why && (o->stack < 16384 || o->stack > (1ull << 30)))
				why = "outside 16K..1G";
			if (why)
				return usage_error_size(
				        "stack", optarg, why,
				        "e.g. --stack 256K or 8M (a bare number is bytes)");
			o->stack = (o->stack + 4095) & ~4095ull;
			break;
		}
		case 'e':
			c = add_env(o, optarg, "");
			if (c)
				return c;
			break;
		case OPT_ENV_FILE:
			c = add_env_file(o, optarg);
			if (c)
				return c;
			break;
		case OPT_TIMEOUT:
			errno = 0;
			o->timeout = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(o->timeout > 0) || o->timeout > 1e7)
				return usage_error("invalid timeout '%s' (positive seconds)",
				                   optarg);
			break;
		case OPT_STOP_TIMEOUT:
			errno = 0;
			o->stop_timeout = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(o->stop_timeout >= 0) ||
			    o->stop_timeout > 1e7)
				return usage_error("invalid stop timeout '%s' (seconds, 0 or more)",
				                   optarg);
			break;
		case 't': o->tty = TTY_FORCE; break;
		case OPT_NO_TTY: o->tty = TTY_NONE; break;
		case 'i': break; /* stdin is always attached */
		case OPT_CONSOLE: o->console_file = optarg; break;
		case OPT_KERNEL: o->kernel = optarg; break;
		case OPT_STATS: o->stats = 1; break;
		case OPT_STRACE: o->strace = 1; break;
		case OPT_STRACE_FILE: o->strace = 1, o->strace_file = optarg; break;
		case OPT_PROGRAM: {
			char *eq = strchr(optarg, '=');

			if (!eq || eq == optarg || !eq[1])
				return usage_error("invalid program '%s' (need NAME=PATH)", optarg);
			*eq = '\0';
			c = add_program(o, optarg, eq + 1);
			if (c)
				return c;
			break;
		}
		case OPT_IMAGE:
			c = add_image(o, optarg);
			if (c)
				return c;
			break;
		case OPT_FS:
			if (strcmp(optarg, "host") == 0)
				o->mk.fs = MK_FS_HOST;
			else if (strcmp(optarg, "guest") == 0)
				o->mk.fs = MK_FS_GUEST;
			else
				return usage_error("invalid --fs '%s' (host or guest)", optarg);
			break;
		case OPT_DISK:
			if (o->mk.disk)
				return usage_error("more than one --disk ('%s')", optarg);
			o->mk.disk = optarg;
			break;
		case 'v':
			c = add_volume(o, optarg);
			if (c)
				return c;
			break;
		case OPT_MACROKERNEL: o->macrokernel = optarg; break;
		case OPT_NO_FAST: o->no_fast = 1; break;
		case 'w':
			if (optarg[0] != '/')
				return usage_error(
				        "invalid working directory '%s' (an absolute path "
				        "in the VM, e.g. -w /root)",
				        optarg);
			o->workdir = optarg;
			break;
		case OPT_IN_VM: o->in_vm = 1; break;
		case OPT_NO_TMP: o->no_tmp = 1; break;
		case OPT_NET:
			if (strcmp(optarg, "host") == 0)
				o->mk.net = MK_NET_HOST;
			else if (strcmp(optarg, "guest") == 0)
				o->mk.net = MK_NET_GUEST;
			else if (strcmp(optarg, "none") == 0)
				o->mk.net = MK_NET_NONE;
			else
				return usage_error("invalid --net '%s' (host, guest or none)",
				                   optarg);
			o->net_given = true;
			break;
		case 'p':
		case OPT_NET_ALLOW: {
			char why[256];

			if (c == 'p'
			            ? netsw_policy_publish(&o->net_policy, optarg, why, sizeof(why))
			            : netsw_policy_allow(&o->net_policy, optarg, netsw_resolve, why,
			                                 sizeof(why)))
				return usage_error("%s", why);
			break;
		}
		case 'h': fputs(usage_text, stdout); exit(0);
		case OPT_VERSION:
			printf("nanvixd %s (boot ABI %d)\n", NANVIXD_VERSION, NANVIX_ABI_VERSION);
			exit(0);
		default: return usage_error("unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	/* Volumes of a shared macro-kernel are beneath its --root: it checks them. */
	for (int i = 0; !o->macrokernel && i < o->mk.nvolumes; i++) {
		struct stat st;

		if (stat(o->mk.volumes[i].hostdir, &st) != 0 ||
		    !(S_ISDIR(st.st_mode) || S_ISREG(st.st_mode)))
			return usage_error("volume '%s' is not a directory or a regular file",
			                   o->mk.volumes[i].hostdir);
	}
	user_fs = o->user_fs = o->mk.disk || o->mk.nvolumes || o->macrokernel;
	if (o->in_vm && !user_fs)
		return usage_error("%s", "--in-vm needs a file system to find the program in "
		                         "(--disk or --volume)");
	o->default_tmp = !o->no_tmp && !o->mk.disk && !o->macrokernel && o->mk.fs != MK_FS_GUEST &&
	                 !volume_covers(o, "/tmp");
	if ((user_fs || o->default_tmp) && o->mk.fs == MK_FS_NONE)
		o->mk.fs = MK_FS_HOST;
	if (o->mk.fs == MK_FS_GUEST && o->mk.nvolumes)
		return usage_error("%s", "--volume needs --fs=host (volumes are host directories)");
	if (o->mk.fs == MK_FS_GUEST && !o->mk.disk)
		return usage_error("%s", "--fs=guest needs --disk");
	c = net_options(o);
	if (c)
		return c;
	if (optind >= argc)
		return usage_error(
		        "%s",
		        "no program given (usage: nanvixd [OPTIONS] -- PROGRAM.elf [ARGS...])");
	o->argv = argv + optind;
	o->argc = argc - optind;
	/* An absolute path the host lacks names a file of the VM's file system. */
	o->vm_program =
	        o->in_vm || (user_fs && o->argv[0][0] == '/' && access(o->argv[0], F_OK) < 0 &&
	                     (errno == ENOENT || errno == ENOTDIR));
	return 0;
}

/* Map a whole file read-only.  Returns 0 or a nanvixd status. */
static int map_file(const char *what, const char *path, const void **data, size_t *size)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	void *p;

	if (fd < 0) {
		vm_error("cannot open %s '%s': %s", what, path, strerror(errno));
		return errno == ENOENT || errno == ENOTDIR ? NANVIXD_EXIT_NOTFOUND
		                                           : NANVIXD_EXIT_BADELF;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		vm_error("%s '%s' is not a regular file", what, path);
		close(fd);
		return NANVIXD_EXIT_BADELF;
	}
	if (st.st_size == 0) {
		vm_error("%s '%s' is empty", what, path);
		close(fd);
		return NANVIXD_EXIT_BADELF;
	}
	p = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		vm_error("cannot map %s '%s': %s", what, path, strerror(errno));
		return NANVIXD_EXIT_HOST;
	}
	*data = p;
	*size = st.st_size;
	return 0;
}

static void on_alarm(int sig)
{
	(void)sig;
	timed_out = 1;
	if (timeout_run)
		timeout_run->immediate_exit = 1;
}

static int arm_timeout(double seconds)
{
	struct sigaction sa;
	struct itimerval it;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm; /* no SA_RESTART: KVM_RUN must return EINTR */
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, NULL) < 0)
		return -1;
	memset(&it, 0, sizeof(it));
	it.it_value.tv_sec = (time_t)seconds;
	it.it_value.tv_usec = (suseconds_t)((seconds - (double)(time_t)seconds) * 1e6);
	if (it.it_value.tv_sec == 0 && it.it_value.tv_usec == 0)
		it.it_value.tv_usec = 1;
	return setitimer(ITIMER_REAL, &it, NULL);
}

/*
 * Where a guest file (kernel.elf, fsd.elf) is looked for, in order: beside
 * the nanvixd binary (the build tree's bin/), then ../lib/nanvix from it
 * (`make install PREFIX=...`: PREFIX/bin/nanvixd, PREFIX/lib/nanvix/).
 */
static const char *const guest_dirs[] = { "", "/../lib/nanvix" };

/*
 * The path of guest file `name` in buf[len]: the first of guest_dirs that
 * holds it, or, when none does, NULL with buf naming every place tried.
 */
static const char *find_guest_file(const char *name, char *buf, size_t len)
{
	char exe[PATH_MAX], tried[2 * PATH_MAX + 8] = "";
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0) {
		snprintf(buf, len, "%s", name);
		return access(name, F_OK) == 0 ? buf : NULL;
	}
	exe[n] = '\0';
	dirname(exe);
	for (size_t i = 0; i < sizeof(guest_dirs) / sizeof(guest_dirs[0]); i++) {
		size_t t = strlen(tried);

		if (snprintf(buf, len, "%s%s/%s", exe, guest_dirs[i], name) >= (int)len)
			continue; /* too long a path to open anyway */
		if (access(buf, F_OK) == 0)
			return buf;
		if (snprintf(tried + t, sizeof(tried) - t, "%s%s", t ? " nor " : "", buf) < 0)
			break;
	}
	snprintf(buf, len, "%s", tried);
	return NULL;
}

/* The microkernel image: --kernel, else found by find_guest_file. */
static int open_kernel(const struct options *o, char *path, size_t len, const void **data,
                       size_t *size)
{
	if (o->kernel)
		return map_file("kernel", o->kernel, data, size);
	if (!find_guest_file("kernel.elf", path, len)) {
		vm_error("cannot find the microkernel: no %s; give its path with --kernel PATH "
		         "(nanvixd looks beside itself, then in ../lib/nanvix from there, as "
		         "'make install' lays it out)",
		         path);
		return NANVIXD_EXIT_NOTFOUND;
	}
	return map_file("kernel", path, data, size);
}

/*
 * A guest program that starts the user's (`file`: fsd.elf, --fs=guest's
 * server, or launch.elf; `what` names it in errors): beside the kernel
 * given with --kernel, else found by find_guest_file.
 */
static int open_helper(const struct options *o, const char *file, const char *what, char *path,
                       size_t len, const void **data, size_t *size)
{
	if (o->kernel) {
		char k[PATH_MAX];

		snprintf(k, sizeof(k), "%s", o->kernel);
		snprintf(path, len, "%s/%s", dirname(k), file);
	} else if (!find_guest_file(file, path, len)) {
		vm_error("cannot find the %s: no %s (it belongs beside kernel.elf; with "
		         "--kernel, nanvixd looks beside that file)",
		         what, path);
		return NANVIXD_EXIT_NOTFOUND;
	}
	return map_file(what, path, data, size);
}

/* Seed the guest clock (boot info, vvar pages): host time at one guest TSC reading. */
static int seed_clock(struct vm *vm, struct nanvix_bootinfo *bi, struct nanvix_vvar *first)
{
	struct timespec rt, mono;
	uint64_t tsc, khz;

	if (vm_read_tsc(vm, &tsc, &khz) < 0)
		return -1;
	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	bi->tsc_base = tsc;
	bi->tsc_khz = khz;
	bi->tsc_mult = (uint64_t)(((unsigned __int128)1000000 << 32) / khz);
	bi->realtime_base_ns = (uint64_t)rt.tv_sec * 1000000000ull + rt.tv_nsec;
	bi->monotonic_base_ns = (uint64_t)mono.tv_sec * 1000000000ull + mono.tv_nsec;
	vm->vvar.tsc_base = bi->tsc_base;
	vm->vvar.tsc_mult = bi->tsc_mult;
	vm->vvar.clock_base_ns[0] = bi->realtime_base_ns;
	vm->vvar.clock_base_ns[1] = bi->monotonic_base_ns;
	vm->vvar.flags =
	        (vm->strace ? NANVIX_VVAR_SLOW : 0) | (vm->fastcall ? NANVIX_VVAR_FASTFS : 0);
	*first = vm->vvar; /* the kernel sets the pid */
	return 0;
}

/*
 * The kernel's counters when it did not report them at exit (--timeout, a
 * guest error): read from guest memory, where the stopped kernel keeps
 * them.  Counters the kernel image does not locate stay zero.
 */
static void live_stats(struct vm *vm)
{
	const struct nanvix_kcounters *k =
	        vm->kstats_gpa ? gpa_ptr(&vm->mem, vm->kstats_gpa, sizeof(*k)) : NULL;
	const uint64_t *f = vm->frames_gpa ? gpa_ptr(&vm->mem, vm->frames_gpa, 16) : NULL;

	if (k) {
		/* As the kernel's exit report counts them: traps include the calls. */
		vm->stats.traps = k->traps + k->syscalls + k->enosys;
		vm->stats.syscalls = k->syscalls;
		vm->stats.enosys = k->enosys;
		vm->stats.last_enosys = k->last_enosys;
	}
	if (f) {
		vm->stats.frames_free = f[0];
		vm->stats.frames_total = f[1];
	}
}

static int embedded_kick(void *ctx)
{
	return mk_vm_kick(ctx);
}

/*
 * The tenant network of the embedded macro-kernel: a switch, and its uplink
 * when -p or --net-allow need one.  0 or a nanvixd status.  The uplink is
 * started here and waited for only in macrokernel_attach, so it comes up
 * while nanvixd loads the kernel and builds the VM.
 */
static int network_create(struct options *o, struct netsw **net)
{
	struct netsw_config cfg;

	netsw_config_default(&cfg);
	cfg.policy = &o->net_policy;
	*net = netsw_new(&cfg);
	if (!*net) {
		vm_error("network switch: %s", strerror(errno));
		return NANVIXD_EXIT_HOST;
	}
	return 0;
}

/* The embedded macro-kernel: this VM's rings served inside nanvixd (`net`:
 * network_create's switch, or NULL). */
static int macrokernel_attach(struct vm *vm, struct options *o, struct blksw **sw,
                              struct netsw **net, struct mk_vm **mk)
{
	char err[512];
	int rc = blksw_new(sw, AT_FDCWD);

	if (rc) {
		vm_error("storage switch: %s", strerror(-rc));
		return NANVIXD_EXIT_HOST;
	}
	rc = mk_vm_attach(mk, &(struct mk_host){ .blk = *sw, .net = *net }, &vm->mem, &o->mk, err,
	                  sizeof(err));
	if (rc) {
		vm_error("%s", err);
		return rc == -ENOENT ? NANVIXD_EXIT_NOTFOUND : NANVIXD_EXIT_USAGE;
	}
	vm->ring_kick = embedded_kick;
	vm->ring_ctx = *mk;
	vm->load_file = mk_vm_load_file;
	vm->idle = mk_vm_idle;
	if (o->mk.fs == MK_FS_HOST && !o->no_fast)
		vm->fastcall = mk_vm_fastcall;
	/* Published ports are bound by the uplink: a port in use is an error now. */
	if (*net && (rc = netsw_uplink_wait(*net, UPLINK_WAIT_MS, err, sizeof(err))) != 0) {
		vm_error("%s",
		         rc == -ETIMEDOUT ? "network uplink: no answer from nanvix-uplink" : err);
		return NANVIXD_EXIT_HOST;
	}
	return 0;
}

/*
 * The argv of a process 1 that starts the user's program: the fs server
 * (sysapps/fs/fsd.c, --fs=guest: once the disk is mounted), the network
 * server (sysapps/net/netd.c, --net=guest: once its netif is up) or the
 * launcher (sysapps/launch/launch.c).  Each changes to -w's directory and
 * execs `name` (a program nanvixd registered, which execve finds by that
 * name, or a path in the VM's file system) with the user's argv.  With
 * both servers in the VM, the fs server execs the network server
 * (registered as NETD_NAME), which execs the program.  NULL when out of
 * memory.
 */
#define NETD_FILE "netd.elf" /* the network server's guest file */
#define NETD_NAME "netd"     /* ...and its name as a registered program */

static char **helper_args(const struct options *o, const char *name, int *argc)
{
	char **v = calloc((size_t)o->argc + 16, sizeof(*v));
	const char *colon = o->mk.disk ? strrchr(o->mk.disk, ':') : NULL;
	bool fsd = o->mk.fs == MK_FS_GUEST, netd = o->mk.net == MK_NET_GUEST;
	int n = 0;

	if (!v)
		return NULL;
	if (fsd) {
		v[n++] = "fsd";
		if (colon && strcmp(colon, ":ro") == 0)
			v[n++] = "--ro";
		if (netd) {
			v[n++] = "--exec";
			v[n++] = NETD_NAME;
			v[n++] = "--";
		}
	}
	if (netd)
		v[n++] = NETD_NAME;
	else if (!fsd)
		v[n++] = "launch";
	if (o->vm_program)
		v[n++] = "--vm";
	if (o->workdir) {
		v[n++] = "--cd";
		v[n++] = (char *)o->workdir;
	}
	v[n++] = "--exec";
	v[n++] = (char *)(o->vm_program ? o->argv[0] : name);
	v[n++] = "--";
	for (int i = 0; i < o->argc; i++)
		v[n++] = o->argv[i];
	*argc = n;
	return v;
}

/*
 * A host program refused as not loadable (`err`): when the VM's file
 * system may hold a file at the same path, say how to run that one.
 */
static void program_error(const struct options *o, const char *err)
{
	if (o->user_fs && o->argv[0][0] == '/')
		vm_error("%s (the host's %s; to run %s from the VM's file system, add --in-vm)",
		         err, o->argv[0], o->argv[0]);
	else
		vm_error("%s", err);
}

/* The default /tmp: a fresh private host directory as a volume at /tmp. */
static int add_default_tmp(struct options *o)
{
	struct mk_volume *v;

	if (o->mk.nvolumes == MK_VOLUMES_MAX)
		return 0; /* no room: the user's volumes matter more */
	if (tmpvol_create(o->tmpdir, sizeof(o->tmpdir)) < 0)
		return NANVIXD_EXIT_HOST;
	v = &o->mk.volumes[o->mk.nvolumes++];
	v->hostdir = o->tmpdir;
	v->at = "/tmp";
	v->readonly = false;
	return 0;
}

/*
 * The network's names for a VM without a disk: /etc/hosts (localhost, the
 * VM, host.internal for the gateway, i.e. the host's loopback) and
 * /etc/resolv.conf (the switch's DNS address), as a read-only volume at
 * /etc, so libcs resolve unmodified.  Not with a disk (its /etc is the
 * user's) nor over a volume of the user's.
 */
static int add_net_etc(struct options *o)
{
	static const char hosts[] = "127.0.0.1\tlocalhost\n"
	                            "10.0.2.15\tnanvix\n"
	                            "10.0.2.2\thost.internal\n";
	static const char resolv[] = "nameserver 10.0.2.3\n";
	struct mk_volume *v;
	char path[PATH_MAX + 32];
	int fd;

	if (o->mk.net == MK_NET_NONE || o->mk.fs != MK_FS_HOST || o->mk.disk || o->macrokernel ||
	    volume_covers(o, "/etc") || o->mk.nvolumes == MK_VOLUMES_MAX)
		return 0;
	if (tmpvol_create(o->etcdir, sizeof(o->etcdir)) < 0)
		return NANVIXD_EXIT_HOST;
	for (int i = 0; i < 2; i++) {
		const char *text = i ? resolv : hosts;

		snprintf(path, sizeof(path), "%s/%s", o->etcdir, i ? "resolv.conf" : "hosts");
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
			vm_error("cannot write %s: %s", path, strerror(errno));
			if (fd >= 0)
				close(fd);
			return NANVIXD_EXIT_HOST;
		}
		close(fd);
	}
	v = &o->mk.volumes[o->mk.nvolumes++];
	v->hostdir = o->etcdir;
	v->at = "/etc";
	v->readonly = true;
	return 0;
}

/*
 * The network watcher: a VM busy in ring 3 makes no exits, so neither its
 * calls nor its idle wait take what the network brought it, and a
 * connection to it would wait.  This thread polls what the VM's network
 * waits on while the VM runs (embedded: the uplink and lwIP's next timer;
 * with a shared macro-kernel: the notify eventfd its pump writes) and
 * kicks the vCPU (vm_kick): its thread pumps (or takes the notification),
 * injects a tick when the guest has readiness changes to take, and
 * acknowledges; only then does the watcher poll again.  While the VM
 * idles it leaves the idle wait to do it.
 */
struct net_watch {
	struct vm *vm;
	void *ctx; /* vm->ring_ctx: the mk_vm, or the shared macro-kernel's client */
	/* What to poll and lwIP's next timer (mk_vm_net_fds, client_net_fds). */
	int (*fds)(void *ctx, struct pollfd *out, int max, int *timeout_ms);
	int stop; /* eventfd: end the thread */
	pthread_t thread;
	bool running;
};

#define WATCH_FDS 4

static void *net_watch_main(void *arg)
{
	struct net_watch *w = arg;

	for (;;) {
		struct pollfd p[WATCH_FDS + 1];
		int timer = -1, n = w->fds(w->ctx, p, WATCH_FDS, &timer), rc;

		if (n < 0)
			return NULL;
		p[n] = (struct pollfd){ .fd = w->stop, .events = POLLIN };
		rc = poll(p, (nfds_t)n + 1, timer < 0 || timer > 1000 ? 1000 : timer + 1);
		if (rc < 0 && errno != EINTR)
			return NULL;
		if (p[n].revents)
			return NULL;
		if (w->vm->in_idle) {
			/* The idle wait pumps; let it drain what woke us. */
			usleep(1000);
			continue;
		}
		if (rc > 0 || timer >= 0) {
			struct pollfd a[2] = { { .fd = w->vm->kick_ack, .events = POLLIN },
				               { .fd = w->stop, .events = POLLIN } };
			uint64_t v;

			vm_kick(w->vm);
			/* Until the vCPU's thread has pumped (bounded: it may be in a
			 * long host call). */
			if (poll(a, 2, 100) > 0 && a[0].revents &&
			    read(w->vm->kick_ack, &v, sizeof(v)) < 0 && errno != EAGAIN)
				return NULL;
		}
	}
}

/* With a shared macro-kernel: its pump writes our notify eventfd. */
static int client_net_fds(void *ctx, struct pollfd *out, int max, int *timeout_ms)
{
	struct mk_client *cl = ctx;

	if (max < 1 || cl->notify < 0)
		return -1;
	out[0] = (struct pollfd){ .fd = cl->notify, .events = POLLIN };
	*timeout_ms = -1;
	return 1;
}

static int client_host_work(void *ctx)
{
	struct mk_client *cl = ctx;
	uint64_t v;

	return read(cl->notify, &v, sizeof(v)) == sizeof(v);
}

static void net_watch_start(struct net_watch *w, struct vm *vm, bool shared)
{
	w->vm = vm;
	w->ctx = vm->ring_ctx;
	w->fds = shared ? client_net_fds : mk_vm_net_fds;
	w->stop = eventfd(0, EFD_CLOEXEC);
	vm->kick_ack = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	vm->host_work = shared ? client_host_work : mk_vm_net_pump;
	if (w->stop < 0 || vm->kick_ack < 0 || vm_kick_setup(vm) < 0 ||
	    pthread_create(&w->thread, NULL, net_watch_main, w) != 0) {
		/* Without it a busy VM answers late, not wrongly: go on. */
		vm_error("network watcher: %s (a VM busy in ring 3 may answer late)",
		         strerror(errno));
		return;
	}
	w->running = true;
}

static void net_watch_stop(struct net_watch *w, struct vm *vm)
{
	if (w->running) {
		if (write(w->stop, &(uint64_t){ 1 }, sizeof(uint64_t)) < 0)
			vm_error("network watcher: %s", strerror(errno));
		pthread_join(w->thread, NULL);
		w->running = false;
	}
	if (w->stop > 0)
		close(w->stop);
	if (vm->kick_ack >= 0)
		close(vm->kick_ack);
	vm->kick_ack = -1;
	vm->host_work = NULL;
}

static int run(struct options *o)
{
	const void *kernel = NULL, *program = NULL, *helper = NULL;
	size_t kernel_size = 0, program_size = 0, helper_size = 0;
	char kpath[PATH_MAX], hpath[PATH_MAX], err[256], random[16];
	char **helper_argv = NULL;
	/* Process 1 is a server placed in the VM, or the launcher, which start the program. */
	bool fsd = o->mk.fs == MK_FS_GUEST, netd = o->mk.net == MK_NET_GUEST;
	bool launch = !fsd && !netd && (o->vm_program || o->workdir);
	char npath[PATH_MAX];
	const char *slash = strrchr(o->argv[0], '/');
	struct boot_config cfg;
	struct boot_entry entry;
	struct vm vm;
	struct blksw *sw = NULL;
	struct netsw *net = NULL;
	struct net_watch watch = { .stop = -1 };
	struct mk_vm *mk = NULL;
	struct mk_client client;
	bool fsgsbase;
	int rc, console = -1;

	mk_client_init(&client);
	memset(&vm, 0, sizeof(vm));
	vm.kick_ack = -1;
	vm.kvm_fd = vm.vm_fd = vm.vcpu_fd = vm.ram_fd = -1;
	vm.ram_memfd = o->macrokernel != NULL; /* the server maps guest RAM too */
	vm.out_fd = 1, vm.err_fd = 2, vm.log_fd = 2, vm.in_fd = 0;
	vm.strace_fd = 2;
	vm.timed_out = &timed_out;

	if (o->mk.net != MK_NET_NONE && !o->macrokernel) {
		rc = network_create(o, &net); /* first: its uplink starts meanwhile */
		if (rc)
			goto out;
	}
	rc = open_kernel(o, kpath, sizeof(kpath), &kernel, &kernel_size);
	if (rc)
		goto out;
	memset(&cfg, 0, sizeof(cfg));
	cfg.name = slash ? slash + 1 : o->argv[0];
	if (!o->vm_program) {
		rc = map_file("program", o->argv[0], &program, &program_size);
		if (rc)
			goto out;
	}
	if (netd) {
		/* Process 1 itself, or the program the fs server starts. */
		const void *data;
		size_t size;

		rc = open_helper(o, NETD_FILE, "network server for --net=guest", npath,
		                 sizeof(npath), &data, &size);
		if (rc)
			goto out;
		if (fsd) {
			munmap((void *)data, size);
			if (o->nprograms == PROGRAMS_MAX) {
				vm_error("too many programs (--program, --image) for --net=guest");
				rc = NANVIXD_EXIT_USAGE;
				goto out;
			}
			o->programs[o->nprograms].name = NETD_NAME;
			o->programs[o->nprograms].path = npath;
			o->nprograms++;
		} else {
			helper = data, helper_size = size;
			snprintf(hpath, sizeof(hpath), "%s", npath);
		}
	}
	if (fsd || netd || launch) {
		if (!helper)
			rc = open_helper(o, fsd ? "fsd.elf" : "launch.elf",
			                 fsd ? "fs server for --fs=guest" : "launcher", hpath,
			                 sizeof(hpath), &helper, &helper_size);
		if (rc)
			goto out;
		/* The VM execs a host program later: refuse a bad one now, and say why. */
		rc = program ? boot_check_program(program, program_size, o->stack, cfg.name, err,
		                                  sizeof(err))
		             : 0;
		if (rc) {
			program_error(o, err);
			goto out;
		}
	}
	if (o->default_tmp) {
		rc = add_default_tmp(o);
		if (rc)
			goto out;
	}
	rc = add_net_etc(o);
	if (rc)
		goto out;
	if (o->console_file) {
		console = open(o->console_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (console < 0) {
			vm_error("cannot open console file '%s': %s", o->console_file,
			         strerror(errno));
			rc = NANVIXD_EXIT_USAGE;
			goto out;
		}
		vm.out_fd = vm.err_fd = vm.log_fd = console;
	}
	rc = tty_setup(&vm, o->tty);
	if (rc)
		goto out;
	if (getrandom(random, sizeof(random), 0) != sizeof(random)) {
		vm_error("getrandom: %s", strerror(errno));
		rc = NANVIXD_EXIT_HOST;
		goto out;
	}

	rc = vm_create(&vm, o->mem);
	if (rc)
		goto out;
	cfg.kernel = kernel, cfg.kernel_size = kernel_size;
	cfg.program = program, cfg.program_size = program_size;
	cfg.argc = o->argc, cfg.argv = o->argv;
	cfg.envc = o->envc, cfg.envp = o->env;
	if (helper) {
		helper_argv = helper_args(o, cfg.name, &cfg.argc);
		if (!helper_argv) {
			vm_error("out of memory");
			rc = NANVIXD_EXIT_HOST;
			goto out;
		}
		cfg.argv = helper_argv;
		cfg.program = helper, cfg.program_size = helper_size;
	}
	cfg.stack_size = o->stack;
	/* execve can start a host program itself by its name, and any image given. */
	if (program && o->nprograms < PROGRAMS_MAX) {
		o->programs[o->nprograms].name = cfg.name;
		o->programs[o->nprograms].path = o->argv[0];
		o->nprograms++;
	}
	vm.programs = o->programs;
	vm.nprograms = o->nprograms;
	vm.stack_size = o->stack;
	memcpy(cfg.random, random, sizeof(random));
	cfg.fs = o->mk.fs != MK_FS_NONE;
	cfg.fs_guest = o->mk.fs == MK_FS_GUEST;
	cfg.net = o->mk.net != MK_NET_NONE;
	cfg.net_guest = netd;
	/* The fast file path needs the fs service in this process. */
	cfg.fastcall = o->mk.fs == MK_FS_HOST && !o->macrokernel && !o->no_fast;
	rc = boot_prepare(&vm.mem, &cfg, &entry, err, sizeof(err));
	if (rc == NANVIXD_EXIT_NOMEM) {
		uint64_t need = boot_min_memory(&cfg, MEM_MAX);

		if (need)
			vm_error("%s: it needs -m %llu (MiB) at least to start, more for what the "
			         "program allocates",
			         err, (unsigned long long)(need >> 20));
		else
			vm_error("%s; raise -m", err);
		goto out;
	}
	if (rc) {
		if (rc == NANVIXD_EXIT_BADELF && !helper)
			program_error(o, err);
		else
			vm_error("%s", err);
		goto out;
	}
	if (o->mk.fs != MK_FS_NONE || o->mk.net != MK_NET_NONE) {
		rc = o->macrokernel ? mk_client_attach(&client, &vm, o->macrokernel, &o->mk)
		                    : macrokernel_attach(&vm, o, &sw, &net, &mk);
		if (rc)
			goto out;
	}
	if (o->mk.net != MK_NET_NONE && vm.ring_ctx)
		net_watch_start(&watch, &vm, o->macrokernel != NULL);
	/* A shared macro-kernel's uplink publishes this VM's ports now. */
	for (size_t i = 0; o->macrokernel && i < o->net_policy.npubs; i++)
		if (mk_client_publish(&client, &o->net_policy.pubs[i]) < 0) {
			rc = NANVIXD_EXIT_HOST;
			goto out;
		}
	rc = vm_setup_cpu(&vm, entry.cr3, entry.rip, entry.rsp, entry.bootinfo, entry.lstar,
	                  &fsgsbase);
	if (rc)
		goto out;
	if (fsgsbase)
		entry.bi->flags |= NANVIX_BOOT_FSGSBASE;
	if (o->strace_file) {
		vm.strace_fd = open(o->strace_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (vm.strace_fd < 0) {
			vm_error("cannot open strace file '%s': %s", o->strace_file,
			         strerror(errno));
			rc = NANVIXD_EXIT_USAGE;
			goto out;
		}
	}
	if (o->strace) {
		entry.bi->flags |= NANVIX_BOOT_STRACE;
		vm.strace = true;
	}
	entry.bi->flags |= tty_boot_flags(&vm);
	if (seed_clock(&vm, entry.bi, entry.vvar) < 0) {
		vm_error("cannot read the guest TSC");
		rc = NANVIXD_EXIT_HOST;
		goto out;
	}
	timeout_run = vm.run;
	if (o->timeout > 0 && arm_timeout(o->timeout) < 0) {
		vm_error("cannot arm the timeout: %s", strerror(errno));
		rc = NANVIXD_EXIT_HOST;
		goto out;
	}
	vm.kstats_gpa = entry.kstats_gpa;
	vm.frames_gpa = entry.frames_gpa;
	if (hostsig_init(&vm, o->stop_timeout) < 0) {
		vm_error("cannot catch signals: %s", strerror(errno));
		rc = NANVIXD_EXIT_HOST;
		goto out;
	}
	vm.bootinfo = entry.bi;
	rc = vm_run(&vm);
	timeout_run = NULL;
	if (!vm.have_stats)
		live_stats(&vm);
	if (rc == NANVIXD_EXIT_TIMEOUT)
		vm_error("timeout: %s stopped after %g s", cfg.name, o->timeout);
	if (o->stats)
		fprintf(stderr,
		        "nanvixd: stats: exits=%llu traps=%llu syscalls=%llu enosys=%llu "
		        "frames_free=%llu frames_total=%llu fast_calls=%llu\n",
		        (unsigned long long)vm.nexits, (unsigned long long)vm.stats.traps,
		        (unsigned long long)vm.stats.syscalls, (unsigned long long)vm.stats.enosys,
		        (unsigned long long)vm.stats.frames_free,
		        (unsigned long long)vm.stats.frames_total,
		        (unsigned long long)vm.nfastcalls);
	if (o->stats && (mk || client.sock >= 0)) {
		struct mk_stats ms = { 0 };

		if (mk)
			mk_vm_stats(mk, &ms);
		if (mk || mk_client_stats(&client, &ms) == 0)
			fprintf(stderr,
			        "nanvixd: stats: ring kicks=%llu served=%llu malformed=%llu "
			        "fs_calls=%llu fs_errors=%llu blk_reads=%llu blk_writes=%llu "
			        "blk_flushes=%llu net_calls=%llu net_errors=%llu\n",
			        (unsigned long long)ms.kicks, (unsigned long long)ms.served,
			        (unsigned long long)ms.malformed, (unsigned long long)ms.fs_calls,
			        (unsigned long long)ms.fs_errors, (unsigned long long)ms.blk_reads,
			        (unsigned long long)ms.blk_writes,
			        (unsigned long long)ms.blk_flushes,
			        (unsigned long long)ms.net_calls,
			        (unsigned long long)ms.net_errors);
	}
out:
	tty_restore(&vm);
	hostsig_fini();
	net_watch_stop(&watch, &vm);
	mk_vm_detach(mk);
	netsw_free(net);
	/* Closing the connection detaches the VM from a shared macro-kernel. */
	mk_client_close(&client);
	if (sw)
		blksw_free(sw);
	vm_destroy(&vm);
	if (console >= 0)
		close(console);
	if (vm.strace_fd > 2)
		close(vm.strace_fd);
	if (kernel)
		munmap((void *)kernel, kernel_size);
	if (program)
		munmap((void *)program, program_size);
	if (helper)
		munmap((void *)helper, helper_size);
	free(helper_argv);
	/* Every way out of the VM passes here: the default /tmp goes with it. */
	tmpvol_remove(o->tmpdir);
	tmpvol_remove(o->etcdir);
	return rc;
}

/* The macro-kernel holds a host fd per volume handle (FS_HANDLES_MAX a VM): allow what we may. */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int main(int argc, char **argv)
{
	struct options o;
	int rc;

	memset(&o, 0, sizeof(o));
	rc = parse_options(argc, argv, &o);
	if (rc == 0) {
		/* A closed reader must give the guest EPIPE, not kill nanvixd. */
		signal(SIGPIPE, SIG_IGN);
		raise_fd_limit();
		rc = run(&o);
	}
	for (int i = 0; i < o.nenv_files; i++)
		free(o.env_files[i]);
	return rc;
}
