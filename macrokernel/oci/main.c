/*
 * nanvix-runc: an OCI runtime with runc's command line, so that containerd's
 * io.containerd.runc.v2 shim (or the CRI, through it) runs containers as
 * Nanvix micro-VMs.  docs/kubernetes.md is the user's guide.
 *
 * A container is one nanvixd process: the bundle's rootfs is the VM's /
 * (nanvixd -v ROOTFS:/ --in-vm), process.args[0] a static ELF program of it,
 * bind mounts more volumes, the memory limit the VM's RAM.  The VM boundary
 * replaces the namespaces, cgroups, capabilities and seccomp filter runc
 * would set up, so those fields are accepted and ignored; fields that cannot
 * be honoured (devices, hooks, ID mappings, dynamically linked programs...)
 * make create fail with the reason, which the shim shows to the user.
 *
 * runc splits a container's birth in two, and so does this: create forks
 * the container's process, which joins the network namespace (the uplink's
 * host sockets are then opened there), says it is ready, and blocks opening
 * ROOT/ID/exec.fifo for writing; its pid goes to --pid-file, and create
 * exits, leaving it to the shim (a subreaper) to reap.  start opens the fifo
 * for reading, which lets it go on: it writes one byte and execs nanvixd
 * with the command line create built, so the pid the shim waits for is
 * nanvixd and the status it reaps is the guest's.  The fifo is
 * close-on-exec: start sees EOF once the exec has happened, or the reason it
 * failed before EOF.  The stdio create was given (the shim's pipes, or a
 * terminal whose master went to --console-socket) is the container's.
 *
 * The status needs no daemon: created while the fifo exists, running while
 * the recorded pid lives with the recorded start time, else stopped.
 * ROOT/ID/state.json is written once, atomically, by create.
 *
 * A CRI pod sandbox (annotation io.kubernetes.cri.container-type=sandbox)
 * runs no VM: its process is a placeholder that holds the pod's network
 * namespace and waits for SIGTERM, as the pause program it replaces does.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <dirent.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "container.h"
#include "log.h"
#include "proc.h"
#include "spec.h"
#include "state.h"

#define OCI_RUNC_VERSION "0.1.0"
#define OCI_SPEC_VERSION "1.0.2-dev"
#ifndef OCI_COMMIT
#define OCI_COMMIT "unknown"
#endif
#define KILL_WAIT_MS 5000 /* delete --force waits this long for a killed process */

static const char usage_text[] =
        "usage: nanvix-runc [GLOBAL OPTIONS] COMMAND [OPTIONS] [ID]\n"
        "\n"
        "An OCI runtime with runc's command line: each container is a Nanvix\n"
        "micro-VM (a nanvixd process) running a static x86-64 ELF program of the\n"
        "bundle's rootfs.  containerd drives it in place of runc (docs/kubernetes.md):\n"
        "  ctr run --runc-binary /usr/local/bin/nanvix-runc --rootfs DIR ID /prog\n"
        "\n"
        "commands:\n"
        "  create --bundle DIR [--pid-file FILE] [--console-socket SOCK] ID\n"
        "                      prepare the container: its process waits for start\n"
        "  start ID            run the container's program\n"
        "  state ID            print the container's state (JSON)\n"
        "  kill [--all] ID [SIGNAL]\n"
        "                      signal the container's process (default SIGTERM;\n"
        "                      nanvixd forwards SIGTERM, SIGINT, SIGHUP, SIGWINCH)\n"
        "  delete [--force] ID remove a stopped container (--force: kill it first;\n"
        "                      a missing container is then no error)\n"
        "  ps [--format table|json] ID\n"
        "                      the container's host processes (nanvixd, its uplink)\n"
        "  list [--format table|json] [--quiet]\n"
        "  features            what this runtime supports (JSON)\n"
        "  exec, run, pause, resume, update, checkpoint, restore, events, spec:\n"
        "                      not supported\n"
        "\n"
        "global options:\n"
        "  --root DIR          state directory (default " OCI_ROOT_DEFAULT ")\n"
        "  --log FILE          append errors (and --debug messages) to FILE\n"
        "  --log-format text|json\n"
        "                      the log's format (default text)\n"
        "  --debug             log debug messages (nanvixd's command line)\n"
        "  --systemd-cgroup, --rootless VALUE, --criu PATH\n"
        "                      accepted and ignored (no cgroups are made)\n"
        "  -v, --version       print the version\n"
        "  -h, --help          show this help\n"
        "\n"
        "exit status: 0, or 1 with the reason on stderr and in the log\n";

