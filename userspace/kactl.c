// SPDX-License-Identifier: GPL-2.0
/*
 * kactl: control TCP keepalive policies of the ka_policy module.
 *
 * Exit status: 0 success, 1 the request failed (the kernel's reason is
 * printed as "Error: ..."), 2 a usage error.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/genetlink.h>

#include <linux/ka_policy.h>

#include "conf.h"
#include "genl.h"
#include "out.h"
#include "parse.h"
#include "policy.h"

#define EXIT_USAGE 2

/* What a command took from its command line. */
struct cmd_args {
	struct kactl_policy policy;	/* add, set, del */
	/* load: the file's policies, their words pointing into text */
	struct kactl_policy *policies;
	unsigned int *lines;		/* line number of each policy */
	size_t n;
	const char *file;
	char *text;
	bool replace;			/* load --replace */
};

struct cmd {
	const char *name;
	/*
	 * Checks the command line before kactl talks to the kernel, so
	 * that usage errors come first, module or not. Returns 0 or the
	 * exit status.
	 */
	int (*parse)(int argc, char **argv, struct cmd_args *a);
	int (*run)(struct kactl_genl *g, const struct cmd_args *a);
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: kactl [OPTIONS] COMMAND [ARGS]\n"
		"\n"
		"Commands:\n"
		"  add SELECTOR [ACTION]  add a policy; fails if this selector has one\n"
		"  set SELECTOR [ACTION]  add a policy, or replace the one with this selector\n"
		"  del SELECTOR           delete the policy with this selector\n"
		"  list                   show the policies of this network namespace\n"
		"  flush                  delete every policy of this network namespace\n"
		"  stats                  show what ka_policy did in this network namespace\n"
		"  save                   print the policies as a file for load\n"
		"  load [--replace] FILE  check FILE (- for stdin) whole, then set each\n"
		"                         policy it holds; --replace: make the set\n"
		"                         exactly FILE's, in one atomic step\n"
		"  version                show the versions of kactl and of the loaded module\n"
		"\n"
		"SELECTOR := --default | { [--port PORT[-PORT] [--dir in|out|both]] [--cgroup PATH] }\n"
		"  --default               the namespace-wide default policy\n"
		"  --port PORT[-PORT]      a port or a port range, 1..65535\n"
		"  --dir in|out|both       in: accepted on the local port, out: connecting\n"
		"                          to the remote port (default: both; needs --port)\n"
		"  --cgroup PATH           a cgroup v2 and its descendants, e.g. /system.slice\n"
		"\n"
		"ACTION := --off | [--idle SEC] [--intvl SEC] [--cnt N] [--user-timeout MS]\n"
		"          [--mode default|force]\n"
		"  --off                   exempt matching sockets: leave them alone\n"
		"  --idle SEC              TCP_KEEPIDLE, 1..32767 seconds\n"
		"  --intvl SEC             TCP_KEEPINTVL, 1..32767 seconds\n"
		"  --cnt N                 TCP_KEEPCNT, 1..127 probes\n"
		"  --user-timeout MS       TCP_USER_TIMEOUT, 0..2147483647 milliseconds\n"
		"  --mode default|force    default: only fill in what the application left\n"
		"                          unset; force: replace its values\n"
		"\n"
		"Options:\n"
		"  -j, --json      print JSON\n"
		"  -p, --pretty    indent JSON\n"
		"  -n, --netns NETNS\n"
		"                  act in network namespace NETNS: a name from\n"
		"                  'ip netns' or a path like /proc/PID/ns/net\n"
		"  -V, --version   print kactl's version and exit\n"
		"  -h, --help      print this help and exit\n"
		"\n"
		"See kactl(8).\n");
}

static int usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("kactl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'kactl --help' for more information.\n", stderr);
	return EXIT_USAGE;
}

/* Prints why a request failed; returns the exit status for it. */
static int report(int err, const char *what)
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

static int parse_none(int argc, char **argv, struct cmd_args *a)
{
	(void)a;
	if (argc > 1)
		return usage_error("%s takes no arguments: '%s'", argv[0],
				   argv[1]);
	return 0;
}

static int parse_policy(enum kactl_policy_op op, int argc, char **argv,
			struct cmd_args *a)
{
	char err[512];

	if (kactl_policy_parse(op, argc, argv, &a->policy, err, sizeof(err)))
		return usage_error("%s", err);
	return 0;
}

static int parse_add(int argc, char **argv, struct cmd_args *a)
{
	return parse_policy(KACTL_OP_ADD, argc, argv, a);
}

