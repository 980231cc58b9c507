// SPDX-License-Identifier: GPL-2.0
/*
 * Event counters: a namespace's totals, and each policy's.
 *
 * Counters are bumped on the connect/accept path and from the keepalive
 * timer, on whatever CPU the socket runs. Readers (procfs and netlink)
 * are rare and add up what there is.
 *
 * The namespace totals are per-CPU: each CPU owns its copy, and
 * this_cpu_inc() needs neither a lock nor an atomic, nor a cache line
 * shared with other CPUs. There are a few per namespace.
 *
 * A policy's counters are one copy shared by every CPU, bumped with
 * atomic64_inc(). A namespace may hold 65,536 policies: per-CPU copies
 * would cost each 32 bytes per possible CPU, 2 KiB on a machine with 64
 * (over 130 MB for a full namespace), where one shared copy costs a
 * cache line whatever the machine. The copy has the line to itself
 * (kmalloc-64, whose objects are a line each): two policies' counters
 * packed in one line would make CPUs busy under different policies pass
 * it between them. The price is on the hot path: one locked instruction
 * instead of a plain one (the same instruction count,
 * Documentation/performance.rst), and a line that CPUs making connections
 * under the same policy at once pass between them, on a path that
 * already shares the listener's and the namespace's lines.
 *
 * On 64-bit kernels a u64 load cannot tear; a 32-bit reader of the
 * totals may see a torn value, which only matters for a counter that is
 * being printed while it wraps 2^32, and is accepted.
 */

#include <linux/bits.h>
#include <linux/slab.h>

#include "compat.h"
#include "stats.h"

const char * const ka_counter_names[KA_NR_COUNTERS] = {
	[KA_CNT_APPLIED]	= "applied",
	[KA_CNT_SKIPPED]	= "skipped",
	[KA_CNT_PROBES_SENT]	= "probes_sent",
	[KA_CNT_TIMEOUTS]	= "timeouts",
	[KA_CNT_EVENTS_DROPPED]	= "events_dropped",
};

static unsigned long ka_unavailable __read_mostly;

void ka_counters_set_unavailable(unsigned long mask)
{
	WRITE_ONCE(ka_unavailable, mask);
}

bool ka_counter_available(enum ka_counter_id idx)
{
	return !(READ_ONCE(ka_unavailable) & BIT(idx));
}

struct ka_counters __percpu *ka_counters_alloc(gfp_t gfp)
{
	return alloc_percpu_gfp(struct ka_counters, gfp);
}

void ka_counters_free(struct ka_counters __percpu *c)
{
	free_percpu(c);
}

void ka_counters_sum(const struct ka_counters __percpu *c,
		     struct ka_counters *sum)
{
	int cpu, i;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		const struct ka_counters *pc = per_cpu_ptr(c, cpu);

		for (i = 0; i < KA_NR_COUNTERS; i++)
			sum->v[i] += READ_ONCE(pc->v[i]);
	}
}

struct ka_policy_counters *ka_policy_counters_alloc(gfp_t gfp)
{
	struct ka_policy_counters *c;

	BUILD_BUG_ON(sizeof(*c) != SMP_CACHE_BYTES && IS_ENABLED(CONFIG_SMP));
	c = kzalloc_obj(*c, gfp);	/* all zero: atomic64_t's 0 */
	return c;
}

void ka_policy_counters_free(struct ka_policy_counters *c)
{
	kfree(c);
}

void ka_policy_counters_sum(const struct ka_policy_counters *c,
			    struct ka_counters *sum)
{
	int i;

	memset(sum, 0, sizeof(*sum));
	for (i = 0; i < KA_NR_POLICY_COUNTERS; i++)
		sum->v[i] = atomic64_read(&c->v[i]);
}
