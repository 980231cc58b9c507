// SPDX-License-Identifier: GPL-2.0
/*
 * kactl monitor: dead peers as keepalive finds them, one line per event,
 * like ip monitor, until SIGINT or SIGTERM (exit 0).
 *
 * It joins the family's "events" multicast group (the kernel refuses a
 * process without CAP_NET_ADMIN over the namespace's user namespace:
 * EPERM) with a large receive buffer, so that a storm of dead peers
 * fits. When the buffer overflows anyway the kernel drops events, counts
 * them in events_dropped (kactl stats), and the next recv() fails with
 * ENOBUFS: kactl says so and goes on. A module on a kernel that cannot
 * restrict who joins has no such group (kactl version: missing on this
 * kernel: events), and kactl monitor says so.
 *
 * The kernel sends what it has in its timer: addresses, the cgroup id,
 * the socket's inode. kactl turns the id into a path (cgroup v2 inodes
 * are cgroup ids) and finds the process holding the inode in /proc, as
 * ss -p does; a process that already closed the socket is not found.
 * Every line is flushed: a reader of a pipe sees each event at once.
 *
 * Once it has joined, it asks for the module's version: the module looks
 * at its listeners then, and notes how long each connection made from
 * then on lived (module/hooks.c), which the events tell.
 *
 * The family's groups go with the module (rmmod, or a reload, which
 * registers new ones): a socket that joined them would wait forever. So
 * kactl also joins the generic netlink controller's "notify" group, as
 * genl monitor does, before it looks the family up, and ends with an
 * error on the CTRL_CMD_DELFAMILY of ka_policy (the controller sends it
 * to every namespace).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "codec.h"
#include "kactl.h"
#include "out.h"

/* Room for about 10,000 events of some 600 bytes of skb each. */
#define MONITOR_RCVBUF	(8 << 20)
#define MONITOR_BUFSZ	(64 << 10)

/* When the family goes (rmmod), or is not there any more. */
#define MONITOR_UNLOADED "the ka_policy module was unloaded: no more events."

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* ---- the groups' numbers, from the controller ---- */

struct mcgrp_lookup {
	const char *name;	/* the group's */
	uint32_t id;		/* the group's; 0: none of that name */
	uint16_t family;	/* the family's id */
};

static int grp_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if (type == CTRL_ATTR_MCAST_GRP_NAME &&
	    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
		tb[type] = attr;
	if (type == CTRL_ATTR_MCAST_GRP_ID &&
	    mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
		tb[type] = attr;
	return MNL_CB_OK;
}

static int family_attr_cb(const struct nlattr *attr, void *data)
{
	struct mcgrp_lookup *f = data;
	const struct nlattr *grp;

	if (mnl_attr_get_type(attr) == CTRL_ATTR_FAMILY_ID &&
	    mnl_attr_validate(attr, MNL_TYPE_U16) == 0)
		f->family = mnl_attr_get_u16(attr);
	if (mnl_attr_get_type(attr) != CTRL_ATTR_MCAST_GROUPS)
		return MNL_CB_OK;
	mnl_attr_for_each_nested(grp, attr) {
		const struct nlattr *tb[CTRL_ATTR_MCAST_GRP_MAX + 1] = {};

		mnl_attr_parse_nested(grp, grp_attr_cb, tb);
		if (tb[CTRL_ATTR_MCAST_GRP_NAME] && tb[CTRL_ATTR_MCAST_GRP_ID] &&
		    strcmp(mnl_attr_get_str(tb[CTRL_ATTR_MCAST_GRP_NAME]),
			   f->name) == 0)
			f->id = mnl_attr_get_u32(tb[CTRL_ATTR_MCAST_GRP_ID]);
	}
	return MNL_CB_OK;
}

/*
 * A reply to the request, not a notification of the controller's group
 * (sequence number 0) that arrived meanwhile.
 */
static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	if (!nlh->nlmsg_seq)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), family_attr_cb, data);
	return MNL_CB_OK;
}

/*
 * Family family's group name, from the controller: f->id 0 when the
 * family has no such group, f->family the family's id (-ENOENT when
 * there is no such family).
 */
static int group_lookup(struct kactl_genl *g, const char *family,
			struct mcgrp_lookup *f)
{
	return kactl_genl_run(g, kactl_genl_getfamily_msg(g, family),
			      family_cb, f);
}