static int parse_set(int argc, char **argv, struct cmd_args *a)
{
	return parse_policy(KACTL_OP_SET, argc, argv, a);
}

static int parse_del(int argc, char **argv, struct cmd_args *a)
{
	return parse_policy(KACTL_OP_DEL, argc, argv, a);
}

static const char *const counter_keys[KA_STATS_A_MAX + 1] = {
	[KA_STATS_A_APPLIED]	 = "applied",
	[KA_STATS_A_SKIPPED]	 = "skipped",
	[KA_STATS_A_PROBES_SENT] = "probes_sent",
	[KA_STATS_A_TIMEOUTS]	 = "timeouts",
};

static const int counter_width[KA_STATS_A_MAX + 1] = {
	[KA_STATS_A_APPLIED] = 10, [KA_STATS_A_SKIPPED] = 10,
	[KA_STATS_A_PROBES_SENT] = 12, [KA_STATS_A_TIMEOUTS] = 10,
};

/* The scope column of "kactl stats": "total" or a selector. */
#define SCOPE_WIDTH 32

/* What each policy attribute of a reply must look like. */
static const enum mnl_attr_data_type policy_types[KA_POLICY_A_MAX + 1] = {
	[KA_POLICY_A_DEFAULT]	   = MNL_TYPE_FLAG,
	[KA_POLICY_A_PORT_MIN]	   = MNL_TYPE_U16,
	[KA_POLICY_A_PORT_MAX]	   = MNL_TYPE_U16,
	[KA_POLICY_A_DIR]	   = MNL_TYPE_U8,
	[KA_POLICY_A_CGROUP_PATH]  = MNL_TYPE_NUL_STRING,
	[KA_POLICY_A_CGROUP_ID]	   = MNL_TYPE_U64,
	[KA_POLICY_A_OFF]	   = MNL_TYPE_FLAG,
	[KA_POLICY_A_IDLE]	   = MNL_TYPE_U32,
	[KA_POLICY_A_INTVL]	   = MNL_TYPE_U32,
	[KA_POLICY_A_CNT]	   = MNL_TYPE_U32,
	[KA_POLICY_A_USER_TIMEOUT] = MNL_TYPE_U32,
	[KA_POLICY_A_MODE]	   = MNL_TYPE_U8,
	[KA_POLICY_A_STATS]	   = MNL_TYPE_NESTED,
	[KA_POLICY_A_CGROUP_STATE] = MNL_TYPE_U8,
	[KA_POLICY_A_CGROUP_HIDDEN] = MNL_TYPE_FLAG,
};

static int attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	/* Unknown attributes come from a newer module: skip them. */
	if (type <= KA_A_MAX)
		tb[type] = attr;
	return MNL_CB_OK;
}

static int stats_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if (type <= KA_STATS_A_MAX && counter_keys[type] &&
	    mnl_attr_validate(attr, MNL_TYPE_U64) == 0)
		tb[type] = attr;
	return MNL_CB_OK;
}

static int policy_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if (type > KA_POLICY_A_MAX || policy_types[type] == MNL_TYPE_UNSPEC)
		return MNL_CB_OK;
	/*
	 * A known attribute of the wrong size would show a policy that
	 * does not exist (a port missing from its selector, say): fail.
	 */
	if (mnl_attr_validate(attr, policy_types[type]) < 0) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	tb[type] = attr;
	return MNL_CB_OK;
}

/*
 * A KA_A_POLICY nest into p; *stats gets its KA_POLICY_A_STATS nest or
 * NULL. Strings in p point into the message. Returns MNL_CB_OK, or
 * MNL_CB_ERROR with errno set.
 */
