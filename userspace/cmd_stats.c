// SPDX-License-Identifier: GPL-2.0
/*
 * kactl stats: the counters of the namespace, then of each policy, as a
 * table or JSON. A counter the module cannot provide is "-" in the table
 * and left out of the JSON.
 */
#include <stdio.h>
#include <stdlib.h>
#include <linux/genetlink.h>

#include "codec.h"
#include "kactl.h"
#include "out.h"

static const char *const counter_keys[KA_STATS_A_MAX + 1] = {
	[KA_STATS_A_APPLIED]	 = "applied",
	[KA_STATS_A_SKIPPED]	 = "skipped",
	[KA_STATS_A_PROBES_SENT] = "probes_sent",
	[KA_STATS_A_TIMEOUTS]	 = "timeouts",
	[KA_STATS_A_EVENTS_DROPPED] = "events_dropped",
};

static const int counter_width[KA_STATS_A_MAX + 1] = {
	[KA_STATS_A_APPLIED] = 10, [KA_STATS_A_SKIPPED] = 10,
	[KA_STATS_A_PROBES_SENT] = 12, [KA_STATS_A_TIMEOUTS] = 10,
	[KA_STATS_A_EVENTS_DROPPED] = 14,
};

/* The scope column: "total" or a selector. */
#define SCOPE_WIDTH 32

static int stats_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if (type <= KA_STATS_A_MAX && counter_keys[type] &&
	    mnl_attr_validate(attr, MNL_TYPE_U64) == 0)
		tb[type] = attr;
	return MNL_CB_OK;
}

/* One row: the counters of a KA_A_STATS or KA_POLICY_A_STATS nest or NULL. */
static void print_row(const char *scope, const struct nlattr *nest)
{
	const struct nlattr *tb[KA_STATS_A_MAX + 1] = {};

	if (nest && mnl_attr_validate(nest, MNL_TYPE_NESTED) == 0)
		mnl_attr_parse_nested(nest, stats_attr_cb, tb);
	out_open_object(NULL);
	out_str_column("scope", SCOPE_WIDTH, scope);
	for (int i = 0; i <= KA_STATS_A_MAX; i++) {
		if (counter_keys[i])
			out_u64_column(counter_keys[i], counter_width[i], tb[i],
				       tb[i] ? mnl_attr_get_u64(tb[i]) : 0);
	}
	out_close_object();
	out_text("\n");
}

/*
 * A policy's scope: its selector, and where a cgroup is now as a note
 * ("cgroup /svc (waiting)"), as /proc/net/ka_stats has it in its column.
 */
static void scope_text(const struct kactl_selector *sel, char *buf,
		       size_t size)
{
	const char *state = kactl_cgroup_state_name(sel->cgroup_state);
	int len = kactl_selector_text(sel, buf, size);

	if (!sel->has_cgroup_state || len < 0 || (size_t)len >= size)
		return;
	if (state)
		snprintf(buf + len, size - (size_t)len, " (%s)", state);
	else
		snprintf(buf + len, size - (size_t)len, " (state %u)",
			 sel->cgroup_state);
}

/* The namespace totals come first, then one message per policy. */
static int stats_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[KA_A_MAX + 1] = {};
	char scope[KACTL_SELECTOR_TEXT_SIZE];
	const struct nlattr *stats;
	struct kactl_policy p;

	(void)data;
	kactl_reply_attrs(nlh, tb);
	if (tb[KA_A_STATS])
		print_row("total", tb[KA_A_STATS]);
	if (tb[KA_A_POLICY]) {
		if (kactl_policy_decode(tb[KA_A_POLICY], &p, &stats) < 0)
			return MNL_CB_ERROR;
		scope_text(&p.sel, scope, sizeof(scope));
		print_row(scope, stats);
	}
	return MNL_CB_OK;
}

static void stats_begin(void)
{
	out_text("%-*s", SCOPE_WIDTH, "scope");
	for (int i = 0; i <= KA_STATS_A_MAX; i++) {
		if (counter_keys[i])
			out_text(" %*s", counter_width[i], counter_keys[i]);
	}
	out_text("\n");
	out_open_array(NULL);
}

const struct kactl_query kactl_query_stats = {
	.cmd = KA_CMD_STATS, .flags = NLM_F_DUMP,
	.begin = stats_begin, .cb = stats_cb, .end = kactl_end_array,
};
