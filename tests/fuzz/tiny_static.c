/* A libc-free static program; linked by mkcorpus.sh into the real-linker seeds of the ELF corpus. */
static const char msg[] = "hi\n";

void _start(void);

void _start(void)
{
	long r;

	__asm__ volatile("syscall"
	                 : "=a"(r)
	                 : "a"(1), "D"(1), "S"(msg), "d"(sizeof(msg) - 1)
	                 : "rcx", "r11", "memory");
	__asm__ volatile("syscall" : : "a"(60), "D"(0) : "rcx", "r11", "memory");
	for (;;)
		;
}
