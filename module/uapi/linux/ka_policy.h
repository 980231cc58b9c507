/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * ka_policy: per network namespace TCP keepalive policies.
 *
 * The generic netlink interface between the ka_policy module and kactl.
 * Documentation/netlink/specs/ka_policy.yaml describes the same family.
 */
#ifndef _UAPI_LINUX_KA_POLICY_H
#define _UAPI_LINUX_KA_POLICY_H

#define KA_GENL_NAME		"ka_policy"
#define KA_GENL_VERSION		1

enum ka_cmd {
	KA_CMD_UNSPEC,
	KA_CMD_VERSION,		/* do: module version and API version */
	KA_CMD_STATS,		/* dump: namespace totals */

	__KA_CMD_MAX,
	KA_CMD_MAX = __KA_CMD_MAX - 1
};

enum ka_attr {
	KA_A_UNSPEC,
	KA_A_PAD,
	KA_A_VERSION,		/* string: module version, "0.1.0" */
	KA_A_API_VERSION,	/* u32: KA_GENL_VERSION of the module */
	KA_A_STATS,		/* nest: KA_STATS_A_* */

	__KA_A_MAX,
	KA_A_MAX = __KA_A_MAX - 1
};

/* Counters, all u64, inside KA_A_STATS. */
enum ka_stats_attr {
	KA_STATS_A_UNSPEC,
	KA_STATS_A_PAD,
	KA_STATS_A_APPLIED,	/* sockets a policy was applied to */
	KA_STATS_A_SKIPPED,	/* matched, left to the application */
	KA_STATS_A_PROBES_SENT,	/* keepalive probes sent */
	KA_STATS_A_TIMEOUTS,	/* connections aborted by keepalive */

	__KA_STATS_A_MAX,
	KA_STATS_A_MAX = __KA_STATS_A_MAX - 1
};

#endif /* _UAPI_LINUX_KA_POLICY_H */