struct global {
	const char *root;
	const char *log;
	int json;
	int debug;
};

static int usage_error(const char *fmt, const char *arg)
{
	char msg[512];

	snprintf(msg, sizeof(msg), fmt, arg);
	oci_error("%s", msg);
	return 1;
}

/* "--name=value" or "--name value" (one or two dashes, as runc takes them). */
static int global_value(int argc, char **argv, int *i, const char *name, const char **out)
{
	const char *a = argv[*i] + (argv[*i][1] == '-' ? 2 : 1);
	size_t n = strlen(name);

	if (strncmp(a, name, n) != 0)
		return 0;
	if (a[n] == '=') {
		*out = a + n + 1;
		return 1;
	}
	if (a[n] != '\0')
		return 0;
	if (*i + 1 >= argc)
		return -1;
	*out = argv[++*i];
	return 1;
}

static int is_flag(const char *arg, const char *name)
{
	const char *a = arg + (arg[1] == '-' ? 2 : 1);

	return strcmp(a, name) == 0;
}

/* The global options before COMMAND; returns COMMAND's index, or -1 (error logged). */
static int parse_global(int argc, char **argv, struct global *g)
{
	int i;

	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
		const char *v = NULL, *fmt = NULL, *ignored = NULL;
		int r;

		if (strcmp(argv[i], "--") == 0)
			return i + 1;
		if ((r = global_value(argc, argv, &i, "root", &v)) != 0)
			g->root = v;
		else if ((r = global_value(argc, argv, &i, "log", &v)) != 0)
			g->log = v;
		else if ((r = global_value(argc, argv, &i, "log-format", &fmt)) != 0)
			v = fmt;
		else if ((r = global_value(argc, argv, &i, "rootless", &ignored)) != 0 ||
		         (r = global_value(argc, argv, &i, "criu", &ignored)) != 0)
			v = ignored;
		else if (is_flag(argv[i], "debug"))
			g->debug = 1;
		else if (is_flag(argv[i], "systemd-cgroup"))
			continue;
		else if (is_flag(argv[i], "version") || is_flag(argv[i], "v")) {
			printf("nanvix-runc version %s\ncommit: %s\nspec: %s\n", OCI_RUNC_VERSION,
			       OCI_COMMIT, OCI_SPEC_VERSION);
			exit(0);
		} else if (is_flag(argv[i], "help") || is_flag(argv[i], "h")) {
			fputs(usage_text, stdout);
			exit(0);
		} else {
			usage_error("unknown global option %s (see nanvix-runc --help)", argv[i]);
			return -1;
		}
		if (r < 0) {
			usage_error("global option %s needs a value", argv[i]);
			return -1;
		}
		if (fmt != NULL) {
			if (strcmp(fmt, "json") != 0 && strcmp(fmt, "text") != 0) {
				usage_error("unknown log format %s (text or json)", fmt);
				return -1;
			}
			g->json = strcmp(fmt, "json") == 0;
		}
	}
	return i;
}

/* The one ID argument a command takes after its options (argv[optind]). */
static const char *one_id(int argc, char **argv, const char *cmd, int extra_ok)
{
	if (optind >= argc) {
		usage_error("%s: a container id is required", cmd);
		return NULL;
	}
	if (argc - optind > 1 + extra_ok) {
		usage_error("%s: too many arguments", cmd);
		return NULL;
	}
	if (!oci_id_valid(argv[optind])) {
		usage_error("invalid container id \"%.300s\"", argv[optind]);
		return NULL;
	}
	return argv[optind];
}

