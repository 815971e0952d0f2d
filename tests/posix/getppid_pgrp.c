/* getppid_pgrp: a child's getppid is its parent's pid; setpgid(0, 0) makes it a group leader. */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

/* Bits of the child's exit status, one per check it passed. */
enum { PPID_OK = 1, SETPGID_OK = 2, LEADER_OK = 4, LEFT_GROUP_OK = 8, ALL_OK = 15 };

int main(void)
{
	pid_t parent = getpid(), parent_pgrp = getpgrp(), pid;
	int st = 0, got, fails = 0;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		int bits = 0;

		bits |= getppid() == parent ? PPID_OK : 0;
		bits |= setpgid(0, 0) == 0 ? SETPGID_OK : 0;
		bits |= getpgrp() == getpid() ? LEADER_OK : 0;
		bits |= getpgrp() != parent_pgrp ? LEFT_GROUP_OK : 0;
		_exit(bits);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st)) {
		printf("FAIL: fork or waitpid\n");
		return 1;
	}
	got = WEXITSTATUS(st);
	/* Ids differ from run to run: print only whether they matched. */
	printf("child's getppid vs parent's getpid: %s\n", got & PPID_OK ? "match" : "differ");
	printf("setpgid(0, 0): %s\n", got & SETPGID_OK ? "ok" : "failed");
	printf("child's getpgrp vs its getpid: %s\n", got & LEADER_OK ? "match" : "differ");
	printf("child left the parent's group: %s\n", got & LEFT_GROUP_OK ? "yes" : "no");
	printf("parent's group unchanged: %s\n", getpgrp() == parent_pgrp ? "yes" : "no");
	fails += got != ALL_OK;
	fails += getpgrp() != parent_pgrp;
	if (fails)
		printf("FAIL: child bits %d\n", got);
	return fails;
}
