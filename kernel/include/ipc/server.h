/* In-VM servers: calls forwarded to a component's ring-3 server (abi/server.h). */
#ifndef IPC_SERVER_H
#define IPC_SERVER_H

#include <lib/klib.h>

struct file;
struct proc;
struct server;

/*
 * The components that can be placed in the VM, one server instance each
 * (its device, record pool, queue and message page).  A component places
 * its instance at boot when the boot info says so:
 *   SERVER_FS   /dev/fsd   remote_init, flag NANVIX_BOOT_FS_GUEST (fd/fsd.c)
 *   SERVER_NET  /dev/netd  inet_init, flag NANVIX_BOOT_NET_GUEST (net/netd.c)
 */
enum server_id { SERVER_FS, SERVER_NET, SERVER_COUNT };

/* What a component adds to the generic device. */
struct server_ops {
	/*
	 * A component ioctl (`req` >= NANVIX_SERVER_COMPONENT_IOCTL), made by
	 * the server (`cr3`: its address space) once its message page `page`
	 * is registered.  Returns >= 0 or -errno; -ENOTTY for an unknown `req`.
	 * NULL: the component has none.
	 */
	long (*ioctl)(volatile void *page, uint64_t cr3, uint64_t req, uint64_t arg);
};

/* Place component `id`'s server in the VM (boot, once): its device opens,
 * its calls wait for the server.  `ops` stays the caller's. */
void server_place(enum server_id id, const struct server_ops *ops);

/* True when component `id` is served in the VM (placed at boot). */
bool server_placed(enum server_id id);

/*
 * One request to component `id`'s server (placed), made by the current
 * thread: opcode `op` with args[0] = `cr3` (the address space the pointer
 * arguments belong to) and args[1..5] = a[0..4].  Sleeps until the server
 * answers (a server that has not started yet is waited for; callers beyond
 * the record pool wait for a record); not interruptible.  Returns the
 * server's status, *value (if not NULL) its value; -EIO once the server is
 * gone, -EDEADLK when the server calls itself.
 */
long server_call(enum server_id id, uint16_t op, uint64_t cr3, const uint64_t a[5],
                 uint64_t *value);

/* server_call waiting until `deadline` at most (clock_deadline; 0: no
 * limit): -ETIMEDOUT then, the request dropped or, if the server holds it,
 * abandoned (its client counts as gone). */
long server_call_until(enum server_id id, uint16_t op, uint64_t cr3, const uint64_t a[5],
                       uint64_t *value, uint64_t deadline);

/* Wake component `id`'s server for its own events: its SERVE (with a
 * timeout) returns without a request, page->events NANVIX_SERVER_EV_WAKE. */
void server_wake(enum server_id id);

/* Tell every registered server the VM was restored (NANVIX_SERVER_EV_RESTORED). */
void server_restored(void);

/* A component's message page begins with struct nanvix_server_page. */
#define SERVER_PAGE_SAME(type, f) \
	(__builtin_offsetof(type, f) == __builtin_offsetof(struct nanvix_server_page, f))
#define SERVER_PAGE_CHECK(type)                                                                 \
	_Static_assert(SERVER_PAGE_SAME(type, req) && SERVER_PAGE_SAME(type, status) &&         \
	                       SERVER_PAGE_SAME(type, value) && SERVER_PAGE_SAME(type, copy) && \
	                       SERVER_PAGE_SAME(type, events) &&                                \
	                       sizeof(type) >= sizeof(struct nanvix_server_page) &&             \
	                       sizeof(type) <= 4096,                                            \
	               #type " begins with struct nanvix_server_page and fits a page")

/* The placed server whose device is `path` (a kernel string), or NULL. */
struct server *server_find(const char *path);

/* Open server `s`'s device: the caller becomes the server and a system
 * process (the first opener only; -EBUSY after, for good).  0 and *out, or
 * -errno. */
long server_open(struct server *s, uint32_t flags, struct file **out);

/* Process `p` exits or replaces its image: a server it was is gone (its
 * waiting and later calls fail with -EIO). */
void server_proc_gone(struct proc *p);

/* Component `id`'s server's address space (for what it loaded), or 0. */
uint64_t server_cr3(enum server_id id);

#endif /* IPC_SERVER_H */