/* ROOT/ID into BUF. */
static int state_dir(const struct global *g, const char *id, char *buf, size_t len)
{
	if (snprintf(buf, len, "%s/%s", g->root, id) >= (int)len) {
		oci_error("the state directory path is too long");
		return -1;
	}
	return 0;
}

/* ID's state, or -1 with "container ID does not exist" logged (ENOENT) or why. */
static int load(const struct global *g, const char *id, char *dir, struct oci_state *st)
{
	char why[1024];

	if (state_dir(g, id, dir, PATH_MAX) < 0)
		return -1;
	if (oci_state_load(dir, st, why, sizeof(why)) < 0) {
		if (errno == ENOENT)
			oci_error("container %s does not exist", id);
		else
			oci_error("%s", why);
		return -1;
	}
	return 0;
}

static int cmd_create(const struct global *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "bundle", required_argument, NULL, 'b' },
		{ "pid-file", required_argument, NULL, 'p' },
		{ "console-socket", required_argument, NULL, 'c' },
		{ "preserve-fds", required_argument, NULL, 'f' },
		{ "no-pivot", no_argument, NULL, 'n' },
		{ "no-new-keyring", no_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	struct oci_create c = { .root = g->root, .bundle = "." };
	int o;

	while ((o = getopt_long(argc, argv, "b:", opts, NULL)) != -1) {
		switch (o) {
		case 'b': c.bundle = optarg; break;
		case 'p': c.pid_file = optarg; break;
		case 'c': c.console_socket = optarg; break;
		case 'f':
			if (strcmp(optarg, "0") != 0)
				return usage_error("--preserve-fds %s: passing descriptors into "
				                   "a micro-VM is not supported",
				                   optarg);
			break;
		case 'n':
		case 'k': break; /* no pivot_root nor keyring: nothing to skip */
		default: return usage_error("%s: bad option (see nanvix-runc --help)", "create");
		}
	}
	if ((c.id = one_id(argc, argv, "create", 0)) == NULL)
		return 1;
	return oci_container_create(&c) < 0 ? 1 : 0;
}

static int cmd_start(const struct global *g, int argc, char **argv)
{
	char dir[PATH_MAX];
	const char *id;

	if (getopt_long(argc, argv, "", (const struct option[]){ { NULL, 0, NULL, 0 } }, NULL) !=
	    -1)
		return usage_error("%s: bad option (see nanvix-runc --help)", "start");
	if ((id = one_id(argc, argv, "start", 0)) == NULL || state_dir(g, id, dir, sizeof(dir)) < 0)
		return 1;
	return oci_container_start(dir, id) < 0 ? 1 : 0;
}

