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
 * read only for a socket that keeps its namespace alive. An
 * application's socket always does; it matters for MPTCP subflows,
 * kernel sockets that hold their namespace too.
 *
 * MPTCP is not managed: the application's socket is the MPTCP one, which
 * never passes through these hooks, and the TCP connections under it are
 * subflows the kernel makes and ends, whose settings the MPTCP socket
 * copies to them (mptcp_sockopt_sync()): a value written on a subflow
 * would be neither what the application reads nor kept. A subflow that
 * a policy matches, connected or accepted, is counted as skipped, in the
 * policy and the totals, so that it shows: one per subflow. An MPTCP
 * client's first subflow counts even when the peer turns out to speak
 * only TCP (the kernel learns it after tcp_connect()). A plain TCP
 * client's connection to an MPTCP listener is managed: the kernel has
 * turned the child back into TCP (subflow_ulp_clone()) before the accept
 * hook, and it is the application's own TCP socket once accepted, but it
 * still carries the listener subflow's sk_kern_sock then
 * (mptcp_stream_accept() clears it), so its request tells
 * (rsk_is_mptcp(): a request to an MPTCP listener, syncookies too).
 *
 * A socket may connect() again, after a failed attempt or after
 * connect(AF_UNSPEC), and ka_apply() runs again. What an earlier policy
 * wrote must not pass for the application's own settings then, so the
 * socket carries one mark per setting ka_policy wrote (KA_SK_OURS in
 * apply.h); the application's own setsockopt() of a setting clears its
 * mark (ka_app_sets(), from the tcp_setsockopt() and tcp_set_keepalive()
 * hooks): the setting is the application's again. Every time, ka_undo()
 * first takes back what the marks name (the setting back to unset,
 * SO_KEEPALIVE off again if ka_policy turned it on), then the policy that
 * matches now decides, as for a new socket; with no policy, or an
 * exemption, the socket is left with the application's own settings. An
 * accepted child inherits its listener's marks and settings and is
 * undone the same way (a listener that had connected before).
 *
 * In force mode a policy overwrites the application's value, and that
 * value is kept nowhere: undoing the policy's write leaves the setting
 * unset (the namespace's sysctl applies), not at what the application
 * had set before. A force policy whose value equals the application's
 * writes nothing, and the value stays the application's. SO_KEEPALIVE
 * is exact: off again when ka_policy turned it on.
 *
 * The marks are cleared when tcp_setsockopt() is entered, before the
 * kernel checks the value and takes the socket lock, with an atomic bit
 * operation (the kernel's own sk_flags updates, under the lock, are
 * never lost to it, nor it to ka_policy's writes of its marks, which
 * are atomic too: ka_sk_flags_assign()). So a value the kernel refuses
 * also makes the setting the application's (it keeps ka_policy's value, as if the
 * application had set it), and a setsockopt() racing a connect() of the
 * same socket from another thread may see its mark set again. A BPF
 * program's bpf_setsockopt() does not pass through tcp_setsockopt(): a
 * value it writes over one of ka_policy's is undone on a reconnect.
 *
 * Which policy was applied is recorded in the socket, as the policy's id
 * (policy.h) next to the direction marks, not re-matched later: a more
 * specific policy added since must not take over the socket's counters
 * (ka_account()) nor its line in kactl sockets. The id is written here,
 * where the socket is owned, and read locklessly; an id whose policy was
 * deleted finds nothing.
 */

#include <linux/cgroup.h>
#include <net/inet_connection_sock.h>
#include <net/mptcp.h>
#include <net/tcp.h>

#include "apply.h"
#include "netns.h"

/* One field: set it to value when the policy has it and may write it. */
static bool fill(struct ka_sock_state *st, enum ka_field f, u32 *field,
		 u32 value, bool policy_sets, bool force)
{
	if (!policy_sets || (*field && !force) || *field == value)
		return false;
	*field = value;
	st->ours |= BIT(f);
	return true;
}

