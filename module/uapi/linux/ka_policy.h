/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * ka_policy: per network namespace TCP keepalive policies.
 *
 * The generic netlink interface between the ka_policy module and kactl,
 * described in Documentation/ka_policy.rst ("Control interface") and, in
 * the kernel's YAML schema, Documentation/netlink/specs/ka_policy.yaml.
 */
#ifndef _UAPI_LINUX_KA_POLICY_H
#define _UAPI_LINUX_KA_POLICY_H

#define KA_GENL_NAME		"ka_policy"
#define KA_GENL_VERSION		1

enum ka_cmd {
	KA_CMD_UNSPEC,
	/*
	 * do: module version and API version. The module also looks at once
	 * whether anyone listens for events: kactl monitor sends it once it
	 * has joined the group, for every connection's lifetime from then on.
	 */
	KA_CMD_VERSION,
	KA_CMD_STATS,		/* dump: namespace totals, then each policy */
	KA_CMD_POLICY_SET,	/* do, admin: add, or replace by selector */
	KA_CMD_POLICY_DEL,	/* do, admin: delete by selector */
	KA_CMD_POLICY_GET,	/* dump: every policy of the namespace */
	KA_CMD_POLICY_FLUSH,	/* do, admin: delete every policy */
	/* do, admin: make the set exactly the request's KA_A_POLICYs, atomically */
	KA_CMD_POLICY_REPLACE,
	KA_CMD_POLICY_ADD,	/* do, admin: add; EEXIST when the selector has one */
	/*
	 * dump: the namespace's TCP sockets, KA_A_SOCKET each; a message
	 * without one (a part of the dump that found none in its time) is
	 * skipped
	 */
	KA_CMD_SOCKET_GET,
	KA_CMD_EVENT,		/* notification: KA_A_EVENT, group "events" */
	/*
	 * dump, admin: apply the policies to the open TCP sockets, in steps,
	 * one KA_A_EXISTING_RESULT each, after a first message with none
	 * (the walk has begun); a KA_A_POLICY selector limits it to the
	 * sockets whose policy is that one
	 */
	KA_CMD_EXISTING_APPLY,

	__KA_CMD_MAX,
	KA_CMD_MAX = __KA_CMD_MAX - 1
};

enum ka_attr {
	KA_A_UNSPEC,
	KA_A_PAD,
	KA_A_VERSION,		/* string: module version, "0.1.0" */
	KA_A_API_VERSION,	/* u32: KA_GENL_VERSION of the module */
	KA_A_STATS,		/* nest: KA_STATS_A_*, namespace totals */
	KA_A_POLICY,		/* nest: KA_POLICY_A_* */
	KA_A_MISSING,		/* u32: bit n set: enum ka_feature n missing */
	KA_A_SOCKET,		/* nest: KA_SOCKET_A_*, one socket */
	/* nest: KA_EXISTING_A_*, what one step of KA_CMD_EXISTING_APPLY did */
	KA_A_EXISTING_RESULT,
	KA_A_EVENT,		/* nest: KA_EVENT_A_*, one event */
	/* nest: KA_HOOK_A_*, one attached hook (version reply: one each) */
	KA_A_HOOK,

	__KA_A_MAX,
	KA_A_MAX = __KA_A_MAX - 1
};

/* Counters, all u64, inside KA_A_STATS and KA_POLICY_A_STATS. */
enum ka_stats_attr {
	KA_STATS_A_UNSPEC,
	KA_STATS_A_PAD,
	KA_STATS_A_APPLIED,	/* sockets a policy was applied to */
	KA_STATS_A_SKIPPED,	/* matched, left to the application */
	KA_STATS_A_PROBES_SENT,	/* keepalive probes sent */
	KA_STATS_A_TIMEOUTS,	/* connections aborted by keepalive */
	/* KA_A_STATS only: timeout events some listener missed (monitor) */
	KA_STATS_A_EVENTS_DROPPED,

	__KA_STATS_A_MAX,
	KA_STATS_A_MAX = __KA_STATS_A_MAX - 1
};

/*
 * What the module may be unable to do on a given kernel (KA_A_MISSING in
 * the version reply; Documentation/ka_policy.rst lists them per kernel).
 */
enum ka_feature {
	KA_FEATURE_PROBES_SENT,	/* counting keepalive probes */
	KA_FEATURE_TIMEOUTS,	/* counting keepalive timeouts */
	/*
	 * timeout events (KA_CMD_EVENT): the kernel cannot restrict who
	 * joins a multicast group, so the family has none
	 */
	KA_FEATURE_EVENTS,
};

