/* Snapshots of running VMs: nanvixd's control channel, from the daemon's side. */
/*
 * POST /v1/vms/{id}/snapshot sends "snapshot DIR" down the VM's channel
 * (monitor/control.c) and the connection waits (conn.c, REPLY_SNAPSHOT).
 * nanvixd saves the VM into DIR, a hidden STATE/snapshots/.take-NAME, when
 * the guest next idles, and answers "ok snapshot DIR" or "error snapshot
 * WHY"; only then is DIR renamed to STATE/snapshots/NAME, so a snapshot is
 * listed once it is whole.  A VM that never idles keeps its request
 * pending: the waiting client gets 408 at its timeout, and the snapshot
 * still appears if the VM idles later, or the request fails when it exits.
 * One request at a time per VM, and a name is taken by one VM at a time.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "api.h"

#define CTL_IN_MAX        4608 /* a reply: "error snapshot " and a message or a path */
#define CTL_STATS_WAIT_MS 200  /* for every running VM's counters together */

struct vm_ctl {
	struct api_watch w; /* first: epoll's data.ptr */
	struct vm_ctl *next_dead;
	struct api_vm *vm; /* NULL once closed */
	int fd;
	char in[CTL_IN_MAX];
	size_t in_len;
	char pending[API_ID_MAX + 1]; /* the snapshot asked for, "" when none */
	bool stats_due;               /* "stats" sent, not answered yet */
	json_t *live;                 /* the counters it answered last, or NULL */
};

static struct vm_ctl *dead;

static void take_dir(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/snapshots/.take-%s", api_opt.state_dir, name);
}

static void final_dir(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/snapshots/%s", api_opt.state_dir, name);
}

int snap_ctl_open(struct api_vm *vm)
{
	struct vm_ctl *c = calloc(1, sizeof(*c));
	int sv[2];

	if (!c)
		return -ENOMEM;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv) < 0) {
		int e = errno;

		free(c);
		return -e;
	}
	c->w.kind = WATCH_VM_CTL;
	c->vm = vm;
	c->fd = sv[0];
	vm->ctl = c;
	return sv[1];
}

static void ctl_free(struct api_vm *vm)
{
	struct vm_ctl *c = vm->ctl;

	close(c->fd); /* out of the epoll set too */
	c->fd = -1;
	c->vm = NULL;
	c->next_dead = dead;
	dead = c;
	vm->ctl = NULL;
}

void snap_ctl_started(struct api_vm *vm, int child_end, bool started)
{
	struct epoll_event e = { .events = EPOLLIN };

	close(child_end);
	if (!vm->ctl)
		return;
	e.data.ptr = &vm->ctl->w;
	if (!started || epoll_ctl(api_epfd, EPOLL_CTL_ADD, vm->ctl->fd, &e) < 0)
		ctl_free(vm); /* without it the VM runs, but cannot be snapshotted */
}

bool snap_name_busy(const char *name)
{
	char dir[PATH_MAX];
	struct stat st;

	final_dir(name, dir, sizeof(dir));
	if (lstat(dir, &st) == 0)
		return true;
	for (struct api_vm *v = vm_list(); v; v = v->next)
		if (v->ctl && !strcmp(v->ctl->pending, name))
			return true;
	return false;
}

int snap_request(struct api_vm *vm, const char *name, char *err, size_t errlen)
{
	char dir[PATH_MAX], line[PATH_MAX + 16];
	struct vm_ctl *c = vm->ctl;
	int n;

	if (vm->state != VM_RUNNING) {
		snprintf(err, errlen, "VM %s is %s: a snapshot is taken of a running VM%s", vm->id,
		         vm_state_names[vm->state],
		         vm->state == VM_PAUSED ? " (resume it first: it is saved when it idles)"
		                                : "");
		return 409;
	}
	if (!c) {
		snprintf(err, errlen, "VM %s has no control channel: it cannot be snapshotted",
		         vm->id);
		return 409;
	}
	if (c->pending[0]) {
		snprintf(err, errlen,
		         "VM %s: snapshot %s is still pending (it is taken when the VM idles)",
		         vm->id, c->pending);
		return 409;
	}
	if (snap_name_busy(name)) {
		snprintf(err, errlen, "a snapshot named %s exists or is being taken", name);
		return 409;
	}
	final_dir("", dir, sizeof(dir));
	if ((n = api_mkdirs(dir, true)) < 0) {
		snprintf(err, errlen, "cannot make %s: %s", dir, strerror(-n));
		return 503;
	}
	take_dir(name, dir, sizeof(dir));
	api_rm_tree(dir); /* a daemon's leftover */
	n = snprintf(line, sizeof(line), "snapshot %s\n", dir);
	/* A few bytes on an idle stream socket: sent whole, or the VM is going. */
	if (send(c->fd, line, (size_t)n, MSG_NOSIGNAL) != n) {
		snprintf(err, errlen, "VM %s is ending: it cannot be snapshotted", vm->id);
		return 409;
	}
	snprintf(c->pending, sizeof(c->pending), "%s", name);
	return 0;
}

