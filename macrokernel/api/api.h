/* nanvix-api's private interfaces: its options, VMs, connections, keys and metrics. */
#ifndef API_API_H
#define API_API_H

/*
 * One thread, one epoll loop (main.c): listeners, a signalfd (SIGCHLD and
 * the stop signals), a 100 ms timerfd that drives everything timed (log
 * streams, waits, stop grace periods, slow clients, rate buckets, removal
 * of --rm VMs) and the client connections.  Each VM is one nanvixd child
 * process in its own process group; the daemon holds no guest memory
 * itself, so a VM that crashes or is killed cannot harm the daemon or its
 * neighbours.
 *
 * Errors: functions that can fail return 0 or a negative errno, or an
 * HTTP status with a message written to the caller's buffer (routes.c).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define API_VERSION   "0.1.0"
#define API_ALLOW_MAX 32  /* --allow-path directories */
#define API_ID_MAX    64  /* the longest VM id or name */
#define API_ERR_MAX   512 /* a fault_message */
#define API_HEAD_MAX  16384
#define API_TICK_MS   100

struct api_options {
	const char *socket_path;
	const char *state_dir;
	const char *listen;    /* 127.0.0.1:PORT, or NULL */
	const char *keys_file; /* or NULL: the socket's owner has every scope */
	const char *nanvixd;
	const char *trust;          /* --trust POLICY given to every nanvixd, or NULL */
	const char *audit;          /* the audit log's path */
	char *allow[API_ALLOW_MAX]; /* realpath()s of --allow-path */
	int nallow;
	bool allow_any; /* no --allow-path and no --keys: any path the daemon reads */
	int max_vms;
	int max_conns;
	size_t max_body;
	uint64_t max_memory; /* bytes a VM may ask for */
	double client_timeout;
	int notify_fd;
};

extern struct api_options api_opt;

/* What an epoll event's data.ptr points at: the first member of its owner. */
enum api_watch_kind {
	WATCH_LISTEN_UNIX,
	WATCH_LISTEN_TCP,
	WATCH_SIGNAL,
	WATCH_TIMER,
	WATCH_CONN,
	WATCH_VM_CTL
};
struct api_watch {
	enum api_watch_kind kind;
};

extern int api_epfd;

/*
 * A size as nanvixd's -m writes it: N with K, M or G (binary; Ki, KiB, MB
 * the same) or B for bytes, and a bare N in units of `bare`.  0 when
 * malformed, 0, or above 2^40 units.
 */
uint64_t api_size(const char *s, uint64_t bare);

/*
 * nanvixd's counters ("KEY=N ..." words, as --stats-file's lines have them
 * after "nanvixd: stats: ") into a JSON object; other words are skipped.
 * Writes into text.
 */
void api_stats_parse(void *json_obj, char *text);

/* An id or name as the API takes them: [A-Za-z0-9][A-Za-z0-9_.-]{0,63}. */
bool api_name_ok(const char *s);

/* Make path's directories (mode 0700), path itself too when last: 0 or -errno. */
int api_mkdirs(const char *path, bool last);
/*
 * Remove a directory tree, never following a symbolic link, going on past
 * what cannot be removed: 0, or -1 when something is left.
 */
int api_rm_tree(const char *dir);

/* Monotonic and wall-clock time. */
double api_now(void);
double api_wall(void);

/* ---- VMs (vm.c) ----------------------------------------------------------- */

enum vm_state { VM_CREATED, VM_RUNNING, VM_PAUSED, VM_STOPPING, VM_EXITED, VM_NSTATES };

