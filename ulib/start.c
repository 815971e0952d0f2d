/* Process start-up after crt0: environ, constructors, main(), exit(). */
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "thread.h"

int main(int argc, char **argv, char **envp);
void __libc_init_array(void);
void __libc_fini_array(void);
void ulib_start(long *sp) __attribute__((noreturn, used));

/*
 * newlib's libc.a has a raise() and a signal() of its own; naming raise()
 * here links ulib's signal.c (kernel signals) from libulib.a before the
 * linker searches libc.a, so newlib's are never taken (see signal.c).  The
 * pointer itself is dropped by --gc-sections.
 */
static int (*const pull_signals)(int) __attribute__((used)) = raise;

/*
 * newlib's __libc_init_array() calls _init() before the .init_array
 * constructors, and __libc_fini_array() calls _fini() after the .fini_array
 * destructors.  Guests are linked without crti/crtn, so these are empty.
 */
void _init(void)
{
}

void _fini(void)
{
}

/*
 * Called by _start (crt0.S) with the initial stack pointer (sp): argc, then
 * argv[] and envp[], each NULL-terminated, then the auxiliary vector, which
 * ulib does not use yet.  environ is newlib's (libc/stdlib/environ.c).
 */
void ulib_start(long *sp)
{
	int argc = (int)sp[0];
	char **argv = (char **)(sp + 1);
	char **envp = argv + argc + 1;

	ulib_thread_init(); /* FS base and errno before any other code */
	environ = envp;
	atexit(__libc_fini_array);
	__libc_init_array();
	exit(main(argc, argv, envp));
}
