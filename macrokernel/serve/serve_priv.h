/* nanvix-serve's private interface: its event loop, pools, upstream exchanges and workers. */
#ifndef SERVE_SERVE_PRIV_H
#define SERVE_SERVE_PRIV_H

#include <netinet/in.h>
#include <sys/socket.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include <serve/backend.h>
#include <serve/config.h>
#include <serve/http.h>

#define SERVE_HEAD_MAX  (16 * 1024) /* a request's or a response's head */
#define SERVE_LOG_LINE  512         /* an instance's output line copied to stderr, at most */
#define SERVE_RETRY_MIN 250         /* ms: the first back-off after a failed spawn */
#define SERVE_RETRY_MAX 30000       /* ms: the longest */

/* Intrusive doubly-linked lists (a list head is a struct list linked to itself). */
struct list {
	struct list *prev, *next;
};

#define container_of(p, type, member) ((type *)((char *)(p)-offsetof(type, member)))
#define list_entry(l, type, member)   container_of((l)->next, type, member)

static inline void list_init(struct list *l)
{
	l->prev = l->next = l;
}

static inline bool list_empty(const struct list *l)
{
	return l->next == l;
}

static inline void list_insert(struct list *prev, struct list *n)
{
	n->prev = prev;
	n->next = prev->next;
	prev->next->prev = n;
	prev->next = n;
}

static inline void list_add_head(struct list *l, struct list *n)
{
	list_insert(l, n);
}

static inline void list_add_tail(struct list *l, struct list *n)
{
	list_insert(l->prev, n);
}

/* Unlink n (if linked) and leave it linked to itself. */
static inline void list_del(struct list *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	list_init(n);
}

/* What an epoll event is about: the first member of the thing watched. */
enum watch_kind { W_LISTEN, W_SIGNAL, W_JOBS, W_CLIENT, W_UPSTREAM, W_DEAD, W_LOG };

struct watch {
	enum watch_kind kind;
	int fd;          /* -1: not open */
	bool added;      /* in the epoll set */
	uint32_t events; /* the interest set */
};

/* A deadline in the timer heap. */
enum timer_kind { T_CLIENT, T_INST, T_POOL, T_ACCEPT };

struct timer {
	uint64_t when; /* ms, CLOCK_MONOTONIC */
	unsigned slot; /* heap index + 1; 0 while not armed */
	enum timer_kind kind;
};

struct timer_heap {
	struct timer **v;
	unsigned n, cap; /* cap is sized at start-up for every timer that can exist */
};

/* Work for the worker threads: one backend call. */
enum job_kind { J_PREPARE, J_UNPREPARE, J_SPAWN, J_RECYCLE, J_DESTROY };

struct job {
	enum job_kind kind;
	struct pool *pool;
	struct inst *inst; /* J_SPAWN, J_RECYCLE, J_DESTROY */
	int rc;            /* the backend's */
	char err[256];     /* the backend's reason, or how a destroyed instance had ended */
	struct job *next;
};

struct fn_stats {
	uint64_t invocations; /* requests routed to the function */
	uint64_t s2xx, s3xx, s4xx, s5xx;
	uint64_t rejected; /* 503: its queue was full */
	uint64_t timeouts; /* 504 */
	uint64_t crashes;  /* instances that died or broke a connection */
	uint64_t started, destroyed, spawn_failures, recycles;
	uint64_t aborted; /* clients that went away before their response */
};

enum pool_state { P_NEW, P_PREPARING, P_READY, P_UNPREPARING, P_DONE };

/* One function's instances and the requests waiting for them. */
struct pool {
	struct serve *srv;
	struct serve_fn *fn;
	enum pool_state state;
	struct list insts; /* every instance, in any state */
	struct list idle;  /* I_IDLE ones, the most recently used first */
	struct list queue; /* C_QUEUED clients, oldest first */
	unsigned nqueue;
	unsigned ninst; /* every state: counts against fn->max */
	unsigned nstarting, nidle, nbusy, nrecycling, ndestroying;
	unsigned failures; /* consecutive failed spawns */
	bool backoff;      /* no spawn until `retry` fires */
	struct timer retry;
	struct job job; /* prepare, unprepare */
	struct fn_stats st;
};

enum inst_state { I_STARTING, I_IDLE, I_BUSY, I_RECYCLING, I_DESTROYING };