struct api_vm {
	struct api_vm *next; /* the daemon's list, oldest first */
	char id[13];         /* 12 hex digits */
	char name[API_ID_MAX + 1];
	enum vm_state state;
	pid_t pid;       /* nanvixd, while it runs (also its process group) */
	int exit_status; /* valid once VM_EXITED */
	double created_at, started_at, finished_at; /* wall clock; 0: not yet */
	double started_mono, finished_mono;
	double stop_deadline;  /* a stop's grace period ends (0: over or none) */
	double kill_at;        /* SIGKILL if nanvixd is still there (0: none) */
	double cpu_final;      /* once exited: nanvixd's CPU seconds (wait4) */
	uint64_t maxrss_final; /* once exited: its peak resident bytes */
	bool auto_remove, waited;
	char **argv; /* nanvixd's command line, made at create */
	int argc;
	char *program;
	char *snapshot; /* the snapshot it was restored from, or NULL */
	char *function; /* an invocation of this function (fn.c), or NULL */
	char owner[API_ID_MAX + 1]; /* who created it (api_request.who), for the audit log */
	void *stats; /* once exited: nanvixd's --stats-file counters (a json_t object), or NULL */
	char *args_json; /* the program's args as JSON, for the Vm object */
	char memory[24];
	char dir[3072]; /* STATE/vms/ID: console.log (--state is at most 2048 bytes) */
	char tmp[4096]; /* the VM's /tmp base (TMPDIR-like), removed at exit */
	struct vm_ctl *ctl; /* nanvixd's control channel while it runs (snap.c), or NULL */
	unsigned events;         /* nanvixd's events taken (vm_event: at most VM_EVENTS_MAX) */
	unsigned egress_audited; /* egress_refused events written */
	long long wx_audited[4]; /* W^X refusals of each kind written (vm_audit_wx) */
	double stats_asked;      /* when its counters were last asked for (vm_tick) */
};

extern const char *const vm_state_names[VM_NSTATES];

/* The VM named by id or name, or NULL. */
struct api_vm *vm_find(const char *key);
struct api_vm *vm_list(void);
int vm_count(void);
int vm_count_state(enum vm_state s);

/*
 * Create a VM from a VmCreate JSON object (already parsed).  Returns the
 * VM, or NULL with an HTTP status in *status and a message in err.
 */
struct api_vm *vm_create(void *json_obj, const char *who, int *status, char *err, size_t errlen);

/* Check a VmCreate as vm_create would, making nothing: 0 or a status with err filled. */
int vm_check(void *json_obj, char *err, size_t errlen);

/* Start a created VM: 0, or a status with err filled.  An invocation's
 * (vm->function set) stdin is DIR/stdin and its stdout DIR/stdout. */
int vm_start(struct api_vm *vm, char *err, size_t errlen);
/* SIGTERM now; the VM is killed if it runs `grace` seconds more. */
int vm_stop(struct api_vm *vm, double grace, char *err, size_t errlen);
/* Send sig (SIGKILL, SIGTERM, SIGINT, SIGHUP, SIGWINCH). */
int vm_signal(struct api_vm *vm, int sig, char *err, size_t errlen);
int vm_pause(struct api_vm *vm, bool pause, char *err, size_t errlen);
/* Forget the VM and delete its directory (force: kill it first). */
int vm_destroy(struct api_vm *vm, bool force, char *err, size_t errlen);
/* The path of the VM's console log. */
void vm_log_path(const struct api_vm *vm, char *buf, size_t len);
/* Reap exited children (SIGCHLD); calls conn_vm_exited for each. */
void vm_reap(void);
/* Timed work: grace periods, --rm VMs. */
void vm_tick(double now);
/* Kill every running VM and wait for it (daemon shutdown). */
void vm_shutdown(void);
/* CPU seconds and resident bytes of the VM's nanvixd: so far while it runs, its
 * total and peak once exited, 0 before it starts. */
void vm_usage(const struct api_vm *vm, double *cpu_s, uint64_t *rss);

/* ---- Snapshots of running VMs (snap.c) ---------------------------------------- */

/*
 * Each running VM's nanvixd gets one end of a socket pair as --control-fd
 * (monitor/control.c); the daemon keeps the other in its epoll set.  A
 * snapshot is asked for there and answered when the VM next idles.
 */