static int policy_decode(const struct nlattr *nest, struct kactl_policy *p,
			 const struct nlattr **stats)
{
	const struct nlattr *tb[KA_POLICY_A_MAX + 1] = {};
	struct kactl_selector *sel = &p->sel;
	struct kactl_action *act = &p->act;

	memset(p, 0, sizeof(*p));
	if (mnl_attr_validate(nest, MNL_TYPE_NESTED) < 0) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (mnl_attr_parse_nested(nest, policy_attr_cb, tb) < 0)
		return MNL_CB_ERROR;
	sel->is_default = tb[KA_POLICY_A_DEFAULT];
	if (tb[KA_POLICY_A_PORT_MIN]) {
		sel->has_port = true;
		sel->port_min = mnl_attr_get_u16(tb[KA_POLICY_A_PORT_MIN]);
		sel->port_max = tb[KA_POLICY_A_PORT_MAX] ?
			mnl_attr_get_u16(tb[KA_POLICY_A_PORT_MAX]) : sel->port_min;
	}
	if (tb[KA_POLICY_A_DIR]) {
		sel->has_dir = true;
		sel->dir = mnl_attr_get_u8(tb[KA_POLICY_A_DIR]);
	}
	if (tb[KA_POLICY_A_CGROUP_PATH])
		sel->cgroup_path = mnl_attr_get_str(tb[KA_POLICY_A_CGROUP_PATH]);
	if (tb[KA_POLICY_A_CGROUP_ID]) {
		sel->has_cgroup_id = true;
		sel->cgroup_id = mnl_attr_get_u64(tb[KA_POLICY_A_CGROUP_ID]);
	}
	if (tb[KA_POLICY_A_CGROUP_STATE]) {
		sel->has_cgroup_state = true;
		sel->cgroup_state = mnl_attr_get_u8(tb[KA_POLICY_A_CGROUP_STATE]);
	}
	sel->cgroup_hidden = tb[KA_POLICY_A_CGROUP_HIDDEN];
	act->off = tb[KA_POLICY_A_OFF];
	if (tb[KA_POLICY_A_IDLE]) {
		act->has_idle = true;
		act->idle_s = mnl_attr_get_u32(tb[KA_POLICY_A_IDLE]);
	}
	if (tb[KA_POLICY_A_INTVL]) {
		act->has_intvl = true;
		act->intvl_s = mnl_attr_get_u32(tb[KA_POLICY_A_INTVL]);
	}
	if (tb[KA_POLICY_A_CNT]) {
		act->has_cnt = true;
		act->cnt = mnl_attr_get_u32(tb[KA_POLICY_A_CNT]);
	}
	if (tb[KA_POLICY_A_USER_TIMEOUT]) {
		act->has_user_timeout = true;
		act->user_timeout_ms = mnl_attr_get_u32(tb[KA_POLICY_A_USER_TIMEOUT]);
	}
	/* Absent means KA_MODE_DEFAULT, which is 0. */
	if (tb[KA_POLICY_A_MODE]) {
		act->has_mode = true;
		act->mode = mnl_attr_get_u8(tb[KA_POLICY_A_MODE]);
	}
	if (stats)
		*stats = tb[KA_POLICY_A_STATS];
	return MNL_CB_OK;
}

/* The selector of p, plus its action when with_action, as KA_A_POLICY. */
static void policy_put(struct nlmsghdr *nlh, const struct kactl_policy *p,
		       bool with_action)
{
	const struct kactl_selector *sel = &p->sel;
	const struct kactl_action *act = &p->act;
	struct nlattr *nest = mnl_attr_nest_start(nlh, KA_A_POLICY);

	if (sel->is_default)
		mnl_attr_put(nlh, KA_POLICY_A_DEFAULT, 0, NULL);
	if (sel->has_port) {
		mnl_attr_put_u16(nlh, KA_POLICY_A_PORT_MIN, sel->port_min);
		mnl_attr_put_u16(nlh, KA_POLICY_A_PORT_MAX, sel->port_max);
	}
	if (sel->has_dir)
		mnl_attr_put_u8(nlh, KA_POLICY_A_DIR, sel->dir);
	if (sel->cgroup_path)
		mnl_attr_put_strz(nlh, KA_POLICY_A_CGROUP_PATH, sel->cgroup_path);
	if (with_action) {
		if (act->off)
			mnl_attr_put(nlh, KA_POLICY_A_OFF, 0, NULL);
		if (act->has_idle)
			mnl_attr_put_u32(nlh, KA_POLICY_A_IDLE, act->idle_s);
		if (act->has_intvl)
			mnl_attr_put_u32(nlh, KA_POLICY_A_INTVL, act->intvl_s);
		if (act->has_cnt)
			mnl_attr_put_u32(nlh, KA_POLICY_A_CNT, act->cnt);
		if (act->has_user_timeout)
			mnl_attr_put_u32(nlh, KA_POLICY_A_USER_TIMEOUT,
					 act->user_timeout_ms);
		if (act->has_mode)
			mnl_attr_put_u8(nlh, KA_POLICY_A_MODE, act->mode);
	}
	mnl_attr_nest_end(nlh, nest);
}

