// SPDX-License-Identifier: GPL-2.0
/*
 * Per network namespace state.
 *
 * Every namespace, the ones that exist at load time and the ones created
 * later, gets a struct ka_net: this file registers the area and sets up
 * the namespace's counters; the policies (policy.c) and /proc/net/ka_stats
 * (proc.c) register pernet operations of their own, after these (main.c),
 * so that this file calls neither. Policies and counters never cross
 * namespaces: a container's administrator sees and changes only its own.
 */

#include "netns.h"
#include "stats.h"

unsigned int ka_net_id __read_mostly;

static int __net_init ka_net_init(struct net *net)
{
	struct ka_net *kn = ka_net(net);

	kn->contained = net->user_ns != &init_user_ns;
	kn->totals = ka_counters_alloc(GFP_KERNEL_ACCOUNT);
	if (!kn->totals)
		return -ENOMEM;
	return 0;
}

/* No socket of the namespace is left (each held a reference) to count. */
static void __net_exit ka_net_exit(struct net *net)
{
	ka_counters_free(ka_net(net)->totals);
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
