// SPDX-License-Identifier: GPL-2.0
/*
 * timerhold: N idle TCP connections between two network namespaces,
 * held open, for figure 6 of issue 16 (tests/stress/timers.sh).
 *
 *   ip netns exec SERVER_NS timerhold CLIENT_NETNS PORT N \
 *       LIVE_SRC LIVE_DST DOOMED_SRC DOOMED_DST FIFO
 *
 * Listens on PORT in its own namespace (the server's), enters
 * CLIENT_NETNS (a path: /run/netns/NAME) and connects N times, accepting
 * each: connection i is "live" when i is even (LIVE_SRC to LIVE_DST),
 * "doomed" when odd (DOOMED_SRC to DOOMED_DST: the test takes that link
 * down). Each client binds its own port (10000 + i / 2), so that
 * connect() never searches the ephemeral ports (tests/bench/connhold.c).
 * The application sets no keepalive option: what the sockets get is the
 * policy's. Every socket lingers 0 s: when the process ends every one of
 * them is gone at once (a reset, nothing left in FIN-WAIT or TIME-WAIT,
 * no orphan retransmitting into a link that is down).
 *
 * Prints "made N SECONDS", then watches every client socket: one that
 * fails or ends is recorded (its errno name, or "EOF" or "data") under
 * its half and closed. When every doomed one has, it prints
 * "all-dead STATUS" once. Commands, one per line on FIFO (which it opens
 * read-write: a writer never blocks), are each answered by a line
 * "reply COMMAND ..." once done; the waits are its own, so that the test
 * blocks on reading its output instead of polling (every process the
 * test would start costs a second on the debug kernel under emulation,
 * beside the kernel work that is being measured):
 *
 *   mark     remembers every server end's count of segments received
 *            (TCP_INFO tcpi_segs_in): a server end that receives one
 *            after it has been probed (nothing else is sent on an idle
 *            connection)
 *   align    sends one byte on every open client socket and waits until
 *            each is acknowledged (SIOCOUTQ 0): every keepalive timer
 *            counts from then, so they fire together; then marks.
 *            Replies "reply align SECONDS"
 *   probed HALF
 *            replies "reply probed HALF SECONDS" once every open
 *            connection of HALF (live, doomed or all) was probed since
 *            the mark (looked at every second)
 *   status   replies "reply status STATUS": {"live": HALF, "doomed":
 *            HALF}, HALF = {"open": how many are open, "probed": how
 *            many of them were probed since the mark, "errors": {NAME:
 *            count}}
 *   close    closes every socket, replies "reply close SECONDS" and
 *            exits
 *
 * Every 30 s it appends a line saying how far it got to the file named
 * by $KA_RESULT_PORT, when set: the test VM's result port, where ka-vm
 * sees that the guest makes progress (tests/vm/ka-vm --stall).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PORT_BASE 10000
#define MAX_N 80000
#define MAX_KINDS 16

struct half {
	long open;
	long errors;
	struct { const char *name; long count; } kinds[MAX_KINDS];
	int nkinds;
};

static struct half halves[2];	/* [0] live, [1] doomed */
static int *cfd, *sfd;
static unsigned int *mark;
static char *probed;	/* per connection: probed since the mark */
static long n;
static double last_tick;

static void die(const char *what)
{
	fprintf(stderr, "timerhold: %s: %s\n", what, strerror(errno));
	exit(1);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static struct sockaddr_in addr_of(const char *ip, int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };

	if (inet_pton(AF_INET, ip, &sa.sin_addr) != 1) {
		fprintf(stderr, "timerhold: not an IPv4 address: %s\n", ip);
		exit(2);
	}
	return sa;
}

/* Closed by a reset, at once, whenever it is closed. */
static void linger0(int fd)
{
	struct linger l = { .l_onoff = 1, .l_linger = 0 };

	if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l)))
		die("SO_LINGER");
}

static unsigned int segs_in(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len))
		die("TCP_INFO");
	return ti.tcpi_segs_in;
}

static void take_mark(void)
{
	long i;

	for (i = 0; i < n; i++) {
		mark[i] = segs_in(sfd[i]);
		probed[i] = 0;
	}
}

/*
 * How many open connections of HALF (0 live, 1 doomed, -1 both) were
 * probed since the mark, and how many are open: looks again only at
 * those not seen probed yet.
 */
static long count_probed(int which, long *open)
{
	long i, count = 0;

	*open = 0;
	for (i = 0; i < n; i++) {
		if (cfd[i] < 0 || (which >= 0 && (i & 1) != which))
			continue;
		++*open;
		if (!probed[i])
			probed[i] = segs_in(sfd[i]) != mark[i];
		count += probed[i];
	}
	return count;
}

