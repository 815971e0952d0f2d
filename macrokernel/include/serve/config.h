/* nanvix-serve's configuration: the functions it serves, read from a JSON file. */
#ifndef SERVE_CONFIG_H
#define SERVE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bounds the loader enforces (macrokernel/serve/README.md lists them with the defaults). */
#define SERVE_MAX_FUNCTIONS 256  /* entries of "functions" */
#define SERVE_MAX_INSTANCES 1024 /* "max" of one function */
#define SERVE_MAX_TOTAL     4096 /* the sum of every function's "max" */
#define SERVE_NAME_MAX      63   /* "name": [a-z0-9-], this long at most */
#define SERVE_HOST_MAX      253  /* "host": a DNS name */
#define SERVE_MAX_ARGS      256
#define SERVE_MAX_ENV       256
#define SERVE_STRING_MAX    4096 /* any one argument, variable value or path */
#define SERVE_CONFIG_MAX    (1 << 20)

/*
 * One function, as configured.  The gateway fills every field at load and
 * never changes them afterwards; a backend reads them from any thread.
 * `backend_priv` alone is the backend's: set by its prepare, read by its
 * spawn, freed by its unprepare.
 */
struct serve_fn {
	char *name;        /* [a-z0-9-]+, unique; the path prefix /fn/NAME/ */
	char *program;     /* absolute: a relative path was resolved against the config's folder;
	                    * with `disk`, an absolute path in the disk's file system */
	char *disk;        /* an ext2 image (absolute) the program is on, or NULL */
	char **argv;       /* program, then "args"; NULL-terminated */
	char **envv;       /* "env" as "KEY=VALUE" strings; NULL-terminated */
	uint64_t memory;   /* bytes an instance may use ("memory") */
	char *host;        /* lower case; requests whose Host is this go here; or NULL */
	unsigned min, max; /* instances kept up, instances at most */
	unsigned idle_timeout_ms;  /* an idle instance above min goes after this */
	unsigned queue;            /* requests that may wait for an instance */
	unsigned timeout_ms;       /* a request's bound, from its arrival to its response */
	unsigned start_timeout_ms; /* an instance's bound to become ready */
	bool snapshot;             /* the backend may start instances from a snapshot */
	void *backend_priv;
};

struct serve_config {
	struct serve_fn *fns;
	unsigned nfns;
};

/*
 * Read and check the configuration file `path` into *cfg (every field, see
 * README.md).  Returns 0, or -1 with a one-line reason in err that names
 * the file, the function and the field.  *cfg needs serve_config_free
 * after a success only.
 */
int serve_config_load(const char *path, struct serve_config *cfg, char *err, size_t errlen);

/* Give back what serve_config_load allocated. */
void serve_config_free(struct serve_config *cfg);

/*
 * Parse a size: digits, optionally followed by K, M or G (binary units).
 * Returns 0 and *bytes, or -1 when `s` is not one or overflows.
 */
int serve_parse_size(const char *s, uint64_t *bytes);

#endif /* SERVE_CONFIG_H */