/* The most room policy_put() takes for p. */
static size_t policy_put_size(const struct kactl_policy *p)
{
	size_t size = MNL_ATTR_HDRLEN;		/* the nest */

	size += MNL_ATTR_HDRLEN;		/* DEFAULT or OFF, flags */
	size += 3 * MNL_ALIGN(MNL_ATTR_HDRLEN + sizeof(uint16_t)); /* ports, dir */
	size += 5 * MNL_ALIGN(MNL_ATTR_HDRLEN + sizeof(uint32_t)); /* settings */
	size += MNL_ATTR_HDRLEN;
	if (p->sel.cgroup_path)
		size += MNL_ATTR_HDRLEN + MNL_ALIGN(strlen(p->sel.cgroup_path) + 1);
	return size;
}

/*
 * The counters of one KA_A_STATS or KA_POLICY_A_STATS nest (NULL: none),
 * as table cells or JSON members. One the module cannot count is "-" in
 * the table and left out of the JSON.
 */
static void print_counters(const struct nlattr *nest)
{
	const struct nlattr *tb[KA_STATS_A_MAX + 1] = {};
	char fmt[16];

	if (nest && mnl_attr_validate(nest, MNL_TYPE_NESTED) == 0)
		mnl_attr_parse_nested(nest, stats_attr_cb, tb);
	for (int i = 0; i <= KA_STATS_A_MAX; i++) {
		if (!counter_keys[i])
			continue;
		if (tb[i]) {
			snprintf(fmt, sizeof(fmt), " %%%dllu", counter_width[i]);
			out_u64(counter_keys[i], fmt, mnl_attr_get_u64(tb[i]));
		} else {
			out_text(" %*s", counter_width[i], "-");
		}
	}
}

static void print_stats_row(const char *scope, const struct nlattr *nest)
{
	char fmt[16];

	snprintf(fmt, sizeof(fmt), "%%-%ds", SCOPE_WIDTH);
	out_open_object(NULL);
	out_str("scope", fmt, scope);
	print_counters(nest);
	out_close_object();
	out_text("\n");
}

/* The namespace totals come first, then one message per policy. */
static int stats_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[KA_A_MAX + 1] = {};
	char scope[KACTL_SELECTOR_TEXT_SIZE];
	const struct nlattr *stats;
	struct kactl_policy p;

	(void)data;
	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), attr_cb, tb);
	if (tb[KA_A_STATS])
		print_stats_row("total", tb[KA_A_STATS]);
	if (tb[KA_A_POLICY]) {
		if (policy_decode(tb[KA_A_POLICY], &p, &stats) < 0)
			return MNL_CB_ERROR;
		kactl_selector_text(&p.sel, scope, sizeof(scope));
		print_stats_row(scope, stats);
	}
	return MNL_CB_OK;
}

static int cmd_stats(struct kactl_genl *g, const struct cmd_args *a)
{
	struct nlmsghdr *nlh;
	int ret;

	(void)a;
	nlh = kactl_genl_msg(g, KA_CMD_STATS, NLM_F_DUMP);
	out_text("%-*s", SCOPE_WIDTH, "scope");
	for (int i = 0; i <= KA_STATS_A_MAX; i++) {
		if (counter_keys[i])
			out_text(" %*s", counter_width[i], counter_keys[i]);
	}
	out_text("\n");
	out_open_array(NULL);
	ret = kactl_genl_run(g, nlh, stats_cb, NULL);
	out_close_array();
	out_finish();
	return ret ? report(ret, "stats") : 0;
}

/*
 * A policy dump's message into p: 1, or 0 when it holds no policy, or
 * -1 when it is malformed.
 */
static int policy_msg(const struct nlmsghdr *nlh, struct kactl_policy *p)
{
	const struct nlattr *tb[KA_A_MAX + 1] = {};

	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), attr_cb, tb);
	if (!tb[KA_A_POLICY])
		return 0;
	return policy_decode(tb[KA_A_POLICY], p, NULL) < 0 ? -1 : 1;
}

static int list_cb(const struct nlmsghdr *nlh, void *data)
{
	struct kactl_policy p;
	int ret = policy_msg(nlh, &p);

	(void)data;
	if (ret < 0)
		return MNL_CB_ERROR;
	if (ret)
		kactl_policy_print(&p);
	return MNL_CB_OK;
}

static int cmd_list(struct kactl_genl *g, const struct cmd_args *a)
{
	struct nlmsghdr *nlh;
	int ret;

	(void)a;
	nlh = kactl_genl_msg(g, KA_CMD_POLICY_GET, NLM_F_DUMP);
	kactl_policy_print_header();
	out_open_array(NULL);
	ret = kactl_genl_run(g, nlh, list_cb, NULL);
	out_close_array();
	out_finish();
	return ret ? report(ret, "list") : 0;
}

