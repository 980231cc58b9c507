// SPDX-License-Identifier: GPL-2.0
/*
 * --existing: applying the policies to the TCP sockets that are open
 * already (kactl set/add --existing, load --replace --existing).
 *
 * The request's policy change is committed first, under kn->lock, and
 * that lock is released before the walk: the walk applies the policy set
 * that exists while it runs, as ka_apply() does for a new socket, so a
 * concurrent set, del or replace is neither blocked by it nor lost (a
 * socket gets the set before or after that change, never a mix: one
 * table read per socket, under rcu_read_lock()). Walks of one namespace
 * are serialized by kn->existing_lock, only so that two of them do not
 * fight over the same sockets and so that this CPU's suppression of the
 * tcp_set_keepalive() probe (below) needs no more than one slot per CPU.
 *
 * The walk (sockwalk.c) hands out up to KA_WALK_BATCH pinned sockets at
 * a time and holds no lock between steps: listeners first, then the
 * established table. Each socket, in process context:
 *  - lock_sock(); kernel sockets are left alone and not counted, MPTCP
 *    subflows are counted as skipped (apply.c, ka_sock_kind());
 *  - its direction: the one a policy was applied in, if any (the
 *    KA_SK_APPLIED_IN/OUT mark); else "in" when its local port has a
 *    listener in this namespace (a bitmap of the listening ports, filled
 *    in the walk's listener phase), else "out". The kernel records no
 *    direction: a connection made from a port that also listens is taken
 *    for an accepted one, and one accepted by a listener closed since is
 *    taken for an outgoing one;
 *  - rcu_read_lock(), ka_match() (one table read), then the decision of
 *    ka_apply(): ka_sock_decide() takes back what ka_policy wrote and lets
 *    the policy decide, default mode filling what the application left
 *    unset and honouring an SO_KEEPALIVE=0 it saw (KA_SK_APP_KEEPALIVE_OFF;
 *    a socket opened before the module was loaded carries no such mark),
 *    force mode overwriting; ka_sock_write() writes the fields and marks;
 *  - the keepalive timer, as setsockopt() would leave it: SO_KEEPALIVE
 *    off to on arms it through sk->sk_prot->keepalive(sk, 1), the body of
 *    sock_set_keepalive() without its lock_sock() (we hold the lock), and
 *    on to off stops it with keepalive(sk, 0). That function is the one
 *    hooks.c probes to learn of an application's SO_KEEPALIVE, so the
 *    call is made with preemption off and the socket in this CPU's
 *    ka_existing_sk, which the probe skips. Keepalive on before and after
 *    with another idle: the timer is re-armed for the new idle less the
 *    time the connection has been idle, as TCP_KEEPIDLE does
 *    (tcp_sock_set_keepidle_locked(), which is not exported; its
 *    exported wrapper takes the socket lock, and calling it after
 *    release_sock() would let it overwrite an application's TCP_KEEPIDLE
 *    set in between);
 *  - release_sock(), the reference dropped.
 * Only sockets that can still be kept alive are changed: established,
 * connecting, or with the peer's FIN in. Listening sockets are skipped:
 * their settings reach only their future children, which ka_apply()
 * decides at accept anyway. Closing and orphaned ones are skipped too (an
 * orphan's FIN_WAIT2 timeout runs on the keepalive timer).
 *
 * Counted as ka_apply() counts: a socket changed as "applied", a matched
 * one left as it was (the application's settings, SO_KEEPALIVE=0, already
 * the policy's, an MPTCP subflow) as "skipped", in the policy's and the
 * namespace's counters; listeners and closing sockets in the reply only.
 *
 * Cost: one bucket lock at a time (sockwalk.c), one socket lock at a
 * time, cond_resched() between batches; a fatal signal ends the walk
 * (the policy change stays). Module unload waits for a running walk:
 * genl_unregister_family() takes the genetlink lock that the request
 * holds for reading while its doit runs.
 */

#include <linux/bitmap.h>
#include <linux/ktime.h>
#include <linux/sched/signal.h>
#include <net/inet_connection_sock.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "apply.h"
#include "existing.h"
#include "netns.h"
#include "sockwalk.h"

DEFINE_PER_CPU(struct sock *, ka_existing_sk);

#define KA_PORTS	(U16_MAX + 1)

/* States in which a connection can still use keepalive. */
#define KA_EX_STATES	(TCPF_ESTABLISHED | TCPF_SYN_SENT | TCPF_SYN_RECV | \
			 TCPF_CLOSE_WAIT)

/* SO_KEEPALIVE through the kernel's own function, our probe told. */
static void ka_keepalive_switch(struct sock *sk, int on)
{
	preempt_disable();
	this_cpu_write(ka_existing_sk, sk);
	sk->sk_prot->keepalive(sk, on);
	this_cpu_write(ka_existing_sk, NULL);
	preempt_enable();
}

/* TCP_KEEPIDLE's re-arm: what is left of the new idle time. */
static void ka_keepalive_rearm(struct sock *sk)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	u32 when = keepalive_time_when(tp);
	u32 elapsed = keepalive_time_elapsed(tp);

	sk_reset_timer(sk, ka_keepalive_timer_of(sk),
		       jiffies + (when > elapsed ? when - elapsed : 0));
}