/*
 * Takes back what ka_policy wrote (st->ours): those fields become unset,
 * and keepalive goes off if ka_policy turned it on. True when there was
 * anything to take back.
 */
bool ka_undo(struct ka_sock_state *st)
{
	u8 ours = st->ours;

	if (!ours)
		return false;
	if (ours & BIT(KA_F_KEEPOPEN))
		st->keepopen = false;
	if (ours & BIT(KA_F_IDLE))
		st->idle_jiffies = 0;
	if (ours & BIT(KA_F_INTVL))
		st->intvl_jiffies = 0;
	if (ours & BIT(KA_F_CNT))
		st->probes = 0;
	if (ours & BIT(KA_F_USER_TIMEOUT))
		st->user_timeout_ms = 0;
	st->ours = 0;
	return true;
}

/* Adds what it writes to st->ours. */
enum ka_verdict ka_decide(const struct ka_action *act,
			  struct ka_sock_state *st)
{
	bool force = act->mode == KA_MODE_FORCE, changed = false;

	if (st->app_off && !force)
		return KA_SKIP;
	if (!st->keepopen) {
		st->keepopen = true;
		st->ours |= BIT(KA_F_KEEPOPEN);
		changed = true;
	}
	changed |= fill(st, KA_F_IDLE, &st->idle_jiffies, act->idle_jiffies,
			act->idle_s, force);
	changed |= fill(st, KA_F_INTVL, &st->intvl_jiffies, act->intvl_jiffies,
			act->intvl_s, force);
	changed |= fill(st, KA_F_CNT, &st->probes, act->cnt, act->cnt, force);
	changed |= fill(st, KA_F_USER_TIMEOUT, &st->user_timeout_ms,
			act->user_timeout_ms, act->has_user_timeout, force);
	return changed || force ? KA_APPLY : KA_SKIP;
}

/* req: an accepted socket's request, NULL for one that connects. */
enum ka_sock_kind ka_sock_kind(const struct sock *sk,
			       const struct request_sock *req)
{
	if (sk->sk_protocol != IPPROTO_TCP || sk->sk_type != SOCK_STREAM ||
	    !sk->sk_net_refcnt)
		return KA_SOCK_FOREIGN;
	/* Before sk_kern_sock: every subflow is made by sock_create_kern(). */
	if (sk_is_mptcp(sk))
		return KA_SOCK_MPTCP;
	/* TCP under an MPTCP listener: the application's (see the header). */
	if (req && rsk_is_mptcp(req))
		return KA_SOCK_APP;
	return sk->sk_kern_sock ? KA_SOCK_FOREIGN : KA_SOCK_APP;
}

/*
 * Under rcu_read_lock(). The table is read once: a replace running now
 * gives this socket the old set or the new one, never parts of both.
 * NULL for no policy; exemptions included.
 */
const struct ka_policy *ka_lookup(struct ka_net *kn, struct sock *sk, u8 dir)
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

/* ka_lookup() without exemptions. */
static const struct ka_policy *ka_match(struct ka_net *kn, struct sock *sk,
					u8 dir)
{
	const struct ka_policy *p = ka_lookup(kn, sk, dir);

	return p && !p->act.off ? p : NULL;
}

void ka_count(struct ka_net *kn, const struct ka_policy *p,
	      enum ka_counter_id idx)
{
	ka_policy_counters_inc(p->stats, idx);
	ka_counters_inc(kn->totals, idx);
}

#define KA_SK_POLICY_ID_MASK	((unsigned long)KA_POLICY_ID_MAX << KA_SK_POLICY_ID)

/*
 * Replaces the bits of mask in sk_flags with val's. The caller owns sk,
 * so the kernel's own sk_flags updates cannot run meanwhile; but
 * ka_app_sets() clears a KA_SK_OURS bit without the socket lock (from
 * tcp_setsockopt() of another thread), and a plain read-modify-write
 * here could undo that clear: an atomic compare-and-exchange, and none
 * at all when nothing changes.
 */
