// SPDX-License-Identifier: GPL-2.0
/*
 * How long a connection lived, for the timeout event (events.c).
 *
 * No kernel from 5.10 to 7.x keeps the time a TCP connection was made:
 * tcp_sock has the times of the last segment sent and received, the
 * socket inode's times are never set (sockfs), and sk_flags has no room
 * for a time. So ka_policy notes it: when ka_apply() sees a connection
 * made (tcp_connect(), or an accepted child), the time goes into a table
 * keyed by the socket, and a probe on tcp_v4_destroy_sock() (every TCP
 * socket's sk_prot->destroy, IPv6's too: it calls it on 5.10 and is it
 * since 6.2) takes it out. KA_SK_BORN in sk_flags says that the socket
 * has an entry, so that destroying any other socket costs one test_bit.
 *
 * Only while someone listens for events: an entry costs an allocation
 * and an insert per connection, and a lookup and a removal at its end,
 * which a machine without kactl monitor should not pay; nor should it pay
 * the probe on tcp_v4_destroy_sock() itself, on every TCP socket's end.
 * So hooks.c arms that probe only while a listener is there, and turns
 * the notes on with ka_lifetime_start() once it is armed; when the
 * listeners have gone it turns them off (ka_lifetime_stop()), disarms
 * the probe and lets ka_lifetime_forget_all() drop what is left. Whether
 * anyone listens can only be told for the whole machine, not for the
 * socket's namespace (events.c). A connection made before the listener
 * was seen (hooks.c: at once for kactl monitor, within a second for any
 * other), before the module was loaded, or reached by --existing has no
 * known lifetime, and its event says nothing of it (kactl prints "-"). A
 * failed allocation (GFP_ATOMIC: the probes run in softirq too) only
 * leaves the lifetime unknown.
 *
 * One table for every namespace: a socket pointer is unique while the
 * socket lives, and its entry leaves at destroy, before the memory can
 * be reused. Should an entry outlive its socket all the same (the probe
 * not attached yet when an earlier socket at that address went), it
 * harms nothing: a new socket at that address has KA_SK_BORN clear
 * (sk_alloc clears the flags) until it replaces the entry. Entries are
 * freed after a grace period, as the event reads them under RCU; the
 * table lives as long as the module, and what is left at unload, after
 * the probes are gone, is freed then. Sockets keep KA_SK_BORN across an
 * unload, and across ka_lifetime_forget_all(): a lookup then finds
 * nothing.
 */

#include <linux/jiffies.h>
#include <linux/rhashtable.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <net/sock.h>

#include "apply.h"
#include "lifetime.h"

struct ka_born {
	struct rhash_head node;
	const struct sock *sk;		/* the key, never dereferenced */
	u64 at;				/* jiffies_64 when it was made */
	struct rcu_head rcu;
};

static const struct rhashtable_params ka_born_params = {
	.key_len		= sizeof(const struct sock *),
	.key_offset		= offsetof(struct ka_born, sk),
	.head_offset		= offsetof(struct ka_born, node),
	.automatic_shrinking	= true,
};

static struct rhashtable ka_born_table;
static bool ka_lifetime_on __read_mostly;

int ka_lifetime_init(void)
{
	return rhashtable_init(&ka_born_table, &ka_born_params);
}

static void ka_born_free(void *ptr, void *arg)
{
	kfree(ptr);
}

void ka_lifetime_exit(void)
{
	WRITE_ONCE(ka_lifetime_on, false);
	rhashtable_free_and_destroy(&ka_born_table, ka_born_free, NULL);
}

void ka_lifetime_start(void)
{
	WRITE_ONCE(ka_lifetime_on, true);
}

void ka_lifetime_stop(void)
{
	WRITE_ONCE(ka_lifetime_on, false);
}

/* sk was made now. Its creator owns it: no other note of it at once. */
static void ka_born_note(struct sock *sk)
{
	struct ka_born *b, *old;

	b = kmalloc_obj(*b, GFP_ATOMIC | __GFP_NOWARN);
	if (!b)
		return;
	b->sk = sk;
	b->at = get_jiffies_64();
	rcu_read_lock();
	old = rhashtable_lookup_get_insert_fast(&ka_born_table, &b->node,
						ka_born_params);
	if (old && !IS_ERR(old))	/* connecting again: a new start */
		WRITE_ONCE(old->at, b->at);
	rcu_read_unlock();
	if (old) {
		kfree(b);
		if (IS_ERR(old))
			return;
	}
	set_bit(KA_SK_BORN, &sk->sk_flags);
}

static void ka_born_forget(struct sock *sk)
{
	struct ka_born *b;

	clear_bit(KA_SK_BORN, &sk->sk_flags);
	rcu_read_lock();
	b = rhashtable_lookup_fast(&ka_born_table, &sk, ka_born_params);
	if (b && !rhashtable_remove_fast(&ka_born_table, &b->node,
					 ka_born_params))
		kfree_rcu(b, rcu);
	rcu_read_unlock();
}

bool ka_lifetime_noting(void)
{
	return READ_ONCE(ka_lifetime_on);
}

void ka_lifetime_born(struct sock *sk, bool wanted)
{
	if (!READ_ONCE(ka_lifetime_on))
		return;
	if (wanted)
		ka_born_note(sk);
	else if (test_bit(KA_SK_BORN, &sk->sk_flags))
		/* A reconnect, or a child that inherited its listener's bit. */
		ka_born_forget(sk);
}

void ka_lifetime_destroyed(struct sock *sk)
{
	if (test_bit(KA_SK_BORN, &sk->sk_flags))
		ka_born_forget(sk);
}

/*
 * After ka_lifetime_stop(), with no probe handler left that could note or
 * forget (the destroy probe disarmed, a grace period since): drops every
 * entry. Lookups under RCU may still read them: freed after a grace
 * period. Process context.
 */
void ka_lifetime_forget_all(void)
{
	struct rhashtable_iter iter;
	unsigned int n = 0;
	struct ka_born *b;

	rhashtable_walk_enter(&ka_born_table, &iter);
	rhashtable_walk_start(&iter);
	while ((b = rhashtable_walk_next(&iter))) {
		if (IS_ERR(b))		/* -EAGAIN: a resize; walk on */
			continue;
		if (!rhashtable_remove_fast(&ka_born_table, &b->node,
					    ka_born_params))
			kfree_rcu(b, rcu);
		/* A connection each: out of RCU now and then, to schedule. */
		if (!(++n % 1024)) {
			rhashtable_walk_stop(&iter);
			cond_resched();
			rhashtable_walk_start(&iter);
		}
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);
}

bool ka_lifetime_ms(const struct sock *sk, u64 *ms)
{
	const struct ka_born *b;

	if (!test_bit(KA_SK_BORN, &sk->sk_flags))
		return false;
	b = rhashtable_lookup(&ka_born_table, &sk, ka_born_params);
	if (!b)
		return false;
	*ms = jiffies64_to_msecs(get_jiffies_64() - READ_ONCE(b->at));
	return true;
}
