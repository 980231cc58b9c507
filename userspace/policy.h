/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KACTL_POLICY_H
#define KACTL_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/ka_policy.h>	/* KA_CGROUP_PATH_MAX */

/*
 * Policies as kactl sees them: read from the command line, or decoded
 * from the kernel's replies (codec.h), and printed. No netlink here, so
 * all of it can be unit tested on the host.
 *
 * A selector has two spellings: the words of kactl (set, del, list, load
 * and save), "port 8000-8099 dir in cgroup /svc", where kactl_selector_text()
 * prints what kactl_policy_parse() reads back; and the module's
 * /proc/net/ka_stats column "port=8000-8099,dir=in,cgroup=/svc", one
 * whitespace-free field of a table.
 */

/*
 * Room for any selector's text form, the longest cgroup path included,
 * quoted with every byte escaped, and a state note after it.
 */
#define KACTL_SELECTOR_TEXT_SIZE	(2 * KA_CGROUP_PATH_MAX + 64)

struct kactl_selector {
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

struct kactl_action {
	bool off;
	bool has_idle, has_intvl, has_cnt, has_user_timeout, has_mode;
	uint32_t idle_s;		/* TCP_KEEPIDLE */
	uint32_t intvl_s;		/* TCP_KEEPINTVL */
	uint32_t cnt;			/* TCP_KEEPCNT: unanswered probes */
	uint32_t user_timeout_ms;	/* TCP_USER_TIMEOUT */
	uint8_t mode;			/* enum ka_mode */
};

struct kactl_policy {
	struct kactl_selector sel;
	struct kactl_action act;
};

enum kactl_policy_op {
	KACTL_OP_SET,	/* selector and action */
	KACTL_OP_DEL,	/* selector only */
	KACTL_OP_ADD,	/* as set */
};

/*
 * Parses the words of "add", "set" or "del" (argv[0] is the command name)
 * into p, whose strings then point into argv. A word is a keyword, with
 * or without two leading dashes: "port 80 dir in" or "--port 80 --dir
 * in" (parse.h). Returns 0, or -EINVAL with what is wrong in err (no
 * "kactl: " prefix).
 */
int kactl_policy_parse(enum kactl_policy_op op, int argc, char **argv,
		       struct kactl_policy *p, char *err, size_t err_size);

/*
 * The selector's text form, as in "port 6379-6400 dir in cgroup /svc" or
 * "default", in buf: the words kactl set and del read, a cgroup path
 * quoted for the shell and the policy file when it needs it ("cgroup
 * \"/my svc\"", kactl_word_text()). What kactl cannot name does not paste
 * back: a cgroup by id ("cgroup id:42") or outside the reader's cgroup
 * namespace ("cgroup (outside)"). A reply's cgroup state is not part of
 * it (kactl_cgroup_state_name()). Returns the length the full text has,
 * as snprintf() does.
 */
int kactl_selector_text(const struct kactl_selector *sel, char *buf, size_t size);

/*
 * A word as the shell and the policy file read it back: w itself when it
 * holds only letters, digits and _@%+=:,./-, else double-quoted with \
 * before each ", \, $ and `. Returns the length the full text has, as
 * snprintf() does.
 */
int kactl_word_text(const char *w, char *buf, size_t size);

const char *kactl_dir_name(uint8_t dir);	/* NULL when unknown */
const char *kactl_mode_name(uint8_t mode);	/* NULL when unknown */
const char *kactl_cgroup_state_name(uint8_t state);	/* NULL when unknown */

/* The "kactl list" table: a header line, then one row per policy. */
void kactl_policy_print_header(void);
void kactl_policy_print(const struct kactl_policy *p);

#endif