/* Joins group id (not 0) on g's socket; 0 or -errno. */
static int join(struct kactl_genl *g, uint32_t id)
{
	if (mnl_socket_setsockopt(g->nl, NETLINK_ADD_MEMBERSHIP, &id,
				  sizeof(id)) < 0)
		return -errno;
	return 0;
}

static int missing_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[KA_A_MAX + 1] = {};

	if (!nlh->nlmsg_seq)	/* a notification, as in family_cb() */
		return MNL_CB_OK;
	kactl_reply_attrs(nlh, tb);
	if (tb[KA_A_MISSING] &&
	    mnl_attr_validate(tb[KA_A_MISSING], MNL_TYPE_U32) == 0)
		*(uint32_t *)data = mnl_attr_get_u32(tb[KA_A_MISSING]);
	return MNL_CB_OK;
}

/*
 * Why the module has no events group: this kernel cannot restrict who
 * joins one (KA_FEATURE_EVENTS missing), or the module is older than
 * events. Says so; returns the exit status.
 */
static int no_events_group(struct kactl_genl *g)
{
	uint32_t missing = 0;
	int ret;

	ret = kactl_genl_run(g, kactl_genl_msg(g, KA_CMD_VERSION, 0),
			     missing_cb, &missing);
	if (ret)
		return kactl_close(g, ret, "version");
	kactl_genl_close(g);
	if (missing & (1U << KA_FEATURE_EVENTS))
		fprintf(stderr, "Error: this kernel cannot restrict who listens to events, so the ka_policy module offers none.\n");
	else
		fprintf(stderr, "Error: the loaded ka_policy module sends no events (it is older than this kactl).\n");
	return EXIT_FAILURE;
}

/* ---- what the kernel cannot say: cgroup path, process ---- */

/* The last cgroup found: events of one service come in runs. */
static uint64_t cg_want, cg_last_id;
static char cg_found[PATH_MAX], cg_last[2 * PATH_MAX + 1];

static int cg_walk_cb(const char *path, const struct stat *st, int type,
		      struct FTW *ftw)
{
	(void)ftw;
	if (type != FTW_D || (uint64_t)st->st_ino != cg_want)
		return 0;
	snprintf(cg_found, sizeof(cg_found), "%s", path);
	return 1;
}

/*
 * Where cgroup v2 is mounted, and the cgroup at its root, from
 * /proc/self/mountinfo: "ip netns exec" mounts a sysfs of its own over
 * /sys, which hides /sys/fs/cgroup; "kactl -n" does not. 0 when none.
 */
static int cgroup2_mount(char *dir, size_t dir_size, char *root,
			 size_t root_size)
{
	char line[4096], mroot[PATH_MAX], mpoint[PATH_MAX];
	FILE *f = fopen("/proc/self/mountinfo", "r");
	int found = 0;

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f)) {
		const char *sep = strstr(line, " - cgroup2 ");

		if (!sep || sscanf(line, "%*s %*s %*s %4095s %4095s", mroot,
				   mpoint) != 2)
			continue;
		snprintf(dir, dir_size, "%s", mpoint);
		snprintf(root, root_size, "%s", strcmp(mroot, "/") ? mroot : "");
		found = 1;
	}
	fclose(f);
	return found;
}

/*
 * The path of cgroup id (cgroup v2: a directory's inode number is its
 * cgroup's id), as this process's cgroup namespace shows it; NULL when
 * it is gone, not visible or cgroup v2 is not mounted here.
 */
static const char *cgroup_path(uint64_t id)
{
	static char dir[PATH_MAX], root[PATH_MAX];
	static int mounted = -1;
	const char *rel;

	if (id == cg_last_id && cg_last[0])
		return cg_last;
	if (mounted < 0)
		mounted = cgroup2_mount(dir, sizeof(dir), root, sizeof(root));
	if (!mounted)
		return NULL;
	cg_want = id;
	cg_found[0] = '\0';
	if (nftw(dir, cg_walk_cb, 16, FTW_PHYS | FTW_MOUNT) != 1)
		return NULL;
	rel = cg_found + strlen(dir);
	snprintf(cg_last, sizeof(cg_last), "%s%s", root,
		 *rel || *root ? rel : "/");
	cg_last_id = id;
	return cg_last;
}

/* Socket inode → process, from one pass over /proc/PID/fd: a cache. */
struct sock_owner {
	uint64_t ino;
	int pid;
};

static struct sock_owner *owners;
static size_t n_owners, owners_cap;
static struct timespec owners_at;

