// SPDX-License-Identifier: GPL-2.0
/*
 * kactl save and load: the policies of a namespace as a file and back
 * (the format is conf.h's). load checks the whole file before it sends
 * anything: every bad line is reported with its number, and one is
 * enough to change nothing. Then either one request per policy, each a
 * set, so that a failure leaves the ones before it (plain load), or every
 * policy in one request that the kernel applies whole or not at all
 * (load --replace).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/genetlink.h>

#include "codec.h"
#include "conf.h"
#include "kactl.h"
#include "parse.h"

#define KACTL_CONF_MAX_WORDS 32

/* A policy file, read and parsed; the policies' words point into text. */
struct policy_file {
	const char *name;
	bool replace;			/* load --replace */
	bool existing;			/* load --existing */
	char *text;
	struct kactl_policy *policies;
	unsigned int *lines;		/* line number of each policy */
	size_t n, cap;
};

static void policy_file_free(struct policy_file *f)
{
	free(f->policies);
	free(f->lines);
	free(f->text);
}

static int save_cb(const struct nlmsghdr *nlh, void *data)
{
	struct kactl_policy p;
	int ret = kactl_policy_from_reply(nlh, &p);

	(void)data;
	if (ret <= 0)
		return ret < 0 ? MNL_CB_ERROR : MNL_CB_OK;
	if (p.sel.has_cgroup_id) {
		/* An object, not a path: it cannot outlive a reboot. */
		fprintf(stderr, "Warning: the policy for cgroup id %llu names one cgroup object, not a path, and is saved as a comment.\n",
			(unsigned long long)p.sel.cgroup_id);
		fputs("# ", stdout);
	} else if (p.sel.cgroup_hidden) {
		/* Its path is outside this cgroup namespace: not ours to name. */
		fprintf(stderr, "Warning: a policy for a cgroup outside this cgroup namespace is saved as a comment.\n");
		fputs("# ", stdout);
	}
	kactl_conf_write(stdout, &p);
	return MNL_CB_OK;
}

static void save_begin(void)
{
	printf("# ka_policy policies, saved by kactl %s; kactl load reads this.\n",
	       KA_POLICY_VERSION);
}

static void save_end(void)
{
	fflush(stdout);
}

const struct kactl_query kactl_query_save = {
	.cmd = KA_CMD_POLICY_GET, .flags = NLM_F_DUMP,
	.begin = save_begin, .cb = save_cb, .end = save_end,
};

/* The whole of FILE ("-": standard input), NUL-terminated. */
static char *read_all(const char *file)
{
	FILE *f = strcmp(file, "-") ? fopen(file, "r") : stdin;
	size_t len = 0, cap = 4096, got;
	char *buf = NULL, *tmp;

	if (!f)
		return NULL;
	for (;;) {
		tmp = realloc(buf, cap + 1);
		if (!tmp)
			goto fail;
		buf = tmp;
		got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (len < cap) {
			if (ferror(f))
				goto fail;
			break;
		}
		cap *= 2;
	}
	buf[len] = '\0';
	if (memchr(buf, '\0', len)) {
		errno = EINVAL;
		goto fail;
	}
	if (f != stdin)
		fclose(f);
	return buf;
fail:
	free(buf);
	if (f != stdin)
		fclose(f);
	return NULL;
}

/* Room for twice as many policies. */
static int grow(struct policy_file *f)
{
	size_t ncap = f->cap ? 2 * f->cap : 64;
	struct kactl_policy *policies;
	unsigned int *lines;

	policies = realloc(f->policies, ncap * sizeof(*policies));
	if (policies)
		f->policies = policies;
	lines = realloc(f->lines, ncap * sizeof(*lines));
	if (lines)
		f->lines = lines;
	if (!policies || !lines) {
		fprintf(stderr, "Error: out of memory.\n");
		return -1;
	}
	f->cap = ncap;
	return 0;
}

