/* The guest's terminals: console streams backed by nanvixd's own terminal. */
#ifndef MONITOR_TTY_H
#define MONITOR_TTY_H

#include <stdbool.h>
#include <stdint.h>

#include <abi/linux.h>

struct vm;

/* Which console streams act as terminals (nanvixd -t, --no-tty, default). */
enum tty_mode {
	TTY_AUTO,  /* stream N is a terminal when nanvixd's own fd N is one */
	TTY_FORCE, /* -t: all three are, backed by the controlling terminal */
	TTY_NONE,  /* --no-tty: none (every terminal ioctl gives ENOTTY) */
};

/*
 * Per-VM terminal state, zero when there is none.  Stream N (0 stdin,
 * 1 stdout, 2 stderr) is a terminal when bit N of `mask` is set; `fd[N]`
 * is the host terminal behind it.  `orig[N]` is that terminal's mode when
 * the VM started, put back at the end if the guest changed it.
 */
struct vm_tty {
	uint8_t mask;
	uint8_t changed;
	int fd[3];
	bool own; /* own_fd is /dev/tty, opened for -t */
	int own_fd;
	struct linux_termios orig[3];
};

/*
 * Decide the guest's terminals for `mode` from vm's console fds (in_fd,
 * out_fd, err_fd, set before) and record their modes.  Returns 0, or
 * NANVIXD_EXIT_USAGE after printing why (-t with no terminal at all).
 */
int tty_setup(struct vm *vm, enum tty_mode mode);

/* NANVIX_BOOT_TTY(n) bits for the boot info. */
uint32_t tty_boot_flags(const struct vm *vm);

/*
 * Serve NANVIX_HC_TTY: the Linux terminal ioctl `req` on console stream
 * `stream` with its argument at user address `arg` in `cr3`, every field
 * guest-supplied.  Returns 0 or -errno (-ENOTTY for a stream that is no
 * terminal or a request other than TCGETS, TCSETS, TCSETSW, TCSETSF,
 * TIOCGWINSZ; -EFAULT for a bad argument).
 */
int64_t tty_ioctl(struct vm *vm, uint64_t cr3, uint32_t stream, uint32_t req, uint64_t arg);

/* Put back every terminal mode the guest changed and close what setup opened. */
void tty_restore(struct vm *vm);

#endif /* MONITOR_TTY_H */