static int cmd_state(const struct global *g, int argc, char **argv)
{
	char dir[PATH_MAX];
	struct oci_state st;
	const char *id;

	if (getopt_long(argc, argv, "", (const struct option[]){ { NULL, 0, NULL, 0 } }, NULL) !=
	    -1)
		return usage_error("%s: bad option (see nanvix-runc --help)", "state");
	if ((id = one_id(argc, argv, "state", 0)) == NULL || load(g, id, dir, &st) < 0)
		return 1;
	json_t *obj = oci_state_json(&st, oci_state_status(dir, &st));
	char *text = obj == NULL ? NULL : json_dumps(obj, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

	if (text != NULL)
		printf("%s\n", text);
	free(text);
	json_decref(obj);
	oci_state_free(&st);
	return text == NULL;
}

/* A signal by number, name or SIG-name (any case); 0 when unknown. */
static int parse_signal(const char *s)
{
	static const struct {
		const char *name;
		int sig;
	} sigs[] = {
		{ "HUP", SIGHUP },   { "INT", SIGINT },       { "QUIT", SIGQUIT },
		{ "ILL", SIGILL },   { "TRAP", SIGTRAP },     { "ABRT", SIGABRT },
		{ "IOT", SIGIOT },   { "BUS", SIGBUS },       { "FPE", SIGFPE },
		{ "KILL", SIGKILL }, { "USR1", SIGUSR1 },     { "SEGV", SIGSEGV },
		{ "USR2", SIGUSR2 }, { "PIPE", SIGPIPE },     { "ALRM", SIGALRM },
		{ "TERM", SIGTERM }, { "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD },
		{ "CONT", SIGCONT }, { "STOP", SIGSTOP },     { "TSTP", SIGTSTP },
		{ "TTIN", SIGTTIN }, { "TTOU", SIGTTOU },     { "URG", SIGURG },
		{ "XCPU", SIGXCPU }, { "XFSZ", SIGXFSZ },     { "VTALRM", SIGVTALRM },
		{ "PROF", SIGPROF }, { "WINCH", SIGWINCH },   { "IO", SIGIO },
		{ "POLL", SIGPOLL }, { "PWR", SIGPWR },       { "SYS", SIGSYS },
	};
	char *end;
	long n = strtol(s, &end, 10);

	if (*s != '\0' && *end == '\0')
		return n > 0 && n < NSIG ? (int)n : 0;
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		if (strcasecmp(s, sigs[i].name) == 0)
			return sigs[i].sig;
	}
	return 0;
}

/* SIG to the container's process (ALL: and its descendants, the uplink). */
static int signal_container(const struct oci_state *st, int sig, int all)
{
	static pid_t pids[OCI_TREE_MAX];
	size_t n = all ? oci_proc_tree(st->pid, pids, OCI_TREE_MAX) : 0;

	if (kill(st->pid, sig) < 0)
		return -1;
	for (size_t i = 1; i < n; i++)
		kill(pids[i], sig);
	return 0;
}

static int cmd_kill(const struct global *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	char dir[PATH_MAX];
	struct oci_state st;
	const char *id;
	int o, all = 0, sig = SIGTERM, rc = 1;

	while ((o = getopt_long(argc, argv, "a", opts, NULL)) != -1) {
		if (o != 'a')
			return usage_error("%s: bad option (see nanvix-runc --help)", "kill");
		all = 1;
	}
	if ((id = one_id(argc, argv, "kill", 1)) == NULL)
		return 1;
	if (optind + 1 < argc && (sig = parse_signal(argv[optind + 1])) == 0)
		return usage_error("unknown signal \"%.64s\"", argv[optind + 1]);
	if (load(g, id, dir, &st) < 0)
		return 1;
	/* The shim maps "container not running" to "process already finished". */
	if (oci_state_status(dir, &st) == OCI_STOPPED)
		oci_error("container not running");
	else if (signal_container(&st, sig, all) < 0)
		oci_error("cannot signal the container's process %d: %m", (int)st.pid);
	else
		rc = 0;
	oci_state_free(&st);
	return rc;
}

/* Whether PID (started at START) is gone within KILL_WAIT_MS. */
static int wait_gone(pid_t pid, unsigned long long start)
{
	for (int ms = 0; ms < KILL_WAIT_MS; ms += 10) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		if (!oci_proc_alive(pid, start))
			return 1;
		nanosleep(&ts, NULL);
	}
	return !oci_proc_alive(pid, start);
}

