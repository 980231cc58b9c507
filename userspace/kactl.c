// SPDX-License-Identifier: GPL-2.0
/*
 * kactl: control TCP keepalive policies of the ka_policy module.
 *
 * This file holds the usage, the command table and main(), which reads
 * the options before the command and hands the command its words. Each
 * group of commands is a file of its own (cmd_*.c, see kactl.h); adding
 * one is that file and its lines in cmds[] and the usage.
 *
 * Exit status: 0 success, 1 the request failed (the kernel's reason is
 * printed as "Error: ..."), 2 a usage error.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kactl.h"
#include "out.h"
#include "parse.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: kactl [OPTIONS] COMMAND [ARGS]\n"
		"\n"
		"Commands:\n"
		"  add SELECTOR [ACTION] [--existing]\n"
		"                         add a policy; fails if this selector has one\n"
		"  set SELECTOR [ACTION] [--existing]\n"
		"                         add a policy, or replace the one with this selector\n"
		"  del SELECTOR           delete the policy with this selector\n"
		"  list                   show the policies of this network namespace\n"
		"  flush                  delete every policy of this network namespace\n"
		"  stats                  show what ka_policy did in this network namespace\n"
		"  save                   print the policies as a file for load\n"
		"  load [--replace] [--existing] FILE\n"
		"                         check FILE (- for stdin) whole, then set each\n"
		"                         policy it holds; --replace: make the set\n"
		"                         exactly FILE's, in one atomic step\n"
		"  version                show the versions of kactl and of the loaded module\n"
		"  sockets [--port PORT[-PORT]] [--dir in|out|both] [--cgroup PATH] [-j]\n"
		"                         show the TCP sockets of this network namespace,\n"
		"                         their keepalive settings and where they come from\n"
		"  monitor [-j] [timeout] print dead peers as keepalive finds them, one line\n"
		"                         each, until interrupted (needs CAP_NET_ADMIN)\n"
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
		"--existing: also apply the policy to the TCP connections that are\n"
		"open already and that it is the policy of (set, add), or every\n"
		"policy to them (load), and say how many changed.\n"
		"\n"
		"Each word of SELECTOR and ACTION may be written without its dashes,\n"
		"as kactl list prints a selector: set port 80 dir in idle 60.\n"
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

int kactl_usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("kactl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'kactl --help' for more information.\n", stderr);
	return KACTL_EXIT_USAGE;
}

/* A command is a function (fn) or a query of the module (query). */
static const struct {
	const char *name;
	kactl_cmd_fn fn;
	const struct kactl_query *query;
} cmds[] = {
	{ .name = "add",	.fn = kactl_cmd_add },
	{ .name = "set",	.fn = kactl_cmd_set },
	{ .name = "del",	.fn = kactl_cmd_del },
	{ .name = "list",	.query = &kactl_query_list },
	{ .name = "flush",	.query = &kactl_query_flush },
	{ .name = "stats",	.query = &kactl_query_stats },
	{ .name = "version",	.query = &kactl_query_version },
	{ .name = "save",	.query = &kactl_query_save },
	{ .name = "load",	.fn = kactl_cmd_load },
	{ .name = "sockets",	.fn = kactl_cmd_sockets },
	{ .name = "monitor",	.fn = kactl_cmd_monitor },
};

enum { OPT_JSON, OPT_PRETTY, OPT_NETNS, OPT_VERSION, OPT_HELP };

static const struct parse_opt main_opts[] = {
	[OPT_JSON]	= { .name = "json", .short_name = 'j' },
	[OPT_PRETTY]	= { .name = "pretty", .short_name = 'p' },
	[OPT_NETNS]	= { .name = "netns", .short_name = 'n', .has_value = true },
	[OPT_VERSION]	= { .name = "version", .short_name = 'V' },
	[OPT_HELP]	= { .name = "help", .short_name = 'h' },
	{ .name = NULL }
};

/*
 * In a memory cgroup at its limit (a container filling policies), the
 * module refuses the policy that does not fit with ENOMEM, and saying so
 * (fprintf() to an unbuffered stderr) takes stack that kactl has not
 * touched yet: a page that the cgroup cannot be charged for then has
 * the OOM killer end kactl before it prints a word. So the stack kactl
 * may need is touched first, while there is room (stress test memcg.sh).
 */
#define KACTL_STACK_PREFAULT	(64 * 1024)

static __attribute__((noinline)) void stack_prefault(void)
{
	volatile char pad[KACTL_STACK_PREFAULT];
	size_t i;

	for (i = 0; i < sizeof(pad); i += 1024)
		pad[i] = 0;
}

int main(int argc, char **argv)
{
	struct kactl_opts o = { .netns = NULL };
	bool json = false, pretty = false;
	struct parse_args args;
	const char *name;
	char err[128];
	int opt;

	stack_prefault();
	/* Options stop at the command, which reads its own. */
	parse_args_init(&args, argc, argv, 1);
	while ((opt = parse_next_opt(&args, main_opts, err, sizeof(err))) >= 0) {
		switch (opt) {
		case OPT_JSON:
			json = true;
			break;
		case OPT_PRETTY:
			pretty = true;
			break;
		case OPT_NETNS:
			if (o.netns)
				return kactl_usage_error("option '%s' given more than once",
							 "--netns");
			o.netns = args.value;
			break;
		case OPT_VERSION:
			printf("kactl %s\n", KA_POLICY_VERSION);
			return 0;
		case OPT_HELP:
			usage(stdout);
			return 0;
		}
	}
	if (opt == PARSE_ERROR)
		return kactl_usage_error("%s", err);
	if (args.next >= argc)
		return kactl_usage_error("%s", "no command given");
	name = argv[args.next];
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(name, cmds[i].name) != 0)
			continue;
		out_init(stdout, json, pretty);
		argc -= args.next;
		argv += args.next;
		return cmds[i].fn ? cmds[i].fn(&o, argc, argv) :
		       kactl_run_query(&o, argc, argv, cmds[i].query);
	}
	return kactl_usage_error("unknown command '%s'", name);
}
