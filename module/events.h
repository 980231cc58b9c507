/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KA_EVENTS_H
#define _KA_EVENTS_H

struct net;
struct sock;

/*
 * Sends on the family from ka_events_start(), once it is registered,
 * until ka_events_stop(), which returns when no handler sends any more.
 * Never on a kernel that cannot restrict who listens (KA_EVENTS 0,
 * compat.h): the family has no group there.
 */
void ka_events_start(void);
void ka_events_stop(void);

/* Someone listens to net's events now. Any context, under RCU or not. */
bool ka_events_listened(struct net *net);

/*
 * Probe handler, inside tcp_keepalive_timer() with the socket spinlock
 * held and the socket not owned by a user: keepalive gave up on sk.
 */
void ka_event_timeout(struct sock *sk);

#endif /* _KA_EVENTS_H */
