// SPDX-License-Identifier: GPL-2.0
/*
 * Connection lifetimes (lifetime.c): an entry per socket while it lives,
 * a reconnect starts it again, the socket's end takes it out, and only a
 * socket marked KA_SK_BORN is looked up; ka_lifetime_born() notes only
 * between start and stop (hooks.c arms the destroy probe meanwhile).
 * Real struct socks (zeroed, as sk_alloc leaves the flags), never
 * connected: lifetime.c only uses their address and sk_flags.
 */

/* What this suite tests, static functions and all (Kbuild says why). */
#include "../lifetime.c"

#include <kunit/test.h>
#include <linux/delay.h>

#include "ka_test.h"

static int lifetime_suite_init(struct kunit_suite *suite)
{
	return ka_lifetime_init();
}

/* Entries go after a grace period (kfree_rcu): none is left by then. */
static void lifetime_suite_exit(struct kunit_suite *suite)
{
	rcu_barrier();
	ka_lifetime_exit();
}

static struct sock *sock_new(struct kunit *test)
{
	struct sock *sk = kunit_kzalloc(test, sizeof(*sk), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, sk);
	return sk;
}

static unsigned int entries(void)
{
	return atomic_read(&ka_born_table.nelems);
}

static bool lifetime_of(const struct sock *sk, u64 *ms)
{
	bool known;

	rcu_read_lock();
	known = ka_lifetime_ms(sk, ms);
	rcu_read_unlock();
	return known;
}

static void lifetime_known_while_socket_lives_test(struct kunit *test)
{
	struct sock *sk = sock_new(test);
	u64 ms = U64_MAX;

	KUNIT_EXPECT_FALSE(test, lifetime_of(sk, &ms));
	ka_born_note(sk);
	KUNIT_EXPECT_TRUE(test, test_bit(KA_SK_BORN, &sk->sk_flags));
	KUNIT_EXPECT_EQ(test, entries(), 1);
	KUNIT_ASSERT_TRUE(test, lifetime_of(sk, &ms));
	KUNIT_EXPECT_LT(test, ms, (u64)60 * MSEC_PER_SEC);
	/* It grows with time (jiffies: wait for a few of them). */
	msleep(3 * jiffies_to_msecs(1) + 1);
	KUNIT_ASSERT_TRUE(test, lifetime_of(sk, &ms));
	KUNIT_EXPECT_GT(test, ms, (u64)0);

	ka_lifetime_destroyed(sk);
	KUNIT_EXPECT_FALSE(test, test_bit(KA_SK_BORN, &sk->sk_flags));
	KUNIT_EXPECT_EQ(test, entries(), 0);
	KUNIT_EXPECT_FALSE(test, lifetime_of(sk, &ms));
}

/* Connecting again: one entry, counted from the new connection. */
static void lifetime_reconnect_starts_again_test(struct kunit *test)
{
	struct sock *sk = sock_new(test);
	struct ka_born *b;

	ka_born_note(sk);
	rcu_read_lock();
	b = rhashtable_lookup(&ka_born_table, &sk, ka_born_params);
	KUNIT_ASSERT_NOT_NULL(test, b);
	b->at -= 1000 * HZ;		/* as if made long ago */
	rcu_read_unlock();
	ka_born_note(sk);
	KUNIT_EXPECT_EQ(test, entries(), 1);
	rcu_read_lock();
	b = rhashtable_lookup(&ka_born_table, &sk, ka_born_params);
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_EXPECT_LT(test, get_jiffies_64() - b->at, (u64)HZ);
	rcu_read_unlock();
	ka_lifetime_destroyed(sk);
	KUNIT_EXPECT_EQ(test, entries(), 0);
}

/*
 * Only the socket's own entry goes, and a socket without the mark is
 * neither looked up nor removed: its address may be an older socket's.
 */
static void lifetime_mark_guards_lookup_test(struct kunit *test)
{
	struct sock *a = sock_new(test), *b = sock_new(test);
	u64 ms;

	ka_born_note(a);
	ka_born_note(b);
	KUNIT_EXPECT_EQ(test, entries(), 2);
	ka_lifetime_destroyed(a);
	KUNIT_EXPECT_EQ(test, entries(), 1);
	KUNIT_EXPECT_TRUE(test, lifetime_of(b, &ms));

	/* An entry whose socket lost the mark: never found, never removed. */
	clear_bit(KA_SK_BORN, &b->sk_flags);
	KUNIT_EXPECT_FALSE(test, lifetime_of(b, &ms));
	ka_lifetime_destroyed(b);
	KUNIT_EXPECT_EQ(test, entries(), 1);
	/* A new connection at that address takes the entry over. */
	ka_born_note(b);
	KUNIT_EXPECT_EQ(test, entries(), 1);
	KUNIT_EXPECT_TRUE(test, lifetime_of(b, &ms));
	ka_born_forget(b);
	KUNIT_EXPECT_EQ(test, entries(), 0);
}

/*
 * Notes only between start and stop (the destroy probe armed: hooks.c),
 * and only a wanted one; forget_all drops every entry.
 */
static void lifetime_noted_only_while_started_test(struct kunit *test)
{
	struct sock *a = sock_new(test), *b = sock_new(test);
	struct sock *unwanted = sock_new(test);
	u64 ms;

	KUNIT_ASSERT_FALSE(test, ka_lifetime_noting());
	ka_lifetime_born(a, true);
	KUNIT_EXPECT_EQ(test, entries(), 0);
	KUNIT_EXPECT_FALSE(test, lifetime_of(a, &ms));

	ka_lifetime_start();
	KUNIT_EXPECT_TRUE(test, ka_lifetime_noting());
	ka_lifetime_born(a, true);
	ka_lifetime_born(b, true);
	ka_lifetime_born(unwanted, false);
	KUNIT_EXPECT_EQ(test, entries(), 2);
	KUNIT_EXPECT_TRUE(test, lifetime_of(a, &ms));
	KUNIT_EXPECT_FALSE(test, lifetime_of(unwanted, &ms));

	ka_lifetime_stop();
	KUNIT_EXPECT_FALSE(test, ka_lifetime_noting());
	ka_lifetime_forget_all();
	KUNIT_EXPECT_EQ(test, entries(), 0);
	/* The mark stays, and finds nothing. */
	KUNIT_EXPECT_TRUE(test, test_bit(KA_SK_BORN, &a->sk_flags));
	KUNIT_EXPECT_FALSE(test, lifetime_of(a, &ms));
	KUNIT_EXPECT_FALSE(test, lifetime_of(b, &ms));
	ka_lifetime_born(a, true);
	KUNIT_EXPECT_EQ(test, entries(), 0);
	ka_lifetime_destroyed(a);
	KUNIT_EXPECT_FALSE(test, test_bit(KA_SK_BORN, &a->sk_flags));
}

static struct kunit_case lifetime_cases[] = {
	KUNIT_CASE(lifetime_known_while_socket_lives_test),
	KUNIT_CASE(lifetime_reconnect_starts_again_test),
	KUNIT_CASE(lifetime_mark_guards_lookup_test),
	KUNIT_CASE(lifetime_noted_only_while_started_test),
	{}
};

static struct kunit_suite lifetime_suite = {
	.name = "ka_lifetime",
	.suite_init = lifetime_suite_init,
	.suite_exit = lifetime_suite_exit,
	.test_cases = lifetime_cases,
};

kunit_test_suite(lifetime_suite);