/* add, set and del: one policy, with its action for add and set. */
static int policy_request(struct kactl_genl *g, const struct cmd_args *a,
			  uint8_t cmd, const char *what)
{
	struct nlmsghdr *nlh = kactl_genl_msg(g, cmd, 0);
	int ret;

	policy_put(nlh, &a->policy, cmd != KA_CMD_POLICY_DEL);
	ret = kactl_genl_run(g, nlh, NULL, NULL);
	return ret ? report(ret, what) : 0;
}

/* Like ip route add: the kernel refuses a selector that has a policy. */
static int cmd_add(struct kactl_genl *g, const struct cmd_args *a)
{
	return policy_request(g, a, KA_CMD_POLICY_ADD, "add");
}

static int cmd_set(struct kactl_genl *g, const struct cmd_args *a)
{
	return policy_request(g, a, KA_CMD_POLICY_SET, "set");
}

static int cmd_del(struct kactl_genl *g, const struct cmd_args *a)
{
	return policy_request(g, a, KA_CMD_POLICY_DEL, "del");
}

static int cmd_flush(struct kactl_genl *g, const struct cmd_args *a)
{
	struct nlmsghdr *nlh = kactl_genl_msg(g, KA_CMD_POLICY_FLUSH, 0);
	int ret;

	(void)a;
	ret = kactl_genl_run(g, nlh, NULL, NULL);
	return ret ? report(ret, "flush") : 0;
}

/* enum ka_feature, as kactl version names what a kernel lacks. */
static const char *const feature_names[] = {
	[KA_FEATURE_PROBES_SENT]	= "probes_sent",
	[KA_FEATURE_TIMEOUTS]		= "timeouts",
};

/* "; missing on this kernel: a, b" in text, "missing": [...] in JSON. */
static void print_missing(uint32_t missing)
{
	const char *fmt = "; missing on this kernel: %s";
	unsigned int i, n = sizeof(feature_names) / sizeof(feature_names[0]);
	char unknown[32];

	out_open_array("missing");
	for (i = 0; i < 32; i++) {
		if (!(missing & (1U << i)))
			continue;
		/* A newer module may name a feature this kactl does not know. */
		snprintf(unknown, sizeof(unknown), "feature%u", i);
		out_str(NULL, fmt, i < n && feature_names[i] ? feature_names[i] : unknown);
		fmt = ", %s";
	}
	out_close_array();
}

static int version_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[KA_A_MAX + 1] = {};

	(void)data;
	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), attr_cb, tb);
	if (tb[KA_A_VERSION] &&
	    mnl_attr_validate(tb[KA_A_VERSION], MNL_TYPE_NUL_STRING) == 0)
		out_str("module", ", module %s", mnl_attr_get_str(tb[KA_A_VERSION]));
	if (tb[KA_A_API_VERSION] &&
	    mnl_attr_validate(tb[KA_A_API_VERSION], MNL_TYPE_U32) == 0)
		out_u64("api", " (netlink API %llu)",
			mnl_attr_get_u32(tb[KA_A_API_VERSION]));
	/* A module older than the attribute lacks nothing it knows of. */
	if (tb[KA_A_MISSING] &&
	    mnl_attr_validate(tb[KA_A_MISSING], MNL_TYPE_U32) == 0)
		print_missing(mnl_attr_get_u32(tb[KA_A_MISSING]));
	else
		print_missing(0);
	return MNL_CB_OK;
}

static int cmd_version(struct kactl_genl *g, const struct cmd_args *a)
{
	struct nlmsghdr *nlh;
	int ret;

	(void)a;
	nlh = kactl_genl_msg(g, KA_CMD_VERSION, 0);
	out_open_object(NULL);
	out_str("kactl", "kactl %s", KA_POLICY_VERSION);
	ret = kactl_genl_run(g, nlh, version_cb, NULL);
	out_close_object();
	out_text("\n");
	out_finish();
	return ret ? report(ret, "version") : 0;
}

static int save_cb(const struct nlmsghdr *nlh, void *data)
{
	struct kactl_policy p;
	int ret = policy_msg(nlh, &p);

	(void)data;
	if (ret <= 0)
		return ret < 0 ? MNL_CB_ERROR : MNL_CB_OK;
	if (p.sel.has_cgroup_id) {
		/* An object, not a path: it cannot outlive a reboot. */
		fprintf(stderr, "Warning: the policy for cgroup id %llu names one cgroup object, not a path, and is saved as a comment.\n",
			(unsigned long long)p.sel.cgroup_id);
		fputs("# ", stdout);
	} else if (p.sel.cgroup_hidden) {
		/* Its path is outside this cgroup namespace: not ours to name. */
		fprintf(stderr, "Warning: a policy for a cgroup outside this cgroup namespace is saved as a comment.\n");
		fputs("# ", stdout);
	}
	kactl_conf_write(stdout, &p);
	return MNL_CB_OK;
}

