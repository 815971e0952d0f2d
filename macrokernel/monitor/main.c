/* nanvixd: run one static ELF program in a device-less KVM micro-VM. */
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <getopt.h>
#include <libgen.h>
#include <linux/kvm.h>
#include <limits.h>
#include <stdarg.h>
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
#include <monitor/instance.h>
#include <monitor/control.h>
#include <monitor/snapshot.h>
#include <monitor/tmpvol.h>
#include <monitor/tty.h>
#include <monitor/sandbox.h>
#include <monitor/spawner.h>
#include <monitor/vm.h>
#include <trust/trust.h>
#include <netsw/netsw.h>

#define NANVIXD_VERSION "0.1.0"
#define MEM_DEFAULT     (16ull << 20)
#define MEM_MAX         (64ull << 30)
#define ENV_MAX         256
#define PROGRAMS_MAX    256
#define ENV_FILES_MAX   16

extern char **environ;

/* The program's PATH unless one is given (docker's default). */
#define DEFAULT_PATH_VALUE "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define DEFAULT_PATH       "PATH=" DEFAULT_PATH_VALUE

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
        "  nanvixd --snapshot-out /tmp/snap -- ./server && nanvixd --restore /tmp/snap\n"
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
        "      --stack SIZE        user stack mapped at start (default 256K;\n"
        "                          suffixes as for -m, but a bare number is\n"
        "                          bytes; 16K..1G); the main stack grows on\n"
        "                          use to 8M (or SIZE if larger), as Linux's\n"
        "      --timeout SECONDS   kill the VM after this wall-clock time (may be\n"
        "                          fractional, e.g. 0.5)\n"
        "      --stop-timeout SECONDS\n"
        "                          SIGINT, SIGTERM and SIGHUP go to the program;\n"
        "                          if it has not exited this long after the first\n"
        "                          (default 10; 0: at once), or at a second signal\n"
        "                          of the same kind, the VM is killed (status\n"
        "                          128+signal).  SIGWINCH is forwarded too\n"
        "      --pids-limit N      at most N tasks (threads of all the VM's processes)\n"
        "                          at once; fork, vfork and clone fail with EAGAIN\n"
        "                          past it, as under a pids cgroup\n"
        "      --ulimit nofile=SOFT[:HARD], --ulimit cpu=SOFT[:HARD]\n"
        "                          the program's RLIMIT_NOFILE (open files; at most\n"
        "                          512) or RLIMIT_CPU (CPU seconds: SIGXCPU at SOFT\n"
        "                          and each second after, SIGKILL at HARD), inherited\n"
        "                          by its children; no process in the VM can raise\n"
        "                          HARD (EPERM)\n"
        "      --cpus F            a CPU quota: the VM's vCPU runs at most F x 100 ms\n"
        "                          in every 100 ms (0.01 to 1), as cgroup cpu.max\n"
        "      --disk-rate RATE    the disk's reads and writes together at most RATE\n"
        "                          bytes a second (K, M, G; a bare number is bytes)\n"
        "      --net-rate RATE     the VM sends at most RATE bytes a second onto the\n"
        "                          network (its sends wait past it)\n"
        "      --net-recv-rate RATE\n"
        "                          at most RATE bytes a second reach the VM from the\n"
        "                          network (delivery waits past it)\n"
        "      --net-sockets N     at most N inet sockets open in the VM at once;\n"
        "                          socket and accept fail with ENFILE past it\n"
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
        "                          the environment is otherwise empty but for\n"
        "                          PATH=" DEFAULT_PATH_VALUE "\n"
        "                          when no PATH is given)\n"
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
        "      --kernel PATH       microkernel image (default: kernel.elf in\n"
        "                          $NANVIX_GUEST_DIR, beside nanvixd, else\n"
        "                          ../lib/nanvix/kernel.elf from it)\n"
        "      --program NAME=PATH let execve start PATH as NAME or /bin/NAME\n"
        "                          (repeatable)\n"
        "      --image DIR         let execve start every file of DIR by its name\n"
        "                          (repeatable; the program itself always can)\n"
        "      --stats             print VM exit and guest trap counts, the\n"
        "                          macro-kernel's ring, fs and disk counters and W^X\n"
        "                          refusals at the end (also after --timeout or a guest\n"
        "                          error)\n"
        "      --stats-file PATH   write the same counters to PATH (made anew, 0600) at the\n"
        "                          end, for a program that runs nanvixd (nanvix-api)\n"
        "      --control-fd FD     serve requests on the socket FD (for a program that\n"
        "                          runs nanvixd, such as nanvix-api): \"snapshot DIR\"\n"
        "                          saves the running VM into DIR at its next idle\n"
        "                          wait and it goes on (docs/architecture.md,\n"
        "                          Snapshots; the VM must keep its state inside, as\n"
        "                          for --snapshot-out); \"stats\" answers --stats's\n"
        "                          counters as they are now.  nanvixd also sends\n"
        "                          \"event KIND MESSAGE\" lines, unasked, for its\n"
        "                          refusals (trust_refused, wx_load, egress_refused,\n"
        "                          seccomp_kill), to be audited\n"
        "      --strace            print each system call of the program, with\n"
        "                          arguments and result, to stderr (like strace -f)\n"
        "      --strace-file PATH  the same, written to PATH instead\n"
        "\n"
        "snapshots (docs/architecture.md, Snapshots; the program picks the point\n"
        "with an ioctl on /dev/nanvix-snapshot, see include/abi/snapshot.h):\n"
        "      --snapshot-out DIR  save the VM into DIR when the program asks for a\n"
        "                          snapshot, then exit 0 (without this option the\n"
        "                          program's request returns and it goes on).  The\n"
        "                          VM must keep all its state inside: --net=guest\n"
        "                          or --net=none (the default here), no --volume,\n"
        "                          --fs=host or --macrokernel, no default /tmp; a\n"
        "                          disk only as --disk IMAGE:ro --fs=guest (the\n"
        "                          image is named in the snapshot and must be\n"
        "                          there, unchanged, at --restore)\n"
        "      --restore DIR       run a VM restored from the snapshot in DIR instead\n"
        "                          of booting one (no PROGRAM: it is the snapshot's);\n"
        "                          memory, programs and environment are the\n"
        "                          snapshot's; -p publishes its ports again (with\n"
        "                          --net=guest, lwIP's state, listening sockets\n"
        "                          included, is in the snapshot).  A corrupt or\n"
        "                          truncated snapshot, or\n"
        "                          one taken by another nanvixd build, on another\n"
        "                          CPU or TSC rate, is refused (status 126)\n"
        "      --repeat N          with --restore: run N times, resetting the VM in\n"
        "                          place between runs (its pages dropped back to the\n"
        "                          snapshot's, registers rewritten); the status is\n"
        "                          the first non-zero one, else 0\n"
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
        "                          directory (in $NANVIXD_TMPDIR if set, else in\n"
        "                          /dev/shm, i.e. memory, where it exists, else\n"
        "                          $TMPDIR or /tmp), removed when nanvixd\n"
        "                          exits; not with a volume at / or /tmp, with\n"
        "                          --fs=guest or --macrokernel.  With --disk, /tmp is\n"
        "                          the disk's\n"
        "      --tmp-size SIZE     what the guest may store in that /tmp (a bare\n"
        "                          number is MiB; default: the VM's memory, -m; 0:\n"
        "                          no limit): past it, or past one name per 4 KiB\n"
        "                          of it, writes and creates fail with ENOSPC, as on\n"
        "                          a tmpfs mounted with size=\n"
        "      --fs=host|guest     where the file-system component runs: in the\n"
        "                          macro-kernel (host, the default), or in the VM\n"
        "                          as a server process (guest: needs --disk and\n"
        "                          fsd.elf beside kernel.elf; no --volume)\n"
        "      --no-fast-path      make every call trap into the guest kernel (by\n"
        "                          default nanvixd serves from ring 3 read, pread,\n"
        "                          fstat and lseek of disk files with --fs=host, and\n"
        "                          anonymous mmap, munmap and madvise always)\n"
        "      --seccomp=auto|on|off\n"
        "                          confine nanvixd to its system-call allowlist once\n"
        "                          the VM is built (any other call ends it with 119).\n"
        "                          A network's uplink, which starts at the first DNS\n"
        "                          query, is then started by a helper process forked\n"
        "                          at nanvixd's start.  auto (the default) and on are\n"
        "                          the same unless that helper cannot start: on then\n"
        "                          starts the uplink at boot, auto leaves the filter\n"
        "                          off; off never filters (for debugging)\n"
        "      --no-seccomp        the same as --seccomp=off\n"
        "      --trust POLICY      run only images the policy's keys signed (the\n"
        "                          program, each --image and the --disk image, each\n"
        "                          with FILE.sig beside it: nanvix sign), within what\n"
        "                          their keys' profiles allow (network, volumes,\n"
        "                          memory); see docs/trust.md.  A refusal exits 126\n"
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
        "  122 the VM failed           126 kernel or program not loadable, or\n"
        "  123 host-side error             refused by --trust\n"
        "  119 nanvixd made a system   127 kernel or program not found\n"
        "      call its seccomp allowlist forbids (a bug, or an attack: reported)\n";

