// SPDX-License-Identifier: GPL-2.0
/*
 * TCP listeners are kept in inet_hashinfo's listening_hash[], hashed by
 * port alone (INET_LHTABLE_SIZE buckets): until 5.19, which retired it
 * ("net: inet: Retire port only listening_hash") and
 * keeps them only in lhash2, by port and address. 5.10 has it; 6.1 and
 * later do not. Walking every listener (sockwalk.c) reads one or the
 * other; both are buckets with a lock and a nulls list.
 */
#include <net/inet_hashtables.h>

struct inet_listen_hashbucket *ka_probe(struct inet_hashinfo *h)
{
	return &h->listening_hash[0];
}
