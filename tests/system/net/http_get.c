/* http_get: one HTTP/1.0 GET to ADDR:PORT (a name is resolved); prints the status line or why it failed. */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

/* errno names both libcs print the same way. */
static const char *ename(int e)
{
	switch (e) {
	case ECONNREFUSED: return "ECONNREFUSED";
	case ETIMEDOUT: return "ETIMEDOUT";
	case ENETUNREACH: return "ENETUNREACH";
	case EHOSTUNREACH: return "EHOSTUNREACH";
	case ECONNRESET: return "ECONNRESET";
	default: return strerror(e);
	}
}

int main(int argc, char **argv)
{
	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM }, *ai;
	char req[256], buf[512];
	ssize_t n;
	int s, rc;

	if (argc != 4) {
		fprintf(stderr, "usage: http_get HOST PORT PATH\n");
		return 2;
	}
	rc = getaddrinfo(argv[1], argv[2], &hints, &ai);
	if (rc) {
		printf("resolve %s: %s\n", argv[1], rc == EAI_NONAME ? "no such name" : "failed");
		return 1;
	}
	s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0 || connect(s, ai->ai_addr, ai->ai_addrlen) < 0) {
		printf("connect %s:%s: %s\n", argv[1], argv[2], ename(errno));
		return 1;
	}
	freeaddrinfo(ai);
	snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: %s\r\n\r\n", argv[3], argv[1]);
	if (write(s, req, strlen(req)) != (ssize_t)strlen(req)) {
		printf("write: %s\n", ename(errno));
		return 1;
	}
	n = read(s, buf, sizeof(buf) - 1);
	if (n <= 0) {
		printf("read: %s\n", n < 0 ? ename(errno) : "end of stream");
		return 1;
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	printf("%s\n", buf);
	close(s);
	return 0;
}
