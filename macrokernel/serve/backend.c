/* nanvix-serve's backend registry: the backends linked in, found by name (serve/backend.h). */
#include <string.h>

#include <serve/backend.h>

/* Gathered by the linker from SERVE_BACKEND(); weak so that a build without any still links. */
extern const struct serve_backend *const __start_serve_backends[] __attribute__((weak));
extern const struct serve_backend *const __stop_serve_backends[] __attribute__((weak));

const struct serve_backend *serve_backend_find(const char *name)
{
	for (const struct serve_backend *const *b = __start_serve_backends;
	     b < __stop_serve_backends; b++)
		if (!strcmp((*b)->name, name))
			return *b;
	return NULL;
}

void serve_backend_each(void (*fn)(const struct serve_backend *b, void *arg), void *arg)
{
	for (const struct serve_backend *const *b = __start_serve_backends;
	     b < __stop_serve_backends; b++)
		fn(*b, arg);
}
