// SPDX-License-Identifier: GPL-2.0
/* Strict parsing of what users type; see parse.h. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "parse.h"

int parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	uint64_t v = 0;
	const char *p;

	if (!s || !*s)
		return -EINVAL;
	for (p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		v = v * 10 + (uint64_t)(*p - '0');
		/* Keep going to report garbage, but never overflow v. */
		if (v > UINT32_MAX)
			v = (uint64_t)UINT32_MAX + 1;
	}
	if (v < min || v > max)
		return -ERANGE;
	*out = (uint32_t)v;
	return 0;
}

bool parse_is_long_opt(const char *arg, const char *name)
{
	size_t len = strlen(name);

	return arg[0] == '-' && arg[1] == '-' &&
	       strncmp(arg + 2, name, len) == 0 &&
	       (arg[2 + len] == '\0' || arg[2 + len] == '=');
}

void parse_args_init(struct parse_args *a, int argc, char **argv, int first)
{
	memset(a, 0, sizeof(*a));
	a->argc = argc;
	a->argv = argv;
	a->next = first;
}

/* Option i (name as the user may need to read it) takes the next word. */
static int take_next_word(struct parse_args *a, int i, const char *name,
			  char *err, size_t size)
{
	if (a->next >= a->argc) {
		snprintf(err, size, "option '%s' needs a value", name);
		return PARSE_ERROR;
	}
	a->value = a->argv[a->next++];
	return i;
}

/* "-c": one letter of a cluster such as "-jp" or "-nVALUE". */
static int short_opt(struct parse_args *a, const struct parse_opt *opts,
		     char *err, size_t size)
{
	const char *w = a->word;
	char c = w[a->cluster];

	for (int i = 0; opts[i].name; i++) {
		if (!opts[i].short_name || opts[i].short_name != c)
			continue;
		a->cluster++;
		if (!w[a->cluster])
			a->cluster = 0;
		if (!opts[i].has_value)
			return i;
		if (a->cluster) {		/* "-nVALUE" */
			a->value = w + a->cluster;
			a->cluster = 0;
			return i;
		}
		return take_next_word(a, i, w, err, size);
	}
	snprintf(err, size, "unknown option '-%c'", c);
	return PARSE_ERROR;
}

int parse_next_opt(struct parse_args *a, const struct parse_opt *opts,
		   char *err, size_t size)
{
	const char *w, *eq;
	bool shorts = false;
	char name[64];

	a->value = NULL;
	if (a->cluster)
		return short_opt(a, opts, err, size);
	if (a->ended || a->next >= a->argc)
		return PARSE_END;
	w = a->argv[a->next];
	if (strcmp(w, "--") == 0) {
		a->next++;
		a->ended = true;
		return PARSE_END;
	}
	for (int i = 0; opts[i].name; i++) {
		if (opts[i].keyword && strcmp(w, opts[i].name) == 0) {
			a->word = a->argv[a->next++];
			if (!opts[i].has_value)
				return i;
			snprintf(name, sizeof(name), "--%s", opts[i].name);
			return take_next_word(a, i, name, err, size);
		}
		shorts |= opts[i].short_name != 0;
	}
	if (w[0] != '-' || w[1] == '\0')
		return PARSE_END;	/* an operand: "list", "-" */
	a->word = a->argv[a->next++];
	if (w[1] != '-') {
		/* Without short options, "-x" is unknown as a whole. */
		a->cluster = shorts ? 1 : 0;
		if (a->cluster)
			return short_opt(a, opts, err, size);
		snprintf(err, size, "unknown option '%s'", w);
		return PARSE_ERROR;
	}
	for (int i = 0; opts[i].name; i++) {
		if (!parse_is_long_opt(w, opts[i].name))
			continue;
		eq = strchr(w, '=');
		if (eq && !opts[i].has_value) {
			snprintf(err, size, "option '--%s' takes no value",
				 opts[i].name);
			return PARSE_ERROR;
		}
		if (eq) {
			a->value = eq + 1;
			return i;
		}
		if (!opts[i].has_value)
			return i;
		snprintf(name, sizeof(name), "--%s", opts[i].name);
		return take_next_word(a, i, name, err, size);
	}
	snprintf(err, size, "unknown option '%s'", w);
	return PARSE_ERROR;
}
