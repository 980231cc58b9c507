// SPDX-License-Identifier: GPL-2.0
/*
 * ka_policy: TCP keepalive policies per network namespace.
 *
 * This file only brings the pieces up in order and takes them down in
 * reverse: the cgroup paths policies may name, then per-netns state (the
 * namespace's area and counters, its policies, its /proc/net/ka_stats:
 * pernet operations run in the order they are registered, and in reverse
 * on the way out), then the table of connection lifetimes the hooks
 * fill and empty (lifetime.c), then the hooks in the TCP stack that apply
 * policies, then the netlink family that lets users set them, and last
 * the events sent on it (events.c), stopped first.
 * Documentation/ka_policy.rst describes the design.
 */

#include <linux/ka_policy.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <net/genetlink.h>

#include "cgpath.h"
#include "events.h"
#include "hooks.h"
#include "lifetime.h"
#include "netlink.h"
#include "netns.h"
#include "policy.h"
#include "proc.h"

static const struct ka_genl_hooks ka_genl_hooks = {
	.missed_walk	= ka_hooks_missed,
	.listeners_look	= ka_hooks_listeners_look,
};

static int __init mod_init(void)
{
	int ret;

	ret = ka_cgpaths_init();
	if (ret)
		return ret;
	ret = ka_netns_init();
	if (ret) {
		pr_err("per-namespace area: error %d\n", ret);
		goto err_cgpaths;
	}
	ret = ka_policy_pernet_init();
	if (ret) {
		pr_err("per-namespace policies: error %d\n", ret);
		goto err_netns;
	}
	ret = ka_proc_init();
	if (ret) {
		pr_err("/proc/net/ka_stats: error %d\n", ret);
		goto err_policies;
	}
	ret = ka_lifetime_init();
	if (ret) {
		pr_err("connection lifetimes: error %d\n", ret);
		goto err_proc;
	}
	ret = ka_hooks_init();
	if (ret)
		goto err_lifetime;
	ret = ka_genl_init(&ka_genl_hooks);
	if (ret) {
		pr_err("generic netlink family: error %d\n", ret);
		goto err_hooks;
	}
	ka_events_start();
	pr_info("version %s loaded\n", KA_POLICY_VERSION);
	return 0;

err_hooks:
	ka_hooks_exit();
err_lifetime:
	ka_lifetime_exit();
err_proc:
	ka_proc_exit();
err_policies:
	ka_policy_pernet_exit();
err_netns:
	ka_netns_exit();
	rcu_barrier();
err_cgpaths:
	ka_cgpaths_exit();
	return ret;
}

/*
 * Sockets keep the settings they got: nothing here touches them. The
 * probes go first (unregistering waits for running handlers), then the
 * per-namespace state in reverse (/proc/net/ka_stats, the policies, the
 * namespace's area), and rcu_barrier() waits for the policies' call_rcu
 * callbacks, which live in this module and release cgroup paths
 * (cgpath.c), so those go after them.
 */
static void __exit mod_exit(void)
{
	ka_events_stop();
	ka_genl_exit();
	ka_hooks_exit();
	ka_lifetime_exit();
	ka_proc_exit();
	ka_policy_pernet_exit();
	ka_netns_exit();
	rcu_barrier();
	ka_cgpaths_exit();
	pr_info("unloaded\n");
}

module_init(mod_init);
module_exit(mod_exit);
MODULE_LICENSE("GPL");
MODULE_AUTHOR("ka_policy developers");
MODULE_DESCRIPTION("TCP keepalive policies per network namespace");
MODULE_VERSION(KA_POLICY_VERSION);
/*
 * Lets "genl ctrl" or a netlink request autoload the module by name. Here,
 * not in netlink.c, which the KUnit module includes: the test module must
 * not be what a request for the family loads.
 */
MODULE_ALIAS_GENL_FAMILY(KA_GENL_NAME);
