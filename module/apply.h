/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KA_APPLY_H
#define _KA_APPLY_H

#include <linux/types.h>

#include "policy.h"

struct request_sock;
struct sock;

/*
 * ka_policy's own marks on a socket, kept in sk_flags bits that no kernel
 * flag uses (enum sock_flags stays far below them; compat.h refuses a
 * 32-bit kernel). They travel with the socket and are inherited by
 * accepted children (sock_copy), at no cost per socket:
 *  KA_SK_APP_KEEPALIVE_OFF  the application set SO_KEEPALIVE to 0
 *  KA_SK_APPLIED_IN/_OUT    a policy was applied on accept / on connect
 */
#define KA_SK_APP_KEEPALIVE_OFF	(BITS_PER_LONG - 1)
#define KA_SK_APPLIED_IN	(BITS_PER_LONG - 2)
#define KA_SK_APPLIED_OUT	(BITS_PER_LONG - 3)

/* A socket's keepalive settings, as the decision sees them. */
struct ka_sock_state {
	bool keepopen;		/* SOCK_KEEPOPEN */
	bool app_off;		/* the application set SO_KEEPALIVE to 0 */
	u32 time;		/* jiffies, 0: the netns sysctl */
	u32 intvl;		/* jiffies, 0: the netns sysctl */
	u32 probes;		/* 0: the netns sysctl */
	u32 user_timeout;	/* ms, 0: none */
};

enum ka_verdict {
	KA_SKIP,		/* matched, left to the application */
	KA_APPLY,		/* state was changed */
};

enum ka_verdict ka_decide(const struct ka_action *act,
			  struct ka_sock_state *st);

/*
 * Probe handlers: atomic context, the caller owns sk (see hooks.c). For
 * ka_apply(), req is an accepted socket's request, NULL for a connect.
 */
void ka_apply(struct sock *sk, const struct request_sock *req, u8 dir);
void ka_account(struct sock *sk, enum ka_counter idx);

#endif /* _KA_APPLY_H */