enum { SECCOMP_AUTO, SECCOMP_ON, SECCOMP_OFF }; /* --seccomp */

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
	const char *stats_file; /* --stats-file */
	int control_fd;         /* --control-fd, or -1 */
	int strace;
	const char *strace_file;
	int no_fast;       /* --no-fast-path */
	const char *trust; /* --trust POLICY */
	int seccomp;       /* --seccomp: SECCOMP_AUTO (0), SECCOMP_ON, SECCOMP_OFF */

	double stop_timeout;              /* --stop-timeout */
	struct nanvix_boot_limits limits; /* --pids-limit, --ulimit */
	double cpus;                      /* --cpus */
	uint64_t net_rate;                /* --net-rate */
	uint64_t net_recv_rate;           /* --net-recv-rate */
	const char *allow_args[64];       /* --net-allow as written, for --trust */
	int nallow_args;
	enum tty_mode tty; /* -t, --no-tty */
	struct vm_program programs[PROGRAMS_MAX];
	int nprograms;
	struct mk_config mk;            /* --fs, --disk, --volume, --net */
	struct netsw_policy net_policy; /* -p and --net-allow */
	bool net_given;                 /* --net given explicitly */
	const char *macrokernel;        /* --macrokernel SOCKET, or NULL: embedded */
	const char *workdir;            /* -w DIR, or NULL: / */
	int in_vm;                      /* --in-vm */
	int no_tmp;                     /* --no-tmp */
	uint64_t tmp_size;              /* --tmp-size, bytes (0: no limit) */
	bool tmp_size_given;            /* --tmp-size given (else: the memory size) */
	bool user_fs;                   /* --disk, --volume or --macrokernel given */
	bool vm_program;                /* argv[0] is a file of the VM's file system */
	bool default_tmp;               /* mount a private host directory at /tmp */
	char **owned;                   /* strings made while parsing, freed at the end */
	int nowned;
	char **argv; /* program and its arguments */
	int argc;
	const char *snapshot_out; /* --snapshot-out DIR */
	const char *restore;      /* --restore DIR */
	long repeat;              /* --repeat N (1 without) */
	char boot_only[32];       /* the first option a snapshot fixes, for --restore */
};

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
/*
 * --ulimit NAME=SOFT[:HARD]: process 1's first limit, inherited and never
 * raised past HARD inside the VM.  nofile (open files, at most the
 * kernel's 512 a process) and cpu (CPU seconds: SIGXCPU at SOFT, SIGKILL
 * at HARD), as docker run --ulimit names them.
 */
