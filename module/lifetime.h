/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KA_LIFETIME_H
#define _KA_LIFETIME_H

#include <linux/types.h>

struct sock;

int ka_lifetime_init(void);
/* After the probes are gone (hooks.c): frees what is left. */
void ka_lifetime_exit(void);

/*
 * hooks.c: notes are taken from ka_lifetime_start(), once the probe on
 * tcp_v4_destroy_sock() is armed, until ka_lifetime_stop(), before it is
 * disarmed; ka_lifetime_forget_all() after that (see lifetime.c).
 */
void ka_lifetime_start(void);
void ka_lifetime_stop(void);
void ka_lifetime_forget_all(void);

/*
 * Probe handlers: whether notes are on (else a connection need not ask
 * whether its lifetime is wanted); a connection was made, its lifetime
 * wanted (someone listens for its events) or not; sk is destroyed.
 */
bool ka_lifetime_noting(void);
void ka_lifetime_born(struct sock *sk, bool wanted);
void ka_lifetime_destroyed(struct sock *sk);

/* Under rcu_read_lock(): how long sk has lived, false when unknown. */
bool ka_lifetime_ms(const struct sock *sk, u64 *ms);

#endif /* _KA_LIFETIME_H */
