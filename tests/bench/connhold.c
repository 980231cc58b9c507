// SPDX-License-Identifier: GPL-2.0
/*
 * connhold: makes N loopback TCP connections and holds both ends open
 * until it is killed, for the --existing walk at scale
 * (tests/bench/existing.sh).
 *
 *   connhold PORT N
 *
 * Listens on 127.0.0.1:PORT, connects N times, accepts each, prints
 * "ready N" and sleeps. It raises its own open-files limit to 2N + 64.
 * Each client binds its own address and port first, 127.1.X.1 and
 * 1024 + i % 60,000: connect()'s search of the ephemeral ports for a
 * free one grows with the connections already made to the destination
 * (quadratic in all, minutes for 100,000 under emulation: ka_conn.py's
 * "many" takes over 15), a bind() to a given port does not.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define PER_ADDR 60000

static void die(const char *what)
{
	fprintf(stderr, "connhold: %s: %s\n", what, strerror(errno));
	exit(1);
}

static struct sockaddr_in loopback(in_addr_t addr, int port)
{
	struct sockaddr_in sa = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(addr),
	};
	return sa;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa;
	int port, lfd, one = 1;
	struct rlimit rl;
	long n, i, slot;

	if (argc != 3 || (port = atoi(argv[1])) <= 0 || port > 65535 ||
	    (n = atol(argv[2])) <= 0 || n / PER_ADDR > 250) {
		fprintf(stderr, "usage: connhold PORT N (N below 15,360,000)\n");
		return 2;
	}
	rl.rlim_cur = rl.rlim_max = 2 * n + 64;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		die("setrlimit(RLIMIT_NOFILE)");

	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		die("socket");
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sa = loopback(INADDR_LOOPBACK, port);
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)))
		die("bind");
	if (listen(lfd, 4096))
		die("listen");
	/* Slot k: 127.1.X.1, port 1024 + k % PER_ADDR, a 4-tuple of its own. */
	for (i = 0, slot = 0; i < n; slot++) {
		struct sockaddr_in src = loopback(0x7f010001 + ((slot / PER_ADDR) << 8),
						  1024 + slot % PER_ADDR);
		int cfd;

		/*
		 * Not from the listening port: --existing would take such a
		 * client for an accepted connection (ka_policy.rst).
		 */
		if (ntohs(src.sin_port) == port)
			continue;
		cfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (cfd < 0)
			die("socket");
		if (bind(cfd, (struct sockaddr *)&src, sizeof(src))) {
			/* A wildcard listener of that port: the next one. */
			if (errno != EADDRINUSE || slot / PER_ADDR > 255)
				die("bind of a client");
			close(cfd);
			continue;
		}
		if (connect(cfd, (struct sockaddr *)&sa, sizeof(sa)))
			die("connect");
		/* Held: the descriptors are never closed until exit. */
		if (accept4(lfd, NULL, NULL, SOCK_CLOEXEC) < 0)
			die("accept");
		i++;
	}
	printf("ready %ld\n", n);
	fflush(stdout);
	for (;;)
		pause();
}
