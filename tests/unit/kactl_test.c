// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests for kactl's number parsing, its text/JSON output, the
 * "set"/"del" command line, selector text and the "list" table.
 * Built with AddressSanitizer and UBSan by tests/run-tests.sh; prints TAP.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/ka_policy.h>

#include "conf.h"
#include "out.h"
#include "parse.h"
#include "policy.h"

static int n_run, n_failed;

static void check(int ok, const char *fmt, ...)
{
	va_list ap;

	n_run++;
	if (!ok)
		n_failed++;
	printf("%sok %d - unit/kactl: ", ok ? "" : "not ", n_run);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

struct parse_case {
	const char *in;
	uint32_t min, max;
	int ret;
	uint32_t val;
};

static const struct parse_case parse_cases[] = {
	{ "60", 1, 32767, 0, 60 },
	{ "1", 1, 32767, 0, 1 },
	{ "32767", 1, 32767, 0, 32767 },
	{ "0", 0, 10, 0, 0 },
	{ "4294967295", 0, UINT32_MAX, 0, UINT32_MAX },
	{ "32768", 1, 32767, -ERANGE, 0 },
	{ "0", 1, 32767, -ERANGE, 0 },
	{ "4294967296", 0, UINT32_MAX, -ERANGE, 0 },
	{ "99999999999999999999999", 0, UINT32_MAX, -ERANGE, 0 },
	{ "", 0, 10, -EINVAL, 0 },
	{ "-1", 0, 10, -EINVAL, 0 },
	{ "+1", 0, 10, -EINVAL, 0 },
	{ " 1", 0, 10, -EINVAL, 0 },
	{ "1 ", 0, 10, -EINVAL, 0 },
	{ "1s", 0, 10, -EINVAL, 0 },
	{ "0x10", 0, 100, -EINVAL, 0 },
	{ "1.5", 0, 10, -EINVAL, 0 },
};

static void test_parse(void)
{
	for (size_t i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		const struct parse_case *c = &parse_cases[i];
		uint32_t v = 12345;
		int ret = parse_u32(c->in, c->min, c->max, &v);

		check(ret == c->ret && (ret || v == c->val),
		      "parse_u32(\"%s\", %u..%u) = %d (%u), want %d (%u)",
		      c->in, c->min, c->max, ret, v, c->ret, c->val);
	}
}

struct long_opt_case {
	const char *arg, *name;
	bool want;
};

static const struct long_opt_case long_opt_cases[] = {
	{ "--idle", "idle", true },
	{ "--idle=60", "idle", true },
	{ "--idle=", "idle", true },
	{ "--user-timeout", "user-timeout", true },
	{ "--id", "idle", false },		/* a prefix */
	{ "--idlex", "idle", false },
	{ "--idle-time=5", "idle", false },
	{ "-idle", "idle", false },
	{ "idle", "idle", false },
	{ "--", "idle", false },
	{ "", "idle", false },
};

static void test_long_opt(void)
{
	for (size_t i = 0; i < sizeof(long_opt_cases) / sizeof(long_opt_cases[0]); i++) {
		const struct long_opt_case *c = &long_opt_cases[i];

		check(parse_is_long_opt(c->arg, c->name) == c->want,
		      "'%s' is%s option --%s", c->arg, c->want ? "" : " not",
		      c->name);
	}
}

/* Runs fn with output captured, returns what it printed (malloc'ed). */
static char *capture(void (*fn)(void), int json, int pretty)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	out_init(f, json, pretty);
	fn();
	out_finish();
	fclose(f);
	return buf;
}

static void print_rows(void)
{
	out_open_array(NULL);
	out_open_object(NULL);
	out_str("scope", "%-6s", "total");
	out_u64("applied", " %4llu", 3ULL);
	out_close_object();
	out_text("\n");
	out_open_object(NULL);
	out_str("scope", "%-6s", "a\"b\\c\n");
	out_u64("applied", " %4llu", 18446744073709551615ULL);
	out_close_object();
	out_text("\n");
	out_close_array();
}

/* JSON-only members and booleans. */
static void print_members(void)
{
	out_open_object(NULL);
	out_str("name", "%s", "x");
	out_json_str("hidden", "y");
	out_json_u64("n", 7);
	out_json_bool("yes", true);
	out_json_bool("no", false);
	out_json_number("t", "1764687845.000123");
	out_close_object();
}

static void print_empty(void)
{
	out_open_array(NULL);
	out_close_array();
}

static void print_commented(const char *s)
{
	const char *nl;

	for (; *s; s = nl + 1) {
		nl = strchr(s, '\n');
		if (!nl) {
			printf("# %s\n", s);
			return;
		}
		printf("# %.*s\n", (int)(nl - s), s);
	}
}

static void expect_output(void (*fn)(void), int json, int pretty,
			  const char *want, const char *what)
{
	char *got = capture(fn, json, pretty);
	int ok = strcmp(got, want) == 0;

	check(ok, "%s", what);
	if (!ok) {
		printf("# got:\n");
		print_commented(got);
		printf("# want:\n");
		print_commented(want);
	}
	free(got);
}

static void test_out(void)
{
	expect_output(print_rows, 0, 0,
		      "total     3\na\"b\\c\n 18446744073709551615\n",
		      "text table");
	expect_output(print_rows, 1, 0,
		      "[{\"scope\":\"total\",\"applied\":3},"
		      "{\"scope\":\"a\\\"b\\\\c\\u000a\",\"applied\":18446744073709551615}]\n",
		      "JSON escapes strings and keeps u64 exact");
	expect_output(print_rows, 1, 1,
		      "[\n    {\n        \"scope\": \"total\",\n        \"applied\": 3\n    },\n"
		      "    {\n        \"scope\": \"a\\\"b\\\\c\\u000a\",\n"
		      "        \"applied\": 18446744073709551615\n    }\n]\n",
		      "pretty JSON indents");
	expect_output(print_members, 0, 0, "x",
		      "text leaves out JSON-only members");
	expect_output(print_members, 1, 0,
		      "{\"name\":\"x\",\"hidden\":\"y\",\"n\":7,\"yes\":true,\"no\":false,"
		      "\"t\":1764687845.000123}\n",
		      "JSON prints every member, booleans and numbers bare");
	expect_output(print_empty, 1, 0, "[]\n", "empty JSON array");
	expect_output(print_empty, 0, 0, "", "empty text table");
}