static int cmd_save(struct kactl_genl *g, const struct cmd_args *a)
{
	struct nlmsghdr *nlh;
	int ret;

	(void)a;
	nlh = kactl_genl_msg(g, KA_CMD_POLICY_GET, NLM_F_DUMP);
	printf("# ka_policy policies, saved by kactl %s; kactl load reads this.\n",
	       KA_POLICY_VERSION);
	ret = kactl_genl_run(g, nlh, save_cb, NULL);
	fflush(stdout);
	return ret ? report(ret, "save") : 0;
}

/* The whole of FILE ("-": standard input), NUL-terminated. */
static char *read_all(const char *file)
{
	FILE *f = strcmp(file, "-") ? fopen(file, "r") : stdin;
	size_t len = 0, cap = 4096, got;
	char *buf = NULL, *tmp;

	if (!f)
		return NULL;
	for (;;) {
		tmp = realloc(buf, cap + 1);
		if (!tmp)
			goto fail;
		buf = tmp;
		got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (len < cap) {
			if (ferror(f))
				goto fail;
			break;
		}
		cap *= 2;
	}
	buf[len] = '\0';
	if (memchr(buf, '\0', len)) {
		errno = EINVAL;
		goto fail;
	}
	if (f != stdin)
		fclose(f);
	return buf;
fail:
	free(buf);
	if (f != stdin)
		fclose(f);
	return NULL;
}

#define KACTL_CONF_MAX_WORDS 32

/* Room for twice as many policies of a file being loaded. */
static int grow(struct cmd_args *a, size_t *cap)
{
	size_t ncap = *cap ? 2 * *cap : 64;
	struct kactl_policy *policies;
	unsigned int *lines;

	policies = realloc(a->policies, ncap * sizeof(*policies));
	if (policies)
		a->policies = policies;
	lines = realloc(a->lines, ncap * sizeof(*lines));
	if (lines)
		a->lines = lines;
	if (!policies || !lines) {
		fprintf(stderr, "Error: out of memory.\n");
		return -1;
	}
	*cap = ncap;
	return 0;
}

/* load [--replace] FILE */
static int parse_load_options(int argc, char **argv, struct cmd_args *a)
{
	static const struct option opts[] = {
		{ "replace", no_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 }
	};
	int opt, idx, at;

	optind = 0;
	for (;;) {
		at = optind ? optind : 1;
		idx = -1;
		opt = getopt_long(argc, argv, "+:", opts, &idx);
		if (opt == -1)
			break;
		if (opt != 'r' || !parse_is_long_opt(argv[at], "replace") ||
		    strchr(argv[at], '='))
			return usage_error("load: unknown option '%s'", argv[at]);
		a->replace = true;
	}
	if (argc - optind != 1)
		return usage_error("%s", "load takes one FILE ('-' for standard input)");
	a->file = argv[optind];
	return 0;
}

/* A policy's selector in text form, and where it is in the file. */
struct selector_line {
	char text[KACTL_SELECTOR_TEXT_SIZE];
	unsigned int line;
};

static int selector_line_cmp(const void *x, const void *y)
{
	const struct selector_line *a = x, *b = y;
	int c = strcmp(a->text, b->text);

	return c ? c : (a->line > b->line) - (a->line < b->line);
}

/*
 * A replace sets each selector once: a second line with the same selector
 * is a mistake, not an override. Returns how many lines repeat one.
 */
static unsigned int check_duplicates(const struct cmd_args *a)
{
	struct selector_line *s;
	unsigned int bad = 0;
	size_t i;

	if (a->n < 2)
		return 0;
	s = calloc(a->n, sizeof(*s));
	if (!s) {
		fprintf(stderr, "Error: out of memory.\n");
		return 1;
	}
	for (i = 0; i < a->n; i++) {
		kactl_selector_text(&a->policies[i].sel, s[i].text,
				 sizeof(s[i].text));
		s[i].line = a->lines[i];
	}
	qsort(s, a->n, sizeof(*s), selector_line_cmp);
	for (i = 1; i < a->n; i++) {
		if (strcmp(s[i].text, s[i - 1].text))
			continue;
		fprintf(stderr, "Error: %s:%u: %s is set on line %u already.\n",
			a->file, s[i].line, s[i].text, s[i - 1].line);
		bad++;
	}
	free(s);
	return bad;
}

