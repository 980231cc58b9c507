/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KACTL_PARSE_H
#define KACTL_PARSE_H

#include <stdint.h>

/*
 * Strict unsigned decimal: digits only (no sign, no spaces, no trailing
 * garbage, no hex), value in [min, max]. Returns 0, -EINVAL for a malformed
 * string or -ERANGE for a value out of range.
 */
int parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out);

#endif
