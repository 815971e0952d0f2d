/* nanvixd's control channel (--control-fd): requests from the program that runs it. */
/*
 * A program that runs nanvixd (nanvix-api) keeps one end of a socket pair
 * and hands nanvixd the other.  A thread of nanvixd's own reads requests
 * from it, one a line, and each gets one line back:
 *
 *   snapshot DIR   "ok snapshot DIR" once the VM is saved into DIR at its
 *                  next idle wait (it then goes on), or "error snapshot WHY"
 *                  (refused at once, failed, or the VM ended first)
 *   stats          "ok stats KEY=N ...": --stats's counters as they are now
 *                  (read without stopping the VM; each is exact, together
 *                  they are not one instant's)
 *   anything else  "error WHY"
 *
 * nanvixd also writes events of its own down the channel, unasked, so
 * that its caller can audit them from nanvixd's word rather than from the
 * console log, which the guest writes too: "event KIND MESSAGE", KIND one
 * of egress_refused (a destination the network policy refused, as
 * nanvixd's "net: refused" line), seccomp_kill (its filter stopped it:
 * monitor/sandbox.c writes that line from its handler), trust_refused
 * (--trust refused the run) and wx_load (the program has a writable and
 * executable segment: it was not loaded).
 *
 * The other end is trusted as nanvixd's caller is (it chose the command
 * line), but a request is still checked: a line is at most
 * CONTROL_LINE_MAX bytes and DIR an absolute path.  The thread ends when
 * the other end closes or control_stop is called; the replies of the
 * vCPU's thread and of this one are whole lines, written under one lock.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <monitor/control.h>
#include <monitor/instance.h>
#include <monitor/sandbox.h>
#include <monitor/vm.h>

#define CONTROL_LINE_MAX 4200 /* "snapshot " and a PATH_MAX path */

static struct {
	int fd, stop; /* the channel, and an eventfd that ends the thread */
	struct instance *in;
	void (*stats)(struct instance *in, FILE *f);
	pthread_t thread;
	bool started;
	pthread_mutex_t lock; /* the writes, and `pending` */
	bool pending;         /* a snapshot asked for and not answered yet */
} ctl = { .fd = -1, .stop = -1, .lock = PTHREAD_MUTEX_INITIALIZER };

static int event_fd = -1; /* where events go (the channel, from its option on), or -1 */

/* One reply line (with ctl.lock held); a reader that went away is not an error. */
static void reply_locked(const char *verdict, const char *what, const char *msg)
{
	char line[CONTROL_LINE_MAX + 64];
	int n = snprintf(line, sizeof(line), "%s%s%s %s\n", verdict, what[0] ? " " : "", what, msg);

	if (n >= (int)sizeof(line)) {
		n = (int)sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	if (send(ctl.fd, line, (size_t)n, MSG_NOSIGNAL) < 0 && errno != EPIPE &&
	    errno != ECONNRESET)
		vm_error("control: cannot reply: %s", strerror(errno));
}

static void reply(const char *verdict, const char *what, const char *msg)
{
	pthread_mutex_lock(&ctl.lock);
	reply_locked(verdict, what, msg);
	pthread_mutex_unlock(&ctl.lock);
}

/* instance_request_snapshot's done: on the vCPU's thread. */
static void snapshot_done(void *ctx, int rc, const char *msg)
{
	(void)ctx;
	pthread_mutex_lock(&ctl.lock);
	if (ctl.pending)
		reply_locked(rc == 0 ? "ok" : "error", "snapshot", msg);
	ctl.pending = false;
	pthread_mutex_unlock(&ctl.lock);
}

/* "ok stats" and the counters of every "nanvixd: stats: " line, on one line. */
static void stats_reply(void)
{
	char *text = NULL, *p, *nl;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f) {
		reply("error", "stats", strerror(errno));
		return;
	}
	ctl.stats(ctl.in, f);
	fclose(f);
	for (p = text; p && (nl = strchr(p, '\n')); p = nl + 1) {
		*nl = ' ';
		if (!strncmp(p, "nanvixd: stats: ", 16))
			memset(p, ' ', 16);
	}
	/* One space between words, none at the ends. */
	len = 0;
	for (p = text; p && *p; p++)
		if (*p != ' ' || (len && text[len - 1] != ' '))
			text[len++] = *p;
	while (len && text[len - 1] == ' ')
		len--;
	if (text)
		text[len] = '\0';
	reply("ok", "stats", text ? text : "");
	free(text);
}

