// SPDX-License-Identifier: GPL-2.0
/*
 * ka_policy: TCP keepalive policies per network namespace.
 *
 * This file only brings the pieces up in order and takes them down in
 * reverse: per-netns state (which also creates /proc/net/ka_stats in every
 * namespace) first, then the netlink family that lets users reach it.
 * Documentation/ka_policy.rst describes the design.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include "netlink.h"
#include "netns.h"

static int __init ka_policy_init(void)
{
	int ret;

	ret = ka_netns_init();
	if (ret) {
		pr_err("per-namespace state: error %d\n", ret);
		return ret;
	}

	ret = ka_genl_init();
	if (ret) {
		pr_err("generic netlink family: error %d\n", ret);
		goto err_netns;
	}

	pr_info("version %s loaded\n", KA_POLICY_VERSION);
	return 0;

err_netns:
	ka_netns_exit();
	return ret;
}

static void __exit ka_policy_exit(void)
{
	ka_genl_exit();
	ka_netns_exit();
	pr_info("unloaded\n");
}

module_init(ka_policy_init);
module_exit(ka_policy_exit);
MODULE_LICENSE("GPL");
MODULE_AUTHOR("ka_policy developers");
MODULE_DESCRIPTION("TCP keepalive policies per network namespace");
MODULE_VERSION(KA_POLICY_VERSION);
