// SPDX-License-Identifier: GPL-2.0
/*
 * churnconn: the connections of the churn stress (tests/stress/churn.sh,
 * figure 2 of issue 16), each one's keepalive settings read from both
 * ends, with the time window in which it was made.
 *
 *   churnconn ADDR COUNT OUT PORT...
 *
 * Listens on ADDR:PORT for each PORT (loopback addresses: several
 * processes use the same ports on addresses of their own), then COUNT
 * times: notes CLOCK_MONOTONIC (t0), connects to the next port in turn,
 * accepts, reads SO_KEEPALIVE, TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT
 * and TCP_USER_TIMEOUT on the client and on the accepted socket, notes
 * the time again (t1) and closes both with an RST (SO_LINGER 0: no
 * TIME_WAIT, so the ephemeral ports never run out). Whatever policy set
 * applied to either end existed at some moment between t0 and t1: the
 * connect and the accepted socket's creation both happen in between.
 * Writes one line per connection to OUT:
 *
 *   t0 t1 port  ka idle intvl cnt ut  ka idle intvl cnt ut
 *
 * (times in ns, the client's five values, then the server's). The
 * application sets nothing: every value is the policy's or the kernel's
 * default. Exits 1 on any error, with the call that failed.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_PORTS 32

static void die(const char *what)
{
	fprintf(stderr, "churnconn: %s: %s\n", what, strerror(errno));
	exit(1);
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int get(int fd, int level, int name)
{
	int v;
	socklen_t len = sizeof(v);

	if (getsockopt(fd, level, name, &v, &len))
		die("getsockopt");
	return v;
}

static void settings(int fd, int *v)
{
	v[0] = get(fd, SOL_SOCKET, SO_KEEPALIVE);
	v[1] = get(fd, IPPROTO_TCP, TCP_KEEPIDLE);
	v[2] = get(fd, IPPROTO_TCP, TCP_KEEPINTVL);
	v[3] = get(fd, IPPROTO_TCP, TCP_KEEPCNT);
	v[4] = get(fd, IPPROTO_TCP, TCP_USER_TIMEOUT);
}

static void reset_close(int fd)
{
	struct linger l = { .l_onoff = 1, .l_linger = 0 };

	if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l)))
		die("SO_LINGER");
	close(fd);
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int lfd[MAX_PORTS], port[MAX_PORTS], nports, one = 1;
	long count, i;
	FILE *out;

	if (argc < 5 || argc - 4 > MAX_PORTS) {
		fprintf(stderr, "usage: churnconn ADDR COUNT OUT PORT... (at most %d)\n",
			MAX_PORTS);
		return 2;
	}
	if (inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1) {
		fprintf(stderr, "churnconn: not an IPv4 address: %s\n", argv[1]);
		return 2;
	}
	count = atol(argv[2]);
	out = fopen(argv[3], "w");
	if (!out)
		die(argv[3]);
	nports = argc - 4;
	for (i = 0; i < nports; i++) {
		port[i] = atoi(argv[4 + i]);
		sa.sin_port = htons(port[i]);
		lfd[i] = socket(AF_INET, SOCK_STREAM, 0);
		if (lfd[i] < 0 ||
		    setsockopt(lfd[i], SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
		    bind(lfd[i], (struct sockaddr *)&sa, sizeof(sa)) ||
		    listen(lfd[i], 16))
			die("listen");
	}
	printf("ready\n");
	fflush(stdout);
	for (i = 0; i < count; i++) {
		int p = i % nports, c, a, v[10];
		long long t0 = now_ns();

		sa.sin_port = htons(port[p]);
		c = socket(AF_INET, SOCK_STREAM, 0);
		if (c < 0)
			die("socket");
		if (connect(c, (struct sockaddr *)&sa, sizeof(sa)))
			die("connect");
		a = accept(lfd[p], NULL, NULL);
		if (a < 0)
			die("accept");
		settings(c, v);
		settings(a, v + 5);
		fprintf(out, "%lld %lld %d  %d %d %d %d %d  %d %d %d %d %d\n",
			t0, now_ns(), port[p], v[0], v[1], v[2], v[3], v[4],
			v[5], v[6], v[7], v[8], v[9]);
		reset_close(a);
		reset_close(c);
	}
	if (fclose(out))
		die("write");
	return 0;
}
