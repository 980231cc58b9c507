// SPDX-License-Identifier: GPL-2.0
/*
 * kactl's policies without netlink: the words of "add"/"set"/"del", the
 * selector's text form and the "list" table; see policy.h. The words are
 * read by parse_next_opt() (parse.h) from policy_opts, keywords all, and
 * kactl_selector_text() prints the same words, so that what list shows
 * parses back to the same selector (tests/unit/kactl_test.c checks it).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/ka_policy.h>

#include "out.h"
#include "parse.h"
#include "policy.h"

/* The kernel's limits on what a socket option takes (include/net/tcp.h). */
#define KACTL_PORT_MAX			65535
#define KACTL_KEEPALIVE_S_MAX		32767	/* MAX_TCP_KEEPIDLE, MAX_TCP_KEEPINTVL */
#define KACTL_KEEPCNT_MAX		127	/* MAX_TCP_KEEPCNT: probes */
#define KACTL_USER_TIMEOUT_MS_MAX	2147483647U	/* INT_MAX */

/* The words of a policy; their order gives each its bit in "seen". */
enum {
	OPT_DEFAULT,
	OPT_PORT,
	OPT_DIR,
	OPT_CGROUP,
	/* the action from here on: "del" takes none of them */
	OPT_OFF,
	OPT_IDLE,
	OPT_INTVL,
	OPT_CNT,
	OPT_USER_TIMEOUT,
	OPT_MODE,
};

/*
 * Each is a keyword, as "kactl list" prints a selector ("port 80 dir in"),
 * and an option with dashes ("--port 80 --dir in"), as policy files and
 * scripts before keywords have it: the same words, one spelling.
 */
#define POLICY_WORD(opt, word, value) \
	[opt] = { .name = (word), .has_value = (value), .keyword = true }

static const struct parse_opt policy_opts[] = {
	POLICY_WORD(OPT_DEFAULT, "default", false),
	POLICY_WORD(OPT_PORT, "port", true),
	POLICY_WORD(OPT_DIR, "dir", true),
	POLICY_WORD(OPT_CGROUP, "cgroup", true),
	POLICY_WORD(OPT_OFF, "off", false),
	POLICY_WORD(OPT_IDLE, "idle", true),
	POLICY_WORD(OPT_INTVL, "intvl", true),
	POLICY_WORD(OPT_CNT, "cnt", true),
	POLICY_WORD(OPT_USER_TIMEOUT, "user-timeout", true),
	POLICY_WORD(OPT_MODE, "mode", true),
	{ .name = NULL }
};

static const char *const dir_names[] = {
	[KA_DIR_BOTH] = "both",
	[KA_DIR_IN] = "in",
	[KA_DIR_OUT] = "out",
};

static const char *const mode_names[] = {
	[KA_MODE_DEFAULT] = "default",
	[KA_MODE_FORCE] = "force",
};

static const char *const cgroup_state_names[] = {
	[KA_CGROUP_ACTIVE] = "active",
	[KA_CGROUP_WAITING] = "waiting",
	[KA_CGROUP_GONE] = "gone",
};

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

const char *kactl_dir_name(uint8_t dir)
{
	return dir < ARRAY_SIZE(dir_names) ? dir_names[dir] : NULL;
}

const char *kactl_mode_name(uint8_t mode)
{
	return mode < ARRAY_SIZE(mode_names) ? mode_names[mode] : NULL;
}

const char *kactl_cgroup_state_name(uint8_t state)
{
	return state < ARRAY_SIZE(cgroup_state_names) ?
	       cgroup_state_names[state] : NULL;
}

/* Index of name in names (NULL holes allowed), or -1. */
static int lookup(const char *const *names, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++) {
		if (names[i] && strcmp(names[i], name) == 0)
			return (int)i;
	}
	return -1;
}

