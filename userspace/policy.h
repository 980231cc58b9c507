/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KACTL_POLICY_H
#define KACTL_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/ka_policy.h>	/* KA_CGROUP_PATH_MAX */

/*
 * Policies as kactl sees them: read from the command line, or decoded
 * from the kernel's replies, and printed. No netlink here, so all of it
 * can be unit tested on the host.
 */

/* Room for any selector's text form, the longest cgroup path included. */
#define KA_SELECTOR_TEXT_SIZE	(KA_CGROUP_PATH_MAX + 64)

struct ka_selector {
	bool is_default;
	bool has_port;
	uint16_t port_min, port_max;	/* port_min == port_max: one port */
	bool has_dir;			/* absent means KA_DIR_BOTH */
	uint8_t dir;			/* enum ka_dir */
	const char *cgroup_path;	/* NULL: no cgroup by path */
	bool has_cgroup_id;		/* replies only: a policy by id */
	uint64_t cgroup_id;
	/* Replies only: where the cgroup is now, enum ka_cgroup_state. */
	bool has_cgroup_state;
	uint8_t cgroup_state;
	/* Replies only: a cgroup outside kactl's cgroup namespace. */
	bool cgroup_hidden;
};

struct ka_action {
	bool off;
	bool has_idle, has_intvl, has_cnt, has_user_timeout, has_mode;
	uint32_t idle, intvl, cnt, user_timeout;
	uint8_t mode;			/* enum ka_mode */
};

struct ka_policy {
	struct ka_selector sel;
	struct ka_action act;
};

enum ka_policy_op {
	KA_OP_SET,	/* selector and action */
	KA_OP_DEL,	/* selector only */
	KA_OP_ADD,	/* as set */
};

/*
 * Parses the arguments of "add", "set" or "del" (argv[0] is the command
 * name) into p, whose strings then point into argv. Returns 0, or -EINVAL
 * with what is wrong in err (no "kactl: " prefix). Uses getopt_long, so
 * it resets optind.
 */
int ka_policy_parse(enum ka_policy_op op, int argc, char **argv,
		    struct ka_policy *p, char *err, size_t err_size);

/*
 * The selector's text form, as in "port 6379-6400 dir in cgroup /svc",
 * "cgroup id:42" or "default", in buf; from a reply, a cgroup's state
 * follows it: "cgroup /svc (waiting)". Returns the length the full text
 * has, as snprintf() does.
 */
int ka_selector_text(const struct ka_selector *sel, char *buf, size_t size);

const char *ka_dir_name(uint8_t dir);	/* NULL when unknown */
const char *ka_mode_name(uint8_t mode);	/* NULL when unknown */
const char *ka_cgroup_state_name(uint8_t state);	/* NULL when unknown */

/* The "kactl list" table: a header line, then one row per policy. */
void ka_policy_print_header(void);
void ka_policy_print(const struct ka_policy *p);

#endif