/* load [--replace] [--existing] FILE */
static int parse_load_args(int argc, char **argv, struct policy_file *f)
{
	static const struct parse_opt opts[] = {
		{ .name = "replace" },
		{ .name = "existing" },
		{ .name = NULL }
	};
	struct parse_args args;
	char err[128];
	int opt;

	parse_args_init(&args, argc, argv, 1);
	while ((opt = parse_next_opt(&args, opts, err, sizeof(err))) >= 0) {
		if (opt == 0)
			f->replace = true;
		else
			f->existing = true;
	}
	if (opt == PARSE_ERROR)
		return kactl_usage_error("load: unknown option '%s'", args.word);
	if (argc - args.next != 1)
		return kactl_usage_error("%s", "load takes one FILE ('-' for standard input)");
	f->name = argv[args.next];
	return 0;
}

/* A policy's selector in text form, and where it is in the file. */
struct selector_line {
	char text[KACTL_SELECTOR_TEXT_SIZE];
	unsigned int line;
};

static int selector_line_cmp(const void *x, const void *y)
{
	const struct selector_line *a = x, *b = y;
	int c = strcmp(a->text, b->text);

	return c ? c : (a->line > b->line) - (a->line < b->line);
}

/*
 * A replace sets each selector once: a second line with the same selector
 * is a mistake, not an override. Returns how many lines repeat one.
 */
static unsigned int check_duplicates(const struct policy_file *f)
{
	struct selector_line *s;
	unsigned int bad = 0;
	size_t i;

	if (f->n < 2)
		return 0;
	s = calloc(f->n, sizeof(*s));
	if (!s) {
		fprintf(stderr, "Error: out of memory.\n");
		return 1;
	}
	for (i = 0; i < f->n; i++) {
		kactl_selector_text(&f->policies[i].sel, s[i].text,
				    sizeof(s[i].text));
		s[i].line = f->lines[i];
	}
	qsort(s, f->n, sizeof(*s), selector_line_cmp);
	for (i = 1; i < f->n; i++) {
		if (strcmp(s[i].text, s[i - 1].text))
			continue;
		fprintf(stderr, "Error: %s:%u: %s is set on line %u already.\n",
			f->name, s[i].line, s[i].text, s[i - 1].line);
		bad++;
	}
	free(s);
	return bad;
}

/* Reads and checks the whole file; returns 0 or the exit status. */
static int parse_file(struct policy_file *f)
{
	char *words[KACTL_CONF_MAX_WORDS + 1], err[256], *line, *next;
	unsigned int lineno = 0, bad = 0;
	int n;

	f->text = read_all(f->name);
	if (!f->text) {
		fprintf(stderr, "Error: cannot read %s: %s.\n", f->name,
			strerror(errno));
		return EXIT_FAILURE;
	}
	for (line = f->text; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		/* words[0] stands for the command name the parser skips. */
		words[0] = "set";
		n = kactl_conf_split(line, words + 1, KACTL_CONF_MAX_WORDS, err,
				     sizeof(err));
		if (n == 0)
			continue;
		if (n > 0 && f->n == f->cap && grow(f))
			return EXIT_FAILURE;
		if (n > 0 && kactl_policy_parse(KACTL_OP_SET, n + 1, words,
						&f->policies[f->n], err,
						sizeof(err)) == 0) {
			f->lines[f->n++] = lineno;
			continue;
		}
		fprintf(stderr, "Error: %s:%u: %s.\n", f->name, lineno, err);
		bad++;
	}
	if (f->replace)
		bad += check_duplicates(f);
	if (bad) {
		fprintf(stderr, "Error: %s: %u bad line%s, nothing was loaded.\n",
			f->name, bad, bad > 1 ? "s" : "");
		return EXIT_FAILURE;
	}
	return 0;
}