/* "add"/"set"/"del" command lines; args end at NULL, after the command name. */
#define MAX_ARGS 16

struct policy_case {
	enum kactl_policy_op op;
	const char *args[MAX_ARGS];
	const char *err;		/* NULL: accepted, and gives want */
	struct kactl_policy want;
};

#define SEL(...)	.sel = { __VA_ARGS__ }
#define ACT(...)	.act = { __VA_ARGS__ }
#define PORT(lo, hi)	.has_port = true, .port_min = (lo), .port_max = (hi)
#define DIR(d)		.has_dir = true, .dir = (d)

static const struct policy_case policy_cases[] = {
	/* accepted */
	{ .op = KACTL_OP_SET, { "--default" }, NULL,
	  { SEL(.is_default = true) } },
	{ .op = KACTL_OP_SET, { "--default", "--idle", "60", "--intvl", "10", "--cnt", "5",
		       "--user-timeout", "30000", "--mode", "force" }, NULL,
	  { SEL(.is_default = true),
	    ACT(.has_idle = true, .idle_s = 60, .has_intvl = true, .intvl_s = 10,
		.has_cnt = true, .cnt = 5, .has_user_timeout = true,
		.user_timeout_ms = 30000, .has_mode = true, .mode = KA_MODE_FORCE) } },
	{ .op = KACTL_OP_SET, { "--port", "6379" }, NULL,
	  { SEL(PORT(6379, 6379)) } },
	{ .op = KACTL_OP_SET, { "--port", "80-80" }, NULL,
	  { SEL(PORT(80, 80)) } },
	{ .op = KACTL_OP_SET, { "--port", "6379-6400", "--dir", "in" }, NULL,
	  { SEL(PORT(6379, 6400), DIR(KA_DIR_IN)) } },
	{ .op = KACTL_OP_SET, { "--dir", "out", "--port", "1-65535" }, NULL,
	  { SEL(PORT(1, 65535), DIR(KA_DIR_OUT)) } },
	{ .op = KACTL_OP_SET, { "--port", "443", "--dir", "both" }, NULL,
	  { SEL(PORT(443, 443), DIR(KA_DIR_BOTH)) } },
	{ .op = KACTL_OP_SET, { "--cgroup", "/svc" }, NULL,
	  { SEL(.cgroup_path = "/svc") } },
	{ .op = KACTL_OP_SET, { "--cgroup", "/", "--user-timeout", "0" }, NULL,
	  { SEL(.cgroup_path = "/"),
	    ACT(.has_user_timeout = true, .user_timeout_ms = 0) } },
	{ .op = KACTL_OP_SET, { "--port", "6379", "--dir", "in", "--cgroup", "/a/b", "--off" }, NULL,
	  { SEL(PORT(6379, 6379), DIR(KA_DIR_IN), .cgroup_path = "/a/b"),
	    ACT(.off = true) } },
	{ .op = KACTL_OP_SET, { "--idle", "1", "--intvl", "32767", "--cnt", "127",
		       "--user-timeout", "2147483647", "--mode", "default", "--port", "22" }, NULL,
	  { SEL(PORT(22, 22)),
	    ACT(.has_idle = true, .idle_s = 1, .has_intvl = true, .intvl_s = 32767,
		.has_cnt = true, .cnt = 127, .has_user_timeout = true,
		.user_timeout_ms = 2147483647, .has_mode = true,
		.mode = KA_MODE_DEFAULT) } },
	{ .op = KACTL_OP_SET, { "--default", "--idle=60", "--mode=force" }, NULL,
	  { SEL(.is_default = true),
	    ACT(.has_idle = true, .idle_s = 60, .has_mode = true,
		.mode = KA_MODE_FORCE) } },
	{ .op = KACTL_OP_SET, { "--port", "65535", "--cgroup", "/x" }, NULL,
	  { SEL(PORT(65535, 65535), .cgroup_path = "/x") } },
	/* add takes what set takes */
	{ .op = KACTL_OP_ADD, { "--port", "6379", "--dir", "in", "--idle", "60", "--mode", "force" }, NULL,
	  { SEL(PORT(6379, 6379), DIR(KA_DIR_IN)),
	    ACT(.has_idle = true, .idle_s = 60, .has_mode = true,
		.mode = KA_MODE_FORCE) } },
	{ .op = KACTL_OP_ADD, { "--cgroup", "/svc", "--off" }, NULL,
	  { SEL(.cgroup_path = "/svc"), ACT(.off = true) } },
	{ .op = KACTL_OP_DEL, { "--default" }, NULL,
	  { SEL(.is_default = true) } },
	{ .op = KACTL_OP_DEL, { "--port", "6379-6400", "--dir", "out", "--cgroup", "/svc" }, NULL,
	  { SEL(PORT(6379, 6400), DIR(KA_DIR_OUT), .cgroup_path = "/svc") } },
	{ .op = KACTL_OP_DEL, { "--cgroup", "/svc" }, NULL,
	  { SEL(.cgroup_path = "/svc") } },

	/* a selector is needed */
	{ .op = KACTL_OP_SET, { NULL }, "set needs a selector: --default, --port or --cgroup" },
	{ .op = KACTL_OP_SET, { "--idle", "60" }, "set needs a selector: --default, --port or --cgroup" },
	{ .op = KACTL_OP_SET, { "--off" }, "set needs a selector: --default, --port or --cgroup" },
	{ .op = KACTL_OP_DEL, { NULL }, "del needs a selector: --default, --port or --cgroup" },
	{ .op = KACTL_OP_ADD, { "--idle", "60" }, "add needs a selector: --default, --port or --cgroup" },
	{ .op = KACTL_OP_ADD, { "--default", "--off", "--idle", "1" }, "--off excludes --idle, --intvl, --cnt, --user-timeout and --mode" },
	/* ports */
	{ .op = KACTL_OP_SET, { "--port", "0" }, "invalid --port '0': expected a port 1..65535 or a range LOW-HIGH" },
	{ .op = KACTL_OP_SET, { "--port", "65536" }, "invalid --port '65536': expected a port 1..65535 or a range LOW-HIGH" },
	{ .op = KACTL_OP_SET, { "--port", "" }, "invalid --port '': expected a port 1..65535 or a range LOW-HIGH" },
	{ .op = KACTL_OP_SET, { "--port", "http" }, "invalid --port 'http': expected a port 1..65535 or a range LOW-HIGH" },
	{ .op = KACTL_OP_SET, { "--port", "0x50" }, "invalid --port '0x50': expected a port 1..65535 or a range LOW-HIGH" },
	{ .op = KACTL_OP_SET, { "--port", " 80" }, "invalid --port ' 80': expected a port 1..65535 or a range LOW-HIGH" },
	{ .op = KACTL_OP_SET, { "--port", "80-" }, "invalid --port '80-': expected a port 1..65535 or a range LOW-HIGH" },
	{ .op = KACTL_OP_SET, { "--port", "-80" }, "invalid --port '-80': expected a port 1..65535 or a range LOW-HIGH" },
	{ .op = KACTL_OP_SET, { "--port", "0-80" }, "invalid --port '0-80': expected a port 1..65535 or a range LOW-HIGH" },
	{ .op = KACTL_OP_SET, { "--port", "80-65536" }, "invalid --port '80-65536': expected a port 1..65535 or a range LOW-HIGH" },
	{ .op = KACTL_OP_SET, { "--port", "80-90-100" }, "invalid --port '80-90-100': expected a port 1..65535 or a range LOW-HIGH" },
	{ .op = KACTL_OP_SET, { "--port", "80,81" }, "invalid --port '80,81': expected a port 1..65535 or a range LOW-HIGH" },
	{ .op = KACTL_OP_SET, { "--port", "6400-6379" }, "invalid --port '6400-6379': 6400 is above 6379" },
	/* directions */
	{ .op = KACTL_OP_SET, { "--dir", "in" }, "--dir needs --port" },
	{ .op = KACTL_OP_SET, { "--cgroup", "/svc", "--dir", "out" }, "--dir needs --port" },
	{ .op = KACTL_OP_DEL, { "--dir", "both" }, "--dir needs --port" },
	{ .op = KACTL_OP_SET, { "--port", "80", "--dir", "IN" }, "invalid --dir 'IN': expected in, out or both" },
	{ .op = KACTL_OP_SET, { "--port", "80", "--dir", "i" }, "invalid --dir 'i': expected in, out or both" },
	{ .op = KACTL_OP_SET, { "--port", "80", "--dir", "" }, "invalid --dir '': expected in, out or both" },
	/* --default stands alone */
	{ .op = KACTL_OP_SET, { "--default", "--port", "80" }, "--default excludes --port, --dir and --cgroup" },
	{ .op = KACTL_OP_SET, { "--cgroup", "/svc", "--default" }, "--default excludes --port, --dir and --cgroup" },
	{ .op = KACTL_OP_SET, { "--default", "--dir", "in" }, "--default excludes --port, --dir and --cgroup" },
	{ .op = KACTL_OP_DEL, { "--default", "--port", "80", "--dir", "in" }, "--default excludes --port, --dir and --cgroup" },
	/* cgroups */
	{ .op = KACTL_OP_SET, { "--cgroup", "" }, "invalid --cgroup '': expected an absolute path such as /system.slice" },
	{ .op = KACTL_OP_SET, { "--cgroup", "svc" }, "invalid --cgroup 'svc': expected an absolute path such as /system.slice" },
	{ .op = KACTL_OP_SET, { "--cgroup", "./svc" }, "invalid --cgroup './svc': expected an absolute path such as /system.slice" },
	/* --off stands alone */
	{ .op = KACTL_OP_SET, { "--default", "--off", "--idle", "60" }, "--off excludes --idle, --intvl, --cnt, --user-timeout and --mode" },
	{ .op = KACTL_OP_SET, { "--default", "--intvl", "5", "--off" }, "--off excludes --idle, --intvl, --cnt, --user-timeout and --mode" },
	{ .op = KACTL_OP_SET, { "--default", "--off", "--cnt", "3" }, "--off excludes --idle, --intvl, --cnt, --user-timeout and --mode" },
	{ .op = KACTL_OP_SET, { "--default", "--off", "--user-timeout", "0" }, "--off excludes --idle, --intvl, --cnt, --user-timeout and --mode" },
	{ .op = KACTL_OP_SET, { "--default", "--off", "--mode", "default" }, "--off excludes --idle, --intvl, --cnt, --user-timeout and --mode" },
	/* values */
	{ .op = KACTL_OP_SET, { "--default", "--idle", "0" }, "invalid --idle '0': expected seconds 1..32767" },
	{ .op = KACTL_OP_SET, { "--default", "--idle", "32768" }, "invalid --idle '32768': expected seconds 1..32767" },
	{ .op = KACTL_OP_SET, { "--default", "--idle", "60s" }, "invalid --idle '60s': expected seconds 1..32767" },
	{ .op = KACTL_OP_SET, { "--default", "--idle", "-1" }, "invalid --idle '-1': expected seconds 1..32767" },
	{ .op = KACTL_OP_SET, { "--default", "--intvl", "0" }, "invalid --intvl '0': expected seconds 1..32767" },
	{ .op = KACTL_OP_SET, { "--default", "--intvl", "32768" }, "invalid --intvl '32768': expected seconds 1..32767" },
	{ .op = KACTL_OP_SET, { "--default", "--cnt", "0" }, "invalid --cnt '0': expected 1..127" },
	{ .op = KACTL_OP_SET, { "--default", "--cnt", "128" }, "invalid --cnt '128': expected 1..127" },
	{ .op = KACTL_OP_SET, { "--default", "--user-timeout", "2147483648" },
	  "invalid --user-timeout '2147483648': expected milliseconds 0..2147483647" },
	{ .op = KACTL_OP_SET, { "--default", "--user-timeout", "1.5" },
	  "invalid --user-timeout '1.5': expected milliseconds 0..2147483647" },
	{ .op = KACTL_OP_SET, { "--default", "--mode", "Force" }, "invalid --mode 'Force': expected default or force" },
	{ .op = KACTL_OP_SET, { "--default", "--mode", "off" }, "invalid --mode 'off': expected default or force" },
	/* repeated options, even with the same value */
	{ .op = KACTL_OP_SET, { "--port", "80", "--port", "81" }, "option '--port' given more than once" },
	{ .op = KACTL_OP_SET, { "--default", "--default" }, "option '--default' given more than once" },
	{ .op = KACTL_OP_SET, { "--default", "--idle", "1", "--idle", "1" }, "option '--idle' given more than once" },
	{ .op = KACTL_OP_SET, { "--default", "--off", "--off" }, "option '--off' given more than once" },
	{ .op = KACTL_OP_SET, { "--cgroup", "/a", "--cgroup", "/b" }, "option '--cgroup' given more than once" },
	{ .op = KACTL_OP_SET, { "--port", "80", "--dir", "in", "--dir", "in" }, "option '--dir' given more than once" },
	{ .op = KACTL_OP_SET, { "--default", "--mode", "force", "--mode=force" }, "option '--mode' given more than once" },
	/* unknown options, prefixes included */
	{ .op = KACTL_OP_SET, { "--default", "--frob" }, "unknown option '--frob'" },
	{ .op = KACTL_OP_SET, { "--def" }, "unknown option '--def'" },
	{ .op = KACTL_OP_SET, { "--default", "--id", "60" }, "unknown option '--id'" },
	{ .op = KACTL_OP_SET, { "--default", "--user", "60" }, "unknown option '--user'" },
	{ .op = KACTL_OP_SET, { "--default", "--d", "in" }, "unknown option '--d'" },
	{ .op = KACTL_OP_SET, { "-d" }, "unknown option '-d'" },
	{ .op = KACTL_OP_SET, { "--default", "--idle-time=5" }, "unknown option '--idle-time=5'" },
	/* values missing or unwanted */
	{ .op = KACTL_OP_SET, { "--default", "--idle" }, "option '--idle' needs a value" },
	{ .op = KACTL_OP_SET, { "--port" }, "option '--port' needs a value" },
	{ .op = KACTL_OP_SET, { "--default=yes" }, "option '--default' takes no value" },
	{ .op = KACTL_OP_SET, { "--default", "--off=1" }, "option '--off' takes no value" },
	/* operands */
	{ .op = KACTL_OP_SET, { "--default", "60" }, "unexpected argument '60'" },
	{ .op = KACTL_OP_SET, { "ports", "--default" }, "unexpected argument 'ports'" },
	{ .op = KACTL_OP_SET, { "--default", "--", "--idle" }, "unexpected argument '--idle'" },
	{ .op = KACTL_OP_DEL, { "--default", "-" }, "unexpected argument '-'" },
	/* del takes only a selector */
	{ .op = KACTL_OP_DEL, { "--port", "80", "--idle", "60" }, "del takes only a selector, not '--idle'" },
	{ .op = KACTL_OP_DEL, { "--default", "--off" }, "del takes only a selector, not '--off'" },
	{ .op = KACTL_OP_DEL, { "--default", "--mode", "force" }, "del takes only a selector, not '--mode'" },
	{ .op = KACTL_OP_DEL, { "--default", "--user-timeout", "0" }, "del takes only a selector, not '--user-timeout'" },
	/* the first error on the line wins */
	{ .op = KACTL_OP_SET, { "--idle", "0", "--frob" }, "invalid --idle '0': expected seconds 1..32767" },

	/* keywords: the same words without their dashes, as list prints them */
	{ .op = KACTL_OP_SET, { "port", "8000-8099", "dir", "in", "cgroup", "/svc",
		       "idle", "60", "intvl", "10", "cnt", "5", "user-timeout", "0",
		       "mode", "force" }, NULL,
	  { SEL(PORT(8000, 8099), DIR(KA_DIR_IN), .cgroup_path = "/svc"),
	    ACT(.has_idle = true, .idle_s = 60, .has_intvl = true, .intvl_s = 10,
		.has_cnt = true, .cnt = 5, .has_user_timeout = true,
		.user_timeout_ms = 0, .has_mode = true, .mode = KA_MODE_FORCE) } },
	{ .op = KACTL_OP_ADD, { "default", "off" }, NULL,
	  { SEL(.is_default = true), ACT(.off = true) } },
	{ .op = KACTL_OP_DEL, { "port", "6379", "--dir", "out", "cgroup", "/a/b" }, NULL,
	  { SEL(PORT(6379, 6379), DIR(KA_DIR_OUT), .cgroup_path = "/a/b") } },
	{ .op = KACTL_OP_SET, { "--port", "80", "idle", "60" }, NULL,
	  { SEL(PORT(80, 80)), ACT(.has_idle = true, .idle_s = 60) } },
	/* a keyword's value is the next word, whatever it is */
	{ .op = KACTL_OP_SET, { "cgroup", "/port", "mode", "default" }, NULL,
	  { SEL(.cgroup_path = "/port"),
	    ACT(.has_mode = true, .mode = KA_MODE_DEFAULT) } },
	{ .op = KACTL_OP_SET, { "port", "idle" }, "invalid --port 'idle': expected a port 1..65535 or a range LOW-HIGH" },
	/* with or without dashes, one option */
	{ .op = KACTL_OP_SET, { "port", "80", "--port", "81" }, "option '--port' given more than once" },
	{ .op = KACTL_OP_SET, { "default", "--default" }, "option '--default' given more than once" },
	{ .op = KACTL_OP_SET, { "port", "0" }, "invalid --port '0': expected a port 1..65535 or a range LOW-HIGH" },
	{ .op = KACTL_OP_SET, { "dir", "in" }, "--dir needs --port" },
	{ .op = KACTL_OP_SET, { "idle", "60" }, "set needs a selector: --default, --port or --cgroup" },
	{ .op = KACTL_OP_SET, { "default", "off", "idle", "60" }, "--off excludes --idle, --intvl, --cnt, --user-timeout and --mode" },
	{ .op = KACTL_OP_DEL, { "port", "80", "idle", "60" }, "del takes only a selector, not '--idle'" },
	{ .op = KACTL_OP_SET, { "default", "idle" }, "option '--idle' needs a value" },
	/* keywords are exact, whole words */
	{ .op = KACTL_OP_SET, { "default", "Idle", "60" }, "unexpected argument 'Idle'" },
	{ .op = KACTL_OP_SET, { "default", "id", "60" }, "unexpected argument 'id'" },
	{ .op = KACTL_OP_SET, { "port=80" }, "unexpected argument 'port=80'" },
	{ .op = KACTL_OP_SET, { "-port", "80" }, "unknown option '-port'" },
	{ .op = KACTL_OP_SET, { "default", "--", "idle", "60" }, "unexpected argument 'idle'" },
};