static void ka_sk_flags_assign(struct sock *sk, unsigned long mask,
			       unsigned long val)
{
	unsigned long old, cur = READ_ONCE(sk->sk_flags);

	do {
		old = cur;
		if ((old & mask) == val)
			return;
		cur = cmpxchg(&sk->sk_flags, old, (old & ~mask) | val);
	} while (cur != old);
}

static u32 ka_sk_policy_id(const struct sock *sk)
{
	return (READ_ONCE(sk->sk_flags) & KA_SK_POLICY_ID_MASK) >>
	       KA_SK_POLICY_ID;
}

/*
 * What sk records of the policy applied to it: the direction and the
 * policy's id, or nothing (p NULL). The caller owns sk.
 */
void ka_sock_mark_applied(struct sock *sk, const struct ka_policy *p, u8 dir)
{
	unsigned long val = 0;

	if (p)
		val = BIT(dir == KA_DIR_IN ? KA_SK_APPLIED_IN : KA_SK_APPLIED_OUT) |
		      (unsigned long)p->id << KA_SK_POLICY_ID;
	ka_sk_flags_assign(sk, BIT(KA_SK_APPLIED_IN) | BIT(KA_SK_APPLIED_OUT) |
			   KA_SK_POLICY_ID_MASK, val);
}

static u8 ka_sk_ours(const struct sock *sk)
{
	return (sk->sk_flags >> KA_SK_OURS) & KA_F_ALL;
}

void ka_sock_read(const struct sock *sk, struct ka_sock_state *st)
{
	const struct inet_connection_sock *icsk = inet_csk(sk);
	const struct tcp_sock *tp = tcp_sk(sk);

	st->keepopen = sock_flag(sk, SOCK_KEEPOPEN);
	st->app_off = test_bit(KA_SK_APP_KEEPALIVE_OFF, &sk->sk_flags);
	st->idle_jiffies = tp->keepalive_time;
	st->intvl_jiffies = tp->keepalive_intvl;
	st->probes = tp->keepalive_probes;
	st->user_timeout_ms = icsk->icsk_user_timeout;
	st->ours = ka_sk_ours(sk);
}

void ka_sock_write(struct sock *sk, const struct ka_sock_state *st)
{
	struct inet_connection_sock *icsk = inet_csk(sk);
	struct tcp_sock *tp = tcp_sk(sk);

	WRITE_ONCE(tp->keepalive_time, st->idle_jiffies);
	WRITE_ONCE(tp->keepalive_intvl, st->intvl_jiffies);
	WRITE_ONCE(tp->keepalive_probes, st->probes);
	WRITE_ONCE(icsk->icsk_user_timeout, st->user_timeout_ms);
	/* Atomic, as every sk_flags write of ours (ka_sk_flags_assign()). */
	assign_bit(SOCK_KEEPOPEN, &sk->sk_flags, st->keepopen);
	ka_sk_flags_assign(sk, (unsigned long)KA_F_ALL << KA_SK_OURS,
			   (unsigned long)st->ours << KA_SK_OURS);
}

/*
 * The decision, shared by ka_apply() and --existing (existing.c): st is
 * read from sk, what ka_policy wrote is taken back, then act (NULL: no
 * policy, or an exemption) decides. *verdict is act's (KA_SKIP without
 * one). True when st is to be written back with ka_sock_write(). The
 * caller owns sk.
 */
bool ka_sock_decide(struct sock *sk, const struct ka_action *act,
		    struct ka_sock_state *st, enum ka_verdict *verdict)
{
	bool changed;

	ka_sock_read(sk, st);
	changed = ka_undo(st);
	*verdict = act ? ka_decide(act, st) : KA_SKIP;
	return changed || *verdict == KA_APPLY;
}

