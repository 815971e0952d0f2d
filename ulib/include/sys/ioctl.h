/* <sys/ioctl.h> for newlib guests: ioctl() and the terminal requests known. */
#ifndef ULIB_SYS_IOCTL_H
#define ULIB_SYS_IOCTL_H

#include <abi/linux.h>

/* Requests keep their Linux numbers: ioctl() passes them through. */
#define TCGETS     LINUX_TCGETS
#define TCSETS     LINUX_TCSETS
#define TCSETSW    LINUX_TCSETSW
#define TCSETSF    LINUX_TCSETSF
#define TIOCGWINSZ LINUX_TIOCGWINSZ

struct winsize {
	unsigned short ws_row;
	unsigned short ws_col;
	unsigned short ws_xpixel;
	unsigned short ws_ypixel;
};

#ifdef __cplusplus
extern "C" {
#endif

int ioctl(int fd, unsigned long request, ...);

#ifdef __cplusplus
}
#endif

#endif /* ULIB_SYS_IOCTL_H */
