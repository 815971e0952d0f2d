/* busy_server: an HTTP/1.0 server whose other thread computes forever (never a system call). */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>

static void *spin(void *arg)
{
	volatile unsigned long x = 0;

	for (;;)
		x++;
	return arg;
}

int main(void)
{
	static const char answer[] = "HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nok\n";
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(80) };
	int l = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	pthread_t t;

	if (l < 0 || setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(l, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(l, 8) < 0 ||
	    pthread_create(&t, NULL, spin, NULL) != 0) {
		perror("busy_server");
		return 1;
	}
	printf("listening on 80\n");
	fflush(stdout);
	for (;;) {
		char b[512];
		int c = accept(l, NULL, NULL);

		if (c < 0)
			continue;
		if (read(c, b, sizeof(b)) > 0 && write(c, answer, strlen(answer)) < 0)
			perror("busy_server: write");
		close(c);
	}
}