/* Which connections a port selector matches. */
enum ka_dir {
	KA_DIR_BOTH,		/* either of the two below */
	KA_DIR_IN,		/* accepted on local port */
	KA_DIR_OUT,		/* connecting to remote port */
};

enum ka_mode {
	KA_MODE_DEFAULT,	/* fill in only what the application left unset */
	KA_MODE_FORCE,		/* replace the application's values */
};

/* Where a cgroup policy's cgroup is now (KA_POLICY_A_CGROUP_STATE). */
enum ka_cgroup_state {
	KA_CGROUP_ACTIVE,	/* the cgroup exists: the policy matches it */
	/* by path: no cgroup there now; one made there gets it at once */
	KA_CGROUP_WAITING,
	KA_CGROUP_GONE,		/* by id: that cgroup was removed, for good */
};

/* The longest cgroup path a policy may name, from the hierarchy's root. */
#define KA_CGROUP_PATH_MAX	1023

/*
 * A policy: a selector (which sockets) and an action (what they get).
 * A selector is either KA_POLICY_A_DEFAULT alone, or a port (range) with
 * an optional direction and/or a cgroup. Policies are named by their
 * selector: setting an existing selector replaces that policy, adding
 * one fails (EEXIST) and changes nothing.
 */
enum ka_policy_attr {
	KA_POLICY_A_UNSPEC,
	KA_POLICY_A_PAD,
	/* selector */
	KA_POLICY_A_DEFAULT,	/* flag: the namespace-wide default */
	KA_POLICY_A_PORT_MIN,	/* u16: 1..65535 */
	KA_POLICY_A_PORT_MAX,	/* u16: PORT_MIN..65535, absent: PORT_MIN */
	KA_POLICY_A_DIR,	/* u8: enum ka_dir, absent: BOTH; needs a port */
	/*
	 * string: a cgroup v2 path in the caller's cgroup namespace, which
	 * need not exist yet: the policy follows whatever cgroup is at that
	 * path (at most KA_CGROUP_PATH_MAX bytes from the hierarchy's root)
	 */
	KA_POLICY_A_CGROUP_PATH,
	/* u64: instead of a path, one existing cgroup v2 by id, that object only */
	KA_POLICY_A_CGROUP_ID,
	/* action */
	KA_POLICY_A_OFF,	/* flag: exemption, leave matching sockets alone */
	KA_POLICY_A_IDLE,	/* u32: seconds, 1..32767 (TCP_KEEPIDLE) */
	KA_POLICY_A_INTVL,	/* u32: seconds, 1..32767 (TCP_KEEPINTVL) */
	KA_POLICY_A_CNT,	/* u32: 1..127 (TCP_KEEPCNT) */
	KA_POLICY_A_USER_TIMEOUT, /* u32: ms, 0..INT_MAX (TCP_USER_TIMEOUT) */
	KA_POLICY_A_MODE,	/* u8: enum ka_mode, absent: DEFAULT */
	/* replies only */
	KA_POLICY_A_STATS,	/* nest: KA_STATS_A_* of this policy */
	KA_POLICY_A_CGROUP_STATE, /* u8: enum ka_cgroup_state */
	/*
	 * flag: the policy's cgroup lies outside the reader's cgroup
	 * namespace, so neither its path nor its id is shown
	 */
	KA_POLICY_A_CGROUP_HIDDEN,

	__KA_POLICY_A_MAX,
	KA_POLICY_A_MAX = __KA_POLICY_A_MAX - 1
};

/* Where a socket's keepalive settings come from (KA_SOCKET_A_SOURCE). */
enum ka_socket_source {
	KA_SOURCE_NONE,		/* keepalive off, and nothing set */
	KA_SOURCE_POLICY,	/* a policy: KA_SOCKET_A_POLICY names it */
	KA_SOURCE_POLICY_DELETED, /* a policy, deleted since */
	KA_SOURCE_APPLICATION,	/* the application's own setsockopt() */
};

/*
 * One socket of KA_CMD_SOCKET_GET, inside KA_A_SOCKET: the namespace's
 * full TCP sockets (listening, connecting, established, closing; not
 * TIME_WAIT nor half-open requests), an application's only. The socket's
 * own settings are 0 when unset; the effective ones are what the kernel
 * uses: the socket's, or the namespace's sysctl where the socket's is 0.
 */