struct vm_ctl;

/* The socket pair for a VM about to start: the daemon's end is kept, the
 * child's end (to become fd 3) returned, or -errno. */
int snap_ctl_open(struct api_vm *vm);
/* After fork: close the child's end (started: watch the daemon's end, else close it too). */
void snap_ctl_started(struct api_vm *vm, int child_end, bool started);
/* Ask for a snapshot named `name`: 0, or an HTTP status with err filled. */
int snap_request(struct api_vm *vm, const char *name, char *err, size_t errlen);
/* A snapshot name taken or being taken (by any VM)? */
bool snap_name_busy(const char *name);
/* epoll: the channel is readable. */
void snap_ctl_event(struct vm_ctl *c);
/* The VM exited: read what nanvixd said last, answer what is still pending, close. */
void snap_ctl_close(struct api_vm *vm);
/* Free the channels closed since the last call (after each event batch). */
void snap_reap(void);
/*
 * Ask running VMs' nanvixd for their counters now ("stats"): `vm`, or every
 * running VM when NULL; waits for the answers, at most CTL_STATS_WAIT_MS.
 */
void snap_refresh_stats(struct api_vm *vm);
/* The counters the last refresh got (a json_t object), or NULL. */
void *snap_live_stats(const struct api_vm *vm);

/* Ask a running VM for its counters (unless asked already), without
 * waiting: the answer comes through the event loop (snap_ctl_event), or
 * snap_refresh_stats waits for it.  False when it cannot be asked. */
bool snap_ask_stats(struct api_vm *vm);

/* An "event KIND MESSAGE" nanvixd sent down the VM's channel: audited (vm.c). */
void vm_event(struct api_vm *vm, const char *kind, const char *msg);

/* W^X refusals in counters (a json_t object) not yet audited: audited (vm.c). */
void vm_audit_wx(struct api_vm *vm, void *stats);

/* ---- Connections (conn.c) ------------------------------------------------- */

struct api_conn;

/* Accept from a listening socket (tcp: the TCP listener). */
void conn_accept(int lfd, bool tcp);
/* Handle epoll events on a connection. */
void conn_event(struct api_conn *c, uint32_t events);
/* Timed work: streams, waits, slow clients. */
void conn_tick(double now);
/* A VM exited: answer its waiters, finish its log streams. */
void conn_vm_exited(const struct api_vm *vm);
/*
 * A snapshot of vm was answered: status 201 with the Snapshot object `o`
 * (a json_t; the reference stays the caller's), or an error status and message.
 */
void conn_vm_snapshot(const struct api_vm *vm, int status, void *o, const char *msg);
/* True while a connection still waits for or streams the VM. */
bool conn_vm_watched(const struct api_vm *vm);
void conn_close_all(void);
/* Free the connections closed since the last call (after each event batch). */
void conn_reap(void);
int conn_count(void);

/* What a request handler answers (routes.c fills it, conn.c sends it). */
struct api_reply {
	int status;
	const char *content_type;
	char *body; /* malloc'd, or NULL */
	size_t len;
	const char *allow; /* the Allow header of a 405 */
	int retry_after;   /* a 429's Retry-After, seconds */
	/* Set instead of a body: the connection goes on with a stream or a wait. */
	enum { REPLY_NOW, REPLY_LOG_STREAM, REPLY_WAIT, REPLY_INVOKE, REPLY_SNAPSHOT } kind;
	char headers[192]; /* more header lines ("Name: value\r\n"), or "" */
	char vm_id[13];
	uint64_t since;
	double wait_deadline;
};

/* ---- Requests (routes.c) ---------------------------------------------------- */

