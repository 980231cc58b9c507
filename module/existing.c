// SPDX-License-Identifier: GPL-2.0
/*
 * --existing: applying the policies to the TCP sockets that are open
 * already (kactl set/add --existing, load [--replace] --existing).
 *
 * kactl first makes the policy change (set, add or replace, each a
 * request of its own), then asks for the walk: KA_CMD_EXISTING_APPLY,
 * a netlink dump (netlink.c) whose every part is one step of this file's
 * walk and one message saying what that step did. The walk applies the
 * policy set that exists while it runs, as ka_apply() does for a new
 * socket, so a concurrent set, del or replace is neither blocked by it
 * nor lost (a socket gets the set before or after that change, never a
 * mix: one table read per socket, under rcu_read_lock()).
 *
 * Which sockets it acts on: with a selector (set and add), only those
 * whose best match (ka_lookup()) is the policy of that selector, the one
 * the command wrote; a socket another policy wins is left alone and not
 * counted, even when the written one matches it too. Without (load),
 * every socket a policy matches: the file is the whole set.
 *
 * Steps. One step takes at most KA_EXISTING_STEP_SOCKETS sockets, and
 * starts no batch after KA_EXISTING_STEP_US, whichever comes first. The
 * clock is read after every batch of the walk, an empty one too:
 * sockwalk.c returns none, the walk not over, after KA_WALK_BUCKETS
 * buckets without a socket of the namespace, so a step over a table of
 * millions of buckets, most of them empty for this namespace, ends in
 * about 5 ms as well, maybe having seen no socket; the walk goes on in
 * the next step. A step then returns, holding nothing: no genetlink lock
 * (the core holds its cb_lock for reading across the first part of a
 * dump, in the request's sendmsg(), which is why that part runs no step
 * (netlink.c), and none across the parts that each recvmsg() runs), no
 * namespace lock, no socket. Between steps the walk is struct
 * ka_existing_walk: the place in the hash tables (struct ka_walk,
 * positional, as inet_diag's) and the bitmap of listening ports. A walk
 * whose reader stops reading stays where it is, holding that memory
 * and a reference on the module (below), until its socket is closed:
 * so no lock may be kept across steps, not even one that serializes the
 * walks of a namespace (none is needed, below). The bounds keep each
 * part of the dump, which runs in the reader's recvmsg() under the
 * netlink socket's dump mutex, short, and each step's message prompt:
 * 1,024 sockets take about 7 ms in the emulated test VM on Debian's 6.1
 * (ka_policy.rst), where the 5 ms end most steps first.
 *
 * Nothing serializes walks: each socket is read, decided and written
 * under its own socket lock, so two walks (or a walk and the
 * application's setsockopt()) take turns on it, and the last one to lock
 * it decides from the policies as they are then. Two walks of one
 * namespace may run at once (two set --existing of different policies
 * touch different sockets). This CPU's suppression of the
 * tcp_set_keepalive() probe (below) needs one slot per CPU: it is used
 * with preemption off, so no other walk runs on this CPU meanwhile.
 *
 * The walk (sockwalk.c) hands out up to KA_WALK_BATCH pinned sockets at
 * a time and holds no lock between batches: listeners first, then the
 * established table. Each socket, in process context:
 *  - lock_sock(); kernel sockets are left alone and not counted, MPTCP
 *    subflows are counted as skipped (apply.c, ka_sock_kind());
 *  - its direction: the one a policy was applied in, if any (the
 *    KA_SK_APPLIED_IN/OUT mark); else "in" when its local port has a
 *    listener in this namespace (a bitmap of the listening ports, filled
 *    in the walk's listener phase, which may span steps), else "out".
 *    The kernel records no direction: a connection made from a port that
 *    also listens is taken for an accepted one, and one accepted by a
 *    listener closed since is taken for an outgoing one;
 *  - rcu_read_lock(), ka_lookup() (one table read); with a selector, the
 *    socket is passed over unless that policy is the one found; then the
 *    decision of ka_apply(): ka_sock_decide() takes back what ka_policy
 *    wrote and lets the policy decide, default mode filling what the
 *    application left unset and honouring an SO_KEEPALIVE=0 it saw
 *    (KA_SK_APP_KEEPALIVE_OFF; a socket opened before the module was
 *    loaded carries no such mark), force mode overwriting;
 *    ka_sock_write() writes the fields and marks;
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
 * connecting, or half-closed either way (KA_EX_STATES). Listening sockets are skipped:
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
 * time, cond_resched() between batches, empty ones (KA_WALK_BUCKETS
 * buckets looked at) included; a fatal signal ends the step,
 * and the dump with it (the policy change stays). A dump holds a
 * reference on the module from its start to its end (the netlink core
 * takes it for the genetlink family's module), so the module cannot be
 * unloaded while a walk is under way, read or not: rmmod says it is in
 * use until the reader has read the walk to its end or closed its
 * socket.
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

/* The most sockets one step takes. */
#define KA_EXISTING_STEP_SOCKETS	1024
/* After this long, a step starts no other batch. */
#define KA_EXISTING_STEP_US		5000

#define KA_PORTS	(U16_MAX + 1)

struct ka_existing_walk {
	struct ka_walk walk;
	unsigned long *listening;	/* KA_PORTS bits: ports with a listener */
	bool selective;			/* only the policy of selector only */
	struct ka_selector only;
};

