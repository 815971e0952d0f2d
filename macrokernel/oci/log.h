/* nanvix-runc's log: runc's --log/--log-format contract, which containerd's shim reads. */
#ifndef OCI_LOG_H
#define OCI_LOG_H

/*
 * Send messages to PATH (appended; NULL: standard error only), as JSON lines
 * ({"level":..,"msg":..,"time":..}, json != 0) or logfmt text lines; debug
 * messages are kept only when debug != 0.  A log that cannot be opened is
 * reported on standard error and messages go there alone.
 */
void oci_log_open(const char *path, int json, int debug);

/*
 * Log an error (printf-style).  It also goes to standard error, as runc's do:
 * containerd's shim shows the last error line of the log file to the user.
 */
void oci_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Log a warning: an accepted spec field that nanvix-runc does not apply. */
void oci_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Log a debug message (kept only with --debug). */
void oci_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Close the log's descriptor (in a child that outlives the command). */
void oci_log_close(void);

/* The time now as runc (logrus) prints it: RFC 3339, UTC, with nanoseconds. */
void oci_now(char *buf, size_t len);

#endif