/* An "ok snapshot DIR" or "error snapshot WHY" for the pending request. */
static void answered(struct vm_ctl *c, bool ok, const char *msg)
{
	char take[PATH_MAX], dir[PATH_MAX], why[API_ERR_MAX];
	struct api_vm *vm = c->vm;
	json_t *o = NULL;

	if (!c->pending[0])
		return; /* nothing asked: ignore it */
	take_dir(c->pending, take, sizeof(take));
	final_dir(c->pending, dir, sizeof(dir));
	if (ok && strcmp(msg, take) != 0) {
		ok = false;
		msg = "nanvixd saved the snapshot somewhere else";
	}
	if (ok && rename(take, dir) < 0) {
		ok = false;
		snprintf(why, sizeof(why), "cannot move the snapshot into place: %s",
		         strerror(errno));
		msg = why;
	}
	if (!ok) {
		api_rm_tree(take);
		/* The refusal names nanvixd's options; say what they are here too. */
		if (strstr(msg, "outside its memory"))
			snprintf(
			        why, sizeof(why),
			        "%.300s; through the API: \"net\": \"guest\" or \"none\", \"tmp\": "
			        "false, no volumes",
			        msg);
		else
			snprintf(why, sizeof(why), "%.400s", msg);
		conn_vm_snapshot(vm, 409, NULL, why);
		audit("snapshot_failed", "vm", vm->id, "who", vm->owner, "snapshot", c->pending,
		      "why", why, NULL);
	} else {
		o = json_pack("{s:s, s:o, s:s}", "name", c->pending, "created_at",
		              routes_time(api_wall()), "vm", vm->id);
		conn_vm_snapshot(vm, 201, o, NULL);
		audit("snapshot_taken", "vm", vm->id, "who", vm->owner, "snapshot", c->pending,
		      NULL);
		json_decref(o);
	}
	c->pending[0] = '\0';
}

/* Take the whole lines read so far. */
static void take_lines(struct vm_ctl *c)
{
	char *nl;

	while (c->vm && (nl = memchr(c->in, '\n', c->in_len))) {
		size_t len = (size_t)(nl - c->in) + 1;

		*nl = '\0';
		if (!strncmp(c->in, "ok snapshot ", 12))
			answered(c, true, c->in + 12);
		else if (!strncmp(c->in, "error snapshot ", 15))
			answered(c, false, c->in + 15);
		else if (!strncmp(c->in, "ok stats ", 9)) {
			json_t *o = json_object();

			api_stats_parse(o, c->in + 9);
			json_decref(c->live);
			c->live = o;
			c->stats_due = false;
			vm_audit_wx(c->vm, o); /* refusals so far, as they happen */
		} else if (!strncmp(c->in, "event ", 6)) {
			char *kind = c->in + 6, *msg = strchr(kind, ' ');

			if (msg)
				*msg++ = '\0';
			vm_event(c->vm, kind, msg ? msg : "");
		} else
			fprintf(stderr,
			        "nanvix-api: VM %s: nanvixd's control channel said '%.200s'\n",
			        c->vm->id, c->in);
		memmove(c->in, c->in + len, c->in_len - len);
		c->in_len -= len;
	}
	if (c->in_len == sizeof(c->in))
		c->in_len = 0; /* no line is this long: drop it */
}

/* Read what there is; false once the other end is closed. */
static bool ctl_read(struct vm_ctl *c)
{
	for (;;) {
		ssize_t n = recv(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len, 0);

		if (n > 0) {
			c->in_len += (size_t)n;
			take_lines(c);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
	}
}

void snap_ctl_event(struct vm_ctl *c)
{
	if (!c->vm)
		return; /* closed earlier in this batch */
	if (!ctl_read(c))
		epoll_ctl(api_epfd, EPOLL_CTL_DEL, c->fd,
		          NULL); /* nanvixd is going: reap answers */
}

void snap_ctl_close(struct api_vm *vm)
{
	struct vm_ctl *c = vm->ctl;

	if (!c)
		return;
	ctl_read(c); /* its last words: an answer written before it exited */
	if (c->pending[0])
		answered(c, false, "the VM exited before it idled");
	ctl_free(vm);
}

void snap_reap(void)
{
	while (dead) {
		struct vm_ctl *c = dead;

		dead = c->next_dead;
		json_decref(c->live);
		free(c);
	}
}

bool snap_ask_stats(struct api_vm *vm)
{
	struct vm_ctl *c = vm->ctl;

	if (c && c->stats_due)
		return true;               /* asked already: one answer comes */
	if (!c || vm->state != VM_RUNNING) /* a paused nanvixd cannot answer */
		return false;
	c->stats_due = send(c->fd, "stats\n", 6, MSG_NOSIGNAL) == 6;
	return c->stats_due;
}

void snap_refresh_stats(struct api_vm *vm)
{
	double end = api_now() + CTL_STATS_WAIT_MS / 1000.0;
	int asked = 0;

	for (struct api_vm *v = vm ? vm : vm_list(); v; v = vm ? NULL : v->next)
		asked += snap_ask_stats(v);
	while (asked > 0) {
		struct pollfd p[256];
		struct api_vm *of[256];
		int n = 0, ms = (int)((end - api_now()) * 1000);

		if (ms <= 0)
			break;
		for (struct api_vm *v = vm ? vm : vm_list(); v && n < 256; v = vm ? NULL : v->next)
			if (v->ctl && v->ctl->stats_due) {
				p[n] = (struct pollfd){ .fd = v->ctl->fd, .events = POLLIN };
				of[n++] = v;
			}
		if (n == 0 || poll(p, (nfds_t)n, ms) < 0)
			break;
		for (int i = 0; i < n; i++)
			if (p[i].revents && of[i]->ctl) {
				ctl_read(of[i]->ctl);
				asked -= !of[i]->ctl->stats_due;
			}
	}
	/* Late answers are taken by the event loop, as fresh as the next refresh needs. */
}

void *snap_live_stats(const struct api_vm *vm)
{
	return vm->ctl ? vm->ctl->live : NULL;
}
