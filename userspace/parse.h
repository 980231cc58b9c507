/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KACTL_PARSE_H
#define KACTL_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Strict unsigned decimal: digits only (no sign, no spaces, no trailing
 * garbage, no hex), value in [min, max]. Returns 0, -EINVAL for a malformed
 * string or -ERANGE for a value out of range.
 */
int parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out);

/*
 * The options of every kactl command line, read by one helper instead of
 * getopt_long(): getopt takes any unambiguous prefix of a long option
 * ("--id" for "--idle"), and kactl wants the exact words, so that a future
 * option cannot change what an existing command line means.
 *
 * An option is "--name", "--name=VALUE" or "--name VALUE"; "-c" with a
 * short name, clustered as "-jp" and "-nVALUE"; and, for a keyword, the
 * bare word "name" followed by its value, the way iproute2 reads
 * "port 80 dir in". Options end at the first other word, or after "--".
 */
struct parse_opt {
	const char *name;
	char short_name;	/* 0: none */
	bool has_value;
	bool keyword;		/* "name" is the option too */
};

struct parse_args {
	int argc;
	char **argv;
	int next;		/* the word to read next */
	int cluster;		/* where in a cluster of short options, or 0 */
	bool ended;		/* "--" was read */
	const char *word;	/* the word of the last option or error */
	const char *value;	/* the last option's value, or NULL */
};

#define PARSE_END	(-1)	/* no more options: argv[next] is an operand */
#define PARSE_ERROR	(-2)

/* Reads argv from argv[first] on. */
void parse_args_init(struct parse_args *a, int argc, char **argv, int first);

/*
 * The next option: its index in opts (ended by a NULL name), its value in
 * a->value; PARSE_END; or PARSE_ERROR with the reason in err ("unknown
 * option '--x'", "option '--idle' needs a value", "option '--off' takes
 * no value"), a->word being the word at fault.
 */
int parse_next_opt(struct parse_args *a, const struct parse_opt *opts,
		   char *err, size_t size);

/* Is arg "--name" or "--name=VALUE"? */
bool parse_is_long_opt(const char *arg, const char *name);

#endif
