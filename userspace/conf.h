/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KACTL_CONF_H
#define KACTL_CONF_H

#include <stddef.h>
#include <stdio.h>

#include "policy.h"

/*
 * The policy file of kactl save and kactl load: one policy a line, in the
 * words of kactl set, "#" comments, blank lines. A word may be
 * double-quoted, with \", \\, \$ and \` inside as sh reads them, for cgroup
 * paths with spaces or other bytes a shell would take.
 * kactl_conf_write() writes the words with their dashes ("--port 6379
 * --idle 60"), which kactl has read since the first file format, so that
 * an older kactl loads what a newer one saved.
 */

/*
 * Splits line in place into at most max - 1 words, argv[n] = NULL after
 * them. Returns the number of words, or -1 with the reason in err.
 */
int kactl_conf_split(char *line, char **argv, int max, char *err, size_t size);

/* Writes p as one line of the file, newline included. */
void kactl_conf_write(FILE *f, const struct kactl_policy *p);

#endif