static void owners_add(uint64_t ino, int pid)
{
	if (n_owners == owners_cap) {
		size_t cap = owners_cap ? 2 * owners_cap : 256;
		struct sock_owner *o = realloc(owners, cap * sizeof(*o));

		if (!o)
			return;
		owners = o;
		owners_cap = cap;
	}
	owners[n_owners].ino = ino;
	owners[n_owners].pid = pid;
	n_owners++;
}

static void owners_scan(void)
{
	DIR *proc = opendir("/proc"), *fds;
	struct dirent *p, *f;
	char path[64], link[64];
	unsigned long long ino;
	ssize_t len;

	n_owners = 0;
	clock_gettime(CLOCK_MONOTONIC, &owners_at);
	if (!proc)
		return;
	while ((p = readdir(proc))) {
		int pid = atoi(p->d_name);

		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/fd", pid);
		fds = opendir(path);
		if (!fds)
			continue;
		while ((f = readdir(fds))) {
			if (f->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "/proc/%d/fd/%.16s", pid,
				 f->d_name);
			len = readlink(path, link, sizeof(link) - 1);
			if (len <= 0)
				continue;
			link[len] = '\0';
			if (sscanf(link, "socket:[%llu]", &ino) == 1)
				owners_add(ino, pid);
		}
		closedir(fds);
	}
	closedir(proc);
}

static int owners_find(uint64_t ino)
{
	for (size_t i = 0; i < n_owners; i++)
		if (owners[i].ino == ino)
			return owners[i].pid;
	return 0;
}

/*
 * The pid holding socket inode ino, 0 if none. A miss rescans /proc, at
 * most every 100 ms: a storm of events costs a few scans, not one each.
 */
static int socket_owner(uint64_t ino)
{
	struct timespec now;
	long ms;
	int pid = owners_find(ino);

	if (pid)
		return pid;
	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (now.tv_sec - owners_at.tv_sec) * 1000 +
	     (now.tv_nsec - owners_at.tv_nsec) / 1000000;
	if (owners_at.tv_sec && ms < 100)
		return 0;
	owners_scan();
	return owners_find(ino);
}