struct inst {
	struct serve_inst pub; /* what the backend sees */
	struct pool *pool;
	enum inst_state state;
	struct list link;      /* pool->insts */
	struct list idle_link; /* pool->idle while I_IDLE */
	struct timer timer;    /* idle expiry */
	struct watch w_up;     /* the connection to it (kept between requests), or -1 */
	struct watch w_dead, w_log;
	bool up_used; /* w_up carried a request before (a reused connection may have gone stale) */
	bool doomed;  /* destroy when the running job ends */
	bool failed;  /* destroyed by inst_fail: log it */
	bool crashed; /* ... as a crash */
	struct client *client; /* I_BUSY: whose request it serves */
	uint64_t t_start;      /* when the spawn was submitted */
	char why[200];         /* why it is destroyed */
	char log[SERVE_LOG_LINE];
	size_t loglen;
	struct job job;
	struct list grave; /* the server's graveyard */
};

enum client_state {
	C_IDLE,   /* keep-alive: between requests */
	C_READ,   /* a request is arriving */
	C_QUEUED, /* the request waits in its pool's queue */
	C_EXEC,   /* an instance serves it */
	C_WRITE,  /* the response goes out */
	C_LINGER, /* answered, our side shut: its last bytes are read and dropped before close */
	C_DEAD,   /* closed, in the graveyard */
};

/* How an instance's response body ends. */
enum framing { F_NONE, F_LENGTH, F_CHUNKED, F_CLOSE };

/* One client connection, and its current request (no pipelining: one at a time). */
struct client {
	struct watch w; /* -1 once closed while its request is still with an instance */
	struct serve *srv;
	enum client_state state;
	struct list link;  /* srv->clients */
	struct list qlink; /* pool->queue while C_QUEUED */
	struct timer timer;
	char peer[INET6_ADDRSTRLEN];
	bool peer_eof; /* the client shut its side: answer, then close */
	bool parsing;  /* client_parse is on the stack (it loops over pipelined requests) */

	/* The request, read into `in` (which may hold the start of the next one after it). */
	char *in;
	size_t in_len, in_cap;
	struct http_req req;
	bool head_done;
	size_t req_len; /* head and body */
	bool keep_alive;
	struct pool *pool;

	/* The exchange with an instance (C_EXEC). */
	struct inst *inst;
	char *fwd; /* the head forwarded */
	size_t fwd_len;
	size_t sent; /* bytes of fwd and the body sent */
	bool connecting;
	bool reused;  /* the exchange began on a connection kept from an earlier one */
	bool retried; /* ... which had gone stale: it was retried on a new one */
	char *rb;     /* the instance's response: head, then the body (decoded in place) */
	size_t rb_len, rb_cap;
	struct http_resp resp;
	bool resp_head;
	enum framing framing;
	size_t body_start, body_end, raw_pos;
	struct http_chunked ch;
	bool up_extra; /* bytes after the response: the connection cannot be reused */

	/* The response to the client (C_WRITE). */
	char *out_head;
	struct iovec iov[2];
	size_t out_left;
	bool close_after;
	struct list grave;
};

/* Worker threads running backend calls (jobs.c). */
struct workers {
	pthread_t *threads;
	unsigned n;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct job *todo, *todo_tail; /* FIFO */
	struct job *done, *done_tail;
	bool stop;
};

struct gw_stats {
	uint64_t connections, requests, unrouted, bad_requests, client_timeouts;
};

struct serve_options {
	const char *config;
	const char *listen; /* ADDR:PORT */
	int notify_fd;      /* -1: none */
	const char *backend;
	unsigned workers;
	unsigned max_conns;
	uint64_t max_body, max_response;
	unsigned client_timeout_ms;
	bool verbose;
};

/* The daemon. */
struct serve {
	struct serve_options opt;
	const struct serve_backend *be;
	void *be_state;
	struct serve_config cfg;
	struct pool *pools;
	unsigned npools;

	int ep;
	struct watch w_listen, w_sig, w_jobs; /* w_jobs: an eventfd the workers write */
	struct timer accept_timer;            /* re-enables accept after EMFILE */
	bool accept_paused;
	struct timer_heap th;
	struct workers wk;

	struct list clients;
	unsigned nclients;
	struct list grave_clients, grave_insts; /* freed once the epoll batch is done */
	unsigned long next_id;

	char url[80]; /* http://ADDR:PORT */
	bool ready;
	bool stopping;
	bool done;
	int exit_code;
	struct gw_stats st;
};

/* main.c / gateway.c: log one line to stderr, "nanvix-serve: " first, in one write. */
void serve_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The time in ms (CLOCK_MONOTONIC). */
uint64_t serve_now(void);

