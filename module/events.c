// SPDX-License-Identifier: GPL-2.0
/*
 * Events: a dead peer reported as it happens, to `kactl monitor`.
 *
 * When keepalive gives up on a connection (hooks.c sees the reset the
 * keepalive timer sends, where it counts "timeouts"), one KA_CMD_EVENT
 * message with a KA_A_EVENT nest goes to the family's multicast group
 * "events" in the socket's network namespace (genlmsg_multicast_netns():
 * each namespace has its own generic netlink socket, so a listener hears
 * its own namespace only).
 *
 * Who may listen: a process with CAP_NET_ADMIN over the user namespace
 * that owns the network namespace, as for changing policies: an event
 * names addresses, ports, cgroups and owners of other users' sockets.
 * The kernel enforces it when the listener joins the group (genl_bind():
 * EPERM), from the group's flags: GENL_MCAST_CAP_NET_ADMIN where the
 * kernel defines it (6.1.y, 6.12, 7.x), GENL_UNS_ADMIN_PERM on 5.10.y,
 * whose stable backport of the same fix (Dec 2023, with the group's
 * cap_sys_admin bit, conftest/genl_mcgrp_cap_sys_admin.c) reads that
 * flag. Chosen over a subscribe op with unicast to registered portids
 * because the tests show 5.10.0-32 enforces it (tests/integration/
 * monitor.sh: a non-root user and a user namespace's root get EPERM and
 * no events, on every kernel of the matrix). A kernel with neither would
 * hand every user every namespace's events: there (KA_EVENTS 0, compat.h)
 * the family has no group, ka_events_start() says so in the kernel log,
 * and ka_event_timeout() compiles to nothing, so that no event is ever
 * built; the version reply names KA_FEATURE_EVENTS missing.
 *
 * The message is built and sent in the probe handler, in softirq with
 * the socket's spinlock held: GFP_ATOMIC, a bounded size (fixed
 * attributes plus at most one cgroup path of KA_CGROUP_PATH_MAX bytes:
 * under 1.5 KiB, a small allocation), nothing that sleeps, and
 * nothing at all unless someone listens (genl_has_listeners()). That
 * test is the whole machine's on every kernel (netlink keeps one mask of
 * joined groups per protocol, not per namespace): with a listener in
 * one namespace, the others build their events too, and the multicast
 * finds nobody there (-ESRCH). Telling namespaces apart would need a
 * subscribe command of kactl's own, as no kernel from 5.10 to 7.x tells
 * a family in which namespace a group was joined. Sending directly
 * rather than from a work item keeps the message exact (the socket is
 * about to be closed) and needs no queue to bound, flush and free at
 * namespace exit or unload.
 *
 * What is read, and why it is safe here: the 5-tuple, cgroup, uid and
 * keepalive fields of a socket the caller has locked; the policy under
 * RCU (ka_sock_policy()); the inode through sk->sk_socket, which only
 * sock_orphan() clears, under lock_sock() (tcp_close()), never while the
 * keepalive timer holds the spinlock of a socket no user owns, and the
 * inode lives as long as the struct socket (sock_i_ino() takes
 * sk_callback_lock instead, in a read_lock_bh() that 5.10 to 6.12 would
 * nest inside the socket spinlock here). A cgroup's path needs
 * cgroup_mutex, so the event carries the id and kactl finds the path.
 * How long the connection lived comes from lifetime.c, which notes when
 * each connection is made while someone listens (no kernel keeps it).
 * Not available: the process (timer context; kactl looks for the inode
 * in /proc/PID/fd, as ss -p does).
 *
 * Rate limit, per namespace: at most events_per_sec events in a window of
 * one second (0: no limit), so that a storm of dead peers costs the
 * softirq a bounded amount of work. An event that is not delivered to
 * every listener counts in the namespace's events_dropped: refused by the
 * rate limit, no memory for the message, or the receive queue of a
 * listener that set NETLINK_BROADCAST_ERROR full (netlink_broadcast()
 * returns ENOBUFS only for those; kactl monitor sets it). That
 * listener's next recv() fails with ENOBUFS too, and kactl monitor says
 * so. With one such listener, received + events_dropped = timeouts
 * while it listens. A namespace where nobody listens counts no drops:
 * an event refused by the rate limit or for memory counts only where
 * the last event sent reached a listener (event_heard). Right after a
 * spell without listeners, the first event sent may still be on its way
 * when another CPU refuses one: that one waits in event_unsure until the
 * sender knows whether it was heard, and is then counted or forgotten
 * (ka_event_settle(), ka_event_refused()).
 */