static int cmd_delete(const struct global *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	char dir[PATH_MAX], why[1024];
	struct oci_state st;
	const char *id;
	int o, force = 0;

	while ((o = getopt_long(argc, argv, "f", opts, NULL)) != -1) {
		if (o != 'f')
			return usage_error("%s: bad option (see nanvix-runc --help)", "delete");
		force = 1;
	}
	if ((id = one_id(argc, argv, "delete", 0)) == NULL ||
	    state_dir(g, id, dir, sizeof(dir)) < 0)
		return 1;
	if (oci_state_load(dir, &st, why, sizeof(why)) < 0) {
		/* As runc: --force deletes what is left of a broken or missing container. */
		if (force) {
			oci_container_remove_dir(dir);
			return 0;
		}
		if (errno == ENOENT && access(dir, F_OK) < 0)
			oci_error("container %s does not exist", id);
		else
			oci_error("%s", why);
		return 1;
	}
	enum oci_status status = oci_state_status(dir, &st);

	if (status == OCI_RUNNING && !force) {
		oci_error("cannot delete container %s that is not stopped: running", id);
		oci_state_free(&st);
		return 1;
	}
	/* A created container is deleted without --force, as runc does. */
	if (status != OCI_STOPPED) {
		signal_container(&st, SIGKILL, 1);
		if (!wait_gone(st.pid, st.start)) {
			oci_error("container %s's process %d did not die after SIGKILL", id,
			          (int)st.pid);
			oci_state_free(&st);
			return 1;
		}
	}
	oci_state_free(&st);
	if (oci_container_remove_dir(dir) < 0) {
		oci_error("cannot remove %s: %m", dir);
		return 1;
	}
	return 0;
}

static int cmd_ps(const struct global *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	static pid_t pids[OCI_TREE_MAX];
	const char *format = "table", *id;
	char dir[PATH_MAX];
	struct oci_state st;
	size_t n = 0;
	int o;

	/* "+": ps's own options after the id (ps -ef...) are not ours. */
	while ((o = getopt_long(argc, argv, "+f:", opts, NULL)) != -1) {
		if (o != 'f')
			return usage_error("%s: bad option (see nanvix-runc --help)", "ps");
		format = optarg;
	}
	if (strcmp(format, "json") != 0 && strcmp(format, "table") != 0)
		return usage_error("ps: unknown format %s (table or json)", format);
	if (optind >= argc) {
		usage_error("%s: a container id is required", "ps");
		return 1;
	}
	id = argv[optind];
	if (!oci_id_valid(id))
		return usage_error("invalid container id \"%.300s\"", id);
	if (load(g, id, dir, &st) < 0)
		return 1;
	if (oci_state_status(dir, &st) != OCI_STOPPED)
		n = oci_proc_tree(st.pid, pids, OCI_TREE_MAX);
	oci_state_free(&st);
	if (strcmp(format, "json") == 0) {
		printf("[");
		for (size_t i = 0; i < n; i++)
			printf("%s%d", i > 0 ? "," : "", (int)pids[i]);
		printf("]\n");
		return 0;
	}
	printf("PID\tCMD\n");
	for (size_t i = 0; i < n; i++) {
		char path[64], comm[64] = "?";
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%d/comm", (int)pids[i]);
		if ((f = fopen(path, "re")) != NULL) {
			if (fgets(comm, sizeof(comm), f) != NULL)
				comm[strcspn(comm, "\n")] = '\0';
			fclose(f);
		}
		printf("%d\t%s\n", (int)pids[i], comm);
	}
	return 0;
}

static int cmd_list(const struct global *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 },
	};
	const char *format = "table";
	int o, quiet = 0;
	json_t *arr = json_array();
	struct dirent *d;
	DIR *root;

	while ((o = getopt_long(argc, argv, "f:q", opts, NULL)) != -1) {
		if (o == 'f')
			format = optarg;
		else if (o == 'q')
			quiet = 1;
		else
			return usage_error("%s: bad option (see nanvix-runc --help)", "list");
	}
	if (strcmp(format, "json") != 0 && strcmp(format, "table") != 0)
		return usage_error("list: unknown format %s (table or json)", format);
	int json = strcmp(format, "json") == 0;

	if (!json && !quiet)
		printf("ID\tPID\tSTATUS\tBUNDLE\tCREATED\tOWNER\n");
	root = opendir(g->root);
	while (root != NULL && (d = readdir(root)) != NULL) {
		char dir[PATH_MAX], why[1024];
		struct oci_state st;

		if (!oci_id_valid(d->d_name) || state_dir(g, d->d_name, dir, sizeof(dir)) < 0 ||
		    oci_state_load(dir, &st, why, sizeof(why)) < 0)
			continue; /* not ours, or broken: delete --force removes it */
		enum oci_status status = oci_state_status(dir, &st);

		if (json)
			json_array_append_new(arr, oci_state_json(&st, status));
		else if (quiet)
			printf("%s\n", st.id);
		else
			printf("%s\t%d\t%s\t%s\t%s\t\n", st.id,
			       status == OCI_STOPPED ? 0 : (int)st.pid, oci_status_name(status),
			       st.bundle, st.created);
		oci_state_free(&st);
	}
	if (root != NULL)
		closedir(root);
	if (json) {
		char *text = json_dumps(arr, JSON_COMPACT | JSON_PRESERVE_ORDER);

		printf("%s\n", text != NULL ? text : "[]");
		free(text);
	}
	json_decref(arr);
	return 0;
}

