// SPDX-License-Identifier: GPL-2.0
/*
 * kactl: control TCP keepalive policies of the ka_policy module.
 *
 * Exit status: 0 success, 1 the request failed (the kernel's reason is
 * printed as "Error: ..."), 2 a usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/genetlink.h>

#include <linux/ka_policy.h>

#include "genl.h"
#include "out.h"

#define EXIT_USAGE 2

struct cmd {
	const char *name;
	int (*run)(struct ka_genl *g, int argc, char **argv);
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: kactl [OPTIONS] COMMAND\n"
		"\n"
		"Commands:\n"
		"  version   show the versions of kactl and of the loaded module\n"
		"  stats     show what ka_policy did in this network namespace\n"
		"\n"
		"Options:\n"
		"  -j, --json      print JSON\n"
		"  -p, --pretty    indent JSON\n"
		"  -V, --version   print kactl's version and exit\n"
		"  -h, --help      print this help and exit\n");
}

static int usage_error(const char *fmt, const char *arg)
{
	fputs("kactl: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs("\nTry 'kactl --help' for more information.\n", stderr);
	return EXIT_USAGE;
}

/* Prints why a request failed; returns the exit status for it. */
static int report(int err, const char *what)
{
	const char *msg = ka_genl_error();

	if (msg)
		fprintf(stderr, "Error: %s.\n", msg);
	else if (err == -EPERM)
		fprintf(stderr, "Error: %s: Operation not permitted (needs CAP_NET_ADMIN in this network namespace).\n",
			what);
	else
		fprintf(stderr, "Error: %s: %s.\n", what, strerror(-err));
	return EXIT_FAILURE;
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

/* The counters of one KA_A_STATS nest, as table cells or JSON members. */
static void print_counters(const struct nlattr *nest)
{
	const struct nlattr *tb[KA_STATS_A_MAX + 1] = {};
	char fmt[16];

	mnl_attr_parse_nested(nest, stats_attr_cb, tb);
	for (int i = 0; i <= KA_STATS_A_MAX; i++) {
		if (!counter_keys[i])
			continue;
		snprintf(fmt, sizeof(fmt), " %%%dllu", counter_width[i]);
		if (tb[i])
			out_u64(counter_keys[i], fmt, mnl_attr_get_u64(tb[i]));
		else
			out_str(counter_keys[i], " %12s", "-");
	}
}

static int stats_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[KA_A_MAX + 1] = {};

	(void)data;
	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), attr_cb, tb);
	if (!tb[KA_A_STATS])
		return MNL_CB_OK;
	out_open_object(NULL);
	out_str("scope", "%-8s", "total");
	print_counters(tb[KA_A_STATS]);
	out_close_object();
	out_text("\n");
	return MNL_CB_OK;
}

static int cmd_stats(struct ka_genl *g, int argc, char **argv)
{
	struct nlmsghdr *nlh;
	char fmt[16];
	int ret;

	(void)argv;
	if (argc > 1)
		return usage_error("stats takes no arguments: '%s'", argv[1]);
	nlh = ka_genl_msg(g, KA_CMD_STATS, NLM_F_DUMP);
	out_text("%-8s", "scope");
	for (int i = 0; i <= KA_STATS_A_MAX; i++) {
		if (!counter_keys[i])
			continue;
		snprintf(fmt, sizeof(fmt), " %%%ds", counter_width[i]);
		out_text(fmt, counter_keys[i]);
	}
	out_text("\n");
	out_open_array(NULL);
	ret = ka_genl_run(g, nlh, stats_cb, NULL);
	out_close_array();
	out_finish();
	return ret ? report(ret, "stats") : 0;
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
	return MNL_CB_OK;
}

static int cmd_version(struct ka_genl *g, int argc, char **argv)
{
	struct nlmsghdr *nlh;
	int ret;

	if (argc > 1)
		return usage_error("version takes no arguments: '%s'", argv[1]);
	nlh = ka_genl_msg(g, KA_CMD_VERSION, 0);
	out_open_object(NULL);
	out_str("kactl", "kactl %s", KA_POLICY_VERSION);
	ret = ka_genl_run(g, nlh, version_cb, NULL);
	out_close_object();
	out_text("\n");
	out_finish();
	return ret ? report(ret, "version") : 0;
}

static const struct cmd cmds[] = {
	{ "version", cmd_version },
	{ "stats", cmd_stats },
};

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json",	no_argument, NULL, 'j' },
		{ "pretty",	no_argument, NULL, 'p' },
		{ "version",	no_argument, NULL, 'V' },
		{ "help",	no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	bool json = false, pretty = false;
	const struct cmd *cmd = NULL;
	struct ka_genl g;
	int opt, ret;

	/* '+': options stop at the command, which parses its own. */
	while ((opt = getopt_long(argc, argv, "+jpVh", opts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			json = true;
			break;
		case 'p':
			pretty = true;
			break;
		case 'V':
			printf("kactl %s\n", KA_POLICY_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			fputs("Try 'kactl --help' for more information.\n", stderr);
			return EXIT_USAGE;
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

	out_init(stdout, json, pretty);
	ret = ka_genl_open(&g);
	if (ret == -ENOENT) {
		fprintf(stderr, "Error: the ka_policy module is not loaded (load it with 'modprobe ka_policy' or 'insmod ka_policy.ko').\n");
		return EXIT_FAILURE;
	}
	if (ret)
		return report(ret, "cannot talk to the kernel over generic netlink");
	ret = cmd->run(&g, argc - optind, argv + optind);
	ka_genl_close(&g);
	return ret;
}