#include <linux/atomic.h>
#include <linux/cgroup.h>
#include <linux/ka_policy.h>
#include <linux/moduleparam.h>
#include <net/genetlink.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "apply.h"
#include "cgpath.h"
#include "events.h"
#include "lifetime.h"
#include "netlink.h"
#include "netns.h"
#include "policy.h"
#include "stats.h"

static unsigned int events_per_sec = 1000;
module_param(events_per_sec, uint, 0644);
MODULE_PARM_DESC(events_per_sec,
		 "Most timeout events sent per second and network namespace (0: no limit)");

/* The family is registered (main.c): groups have their numbers. */
static bool ka_events_on __read_mostly;

void ka_events_start(void)
{
	if (!KA_EVENTS) {
		pr_warn("this kernel cannot restrict who joins a generic netlink multicast group: no timeout events (kactl monitor)\n");
		return;
	}
	WRITE_ONCE(ka_events_on, true);
}

/* Probe handlers run with preemption off: an RCU grace period waits. */
void ka_events_stop(void)
{
	WRITE_ONCE(ka_events_on, false);
	synchronize_rcu();
}

/* Someone listens to net's events: genl_has_listeners() reads RCU. */
bool ka_events_listened(struct net *net)
{
	return KA_EVENTS && READ_ONCE(ka_events_on) &&
	       genl_has_listeners(&ka_genl_family, net, KA_MCGRP_IDX_EVENTS);
}

/*
 * A window of one second that starts with its first event. Lock-free:
 * two CPUs opening a window at once may let a few more through than
 * events_per_sec, never fewer. Kept with no limit too: a new window also
 * forgets the drops the last one left unsure (ka_event_settle()).
 */
static bool ka_event_allowed(struct ka_net *kn)
{
	unsigned int limit = READ_ONCE(events_per_sec);
	unsigned long now = jiffies, start;

	start = READ_ONCE(kn->event_window);
	if (time_after_eq(now, start + HZ) &&
	    cmpxchg(&kn->event_window, start, now) == start) {
		atomic_set(&kn->event_unsure, 0);
		atomic_set(&kn->event_count, 0);
	}
	return atomic_inc_return(&kn->event_count) <= limit || !limit;
}

/*
 * Whether the last event sent reached a listener, and the events refused
 * while that was not known. The sender stores event_heard, then reads
 * event_unsure (atomic_xchg() is fully ordered); a refusal increments
 * event_unsure, then reads event_heard (smp_mb__after_atomic()). Of two
 * stores each followed by a load of the other's location, at least one
 * load sees the other store: every refusal made while a listener was
 * being found is counted, by the sender or by the refusal itself.
 * Those a sender did not settle (refused just as one found nobody, or
 * after the last one of the window, where nobody was heard) wait until
 * the next window opens, which forgets them: a listener that comes
 * later is not charged with them.
 */
static void ka_event_settle(struct ka_net *kn, bool heard)
{
	int unsure;

	WRITE_ONCE(kn->event_heard, heard);
	unsure = atomic_xchg(&kn->event_unsure, 0);
	if (heard && unsure)
		ka_counters_add(kn->totals, KA_CNT_EVENTS_DROPPED, unsure);
}

static void ka_event_refused(struct ka_net *kn)
{
	if (READ_ONCE(kn->event_heard)) {
		ka_counters_inc(kn->totals, KA_CNT_EVENTS_DROPPED);
		return;
	}
	atomic_inc(&kn->event_unsure);
	/* Pairs with atomic_xchg() in ka_event_settle(): see above. */
	smp_mb__after_atomic();
	if (READ_ONCE(kn->event_heard)) {
		int unsure = atomic_xchg(&kn->event_unsure, 0);

		if (unsure)
			ka_counters_add(kn->totals, KA_CNT_EVENTS_DROPPED, unsure);
	}
}

/* The cgroup path a path selector follows, or NULL. Under RCU. */
static const char *ka_event_policy_path(const struct ka_policy *p)
{
	return p && p->cg.path ? p->cg.path->path : NULL;
}