/* timer.c: a binary min-heap of deadlines.  Arming an armed timer moves it. */
int timer_heap_init(struct timer_heap *h, unsigned cap);
void timer_heap_free(struct timer_heap *h);
void timer_arm(struct timer_heap *h, struct timer *t, uint64_t when);
void timer_disarm(struct timer_heap *h, struct timer *t);
/* The earliest armed timer if it is due at `now` (disarmed), else NULL. */
struct timer *timer_pop_due(struct timer_heap *h, uint64_t now);
/* The earliest deadline, or UINT64_MAX. */
uint64_t timer_next(const struct timer_heap *h);

/* jobs.c: the worker threads.  Start/stop on the main thread; submit and reap on the loop. */
int jobs_start(struct serve *s, char *err, size_t errlen);
void jobs_submit(struct serve *s, struct job *j);
/* Take the finished jobs (after w_jobs became readable) and call done(s, j) for each. */
void jobs_reap(struct serve *s, void (*done)(struct serve *s, struct job *j));
void jobs_stop(struct serve *s);

/* pool.c: the pools and their instances (all on the event loop). */
void pool_init(struct serve *s, struct pool *p, struct serve_fn *fn);
void pool_start(struct pool *p);
/* A complete request for p: an idle instance takes it, or it waits, or it gets 503. */
void pool_submit(struct pool *p, struct client *c);
/* Match instances and waiting requests; start and stop instances as needed. */
void pool_kick(struct pool *p);
/* A queued request leaves the queue (its client timed out or went away). */
void pool_unqueue(struct pool *p, struct client *c);
/* The instance answered: it is free again (after a recycle, if the backend has one). */
void inst_release(struct inst *in);
/*
 * The instance must go: its client, if any, gets `status` (502, 504) and
 * the instance is destroyed and replaced as needed; `crash` counts and
 * logs it as a crash.  `why` is what the log line says.
 */
void inst_fail(struct inst *in, int status, bool crash, const char *why);
void pool_job_done(struct serve *s, struct job *j);
void pool_timer(struct serve *s, struct timer *t);
void inst_dead_event(struct inst *in);
void inst_log_event(struct inst *in);
void pool_print_stats(const struct pool *p);
/* Shut down: destroy idle instances once nothing waits; unprepare when empty.  True when done. */
bool pool_wind_down(struct pool *p);
/* Every pool prepared and holding its min instances. */
bool pools_ready(const struct serve *s);
void inst_free(struct inst *in);

/* proxy.c: the exchange of one request with an instance. */
void proxy_start(struct inst *in, struct client *c);
void proxy_event(struct inst *in, uint32_t events);
/* Forget the exchange's buffers (the client is done with them). */
void proxy_reset(struct client *c);
/* Stop watching and close the connection to the instance. */
void proxy_close_upstream(struct inst *in);

/* gateway.c: the event loop, the listening socket, signals, shutdown. */
int gateway_listen(struct serve *s, char *err, size_t errlen);
int gateway_run(struct serve *s);
/* Watch fd for `events` (EPOLL*) as w: add, change, remove (the fd stays open). */
void gateway_watch(struct serve *s, struct watch *w, uint32_t events);
void gateway_unwatch(struct serve *s, struct watch *w);
/* Accept again if accepting was paused (at --max-conns, or out of fds). */
void gateway_resume_accept(struct serve *s);
/* Readiness: print the ready line and notify once every pool is ready. */
void gateway_check_ready(struct serve *s);
/* Begin the shutdown (first signal) or hurry it (second, or a fatal error). */
void gateway_stop(struct serve *s, bool hurry);

/* client.c: client connections (all on the event loop). */
/* A connection accepted: its struct, in state IDLE. */
void client_new(struct serve *s, int fd, const struct sockaddr_storage *ss);
void client_event(struct client *c, uint32_t events);
void client_timer(struct serve *s, struct client *c);
/* Close the connection; the struct goes to the graveyard unless its request is in flight. */
void client_close(struct client *c);
/* Free a struct from the graveyard. */
void client_free(struct client *c);
/* Move the client to state st (its epoll interest follows). */
void client_set_state(struct client *c, enum client_state st);
/* Send the client a response of the gateway's own: a JSON error body. */
void client_error(struct client *c, int status, const char *code, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
/* Send the client the instance's response, as parsed into its exchange fields. */
void client_relay(struct client *c);

#endif /* SERVE_SERVE_PRIV_H */
