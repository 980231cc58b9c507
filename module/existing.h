/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KA_EXISTING_H
#define _KA_EXISTING_H

#include <linux/percpu.h>
#include <linux/types.h>

struct ka_selector;
struct net;
struct sock;

/* Why a socket a policy matches was left as it was (--existing). */
enum ka_existing_skip {
	KA_EX_SKIP_APPLICATION,	/* the application's own settings cover it */
	KA_EX_SKIP_KEEPALIVE_OFF, /* the application set SO_KEEPALIVE=0 */
	KA_EX_SKIP_UNCHANGED,	/* it has the policy's settings already */
	KA_EX_SKIP_LISTENER,	/* listening: its children are decided at accept */
	KA_EX_SKIP_CLOSED,	/* closed or closing by the time it was locked */
	KA_EX_SKIP_MPTCP,	/* an MPTCP subflow */
	KA_EX_SKIP_MAX
};

/* What one step of an --existing walk did. */
struct ka_existing_result {
	u32 sockets;		/* full TCP sockets of the namespace seen */
	u32 matched;		/* a policy matches: changed + every skip */
	u32 changed;
	u32 skipped[KA_EX_SKIP_MAX];
	u32 exempt;		/* an exemption matches: left alone */
	u64 time_us;		/* the step's wall-clock time */
};

/* A walk in progress, between its steps (existing.c). */
struct ka_existing_walk;

/**
 * ka_existing_begin() - prepares a walk of a namespace's open sockets
 * @only: the selector of the one policy to apply; NULL: every policy
 *
 * Process context, GFP_KERNEL. Holds no lock and no reference on
 * anything: the namespace is given to each step.
 *
 * Return: the walk, or NULL when out of memory.
 */
struct ka_existing_walk *ka_existing_begin(const struct ka_selector *only);

/**
 * ka_existing_step() - applies the policies to the next open sockets
 * @net: the namespace, the same at every step; held by the caller
 * @w: the walk
 * @res: what this step did, zeroed first
 *
 * Applies the namespace's policies as they are now to its next open TCP
 * sockets, at most KA_EXISTING_STEP_SOCKETS of them, in about
 * KA_EXISTING_STEP_US at most (existing.c); a step may end having seen
 * none, over a stretch of the hash tables empty for this namespace.
 * Process context, no lock held; it takes each socket's lock in turn and
 * holds none on return.
 *
 * Return: 1 when the walk is not over (sockets may be left for another
 * step), 0 once it is, -EINTR when a fatal signal cut this step short.
 */
int ka_existing_step(struct net *net, struct ka_existing_walk *w,
		     struct ka_existing_result *res);

/* Frees the walk, over or not (NULL: nothing to free). */
void ka_existing_end(struct ka_existing_walk *w);

/*
 * The socket whose keepalive this CPU's --existing walk is switching,
 * NULL otherwise: the tcp_set_keepalive() probe (hooks.c) must not take
 * the module's own call for the application's SO_KEEPALIVE.
 */
DECLARE_PER_CPU(struct sock *, ka_existing_sk);

static inline bool ka_existing_writes(const struct sock *sk)
{
	return this_cpu_read(ka_existing_sk) == sk;
}

#endif /* _KA_EXISTING_H */
