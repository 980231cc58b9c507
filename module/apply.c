// SPDX-License-Identifier: GPL-2.0
/*
 * Applying a policy to a socket, and accounting the keepalive events that
 * follow.
 *
 * ka_apply() runs when a socket comes into being: in tcp_connect() for an
 * outgoing connection (process context, socket lock owned by the caller)
 * and in inet_csk_clone_lock() for an accepted one (softirq, the child is
 * bh-locked and not yet hashed). Both callers own the socket, so the
 * keepalive fields are written directly, with WRITE_ONCE for the lockless
 * readers (ss, getsockopt). The kernel arms the keepalive timer itself
 * right after (tcp_finish_connect, tcp_create_openreq_child) when
 * SOCK_KEEPOPEN is set, so no timer call is needed here.
 *
 * The decision is per field. In default mode a policy fills in what the
 * application left unset (zero means unset: sk_alloc zeroes the socket)
 * and honours an explicit SO_KEEPALIVE=0; in force mode the fields the
 * policy sets replace the application's. Fields the policy does not set
 * are never touched.
 *
 * Which sockets: an application's TCP sockets. Kernel sockets, made by
 * sock_create_kern() (sk_kern_sock, set by sk_alloc() and copied to
 * accepted children by sock_copy()), are neither touched nor counted,
 * including those that hold a reference on their network namespace as a
 * user socket does (sk_net_refcnt: sunrpc's, SMC's clcsock, RDS-TCP's,
 * which chose their own keepalive and TCP_USER_TIMEOUT). sk_net_refcnt
 * is still required of every socket looked at: per-namespace state is
 * read only for a socket that keeps its namespace alive (an
 * application's always does). MPTCP subflows are not managed either. A
 * plain TCP client's connection to an MPTCP listener is: the kernel has
 * turned the child back into TCP (subflow_ulp_clone()) before the accept
 * hook, and it is the application's own TCP socket once accepted, but it
 * still carries the listener subflow's sk_kern_sock then
 * (mptcp_stream_accept() clears it), so its request tells
 * (rsk_is_mptcp(): a request to an MPTCP listener, syncookies too).
 */

#include <linux/cgroup.h>
#include <net/inet_connection_sock.h>
#include <net/mptcp.h>
#include <net/tcp.h>

#include "apply.h"
#include "netns.h"

/* One field: set it to value when the policy has it and may write it. */
static bool fill(u32 *field, u32 value, bool policy_sets, bool force)
{
	if (!policy_sets || (*field && !force) || *field == value)
		return false;
	*field = value;
	return true;
}

enum ka_verdict ka_decide(const struct ka_action *act,
			  struct ka_sock_state *st)
{
	bool force = act->mode == KA_MODE_FORCE, changed = false;

	if (st->app_off && !force)
		return KA_SKIP;
	if (!st->keepopen) {
		st->keepopen = true;
		changed = true;
	}
	changed |= fill(&st->time, act->idle_jiffies, act->idle_s, force);
	changed |= fill(&st->intvl, act->intvl_jiffies, act->intvl_s, force);
	changed |= fill(&st->probes, act->cnt, act->cnt, force);
	changed |= fill(&st->user_timeout, act->user_timeout_ms,
			act->has_user_timeout, force);
	return changed || force ? KA_APPLY : KA_SKIP;
}

/*
 * An application's TCP socket (see the header). req: an accepted
 * socket's request, NULL for one that connects.
 */
static bool ka_sock_is_managed(const struct sock *sk,
			       const struct request_sock *req)
{
	if (sk->sk_protocol != IPPROTO_TCP || sk->sk_type != SOCK_STREAM ||
	    !sk->sk_net_refcnt || sk_is_mptcp(sk))
		return false;
	/* TCP under an MPTCP listener: the application's (see the header). */
	if (req && rsk_is_mptcp(req))
		return true;
	return !sk->sk_kern_sock;
}

/*
 * Under rcu_read_lock(). The table is read once: a replace running now
 * gives this socket the old set or the new one, never parts of both.
 */
