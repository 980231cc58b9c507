// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests for kactl's number parsing and its text/JSON output.
 * Built with AddressSanitizer and UBSan by tests/run-tests.sh; prints TAP.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "out.h"
#include "parse.h"

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
	out_u64("applied", " %4llu", 3);
	out_close_object();
	out_text("\n");
	out_open_object(NULL);
	out_str("scope", "%-6s", "a\"b\\c\n");
	out_u64("applied", " %4llu", 18446744073709551615ULL);
	out_close_object();
	out_text("\n");
	out_close_array();
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
	expect_output(print_empty, 1, 0, "[]\n", "empty JSON array");
	expect_output(print_empty, 0, 0, "", "empty text table");
}

int main(void)
{
	test_parse();
	test_out();
	printf("# unit/kactl: %d passed, %d failed\n", n_run - n_failed, n_failed);
	return n_failed ? 1 : 0;
}
