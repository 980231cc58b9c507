/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KA_EXISTING_H
#define _KA_EXISTING_H

#include <linux/percpu.h>
#include <linux/types.h>

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

/* What an --existing walk did. */
struct ka_existing_result {
	u32 sockets;		/* every full TCP socket of the namespace seen */
	u32 matched;		/* a policy matches: changed + every skip */
	u32 changed;
	u32 skipped[KA_EX_SKIP_MAX];
	u32 exempt;		/* an exemption matches: left alone */
	u64 time_us;		/* the walk's wall-clock time */
};

/*
 * Applies the namespace's policies as they are now to its open TCP
 * sockets. Process context, no lock held (it takes kn->existing_lock and
 * each socket's lock). 0, -EINTR on a fatal signal, -ENOMEM.
 */
int ka_existing_apply(struct net *net, struct ka_existing_result *res);

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
