/* Ring-3 instructions that reveal or reach kernel state must fault (UMIP, int $N). */
#include <cpuid.h>
#include <stdint.h>
#include "common.h"

static void do_sgdt(void)
{
	uint8_t d[10];
	__asm__ volatile("sgdt %0" : "=m"(d));
}
static void do_sidt(void)
{
	uint8_t d[10];
	__asm__ volatile("sidt %0" : "=m"(d));
}
static void do_sldt(void)
{
	uint16_t d;
	__asm__ volatile("sldt %0" : "=m"(d));
}
static void do_smsw(void)
{
	uint16_t d;
	__asm__ volatile("smsw %0" : "=m"(d));
}
static void do_str(void)
{
	uint16_t d;
	__asm__ volatile("str %0" : "=m"(d));
}
static void do_int_0x40(void)
{
	__asm__ volatile("int $0x40");
}
static void do_int_timer(void)
{
	__asm__ volatile("int $0x20");
}
static void do_int_0xff(void)
{
	__asm__ volatile("int $0xff");
}

int main(void)
{
	unsigned a, b, c, d;

	setvbuf(stdout, NULL, _IONBF, 0);
	/* UMIP: CPUID.(7,0):ECX[2].  Without it these run as on any CPU without it. */
	if (__get_cpuid_count(7, 0, &a, &b, &c, &d) && (c & 4)) {
		probe("sgdt", do_sgdt);
		probe("sidt", do_sidt);
		probe("sldt", do_sldt);
		probe("smsw", do_smsw);
		probe("str", do_str);
	} else {
		printf("umip: not offered by this CPU, sgdt and friends not probed\n");
	}
	probe("int $0x40", do_int_0x40);
	probe("int $0x20 (the tick's vector)", do_int_timer);
	probe("int $0xff", do_int_0xff);
	printf("still running\n");
	return 0;
}