static int cmd_features(const struct global *g, int argc, char **argv)
{
	json_t *obj = json_pack(
	        "{s:s, s:s, s:[], s:[s, s, s, s], s:{s:[s], s:{s:b}, s:{s:b}}, s:{s:s, s:s}}",
	        "ociVersionMin", "1.0.0", "ociVersionMax", OCI_SPEC_VERSION, "hooks",
	        "mountOptions", "bind", "rbind", "ro", "rw", "linux", "namespaces", "network",
	        "cgroup", "v1", 0, "seccomp", "enabled", 0, "annotations",
	        "org.nanvix.runc.version", OCI_RUNC_VERSION, "org.nanvix.runc.sandbox",
	        "placeholder process (no VM) for " OCI_SANDBOX_KEY "=" OCI_SANDBOX_VALUE);
	char *text = obj == NULL ? NULL : json_dumps(obj, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

	if (text != NULL)
		printf("%s\n", text);
	free(text);
	json_decref(obj);
	return text == NULL;
}

static int cmd_unsupported(const char *cmd)
{
	if (strcmp(cmd, "exec") == 0)
		oci_error("exec is not supported by nanvix-runc: a container is one program in "
		          "a micro-VM, with no way to start a second one inside it");
	else
		oci_error("%s is not supported by nanvix-runc", cmd);
	return 1;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*run)(const struct global *g, int argc, char **argv);
	} cmds[] = {
		{ "create", cmd_create }, { "start", cmd_start },       { "state", cmd_state },
		{ "kill", cmd_kill },     { "delete", cmd_delete },     { "ps", cmd_ps },
		{ "list", cmd_list },     { "features", cmd_features },
	};
	struct global g = { .root = OCI_ROOT_DEFAULT };

	/* Closed stdio would be reused by the descriptors made below, then inherited. */
	for (int fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", O_RDWR) != fd)
			return 1;
	}
	int first = parse_global(argc, argv, &g);

	if (first < 0)
		return 1;
	oci_log_open(g.log, g.json, g.debug);
	if (first >= argc) {
		fputs(usage_text, stderr);
		oci_error("no command given");
		return 1;
	}
	/* The command's options are parsed as a fresh command line: COMMAND OPTIONS ARGS. */
	argc -= first;
	argv += first;
	optind = 0;
	opterr = 0;
	if (g.debug) {
		for (int i = 0; i < argc; i++)
			oci_debug("argv[%d] = %s", i, argv[i]);
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(argv[0], cmds[i].name) == 0)
			return cmds[i].run(&g, argc, argv);
	}
	static const char *const unsupported[] = { "exec",    "run",    "pause",
		                                   "resume",  "update", "checkpoint",
		                                   "restore", "events", "spec" };

	for (size_t i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]); i++) {
		if (strcmp(argv[0], unsupported[i]) == 0)
			return cmd_unsupported(argv[0]);
	}
	oci_error("unknown command \"%.64s\" (see nanvix-runc --help)", argv[0]);
	return 1;
}
