// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/net/ka_stats: what ka_policy did in this network namespace.
 *
 * The format is documented in Documentation/ka_policy.rst and is kept
 * stable for scripts: a header line naming the columns, then one row per
 * scope, whitespace separated. The "total" row counts events on every
 * socket of the namespace.
 *
 *   scope applied skipped probes_sent timeouts
 *   total 0 0 0 0
 */

#include <linux/proc_fs.h>
#include <linux/seq_file.h>

#include "netns.h"
#include "proc.h"

#define KA_PROC_NAME "ka_stats"

static void ka_proc_show_counters(struct seq_file *seq,
				  const struct ka_counters __percpu *c)
{
	struct ka_counters sum;
	int i;

	ka_counters_sum(c, &sum);
	for (i = 0; i < KA_CNT_MAX; i++)
		seq_printf(seq, " %llu", sum.v[i]);
	seq_putc(seq, '\n');
}

static int ka_proc_show(struct seq_file *seq, void *v)
{
	struct ka_net *kn = ka_net(seq_file_single_net(seq));
	int i;

	seq_puts(seq, "scope");
	for (i = 0; i < KA_CNT_MAX; i++)
		seq_printf(seq, " %s", ka_counter_names[i]);
	seq_putc(seq, '\n');

	seq_puts(seq, "total");
	ka_proc_show_counters(seq, kn->totals);
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
