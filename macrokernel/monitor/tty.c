/* The guest's terminals: termios and window size of nanvixd's terminal, restored at the end. */
/*
 * There is no terminal inside the VM: a console stream "is" a terminal when
 * nanvixd's matching fd is one (or, with -t, when nanvixd has any), and its
 * terminal ioctls act on that host terminal directly.  So the host's line
 * discipline does the work (echo, Ctrl-C to nanvixd, which forwards
 * SIGINT), a program that turns echo off or goes raw changes the real
 * terminal, and nanvixd puts its mode back when the VM ends, however it
 * ends short of SIGKILL.
 *
 * The requests use the kernel's struct termios (36 bytes), the layout the
 * guest's libc passes too, so bytes go through unchanged.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <monitor/guestmem.h>
#include <monitor/tty.h>
#include <monitor/vm.h>

_Static_assert(TCGETS == LINUX_TCGETS && TCSETS == LINUX_TCSETS && TCSETSW == LINUX_TCSETSW &&
                       TCSETSF == LINUX_TCSETSF && TIOCGWINSZ == LINUX_TIOCGWINSZ,
               "the host is Linux x86-64: the guest's requests are its own");
_Static_assert(sizeof(struct linux_termios) == 36, "the kernel's struct termios");
_Static_assert(sizeof(struct linux_winsize) == 8, "struct winsize");

static bool is_tty(int fd)
{
	struct linux_termios t;

	return fd >= 0 && ioctl(fd, TCGETS, &t) == 0;
}

int tty_setup(struct vm *vm, enum tty_mode mode)
{
	const int host[3] = { vm->in_fd, vm->out_fd, vm->err_fd };
	struct vm_tty *t = &vm->tty;
	int term = -1;

	memset(t, 0, sizeof(*t));
	if (mode == TTY_NONE)
		return 0;
	for (int n = 0; n < 3; n++) {
		if (mode == TTY_AUTO && is_tty(host[n])) {
			t->fd[n] = host[n];
			t->mask |= 1u << n;
		} else if (term < 0 && is_tty(host[n])) {
			term = host[n];
		}
	}
	if (mode == TTY_FORCE) {
		if (term < 0) {
			t->own_fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
			t->own = t->own_fd >= 0;
			if (!is_tty(t->own_fd)) {
				vm_error("-t: no terminal (stdin, stdout and stderr are not "
				         "terminals, "
				         "and there is no controlling terminal)");
				tty_restore(vm);
				return NANVIXD_EXIT_USAGE;
			}
			term = t->own_fd;
		}
		for (int n = 0; n < 3; n++)
			t->fd[n] = term;
		t->mask = 7;
	}
	for (int n = 0; n < 3; n++)
		if ((t->mask & (1u << n)) && ioctl(t->fd[n], TCGETS, &t->orig[n]) < 0)
			t->mask &= ~(1u << n);
	return 0;
}

uint32_t tty_boot_flags(const struct vm *vm)
{
	return (uint32_t)vm->tty.mask << 4; /* NANVIX_BOOT_TTY(0) is bit 4 */
}

int64_t tty_ioctl(struct vm *vm, uint64_t cr3, uint32_t stream, uint32_t req, uint64_t arg)
{
	struct vm_tty *t = &vm->tty;
	struct linux_termios tio;
	struct linux_winsize ws;
	int fd;

	if (stream > 2 || !(t->mask & (1u << stream)))
		return -ENOTTY;
	fd = t->fd[stream];
	switch (req) {
	case LINUX_TCGETS:
		if (ioctl(fd, TCGETS, &tio) < 0)
			return -errno;
		return gva_copy_to(&vm->mem, cr3, arg, &tio, sizeof(tio));
	case LINUX_TCSETS:
	case LINUX_TCSETSW:
	case LINUX_TCSETSF:
		/* Any mode is the guest's to choose: it is its terminal, and it gets put back. */
		if (gva_read(&vm->mem, cr3, arg, &tio, sizeof(tio)) < 0)
			return -EFAULT;
		if (ioctl(fd, req, &tio) < 0)
			return -errno;
		t->changed |= 1u << stream;
		return 0;
	case LINUX_TIOCGWINSZ:
		if (ioctl(fd, TIOCGWINSZ, &ws) < 0)
			return -errno;
		return gva_copy_to(&vm->mem, cr3, arg, &ws, sizeof(ws));
	default: return -ENOTTY;
	}
}

void tty_restore(struct vm *vm)
{
	struct vm_tty *t = &vm->tty;

	/* TCSETS, not TCSETSW: never wait here on output a stopped terminal holds. */
	for (int n = 0; n < 3; n++)
		if (t->changed & (1u << n))
			ioctl(t->fd[n], TCSETS, &t->orig[n]);
	t->changed = 0;
	if (t->own)
		close(t->own_fd);
	t->own = false;
	t->mask = 0;
}
