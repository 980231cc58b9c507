/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KACTL_H
#define KACTL_H

#include <stdbool.h>

#include "genl.h"

struct kactl_policy;

/*
 * kactl's commands, after iproute2's cmds[] and ethtool's netlink/: a
 * command is a function of its own words (argv[0] is its name), or, when
 * it takes no words and makes one request, a struct kactl_query that
 * kactl_run_query() carries out. A group of commands is a file of its
 * own, cmd_GROUP.c, whose commands are lines of kactl.c's command table.
 * A command checks all its words first, so that a usage error comes
 * before kactl talks to the kernel, module or not (exit 2); then
 * kactl_connect(), its requests, and kactl_report() for a request that
 * failed (exit 1).
 */

#define KACTL_EXIT_USAGE	2

/* What the options before the command chose. */
struct kactl_opts {
	const char *netns;	/* -n: NULL for kactl's own namespace */
};

typedef int (*kactl_cmd_fn)(const struct kactl_opts *o, int argc,
			    char **argv);

/*
 * A command of no words and one request, as most are: begin() (a table's
 * header, say), the request cmd with flags (NLM_F_DUMP for a dump), cb on
 * each reply, end().
 */
struct kactl_query {
	uint8_t cmd;
	uint16_t flags;
	void (*begin)(void);
	mnl_cb_t cb;
	void (*end)(void);
};

/* cmd_policy.c: a policy at a time, and the lot */
int kactl_cmd_add(const struct kactl_opts *o, int argc, char **argv);
int kactl_cmd_set(const struct kactl_opts *o, int argc, char **argv);
int kactl_cmd_del(const struct kactl_opts *o, int argc, char **argv);
extern const struct kactl_query kactl_query_list, kactl_query_flush;
/* cmd_file.c: policy files */
extern const struct kactl_query kactl_query_save;
int kactl_cmd_load(const struct kactl_opts *o, int argc, char **argv);
/* cmd_sockets.c: the namespace's TCP sockets and their keepalive */
int kactl_cmd_sockets(const struct kactl_opts *o, int argc, char **argv);
/* cmd_monitor.c: events as they happen, until SIGINT or SIGTERM */
int kactl_cmd_monitor(const struct kactl_opts *o, int argc, char **argv);
/*
 * cmd_existing.c: takes the command option --existing out of argv (argc
 * words; argv[0], the command, is kept); true when it was there.
 */
bool kactl_take_existing(int *argc, char **argv);
/*
 * cmd_existing.c: after a policy change made on g, applies the policies
 * to the open connections, only to those whose policy is only's (its
 * selector) when only is not NULL, and prints what that did. Returns 0,
 * or the exit status after saying why it stopped.
 */
int kactl_existing_apply(struct kactl_genl *g, const struct kactl_policy *only);
/* cmd_stats.c, cmd_version.c */
extern const struct kactl_query kactl_query_stats, kactl_query_version;

/*
 * kactl.c: "kactl: MESSAGE" and the pointer to --help on stderr; returns
 * KACTL_EXIT_USAGE.
 */
int kactl_usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/*
 * cmd.c: enters o's network namespace and opens the ka_policy family.
 * Returns 0, or the exit status after saying why not (the module not
 * loaded, say).
 */
int kactl_connect(const struct kactl_opts *o, struct kactl_genl *g);

/*
 * cmd.c: the request what failed with err: prints why as "Error: ..."
 * (the kernel's own words when it gave some); returns the exit status.
 */
int kactl_report(int err, const char *what);

/*
 * cmd.c: the end of a command: closes g; returns 0, or the exit status
 * after kactl_report(err, what) when err (a request's -errno) is not 0.
 */
int kactl_close(struct kactl_genl *g, int err, const char *what);

/* cmd.c: carries out q, for a command of argc words argv. */
int kactl_run_query(const struct kactl_opts *o, int argc, char **argv,
		    const struct kactl_query *q);

/* cmd.c: an end() for replies printed as one JSON array. */
void kactl_end_array(void);

#endif
