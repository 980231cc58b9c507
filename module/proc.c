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
 *   selector idle intvl cnt user_timeout mode applied skipped probes_sent timeouts events_dropped
 *   total - - - - - 12 1 30 2 0
 *   port=6379 60 10 3 - default 12 1 30 2 -
 *   port=8000-8099,dir=in,cgroup=/svc/web,state=waiting - - - - off 0 0 0 0 -
 *
 * A cgroup policy shows its path (relative to the reader's cgroup
 * namespace) or, when set by id, cgroup_id=N, then where its cgroup is:
 * state=active, waiting (by path: no cgroup there now) or gone (by id:
 * removed). A cgroup outside the reader's namespace shows as
 * cgroup=(outside), with neither path nor id.
 */

#include <linux/proc_fs.h>
#include <linux/seq_file.h>

#include "cgpath.h"
#include "netns.h"
#include "policy.h"
#include "proc.h"
#include "stats.h"

#define KA_PROC_NAME "ka_stats"

static const char * const dir_text[] = {
	[KA_DIR_BOTH] = "both", [KA_DIR_IN] = "in", [KA_DIR_OUT] = "out",
};

/* totals: the namespace's, else a policy's (namespace-only ones: "-"). */
static void show_counters(struct seq_file *seq,
			  const struct ka_counters *sum, bool totals)
{
	int i;

	for (i = 0; i < KA_NR_COUNTERS; i++) {
		if (ka_counter_available(i) &&
		    (totals || ka_counter_per_policy(i)))
			seq_printf(seq, " %llu", sum->v[i]);
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

static const char * const cgroup_state_text[] = {
	[KA_CGROUP_ACTIVE] = "active",
	[KA_CGROUP_WAITING] = "waiting",
	[KA_CGROUP_GONE] = "gone",
};

/* root: the reader's cgroup namespace root (absolute), NULL: unknown. */
static void show_cgroup(struct seq_file *seq, const struct ka_policy *p,
			const char *root)
{
	const struct ka_cgroup_name *cg = &p->cg;
	enum ka_cgroup_state state;
	const char *rel;

	rel = ka_cgpath_relative(cg->path ? cg->path->path : cg->id_path, root);
	if (!rel) {
		seq_puts(seq, "cgroup=(outside)");
		return;
	}
	if (cg->path) {
		seq_puts(seq, "cgroup=");
		seq_escape(seq, rel, " \t\n\\,");
		state = ka_cgpath_state(cg->path);
	} else {
		seq_printf(seq, "cgroup_id=%llu", p->sel.cgroup_id);
		state = ka_cgroup_id_state(p->sel.cgroup_id);
	}
	seq_printf(seq, ",state=%s", cgroup_state_text[state]);
}

static void show_policy(struct seq_file *seq, const struct ka_policy *p,
			const char *root)
{
	const struct ka_selector *sel = &p->sel;
	const struct ka_action *act = &p->act;
	struct ka_counters sum;

	if (ka_selector_has_port(sel)) {
		seq_printf(seq, "port=%u", sel->port_min);
		if (sel->port_max != sel->port_min)
			seq_printf(seq, "-%u", sel->port_max);
		if (sel->dir != KA_DIR_BOTH)
			seq_printf(seq, ",dir=%s", dir_text[sel->dir]);
	}
	if (sel->cgroup_id) {
		if (ka_selector_has_port(sel))
			seq_putc(seq, ',');
		show_cgroup(seq, p, root);
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
	ka_policy_counters_sum(p->stats, &sum);
	show_counters(seq, &sum, false);
}

/*
 * A read holds the namespace's lock only while it fills one buffer, and
 * resumes from a cursor: a reader of many policies neither keeps writers
 * out for the whole file nor walks the list from the start for each part.
 * A change between two reads shows as a file that mixes the sets before
 * and after it, as with other /proc/net files.
 */
struct ka_proc_iter {
	struct seq_net_private p;	/* first: seq_file_net() */
	struct ka_cursor cur;
	/* The reader's cgroup namespace root, found by each read. */
	bool root_known;
	char root[KA_CGPATH_BUF_SIZE];
};

static struct ka_net *seq_ka_net(struct seq_file *seq)
{
	return ka_net(seq_file_net(seq));
}

static void *ka_seq_start(struct seq_file *seq, loff_t *pos)
{
	struct ka_proc_iter *it = seq->private;
	struct ka_net *kn = seq_ka_net(seq);

	it->root_known = ka_cgpath_ns_root(it->root, sizeof(it->root)) >= 0;
	mutex_lock(&kn->lock);
	if (!*pos)
		return SEQ_START_TOKEN;
	return (void *)ka_policy_at(kn, &it->cur, *pos - 1);
}

static void *ka_seq_next(struct seq_file *seq, void *v, loff_t *pos)
{
	struct ka_proc_iter *it = seq->private;

	++*pos;
	return (void *)ka_policy_at(seq_ka_net(seq), &it->cur, *pos - 1);
}

static void ka_seq_stop(struct seq_file *seq, void *v)
{
	mutex_unlock(&seq_ka_net(seq)->lock);
}

static int ka_seq_show(struct seq_file *seq, void *v)
{
	struct ka_proc_iter *it = seq->private;
	struct ka_counters sum;
	int i;

	if (v != SEQ_START_TOKEN) {
		show_policy(seq, v, it->root_known ? it->root : NULL);
		return 0;
	}
	seq_puts(seq, "selector idle intvl cnt user_timeout mode");
	for (i = 0; i < KA_NR_COUNTERS; i++)
		seq_printf(seq, " %s", ka_counter_names[i]);
	seq_putc(seq, '\n');
	seq_puts(seq, "total - - - - -");
	ka_counters_sum(seq_ka_net(seq)->totals, &sum);
	show_counters(seq, &sum, true);
	return 0;
}

static const struct seq_operations ka_seq_ops = {
	.start	= ka_seq_start,
	.next	= ka_seq_next,
	.stop	= ka_seq_stop,
	.show	= ka_seq_show,
};

static int __net_init proc_net_init(struct net *net)
{
	if (!proc_create_net(KA_PROC_NAME, 0444, net->proc_net, &ka_seq_ops,
			     sizeof(struct ka_proc_iter))) {
		pr_err("cannot create /proc/net/" KA_PROC_NAME ": error %d\n", -ENOMEM);
		return -ENOMEM;
	}
	return 0;
}

static void __net_exit proc_net_exit(struct net *net)
{
	remove_proc_entry(KA_PROC_NAME, net->proc_net);
}

/*
 * Registered by main.c after the namespace's policies (policy.c): a
 * reader of the file finds them set up, and the file goes first.
 */
static struct pernet_operations ka_proc_net_ops = {
	.init = proc_net_init,
	.exit = proc_net_exit,
};

int ka_proc_init(void)
{
	return register_pernet_subsys(&ka_proc_net_ops);
}

void ka_proc_exit(void)
{
	unregister_pernet_subsys(&ka_proc_net_ops);
}
