// SPDX-License-Identifier: GPL-2.0
/*
 * Counters (stats.c). A namespace's totals are per-CPU: ka_counters_inc()
 * bumps the current CPU's copy, ka_counters_sum() adds up every possible
 * CPU's, each counter on its own. A policy's are one shared copy, of
 * fixed size whatever the number of CPUs, that loses no increment made
 * on every CPU at once.
 */

/* What this suite tests, static functions and all (Kbuild says why). */
#include "../stats.c"

#include <kunit/test.h>
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/smp.h>

#include "ka_test.h"

static void counters_free(void *c)
{
	ka_counters_free((struct ka_counters __percpu *)c);
}

static struct ka_counters __percpu *counters_new(struct kunit *test)
{
	struct ka_counters __percpu *c = ka_counters_alloc(GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, ka_test_pcpu(c));
	ka_test_defer(test, counters_free, ka_test_pcpu(c));
	return c;
}

static void counter_desc(const char * const *name, char *desc)
{
	strscpy(desc, *name, KUNIT_PARAM_DESC_SIZE);
}

/* One run per counter, named as ka_stats names it. */
KUNIT_ARRAY_PARAM(counter, ka_counter_names, counter_desc);

static enum ka_counter_id param_counter(struct kunit *test)
{
	return (const char * const *)test->param_value - ka_counter_names;
}

static void counters_zero_test(struct kunit *test)
{
	struct ka_counters __percpu *c = counters_new(test);
	struct ka_counters sum;

	ka_counters_sum(c, &sum);
	KUNIT_EXPECT_EQ(test, sum.v[param_counter(test)], 0);
}

/*
 * Every possible CPU's copy counts, with values a 32-bit sum would
 * truncate, and the other counters stay out of it.
 */
static void counters_sum_test(struct kunit *test)
{
	struct ka_counters __percpu *c = counters_new(test);
	enum ka_counter_id idx = param_counter(test);
	struct ka_counters sum;
	u64 want = 0;
	int cpu, i;

	for_each_possible_cpu(cpu) {
		struct ka_counters *pc = per_cpu_ptr(c, cpu);

		for (i = 0; i < KA_NR_COUNTERS; i++)
			pc->v[i] = i == idx ? (1ULL << 33) + cpu + 1 : 0;
		want += (1ULL << 33) + cpu + 1;
	}
	ka_counters_sum(c, &sum);
	for (i = 0; i < KA_NR_COUNTERS; i++)
		KUNIT_EXPECT_EQ_MSG(test, sum.v[i], i == idx ? want : 0,
				    "counter %s", ka_counter_names[i]);
}

/* An increment lands in the current CPU's copy, in this counter only. */
static void counters_inc_test(struct kunit *test)
{
	struct ka_counters __percpu *c = counters_new(test);
	enum ka_counter_id idx = param_counter(test);
	struct ka_counters sum;
	int cpu, other, i;
	u64 mine[KA_NR_COUNTERS];

	preempt_disable();
	cpu = smp_processor_id();
	ka_counters_inc(c, idx);
	ka_counters_inc(c, idx);
	for (i = 0; i < KA_NR_COUNTERS; i++)
		mine[i] = per_cpu_ptr(c, cpu)->v[i];
	preempt_enable();

	for (i = 0; i < KA_NR_COUNTERS; i++)
		KUNIT_EXPECT_EQ_MSG(test, mine[i], i == idx ? 2 : 0,
				    "counter %s", ka_counter_names[i]);
	for_each_possible_cpu(other) {
		if (other == cpu)
			continue;
		for (i = 0; i < KA_NR_COUNTERS; i++)
			KUNIT_EXPECT_EQ_MSG(test, per_cpu_ptr(c, other)->v[i], 0,
					    "cpu %d counter %s", other,
					    ka_counter_names[i]);
	}
	ka_counters_sum(c, &sum);
	KUNIT_EXPECT_EQ(test, sum.v[idx], 2);
}

static void inc_timeouts(void *c)
{
	ka_counters_inc((struct ka_counters __percpu *)c, KA_CNT_TIMEOUTS);
}

/* Increments on every online CPU, from interrupt context, add up. */
static void counters_inc_each_cpu_test(struct kunit *test)
{
	struct ka_counters __percpu *c = counters_new(test);
	struct ka_counters sum;
	unsigned int n = 0;
	int cpu;

	cpus_read_lock();
	for_each_online_cpu(cpu) {
		KUNIT_EXPECT_EQ(test, smp_call_function_single(cpu, inc_timeouts,
							       ka_test_pcpu(c), 1), 0);
		KUNIT_EXPECT_EQ_MSG(test, per_cpu_ptr(c, cpu)->v[KA_CNT_TIMEOUTS], 1,
				    "cpu %d", cpu);
		n++;
	}
	cpus_read_unlock();
	ka_counters_sum(c, &sum);
	KUNIT_EXPECT_EQ(test, sum.v[KA_CNT_TIMEOUTS], n);
	KUNIT_EXPECT_EQ(test, sum.v[KA_CNT_APPLIED], 0);
	kunit_info(test, "%u online CPUs", n);
}

static void policy_counters_free(void *c)
{
	ka_policy_counters_free(c);
}