/* Plain load: each line is a set, so a later line replaces an earlier one. */
static int load_each(struct kactl_genl *g, const struct policy_file *f)
{
	struct nlmsghdr *nlh;
	char what[64];
	size_t i;
	int ret;

	for (i = 0; i < f->n; i++) {
		nlh = kactl_genl_msg(g, KA_CMD_POLICY_SET, 0);
		kactl_policy_put(nlh, &f->policies[i], true);
		ret = kactl_genl_run(g, nlh, NULL, NULL);
		if (ret) {
			snprintf(what, sizeof(what), "%s:%u", f->name, f->lines[i]);
			kactl_report(ret, what);
			fprintf(stderr, "Error: %s: stopped at line %u; %zu polic%s before it %s set.\n",
				f->name, f->lines[i], i, i == 1 ? "y" : "ies",
				i == 1 ? "was" : "were");
			return EXIT_FAILURE;
		}
	}
	/* Once, after the last: the walk applies the whole set. */
	return f->existing && f->n ? kactl_existing_apply(g, NULL) : 0;
}

/*
 * load --replace: when the kernel refuses one policy, its extack offset
 * says which: offsets[i] is where policy i starts in the request.
 */
static int load_replace(struct kactl_genl *g, const struct policy_file *f)
{
	size_t i, size = MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct genlmsghdr));
	struct nlmsghdr *nlh;
	uint32_t *offsets;
	char what[64];
	void *buf;
	int ret;

	for (i = 0; i < f->n; i++)
		size += kactl_policy_put_size(&f->policies[i]);
	buf = calloc(1, size);
	offsets = calloc(f->n + 1, sizeof(*offsets));
	if (!buf || !offsets) {
		free(buf);
		free(offsets);
		fprintf(stderr, "Error: out of memory.\n");
		return EXIT_FAILURE;
	}
	nlh = kactl_genl_msg_in(g, buf, KA_CMD_POLICY_REPLACE, 0);
	for (i = 0; i < f->n; i++) {
		offsets[i] = nlh->nlmsg_len;
		kactl_policy_put(nlh, &f->policies[i], true);
	}
	offsets[f->n] = nlh->nlmsg_len;

	ret = kactl_genl_run(g, nlh, NULL, NULL);
	if (ret == -EMSGSIZE && !kactl_genl_error()) {
		fprintf(stderr, "Error: %s: %zu policies make a request of %u bytes, more than this socket may send; split the file or raise net.core.wmem_max.\n",
			f->name, f->n, nlh->nlmsg_len);
		ret = EXIT_FAILURE;
	} else if (ret) {
		/* The policy holding the refused attribute names the line. */
		snprintf(what, sizeof(what), "%s", f->name);
		for (i = 0; i < f->n; i++) {
			if (kactl_genl_error_offset() >= offsets[i] &&
			    kactl_genl_error_offset() < offsets[i + 1])
				snprintf(what, sizeof(what), "%s:%u", f->name,
					 f->lines[i]);
		}
		if (kactl_genl_error())
			fprintf(stderr, "Error: %s: %s.\n", what, kactl_genl_error());
		else
			kactl_report(ret, what);
		fprintf(stderr, "Error: %s: nothing was changed.\n", f->name);
		ret = EXIT_FAILURE;
	} else if (f->existing) {
		/* The file is the whole set: every socket a policy matches. */
		ret = kactl_existing_apply(g, NULL);
	}
	free(offsets);
	free(buf);
	return ret;
}

int kactl_cmd_load(const struct kactl_opts *o, int argc, char **argv)
{
	struct policy_file f = { 0 };
	struct kactl_genl g;
	int ret;

	ret = parse_load_args(argc, argv, &f);
	if (!ret)
		ret = parse_file(&f);
	if (!ret)
		ret = kactl_connect(o, &g);
	if (!ret) {
		ret = f.replace ? load_replace(&g, &f) : load_each(&g, &f);
		kactl_genl_close(&g);
	}
	policy_file_free(&f);
	return ret;
}