static const struct ka_policy *ka_match(struct ka_net *kn, struct sock *sk,
					u8 dir)
{
	const struct ka_table *t = ka_table_rcu(kn);
	const struct inet_sock *inet = inet_sk(sk);
	struct cgroup *cgrp = NULL;
	u16 port;

	port = dir == KA_DIR_IN ? inet->inet_num : ntohs(inet->inet_dport);
	if (ka_table_wants_cgroups(t))
		cgrp = sock_cgroup_ptr(&sk->sk_cgrp_data);
	return ka_policy_lookup(t, dir, port, cgrp);
}

void ka_apply(struct sock *sk, const struct request_sock *req, u8 dir)
{
	struct inet_connection_sock *icsk = inet_csk(sk);
	struct tcp_sock *tp = tcp_sk(sk);
	const struct ka_policy *p;
	struct ka_sock_state st;
	struct ka_net *kn;
	enum ka_counter idx;

	/*
	 * The marks must stay clear of every kernel flag: KA_SOCK_FLAG_LAST
	 * is the last enumerator of this kernel's enum sock_flags, read by
	 * conftest.sh when the module is built.
	 */
	BUILD_BUG_ON(KA_SOCK_FLAG_LAST >= KA_SK_APPLIED_OUT);

	if (!ka_sock_is_managed(sk, req))
		return;
	/* A child inherits its listener's flags; a reconnect starts over. */
	__clear_bit(KA_SK_APPLIED_IN, &sk->sk_flags);
	__clear_bit(KA_SK_APPLIED_OUT, &sk->sk_flags);

	kn = ka_net(sock_net(sk));
	rcu_read_lock();
	p = ka_match(kn, sk, dir);
	if (!p || p->act.off)
		goto out;

	st.keepopen = sock_flag(sk, SOCK_KEEPOPEN);
	st.app_off = test_bit(KA_SK_APP_KEEPALIVE_OFF, &sk->sk_flags);
	st.time = tp->keepalive_time;
	st.intvl = tp->keepalive_intvl;
	st.probes = tp->keepalive_probes;
	st.user_timeout = icsk->icsk_user_timeout;

	if (ka_decide(&p->act, &st) == KA_APPLY) {
		WRITE_ONCE(tp->keepalive_time, st.time);
		WRITE_ONCE(tp->keepalive_intvl, st.intvl);
		WRITE_ONCE(tp->keepalive_probes, st.probes);
		WRITE_ONCE(icsk->icsk_user_timeout, st.user_timeout);
		sock_set_flag(sk, SOCK_KEEPOPEN);
		__set_bit(dir == KA_DIR_IN ? KA_SK_APPLIED_IN : KA_SK_APPLIED_OUT,
			  &sk->sk_flags);
		idx = KA_CNT_APPLIED;
	} else {
		idx = KA_CNT_SKIPPED;
	}
	ka_counters_inc(p->stats, idx);
	ka_counters_inc(kn->totals, idx);
out:
	rcu_read_unlock();
}

/*
 * A keepalive event on sk: counted in the namespace totals and, when a
 * policy was applied to sk, in the policy that matches it now (policies
 * are named by their selector, so a replaced policy keeps counting).
 */
void ka_account(struct sock *sk, enum ka_counter idx)
{
	const struct ka_policy *p;
	struct ka_net *kn;
	u8 dir;

	if (!ka_sock_is_managed(sk, NULL))
		return;
	kn = ka_net(sock_net(sk));
	ka_counters_inc(kn->totals, idx);

	if (test_bit(KA_SK_APPLIED_IN, &sk->sk_flags))
		dir = KA_DIR_IN;
	else if (test_bit(KA_SK_APPLIED_OUT, &sk->sk_flags))
		dir = KA_DIR_OUT;
	else
		return;
	rcu_read_lock();
	p = ka_match(kn, sk, dir);
	if (p && !p->act.off)
		ka_counters_inc(p->stats, idx);
	rcu_read_unlock();
}
