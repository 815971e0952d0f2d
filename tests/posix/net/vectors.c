/* vectors: writev and readv on UDP sockets keep a datagram whole (and truncate it), as recv does. */
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <arpa/inet.h>
#include <sys/socket.h>
int main(void)
{
	int a = socket(AF_INET, SOCK_DGRAM, 0), b = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001) };
	socklen_t l = sizeof(sa);
	bind(b, (struct sockaddr *)&sa, sizeof(sa));
	getsockname(b, (struct sockaddr *)&sa, &l);
	connect(a, (struct sockaddr *)&sa, sizeof(sa));
	struct iovec w[2] = { { "hello ", 6 }, { "world", 5 } };
	printf("writev %zd\n", writev(a, w, 2));
	printf("writev %zd\n", writev(a, w + 1, 1));
	char x[4], y[20];
	struct iovec r[2] = { { x, 4 }, { y, 20 } };
	ssize_t n = readv(b, r, 2);
	printf("readv %zd: %.4s|%.*s\n", n, x, (int)(n > 4 ? n - 4 : 0), y);
	n = readv(b, r, 2);
	printf("readv %zd: %.*s\n", n, (int)(n < 4 ? n : 4), x);
	return 0;
}