static int parse_ulimit(struct options *o, const char *arg)
{
	unsigned long long soft, hard;
	char *end;
	const char *eq = strchr(arg, '=');
	bool nofile = eq && (size_t)(eq - arg) == 6 && !strncmp(arg, "nofile", 6);
	bool cpu = eq && (size_t)(eq - arg) == 3 && !strncmp(arg, "cpu", 3);

	if (!nofile && !cpu)
		return usage_error("invalid --ulimit '%s' (nofile=SOFT[:HARD] or cpu=SOFT[:HARD])",
		                   arg);
	errno = 0;
	soft = strtoull(eq + 1, &end, 10);
	hard = soft;
	if (!errno && end != eq + 1 && *end == ':') {
		const char *h = end + 1;

		hard = strtoull(h, &end, 10);
		if (end == h)
			errno = EINVAL;
	}
	if (errno || end == eq + 1 || *end || eq[1] == '-' || soft == 0 || soft > hard ||
	    hard > (nofile ? 512 : 1000000000))
		return usage_error(
		        "invalid --ulimit '%s' (SOFT >= 1, SOFT <= HARD; nofile at most 512)", arg);
	if (nofile) {
		o->limits.nofile_cur = soft;
		o->limits.nofile_max = hard;
	} else {
		o->limits.cpu_cur = soft;
		o->limits.cpu_max = hard;
	}
	return 0;
}

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

