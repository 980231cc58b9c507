// SPDX-License-Identifier: GPL-2.0
/*
 * connbench: how many loopback TCP connections per second one thread can
 * open and close (socket, connect, accept, close both ends), for ka_policy's
 * benchmark (tests/bench/bench.py).
 *
 *   connbench -p PORT [-d SECONDS | -n COUNT] [-g CGROUP_DIR] [-a ADDR]
 *             [-M [-K CHUNK]] [-c client|server|rst]
 *
 * One listener on ADDR:PORT (default 127.0.0.1); every connection goes to
 * it, so a policy on PORT matches both ends: the connect (direction out,
 * remote port PORT) and the accept (direction in, local port PORT). With
 * -g the process first moves itself into that cgroup v2 directory (writes 0
 * to its cgroup.procs), before it creates the listener: accepted sockets
 * belong to the listener's cgroup.
 *
 * One connection before the timed loop and one after it are checked with
 * getsockopt (SO_KEEPALIVE, TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT) on
 * both ends, so a configuration that silently stopped applying shows. The
 * result is one line of JSON on stdout:
 *
 *   {"port": P, "conns": N, "seconds": S, "rate": N/S, "errors": E,
 *    "first": {"client": {...}, "server": {...}}, "last": {...}}
 *
 * With -M the timed loop is between markers 1 and 2 of
 * tests/bench/insncount.c, the QEMU plugin that counts the guest's
 * instructions: the instructions the connections cost, and nothing of the
 * process's start, set-up or checks. With -K, marker 3 also follows every
 * CHUNK connections, so that the cost of each chunk is known.
 *
 * -c says which end closes first: the client (the default), the server,
 * or the client with a reset (SO_LINGER 0: no TIME_WAIT).
 *
 * The client closes first, so TIME_WAIT sockets pile up on its side; on
 * loopback the kernel reuses them (net.ipv4.tcp_tw_reuse, 2 by default).
 * A connect() that still fails (EADDRNOTAVAIL) is counted in "errors" and
 * retried after a short pause. Exit status 1 when nothing could be measured.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "insnmark.h"

struct ka_view {
	int keepalive, idle, intvl, cnt;
};

static void die(const char *what)
{
	fprintf(stderr, "connbench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int getint(int fd, int level, int name)
{
	int v = -1;
	socklen_t len = sizeof(v);

	if (getsockopt(fd, level, name, &v, &len))
		return -1;
	return v;
}

static struct ka_view view(int fd)
{
	struct ka_view v = {
		.keepalive = getint(fd, SOL_SOCKET, SO_KEEPALIVE),
		.idle = getint(fd, IPPROTO_TCP, TCP_KEEPIDLE),
		.intvl = getint(fd, IPPROTO_TCP, TCP_KEEPINTVL),
		.cnt = getint(fd, IPPROTO_TCP, TCP_KEEPCNT),
	};
	return v;
}

static void print_view(const char *name, const struct ka_view *v)
{
	printf("\"%s\": {\"keepalive\": %d, \"idle\": %d, \"intvl\": %d, \"cnt\": %d}",
	       name, v->keepalive, v->idle, v->intvl, v->cnt);
}

static enum { CLOSE_CLIENT_FIRST, CLOSE_SERVER_FIRST, CLOSE_RST } close_order;
static const struct linger rst = { .l_onoff = 1, .l_linger = 0 };

/*
 * One connection: 0 when it was made and closed, -1 when connect() failed
 * for lack of a local port (the caller counts it and goes on). With views,
 * both ends are checked before they are closed.
 */
static int one_conn(int lfd, const struct sockaddr_in *sa,
		    struct ka_view *client, struct ka_view *server)
{
	int cfd, afd;

	cfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (cfd < 0)
		die("socket");
	if (connect(cfd, (const struct sockaddr *)sa, sizeof(*sa))) {
		if (errno != EADDRNOTAVAIL && errno != EAGAIN)
			die("connect");
		close(cfd);
		return -1;
	}
	afd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (afd < 0)
		die("accept");
	if (client)
		*client = view(cfd);
	if (server)
		*server = view(afd);
	if (close_order == CLOSE_RST)
		setsockopt(cfd, SOL_SOCKET, SO_LINGER, &rst, sizeof(rst));
	if (close_order == CLOSE_SERVER_FIRST) {
		close(afd);
		close(cfd);
	} else {
		close(cfd);
		close(afd);
	}
	return 0;
}

static void join_cgroup(const char *dir)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		die(path);
	if (write(fd, "0", 1) != 1)
		die(path);
	close(fd);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: connbench -p PORT [-d SECONDS | -n COUNT] [-g CGROUP_DIR] [-a ADDR]\n"
		"                 [-M [-K CHUNK]] [-c client|server|rst]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *addr = "127.0.0.1", *cgroup = NULL;
	struct ka_view first_c, first_s, last_c, last_s;
	double seconds = 5, start, elapsed;
	long count = 0, conns = 0, errors = 0, chunk = 0;
	struct sockaddr_in sa;
	int port = 0, opt, lfd, one = 1, marks = 0;

	while ((opt = getopt(argc, argv, "p:d:n:g:a:MK:c:")) != -1) {
		switch (opt) {
		case 'p': port = atoi(optarg); break;
		case 'd': seconds = atof(optarg); break;
		case 'n': count = atol(optarg); break;
		case 'g': cgroup = optarg; break;
		case 'a': addr = optarg; break;
		case 'M': marks = 1; break;
		case 'K': chunk = atol(optarg); break;
		case 'c':
			if (!strcmp(optarg, "client"))
				close_order = CLOSE_CLIENT_FIRST;
			else if (!strcmp(optarg, "server"))
				close_order = CLOSE_SERVER_FIRST;
			else if (!strcmp(optarg, "rst"))
				close_order = CLOSE_RST;
			else
				usage();
			break;
		default: usage();
		}
	}
	if (port <= 0 || port > 65535 || seconds <= 0 || count < 0 ||
	    chunk < 0 || (chunk && !marks) || optind != argc)
		usage();
	if (cgroup)
		join_cgroup(cgroup);

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons(port);
	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1)
		usage();
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		die("socket");
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)))
		die("bind");
	if (listen(lfd, 4096))
		die("listen");

	/* The checked connection before the loop also warms the caches. */
	while (one_conn(lfd, &sa, &first_c, &first_s))
		usleep(1000);

	if (marks)
		insn_mark(1);
	start = now();
	for (;;) {
		if (one_conn(lfd, &sa, NULL, NULL)) {
			errors++;
			usleep(1000);
		} else {
			conns++;
			if (chunk && !(conns % chunk))
				insn_mark(3);
		}
		if (count ? conns >= count : !(conns & 31) && now() - start >= seconds)
			break;
	}
	elapsed = now() - start;
	if (marks)
		insn_mark(2);

	while (one_conn(lfd, &sa, &last_c, &last_s))
		usleep(1000);
	close(lfd);

	printf("{\"port\": %d, \"conns\": %ld, \"seconds\": %.6f, \"rate\": %.1f, \"errors\": %ld, ",
	       port, conns, elapsed, conns / elapsed, errors);
	printf("\"first\": {");
	print_view("client", &first_c);
	printf(", ");
	print_view("server", &first_s);
	printf("}, \"last\": {");
	print_view("client", &last_c);
	printf(", ");
	print_view("server", &last_s);
	printf("}}\n");
	return conns > 0 ? 0 : 1;
}
