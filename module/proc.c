// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/net/ka_stats: what ka_policy did in this network namespace.
 *
 * The format is documented in Documentation/ka_policy.rst and kept stable
 * for scripts: a header line naming the columns, then the namespace totals
 * ("total"), then one row per policy, oldest first. Fields are separated
 * by one space and never contain one; "-" is an unset value, or a counter
 * whose hook could not attach.
 *
 *   selector idle intvl cnt user_timeout mode applied skipped probes_sent timeouts
 *   total - - - - - 12 1 30 2
 *   port=6379 60 10 3 - default 12 1 30 2
 *   port=8000-8099,dir=in,cgroup=/svc/web - - - - off 0 0 0 0
 */

#include <linux/proc_fs.h>
#include <linux/seq_file.h>

#include "hooks.h"
#include "netns.h"
#include "policy.h"
#include "proc.h"

#define KA_PROC_NAME "ka_stats"

static const char * const ka_dir_names[] = {
	[KA_DIR_BOTH] = "both", [KA_DIR_IN] = "in", [KA_DIR_OUT] = "out",
};

static void show_counters(struct seq_file *seq,
			  const struct ka_counters __percpu *c)
{
	struct ka_counters sum;
	int i;

	ka_counters_sum(c, &sum);
	for (i = 0; i < KA_CNT_MAX; i++) {
		if (ka_counter_available(i))
			seq_printf(seq, " %llu", sum.v[i]);
		else
			seq_puts(seq, " -");
	}
	seq_putc(seq, '\n');
}

static void show_value(struct seq_file *seq, bool set, u32 v)
{
	if (set)
		seq_printf(seq, " %u", v);
	else
		seq_puts(seq, " -");
}

/* Paths were resolved when the policy was set: no cgroup locks here. */
static void show_cgroup(struct seq_file *seq, const struct ka_policy *p)
{
	if (p->cgroup_path) {
		seq_puts(seq, "cgroup=");
		seq_escape(seq, p->cgroup_path, " \t\n\\,");
	} else {
		seq_printf(seq, "cgroup_id=%llu", p->sel.cgroup_id);
	}
}

static void show_policy(struct seq_file *seq, const struct ka_policy *p)
{
	const struct ka_selector *sel = &p->sel;
	const struct ka_action *act = &p->act;

	if (ka_selector_has_port(sel)) {
		seq_printf(seq, "port=%u", sel->port_min);
		if (sel->port_max != sel->port_min)
			seq_printf(seq, "-%u", sel->port_max);
		if (sel->dir != KA_DIR_BOTH)
			seq_printf(seq, ",dir=%s", ka_dir_names[sel->dir]);
	}
	if (sel->cgroup_id) {
		if (ka_selector_has_port(sel))
			seq_putc(seq, ',');
		show_cgroup(seq, p);
	}
	if (!ka_selector_has_port(sel) && !sel->cgroup_id)
		seq_puts(seq, "default");

	show_value(seq, act->idle_s, act->idle_s);
	show_value(seq, act->intvl_s, act->intvl_s);
	show_value(seq, act->cnt, act->cnt);
	show_value(seq, act->has_user_timeout, act->user_timeout_ms);
	if (act->off)
		seq_puts(seq, " off");
	else
		seq_puts(seq, act->mode == KA_MODE_FORCE ? " force" : " default");
	show_counters(seq, p->stats);
}

static int ka_proc_show(struct seq_file *seq, void *v)
{
	struct ka_net *kn = ka_net(seq_file_single_net(seq));
	const struct ka_policy *p;
	int i;

	seq_puts(seq, "selector idle intvl cnt user_timeout mode");
	for (i = 0; i < KA_CNT_MAX; i++)
		seq_printf(seq, " %s", ka_counter_names[i]);
	seq_putc(seq, '\n');

	seq_puts(seq, "total - - - - -");
	show_counters(seq, kn->totals);

	mutex_lock(&kn->lock);
	list_for_each_entry(p, &ka_table_locked(kn)->list, list)
		show_policy(seq, p);
	mutex_unlock(&kn->lock);
	return 0;
}

int ka_proc_init_net(struct net *net)
{
	if (!proc_create_net_single(KA_PROC_NAME, 0444, net->proc_net,
				    ka_proc_show, NULL))
		return -ENOMEM;
	return 0;
}

void ka_proc_exit_net(struct net *net)
{
	remove_proc_entry(KA_PROC_NAME, net->proc_net);
}
