/* nanvix-runc's log: error, warning and debug lines for containerd's shim. */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "log.h"

#define LOG_MSG_MAX 4096

static int log_fd = -1;
static int log_json;
static int log_debug;

void oci_log_open(const char *path, int json, int debug)
{
	log_json = json;
	log_debug = debug;
	if (path == NULL)
		return;
	log_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0644);
	if (log_fd < 0)
		fprintf(stderr, "nanvix-runc: cannot open the log %s: %m\n", path);
}

void oci_log_close(void)
{
	if (log_fd >= 0)
		close(log_fd);
	log_fd = -1;
}

void oci_now(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%09ldZ", ts.tv_nsec);
}

/* MSG quoted for a logfmt line: backslashes, quotes and control bytes escaped. */
static void log_quote(char *out, size_t len, const char *msg)
{
	size_t o = 0;

	for (const unsigned char *p = (const unsigned char *)msg; *p != '\0' && o + 5 < len; p++) {
		if (*p == '"' || *p == '\\') {
			out[o++] = '\\';
			out[o++] = (char)*p;
		} else if (*p == '\n') {
			out[o++] = '\\';
			out[o++] = 'n';
		} else if (*p < 0x20) {
			o += (size_t)snprintf(out + o, len - o, "\\x%02x", *p);
		} else {
			out[o++] = (char)*p;
		}
	}
	out[o] = '\0';
}

static void log_line(const char *level, const char *msg)
{
	char when[64];
	char *line = NULL;

	if (log_fd < 0)
		return;
	oci_now(when, sizeof(when));
	if (log_json) {
		json_t *obj =
		        json_pack("{s:s, s:s, s:s}", "level", level, "msg", msg, "time", when);

		if (obj != NULL)
			line = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
		json_decref(obj);
		if (line == NULL)
			return;
		dprintf(log_fd, "%s\n", line);
		free(line);
		return;
	}
	static char quoted[LOG_MSG_MAX * 4 + 8];

	log_quote(quoted, sizeof(quoted), msg);
	dprintf(log_fd, "time=\"%s\" level=%s msg=\"%s\"\n", when, level, quoted);
}

static void log_v(const char *level, int to_stderr, const char *fmt, va_list ap)
{
	char msg[LOG_MSG_MAX];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	log_line(level, msg);
	if (to_stderr)
		fprintf(stderr, "nanvix-runc: %s\n", msg);
}

void oci_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_v("error", 1, fmt, ap);
	va_end(ap);
}

void oci_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_v("warning", 0, fmt, ap);
	va_end(ap);
}

void oci_debug(const char *fmt, ...)
{
	va_list ap;

	if (!log_debug)
		return;
	va_start(ap, fmt);
	log_v("debug", 0, fmt, ap);
	va_end(ap);
}
