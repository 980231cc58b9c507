// SPDX-License-Identifier: GPL-2.0
/* What every command shares: a connection to the module, errors; see kactl.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kactl.h"
#include "out.h"

/* For a command that takes no words after its name. */
static int no_args(int argc, char **argv)
{
	if (argc > 1)
		return kactl_usage_error("%s takes no arguments: '%s'", argv[0],
					 argv[1]);
	return 0;
}

int kactl_report(int err, const char *what)
{
	const char *msg = kactl_genl_error();

	if (msg)
		fprintf(stderr, "Error: %s.\n", msg);
	else if (err == -EPERM)
		fprintf(stderr, "Error: %s: Operation not permitted (needs CAP_NET_ADMIN in this network namespace).\n",
			what);
	else
		fprintf(stderr, "Error: %s: %s.\n", what, strerror(-err));
	return EXIT_FAILURE;
}

int kactl_close(struct kactl_genl *g, int err, const char *what)
{
	kactl_genl_close(g);
	return err ? kactl_report(err, what) : 0;
}

void kactl_end_array(void)
{
	out_close_array();
	out_finish();
}

/*
 * Like ip -n: NAME is a namespace under /run/netns (ip netns add), or a
 * path such as /proc/PID/ns/net. Netlink sockets opened afterwards belong
 * to it, so every request acts there.
 */
static int enter_netns(const char *name)
{
	char path[PATH_MAX];
	int fd, err;

	snprintf(path, sizeof(path), "%s%s",
		 strchr(name, '/') ? "" : "/run/netns/", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "Error: cannot open network namespace \"%s\": %s.\n",
			name, strerror(errno));
		return -1;
	}
	if (setns(fd, CLONE_NEWNET) < 0) {
		err = errno;
		close(fd);
		fprintf(stderr, "Error: cannot enter network namespace \"%s\": %s%s.\n",
			name, strerror(err),
			err == EPERM ? " (needs CAP_SYS_ADMIN)" : "");
		return -1;
	}
	close(fd);
	return 0;
}

int kactl_connect(const struct kactl_opts *o, struct kactl_genl *g)
{
	int ret;

	if (o->netns && enter_netns(o->netns))
		return EXIT_FAILURE;
	ret = kactl_genl_open(g);
	if (ret == -ENOENT) {
		fprintf(stderr, "Error: the ka_policy module is not loaded (load it with 'modprobe ka_policy' or 'insmod ka_policy.ko').\n");
		return EXIT_FAILURE;
	}
	if (ret)
		return kactl_report(ret, "cannot talk to the kernel over generic netlink");
	return 0;
}

int kactl_run_query(const struct kactl_opts *o, int argc, char **argv,
		    const struct kactl_query *q)
{
	struct nlmsghdr *nlh;
	struct kactl_genl g;
	int ret;

	ret = no_args(argc, argv);
	if (!ret)
		ret = kactl_connect(o, &g);
	if (ret)
		return ret;
	nlh = kactl_genl_msg(&g, q->cmd, q->flags);
	if (q->begin)
		q->begin();
	ret = kactl_genl_run(&g, nlh, q->cb, NULL);
	if (q->end)
		q->end();
	return kactl_close(&g, ret, argv[0]);
}
