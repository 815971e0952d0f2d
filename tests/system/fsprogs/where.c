/* where: prints the working directory; writes, reads back and keeps a file; may then sleep. */
/*
 * usage: where [FILE [TEXT [SECONDS]]]: "cwd=DIR", then with FILE "FILE=TEXT"
 * once TEXT (default "data") was written to FILE and read back, then a
 * sleep of SECONDS (tests/system/rootfs.sh: -w, the default /tmp).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const char *text = argc > 2 ? argv[2] : "data";
	char cwd[4096], back[256] = "";
	FILE *f;

	if (!getcwd(cwd, sizeof(cwd))) {
		perror("getcwd");
		return 1;
	}
	printf("cwd=%s\n", cwd);
	if (argc < 2)
		return 0;
	f = fopen(argv[1], "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		perror(argv[1]);
		return 2;
	}
	f = fopen(argv[1], "r");
	if (!f || !fgets(back, sizeof(back), f)) {
		perror(argv[1]);
		return 3;
	}
	fclose(f);
	printf("%s=%s\n", argv[1], back);
	fflush(stdout);
	if (argc > 3)
		sleep((unsigned)atoi(argv[3]));
	return strcmp(back, text) != 0;
}
