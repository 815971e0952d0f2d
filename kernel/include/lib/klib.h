/* The kernel's own small C library: types, strings, formatted output, panic. */
#ifndef LIB_KLIB_H
#define LIB_KLIB_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PAGE_SIZE    4096ull
#define PAGE_MASK    (PAGE_SIZE - 1)
#define PAGE_DOWN(x) ((uint64_t)(x) & ~PAGE_MASK)
#define PAGE_UP(x)   (((uint64_t)(x) + PAGE_MASK) & ~PAGE_MASK)

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strlcpy(char *d, const char *s, size_t n);

/* snprintf subset: %s %c %d %i %u %x %p %%, flags # 0, width, l/ll/z. */
int kvsnprintf(char *buf, size_t n, const char *fmt, va_list ap);
int ksnprintf(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Print to the kernel console (one hypercall per call). */
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A broken kernel invariant: report and stop the VM.  Never for user input. */
__attribute__((noreturn)) void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define kassert(c)                                                                     \
	do {                                                                           \
		if (!(c))                                                              \
			panic("assertion failed: %s (%s:%d)", #c, __FILE__, __LINE__); \
	} while (0)

/* Non-local return within the kernel (kernel/lib/setjmp.S). */
int kset_jmp(uint64_t buf[8]) __attribute__((returns_twice));
__attribute__((noreturn)) void klong_jmp(uint64_t buf[8], int val);

#endif /* LIB_KLIB_H */