/* Keep `p` (malloc'd) until nanvixd exits; NULL when out of memory (p is freed). */
static char *own(struct options *o, char *p)
{
	char **n = realloc(o->owned, ((size_t)o->nowned + 1) * sizeof(*n));

	if (!n) {
		free(p);
		return NULL;
	}
	o->owned = n;
	o->owned[o->nowned++] = p;
	return p;
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
	struct dirent *e;
	DIR *d = opendir(dir);
	int rc = 0;

	if (!d) {
		vm_error("cannot open image directory '%s': %s", dir, strerror(errno));
		return NANVIXD_EXIT_NOTFOUND;
	}
	while (!rc && (e = readdir(d))) {
		struct stat st;
		char *path;

		if (e->d_name[0] == '.')
			continue;
		/* Each program keeps its own path for the VM's lifetime (o->owned). */
		if (asprintf(&path, "%s/%s", dir, e->d_name) < 0 || !own(o, path)) {
			rc = NANVIXD_EXIT_HOST;
			vm_error("out of memory");
			break;
		}
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

/* --net, -p and --net-allow together; 0 or a nanvixd status. */
static int net_options(struct options *o)
{
	if (!o->net_given)
		o->mk.net = MK_NET_HOST;
	if (o->macrokernel && (o->net_rate || o->net_recv_rate))
		return usage_error("%s",
		                   "--net-rate and --net-recv-rate shape a network of the VM's "
		                   "own: a shared macro-kernel's is its tenant's");
	if (o->macrokernel && o->net_policy.nrules)
		return usage_error("%s", "--net-allow belongs to the shared macro-kernel: its "
		                         "tenant's policy is its own (macrokernel --net-allow)");
	if (o->mk.net == MK_NET_NONE && netsw_policy_needs_uplink(&o->net_policy))
		return usage_error("%s", o->net_policy.npubs ? "-p needs a network (not --net=none)"
		                                             : "--net-allow needs a network (not "
		                                               "--net=none)");
	return 0;
}

/* A trust refusal: the reason on stderr, and the run ends with 126. */
static int trust_refused(const char *fmt, ...)
{
	char msg[1024], line[1100];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(line, sizeof(line), "nanvixd: trust: %s", msg);
	fprintf(stderr, "%s\n", line);
	control_event("trust_refused", line);
	return NANVIXD_EXIT_BADELF;
}

/* A rate the profile bounds (0: none): given when the run asks for none, refused above it. */
static int trust_rate(uint64_t *rate, uint64_t max, const char *what)
{
	if (max && !*rate)
		*rate = max;
	if (max && *rate > max)
		return trust_refused("the images' profile allows at most %llu bytes a second %s",
		                     (unsigned long long)max, what);
	return 0;
}

/*
 * The profile's limits: each the run does not ask for is given, one it
 * asks beyond is refused; its egress only to the destinations the profile
 * names (as written in --net-allow).
 */
static int trust_limits(struct options *o, const struct trust_profile *prof)
{
	if (prof->max_pids && !o->limits.tasks)
		o->limits.tasks = prof->max_pids;
	if (prof->max_pids && o->limits.tasks > prof->max_pids)
		return trust_refused("the images' profile allows at most %u tasks (--pids-limit)",
		                     prof->max_pids);
	if (prof->max_cpus > 0 && o->cpus == 0)
		o->cpus = prof->max_cpus;
	if (prof->max_cpus > 0 && o->cpus > prof->max_cpus)
		return trust_refused("the images' profile allows at most %g of a CPU (--cpus)",
		                     prof->max_cpus);
	if (trust_rate(&o->mk.disk_rate, prof->max_disk_rate, "of disk I/O (--disk-rate)") ||
	    trust_rate(&o->net_rate, prof->max_net_rate, "onto the network (--net-rate)") ||
	    trust_rate(&o->net_recv_rate, prof->max_net_recv_rate,
	               "from the network (--net-recv-rate)"))
		return NANVIXD_EXIT_BADELF;
	/* The default /tmp is host memory (/dev/shm): its size counts as memory. */
	if (o->tmp_size_given && prof->max_memory != UINT64_MAX &&
	    (!o->tmp_size || o->tmp_size > prof->max_memory))
		return trust_refused("the images' profile allows a /tmp of at most %llu MiB "
		                     "(--tmp-size)",
		                     (unsigned long long)(prof->max_memory >> 20));
	for (int i = 0; prof->nallow >= 0 && i < o->nallow_args; i++) {
		int j;

		for (j = 0; j < prof->nallow && strcmp(prof->allow[j], o->allow_args[i]); j++)
			;
		if (j == prof->nallow)
			return trust_refused("the images' profile does not allow --net-allow %s",
			                     o->allow_args[i]);
	}
	return 0;
}

/*
 * --trust POLICY (docs/trust.md): every image the VM starts from must be
 * signed by one of the policy's keys (or, if it allows, run unsigned with
 * its restricted profile), and the run gets no more than the narrowest
 * profile of the keys involved: the network, host volumes, memory.
 */
static int trust_options(struct options *o)
{
	static struct trust_policy policy;
	struct trust_profile prof = {
		.net = true, .volumes = true, .max_memory = UINT64_MAX, .nallow = -1
	};
	char err[1024], disk[PATH_MAX];
	const char *colon;
	int i;

	if (trust_policy_load(o->trust, &policy, err, sizeof(err)))
		return trust_refused("%s", err);
	if (o->vm_program && !o->mk.disk)
		return trust_refused("%s: a program on a volume cannot be checked; give a signed "
		                     "program file or a signed --disk",
		                     o->argv[0]);
	if (!o->vm_program && trust_check(&policy, o->argv[0], &prof, err, sizeof(err)) < 0)
		return trust_refused("%s", err);
	for (i = 0; i < o->nprograms; i++) {
		size_t n = strlen(o->programs[i].path);

		if (n > 4 && !strcmp(o->programs[i].path + n - 4, ".sig"))
			continue; /* a signature beside its image in an --image directory */
		if (trust_check(&policy, o->programs[i].path, &prof, err, sizeof(err)) < 0)
			return trust_refused("%s", err);
	}
	if (o->mk.disk) {
		snprintf(disk, sizeof(disk), "%s", o->mk.disk);
		colon = strrchr(disk, ':');
		if (colon && (!strcmp(colon, ":ro") || !strcmp(colon, ":cow")))
			disk[colon - disk] = '\0';
		if (trust_check(&policy, disk, &prof, err, sizeof(err)) < 0)
			return trust_refused("%s", err);
	}
	if (!prof.volumes && o->mk.nvolumes)
		return trust_refused("the images' profile allows no host volumes (-v)");
	if (o->mem > prof.max_memory)
		return trust_refused("the images' profile allows at most %llu MiB of memory (-m)",
		                     (unsigned long long)(prof.max_memory >> 20));
	if (!prof.net && o->mk.net != MK_NET_NONE) {
		if (o->net_given || o->net_policy.npubs || o->net_policy.nrules)
			return trust_refused("the images' profile allows no network (--net, -p, "
			                     "--net-allow)");
		o->mk.net = MK_NET_NONE; /* the default network, taken away */
	}
	return trust_limits(o, &prof);
}

/* "-m" or "--stack": how the user wrote option `c`, for messages. */
static void option_name(const struct option *longopts, int c, char *buf, size_t len)
{
	for (; longopts->name; longopts++)
		if (longopts->val == c) {
			if (c < 256)
				snprintf(buf, len, "-%c", c);
			else
				snprintf(buf, len, "--%s", longopts->name);
			return;
		}
	snprintf(buf, len, "-%c", c);
}

static int parse_options(int argc, char **argv, struct options *o)
{
	enum {
		OPT_TIMEOUT = 256,
		OPT_CONSOLE,
		OPT_KERNEL,
		OPT_VERSION,
		OPT_STATS,
		OPT_STATS_FILE,
		OPT_CONTROL_FD,
		OPT_STACK,
		OPT_STRACE,
		OPT_STRACE_FILE,
		OPT_PROGRAM,
		OPT_IMAGE,
		OPT_FS,
		OPT_DISK,
		OPT_MACROKERNEL,
		OPT_NO_FAST,
		OPT_TRUST,
		OPT_NO_SECCOMP,
		OPT_SECCOMP,
		OPT_ENV_FILE,
		OPT_STOP_TIMEOUT,
		OPT_PIDS_LIMIT,
		OPT_ULIMIT,
		OPT_CPUS,
		OPT_DISK_RATE,
		OPT_NET_RATE,
		OPT_NET_RECV_RATE,
		OPT_NET_SOCKETS,
		OPT_NO_TTY,
		OPT_IN_VM,
		OPT_NO_TMP,
		OPT_TMP_SIZE,
		OPT_NET,
		OPT_NET_ALLOW,
		OPT_SNAPSHOT_OUT,
		OPT_RESTORE,
		OPT_REPEAT,
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
		{ "stats-file", required_argument, NULL, OPT_STATS_FILE },
		{ "control-fd", required_argument, NULL, OPT_CONTROL_FD },
		{ "strace", no_argument, NULL, OPT_STRACE },
		{ "strace-file", required_argument, NULL, OPT_STRACE_FILE },
		{ "program", required_argument, NULL, OPT_PROGRAM },
		{ "image", required_argument, NULL, OPT_IMAGE },
		{ "fs", required_argument, NULL, OPT_FS },
		{ "disk", required_argument, NULL, OPT_DISK },
		{ "volume", required_argument, NULL, 'v' },
		{ "macrokernel", required_argument, NULL, OPT_MACROKERNEL },
		{ "no-fast-path", no_argument, NULL, OPT_NO_FAST },
		{ "trust", required_argument, NULL, OPT_TRUST },
		{ "no-seccomp", no_argument, NULL, OPT_NO_SECCOMP },
		{ "seccomp", required_argument, NULL, OPT_SECCOMP },
		{ "stop-timeout", required_argument, NULL, OPT_STOP_TIMEOUT },
		{ "pids-limit", required_argument, NULL, OPT_PIDS_LIMIT },
		{ "ulimit", required_argument, NULL, OPT_ULIMIT },
		{ "cpus", required_argument, NULL, OPT_CPUS },
		{ "disk-rate", required_argument, NULL, OPT_DISK_RATE },
		{ "net-rate", required_argument, NULL, OPT_NET_RATE },
		{ "net-recv-rate", required_argument, NULL, OPT_NET_RECV_RATE },
		{ "net-sockets", required_argument, NULL, OPT_NET_SOCKETS },
		{ "tty", no_argument, NULL, 't' },
		{ "no-tty", no_argument, NULL, OPT_NO_TTY },
		{ "interactive", no_argument, NULL, 'i' },
		{ "workdir", required_argument, NULL, 'w' },
		{ "in-vm", no_argument, NULL, OPT_IN_VM },
		{ "no-tmp", no_argument, NULL, OPT_NO_TMP },
		{ "tmp-size", required_argument, NULL, OPT_TMP_SIZE },
		{ "net", required_argument, NULL, OPT_NET },
		{ "publish", required_argument, NULL, 'p' },
		{ "net-allow", required_argument, NULL, OPT_NET_ALLOW },
		{ "snapshot-out", required_argument, NULL, OPT_SNAPSHOT_OUT },
		{ "restore", required_argument, NULL, OPT_RESTORE },
		{ "repeat", required_argument, NULL, OPT_REPEAT },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	/* The options a snapshot fixes (--restore refuses them). */
	static const int boot_only[] = { 'm',
		                         OPT_PIDS_LIMIT,
		                         OPT_ULIMIT,
		                         OPT_NET_SOCKETS,
		                         'e',
		                         'v',
		                         'w',
		                         OPT_STACK,
		                         OPT_ENV_FILE,
		                         OPT_PROGRAM,
		                         OPT_IMAGE,
		                         OPT_FS,
		                         OPT_DISK,
		                         OPT_MACROKERNEL,
		                         OPT_IN_VM,
		                         OPT_STRACE,
		                         OPT_STRACE_FILE,
		                         OPT_KERNEL,
		                         OPT_SNAPSHOT_OUT,
		                         OPT_NO_FAST,
		                         OPT_TRUST,
		                         OPT_NET,
		                         OPT_NO_TMP,
		                         OPT_TMP_SIZE };
	bool user_fs;
	int c;

	o->mem = MEM_DEFAULT;
	o->mk.notify_fd = -1;
	netsw_policy_init(&o->net_policy);
	o->stack = BOOT_STACK_SIZE_DEFAULT;
	o->stop_timeout = HOSTSIG_STOP_TIMEOUT_DEFAULT;
	opterr = 0;
	o->repeat = 1;
	while ((c = getopt_long(argc, argv, "+m:e:v:w:p:hit", longopts, NULL)) != -1) {
		unsigned long lv;
		char *end;

		/* What a snapshot fixes: refused with --restore. */
		for (size_t i = 0; !o->boot_only[0] && i < sizeof(boot_only) / sizeof(boot_only[0]);
		     i++)
			if (c == boot_only[i])
				option_name(longopts, c, o->boot_only, sizeof(o->boot_only));
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
		case OPT_PIDS_LIMIT:
			errno = 0;
			lv = strtoul(optarg, &end, 10);
			if (errno || end == optarg || *end || optarg[0] == '-' || lv < 1 ||
			    lv > 1000000)
				return usage_error("invalid --pids-limit '%s' (1 to 1000000 tasks)",
				                   optarg);
			o->limits.tasks = (uint32_t)lv;
			break;
		case OPT_ULIMIT:
			c = parse_ulimit(o, optarg);
			if (c)
				return c;
			break;
		case OPT_CPUS:
			errno = 0;
			o->cpus = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(o->cpus >= 0.01) || o->cpus > 1)
				return usage_error(
				        "invalid --cpus '%s' (0.01 to 1: the VM has one vCPU)",
				        optarg);
			break;
		case OPT_DISK_RATE:
		case OPT_NET_RATE:
		case OPT_NET_RECV_RATE: {
			uint64_t *to = c == OPT_DISK_RATE  ? &o->mk.disk_rate
			               : c == OPT_NET_RATE ? &o->net_rate
			                                   : &o->net_recv_rate;
			const char *why = parse_size(optarg, 1, to);

			if (!why && (*to < 4096 || *to > (1ull << 40)))
				why = "outside 4K..1T";
			if (why)
				return usage_error_size(
				        c == OPT_DISK_RATE ? "disk rate" : "network rate", optarg,
				        why, "bytes a second, e.g. 10M (a bare number is bytes)");
			break;
		}
		case OPT_NET_SOCKETS:
			errno = 0;
			lv = strtoul(optarg, &end, 10);
			if (errno || end == optarg || *end || optarg[0] == '-' || lv < 1 ||
			    lv > 1023)
				return usage_error("invalid --net-sockets '%s' (1 to 1023)",
				                   optarg);
			o->limits.sockets = (uint32_t)lv;
			break;
		case 't': o->tty = TTY_FORCE; break;
		case OPT_NO_TTY: o->tty = TTY_NONE; break;
		case 'i': break; /* stdin is always attached */
		case OPT_CONSOLE: o->console_file = optarg; break;
		case OPT_KERNEL: o->kernel = optarg; break;
		case OPT_STATS: o->stats = 1; break;
		case OPT_STATS_FILE: o->stats_file = optarg; break;
		case OPT_CONTROL_FD: {
			struct stat st;
			char *rest;
			long fd = strtol(optarg, &rest, 10);

			if (*optarg == '\0' || *rest || fd < 3 || fd > INT_MAX ||
			    fstat((int)fd, &st) < 0 || !S_ISSOCK(st.st_mode))
				return usage_error(
				        "--control-fd %s: not an open socket (3 or above)", optarg);
			o->control_fd = (int)fd;
			/* Its events from now on: a refusal of --trust is one. */
			control_events_to(o->control_fd);
			sandbox_set_event_fd(o->control_fd);
			break;
		}
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
		case OPT_TRUST: o->trust = optarg; break;
		case OPT_NO_SECCOMP: o->seccomp = SECCOMP_OFF; break;
		case OPT_SECCOMP:
			if (!strcmp(optarg, "auto"))
				o->seccomp = SECCOMP_AUTO;
			else if (!strcmp(optarg, "on"))
				o->seccomp = SECCOMP_ON;
			else if (!strcmp(optarg, "off"))
				o->seccomp = SECCOMP_OFF;
			else
				return usage_error("--seccomp is auto, on or off, not '%s'",
				                   optarg);
			break;
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
		case OPT_TMP_SIZE: {
			const char *why = strcmp(optarg, "0")
			                          ? parse_size(optarg, 1ull << 20, &o->tmp_size)
			                          : (o->tmp_size = 0, NULL);

			if (!why && o->tmp_size > (1ull << 40))
				why = "too large";
			else if (!why && o->tmp_size && o->tmp_size < (64u << 10))
				why = "too small";
			if (why)
				return usage_error_size("/tmp", optarg, why,
				                        "e.g. --tmp-size 64M or 1G (a bare number "
				                        "is MiB), 64K..1T, "
				                        "or 0 for no limit");
			o->tmp_size_given = true;
			break;
		}
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
			if (c != 'p' && o->nallow_args < 64)
				o->allow_args[o->nallow_args++] = optarg;
			break;
		}
		case OPT_SNAPSHOT_OUT: o->snapshot_out = optarg; break;
		case OPT_RESTORE: o->restore = optarg; break;
		case OPT_REPEAT:
			errno = 0;
			o->repeat = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || o->repeat < 1 || o->repeat > 1000000)
				return usage_error("invalid --repeat '%s' (1 to 1000000)", optarg);
			break;
		case 'h': fputs(usage_text, stdout); exit(0);
		case OPT_VERSION:
			printf("nanvixd %s (boot ABI %d)\n", NANVIXD_VERSION, NANVIX_ABI_VERSION);
			exit(0);
		default: return usage_error("unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (o->restore) {
		if (o->boot_only[0])
			return usage_error(
			        "%s cannot go with --restore: the snapshot fixes the VM's "
			        "program, memory, environment, file system and network",
			        o->boot_only);
		if (optind < argc)
			return usage_error(
			        "--restore runs the snapshot's program: no PROGRAM ('%s')",
			        argv[optind]);
		return 0;
	}
	if (o->repeat != 1)
		return usage_error("%s",
		                   "--repeat needs --restore (it resets a restored VM in place)");
	if (o->snapshot_out) {
		size_t dl = o->mk.disk ? strlen(o->mk.disk) : 0;

		if (o->mk.nvolumes || o->macrokernel || o->mk.fs == MK_FS_HOST ||
		    (o->mk.disk && o->mk.fs != MK_FS_GUEST))
			return usage_error(
			        "%s", "--snapshot-out cannot keep a host file system's state: no "
			              "--volume, --fs=host or --macrokernel (a disk needs "
			              "--disk IMAGE:ro --fs=guest)");
		if (o->mk.disk && (dl < 4 || strcmp(o->mk.disk + dl - 3, ":ro") != 0))
			return usage_error("%s",
			                   "--snapshot-out keeps a disk only read-only: --disk "
			                   "IMAGE:ro --fs=guest");
		if (o->net_given && o->mk.net == MK_NET_HOST)
			return usage_error("%s",
			                   "--snapshot-out needs --net=guest or --net=none (the "
			                   "host placement keeps the VM's sockets in nanvixd)");
		o->net_given = true; /* none, unless --net=guest */
		o->no_tmp = 1;
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
	                 !instance_volume_covers(&o->mk, "/tmp");
	if (o->tmp_size_given && !o->default_tmp)
		return usage_error("%s",
		                   "--tmp-size sizes nanvixd's own /tmp, which this VM does not "
		                   "have (--no-tmp, --disk, --fs=guest, --macrokernel, "
		                   "--snapshot-out or a volume at / or /tmp)");
	if (!o->tmp_size_given)
		o->tmp_size = o->mem; /* as much as it has memory: its host RAM at most doubles */
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
	/* Docker's default search path when none was given, so that a shell
	 * finds /bin/sh and friends on a disk or volume. */
	for (c = 0; c < o->envc && strncmp(o->env[c], "PATH=", 5); c++)
		;
	if (c == o->envc && o->envc < ENV_MAX)
		o->env[o->envc++] = (char *)DEFAULT_PATH;
	return o->trust ? trust_options(o) : 0;
}

/* The instance's configuration: the options as data. */
static void instance_config_from(const struct options *o, struct instance_config *c)
{
	memset(c, 0, sizeof(*c));
	c->mem = o->mem;
	c->stack = o->stack;
	c->timeout = o->timeout;
	c->limits = o->limits;
	c->cpus = o->cpus;
	c->net_rate = o->net_rate;
	c->net_recv_rate = o->net_recv_rate;
	c->kernel = o->kernel;
	c->console_file = o->console_file;
	c->argv = o->argv;
	c->argc = o->argc;
	c->env = (char **)o->env;
	c->envc = o->envc;
	c->vm_program = o->vm_program;
	c->workdir = o->workdir;
	c->user_fs = o->user_fs;
	c->default_tmp = o->default_tmp;
	c->tmp_size = o->tmp_size;
	c->strace = o->strace;
	c->strace_file = o->strace_file;
	c->no_fast = o->no_fast;
	c->tty = o->tty;
	c->programs = o->programs;
	c->nprograms = o->nprograms;
	c->mk = o->mk;
	c->net_policy = &o->net_policy;
	c->macrokernel = o->macrokernel;
	c->snapshot_out = o->snapshot_out;
	c->console_fd = -1;
}

/* --stats: the VM's and the macro-kernel's counters, on stderr (or f: --stats-file). */
static void print_stats(struct instance *in, const struct nanvix_kstats *k, bool live, FILE *f)
{
	struct vm *vm = instance_vm(in);
	struct mk_stats ms;

	fprintf(f,
	        "nanvixd: stats: exits=%llu traps=%llu syscalls=%llu enosys=%llu "
	        "frames_free=%llu frames_total=%llu fast_calls=%llu throttled=%llu\n",
	        (unsigned long long)vm->nexits, (unsigned long long)k->traps,
	        (unsigned long long)k->syscalls, (unsigned long long)k->enosys,
	        (unsigned long long)k->frames_free, (unsigned long long)k->frames_total,
	        (unsigned long long)vm->nfastcalls, (unsigned long long)vm->nthrottled);
	if (instance_mk_stats(in, &ms, live) == 0) {
		fprintf(f,
		        "nanvixd: stats: ring kicks=%llu served=%llu malformed=%llu "
		        "fs_calls=%llu fs_errors=%llu blk_reads=%llu blk_writes=%llu "
		        "blk_flushes=%llu net_calls=%llu net_errors=%llu\n",
		        (unsigned long long)ms.kicks, (unsigned long long)ms.served,
		        (unsigned long long)ms.malformed, (unsigned long long)ms.fs_calls,
		        (unsigned long long)ms.fs_errors, (unsigned long long)ms.blk_reads,
		        (unsigned long long)ms.blk_writes, (unsigned long long)ms.blk_flushes,
		        (unsigned long long)ms.net_calls, (unsigned long long)ms.net_errors);
		/* The default /tmp's size limit (--tmp-size): what it holds, and the limit. */
		if (ms.tmp_max)
			fprintf(f, "nanvixd: stats: tmp_bytes=%llu tmp_max=%llu\n",
			        (unsigned long long)ms.tmp_bytes, (unsigned long long)ms.tmp_max);
	}
	/* W^X refusals (docs/security.md): the kernel's mmap and mprotect ones, the host's. */
	fprintf(f,
	        "nanvixd: stats: wx_refused=%llu wx_mmap=%llu wx_mprotect=%llu wx_exec=%llu "
	        "wx_hypercall=%llu\n",
	        (unsigned long long)(k->wx_mmap + k->wx_mprotect + vm->wx_exec + vm->wx_hypercall),
	        (unsigned long long)k->wx_mmap, (unsigned long long)k->wx_mprotect,
	        (unsigned long long)vm->wx_exec, (unsigned long long)vm->wx_hypercall);
}

/* The control channel's "stats": the same counters while the VM runs. */
static void print_live_stats(struct instance *in, FILE *f)
{
	struct nanvix_kstats k;

	instance_kstats_now(in, &k);
	print_stats(in, &k, true, f);
}

/* --restore DIR: open and check the snapshot once, then restore from it. */
static int restore(const struct options *o, struct instance_config *cfg, struct snap_image **img,
                   struct instance **in)
{
	char err[1024];

	if (snapshot_open(img, o->restore, err, sizeof(err)) < 0) {
		vm_error("%s", err);
		return errno == ENOENT && access(o->restore, F_OK) < 0 ? NANVIXD_EXIT_NOTFOUND
		                                                       : NANVIXD_EXIT_BADELF;
	}
	if (!(snapshot_flags(*img) & SNAP_NET_GUEST) && netsw_policy_needs_uplink(&o->net_policy))
		return usage_error("%s", "-p and --net-allow need a network: this snapshot's VM "
		                         "has none (take it with --net=guest)");
	return instance_restore(in, cfg, *img);
}

/* nanvixd -- app: one instance, its host signals forwarded, run to its end. */
/*
 * Whether to confine nanvixd (docs/security.md): always with --seccomp=on,
 * which starts a network's uplink now, since a filtered nanvixd cannot
 * start processes; by default, unless the uplink is still to start
 * lazily (at the VM's first DNS query).
 */
static bool seccomp_wanted(const struct options *o, struct instance *in)
{
	if (o->seccomp == SECCOMP_OFF)
		return false;
	if (o->seccomp == SECCOMP_ON && !spawner_running())
		instance_uplink_start(in);
	return !instance_uplink_pending(in) || spawner_running();
}

/*
 * Whether the uplink may have to start after the filter is on: a network
 * of nanvixd's own, no -p or --net-allow (which start it at boot), the
 * filter wanted.  The spawner is then forked now, before the VM exists.
 */
static bool spawner_wanted(const struct options *o)
{
	return o->seccomp != SECCOMP_OFF && o->mk.net != MK_NET_NONE && !o->macrokernel &&
	       !netsw_policy_needs_uplink(&o->net_policy);
}

static int run(const struct options *o)
{
	struct instance_config cfg;
	struct snap_image *img = NULL;
	struct instance *in;
	FILE *stats_file = NULL;
	char err[256];
	int rc, fd;

	/* Opened now: the seccomp filter comes before the end. */
	if (o->stats_file) {
		fd = open(o->stats_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
		          0600);
		if (fd < 0 || !(stats_file = fdopen(fd, "w"))) {
			vm_error("--stats-file %s: %s", o->stats_file, strerror(errno));
			if (fd >= 0)
				close(fd);
			return NANVIXD_EXIT_USAGE;
		}
	}
	instance_config_from(o, &cfg);
	if (spawner_wanted(o)) {
		if ((rc = spawner_start()) < 0)
			vm_error(
			        "cannot start the spawner (%s): the network's uplink will start at "
			        "boot",
			        strerror(-rc));
		else
			cfg.uplink_spawn = spawner_spawn;
	}
	rc = o->restore ? restore(o, &cfg, &img, &in) : instance_create(&in, &cfg);
	if (rc) {
		spawner_stop();
		snapshot_close(img);
		if (stats_file)
			fclose(stats_file);
		return rc;
	}
	if (hostsig_init(instance_vm(in), o->stop_timeout) < 0) {
		vm_error("cannot catch signals: %s", strerror(errno));
		rc = NANVIXD_EXIT_HOST;
	} else if (o->control_fd >= 0 &&
	           (rc = control_start(o->control_fd, in, print_live_stats)) < 0) {
		vm_error("--control-fd: cannot start its thread: %s", strerror(-rc));
		rc = NANVIXD_EXIT_HOST;
	} else if (seccomp_wanted(o, in) && sandbox_install(err, sizeof(err)) < 0) {
		vm_error("%s (--seccomp=off runs without it)", err);
		rc = NANVIXD_EXIT_HOST;
	} else {
		int first = 0;

		for (long i = 0; i < o->repeat; i++) {
			/* Nothing here pauses it; a VM_PAUSED would only be resumed. */
			while ((rc = instance_run(in)) == VM_PAUSED)
				;
			if (rc == NANVIXD_EXIT_TIMEOUT)
				vm_error("timeout: %s stopped after %g s", instance_name(in),
				         o->timeout);
			if (o->stats)
				print_stats(in, &instance_vm(in)->stats, false, stderr);
			if (stats_file) {
				print_stats(in, &instance_vm(in)->stats, false, stats_file);
				fflush(stats_file);
			}
			if (rc && !first)
				first = rc;
			if (i + 1 < o->repeat && (rc = instance_reset(in)) != 0) {
				first = first ? first : rc;
				break;
			}
		}
		rc = first;
		if (instance_snapshot_saved(in))
			fprintf(stderr, "nanvixd: snapshot of %s saved in %s\n", instance_name(in),
			        o->snapshot_out);
	}
	control_stop();
	hostsig_fini();
	instance_destroy(in);
	spawner_stop();
	snapshot_close(img);
	if (stats_file)
		fclose(stats_file);
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

/*
 * Close every fd from 3 up but a --control-fd's (looked for before the
 * options are parsed, up to "--"; parse_options checks it).
 */
static void close_inherited(int argc, char **argv)
{
	long keep = -1;

	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		const char *v = NULL;

		if (strcmp(argv[i], "--control-fd") == 0 && i + 1 < argc)
			v = argv[i + 1];
		else if (strncmp(argv[i], "--control-fd=", 13) == 0)
			v = argv[i] + 13;
		if (v) {
			char *end;
			long fd = strtol(v, &end, 10);

			keep = *v && !*end && fd >= 3 && fd < INT_MAX ? fd : -1;
		}
	}
	if (keep < 0) {
		close_range(3, ~0u, 0);
		return;
	}
	if (keep > 3)
		close_range(3, (unsigned)keep - 1, 0);
	close_range((unsigned)keep + 1, ~0u, 0);
}

int main(int argc, char **argv)
{
	struct options o;
	int rc;

	/* Nothing inherited but stdin, stdout, stderr and a --control-fd (docs/security.md). */
	close_inherited(argc, argv);
	memset(&o, 0, sizeof(o));
	o.control_fd = -1;
	rc = parse_options(argc, argv, &o);
	if (rc == 0) {
		/* A closed reader must give the guest EPIPE, not kill nanvixd. */
		signal(SIGPIPE, SIG_IGN);
		raise_fd_limit();
		rc = run(&o);
	}
	for (int i = 0; i < o.nenv_files; i++)
		free(o.env_files[i]);
	for (int i = 0; i < o.nowned; i++)
		free(o.owned[i]);
	free(o.owned);
	return rc;
}
