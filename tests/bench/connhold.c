// SPDX-License-Identifier: GPL-2.0
/*
 * connhold: makes N loopback TCP connections and holds both ends open
 * until it is killed, for the --existing walk at scale
 * (tests/bench/existing.sh).
 *
 *   connhold PORT N
 *
 * Listens on 127.0.0.1:PORT and the ports after it, one per 20,000
 * connections (a destination's share of the ephemeral ports), connects N
 * times without bind() (the kernel then reuses a local port for each
 * destination, and searches no full range), accepts each, prints
 * "ready N" and sleeps. It raises its own open-files limit to 2N + 64.
 * It does what ka_conn.py's "many" does, about ten times as fast under
 * emulation: 100,000 connections from Python take over 15 minutes there.
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

#define PER_PORT 20000

static void die(const char *what)
{
	fprintf(stderr, "connhold: %s: %s\n", what, strerror(errno));
	exit(1);
}

static struct sockaddr_in loopback(int port)
{
	struct sockaddr_in sa = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	return sa;
}

int main(int argc, char **argv)
{
	long n, i, ports;
	int port, *lfd, one = 1;
	struct rlimit rl;

	if (argc != 3 || (port = atoi(argv[1])) <= 0 || (n = atol(argv[2])) <= 0) {
		fprintf(stderr, "usage: connhold PORT N\n");
		return 2;
	}
	ports = (n + PER_PORT - 1) / PER_PORT;
	if (port + ports - 1 > 65535) {
		fprintf(stderr, "connhold: %ld connections need ports %d to %ld\n",
			n, port, port + ports - 1);
		return 2;
	}
	rl.rlim_cur = rl.rlim_max = 2 * n + 64;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		die("setrlimit(RLIMIT_NOFILE)");

	lfd = calloc(ports, sizeof(*lfd));
	if (!lfd)
		die("calloc");
	for (i = 0; i < ports; i++) {
		struct sockaddr_in sa = loopback(port + i);

		lfd[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (lfd[i] < 0)
			die("socket");
		setsockopt(lfd[i], SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(lfd[i], (struct sockaddr *)&sa, sizeof(sa)))
			die("bind");
		if (listen(lfd[i], 4096))
			die("listen");
	}
	for (i = 0; i < n; i++) {
		struct sockaddr_in sa = loopback(port + i / PER_PORT);
		int cfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (cfd < 0)
			die("socket");
		if (connect(cfd, (struct sockaddr *)&sa, sizeof(sa)))
			die("connect");
		/* Held: the descriptors are never closed until exit. */
		if (accept4(lfd[i / PER_PORT], NULL, NULL, SOCK_CLOEXEC) < 0)
			die("accept");
	}
	printf("ready %ld\n", n);
	fflush(stdout);
	for (;;)
		pause();
}