enum ka_socket_attr {
	KA_SOCKET_A_UNSPEC,
	KA_SOCKET_A_PAD,
	KA_SOCKET_A_FAMILY,	/* u8: AF_INET or AF_INET6 */
	KA_SOCKET_A_LOCAL_ADDR,	/* binary: 4 or 16 bytes, network order */
	KA_SOCKET_A_REMOTE_ADDR, /* binary: 4 or 16 bytes, network order */
	KA_SOCKET_A_LOCAL_PORT,	/* u16 */
	KA_SOCKET_A_REMOTE_PORT, /* u16: 0 for a listener */
	KA_SOCKET_A_STATE,	/* u8: TCP_ESTABLISHED (1) ... TCP_LISTEN (10) */
	KA_SOCKET_A_KEEPALIVE,	/* u8: 1 when SO_KEEPALIVE is on */
	KA_SOCKET_A_IDLE,	/* u32: seconds, TCP_KEEPIDLE; 0: unset */
	KA_SOCKET_A_INTVL,	/* u32: seconds, TCP_KEEPINTVL; 0: unset */
	KA_SOCKET_A_CNT,	/* u32: TCP_KEEPCNT; 0: unset */
	KA_SOCKET_A_USER_TIMEOUT, /* u32: ms, TCP_USER_TIMEOUT; 0: none */
	/* u32: seconds, IDLE or, when 0, net.ipv4.tcp_keepalive_time */
	KA_SOCKET_A_IDLE_EFFECTIVE,
	/* u32: seconds, INTVL or, when 0, net.ipv4.tcp_keepalive_intvl */
	KA_SOCKET_A_INTVL_EFFECTIVE,
	/* u32: CNT or, when 0, net.ipv4.tcp_keepalive_probes */
	KA_SOCKET_A_CNT_EFFECTIVE,
	/* u32: ms until the keepalive timer runs; absent: not pending */
	KA_SOCKET_A_TIMER,
	KA_SOCKET_A_PROBES,	/* u8: unanswered probes sent (icsk_probes_out) */
	KA_SOCKET_A_CGROUP_ID,	/* u64: the socket's cgroup v2 */
	/* string: its path, relative to the reader's cgroup namespace */
	KA_SOCKET_A_CGROUP_PATH,
	/* flag: the cgroup lies outside the reader's cgroup namespace */
	KA_SOCKET_A_CGROUP_HIDDEN,
	KA_SOCKET_A_INODE,	/* u64: the socket's inode, 0: no file */
	KA_SOCKET_A_UID,	/* u32: its owner, in the reader's user namespace */
	KA_SOCKET_A_SOURCE,	/* u8: enum ka_socket_source */
	/* u8: enum ka_dir the policy was applied in (IN or OUT); absent: none */
	KA_SOCKET_A_DIR,
	/*
	 * nest: KA_POLICY_A_*, the selector of the policy applied, as it
	 * is now: replacing a policy by selector keeps it (its action:
	 * KA_CMD_POLICY_GET)
	 */
	KA_SOCKET_A_POLICY,

	__KA_SOCKET_A_MAX,
	KA_SOCKET_A_MAX = __KA_SOCKET_A_MAX - 1
};

/*
 * Notifications (KA_CMD_EVENT) go to the multicast group named here, per
 * network namespace; joining it needs CAP_NET_ADMIN over the user
 * namespace that owns the network namespace. On a kernel that cannot
 * restrict who joins, the family has no group (KA_FEATURE_EVENTS missing).
 */
#define KA_MCGRP_EVENTS		"events"

/* What happened (KA_EVENT_A_TYPE). */
enum ka_event_type {
	KA_EVENT_TIMEOUT,	/* keepalive gave up: the peer is dead */
};

