// SPDX-License-Identifier: GPL-2.0
/* The policy file format of kactl save and load; see conf.h. */
#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <linux/ka_policy.h>

#include "conf.h"

int kactl_conf_split(char *line, char **argv, int max, char *err, size_t size)
{
	char *in = line, *out = line;
	int argc = 0;

	for (;;) {
		while (isspace((unsigned char)*in))
			in++;
		if (!*in || *in == '#')
			break;
		if (argc == max - 1) {
			snprintf(err, size, "more than %d words", max - 1);
			return -1;
		}
		argv[argc++] = out;
		if (*in == '"') {
			for (in++; *in != '"'; in++) {
				if (!*in) {
					snprintf(err, size, "unterminated quote");
					return -1;
				}
				/* sh's rule inside double quotes. */
				if (*in == '\\' && in[1] && strchr("\"\\$`", in[1]))
					in++;
				*out++ = *in;
			}
			in++;
			if (*in && !isspace((unsigned char)*in)) {
				snprintf(err, size, "text right after a closing quote");
				return -1;
			}
		} else {
			while (*in && !isspace((unsigned char)*in))
				*out++ = *in++;
		}
		if (*in)
			in++;
		*out++ = '\0';
	}
	argv[argc] = NULL;
	return argc;
}

/* A word as the file and the shell read it back (kactl_word_text()). */
static void write_word(FILE *f, const char *w)
{
	int len = kactl_word_text(w, NULL, 0);
	char *buf = malloc((size_t)len + 1);

	if (!buf) {
		fputs(w, f);	/* not reached for a path: at most 4 KiB */
		return;
	}
	kactl_word_text(w, buf, (size_t)len + 1);
	fputs(buf, f);
	free(buf);
}

void kactl_conf_write(FILE *f, const struct kactl_policy *p)
{
	const struct kactl_selector *s = &p->sel;
	const struct kactl_action *a = &p->act;
	bool space = false;

	if (s->is_default) {
		fputs("--default", f);
		space = true;
	}
	if (s->has_port) {
		fprintf(f, "--port %u", s->port_min);
		if (s->port_max != s->port_min)
			fprintf(f, "-%u", s->port_max);
		if (s->has_dir && s->dir != KA_DIR_BOTH)
			fprintf(f, " --dir %s", kactl_dir_name(s->dir));
		space = true;
	}
	if (s->cgroup_path) {
		fputs(space ? " --cgroup " : "--cgroup ", f);
		write_word(f, s->cgroup_path);
	}
	if (a->off)
		fputs(" --off", f);
	if (a->has_idle)
		fprintf(f, " --idle %u", a->idle_s);
	if (a->has_intvl)
		fprintf(f, " --intvl %u", a->intvl_s);
	if (a->has_cnt)
		fprintf(f, " --cnt %u", a->cnt);
	if (a->has_user_timeout)
		fprintf(f, " --user-timeout %u", a->user_timeout_ms);
	if (a->has_mode && a->mode != KA_MODE_DEFAULT && !a->off)
		fprintf(f, " --mode %s", kactl_mode_name(a->mode));
	fputc('\n', f);
}