void ka_apply(struct sock *sk, const struct request_sock *req, u8 dir)
{
	enum ka_sock_kind kind = ka_sock_kind(sk, req);
	const struct ka_policy *p;
	enum ka_verdict verdict;
	struct ka_sock_state st;
	struct ka_net *kn;
	bool changed;

	/*
	 * The marks must stay clear of every kernel flag: KA_SOCK_FLAG_LAST
	 * is the last enumerator of this kernel's enum sock_flags, read by
	 * conftest.sh when the module is built.
	 */
	BUILD_BUG_ON(KA_SOCK_FLAG_LAST >= KA_SK_OURS);
	BUILD_BUG_ON(KA_SOCK_FLAG_LAST >= KA_SK_POLICY_ID);
	BUILD_BUG_ON(KA_SOCK_FLAG_LAST >= KA_SK_BORN);

	if (kind == KA_SOCK_FOREIGN)
		return;
	/* A child inherits its listener's flags; a reconnect starts over. */
	ka_sock_mark_applied(sk, NULL, dir);

	kn = ka_net(sock_net(sk));
	rcu_read_lock();
	p = ka_match(kn, sk, dir);
	if (kind == KA_SOCK_MPTCP) {
		if (p)
			ka_count(kn, p, KA_CNT_SKIPPED);
		goto out;
	}
	/* Nothing to take back and nothing to decide: the common case. */
	if (!p && !ka_sk_ours(sk))
		goto out;

	changed = ka_sock_decide(sk, p ? &p->act : NULL, &st, &verdict);
	if (p) {
		if (verdict == KA_APPLY) {
			ka_sock_mark_applied(sk, p, dir);
			ka_count(kn, p, KA_CNT_APPLIED);
		} else {
			ka_count(kn, p, KA_CNT_SKIPPED);
		}
	}
	if (changed)
		ka_sock_write(sk, &st);
out:
	rcu_read_unlock();
}

/*
 * The application sets field itself: from now on it is the
 * application's, whoever wrote it before. An atomic operation, as sk may
 * not be locked yet (see the header).
 */
void ka_app_sets(struct sock *sk, enum ka_field field)
{
	if (test_bit(KA_SK_OURS + field, &sk->sk_flags))
		clear_bit(KA_SK_OURS + field, &sk->sk_flags);
}

u8 ka_sock_applied_dir(const struct sock *sk)
{
	if (test_bit(KA_SK_APPLIED_IN, &sk->sk_flags))
		return KA_DIR_IN;
	if (test_bit(KA_SK_APPLIED_OUT, &sk->sk_flags))
		return KA_DIR_OUT;
	return KA_DIR_BOTH;
}

bool ka_sock_is_app(const struct sock *sk)
{
	return ka_sock_kind(sk, NULL) == KA_SOCK_APP;
}

/*
 * The policy applied to sk, by the id stamped at ka_apply(): the policy
 * of that selector now (a replaced policy is still the one, as for its
 * counters), whatever policies were added since. NULL when none was
 * applied, or that policy was deleted (then *deleted is set).
 */
const struct ka_policy *ka_sock_policy(struct sock *sk, bool *deleted)
{
	const struct ka_policy *p;

	if (deleted)
		*deleted = false;
	if (ka_sock_applied_dir(sk) == KA_DIR_BOTH)
		return NULL;
	p = ka_policy_by_id(ka_net(sock_net(sk)), ka_sk_policy_id(sk));
	if (!p && deleted)
		*deleted = true;
	return p;
}

bool ka_sock_counted(const struct sock *sk)
{
	return ka_sock_kind(sk, NULL) == KA_SOCK_APP;
}

/*
 * A keepalive event on sk: counted in the namespace totals and, when a
 * policy was applied to sk, in that policy (ka_sock_policy()).
 */
void ka_account(struct sock *sk, enum ka_counter_id idx)
{
	const struct ka_policy *p;

	if (ka_sock_kind(sk, NULL) != KA_SOCK_APP)
		return;
	ka_counters_inc(ka_net(sock_net(sk))->totals, idx);
	rcu_read_lock();
	p = ka_sock_policy(sk, NULL);
	/* Replaced by an exemption of the same selector: counts no more. */
	if (p && !p->act.off)
		ka_policy_counters_inc(p->stats, idx);
	rcu_read_unlock();
}
