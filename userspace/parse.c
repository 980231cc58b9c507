// SPDX-License-Identifier: GPL-2.0
/* Strict parsing of what users type; see parse.h. */
#include <errno.h>
#include <stdint.h>
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