static void request(char *line)
{
	char err[1024];

	if (strncmp(line, "snapshot ", 9) == 0) {
		const char *dir = line + 9;

		if (dir[0] != '/') {
			reply("error", "snapshot", "DIR must be an absolute path");
			return;
		}
		pthread_mutex_lock(&ctl.lock);
		if (ctl.pending) {
			reply_locked("error", "snapshot",
			             "a snapshot of this VM is already being taken");
		} else {
			ctl.pending = true;
			if (instance_request_snapshot(ctl.in, dir, snapshot_done, NULL, err,
			                              sizeof(err)) < 0) {
				ctl.pending = false;
				reply_locked("error", "snapshot", err);
			}
		}
		pthread_mutex_unlock(&ctl.lock);
		return;
	}
	if (strcmp(line, "stats") == 0) {
		stats_reply();
		return;
	}
	reply("error", "", "unknown request (have: snapshot DIR, stats)");
}

static void *control_main(void *arg)
{
	char buf[CONTROL_LINE_MAX + 1];
	size_t have = 0;
	bool skipping = false; /* inside a line that was too long */
	char why[160];

	(void)arg;
	/* Its own, narrower list (monitor/sandbox.c): it reads requests and sets flags. */
	if (sandbox_thread && sandbox_thread(SANDBOX_CONTROL, why, sizeof(why)) < 0) {
		vm_error("control: %s", why);
		return NULL;
	}
	for (;;) {
		struct pollfd p[2] = { { .fd = ctl.fd, .events = POLLIN },
			               { .fd = ctl.stop, .events = POLLIN } };
		ssize_t n;
		char *nl;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents)
			break;
		n = recv(ctl.fd, buf + have, sizeof(buf) - 1 - have, 0);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			break; /* closed: nobody to answer */
		have += (size_t)n;
		while ((nl = memchr(buf, '\n', have))) {
			size_t len = (size_t)(nl - buf) + 1;

			*nl = '\0';
			if (!skipping)
				request(buf);
			skipping = false;
			memmove(buf, buf + len, have - len);
			have -= len;
		}
		if (have == sizeof(buf) - 1) {
			if (!skipping)
				reply("error", "", "request line too long");
			skipping = true;
			have = 0;
		}
	}
	return NULL;
}

void control_events_to(int fd)
{
	event_fd = fd;
}

void control_event(const char *kind, const char *msg)
{
	char line[1024];
	int n;

	if (event_fd < 0)
		return;
	n = snprintf(line, sizeof(line), "event %s %s", kind, msg);
	if (n < 0)
		return;
	if (n > (int)sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	for (int i = 0; i < n; i++)
		if (line[i] == '\n' || line[i] == '\r')
			line[i] = ' ';
	line[n++] = '\n';
	/* Never waits: a caller that does not read loses events, the VM goes on. */
	pthread_mutex_lock(&ctl.lock);
	if (send(event_fd, line, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) < 0 && errno != EPIPE &&
	    errno != ECONNRESET)
		vm_error("control: cannot send an event: %s", strerror(errno));
	pthread_mutex_unlock(&ctl.lock);
}

int control_start(int fd, struct instance *in, void (*stats)(struct instance *in, FILE *f))
{
	int rc;

	ctl.fd = fd;
	ctl.in = in;
	ctl.stats = stats;
	ctl.stop = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (ctl.stop < 0)
		return -errno;
	rc = pthread_create(&ctl.thread, NULL, control_main, NULL);
	if (rc) {
		close(ctl.stop);
		ctl.stop = -1;
		return -rc;
	}
	ctl.started = true;
	return 0;
}

void control_stop(void)
{
	uint64_t one = 1;

	if (!ctl.started)
		return;
	if (write(ctl.stop, &one, sizeof(one)) < 0)
		vm_error("control: cannot stop its thread: %s", strerror(errno));
	pthread_join(ctl.thread, NULL);
	ctl.started = false;
	close(ctl.stop);
	ctl.stop = -1;
	pthread_mutex_lock(&ctl.lock);
	if (ctl.pending)
		reply_locked("error", "snapshot", "the VM ended before it idled");
	ctl.pending = false;
	pthread_mutex_unlock(&ctl.lock);
}