/*
 * States in which a connection can still use keepalive: a half-closed one
 * (the application's shutdown(SHUT_WR), FIN_WAIT1/2) still reads, and
 * tcp_keepalive_timer() probes it like an established one; only an
 * orphan's FIN_WAIT2 uses the timer otherwise (SOCK_DEAD, skipped).
 */
#define KA_EX_STATES	(TCPF_ESTABLISHED | TCPF_SYN_SENT | TCPF_SYN_RECV | \
			 TCPF_CLOSE_WAIT | TCPF_FIN_WAIT1 | TCPF_FIN_WAIT2)

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
	bool changes;

	ka_sock_read(sk, &old);
	changes = ka_sock_decide(sk, &p->act, &st, &verdict) &&
		  !ka_state_eq(&old, &st);
	if (!changes && verdict == KA_APPLY) {
		/*
		 * The policy's settings already, maybe another policy's
		 * that gave the same: the socket is this one's now, as
		 * kactl sockets and the counters name it.
		 */
		ka_sock_mark_applied(sk, p, dir);
		return KA_EX_SKIP_UNCHANGED;
	}
	if (!changes)
		goto skipped;
	/* keepalive_time_when() in keepalive() reads the new idle. */
	ka_sock_write(sk, &st);
	ka_sock_mark_applied(sk, verdict == KA_APPLY ? p : NULL, dir);
	if (old.keepopen != st.keepopen) {
		/* keepalive(sk, 1) arms only while SOCK_KEEPOPEN is clear. */
		clear_bit(SOCK_KEEPOPEN, &sk->sk_flags);
		ka_keepalive_switch(sk, st.keepopen);
		assign_bit(SOCK_KEEPOPEN, &sk->sk_flags, st.keepopen);
	} else if (st.keepopen && old.idle_jiffies != st.idle_jiffies) {
		ka_keepalive_rearm(sk);
	}
	if (verdict == KA_APPLY)
		return KA_EX_SKIP_MAX;
skipped:
	/*
	 * Left to the application, as ka_apply() counts it: also when what
	 * ka_policy had written was taken back (its SO_KEEPALIVE=0 since).
	 */
	return st.app_off ? KA_EX_SKIP_KEEPALIVE_OFF : KA_EX_SKIP_APPLICATION;
}

/* One pinned socket: locks it, decides, counts. */
static void ka_existing_sock(struct sock *sk, struct ka_net *kn,
			     const struct ka_existing_walk *w,
			     struct ka_existing_result *res)
{
	enum ka_existing_skip why;
	enum ka_sock_kind kind;
	const struct ka_policy *p;
	u8 dir;

	/* Fixed at creation: a kernel socket's lock is never waited for. */
	kind = ka_sock_kind(sk, NULL);
	if (kind == KA_SOCK_FOREIGN)
		return;
	lock_sock(sk);
	dir = sk->sk_state == TCP_LISTEN ? KA_DIR_IN :
	      ka_existing_dir(sk, w->listening);
	rcu_read_lock();
	p = ka_lookup(kn, sk, dir);
	/* Another policy wins this socket: not this walk's. */
	if (!p || (w->selective && memcmp(&p->sel, &w->only, sizeof(w->only))))
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
	release_sock(sk);
}

struct ka_existing_walk *ka_existing_begin(const struct ka_selector *only)
{
	struct ka_existing_walk *w;

	w = kzalloc_obj(*w, GFP_KERNEL);
	if (!w)
		return NULL;
	w->listening = bitmap_zalloc(KA_PORTS, GFP_KERNEL);
	if (!w->listening) {
		kfree(w);
		return NULL;
	}
	if (only) {
		w->selective = true;
		w->only = *only;
	}
	return w;
}

void ka_existing_end(struct ka_existing_walk *w)
{
	if (w)
		bitmap_free(w->listening);
	kfree(w);
}

int ka_existing_step(struct net *net, struct ka_existing_walk *w,
		     struct ka_existing_result *res)
{
	struct sock *socks[KA_WALK_BATCH];
	struct ka_net *kn = ka_net(net);
	unsigned int n, i, take;
	u64 start, elapsed;
	int ret = 1;

	memset(res, 0, sizeof(*res));
	start = ktime_get_ns();
	for (;;) {
		n = ka_walk_next(net, &w->walk, socks);
		if (!n && ka_walk_done(&w->walk)) {
			ret = 0;
			break;
		}
		/* A smaller batch may straddle the bound: the rest is next. */
		take = min(n, KA_EXISTING_STEP_SOCKETS - res->sockets);
		for (i = 0; i < take; i++) {
			/* Listeners come first: the bitmap is full before use. */
			if (socks[i]->sk_state == TCP_LISTEN)
				__set_bit(inet_sk(socks[i])->inet_num,
					  w->listening);
			ka_existing_sock(socks[i], kn, w, res);
		}
		res->sockets += take;
		if (take < n)
			ka_walk_rewind(&w->walk, take);
		ka_walk_put(socks, n);
		/* After an empty batch too: buckets were looked at. */
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		elapsed = ktime_get_ns() - start;
		if (res->sockets == KA_EXISTING_STEP_SOCKETS ||
		    elapsed >= KA_EXISTING_STEP_US * NSEC_PER_USEC)
			break;
		cond_resched();
	}
	res->time_us = div_u64(ktime_get_ns() - start, NSEC_PER_USEC);
	return ret;
}
