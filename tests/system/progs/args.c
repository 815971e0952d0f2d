/* args: echoes argc, argv[] and two environment variables, to check start-up. */
#include <stdio.h>
#include <stdlib.h>

static void show_env(const char *name)
{
	const char *v = getenv(name);

	if (v)
		printf("%s=%s\n", name, v);
	else
		printf("%s unset\n", name);
}

int main(int argc, char **argv)
{
	printf("argc=%d\n", argc);
	for (int i = 0; i < argc; i++)
		printf("argv[%d]=%s\n", i, argv[i]);
	show_env("NANVIX_A");
	show_env("NANVIX_B");
	return 0;
}
