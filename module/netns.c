// SPDX-License-Identifier: GPL-2.0
/*
 * Per network namespace state.
 *
 * Every namespace, the ones that exist at load time and the ones created
 * later, gets a struct ka_net and its own /proc/net/ka_stats. Policies and
 * counters never cross namespaces: a container's administrator sees and
 * changes only its own.
 */

#include "netns.h"
#include "policy.h"
#include "proc.h"

unsigned int ka_net_id __read_mostly;

static int __net_init ka_net_init(struct net *net)
{
	struct ka_net *kn = ka_net(net);
	int ret;

	kn->contained = net->user_ns != &init_user_ns;
	kn->totals = ka_counters_alloc(GFP_KERNEL_ACCOUNT);
	if (!kn->totals)
		return -ENOMEM;

	ret = ka_policies_init(kn);
	if (ret)
		goto err_free_totals;

	ret = ka_proc_init_net(net);
	if (ret) {
		pr_err("cannot create /proc/net/ka_stats: error %d\n", ret);
		goto err_policies;
	}
	return 0;

err_policies:
	ka_policies_destroy(kn);
err_free_totals:
	ka_counters_free(kn->totals);
	return ret;
}

/*
 * No socket of the namespace is left (each held a reference), so no probe
 * handler can reach kn any more; policies still go through call_rcu, and
 * module unload waits for them with rcu_barrier().
 */
static void __net_exit ka_net_exit(struct net *net)
{
	struct ka_net *kn = ka_net(net);

	ka_proc_exit_net(net);
	ka_policies_destroy(kn);
	ka_counters_free(kn->totals);
}

static struct pernet_operations ka_net_ops = {
	.init = ka_net_init,
	.exit = ka_net_exit,
	.id   = &ka_net_id,
	.size = sizeof(struct ka_net),
};

int ka_netns_init(void)
{
	return register_pernet_subsys(&ka_net_ops);
}

void ka_netns_exit(void)
{
	unregister_pernet_subsys(&ka_net_ops);
}
