/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KA_APPLY_H
#define _KA_APPLY_H

#include <linux/bits.h>
#include <linux/types.h>

#include "policy.h"

struct request_sock;
struct sock;

/* The keepalive settings of a socket, one bit each in a mask of them. */
enum ka_field {
	KA_F_KEEPOPEN,		/* SO_KEEPALIVE */
	KA_F_IDLE,		/* TCP_KEEPIDLE */
	KA_F_INTVL,		/* TCP_KEEPINTVL */
	KA_F_CNT,		/* TCP_KEEPCNT */
	KA_F_USER_TIMEOUT,	/* TCP_USER_TIMEOUT */
	KA_F_MAX
};

#define KA_F_ALL	(BIT(KA_F_MAX) - 1)

/*
 * ka_policy's own marks on a socket, kept in sk_flags bits that no kernel
 * flag uses (enum sock_flags stays far below them, and apply.c checks
 * that at build time). They travel with the socket and are inherited by
 * accepted children (sock_copy), at no cost per socket:
 *  KA_SK_APP_KEEPALIVE_OFF  the application set SO_KEEPALIVE to 0
 *  KA_SK_APPLIED_IN/_OUT    a policy was applied on accept / on connect
 *  KA_SK_OURS + enum ka_field
 *                           ka_policy wrote that setting, and the
 *                           application has not set it since
 *  KA_SK_POLICY_ID          KA_POLICY_ID_BITS bits: the id of the policy
 *                           applied (policy.h), meaningful while
 *                           KA_SK_APPLIED_IN or _OUT is set
 *  KA_SK_BORN               the socket has an entry in lifetime.c's table
 * ka_policy changes them, and SOCK_KEEPOPEN, atomically only (bit
 * operations, or a compare-and-exchange of several bits where apply.c
 * owns the socket), as an application's setsockopt() clears a KA_SK_OURS
 * bit before it takes the socket lock. The kernel's own sk_flags updates
 * under the socket lock are plain read-modify-writes and may still undo
 * such a clear: the race apply.c's header describes.
 */
#if BITS_PER_LONG < 64
/* A 32-bit kernel's flags leave no top bits free. */
#error "ka_policy needs a 64-bit kernel: it keeps its socket marks in the top bits of sk_flags"
#endif
#define KA_SK_APP_KEEPALIVE_OFF	(BITS_PER_LONG - 1)
#define KA_SK_APPLIED_IN	(BITS_PER_LONG - 2)
#define KA_SK_APPLIED_OUT	(BITS_PER_LONG - 3)
#define KA_SK_OURS		(KA_SK_APPLIED_OUT - KA_F_MAX)
#define KA_SK_POLICY_ID		(KA_SK_OURS - KA_POLICY_ID_BITS)
#define KA_SK_BORN		(KA_SK_POLICY_ID - 1)

/* A socket's keepalive settings, as the decision sees them. */
struct ka_sock_state {
	bool keepopen;		/* SOCK_KEEPOPEN */
	bool app_off;		/* the application set SO_KEEPALIVE to 0 */
	u32 idle_jiffies;	/* 0: the netns sysctl */
	u32 intvl_jiffies;	/* 0: the netns sysctl */
	u32 probes;		/* 0: the netns sysctl */
	u32 user_timeout_ms;	/* 0: none */
	u8 ours;		/* what ka_policy wrote: BIT(enum ka_field) */
};

enum ka_verdict {
	KA_SKIP,		/* matched, left to the application */
	KA_APPLY,		/* state was changed */
};

bool ka_undo(struct ka_sock_state *st);
enum ka_verdict ka_decide(const struct ka_action *act,
			  struct ka_sock_state *st);

/*
 * Shared with --existing (existing.c), which applies the policies to
 * sockets that exist, under their socket lock.
 */
struct ka_net;

enum ka_sock_kind {
	KA_SOCK_FOREIGN,	/* not ka_policy's: ignored, not counted */
	KA_SOCK_MPTCP,		/* an MPTCP subflow: counted as skipped */
	KA_SOCK_APP,		/* an application's TCP socket: managed */
};

enum ka_sock_kind ka_sock_kind(const struct sock *sk,
			       const struct request_sock *req);
/*
 * Under rcu_read_lock(). The table is read once: a replace running now
 * gives this socket the old set or the new one, never parts of both.
 * NULL for no policy; an exemption is returned (act.off).
 */
const struct ka_policy *ka_lookup(struct ka_net *kn, struct sock *sk, u8 dir);
/* Under rcu_read_lock(): in p's counters and the namespace totals. */
void ka_count(struct ka_net *kn, const struct ka_policy *p,
	      enum ka_counter_id idx);
/* The caller owns sk (see apply.c). */
void ka_sock_mark_applied(struct sock *sk, const struct ka_policy *p, u8 dir);
bool ka_sock_decide(struct sock *sk, const struct ka_action *act,
		    struct ka_sock_state *st, enum ka_verdict *verdict);
void ka_sock_read(const struct sock *sk, struct ka_sock_state *st);
void ka_sock_write(struct sock *sk, const struct ka_sock_state *st);

/*
 * Probe handlers: atomic context, the caller owns sk (see hooks.c). For
 * ka_apply(), req is an accepted socket's request, NULL for a connect.
 */
void ka_apply(struct sock *sk, const struct request_sock *req, u8 dir);
void ka_account(struct sock *sk, enum ka_counter_id idx);
/* Any context: ka_account() counts sk's events (an application's socket). */
bool ka_sock_counted(const struct sock *sk);
/* Probe handler: atomic context, sk may not be locked yet. */
void ka_app_sets(struct sock *sk, enum ka_field field);
/*
 * Any context, under rcu_read_lock() (or kn->lock, which keeps the policy
 * too); sk must hold its namespace. deleted, if not NULL, tells a policy
 * deleted since it was applied from none applied (both return NULL).
 */
const struct ka_policy *ka_sock_policy(struct sock *sk, bool *deleted);
/* The direction a policy was applied in, KA_DIR_BOTH: none was. */
u8 ka_sock_applied_dir(const struct sock *sk);
/* An application's TCP socket (not a kernel socket, not an MPTCP subflow). */
bool ka_sock_is_app(const struct sock *sk);

#endif /* _KA_APPLY_H */
