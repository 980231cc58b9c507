/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KA_SOCKWALK_H
#define _KA_SOCKWALK_H

#include <linux/types.h>

struct net;
struct sock;

/* The most sockets one step of a walk hands out (and pins). */
#define KA_WALK_BATCH	16

/*
 * A place in the walk of a namespace's TCP sockets: zeroed, it is the
 * start. Positional, as inet_diag's: a socket added to or removed from
 * the bucket being walked, between two steps, may make the walk skip or
 * repeat one socket of that bucket.
 */
struct ka_walk {
	u8 phase;		/* listeners, then the established table */
	u32 bucket;
	u32 skip;		/* this namespace's full sockets already taken */
	/* Where the last batch began, for ka_walk_rewind(). */
	u8 batch_phase;
	u32 batch_bucket;
	u32 batch_skip;
};

/*
 * The next full sockets of net (listening, and every state of the
 * established table but TIME_WAIT and SYN_RECV requests), at most
 * KA_WALK_BATCH, all from one bucket, into socks[], each with a reference
 * the caller drops with ka_walk_put(). Returns how many. 0 when the walk
 * is over (ka_walk_done()) or when this step looked at its most buckets
 * without finding a socket (sockwalk.c): the caller calls again, after a
 * cond_resched() or in a later part of its work, until ka_walk_done().
 * Process context: takes and drops the buckets' spinlocks, holds none on
 * return, never sleeps; the sockets are not locked. IPv4 and IPv6 alike.
 */
unsigned int ka_walk_next(struct net *net, struct ka_walk *w,
			  struct sock **socks);

/* The walk is over: ka_walk_next() has nothing more to hand out. */
bool ka_walk_done(const struct ka_walk *w);

/* Makes the walk go on after the first n sockets of the last batch. */
void ka_walk_rewind(struct ka_walk *w, unsigned int n);

void ka_walk_put(struct sock **socks, unsigned int n);

#endif /* _KA_SOCKWALK_H */
