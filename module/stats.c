// SPDX-License-Identifier: GPL-2.0
/*
 * Per-CPU event counters.
 *
 * Counters are bumped on the connect/accept path and from the keepalive
 * timer, on whatever CPU the socket runs, so each CPU owns its copy and
 * this_cpu_inc() needs neither a lock nor an atomic. Readers (procfs and
 * netlink, rare) add the copies up. On 64-bit kernels a u64 load cannot
 * tear; a 32-bit reader may see a torn value, which only matters for a
 * counter that is being printed while it wraps 2^32, and is accepted.
 */

#include <linux/bits.h>

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
