/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KA_STATS_H
#define _KA_STATS_H

#include <linux/atomic.h>
#include <linux/bug.h>
#include <linux/cache.h>
#include <linux/percpu.h>
#include <linux/types.h>

/* Those a policy counts too come first (KA_NR_POLICY_COUNTERS). */
enum ka_counter_id {
	KA_CNT_APPLIED,
	KA_CNT_SKIPPED,
	KA_CNT_PROBES_SENT,
	KA_CNT_TIMEOUTS,
	/* Namespace totals only: timeout events a listener missed (events.c). */
	KA_CNT_EVENTS_DROPPED,
	KA_NR_COUNTERS		/* how many there are: not a counter */
};

#define KA_NR_POLICY_COUNTERS	KA_CNT_EVENTS_DROPPED

/* A namespace's totals: one copy per possible CPU (stats.c). */
struct ka_counters {
	u64 v[KA_NR_COUNTERS];
};

/*
 * A policy's: one copy for every CPU, a cache line of its own (stats.c
 * says why): 64 bytes on x86-64, whatever the number of CPUs.
 */
struct ka_policy_counters {
	atomic64_t v[KA_NR_POLICY_COUNTERS];
} ____cacheline_aligned_in_smp;

/* Counter names as /proc/net/ka_stats and kactl show them. */
extern const char * const ka_counter_names[KA_NR_COUNTERS];

struct ka_counters __percpu *ka_counters_alloc(gfp_t gfp);
void ka_counters_free(struct ka_counters __percpu *c);
void ka_counters_sum(const struct ka_counters __percpu *c,
		     struct ka_counters *sum);

struct ka_policy_counters *ka_policy_counters_alloc(gfp_t gfp);
void ka_policy_counters_free(struct ka_policy_counters *c);
/* Into sum's first KA_NR_POLICY_COUNTERS; the others are 0. */
void ka_policy_counters_sum(const struct ka_policy_counters *c,
			    struct ka_counters *sum);

/*
 * Which counters the module can provide: those whose hook attached.
 * hooks.c says which cannot, once, when it attaches its hooks: before the
 * netlink family exists, but after /proc/net/ka_stats does (main.c), which
 * until then shows every counter, all of them 0. /proc/net/ka_stats and
 * netlink show the ones that cannot count as unavailable.
 */
void ka_counters_set_unavailable(unsigned long mask);	/* BIT(enum ka_counter_id) */
bool ka_counter_available(enum ka_counter_id idx);

/* Whether policies count idx too, or only the namespace totals do. */
static inline bool ka_counter_per_policy(enum ka_counter_id idx)
{
	return idx < KA_NR_POLICY_COUNTERS;
}

/* Safe from any context, including probe handlers in softirq. */
static inline void ka_counters_inc(struct ka_counters __percpu *c,
				   enum ka_counter_id idx)
{
	this_cpu_inc(c->v[idx]);
}

static inline void ka_counters_add(struct ka_counters __percpu *c,
				   enum ka_counter_id idx, unsigned int n)
{
	this_cpu_add(c->v[idx], n);
}

/*
 * Safe from any context. A namespace-only counter (events_dropped) has no
 * place here: a caller that passes one is a bug, caught rather than
 * written past the end.
 */
static inline void ka_policy_counters_inc(struct ka_policy_counters *c,
					  enum ka_counter_id idx)
{
	if (WARN_ON_ONCE(!ka_counter_per_policy(idx)))
		return;
	atomic64_inc(&c->v[idx]);
}

#endif /* _KA_STATS_H */