/*
 * The message's size: fixed attributes, the selector and its cgroup
 * path, if any. Every u64 may need a pad attribute before it.
 */
static size_t ka_event_size(const char *path)
{
	size_t sel = nla_total_size(0) +		/* KA_EVENT_A_POLICY */
		     nla_total_size(0) +		/* DEFAULT or HIDDEN */
		     2 * nla_total_size(sizeof(u16)) +	/* ports */
		     nla_total_size(sizeof(u8)) +	/* dir */
		     nla_total_size_64bit(sizeof(u64));	/* cgroup id */

	if (path)
		sel += nla_total_size(strlen(path) + 1);
	return nla_total_size(0) +			/* KA_A_EVENT */
	       4 * nla_total_size(sizeof(u8)) +	/* type, family, dir, probes */
	       2 * nla_total_size(sizeof(struct in6_addr)) +
	       2 * nla_total_size(sizeof(u16)) +
	       3 * nla_total_size_64bit(sizeof(u64)) +	/* cgroup id, inode, */
							/* lifetime */
	       6 * nla_total_size(sizeof(u32)) +
	       sel;
}

/* The selector of the policy sk follows, as KA_POLICY_A_* attributes. */
static int ka_event_put_selector(struct sk_buff *skb, struct net *net,
				 const struct ka_policy *p, const char *path)
{
	const struct ka_selector *sel = &p->sel;
	struct nlattr *nest;

	nest = nla_nest_start(skb, KA_EVENT_A_POLICY);
	if (!nest || ka_policy_put_selector_ports(skb, sel))
		return -EMSGSIZE;
	/*
	 * The paths policies keep are absolute. A listener's cgroup
	 * namespace is unknown to a broadcast: a namespace of another
	 * user namespace (a container's) gets neither path nor id.
	 */
	if (sel->cgroup_id) {
		if (ka_net(net)->contained) {
			if (nla_put_flag(skb, KA_POLICY_A_CGROUP_HIDDEN))
				return -EMSGSIZE;
		} else if (path ? nla_put_string(skb, KA_POLICY_A_CGROUP_PATH, path) :
			   nla_put_u64_64bit(skb, KA_POLICY_A_CGROUP_ID,
					     sel->cgroup_id, KA_POLICY_A_PAD)) {
			return -EMSGSIZE;
		}
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int ka_event_put_addrs(struct sk_buff *skb, struct sock *sk)
{
	const struct inet_sock *inet = inet_sk(sk);

#if IS_ENABLED(CONFIG_IPV6)
	if (sk->sk_family == AF_INET6)
		return nla_put_in6_addr(skb, KA_EVENT_A_LOCAL_ADDR,
					&sk->sk_v6_rcv_saddr) ||
		       nla_put_in6_addr(skb, KA_EVENT_A_REMOTE_ADDR,
					&sk->sk_v6_daddr);
#endif
	return nla_put_in_addr(skb, KA_EVENT_A_LOCAL_ADDR, inet->inet_rcv_saddr) ||
	       nla_put_in_addr(skb, KA_EVENT_A_REMOTE_ADDR, inet->inet_daddr);
}

static int ka_event_fill(struct sk_buff *skb, struct sock *sk,
			 const struct ka_policy *p, const char *path)
{
	const struct inet_connection_sock *icsk = inet_csk(sk);
	const struct tcp_sock *tp = tcp_sk(sk);
	struct net *net = sock_net(sk);
	struct socket *sock;
	struct nlattr *nest;
	struct cgroup *cgrp;
	u64 lifetime;
	void *hdr;
	u8 dir;

	hdr = genlmsg_put(skb, 0, 0, &ka_genl_family, 0, KA_CMD_EVENT);
	if (!hdr)
		return -EMSGSIZE;
	nest = nla_nest_start(skb, KA_A_EVENT);
	if (!nest)
		return -EMSGSIZE;
	cgrp = sock_cgroup_ptr(&sk->sk_cgrp_data);
	if (nla_put_u8(skb, KA_EVENT_A_TYPE, KA_EVENT_TIMEOUT) ||
	    nla_put_u8(skb, KA_EVENT_A_FAMILY, sk->sk_family) ||
	    ka_event_put_addrs(skb, sk) ||
	    nla_put_u16(skb, KA_EVENT_A_LOCAL_PORT, inet_sk(sk)->inet_num) ||
	    nla_put_u16(skb, KA_EVENT_A_REMOTE_PORT,
			ntohs(inet_sk(sk)->inet_dport)) ||
	    nla_put_u64_64bit(skb, KA_EVENT_A_CGROUP_ID, cgroup_id(cgrp),
			      KA_EVENT_A_PAD))
		return -EMSGSIZE;
	dir = test_bit(KA_SK_APPLIED_IN, &sk->sk_flags) ? KA_DIR_IN :
	      test_bit(KA_SK_APPLIED_OUT, &sk->sk_flags) ? KA_DIR_OUT :
	      KA_DIR_BOTH;
	if (dir != KA_DIR_BOTH && nla_put_u8(skb, KA_EVENT_A_DIR, dir))
		return -EMSGSIZE;
	if (p && ka_event_put_selector(skb, net, p, path))
		return -EMSGSIZE;
	/* In the units and the rounding of the socket dump (sockets.c). */
	if (nla_put_u32(skb, KA_EVENT_A_IDLE, keepalive_time_when(tp) / HZ) ||
	    nla_put_u32(skb, KA_EVENT_A_INTVL, keepalive_intvl_when(tp) / HZ) ||
	    nla_put_u32(skb, KA_EVENT_A_CNT, keepalive_probes(tp)) ||
	    nla_put_u32(skb, KA_EVENT_A_USER_TIMEOUT,
			READ_ONCE(icsk->icsk_user_timeout)) ||
	    nla_put_u8(skb, KA_EVENT_A_PROBES, icsk->icsk_probes_out) ||
	    nla_put_u32(skb, KA_EVENT_A_SILENT_MS,
			jiffies_to_msecs(keepalive_time_elapsed(tp))) ||
	    nla_put_u32(skb, KA_EVENT_A_UID,
			from_kuid_munged(net->user_ns, READ_ONCE(sk->sk_uid))))
		return -EMSGSIZE;
	if (ka_lifetime_ms(sk, &lifetime) &&
	    nla_put_u64_64bit(skb, KA_EVENT_A_LIFETIME_MS, lifetime,
			      KA_EVENT_A_PAD))
		return -EMSGSIZE;
	/* Stable here: see the header. */
	sock = READ_ONCE(sk->sk_socket);
	if (sock && nla_put_u64_64bit(skb, KA_EVENT_A_INODE,
				      SOCK_INODE(sock)->i_ino, KA_EVENT_A_PAD))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	return 0;
}

void ka_event_timeout(struct sock *sk)
{
	struct net *net = sock_net(sk);
	const struct ka_policy *p;
	struct ka_net *kn;
	struct sk_buff *skb;
	const char *path;
	int ret;

	/* KA_EVENTS 0: no group to send to, and nothing else compiled. */
	if (!KA_EVENTS || !ka_sock_counted(sk) || !ka_events_listened(net))
		return;
	kn = ka_net(net);
	if (!ka_event_allowed(kn))
		goto drop;
	rcu_read_lock();
	p = ka_sock_policy(sk, NULL);
	path = ka_event_policy_path(p);
	skb = genlmsg_new(ka_event_size(path), GFP_ATOMIC);
	if (!skb) {
		rcu_read_unlock();
		goto drop;
	}
	ret = ka_event_fill(skb, sk, p, path);
	rcu_read_unlock();
	if (WARN_ON_ONCE(ret)) {	/* ka_event_size() is wrong */
		nlmsg_free(skb);
		goto drop;
	}
	/*
	 * Consumes skb. -ESRCH: no listener in this namespace (the gate
	 * above is the whole machine's); -ENOBUFS: one's queue was full.
	 */
	ret = genlmsg_multicast_netns(&ka_genl_family, net, skb, 0,
				      KA_MCGRP_IDX_EVENTS, GFP_ATOMIC);
	ka_event_settle(kn, ret != -ESRCH);
	if (ret && ret != -ESRCH)
		ka_counters_inc(kn->totals, KA_CNT_EVENTS_DROPPED);
	return;
drop:
	/* Lost for a listener here, if the last event sent had one. */
	ka_event_refused(kn);
}