static bool ka_state_eq(const struct ka_sock_state *a,
			const struct ka_sock_state *b)
{
	return a->keepopen == b->keepopen &&
	       a->idle_jiffies == b->idle_jiffies &&
	       a->intvl_jiffies == b->intvl_jiffies &&
	       a->probes == b->probes &&
	       a->user_timeout_ms == b->user_timeout_ms &&
	       a->ours == b->ours;
}

static u8 ka_existing_dir(const struct sock *sk, const unsigned long *listening)
{
	if (test_bit(KA_SK_APPLIED_IN, &sk->sk_flags))
		return KA_DIR_IN;
	if (test_bit(KA_SK_APPLIED_OUT, &sk->sk_flags))
		return KA_DIR_OUT;
	return test_bit(inet_sk(sk)->inet_num, listening) ? KA_DIR_IN : KA_DIR_OUT;
}

/*
 * The policy's settings on one socket, locked by the caller, under
 * rcu_read_lock() (p is the table's). Returns the skip reason, or
 * KA_EX_SKIP_MAX when it changed the socket.
 */
static enum ka_existing_skip ka_existing_one(struct sock *sk,
					     const struct ka_policy *p, u8 dir)
{
	struct ka_sock_state old, st;
	enum ka_verdict verdict;

	ka_sock_read(sk, &old);
	if (!ka_sock_decide(sk, &p->act, &st, &verdict) ||
	    ka_state_eq(&old, &st)) {
		if (verdict == KA_APPLY)
			return KA_EX_SKIP_UNCHANGED;
		return st.app_off ? KA_EX_SKIP_KEEPALIVE_OFF :
				    KA_EX_SKIP_APPLICATION;
	}
	/* keepalive_time_when() in keepalive() reads the new idle. */
	ka_sock_write(sk, &st);
	ka_sock_mark_applied(sk, verdict == KA_APPLY ? p : NULL, dir);
	if (old.keepopen != st.keepopen) {
		/* keepalive(sk, 1) arms only while SOCK_KEEPOPEN is clear. */
		sock_reset_flag(sk, SOCK_KEEPOPEN);
		ka_keepalive_switch(sk, st.keepopen);
		sock_valbool_flag(sk, SOCK_KEEPOPEN, st.keepopen);
	} else if (st.keepopen && old.idle_jiffies != st.idle_jiffies) {
		ka_keepalive_rearm(sk);
	}
	return KA_EX_SKIP_MAX;
}

/* One pinned socket: locks it, decides, counts. */
static void ka_existing_sock(struct sock *sk, struct ka_net *kn,
			     const unsigned long *listening,
			     struct ka_existing_result *res)
{
	enum ka_existing_skip why;
	enum ka_sock_kind kind;
	const struct ka_policy *p;
	u8 dir;

	lock_sock(sk);
	kind = ka_sock_kind(sk, NULL);
	if (kind == KA_SOCK_FOREIGN)
		goto out;
	dir = sk->sk_state == TCP_LISTEN ? KA_DIR_IN :
	      ka_existing_dir(sk, listening);
	rcu_read_lock();
	p = ka_lookup(kn, sk, dir);
	if (!p)
		goto unlock;
	if (p->act.off) {
		res->exempt++;
		goto unlock;
	}
	res->matched++;
	if (sk->sk_state == TCP_LISTEN)
		why = KA_EX_SKIP_LISTENER;
	else if (!((1 << sk->sk_state) & KA_EX_STATES) ||
		 sock_flag(sk, SOCK_DEAD))
		why = KA_EX_SKIP_CLOSED;
	else if (kind == KA_SOCK_MPTCP)
		why = KA_EX_SKIP_MPTCP;
	else
		why = ka_existing_one(sk, p, dir);
	if (why == KA_EX_SKIP_MAX) {
		res->changed++;
		ka_count(kn, p, KA_CNT_APPLIED);
	} else {
		res->skipped[why]++;
		if (why != KA_EX_SKIP_LISTENER && why != KA_EX_SKIP_CLOSED)
			ka_count(kn, p, KA_CNT_SKIPPED);
	}
unlock:
	rcu_read_unlock();
out:
	release_sock(sk);
}

int ka_existing_apply(struct net *net, struct ka_existing_result *res)
{
	struct sock *socks[KA_WALK_BATCH];
	struct ka_net *kn = ka_net(net);
	struct ka_walk w = { };
	unsigned long *listening;
	unsigned int n, i;
	u64 start;
	int ret = 0;

	memset(res, 0, sizeof(*res));
	listening = bitmap_zalloc(KA_PORTS, GFP_KERNEL);
	if (!listening)
		return -ENOMEM;
	if (mutex_lock_killable(&kn->existing_lock)) {
		bitmap_free(listening);
		return -EINTR;
	}
	start = ktime_get_ns();
	while ((n = ka_walk_next(net, &w, socks))) {
		for (i = 0; i < n; i++) {
			/* Listeners come first: the bitmap is full before use. */
			if (socks[i]->sk_state == TCP_LISTEN)
				__set_bit(inet_sk(socks[i])->inet_num, listening);
			ka_existing_sock(socks[i], kn, listening, res);
		}
		res->sockets += n;
		ka_walk_put(socks, n);
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		cond_resched();
	}
	res->time_us = div_u64(ktime_get_ns() - start, NSEC_PER_USEC);
	mutex_unlock(&kn->existing_lock);
	bitmap_free(listening);
	return ret;
}
