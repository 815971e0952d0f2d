/* One log line on stderr, "PREFIX: message\n", for the host-side daemons. */
#ifndef MK_LOGLINE_H
#define MK_LOGLINE_H

#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

/*
 * Format `prefix`, ": ", the message and a newline into one buffer and
 * write it with a single write(2), so that lines of concurrent threads
 * never interleave (a line longer than 1 KiB is cut).  Needs no lock and
 * no stdio buffer.
 */
static inline void log_line_v(const char *prefix, const char *fmt, va_list ap)
{
	char line[1024];
	int n = snprintf(line, sizeof(line), "%s: ", prefix);

	n += vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	if (n > (int)sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, (size_t)n) < 0) {
		/* stderr is gone: nowhere left to say it */
	}
}

#endif /* MK_LOGLINE_H */