static void record(struct half *h, const char *name)
{
	int k;

	h->errors++;
	h->open--;
	for (k = 0; k < h->nkinds; k++)
		if (!strcmp(h->kinds[k].name, name))
			break;
	if (k == h->nkinds) {
		if (k == MAX_KINDS)
			name = "other";
		else
			h->nkinds++;
		h->kinds[k].name = name;
	}
	h->kinds[k].count++;
}

static void print_half(const char *key, int which)
{
	const struct half *h = &halves[which];
	long open;
	int k;

	printf("\"%s\": {\"open\": %ld, \"probed\": %ld, \"errors\": {",
	       key, h->open, count_probed(which, &open));
	for (k = 0; k < h->nkinds; k++)
		printf("%s\"%s\": %ld", k ? ", " : "", h->kinds[k].name,
		       h->kinds[k].count);
	printf("}}");
}

static void print_status(void)
{
	printf("{");
	print_half("live", 0);
	printf(", ");
	print_half("doomed", 1);
	printf("}");
}

/* A client socket that became readable or failed: how it ended. */
static void ended(int epfd, long i)
{
	struct half *h = &halves[i & 1];
	socklen_t len = sizeof(int);
	const char *name;
	int err = 0;
	char c;
	ssize_t r;

	if (getsockopt(cfd[i], SOL_SOCKET, SO_ERROR, &err, &len))
		die("SO_ERROR");
	if (!err) {
		r = recv(cfd[i], &c, 1, MSG_DONTWAIT);
		if (r < 0 && errno == EAGAIN)
			return;
		err = r < 0 ? errno : 0;
		name = r > 0 ? "data" : "EOF";
	}
	if (err)
		name = strerrorname_np(err) ?: "unknown";
	if (epoll_ctl(epfd, EPOLL_CTL_DEL, cfd[i], NULL))
		die("EPOLL_CTL_DEL");
	close(cfd[i]);
	cfd[i] = -1;
	record(h, name);
	if (i & 1 && halves[1].errors == n / 2) {
		printf("all-dead ");
		print_status();
		printf("\n");
		fflush(stdout);
	}
}

/* How far it got, every 30 s, for ka-vm's stall watch. */
static void tick(const char *what, long done, long of)
{
	const char *port = getenv("KA_RESULT_PORT");
	FILE *f;

	if (!port || now() - last_tick < 30)
		return;
	last_tick = now();
	f = fopen(port, "a");
	if (!f)
		return;
	fprintf(f, "KA_VM_PHASE: timerhold: %s %ld of %ld; live: %ld open, doomed: %ld open\n",
		what, done, of, halves[0].open, halves[1].open);
	fclose(f);
}

static double align(void)
{
	double t0 = now();
	long i, left;

	/* One that fails here is recorded when epoll reports it. */
	for (i = 0; i < n; i++)
		if (cfd[i] >= 0)
			send(cfd[i], "x", 1, MSG_NOSIGNAL | MSG_DONTWAIT);
	do {
		int outq;

		for (i = 0, left = 0; i < n; i++) {
			if (cfd[i] < 0)
				continue;
			if (ioctl(cfd[i], SIOCOUTQ, &outq))
				die("SIOCOUTQ");
			left += outq > 0;
		}
		tick("aligning: unacknowledged", left, n);
		if (left)
			usleep(10000);
	} while (left);
	take_mark();
	return now() - t0;
}

/* A "probed HALF" waiting for its answer: the half, -2 for none. */
static int waiting = -2;
static const char *waiting_name;
static double waiting_since;

static void answer_probed(void)
{
	long open;

	if (waiting == -2 || count_probed(waiting, &open) < open)
		return;
	printf("reply probed %s %.1f\n", waiting_name, now() - waiting_since);
	fflush(stdout);
	waiting = -2;
}

/*
 * Closes every socket, saying how far it got: the debug kernel takes
 * minutes for 30,000 (KASAN and kmemleak on every free), which the
 * process's exit would spend silent.
 */
static double close_all(void)
{
	double t0 = now();
	long i;

	for (i = 0; i < n; i++) {
		if (cfd[i] >= 0) {
			close(cfd[i]);
			halves[i & 1].open--;
		}
		close(sfd[i]);
		cfd[i] = sfd[i] = -1;
		tick("closing: closed", i + 1, n);
	}
	return now() - t0;
}