static bool str_eq(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static bool selector_eq(const struct kactl_selector *a, const struct kactl_selector *b)
{
	return a->is_default == b->is_default && a->has_port == b->has_port &&
	       a->port_min == b->port_min && a->port_max == b->port_max &&
	       a->has_dir == b->has_dir && a->dir == b->dir &&
	       str_eq(a->cgroup_path, b->cgroup_path) &&
	       a->has_cgroup_id == b->has_cgroup_id &&
	       a->cgroup_id == b->cgroup_id;
}

static bool action_eq(const struct kactl_action *a, const struct kactl_action *b)
{
	return a->off == b->off &&
	       a->has_idle == b->has_idle && a->idle_s == b->idle_s &&
	       a->has_intvl == b->has_intvl && a->intvl_s == b->intvl_s &&
	       a->has_cnt == b->has_cnt && a->cnt == b->cnt &&
	       a->has_user_timeout == b->has_user_timeout &&
	       a->user_timeout_ms == b->user_timeout_ms &&
	       a->has_mode == b->has_mode && a->mode == b->mode;
}

static void describe(const struct kactl_policy *p)
{
	const struct kactl_selector *s = &p->sel;
	const struct kactl_action *a = &p->act;

	printf("#   default=%d port=%d:%u-%u dir=%d:%u cgroup=%s off=%d idle=%d:%u intvl=%d:%u cnt=%d:%u user_timeout=%d:%u mode=%d:%u\n",
	       s->is_default, s->has_port, s->port_min, s->port_max,
	       s->has_dir, s->dir, s->cgroup_path ? s->cgroup_path : "(none)",
	       a->off, a->has_idle, a->idle_s, a->has_intvl, a->intvl_s,
	       a->has_cnt, a->cnt, a->has_user_timeout, a->user_timeout_ms,
	       a->has_mode, a->mode);
}

/* "set --port 80": the command line of a case, for the TAP line. */
static const char *const op_names[] = {
	[KACTL_OP_SET] = "set", [KACTL_OP_DEL] = "del", [KACTL_OP_ADD] = "add",
};

static void join(const struct policy_case *c, char *buf, size_t size)
{
	size_t len = (size_t)snprintf(buf, size, "%s", op_names[c->op]);

	for (int i = 0; i < MAX_ARGS && c->args[i] && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, " '%s'", c->args[i]);
}

static void run_policy_case(const struct policy_case *c)
{
	char *argv[MAX_ARGS + 2] = { (char *)op_names[c->op] };
	char err[512] = "", line[256];
	struct kactl_policy p;
	int argc = 1, ret;

	/* getopt_long() does not write to the strings, only reads them. */
	for (int i = 0; i < MAX_ARGS && c->args[i]; i++)
		argv[argc++] = (char *)c->args[i];
	memset(&p, 0xa5, sizeof(p));
	ret = kactl_policy_parse(c->op, argc, argv, &p, err, sizeof(err));
	join(c, line, sizeof(line));
	if (!c->err) {
		bool ok = ret == 0 && selector_eq(&p.sel, &c->want.sel) &&
			  action_eq(&p.act, &c->want.act);

		check(ok, "accepts %s", line);
		if (!ok) {
			printf("# ret %d, err '%s'\n# got:\n", ret, err);
			describe(&p);
			printf("# want:\n");
			describe(&c->want);
		}
		return;
	}
	check(ret == -EINVAL && strcmp(err, c->err) == 0,
	      "rejects %s: %s", line, c->err);
	if (ret != -EINVAL || strcmp(err, c->err) != 0)
		printf("# got %d: '%s'\n", ret, err);
}

/* Paths up to KA_CGROUP_PATH_MAX bytes; longer ones would not fit. */
static void test_cgroup_path_length(void)
{
	char *path = malloc(KA_CGROUP_PATH_MAX + 2);
	char *argv[] = { "set", "--cgroup", path, NULL };
	char err[512] = "";
	struct kactl_policy p;
	int ret;

	memset(path, 'a', KA_CGROUP_PATH_MAX + 1);
	path[0] = '/';
	path[KA_CGROUP_PATH_MAX] = '\0';
	ret = kactl_policy_parse(KACTL_OP_SET, 3, argv, &p, err, sizeof(err));
	check(ret == 0 && p.sel.cgroup_path == path,
	      "accepts a cgroup path of %d bytes (%d: %s)", KA_CGROUP_PATH_MAX,
	      ret, err);
	path[KA_CGROUP_PATH_MAX] = 'a';
	path[KA_CGROUP_PATH_MAX + 1] = '\0';
	ret = kactl_policy_parse(KACTL_OP_SET, 3, argv, &p, err, sizeof(err));
	check(ret == -EINVAL && strcmp(err, "invalid --cgroup: longer than 1023 bytes") == 0,
	      "rejects a cgroup path of %d bytes (%d: %s)",
	      KA_CGROUP_PATH_MAX + 1, ret, err);
	free(path);
}

static void test_policy_parse(void)
{
	for (size_t i = 0; i < sizeof(policy_cases) / sizeof(policy_cases[0]); i++)
		run_policy_case(&policy_cases[i]);
	test_cgroup_path_length();
}

struct selector_case {
	struct kactl_selector sel;
	const char *want;
};

static const struct selector_case selector_cases[] = {
	{ { .is_default = true }, "default" },
	{ { PORT(6379, 6379) }, "port 6379" },
	{ { PORT(6379, 6400) }, "port 6379-6400" },
	{ { PORT(1, 65535), DIR(KA_DIR_IN) }, "port 1-65535 dir in" },
	{ { PORT(6379, 6379), DIR(KA_DIR_OUT) }, "port 6379 dir out" },
	/* both is what no direction means: one policy, one name */
	{ { PORT(443, 443), DIR(KA_DIR_BOTH) }, "port 443" },
	{ { PORT(6379, 6379), DIR(KA_DIR_IN), .cgroup_path = "/svc" },
	  "port 6379 dir in cgroup /svc" },
	{ { PORT(80, 90), .cgroup_path = "/a/b" }, "port 80-90 cgroup /a/b" },
	{ { .cgroup_path = "/system.slice/redis.service" },
	  "cgroup /system.slice/redis.service" },
	{ { .cgroup_path = "/svc", .has_cgroup_id = true, .cgroup_id = 42 },
	  "cgroup /svc" },
	/* a removed cgroup is known by its id only */
	{ { .has_cgroup_id = true, .cgroup_id = 42 }, "cgroup id:42" },
	{ { PORT(22, 22), DIR(KA_DIR_OUT), .has_cgroup_id = true,
	    .cgroup_id = 18446744073709551615ULL },
	  "port 22 dir out cgroup id:18446744073709551615" },
	/* from a newer module */
	{ { PORT(22, 22), DIR(7) }, "port 22 dir 7" },
	{ { .is_default = true, PORT(22, 22) }, "default" },
	{ { .is_default = false }, "-" },
};

static void test_selector_text(void)
{
	const struct kactl_selector sel = { PORT(6379, 6400), DIR(KA_DIR_IN) };
	char buf[KACTL_SELECTOR_TEXT_SIZE], small[8];
	int len;

	for (size_t i = 0; i < sizeof(selector_cases) / sizeof(selector_cases[0]); i++) {
		const struct selector_case *c = &selector_cases[i];

		memset(buf, 'x', sizeof(buf));
		len = kactl_selector_text(&c->sel, buf, sizeof(buf));
		check(strcmp(buf, c->want) == 0 && len == (int)strlen(c->want),
		      "selector text '%s' (got '%s', %d)", c->want, buf, len);
	}
	/* Like snprintf(): cut to fit, NUL-terminated, full length back. */
	len = kactl_selector_text(&sel, small, sizeof(small));
	check(len == 21 && strcmp(small, "port 63") == 0,
	      "selector text is cut to the buffer (got '%s', %d)", small, len);
	len = kactl_selector_text(&sel, NULL, 0);
	check(len == 21, "selector text with no buffer gives its length (%d)",
	      len);
}

/*
 * iproute2's rule: a selector as list prints it pastes back into set and
 * del. Each selector of kactl's own is printed, split into words as the
 * policy file does, parsed, and printed again; and /bin/sh must read the
 * same words from it (shell_splits_as()).
 */
static const struct kactl_selector paste_cases[] = {
	{ .is_default = true },
	{ PORT(6379, 6379) },
	{ PORT(8000, 8099), DIR(KA_DIR_IN) },
	{ PORT(1, 65535), DIR(KA_DIR_OUT), .cgroup_path = "/system.slice/redis.service" },
	{ PORT(443, 443), .cgroup_path = "/" },
	{ .cgroup_path = "/a/b" },
	/* A reply's cgroup state is not part of the selector. */
	{ PORT(80, 80), .cgroup_path = "/web", .has_cgroup_state = true,
	  .cgroup_state = KA_CGROUP_ACTIVE },
	/* Space, quote, backslash and # are quoted as the shell reads them. */
	{ .cgroup_path = "/my svc/a\"b\\c#d", .has_cgroup_state = true,
	  .cgroup_state = KA_CGROUP_WAITING },
	/* And every other byte a shell would take for something else. */
	{ .cgroup_path = "/a$HOME/b`echo x`/$(id)/it's/(x)/a;b&c|d<e>f/*?[~]!{}" },
	{ PORT(22, 22), .cgroup_path = "/\t tab/\x01/\xc3\xa9t\xc3\xa9" },
};

/*
 * Whether /bin/sh reads text as the n words of word[]: it prints each
 * word it reads on a line of its own (no word here holds a newline).
 */
static bool shell_splits_as(const char *text, char **word, int n)
{
	char cmd[2 * KACTL_SELECTOR_TEXT_SIZE], line[KACTL_SELECTOR_TEXT_SIZE];
	int got = 0;
	bool same = true;
	FILE *sh;

	snprintf(cmd, sizeof(cmd), "printf '%%s\\n' %s", text);
	sh = popen(cmd, "r");
	if (!sh)
		return false;
	while (fgets(line, sizeof(line), sh)) {
		line[strcspn(line, "\n")] = '\0';
		same = same && got < n && strcmp(line, word[got]) == 0;
		got++;
	}
	return pclose(sh) == 0 && same && got == n;
}

static void test_selector_pastes_back(void)
{
	for (size_t i = 0; i < sizeof(paste_cases) / sizeof(paste_cases[0]); i++) {
		for (int op = KACTL_OP_SET; op <= KACTL_OP_ADD; op++) {
			char text[KACTL_SELECTOR_TEXT_SIZE], words[KACTL_SELECTOR_TEXT_SIZE];
			char again[KACTL_SELECTOR_TEXT_SIZE], err[256] = "";
			char *argv[16] = { (char *)op_names[op] };
			const struct kactl_selector *want = &paste_cases[i];
			struct kactl_policy p;
			int n, ok;

			kactl_selector_text(want, text, sizeof(text));
			snprintf(words, sizeof(words), "%s", text);
			n = kactl_conf_split(words, argv + 1, 15, err, sizeof(err));
			if (op == KACTL_OP_SET && n > 0)
				check(shell_splits_as(text, argv + 1, n),
				      "sh reads the words of '%s'", text);
			ok = n > 0 && kactl_policy_parse(op, n + 1, argv, &p, err,
							 sizeof(err)) == 0;
			again[0] = '\0';
			if (ok) {
				kactl_selector_text(&p.sel, again, sizeof(again));
				ok = selector_eq(&p.sel, want) &&
				     strcmp(again, text) == 0;
			}
			check(ok, "'%s %s' is the selector list printed (%s%s)",
			      op_names[op], text, err, again);
		}
	}
}

static const struct kactl_policy list_policies[] = {
	{ SEL(.is_default = true),
	  ACT(.has_idle = true, .idle_s = 60, .has_intvl = true, .intvl_s = 10,
	      .has_cnt = true, .cnt = 5, .has_mode = true,
	      .mode = KA_MODE_DEFAULT) },
	{ SEL(PORT(6379, 6379), DIR(KA_DIR_IN), .cgroup_path = "/svc",
	      .has_cgroup_id = true, .cgroup_id = 42),
	  ACT(.off = true, .has_mode = true, .mode = KA_MODE_DEFAULT) },
	{ SEL(PORT(6379, 6400), DIR(KA_DIR_BOTH)),
	  ACT(.has_user_timeout = true, .user_timeout_ms = 2147483647,
	      .has_mode = true, .mode = KA_MODE_FORCE) },
	{ SEL(.has_cgroup_id = true, .cgroup_id = 7),
	  ACT(.has_idle = true, .idle_s = 32767, .has_mode = true,
	      .mode = KA_MODE_FORCE) },
	{ SEL(.cgroup_path = "/my svc", .has_cgroup_state = true,
	      .cgroup_state = KA_CGROUP_WAITING),
	  ACT(.has_idle = true, .idle_s = 30, .has_mode = true,
	      .mode = KA_MODE_FORCE) },
	{ SEL(.cgroup_path = "/web", .has_cgroup_state = true,
	      .cgroup_state = KA_CGROUP_ACTIVE),
	  ACT(.off = true, .has_mode = true, .mode = KA_MODE_DEFAULT) },
};

static void print_list(void)
{
	kactl_policy_print_header();
	out_open_array(NULL);
	for (size_t i = 0; i < sizeof(list_policies) / sizeof(list_policies[0]); i++)
		kactl_policy_print(&list_policies[i]);
	out_close_array();
}

static void print_list_empty(void)
{
	kactl_policy_print_header();
	out_open_array(NULL);
	out_close_array();
}

static void test_list(void)
{
	expect_output(print_list, 0, 0,
		      "selector                           idle  intvl  cnt user_timeout mode    cgroup_state\n"
		      "default                              60     10    5            - default\n"
		      "port 6379 dir in cgroup /svc          -      -    -            - off\n"
		      "port 6379-6400                        -      -    -   2147483647 force\n"
		      "cgroup id:7                       32767      -    -            - force\n"
		      "cgroup \"/my svc\"                     30      -    -            - force   waiting\n"
		      "cgroup /web                           -      -    -            - off     active\n",
		      "list table");
	expect_output(print_list, 1, 0,
		      "[{\"selector\":\"default\",\"default\":true,\"off\":false,"
		      "\"idle\":60,\"intvl\":10,\"cnt\":5,\"mode\":\"default\"},"
		      "{\"selector\":\"port 6379 dir in cgroup /svc\",\"port_min\":6379,"
		      "\"port_max\":6379,\"dir\":\"in\",\"cgroup\":\"/svc\",\"cgroup_id\":42,"
		      "\"off\":true,\"mode\":\"default\"},"
		      "{\"selector\":\"port 6379-6400\",\"port_min\":6379,\"port_max\":6400,"
		      "\"dir\":\"both\",\"off\":false,\"user_timeout\":2147483647,"
		      "\"mode\":\"force\"},"
		      "{\"selector\":\"cgroup id:7\",\"cgroup_id\":7,\"off\":false,"
		      "\"idle\":32767,\"mode\":\"force\"},"
		      "{\"selector\":\"cgroup \\\"/my svc\\\"\",\"cgroup\":\"/my svc\","
		      "\"cgroup_state\":\"waiting\",\"off\":false,\"idle\":30,"
		      "\"mode\":\"force\"},"
		      "{\"selector\":\"cgroup /web\",\"cgroup\":\"/web\","
		      "\"cgroup_state\":\"active\",\"off\":true,\"mode\":\"default\"}]\n",
		      "list JSON");
	expect_output(print_list_empty, 0, 0,
		      "selector                           idle  intvl  cnt user_timeout mode    cgroup_state\n",
		      "empty list is the header alone");
	expect_output(print_list_empty, 1, 0, "[]\n", "empty list JSON");
}

struct split_case {
	const char *line;
	int argc;			/* -1: an error */
	const char *words[6];
	const char *err;
};

static const struct split_case split_cases[] = {
	{ "", 0, { NULL }, NULL },
	{ "   \t ", 0, { NULL }, NULL },
	{ "# a comment", 0, { NULL }, NULL },
	{ "--port 6379 --idle 60", 4, { "--port", "6379", "--idle", "60" }, NULL },
	{ "  --off   # trailing comment", 1, { "--off" }, NULL },
	{ "--cgroup \"/a b/c\"", 2, { "--cgroup", "/a b/c" }, NULL },
	{ "--cgroup \"/q\\\"x\\\\y\"", 2, { "--cgroup", "/q\"x\\y" }, NULL },
	{ "--cgroup \"/#not a comment\"", 2, { "--cgroup", "/#not a comment" }, NULL },
	{ "--cgroup \"/open", -1, { NULL }, "unterminated quote" },
	{ "--cgroup \"/a\"b", -1, { NULL }, "text right after a closing quote" },
	{ "a b c d e f g h", -1, { NULL }, "more than 4 words" },
};

static void test_conf_split(void)
{
	for (size_t i = 0; i < sizeof(split_cases) / sizeof(split_cases[0]); i++) {
		const struct split_case *c = &split_cases[i];
		char buf[128], *argv[5], err[64] = "";
		int argc, ok;

		snprintf(buf, sizeof(buf), "%s", c->line);
		argc = kactl_conf_split(buf, argv, 5, err, sizeof(err));
		ok = argc == c->argc;
		for (int j = 0; ok && j < argc; j++)
			ok = strcmp(argv[j], c->words[j]) == 0;
		if (ok && argc >= 0)
			ok = argv[argc] == NULL;
		if (ok && c->err)
			ok = strcmp(err, c->err) == 0;
		check(ok, "conf split '%s' -> %d words%s%s", c->line, argc,
		      c->err ? ", error " : "", c->err ? err : "");
	}
}

/* set words -> policy -> file line -> words -> the same policy */
static const char *const roundtrip_cases[] = {
	"--default --idle 600",
	"--port 6379 --idle 60 --intvl 10 --cnt 6 --user-timeout 30000",
	"--port 8000-8999 --dir in --cgroup /system.slice --off",
	"--port 22 --dir out --mode force --idle 5",
	"--cgroup \"/with space/and\\\"quote\" --cnt 3",
	"--cgroup / --user-timeout 0",
};

static void test_conf_roundtrip(void)
{
	for (size_t i = 0; i < sizeof(roundtrip_cases) / sizeof(roundtrip_cases[0]); i++) {
		char in[256], out[256], again[256], *w1[16], *w2[16], err[128];
		struct kactl_policy p1, p2;
		char *text = NULL;
		size_t len = 0;
		FILE *f;
		int n1, n2, ok;

		snprintf(in, sizeof(in), "%s", roundtrip_cases[i]);
		w1[0] = w2[0] = "set";
		n1 = kactl_conf_split(in, w1 + 1, 15, err, sizeof(err));
		ok = n1 > 0 && kactl_policy_parse(KACTL_OP_SET, n1 + 1, w1, &p1, err,
					       sizeof(err)) == 0;
		f = open_memstream(&text, &len);
		if (ok)
			kactl_conf_write(f, &p1);
		fclose(f);
		snprintf(out, sizeof(out), "%s", text ? text : "");
		snprintf(again, sizeof(again), "%s", out);
		n2 = ok ? kactl_conf_split(again, w2 + 1, 15, err, sizeof(err)) : -1;
		ok = ok && n2 > 0 && kactl_policy_parse(KACTL_OP_SET, n2 + 1, w2, &p2,
						     err, sizeof(err)) == 0;
		if (ok) {
			char t1[KACTL_SELECTOR_TEXT_SIZE], t2[KACTL_SELECTOR_TEXT_SIZE];

			kactl_selector_text(&p1.sel, t1, sizeof(t1));
			kactl_selector_text(&p2.sel, t2, sizeof(t2));
			ok = strcmp(t1, t2) == 0 && p1.act.off == p2.act.off &&
			     p1.act.idle_s == p2.act.idle_s &&
			     p1.act.intvl_s == p2.act.intvl_s &&
			     p1.act.cnt == p2.act.cnt &&
			     p1.act.has_user_timeout == p2.act.has_user_timeout &&
			     p1.act.user_timeout_ms == p2.act.user_timeout_ms &&
			     (p1.act.has_mode ? p1.act.mode : 0) ==
			     (p2.act.has_mode ? p2.act.mode : 0);
		}
		check(ok, "conf round trip of '%s' (wrote '%.*s')", roundtrip_cases[i],
		      (int)strcspn(out, "\n"), out);
		free(text);
	}
}

/*
 * Fuzzing, deterministic (fixed seed) so a failure repeats: command lines
 * built from a dictionary of kactl's own words, numbers at the edges and
 * junk, and file lines of random bytes. Under ASan and UBSan any memory
 * error or undefined behaviour aborts the run; the test also checks that
 * every rejection says why.
 */
static const char *const fuzz_words[] = {
	"--port", "--dir", "--cgroup", "--default", "--idle", "--intvl",
	"--cnt", "--user-timeout", "--mode", "--off", "--idle=5", "--port=",
	"in", "out", "both", "force", "default", "/", "/a/b", "", "-", "--",
	"0", "1", "65535", "65536", "6379-6400", "6400-6379", "1-", "-1",
	"4294967295", "4294967296", "99999999999999999999", "0x10", "2147483648",
	"\"", "#", "--po", "-x", "--idle\377",
};

static uint32_t fuzz_rand(uint32_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 17;
	*state ^= *state << 5;
	return *state;
}

static void test_fuzz(void)
{
	const size_t nwords = sizeof(fuzz_words) / sizeof(fuzz_words[0]);
	int bad_argv = 0, bad_lines = 0, runs = 20000;
	uint32_t seed = 0x6b61;	/* "ka" */
	char err[256], line[96], *words[17];
	struct kactl_policy p;

	for (int i = 0; i < runs; i++) {
		char *argv[10];
		int argc = 1 + fuzz_rand(&seed) % 9;

		argv[0] = (fuzz_rand(&seed) & 1) ? "set" : "del";
		for (int j = 1; j < argc; j++)
			argv[j] = (char *)fuzz_words[fuzz_rand(&seed) % nwords];
		argv[argc] = NULL;
		err[0] = '\0';
		if (kactl_policy_parse(argv[0][0] == 's' ? KACTL_OP_SET : KACTL_OP_DEL,
				    argc, argv, &p, err, sizeof(err)) && !err[0])
			bad_argv++;
	}
	check(!bad_argv, "fuzz: %d random command lines, every rejection explained (%d silent)",
	      runs, bad_argv);

	for (int i = 0; i < runs; i++) {
		size_t len = fuzz_rand(&seed) % (sizeof(line) - 1);

		for (size_t j = 0; j < len; j++) {
			uint32_t r = fuzz_rand(&seed) % 8;

			/* Mostly separators, quotes and escapes, some bytes. */
			line[j] = r == 0 ? ' ' : r == 1 ? '"' : r == 2 ? '\\' :
				  r == 3 ? '#' : (char)(1 + fuzz_rand(&seed) % 255);
		}
		line[len] = '\0';
		err[0] = '\0';
		words[0] = "set";
		int n = kactl_conf_split(line, words + 1, 16, err, sizeof(err));

		if (n < 0 && !err[0])
			bad_lines++;
		if (n > 0)
			kactl_policy_parse(KACTL_OP_SET, n + 1, words, &p, err, sizeof(err));
	}
	check(!bad_lines, "fuzz: %d random file lines, every rejection explained (%d silent)",
	      runs, bad_lines);
}

int main(void)
{
	test_parse();
	test_long_opt();
	test_out();
	test_policy_parse();
	test_selector_text();
	test_selector_pastes_back();
	test_list();
	test_conf_split();
	test_conf_roundtrip();
	test_fuzz();
	printf("# unit/kactl: %d passed, %d failed\n", n_run - n_failed, n_failed);
	return n_failed ? 1 : 0;
}
