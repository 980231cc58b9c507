/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KACTL_OUT_H
#define KACTL_OUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/*
 * One print path for text and JSON, after iproute2's json_print: each
 * value is printed with a printf format in text mode and as "key": value
 * in JSON mode, so the two outputs cannot drift apart.
 */
void out_init(FILE *f, bool json, bool pretty);
bool out_is_json(void);

void out_open_array(const char *key);	/* key NULL at top level */
void out_close_array(void);
void out_open_object(const char *key);	/* key NULL inside an array */
void out_close_object(void);

/*
 * A member in both forms. fmt is a string literal, so that -Wformat checks
 * it against the value, with exactly one conversion and no '*' width:
 * out_str()'s takes the const char * value, out_u64()'s an unsigned long
 * long ("%llu"), which JSON mode reads back from the arguments.
 */
void out_str(const char *key, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void out_u64(const char *key, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * JSON-only members: details that scripts want apart while the text
 * already shows them, e.g. inside a selector's text form.
 */
void out_json_str(const char *key, const char *value);
void out_json_u64(const char *key, uint64_t value);
void out_json_bool(const char *key, bool value);
/* A number already in JSON's syntax, such as "1764687845.123456". */
void out_json_number(const char *key, const char *text);
/*
 * Table cells: a left-aligned string column of width characters, and a
 * right-aligned number after a space, "-" when !has (and no JSON member).
 */
void out_str_column(const char *key, int width, const char *value);
void out_u64_column(const char *key, int width, bool has, uint64_t value);
/* Text only: fixed words such as a table header or a newline. */
void out_text(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Ends the output: a final newline in JSON mode. */
void out_finish(void);

#endif