static struct ka_policy_counters *policy_counters_new(struct kunit *test)
{
	struct ka_policy_counters *c = ka_policy_counters_alloc(GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, c);
	ka_test_defer(test, policy_counters_free, c);
	return c;
}

static const enum ka_counter_id policy_counter_ids[] = {
	KA_CNT_APPLIED, KA_CNT_SKIPPED, KA_CNT_PROBES_SENT, KA_CNT_TIMEOUTS,
};

static void policy_counter_desc(const enum ka_counter_id *idx, char *desc)
{
	strscpy(desc, ka_counter_names[*idx], KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(policy_counter, policy_counter_ids, policy_counter_desc);

/* What a policy counts, and what it costs: the same on any machine. */
static void policy_counters_are_the_per_policy_ones_test(struct kunit *test)
{
	enum ka_counter_id i;

	for (i = 0; i < KA_NR_COUNTERS; i++)
		KUNIT_EXPECT_EQ_MSG(test, ka_counter_per_policy(i),
				    i != KA_CNT_EVENTS_DROPPED,
				    "counter %s", ka_counter_names[i]);
	KUNIT_EXPECT_EQ(test, ARRAY_SIZE(policy_counter_ids),
			KA_NR_POLICY_COUNTERS);
	KUNIT_EXPECT_GE(test, sizeof(struct ka_policy_counters),
			KA_NR_POLICY_COUNTERS * sizeof(u64));
	KUNIT_EXPECT_LE(test, sizeof(struct ka_policy_counters),
			(size_t)SMP_CACHE_BYTES);
}

/* New ones are 0; an increment counts in its counter only. */
static void policy_counters_inc_test(struct kunit *test)
{
	enum ka_counter_id idx = *(const enum ka_counter_id *)test->param_value;
	struct ka_policy_counters *c = policy_counters_new(test);
	struct ka_counters sum;
	enum ka_counter_id i;

	ka_policy_counters_sum(c, &sum);
	for (i = 0; i < KA_NR_COUNTERS; i++)
		KUNIT_EXPECT_EQ_MSG(test, sum.v[i], 0, "counter %s",
				    ka_counter_names[i]);
	ka_policy_counters_inc(c, idx);
	ka_policy_counters_inc(c, idx);
	ka_policy_counters_sum(c, &sum);
	for (i = 0; i < KA_NR_COUNTERS; i++)
		KUNIT_EXPECT_EQ_MSG(test, sum.v[i], i == idx ? 2 : 0,
				    "counter %s", ka_counter_names[i]);
}

#define KA_TEST_INCS_PER_CPU	20000

static void inc_applied_many(void *c)
{
	int i;

	for (i = 0; i < KA_TEST_INCS_PER_CPU; i++)
		ka_policy_counters_inc(c, KA_CNT_APPLIED);
}

/*
 * Every online CPU increments the one copy at once, from interrupt
 * context, as connections under one policy do: none is lost.
 */
static void policy_counters_lose_nothing_across_cpus_test(struct kunit *test)
{
	struct ka_policy_counters *c = policy_counters_new(test);
	struct ka_counters sum;
	unsigned int n;

	cpus_read_lock();
	n = num_online_cpus();
	on_each_cpu(inc_applied_many, c, 1);
	cpus_read_unlock();
	ka_policy_counters_sum(c, &sum);
	KUNIT_EXPECT_EQ(test, sum.v[KA_CNT_APPLIED],
			(u64)n * KA_TEST_INCS_PER_CPU);
	KUNIT_EXPECT_EQ(test, sum.v[KA_CNT_TIMEOUTS], 0);
	kunit_info(test, "%u online CPUs", n);
}

static void counter_names_test(struct kunit *test)
{
	KUNIT_EXPECT_STREQ(test, ka_counter_names[KA_CNT_APPLIED], "applied");
	KUNIT_EXPECT_STREQ(test, ka_counter_names[KA_CNT_SKIPPED], "skipped");
	KUNIT_EXPECT_STREQ(test, ka_counter_names[KA_CNT_PROBES_SENT],
			   "probes_sent");
	KUNIT_EXPECT_STREQ(test, ka_counter_names[KA_CNT_TIMEOUTS], "timeouts");
	KUNIT_EXPECT_STREQ(test, ka_counter_names[KA_CNT_EVENTS_DROPPED],
			   "events_dropped");
}

static struct kunit_case stats_test_cases[] = {
	KUNIT_CASE(counter_names_test),
	KUNIT_CASE_PARAM(counters_zero_test, counter_gen_params),
	KUNIT_CASE_PARAM(counters_sum_test, counter_gen_params),
	KUNIT_CASE_PARAM(counters_inc_test, counter_gen_params),
	KUNIT_CASE(counters_inc_each_cpu_test),
	KUNIT_CASE(policy_counters_are_the_per_policy_ones_test),
	KUNIT_CASE_PARAM(policy_counters_inc_test, policy_counter_gen_params),
	KUNIT_CASE(policy_counters_lose_nothing_across_cpus_test),
	{}
};

static struct kunit_suite stats_suite = {
	.name = "ka_stats",
	.test_cases = stats_test_cases,
};

kunit_test_suite(stats_suite);