static int fail(char *err, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, size, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* One numeric keepalive setting: --NAME takes UNIT in min..max. */
static int parse_setting(const char *arg, const char *name, const char *unit,
			 uint32_t min, uint32_t max, uint32_t *value,
			 bool *has, char *err, size_t size)
{
	if (parse_u32(arg, min, max, value))
		return fail(err, size, "invalid --%s '%s': expected %s%u..%u",
			    name, arg, unit, min, max);
	*has = true;
	return 0;
}

/* "PORT" or "LOW-HIGH", each 1..65535; the caller checks LOW <= HIGH. */
static int parse_ports(const char *s, uint32_t *lo, uint32_t *hi)
{
	const char *dash = strchr(s, '-');
	char *first;
	int ret;

	if (!dash) {
		ret = parse_u32(s, 1, KACTL_PORT_MAX, lo);
		*hi = *lo;
		return ret;
	}
	/* parse_u32() wants the low port on its own. */
	first = strndup(s, (size_t)(dash - s));
	if (!first)
		return -ENOMEM;
	ret = parse_u32(first, 1, KACTL_PORT_MAX, lo);
	free(first);
	return ret ? ret : parse_u32(dash + 1, 1, KACTL_PORT_MAX, hi);
}

/* The value of one option into p; a message in err when it is invalid. */
static int parse_value(int opt, const char *arg, struct kactl_policy *p,
		       char *err, size_t size)
{
	struct kactl_selector *sel = &p->sel;
	struct kactl_action *act = &p->act;
	uint32_t lo, hi;
	int i, ret;

	switch (opt) {
	case OPT_DEFAULT:
		sel->is_default = true;
		return 0;
	case OPT_PORT:
		ret = parse_ports(arg, &lo, &hi);
		if (ret == -ENOMEM)
			return fail(err, size, "out of memory");
		if (ret)
			return fail(err, size, "invalid --port '%s': expected a port 1..65535 or a range LOW-HIGH",
				    arg);
		if (lo > hi)
			return fail(err, size, "invalid --port '%s': %u is above %u",
				    arg, lo, hi);
		sel->has_port = true;
		sel->port_min = (uint16_t)lo;
		sel->port_max = (uint16_t)hi;
		return 0;
	case OPT_DIR:
		i = lookup(dir_names, ARRAY_SIZE(dir_names), arg);
		if (i < 0)
			return fail(err, size, "invalid --dir '%s': expected in, out or both",
				    arg);
		sel->has_dir = true;
		sel->dir = (uint8_t)i;
		return 0;
	case OPT_CGROUP:
		/*
		 * The kernel resolves it from the cgroup namespace's root; it
		 * need not exist yet.
		 */
		if (arg[0] != '/')
			return fail(err, size, "invalid --cgroup '%s': expected an absolute path such as /system.slice",
				    arg);
		/* Also keeps the request within kactl's netlink buffer. */
		if (strlen(arg) > KA_CGROUP_PATH_MAX)
			return fail(err, size, "invalid --cgroup: longer than %d bytes",
				    KA_CGROUP_PATH_MAX);
		sel->cgroup_path = arg;
		return 0;
	case OPT_OFF:
		act->off = true;
		return 0;
	case OPT_IDLE:
		return parse_setting(arg, "idle", "seconds ", 1, KACTL_KEEPALIVE_S_MAX,
				     &act->idle_s, &act->has_idle, err, size);
	case OPT_INTVL:
		return parse_setting(arg, "intvl", "seconds ", 1, KACTL_KEEPALIVE_S_MAX,
				     &act->intvl_s, &act->has_intvl, err, size);
	case OPT_CNT:
		return parse_setting(arg, "cnt", "", 1, KACTL_KEEPCNT_MAX,
				     &act->cnt, &act->has_cnt, err, size);
	case OPT_USER_TIMEOUT:
		return parse_setting(arg, "user-timeout", "milliseconds ", 0,
				     KACTL_USER_TIMEOUT_MS_MAX, &act->user_timeout_ms,
				     &act->has_user_timeout, err, size);
	case OPT_MODE:
		i = lookup(mode_names, ARRAY_SIZE(mode_names), arg);
		if (i < 0)
			return fail(err, size, "invalid --mode '%s': expected default or force",
				    arg);
		act->has_mode = true;
		act->mode = (uint8_t)i;
		return 0;
	}
	return fail(err, size, "internal error: option %d", opt);
}

int kactl_policy_parse(enum kactl_policy_op op, int argc, char **argv,
		       struct kactl_policy *p, char *err, size_t err_size)
{
	static const char *const cmds[] = {
		[KACTL_OP_SET] = "set", [KACTL_OP_DEL] = "del",
		[KACTL_OP_ADD] = "add",
	};
	const char *cmd = cmds[op];
	const struct kactl_action *act = &p->act;
	const struct kactl_selector *sel = &p->sel;
	struct parse_args args;
	unsigned int seen = 0;
	int opt, ret;

	memset(p, 0, sizeof(*p));
	parse_args_init(&args, argc, argv, 1);
	while ((opt = parse_next_opt(&args, policy_opts, err, err_size)) >= 0) {
		if (op == KACTL_OP_DEL && opt >= OPT_OFF)
			return fail(err, err_size, "del takes only a selector, not '--%s'",
				    policy_opts[opt].name);
		if (seen & (1U << opt))
			return fail(err, err_size, "option '--%s' given more than once",
				    policy_opts[opt].name);
		seen |= 1U << opt;
		ret = parse_value(opt, args.value, p, err, err_size);
		if (ret)
			return ret;
	}
	if (opt == PARSE_ERROR)
		return -EINVAL;
	if (args.next < argc)
		return fail(err, err_size, "unexpected argument '%s'",
			    argv[args.next]);

	if (sel->is_default && (sel->has_port || sel->has_dir || sel->cgroup_path))
		return fail(err, err_size, "--default excludes --port, --dir and --cgroup");
	if (sel->has_dir && !sel->has_port)
		return fail(err, err_size, "--dir needs --port");
	if (!sel->is_default && !sel->has_port && !sel->cgroup_path)
		return fail(err, err_size, "%s needs a selector: --default, --port or --cgroup",
			    cmd);
	if (act->off && (act->has_idle || act->has_intvl || act->has_cnt ||
			 act->has_user_timeout || act->has_mode))
		return fail(err, err_size, "--off excludes --idle, --intvl, --cnt, --user-timeout and --mode");
	return 0;
}

/* snprintf() at *len in buf, counting what did not fit as well. */
static void append(char *buf, size_t size, size_t *len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void append(char *buf, size_t size, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	if (*len < size)
		n = vsnprintf(buf + *len, size - *len, fmt, ap);
	else
		n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		*len += (size_t)n;
}

int kactl_selector_text(const struct kactl_selector *sel, char *buf, size_t size)
{
	const char *sep = "";
	size_t len = 0;

	if (size)
		buf[0] = '\0';
	if (sel->is_default) {
		append(buf, size, &len, "default");
		return (int)len;
	}
	if (sel->has_port) {
		if (sel->port_min == sel->port_max)
			append(buf, size, &len, "port %u", sel->port_min);
		else
			append(buf, size, &len, "port %u-%u", sel->port_min,
			       sel->port_max);
		/* Both directions is what a port without one means. */
		if (sel->has_dir && sel->dir != KA_DIR_BOTH) {
			if (kactl_dir_name(sel->dir))
				append(buf, size, &len, " dir %s",
				       kactl_dir_name(sel->dir));
			else
				append(buf, size, &len, " dir %u", sel->dir);
		}
		sep = " ";
	}
	if (sel->cgroup_path) {
		append(buf, size, &len, "%scgroup ", sep);
		len += (size_t)kactl_word_text(sel->cgroup_path,
					       len < size ? buf + len : NULL,
					       len < size ? size - len : 0);
	} else if (sel->has_cgroup_id)
		append(buf, size, &len, "%scgroup id:%llu", sep,
		       (unsigned long long)sel->cgroup_id);
	else if (sel->cgroup_hidden)
		append(buf, size, &len, "%scgroup (outside)", sep);
	else if (!sel->has_port)
		append(buf, size, &len, "-");	/* selects nothing we know */
	return (int)len;
}

/*
 * Bytes no shell treats specially. Any other makes the word double-quoted,
 * with \ before the four bytes sh still reads inside double quotes; the
 * policy file (kactl_conf_split()) reads the same rule.
 */
#define WORD_SAFE	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" \
			"0123456789_@%+=:,./-"

int kactl_word_text(const char *w, char *buf, size_t size)
{
	size_t len = 0;

	if (size)
		buf[0] = '\0';
	if (*w && strspn(w, WORD_SAFE) == strlen(w)) {
		append(buf, size, &len, "%s", w);
		return (int)len;
	}
	append(buf, size, &len, "\"");
	for (; *w; w++)
		append(buf, size, &len, "%s%c",
		       strchr("\"\\$`", *w) ? "\\" : "", *w);
	append(buf, size, &len, "\"");
	return (int)len;
}

/* Columns of "kactl list". */
#define W_SELECTOR	32
#define W_IDLE		6
#define W_INTVL		6
#define W_CNT		4
#define W_USER_TIMEOUT	12
#define W_MODE		7

void kactl_policy_print_header(void)
{
	out_text("%-*s %*s %*s %*s %*s %-*s %s\n", W_SELECTOR, "selector",
		 W_IDLE, "idle", W_INTVL, "intvl", W_CNT, "cnt",
		 W_USER_TIMEOUT, "user_timeout", W_MODE, "mode", "cgroup_state");
}

/* A JSON member: an enum's name, or its number when kactl does not know it. */
static void print_json_enum(const char *key, const char *name, uint8_t v)
{
	if (name)
		out_json_str(key, name);
	else
		out_json_u64(key, v);
}

void kactl_policy_print(const struct kactl_policy *p)
{
	const struct kactl_selector *sel = &p->sel;
	const struct kactl_action *act = &p->act;
	uint8_t dir = sel->has_dir ? sel->dir : KA_DIR_BOTH;
	char text[KACTL_SELECTOR_TEXT_SIZE];
	int pad = sel->has_cgroup_state ? W_MODE : 0;

	kactl_selector_text(sel, text, sizeof(text));
	out_open_object(NULL);
	out_str_column("selector", W_SELECTOR, text);
	/* The selector's parts, for scripts: JSON only. */
	if (sel->is_default) {
		out_json_bool("default", true);
	} else {
		if (sel->has_port) {
			out_json_u64("port_min", sel->port_min);
			out_json_u64("port_max", sel->port_max);
			print_json_enum("dir", kactl_dir_name(dir), dir);
		}
		if (sel->cgroup_path)
			out_json_str("cgroup", sel->cgroup_path);
		if (sel->has_cgroup_id)
			out_json_u64("cgroup_id", sel->cgroup_id);
		if (sel->has_cgroup_state)
			print_json_enum("cgroup_state",
					kactl_cgroup_state_name(sel->cgroup_state),
					sel->cgroup_state);
		if (sel->cgroup_hidden)
			out_json_bool("cgroup_hidden", true);
	}
	out_json_bool("off", act->off);
	out_u64_column("idle", W_IDLE, act->has_idle, act->idle_s);
	out_u64_column("intvl", W_INTVL, act->has_intvl, act->intvl_s);
	out_u64_column("cnt", W_CNT, act->has_cnt, act->cnt);
	out_u64_column("user_timeout", W_USER_TIMEOUT, act->has_user_timeout,
		       act->user_timeout_ms);
	/*
	 * An exemption has no mode to speak of in the table. The mode column
	 * is padded only when a cgroup's state follows it: its own column, not
	 * a note in the selector's, which then pastes back into set and del.
	 */
	if (act->off)
		out_text(" %-*s", pad, "off");
	else if (kactl_mode_name(act->mode))
		out_text(" %-*s", pad, kactl_mode_name(act->mode));
	else
		out_text(" %-*u", pad, act->mode);
	print_json_enum("mode", kactl_mode_name(act->mode), act->mode);
	if (sel->has_cgroup_state && kactl_cgroup_state_name(sel->cgroup_state))
		out_text(" %s", kactl_cgroup_state_name(sel->cgroup_state));
	else if (sel->has_cgroup_state)
		out_text(" %u", sel->cgroup_state);
	out_close_object();
	out_text("\n");
}