/* One event, inside KA_A_EVENT. */
enum ka_event_attr {
	KA_EVENT_A_UNSPEC,
	KA_EVENT_A_PAD,
	KA_EVENT_A_TYPE,	/* u8: enum ka_event_type */
	KA_EVENT_A_FAMILY,	/* u8: AF_INET or AF_INET6 */
	KA_EVENT_A_LOCAL_ADDR,	/* binary: 4 or 16 bytes, network order */
	KA_EVENT_A_REMOTE_ADDR,	/* binary: 4 or 16 bytes, network order */
	KA_EVENT_A_LOCAL_PORT,	/* u16 */
	KA_EVENT_A_REMOTE_PORT,	/* u16 */
	KA_EVENT_A_CGROUP_ID,	/* u64: the socket's cgroup v2 */
	/* u8: enum ka_dir IN or OUT: a policy was applied on accept or connect */
	KA_EVENT_A_DIR,
	/*
	 * nest: KA_POLICY_A_* selector of the policy the socket follows;
	 * absent: none. A cgroup path is from the hierarchy's root, or
	 * KA_POLICY_A_CGROUP_HIDDEN in a namespace of another user namespace
	 */
	KA_EVENT_A_POLICY,
	/*
	 * The keepalive settings in force, in KA_SOCKET_A_*'s units: the
	 * same values as KA_SOCKET_A_{IDLE,INTVL,CNT}_EFFECTIVE and
	 * KA_SOCKET_A_USER_TIMEOUT of the socket
	 */
	KA_EVENT_A_IDLE,	/* u32: seconds */
	KA_EVENT_A_INTVL,	/* u32: seconds */
	KA_EVENT_A_CNT,		/* u32 */
	KA_EVENT_A_USER_TIMEOUT, /* u32: ms, TCP_USER_TIMEOUT; 0: none */
	KA_EVENT_A_PROBES,	/* u8: unanswered probes sent (icsk_probes_out) */
	KA_EVENT_A_SILENT_MS,	/* u32: how long the peer had been silent */
	KA_EVENT_A_UID,		/* u32: socket owner, in the netns's user ns */
	KA_EVENT_A_INODE,	/* u64: socket inode (as ss -e); absent: orphaned */
	/*
	 * u64: ms since the connection was made (connect or accept);
	 * absent: unknown, as for one made while nobody listened
	 */
	KA_EVENT_A_LIFETIME_MS,

	__KA_EVENT_A_MAX,
	KA_EVENT_A_MAX = __KA_EVENT_A_MAX - 1
};

/*
 * What one step of KA_CMD_EXISTING_APPLY did (KA_A_EXISTING_RESULT, one
 * per message of the dump; the walk's totals are their sums): u32 counts
 * of sockets, unless said otherwise. matched = changed + the SKIP_*
 * counts.
 */
enum ka_existing_attr {
	KA_EXISTING_A_UNSPEC,
	KA_EXISTING_A_PAD,
	KA_EXISTING_A_SOCKETS,	/* every TCP socket of the namespace looked at */
	/* its policy (the selector's, if given) is not an exemption */
	KA_EXISTING_A_MATCHED,
	KA_EXISTING_A_CHANGED,	/* matched, and its keepalive settings changed */
	KA_EXISTING_A_SKIP_APPLICATION,	/* the application's own settings */
	KA_EXISTING_A_SKIP_KEEPALIVE_OFF, /* the application's SO_KEEPALIVE=0 */
	KA_EXISTING_A_SKIP_UNCHANGED,	/* had the policy's settings already */
	KA_EXISTING_A_SKIP_LISTENER,	/* a listening socket */
	KA_EXISTING_A_SKIP_CLOSED,	/* closed or closing */
	KA_EXISTING_A_SKIP_MPTCP,	/* an MPTCP subflow */
	KA_EXISTING_A_EXEMPT,	/* its policy is an exemption: left alone */
	KA_EXISTING_A_TIME_US,	/* u64: how long the step took, microseconds */

	__KA_EXISTING_A_MAX,
	KA_EXISTING_A_MAX = __KA_EXISTING_A_MAX - 1
};

/*
 * One kernel function the module hooks, inside KA_A_HOOK. MISSED counts
 * its calls, since the module was loaded, that the kernel's kprobes did
 * not hand to the module: a kprobe handler (the module's or a tracer's)
 * was running on that CPU, a softirq having interrupted it, or a return
 * hook had no free instance; in any namespace. Each is an event the
 * module did not see: a connection left without its policy, a probe or
 * a timeout not counted.
 */
enum ka_hook_attr {
	KA_HOOK_A_UNSPEC,
	KA_HOOK_A_PAD,
	KA_HOOK_A_NAME,		/* string: the kernel function */
	KA_HOOK_A_MISSED,	/* u64 */

	__KA_HOOK_A_MAX,
	KA_HOOK_A_MAX = __KA_HOOK_A_MAX - 1
};

#endif /* _UAPI_LINUX_KA_POLICY_H */
