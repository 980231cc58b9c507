// SPDX-License-Identifier: GPL-2.0
/* Text and JSON output for kactl; see out.h. */
#include <stdarg.h>
#include <string.h>

#include "out.h"

#define OUT_MAX_DEPTH 8

static FILE *out;
static bool json, pretty;
static int depth;
/* Per nesting level: has a member been printed yet (comma needed)? */
static bool has_member[OUT_MAX_DEPTH];

void out_init(FILE *f, bool as_json, bool as_pretty)
{
	out = f;
	json = as_json;
	pretty = as_json && as_pretty;
	depth = 0;
	memset(has_member, 0, sizeof(has_member));
}

bool out_is_json(void)
{
	return json;
}

static void indent(void)
{
	if (!pretty)
		return;
	fputc('\n', out);
	for (int i = 0; i < depth; i++)
		fputs("    ", out);
}

static void json_string(const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

/* Comma, indentation and "key": before a JSON member. */
static void member(const char *key)
{
	if (depth > 0 && has_member[depth - 1])
		fputc(',', out);
	if (depth > 0) {
		has_member[depth - 1] = true;
		indent();
	}
	if (key) {
		json_string(key);
		fputs(pretty ? ": " : ":", out);
	}
}

static void open_container(const char *key, char c)
{
	if (!json)
		return;
	member(key);
	fputc(c, out);
	if (depth < OUT_MAX_DEPTH)
		has_member[depth] = false;
	depth++;
}

static void close_container(char c)
{
	if (!json)
		return;
	depth--;
	if (depth < OUT_MAX_DEPTH && has_member[depth])
		indent();
	fputc(c, out);
}

void out_open_array(const char *key)
{
	open_container(key, '[');
}

void out_close_array(void)
{
	close_container(']');
}

void out_open_object(const char *key)
{
	open_container(key, '{');
}

void out_close_object(void)
{
	close_container('}');
}

void out_str(const char *key, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (json)
		out_json_str(key, va_arg(ap, const char *));
	else
		vfprintf(out, fmt, ap);
	va_end(ap);
}

void out_u64(const char *key, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (json)
		out_json_u64(key, va_arg(ap, unsigned long long));
	else
		vfprintf(out, fmt, ap);
	va_end(ap);
}

void out_json_str(const char *key, const char *value)
{
	if (!json)
		return;
	member(key);
	json_string(value);
}

void out_json_u64(const char *key, uint64_t value)
{
	if (!json)
		return;
	member(key);
	fprintf(out, "%llu", (unsigned long long)value);
}

void out_json_bool(const char *key, bool value)
{
	if (!json)
		return;
	member(key);
	fputs(value ? "true" : "false", out);
}

void out_json_number(const char *key, const char *text)
{
	if (!json)
		return;
	member(key);
	fputs(text, out);
}

void out_str_column(const char *key, int width, const char *value)
{
	if (json)
		out_json_str(key, value);
	else
		fprintf(out, "%-*s", width, value);
}

void out_u64_column(const char *key, int width, bool has, uint64_t value)
{
	char num[24];

	if (json) {
		if (has)
			out_json_u64(key, value);
		return;
	}
	snprintf(num, sizeof(num), "%llu", (unsigned long long)value);
	fprintf(out, " %*s", width, has ? num : "-");
}

void out_text(const char *fmt, ...)
{
	va_list ap;

	if (json)
		return;
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
}

void out_finish(void)
{
	if (json)
		fputc('\n', out);
	fflush(out);
}
