// SPDX-License-Identifier: GPL-2.0
/*
 * Walking a network namespace's TCP sockets, for kactl sockets (a netlink
 * dump) and for applying a policy to the sockets that exist (--existing).
 *
 * The module's own walk of the namespace's hash tables, the way inet_diag
 * walks them: no kernel interface to it is exported on every kernel of
 * the matrix (tcp_hashinfo is not since 6.12, inet_diag_dump_icsk() is
 * gone in 7.x, the tcp_seq_* iterators are not exported since 6.12). The
 * tables are net->ipv4.tcp_death_row.hashinfo, the global table or, since
 * 6.1, a namespace's own (tcp_child_ehash_entries), which the caller's
 * namespace reference keeps alive; IPv6 sockets share them. The global
 * table holds every namespace's sockets, so each is checked with net_eq().
 *
 * Two phases. Listeners: listening_hash[] (5.10) or lhash2 (6.1 and
 * later, each listener once), each bucket under its spinlock. Then the
 * established table: each bucket under its ehash lock, which softirq takes
 * too, hence _bh. Only full sockets are handed out: TIME_WAIT sockets and
 * the request sockets of half-open connections have no keepalive.
 *
 * Nothing is done to a socket under a bucket lock: a step pins up to
 * KA_WALK_BATCH sockets (refcount_inc_not_zero, as a socket still in the
 * chain may already be on its way out), drops the lock and returns them,
 * so the caller may sleep, lock a socket, or fill a netlink message. A
 * pinned socket may close meanwhile; its memory stays. The walk takes no
 * other lock and holds none between steps, so the time a lock is held is
 * one bucket's, whatever the number of sockets.
 *
 * Bounded: a step looks at KA_WALK_BUCKETS buckets at most. Most buckets
 * hold nothing of the namespace's: the established table is sized for
 * the machine (the global one on 5.10, and in the initial namespace of
 * later kernels, hundreds of thousands of buckets or millions), and
 * where it is shared every bucket holding only other namespaces' sockets
 * is empty for this walk. A step that has looked at that many without
 * pinning a socket returns none, the walk not over (ka_walk_done() tells
 * the two apart), so that its caller can check its own time bound,
 * reschedule, or end a netlink dump part, between any two steps. The walk
 * itself never sleeps: the caller reschedules.
 */

#include <net/inet_hashtables.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "sockwalk.h"

enum {
	KA_WALK_LISTEN,
	KA_WALK_EHASH,
	KA_WALK_DONE,
};

/*
 * The most buckets one step looks at. An empty bucket costs one load
 * (its chain head, 8 bytes, in an array read in order): 4,096 of them are
 * 32 KiB, microseconds. A bucket with sockets of other namespaces only
 * costs its lock and chain too, still well under a millisecond for
 * 4,096 of them on hardware, a few in the emulated test VM: far below
 * the callers' 5 ms bounds (existing.c, sockets.c), which a step may
 * overrun by that much, and far above the cost of the return and the
 * caller's clock read and cond_resched() it pays for, so that a walk of
 * a mostly empty table of millions of buckets is hundreds of steps, not
 * hundreds of thousands.
 */
#define KA_WALK_BUCKETS	4096

/* Listeners: listening_hash[] on 5.10, lhash2 since 5.19. */
static u32 ka_listen_nr_buckets(const struct inet_hashinfo *h)
{
#ifdef KA_HAVE_LISTENING_HASH
	return INET_LHTABLE_SIZE;
#else
	return h->lhash2_mask + 1;
#endif
}

static struct inet_listen_hashbucket *
ka_listen_bucket(struct inet_hashinfo *h, u32 i)
{
#ifdef KA_HAVE_LISTENING_HASH
	return &h->listening_hash[i];
#else
	return &h->lhash2[i];
#endif
}

static struct inet_hashinfo *ka_hashinfo(struct net *net)
{
	return net->ipv4.tcp_death_row.hashinfo;
}

/*
 * Pins this namespace's full sockets of one chain, after the first
 * w->skip of them, into socks[]; the caller holds the chain's lock.
 */
static unsigned int ka_walk_chain(struct net *net, struct hlist_nulls_head *head,
				  struct ka_walk *w, struct sock **socks)
{
	struct hlist_nulls_node *node;
	unsigned int n = 0, seen = 0;
	struct sock *sk;

	sk_nulls_for_each(sk, node, head) {
		if (!net_eq(sock_net(sk), net) || !sk_fullsock(sk))
			continue;
		if (seen++ < w->skip)
			continue;
		if (!refcount_inc_not_zero(&sk->sk_refcnt))
			continue;
		socks[n++] = sk;
		if (n == KA_WALK_BATCH)
			break;
	}
	return n;
}

unsigned int ka_walk_next(struct net *net, struct ka_walk *w,
			  struct sock **socks)
{
	struct inet_hashinfo *h = ka_hashinfo(net);
	unsigned int n, budget = KA_WALK_BUCKETS;

	while (w->phase != KA_WALK_DONE) {
		u32 buckets = w->phase == KA_WALK_LISTEN ?
			      ka_listen_nr_buckets(h) : h->ehash_mask + 1;

		if (w->bucket >= buckets) {
			w->phase++;
			w->bucket = 0;
			w->skip = 0;
			continue;
		}
		n = 0;
		if (w->phase == KA_WALK_LISTEN) {
			struct inet_listen_hashbucket *ilb;

			ilb = ka_listen_bucket(h, w->bucket);
			spin_lock_bh(&ilb->lock);
			n = ka_walk_chain(net, &ilb->nulls_head, w, socks);
			spin_unlock_bh(&ilb->lock);
		} else if (!hlist_nulls_empty(&h->ehash[w->bucket].chain)) {
			spinlock_t *lock = inet_ehash_lockp(h, w->bucket);

			spin_lock_bh(lock);
			n = ka_walk_chain(net, &h->ehash[w->bucket].chain, w, socks);
			spin_unlock_bh(lock);
		}
		w->batch_phase = w->phase;
		w->batch_bucket = w->bucket;
		w->batch_skip = w->skip;
		if (n == KA_WALK_BATCH) {
			w->skip += n;	/* the bucket may hold more */
			return n;
		}
		w->bucket++;
		w->skip = 0;
		if (n || !--budget)
			return n;
	}
	return 0;
}

bool ka_walk_done(const struct ka_walk *w)
{
	return w->phase == KA_WALK_DONE;
}

void ka_walk_rewind(struct ka_walk *w, unsigned int n)
{
	w->phase = w->batch_phase;
	w->bucket = w->batch_bucket;
	w->skip = w->batch_skip + n;
}

void ka_walk_put(struct sock **socks, unsigned int n)
{
	while (n--)
		sock_gen_put(socks[n]);
}
