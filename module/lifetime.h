/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KA_LIFETIME_H
#define _KA_LIFETIME_H

#include <linux/types.h>

struct sock;

int ka_lifetime_init(void);
/* After the probes are gone (hooks.c): frees what is left. */
void ka_lifetime_exit(void);

/* hooks.c, once the probe on tcp_v4_destroy_sock() is attached. */
void ka_lifetime_enable(void);

/*
 * Probe handlers: a connection was made, its lifetime wanted (someone
 * listens for its events) or not; sk is destroyed.
 */
void ka_lifetime_born(struct sock *sk, bool wanted);
void ka_lifetime_destroyed(struct sock *sk);

/* Under rcu_read_lock(): how long sk has lived, false when unknown. */
bool ka_lifetime_ms(const struct sock *sk, u64 *ms);

#endif /* _KA_LIFETIME_H */
