/* resolve: getaddrinfo(AF_INET) of each argument, "NAME: ADDR" or "NAME: no such name". */
#include <netdb.h>
#include <stdio.h>
#include <arpa/inet.h>
#include <netinet/in.h>

int main(int argc, char **argv)
{
	int bad = 0;

	for (int i = 1; i < argc; i++) {
		struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM }, *r;
		int rc = getaddrinfo(argv[i], NULL, &hints, &r);

		if (rc) {
			printf("%s: %s\n", argv[i], rc == EAI_NONAME ? "no such name" : "failed");
			bad = 1;
			continue;
		}
		printf("%s: %s\n", argv[i],
		       inet_ntoa(((struct sockaddr_in *)r->ai_addr)->sin_addr));
		freeaddrinfo(r);
	}
	return bad;
}