static void comm_of(int pid, char *buf, size_t size)
{
	char path[64];
	FILE *f;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	f = fopen(path, "r");
	if (!f)
		return;
	if (fgets(buf, (int)size, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

/* ---- one event ---- */

static int event_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if (type <= KA_EVENT_A_MAX)
		tb[type] = attr;
	return MNL_CB_OK;
}

static uint64_t get_uint(const struct nlattr *a)
{
	if (!a)
		return 0;
	switch (mnl_attr_get_payload_len(a)) {
	case 1:
		return mnl_attr_get_u8(a);
	case 2:
		return mnl_attr_get_u16(a);
	case 4:
		return mnl_attr_get_u32(a);
	case 8:
		return mnl_attr_get_u64(a);
	}
	return 0;
}

/* "192.0.2.1:80" or "[2001:db8::1]:80" into buf; addr into addr_buf. */
static void endpoint(int family, const struct nlattr *a, uint64_t port,
		     char *addr_buf, size_t addr_size, char *buf, size_t size)
{
	size_t want = family == AF_INET6 ? 16 : 4;

	snprintf(addr_buf, addr_size, "?");
	if (a && mnl_attr_get_payload_len(a) == want)
		inet_ntop(family, mnl_attr_get_payload(a), addr_buf,
			  (socklen_t)addr_size);
	snprintf(buf, size, family == AF_INET6 ? "[%s]:%llu" : "%s:%llu",
		 addr_buf, (unsigned long long)port);
}

/*
 * When kactl received the event (the kernel's message carries no time):
 * ISO 8601 local time with its UTC offset, to the microsecond, as "time",
 * text and JSON, and seconds since the epoch as the JSON number
 * "timestamp".
 */
static void print_time(const struct timespec *ts)
{
	char text[96], stamp[48], zone[8];
	struct tm tm;

	localtime_r(&ts->tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	/* strftime's %z is +hhmm; ISO 8601's extended format wants +hh:mm. */
	if (strftime(zone, sizeof(zone), "%z", &tm) != 5)
		snprintf(zone, sizeof(zone), "+0000");
	snprintf(text, sizeof(text), "%s.%06ld%.3s:%s", stamp,
		 ts->tv_nsec / 1000, zone, zone + 3);
	out_str("time", "%s", text);
	snprintf(text, sizeof(text), "%lld.%06ld", (long long)ts->tv_sec,
		 ts->tv_nsec / 1000);
	out_json_number("timestamp", text);
}

/* Milliseconds as seconds, "1.5s", into buf. */
static const char *secs(uint64_t ms, char *buf, size_t size)
{
	if (ms % 1000)
		snprintf(buf, size, "%llu.%03llus", (unsigned long long)ms / 1000,
			 (unsigned long long)ms % 1000);
	else
		snprintf(buf, size, "%llus", (unsigned long long)ms / 1000);
	return buf;
}

static void print_event(const struct nlattr *nest, const struct timespec *at)
{
	const struct nlattr *tb[KA_EVENT_A_MAX + 1] = {};
	char local[80], remote[80], laddr[64], raddr[64];
	char sel[KACTL_SELECTOR_TEXT_SIZE], dur[32], comm[32];
	int family, pid = 0;
	const char *cg;
	uint64_t ino, type;

	mnl_attr_parse_nested(nest, event_attr_cb, tb);
	family = (int)get_uint(tb[KA_EVENT_A_FAMILY]);
	endpoint(family, tb[KA_EVENT_A_LOCAL_ADDR],
		 get_uint(tb[KA_EVENT_A_LOCAL_PORT]), laddr, sizeof(laddr),
		 local, sizeof(local));
	endpoint(family, tb[KA_EVENT_A_REMOTE_ADDR],
		 get_uint(tb[KA_EVENT_A_REMOTE_PORT]), raddr, sizeof(raddr),
		 remote, sizeof(remote));

	out_open_object(NULL);
	print_time(at);
	/*
	 * A type this kactl does not know (a newer module): its number, as
	 * kactl prints every enum it does not know; the rest of the event
	 * is read as usual.
	 */
	type = get_uint(tb[KA_EVENT_A_TYPE]);
	if (!tb[KA_EVENT_A_TYPE])
		out_text(" event ?");
	else if (type == KA_EVENT_TIMEOUT)
		out_str("event", " %s", "timeout");
	else
		out_u64("event", " event %llu", (unsigned long long)type);
	out_json_str("family", family == AF_INET6 ? "inet6" : "inet");
	/* JSON: the parts apart, named as kactl sockets -j names them. */
	out_text(" %s -> %s", local, remote);
	out_json_str("local_addr", laddr);
	out_json_u64("local_port", get_uint(tb[KA_EVENT_A_LOCAL_PORT]));
	out_json_str("remote_addr", raddr);
	out_json_u64("remote_port", get_uint(tb[KA_EVENT_A_REMOTE_PORT]));
	if (tb[KA_EVENT_A_DIR]) {
		uint8_t dir = (uint8_t)get_uint(tb[KA_EVENT_A_DIR]);

		if (kactl_dir_name(dir))
			out_json_str("dir", kactl_dir_name(dir));
		else
			out_json_u64("dir", dir);
	}
	out_json_u64("cgroup_id", get_uint(tb[KA_EVENT_A_CGROUP_ID]));
	cg = cgroup_path(get_uint(tb[KA_EVENT_A_CGROUP_ID]));
	if (cg)
		out_str("cgroup", " cgroup %s", cg);
	else
		out_text(" cgroup id:%llu",
			 (unsigned long long)get_uint(tb[KA_EVENT_A_CGROUP_ID]));
	if (tb[KA_EVENT_A_POLICY]) {
		struct kactl_policy p;

		memset(&p, 0, sizeof(p));
		if (kactl_policy_decode(tb[KA_EVENT_A_POLICY], &p, NULL) == MNL_CB_OK &&
		    kactl_selector_text(&p.sel, sel, sizeof(sel)) >= 0)
			out_str("policy", " policy \"%s\"", sel);
		else
			out_text(" policy ?");
	} else {
		out_text(" policy -");
	}
	/* Seconds, seconds, ms: JSON's keys and units are kactl sockets'. */
	out_text(" idle %llus intvl %llus cnt %llu",
		 (unsigned long long)get_uint(tb[KA_EVENT_A_IDLE]),
		 (unsigned long long)get_uint(tb[KA_EVENT_A_INTVL]),
		 (unsigned long long)get_uint(tb[KA_EVENT_A_CNT]));
	out_json_u64("idle", get_uint(tb[KA_EVENT_A_IDLE]));
	out_json_u64("intvl", get_uint(tb[KA_EVENT_A_INTVL]));
	out_json_u64("cnt", get_uint(tb[KA_EVENT_A_CNT]));
	if (get_uint(tb[KA_EVENT_A_USER_TIMEOUT]))
		out_text(" user-timeout %s",
			 secs(get_uint(tb[KA_EVENT_A_USER_TIMEOUT]), dur, sizeof(dur)));
	out_json_u64("user_timeout", get_uint(tb[KA_EVENT_A_USER_TIMEOUT]));
	out_u64("probes", " probes %llu",
		(unsigned long long)get_uint(tb[KA_EVENT_A_PROBES]));
	out_text(" silent %s", secs(get_uint(tb[KA_EVENT_A_SILENT_MS]), dur, sizeof(dur)));
	out_json_u64("silent_ms", get_uint(tb[KA_EVENT_A_SILENT_MS]));
	/* Known for connections made while someone listened (lifetime.c). */
	if (tb[KA_EVENT_A_LIFETIME_MS]) {
		out_text(" lived %s", secs(get_uint(tb[KA_EVENT_A_LIFETIME_MS]),
					    dur, sizeof(dur)));
		out_json_u64("lifetime_ms", get_uint(tb[KA_EVENT_A_LIFETIME_MS]));
	} else {
		out_text(" lived -");
	}
	if (tb[KA_EVENT_A_UID])
		out_u64("uid", " uid %llu",
			(unsigned long long)get_uint(tb[KA_EVENT_A_UID]));
	ino = get_uint(tb[KA_EVENT_A_INODE]);
	if (ino) {
		out_json_u64("inode", ino);
		pid = socket_owner(ino);
	}
	if (pid) {
		comm_of(pid, comm, sizeof(comm));
		out_u64("pid", " pid %llu", (unsigned long long)pid);
		out_str("comm", " comm %s", comm[0] ? comm : "?");
	}
	out_close_object();
	fputc('\n', stdout);
	fflush(stdout);
}

struct monitor {
	uint16_t family;	/* ka_policy's id */
	bool gone;		/* the controller deleted the family */
	struct timespec at;	/* CLOCK_REALTIME, when recv() returned */
};

static int ctrl_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if (type == CTRL_ATTR_FAMILY_NAME &&
	    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
		tb[type] = attr;
	if (type == CTRL_ATTR_FAMILY_ID &&
	    mnl_attr_validate(attr, MNL_TYPE_U16) == 0)
		tb[type] = attr;
	return MNL_CB_OK;
}

/*
 * A notification of the controller: CTRL_CMD_DELFAMILY for ka_policy
 * (by name, or by id if it has none) ends monitoring. Its events group
 * went with it: a module loaded again registers new ones, which this
 * socket has not joined.
 */
static int ctrl_cb(const struct nlmsghdr *nlh, struct monitor *m)
{
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[CTRL_ATTR_MAX + 1] = {};
	bool ours;

	if (genl->cmd != CTRL_CMD_DELFAMILY)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*genl), ctrl_attr_cb, tb);
	if (tb[CTRL_ATTR_FAMILY_NAME])
		ours = strcmp(mnl_attr_get_str(tb[CTRL_ATTR_FAMILY_NAME]),
			      KA_GENL_NAME) == 0;
	else
		ours = tb[CTRL_ATTR_FAMILY_ID] &&
		       mnl_attr_get_u16(tb[CTRL_ATTR_FAMILY_ID]) == m->family;
	if (!ours)
		return MNL_CB_OK;
	m->gone = true;
	return MNL_CB_STOP;
}

static int event_cb(const struct nlmsghdr *nlh, void *data)
{
	struct monitor *m = data;
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[KA_A_MAX + 1] = {};

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*genl)))
		return MNL_CB_OK;
	if (nlh->nlmsg_type == GENL_ID_CTRL)
		return ctrl_cb(nlh, m);
	if (nlh->nlmsg_type != m->family || genl->cmd != KA_CMD_EVENT)
		return MNL_CB_OK;
	kactl_reply_attrs(nlh, tb);
	if (tb[KA_A_EVENT])
		print_event(tb[KA_A_EVENT], &m->at);
	return MNL_CB_OK;
}

