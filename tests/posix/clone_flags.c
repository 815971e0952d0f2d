/* clone(2) as libcs and programs use it for processes: flags, tid words, vfork, exit signals. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef __WCLONE
#define __WCLONE 0x80000000
#endif

static volatile int shared_word;
static char child_stack[64 * 1024] __attribute__((aligned(16)));

/* Raw clone with no new stack: returns twice like fork. */
static long raw_clone(unsigned long flags, void *ptid, void *ctid)
{
	return syscall(SYS_clone, flags, 0, ptid, ctid, 0);
}

static int child_fn(void *arg)
{
	shared_word = (int)(intptr_t)arg;
	return 0;
}

static void wait_status(const char *what, pid_t pid, int options)
{
	int st = 0;
	pid_t got = waitpid(pid, &st, options);

	if (got != pid)
		printf("%s: waitpid %s\n", what, strerror(errno));
	else if (WIFEXITED(st))
		printf("%s: exit %d\n", what, WEXITSTATUS(st));
	else
		printf("%s: signal %d\n", what, WTERMSIG(st));
}

int main(void)
{
	volatile int tid_word = -1;
	int ptid = -1;
	long pid;
	int st;

	setvbuf(stdout, NULL, _IONBF, 0);

	/* glibc's fork: the child's tid word is set in the child only. */
	pid = raw_clone(CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID | SIGCHLD, NULL,
	                (void *)&tid_word);
	if (pid == 0)
		_exit(tid_word == (int)syscall(SYS_gettid) ? 10 : 11);
	printf("fork-style clone: parent word untouched %d\n", tid_word == -1);
	wait_status("fork-style clone", pid, 0);

	/* CLONE_PARENT_SETTID: the parent's word, in the parent. */
	pid = raw_clone(CLONE_PARENT_SETTID | SIGCHLD, &ptid, NULL);
	if (pid == 0)
		_exit(0);
	printf("parent_settid matches: %d\n", ptid == pid);
	wait_status("parent_settid", pid, 0);

	/* vfork: the child borrows our memory and we sleep until it exits. */
	shared_word = 0;
	pid = vfork();
	if (pid == 0) {
		shared_word = 42;
		_exit(3);
	}
	printf("vfork: parent sees %d\n", shared_word);
	wait_status("vfork", pid, 0);

	/* posix_spawn's shape: CLONE_VM | CLONE_VFORK on a stack of its own. */
	shared_word = 0;
	pid = clone(child_fn, child_stack + sizeof(child_stack), CLONE_VM | CLONE_VFORK | SIGCHLD,
	            (void *)(intptr_t)7);
	printf("clone(VM|VFORK): parent sees %d\n", shared_word);
	wait_status("clone(VM|VFORK)", pid, 0);

	/* CLONE_VM without CLONE_VFORK: both run; the child's write is ours too. */
	shared_word = 0;
	pid = clone(child_fn, child_stack + sizeof(child_stack), CLONE_VM | SIGCHLD,
	            (void *)(intptr_t)9);
	wait_status("clone(VM)", pid, 0);
	printf("clone(VM): parent sees %d\n", shared_word);

	/* A "clone child" (exit signal not SIGCHLD) waits only with __WCLONE. */
	pid = raw_clone(0, NULL, NULL);
	if (pid == 0)
		_exit(5);
	printf("no exit signal, plain wait: %s\n",
	       waitpid(pid, &st, WNOHANG) < 0 ? strerror(errno) : "waitable");
	wait_status("no exit signal, __WCLONE", pid, __WCLONE);

	/* Combinations Linux refuses. */
	errno = 0;
	printf("THREAD without SIGHAND: %s\n",
	       raw_clone(CLONE_VM | CLONE_THREAD, NULL, NULL) < 0 ? strerror(errno) : "accepted");
	errno = 0;
	printf("SIGHAND without VM: %s\n",
	       raw_clone(CLONE_SIGHAND | SIGCHLD, NULL, NULL) < 0 ? strerror(errno) : "accepted");

	/* CLONE_PARENT: the grandchild becomes our child, not the middle process's. */
	pid = fork();
	if (pid == 0) {
		long g = raw_clone(CLONE_PARENT | SIGCHLD, NULL, NULL);

		if (g == 0)
			_exit(6);
		/* Not our child: wait4 finds none. */
		_exit(waitpid(g, &st, 0) < 0 && errno == ECHILD ? 0 : 1);
	}
	wait_status("CLONE_PARENT: middle", pid, 0);
	/* The grandchild was ours to reap. */
	pid = waitpid(-1, &st, 0);
	printf("CLONE_PARENT: reaped sibling, exit %d\n",
	       pid > 0 && WIFEXITED(st) ? WEXITSTATUS(st) : -1);

	/* A stack Linux does not check: the child faults on its first push, the parent goes on. */
	pid = syscall(SYS_clone, SIGCHLD, 0xffff800000001000ul, 0, 0, 0);
	if (pid == 0)
		_exit(0);
	wait_status("clone on a kernel-half stack", pid, 0);
	return 0;
}
