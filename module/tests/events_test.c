// SPDX-License-Identifier: GPL-2.0
/*
 * Which refused timeout events count as dropped (events.c): those of a
 * namespace whose last event sent reached a listener, including those
 * refused while the sender was still finding that out (event_unsure),
 * and none where nobody listens.
 */

/* What this suite tests, static functions and all (Kbuild says why). */
#include "../events.c"

#include <kunit/test.h>
#include <linux/slab.h>

#include "ka_test.h"

static void kn_free(void *data)
{
	struct ka_net *kn = data;

	ka_counters_free(kn->totals);
	kfree(kn);
}

/* A namespace's state as a new namespace starts it: nothing heard yet. */
static struct ka_net *kn_new(struct kunit *test)
{
	struct ka_counters __percpu *totals = ka_counters_alloc(GFP_KERNEL);
	struct ka_net *kn;

	KUNIT_ASSERT_NOT_NULL(test, ka_test_pcpu(totals));
	kn = kzalloc_obj(*kn, GFP_KERNEL);
	if (!kn)
		ka_counters_free(totals);
	KUNIT_ASSERT_NOT_NULL(test, kn);
	kn->totals = totals;
	ka_test_defer(test, kn_free, kn);
	return kn;
}

static u64 dropped(struct ka_net *kn)
{
	struct ka_counters sum;

	ka_counters_sum(kn->totals, &sum);
	return sum.v[KA_CNT_EVENTS_DROPPED];
}

/* Nobody ever listened: refusals count nothing, sent or not. */
static void events_unheard_count_nothing_test(struct kunit *test)
{
	struct ka_net *kn = kn_new(test);

	ka_event_refused(kn);
	ka_event_refused(kn);
	KUNIT_EXPECT_EQ(test, dropped(kn), 0);
	ka_event_settle(kn, false);
	ka_event_refused(kn);
	KUNIT_EXPECT_EQ(test, dropped(kn), 0);
	ka_event_settle(kn, false);
	KUNIT_EXPECT_EQ(test, dropped(kn), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&kn->event_unsure), 0);
}

/*
 * The first event after a quiet spell is on its way (sent, not settled)
 * when others are refused: once it was heard, they count. This is the
 * burst of dead peers the rate limit cuts, on two CPUs; this case checks
 * the bookkeeping, in one thread (events.c argues the ordering).
 */
static void events_refused_while_first_in_flight_count_test(struct kunit *test)
{
	struct ka_net *kn = kn_new(test);

	ka_event_refused(kn);
	ka_event_refused(kn);
	ka_event_refused(kn);
	KUNIT_EXPECT_EQ(test, dropped(kn), 0);
	ka_event_settle(kn, true);
	KUNIT_EXPECT_EQ(test, dropped(kn), 3);
	KUNIT_EXPECT_EQ(test, atomic_read(&kn->event_unsure), 0);
	/* Heard: the next ones count at once. */
	ka_event_refused(kn);
	KUNIT_EXPECT_EQ(test, dropped(kn), 4);
	KUNIT_EXPECT_EQ(test, atomic_read(&kn->event_unsure), 0);
}

/* The listener left: refusals stop counting, and come back with it. */
static void events_listener_leaves_and_returns_test(struct kunit *test)
{
	struct ka_net *kn = kn_new(test);

	ka_event_settle(kn, true);
	ka_event_refused(kn);
	KUNIT_EXPECT_EQ(test, dropped(kn), 1);
	ka_event_settle(kn, false);
	ka_event_refused(kn);
	ka_event_settle(kn, false);
	KUNIT_EXPECT_EQ(test, dropped(kn), 1);
	ka_event_refused(kn);
	ka_event_settle(kn, true);
	KUNIT_EXPECT_EQ(test, dropped(kn), 2);
}

/*
 * Refused after the last event of a window that reached nobody: a
 * listener that comes later, in another window, is not charged with it.
 */
static void events_unsure_forgotten_by_next_window_test(struct kunit *test)
{
	struct ka_net *kn = kn_new(test);

	kn->event_window = jiffies;
	ka_event_settle(kn, false);
	ka_event_refused(kn);
	KUNIT_EXPECT_EQ(test, atomic_read(&kn->event_unsure), 1);
	kn->event_window = jiffies - 2 * HZ;
	KUNIT_EXPECT_TRUE(test, ka_event_allowed(kn));
	KUNIT_EXPECT_EQ(test, atomic_read(&kn->event_unsure), 0);
	ka_event_settle(kn, true);
	KUNIT_EXPECT_EQ(test, dropped(kn), 0);
}

static struct kunit_case events_cases[] = {
	KUNIT_CASE(events_unheard_count_nothing_test),
	KUNIT_CASE(events_refused_while_first_in_flight_count_test),
	KUNIT_CASE(events_listener_leaves_and_returns_test),
	KUNIT_CASE(events_unsure_forgotten_by_next_window_test),
	{}
};

static struct kunit_suite events_suite = {
	.name = "ka_events",
	.test_cases = events_cases,
};

kunit_test_suite(events_suite);
