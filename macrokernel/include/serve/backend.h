/* nanvix-serve's backends: what starts, resets and stops a function's instances. */
#ifndef SERVE_BACKEND_H
#define SERVE_BACKEND_H

/*
 * The gateway (macrokernel/serve/) owns the HTTP side and the pools; a
 * backend owns the instances themselves: host processes (backend_process.c,
 * for testing the gateway) or micro-VMs restored from a snapshot.  An
 * instance is anything that serves HTTP/1.1, one request at a time, at the
 * stream socket address the backend reports.
 *
 * Threading contract
 *
 *   - Every call below except init and fini runs on one of the gateway's
 *     worker threads, never on its event loop, so a call may block (a boot,
 *     a snapshot restore, a waitpid).  Calls for *different* instances and
 *     functions run concurrently: whatever the backend shares between
 *     them (state from init) it locks itself.  Calls for one instance never
 *     overlap, and come in the order spawn, then recycle any number of
 *     times, then destroy.  destroy is called once for every instance
 *     whose spawn succeeded, and never for one whose spawn failed.
 *   - prepare(fn) returns before any spawn for fn starts; unprepare(fn)
 *     starts after every instance of fn was destroyed.
 *   - init and fini run on the main thread, before the workers start and
 *     after they stopped.
 *   - A backend never calls into the gateway and never sees a client.
 *   - Errors: 0 or -1; on -1, a one-line reason in err (no trailing
 *     newline), which the gateway logs with the function and instance.
 *   - SIGPIPE is ignored in the process; SIGINT, SIGTERM and SIGUSR1 are
 *     blocked in every thread (the gateway reads them from a signalfd):
 *     a backend that starts processes resets both in the child.
 */

#include <stddef.h>
#include <sys/socket.h>

#include <serve/config.h>

/*
 * One instance.  The gateway allocates it, sets `id` and `fn`, and passes
 * the same pointer to every call for this instance.
 */
struct serve_inst {
	unsigned long id;          /* gateway: unique in this process, for logs */
	const struct serve_fn *fn; /* gateway */

	/* Set by spawn, read by the gateway until destroy. */
	struct sockaddr_storage addr; /* where the instance serves HTTP (TCP: 127.0.0.1:PORT) */
	socklen_t addrlen;
	/*
	 * Readable (or hung up) once the instance died on its own, or -1 when
	 * the backend cannot tell (the gateway then learns it from the
	 * connection).  A process backend gives a pidfd.  Owned by the backend:
	 * it stays open until destroy (or a recycle that replaces it) closes it.
	 */
	int dead_fd;
	/*
	 * The instance's output (console, stdout), or -1: the gateway makes it
	 * non-blocking, reads it and copies it to stderr, one line at a time
	 * with the function and instance in front.  Owned (closed) by the
	 * backend, like dead_fd.
	 */
	int log_fd;
	void *priv; /* the backend's */
};

struct serve_backend {
	const char *name;    /* what --backend selects */
	const char *summary; /* one line for --help */

	/* Optional: set up the backend's shared state, passed to every call as `state`. */
	int (*init)(void **state, char *err, size_t errlen);
	/* Optional: give it back (every function was unprepared). */
	void (*fini)(void *state);

	/*
	 * Optional: once per function, before its first instance: check that
	 * fn can run here, and do the work its instances share (boot it once
	 * and take a snapshot when fn->snapshot).  May set fn->backend_priv.
	 * A failure here is fatal at start-up.
	 */
	int (*prepare)(void *state, struct serve_fn *fn, char *err, size_t errlen);
	/* Optional: undo prepare (every instance of fn is gone). */
	void (*unprepare)(void *state, struct serve_fn *fn);

	/*
	 * Start one instance of inst->fn and return once it serves at
	 * inst->addr (or fails).  Bounded by fn->start_timeout_ms.  Sets addr,
	 * addrlen, dead_fd, log_fd and priv.  On failure nothing may be left
	 * running or open.
	 */
	int (*spawn)(void *state, struct serve_inst *inst, char *err, size_t errlen);

	/*
	 * Optional (NULL: instances are kept as they are between requests):
	 * after each request, put the instance back into its initial state,
	 * e.g. restore the snapshot in place, so that no request sees what an
	 * earlier one left.  The gateway has closed its connections to the
	 * instance and stopped watching dead_fd and log_fd: recycle may
	 * replace addr, dead_fd and log_fd (closing the old ones), and the
	 * gateway watches whatever they are when it returns.  On -1 the
	 * gateway destroys the instance (destroy is still called).
	 */
	int (*recycle)(void *state, struct serve_inst *inst, char *err, size_t errlen);

	/*
	 * Stop the instance for good (kill it, reap it) and close what spawn
	 * opened, dead_fd and log_fd included (the gateway no longer watches
	 * them).  When the instance had already ended on its own, say how in
	 * `how` ("exited with status 3", "killed by signal 11"), else leave
	 * how[0] == 0.  Cannot fail.
	 */
	void (*destroy)(void *state, struct serve_inst *inst, char *how, size_t howlen);
};

/*
 * Register backend `b` (a struct serve_backend with static storage): the
 * linker gathers the registrations in the section `serve_backends`, so the
 * backends built are the sources linked (macrokernel/serve/serve.mk).
 */
#define SERVE_BACKEND(b)                                                 \
	static const struct serve_backend *const serve_backend_entry_##b \
	        __attribute__((section("serve_backends"), used, aligned(sizeof(void *)))) = &b

/* The registered backend called `name`, or NULL. */
const struct serve_backend *serve_backend_find(const char *name);

/* Call fn(b, arg) for each registered backend. */
void serve_backend_each(void (*fn)(const struct serve_backend *b, void *arg), void *arg);

#endif /* SERVE_BACKEND_H */