static void command(const char *line)
{
	static const char *const half_names[] = { "all", "live", "doomed" };
	int h;

	if (!strcmp(line, "mark")) {
		take_mark();
		printf("reply mark\n");
	} else if (!strcmp(line, "align")) {
		printf("reply align %.1f\n", align());
	} else if (!strcmp(line, "close")) {
		printf("reply close %.1f\n", close_all());
		fflush(stdout);
		exit(0);
	} else if (!strcmp(line, "status")) {
		printf("reply status ");
		print_status();
		printf("\n");
	} else if (!strncmp(line, "probed ", 7)) {
		for (h = 0; h < 3; h++)
			if (!strcmp(line + 7, half_names[h]))
				break;
		if (h == 3 || waiting != -2) {
			printf("reply %s: unknown half, or a wait already\n", line);
		} else {
			waiting = h - 1;
			waiting_name = half_names[h];
			waiting_since = now();
		}
	} else {
		printf("reply %s: unknown command\n", line);
	}
	fflush(stdout);
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa, src, live_dst, doomed_dst, live_src, doomed_src;
	int port, lfd, nsfd, fifo, epfd, one = 1;
	char buf[256];
	size_t used = 0;
	struct rlimit rl;
	long i;
	double t0 = last_tick = now();

	if (argc != 9 || (port = atoi(argv[2])) <= 0 || port > 65535 ||
	    (n = atol(argv[3])) <= 0 || n % 2 || n > MAX_N ||
	    (port >= PORT_BASE && port < PORT_BASE + n / 2)) {
		fprintf(stderr, "usage: timerhold CLIENT_NETNS PORT N LIVE_SRC LIVE_DST DOOMED_SRC DOOMED_DST FIFO\n"
			"(N even, at most %d; PORT outside the clients' %d-%ld)\n",
			MAX_N, PORT_BASE, PORT_BASE + n / 2 - 1);
		return 2;
	}
	live_src = addr_of(argv[4], 0);
	live_dst = addr_of(argv[5], port);
	doomed_src = addr_of(argv[6], 0);
	doomed_dst = addr_of(argv[7], port);
	rl.rlim_cur = rl.rlim_max = 2 * n + 64;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		die("setrlimit(RLIMIT_NOFILE)");
	cfd = calloc(n, sizeof(*cfd));
	sfd = calloc(n, sizeof(*sfd));
	mark = calloc(n, sizeof(*mark));
	probed = calloc(n, 1);
	if (!cfd || !sfd || !mark || !probed)
		die("calloc");

	/* The listener in this (the server's) namespace. */
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		die("socket");
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sa = addr_of("0.0.0.0", port);
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)))
		die("bind");
	if (listen(lfd, 4096))
		die("listen");

	/* The clients in theirs: a socket stays in the one it was made in. */
	nsfd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (nsfd < 0)
		die(argv[1]);
	if (setns(nsfd, CLONE_NEWNET))
		die("setns");
	close(nsfd);
	for (i = 0; i < n; i++) {
		src = i & 1 ? doomed_src : live_src;
		src.sin_port = htons(PORT_BASE + i / 2);
		cfd[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (cfd[i] < 0)
			die("socket");
		linger0(cfd[i]);
		if (bind(cfd[i], (struct sockaddr *)&src, sizeof(src)))
			die("bind of a client");
		if (connect(cfd[i], (struct sockaddr *)(i & 1 ? &doomed_dst : &live_dst),
			    sizeof(sa)))
			die("connect");
		sfd[i] = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (sfd[i] < 0)
			die("accept");
		linger0(sfd[i]);
		halves[i & 1].open++;
		tick("connecting: made", i + 1, n);
	}
	close(lfd);
	printf("made %ld %.1f\n", n, now() - t0);
	fflush(stdout);

	fifo = open(argv[8], O_RDWR | O_CLOEXEC);
	if (fifo < 0)
		die(argv[8]);
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0)
		die("epoll_create1");
	for (i = -1; i < n; i++) {
		struct epoll_event ev = {
			.events = i < 0 ? EPOLLIN : EPOLLIN | EPOLLRDHUP,
			.data.u64 = (uint64_t)i,
		};

		if (epoll_ctl(epfd, EPOLL_CTL_ADD, i < 0 ? fifo : cfd[i], &ev))
			die("EPOLL_CTL_ADD");
	}
	for (;;) {
		struct epoll_event evs[256];
		int m, e;

		tick("watching: doomed ones ended", halves[1].errors, n / 2);
		answer_probed();
		m = epoll_wait(epfd, evs, 256, 1000);
		if (m < 0 && errno == EINTR)
			continue;
		if (m < 0)
			die("epoll_wait");
		for (e = 0; e < m; e++) {
			char *nl;
			ssize_t r;

			i = (long)evs[e].data.u64;
			if (i >= 0) {
				if (cfd[i] >= 0)
					ended(epfd, i);
				continue;
			}
			r = read(fifo, buf + used, sizeof(buf) - 1 - used);
			if (r <= 0)
				die("read of the commands");
			used += r;
			buf[used] = 0;
			while ((nl = strchr(buf, '\n'))) {
				*nl = 0;
				command(buf);
				used -= nl + 1 - buf;
				memmove(buf, nl + 1, used + 1);
			}
			if (used == sizeof(buf) - 1)
				used = 0;	/* a line too long: dropped */
		}
	}
}