struct api_request {
	const char *method;
	char path[1024];  /* without the query */
	char query[1024]; /* after '?', or "" */
	const char *body;
	size_t body_len;
	const char *auth; /* the Authorization field's value, or NULL */
	size_t auth_len;
	char peer[64]; /* who: "uid N" or "tcp ADDR" */
	char who[API_ID_MAX + 1]; /* the key's name, or peer without keys (routes_handle) */
	bool tcp;
};

/* Answer one request. */
void routes_handle(const struct api_request *rq, struct api_reply *rp);
/* An error reply with the API's JSON body; the message is also logged. */
void routes_error(struct api_reply *rp, int status, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
/* The JSON body of a request as an object ({} when empty), or NULL after an error reply. */
void *routes_body_object(const struct api_request *rq, struct api_reply *rp);
/* A JSON reply (takes the reference to o). */
void routes_reply_json(struct api_reply *rp, int status, void *o);
/* The Vm object of vm (a new json_t reference). */
void *routes_vm_object(const struct api_vm *vm);
/* A time as RFC 3339 JSON, or null for 0. */
void *routes_time(double t);
/* The Vm object of vm as malloc'd JSON text. */
char *routes_vm_json(const struct api_vm *vm, size_t *len);

/* ---- Keys, scopes, rate limits and the audit log (auth.c) ------------------- */

enum api_scope { SCOPE_READ = 1, SCOPE_INVOKE = 2, SCOPE_MANAGE = 4 };

/* Load --keys FILE: 0, or -1 with err filled. */
int auth_load(const char *path, char *err, size_t errlen);
bool auth_enabled(void);
/*
 * Check a request's Authorization against the keys: 0 with the key's name
 * in who, or an HTTP status (401, 403, 429 with *retry_after) and err.
 */
int auth_check(const char *auth, size_t len, int scope, char *who, size_t wholen, int *retry_after,
               char *err, size_t errlen);
/* nanvix-api keygen NAME SCOPES: print a new key and its keys-file entry. */
int auth_keygen(const char *name, const char *scopes);
/* Open the audit log (append). */
int audit_open(const char *path);
/* One JSON line: {"time", "event", plus the NULL-terminated key/value string pairs}. */
void audit(const char *event, ...) __attribute__((sentinel));
uint64_t auth_rate_limited(const char **key,
                           int i); /* the i-th key's 429 count; NULL past the end */

/* ---- Functions (fn.c) ------------------------------------------------------------ */

/* The function routes: list, create, get, update, delete, instances, invoke. */
void fn_list(const struct api_request *rq, struct api_vm *vm, struct api_reply *rp);
void fn_create(const struct api_request *rq, struct api_vm *vm, struct api_reply *rp);
void fn_get(const struct api_request *rq, struct api_vm *vm, struct api_reply *rp);
void fn_update(const struct api_request *rq, struct api_vm *vm, struct api_reply *rp);
void fn_delete(const struct api_request *rq, struct api_vm *vm, struct api_reply *rp);
void fn_instances(const struct api_request *rq, struct api_vm *vm, struct api_reply *rp);
void fn_invoke(const struct api_request *rq, struct api_vm *vm, struct api_reply *rp);
/* The name of a function whose spec restores `snapshot`, or NULL. */
const char *fn_using_snapshot(const char *snapshot);
/* The functions' Prometheus series into buf[len]; the length they need (as snprintf). */
int fn_metrics(char *buf, size_t len);
/* An invocation's answer once its VM exited: its stdout, status and id (conn.c sends it). */
void fn_invoke_reply(const struct api_vm *vm, struct api_reply *rp);

/* ---- Metrics and health (metrics.c) ------------------------------------------- */

/* Count an answered request. */
void metrics_request(const char *method, int status);
void metrics_vm_started(double spawn_s);
void metrics_vm_exited(int status);
void metrics_audit(const char *event);
/* The Prometheus text, malloc'd. */
char *metrics_render(size_t *len);
/* The Health object, malloc'd; *healthy set. */
char *health_render(size_t *len, bool *healthy);

#endif /* API_API_H */