/*
 * The version request sent once the group is joined: the module looks at
 * its listeners then, and notes the lifetime of every connection made
 * from the reply on (module/hooks.c), instead of from the look the next
 * connection makes within a second. Events that arrive meanwhile are
 * printed as any other.
 */
static int listening_cb(const struct nlmsghdr *nlh, void *data)
{
	struct monitor *m = data;

	if (nlh->nlmsg_seq)
		return MNL_CB_OK;
	clock_gettime(CLOCK_REALTIME, &m->at);
	return event_cb(nlh, m);
}

static void print_lost(unsigned long long times, const struct timespec *at)
{
	out_open_object(NULL);
	print_time(at);
	out_str("event", " %s", "lost");
	out_u64("overflows", " events were lost: kactl's receive queue overflowed (%llu times so far; kactl stats counts them in events_dropped)",
		times);
	out_close_object();
	fputc('\n', stdout);
	fflush(stdout);
}

int kactl_cmd_monitor(const struct kactl_opts *o, int argc, char **argv)
{
	struct monitor m;
	struct kactl_genl g;
	struct sigaction sa;
	unsigned long long overflows = 0;
	int fd, size = MONITOR_RCVBUF, one = 1, ret;
	struct mcgrp_lookup ctrl = { .name = "notify" };
	struct mcgrp_lookup ev = { .name = KA_MCGRP_EVENTS };
	ssize_t len;
	char *buf;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-j") == 0 || strcmp(argv[i], "--json") == 0)
			out_init(stdout, true, false);
		else if (strcmp(argv[i], "timeout") != 0)
			return kactl_usage_error("monitor: unknown event type '%s' (known: timeout)",
						 argv[i]);
	}
	ret = kactl_connect(o, &g);
	if (ret)
		return ret;
	/*
	 * The controller's notifications first, so that the family cannot
	 * go between the look-up below and the first recv() unnoticed.
	 */
	ret = group_lookup(&g, "nlctrl", &ctrl);
	if (!ret && !ctrl.id)
		ret = -ENOENT;
	if (!ret)
		ret = join(&g, ctrl.id);
	if (ret)
		return kactl_close(&g, ret, "cannot follow the generic netlink controller's notifications");
	ret = group_lookup(&g, KA_GENL_NAME, &ev);
	if (ret == -ENOENT) {
		kactl_genl_close(&g);
		fprintf(stderr, "Error: %s\n", MONITOR_UNLOADED);
		return EXIT_FAILURE;
	}
	if (ret)
		return kactl_close(&g, ret, "monitor");
	if (!ev.id)
		return no_events_group(&g);
	m.family = ev.family;
	m.gone = false;
	ret = join(&g, ev.id);
	if (ret) {
		kactl_genl_close(&g);
		if (ret == -EPERM) {
			fprintf(stderr, "Error: kactl monitor needs CAP_NET_ADMIN in this network namespace.\n");
			return EXIT_FAILURE;
		}
		return kactl_report(ret, "cannot join the events group");
	}
	/*
	 * A full queue fails the kernel's send to this socket only with
	 * NETLINK_BROADCAST_ERROR: so the module learns of the loss and
	 * counts it in events_dropped.
	 */
	mnl_socket_setsockopt(g.nl, NETLINK_BROADCAST_ERROR, &one, sizeof(one));
	fd = mnl_socket_get_fd(g.nl);
	/* Past rmem_max with CAP_NET_ADMIN in the initial namespace. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: recv() returns EINTR */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	buf = malloc(MONITOR_BUFSZ);
	if (!buf) {
		kactl_genl_close(&g);
		return kactl_report(-ENOMEM, "monitor");
	}
	/* Any other error shows in recv() below, or changes nothing. */
	if (kactl_genl_run(&g, kactl_genl_msg(&g, KA_CMD_VERSION, 0),
			   listening_cb, &m) == -ENOBUFS) {
		clock_gettime(CLOCK_REALTIME, &m.at);
		print_lost(++overflows, &m.at);
	}
	ret = 0;
	if (m.gone) {
		fprintf(stderr, "Error: %s\n", MONITOR_UNLOADED);
		ret = EXIT_FAILURE;
	}
	while (!stop && !ret) {
		len = recv(fd, buf, MONITOR_BUFSZ, 0);
		clock_gettime(CLOCK_REALTIME, &m.at);
		if (len < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				print_lost(++overflows, &m.at);
				continue;
			}
			ret = kactl_report(-errno, "monitor");
			break;
		}
		mnl_cb_run(buf, (size_t)len, 0, 0, event_cb, &m);
		if (m.gone) {
			fprintf(stderr, "Error: %s\n", MONITOR_UNLOADED);
			ret = EXIT_FAILURE;
			break;
		}
	}
	free(buf);
	free(owners);
	kactl_genl_close(&g);
	return ret;
}
