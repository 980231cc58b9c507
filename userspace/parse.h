/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KACTL_PARSE_H
#define KACTL_PARSE_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Strict unsigned decimal: digits only (no sign, no spaces, no trailing
 * garbage, no hex), value in [min, max]. Returns 0, -EINVAL for a malformed
 * string or -ERANGE for a value out of range.
 */
int parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out);

/*
 * Is arg "--name" or "--name=VALUE"? getopt_long() also takes any
 * unambiguous prefix of a long option; kactl wants the exact words, so
 * that a future option cannot change what an existing command line means.
 */
bool parse_is_long_opt(const char *arg, const char *name);

#endif