/*
 * Checks the whole file before anything is sent: every bad line is
 * reported with its number, and one is enough to change nothing.
 */
static int parse_load(int argc, char **argv, struct cmd_args *a)
{
	char *words[KACTL_CONF_MAX_WORDS + 1], err[256], *line, *next;
	unsigned int lineno = 0, bad = 0;
	size_t cap = 0;
	int n, ret;

	ret = parse_load_options(argc, argv, a);
	if (ret)
		return ret;
	a->text = read_all(a->file);
	if (!a->text) {
		fprintf(stderr, "Error: cannot read %s: %s.\n", a->file,
			strerror(errno));
		return EXIT_FAILURE;
	}
	for (line = a->text; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		/* words[0] stands for the command name getopt skips. */
		words[0] = "set";
		n = kactl_conf_split(line, words + 1, KACTL_CONF_MAX_WORDS, err,
				  sizeof(err));
		if (n == 0)
			continue;
		if (n > 0 && a->n == cap && grow(a, &cap))
			return EXIT_FAILURE;
		if (n > 0 && kactl_policy_parse(KACTL_OP_SET, n + 1, words,
					     &a->policies[a->n], err,
					     sizeof(err)) == 0) {
			a->lines[a->n++] = lineno;
			continue;
		}
		fprintf(stderr, "Error: %s:%u: %s.\n", a->file, lineno, err);
		bad++;
	}
	if (a->replace)
		bad += check_duplicates(a);
	if (bad) {
		fprintf(stderr, "Error: %s: %u bad line%s, nothing was loaded.\n",
			a->file, bad, bad > 1 ? "s" : "");
		return EXIT_FAILURE;
	}
	return 0;
}

/*
 * load: one request per policy, so a failure leaves the ones before it.
 * Each line is a set: a later line replaces an earlier one.
 */
static int load_each(struct kactl_genl *g, const struct cmd_args *a)
{
	struct nlmsghdr *nlh;
	char what[64];
	size_t i;
	int ret;

	for (i = 0; i < a->n; i++) {
		nlh = kactl_genl_msg(g, KA_CMD_POLICY_SET, 0);
		policy_put(nlh, &a->policies[i], true);
		ret = kactl_genl_run(g, nlh, NULL, NULL);
		if (ret) {
			snprintf(what, sizeof(what), "%s:%u", a->file, a->lines[i]);
			report(ret, what);
			fprintf(stderr, "Error: %s: stopped at line %u; %zu polic%s before it %s set.\n",
				a->file, a->lines[i], i, i == 1 ? "y" : "ies",
				i == 1 ? "was" : "were");
			return EXIT_FAILURE;
		}
	}
	return 0;
}

/*
 * load --replace: every policy in one request, which the kernel applies
 * whole or not at all. When it refuses one policy, its extack offset
 * says which: offsets[i] is where policy i starts in the request.
 */
static int load_replace(struct kactl_genl *g, const struct cmd_args *a)
{
	size_t i, size = MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct genlmsghdr));
	struct nlmsghdr *nlh;
	uint32_t *offsets;
	char what[64];
	void *buf;
	int ret;

	for (i = 0; i < a->n; i++)
		size += policy_put_size(&a->policies[i]);
	buf = calloc(1, size);
	offsets = calloc(a->n + 1, sizeof(*offsets));
	if (!buf || !offsets) {
		free(buf);
		free(offsets);
		fprintf(stderr, "Error: out of memory.\n");
		return EXIT_FAILURE;
	}
	nlh = kactl_genl_msg_in(g, buf, KA_CMD_POLICY_REPLACE, 0);
	for (i = 0; i < a->n; i++) {
		offsets[i] = nlh->nlmsg_len;
		policy_put(nlh, &a->policies[i], true);
	}
	offsets[a->n] = nlh->nlmsg_len;

	ret = kactl_genl_run(g, nlh, NULL, NULL);
	if (ret == -EMSGSIZE && !kactl_genl_error()) {
		fprintf(stderr, "Error: %s: %zu policies make a request of %u bytes, more than this socket may send; split the file or raise net.core.wmem_max.\n",
			a->file, a->n, nlh->nlmsg_len);
		ret = EXIT_FAILURE;
	} else if (ret) {
		/* The policy holding the refused attribute names the line. */
		snprintf(what, sizeof(what), "%s", a->file);
		for (i = 0; i < a->n; i++) {
			if (kactl_genl_error_offset() >= offsets[i] &&
			    kactl_genl_error_offset() < offsets[i + 1])
				snprintf(what, sizeof(what), "%s:%u", a->file,
					 a->lines[i]);
		}
		if (kactl_genl_error())
			fprintf(stderr, "Error: %s: %s.\n", what, kactl_genl_error());
		else
			report(ret, what);
		fprintf(stderr, "Error: %s: nothing was changed.\n", a->file);
		ret = EXIT_FAILURE;
	}
	free(offsets);
	free(buf);
	return ret;
}

