/* The fast-call page (0xffffff0000000000): any access but the entry page's faults that process only. */
#include <stdint.h>
#include "common.h"

#define FASTCALL ((volatile uint64_t *)0xffffff0000000000ull)

static void load(void)
{
	(void)*FASTCALL;
}
static void store_offset(void)
{
	FASTCALL[5] = 1;
}
static void store_short(void)
{
	*(volatile uint32_t *)FASTCALL = 0;
} /* the right place, the wrong size */
static void load_byte(void)
{
	(void)*(volatile uint8_t *)((uintptr_t)FASTCALL + 4095);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	probe("load", load);
	probe("store at another offset", store_offset);
	probe("4-byte store at the start", store_short);
	probe("byte load at the end", load_byte);
	printf("the VM goes on\n");
	return 0;
}