static int cmd_load(struct kactl_genl *g, const struct cmd_args *a)
{
	return a->replace ? load_replace(g, a) : load_each(g, a);
}

/* What parse_load() allocated; everything else in a points into argv. */
static void cmd_args_free(struct cmd_args *a)
{
	free(a->policies);
	free(a->lines);
	free(a->text);
}

static const struct cmd cmds[] = {
	{ "add", parse_add, cmd_add },
	{ "set", parse_set, cmd_set },
	{ "del", parse_del, cmd_del },
	{ "list", parse_none, cmd_list },
	{ "flush", parse_none, cmd_flush },
	{ "stats", parse_none, cmd_stats },
	{ "version", parse_none, cmd_version },
	{ "save", parse_none, cmd_save },
	{ "load", parse_load, cmd_load },
};

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

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json",	no_argument, NULL, 'j' },
		{ "pretty",	no_argument, NULL, 'p' },
		{ "netns",	required_argument, NULL, 'n' },
		{ "version",	no_argument, NULL, 'V' },
		{ "help",	no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	bool json = false, pretty = false;
	const char *netns = NULL;
	const struct cmd *cmd = NULL;
	/* parse_load() grows what it finds here: start from nothing. */
	struct cmd_args args = { 0 };
	int opt, ret, idx, at;
	struct kactl_genl g;

	/*
	 * '+': options stop at the command, which parses its own, and argv
	 * is not permuted, so argv[at] is the option being parsed. ':' and
	 * opterr: the messages are kactl's own.
	 */
	opterr = 0;
	for (;;) {
		at = optind;
		idx = -1;
		opt = getopt_long(argc, argv, "+:jpn:Vh", opts, &idx);
		if (opt == -1)
			break;
		if (idx >= 0 && !parse_is_long_opt(argv[at], opts[idx].name))
			return usage_error("unknown option '%s'", argv[at]);
		switch (opt) {
		case 'j':
			json = true;
			break;
		case 'p':
			pretty = true;
			break;
		case 'n':
			if (netns)
				return usage_error("option '%s' given more than once",
						   "--netns");
			netns = optarg;
			break;
		case ':':
			return usage_error("option '%s' needs a value", argv[at]);
		case 'V':
			printf("kactl %s\n", KA_POLICY_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			/* Short options come in clusters such as "-jx". */
			if (strncmp(argv[at], "--", 2) != 0)
				return usage_error("unknown option '-%c'", optopt);
			for (idx = 0; opts[idx].name; idx++) {
				if (parse_is_long_opt(argv[at], opts[idx].name))
					return usage_error("option '--%s' takes no value",
							   opts[idx].name);
			}
			return usage_error("unknown option '%s'", argv[at]);
		}
	}
	if (optind >= argc)
		return usage_error("%s", "no command given");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(argv[optind], cmds[i].name) == 0)
			cmd = &cmds[i];
	}
	if (!cmd)
		return usage_error("unknown command '%s'", argv[optind]);

	ret = cmd->parse(argc - optind, argv + optind, &args);
	if (ret)
		goto out;

	if (netns && enter_netns(netns)) {
		ret = EXIT_FAILURE;
		goto out;
	}
	out_init(stdout, json, pretty);
	ret = kactl_genl_open(&g);
	if (ret == -ENOENT) {
		fprintf(stderr, "Error: the ka_policy module is not loaded (load it with 'modprobe ka_policy' or 'insmod ka_policy.ko').\n");
		ret = EXIT_FAILURE;
	} else if (ret) {
		ret = report(ret, "cannot talk to the kernel over generic netlink");
	} else {
		ret = cmd->run(&g, &args);
		kactl_genl_close(&g);
	}
out:
	/* Not needed before exit, but then a leak checker sees real leaks. */
	cmd_args_free(&args);
	return ret;
}
