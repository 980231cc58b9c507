// SPDX-License-Identifier: GPL-2.0
/*
 * A table's policies by selector: a hash table whose memory is charged
 * to whoever sets the policies. It knows an entry by its node and its
 * key (selhash.h), nothing else of a policy.
 *
 * Why not the kernel's rhashtable: it allocates its bucket arrays with
 * GFP_KERNEL, grows them in a worker (and with GFP_ATOMIC when an insert
 * finds the table too full), so they cannot be charged to the memory
 * cgroup of the container that sets the policies. Here the writer
 * allocates every bucket array itself, in its own context, with
 * KA_GFP_POLICY, and a full container gets ENOMEM like for the rest.
 *
 * Readers (the connect and accept paths) walk one chain under RCU, with
 * no lock and no allocation. The direction is not hashed: a selector
 * and its twin of direction "both" share a chain, so that the connect
 * and accept paths find either in one walk (ka_selhash_lookup_dir());
 * the hash of the rest is a multiplication (bucket()).
 *
 * The writer resizes synchronously: twice the buckets when the entries
 * outnumber them, a smaller array when they fall under a quarter. Each
 * entry has two links. A resize chains every entry into the new array
 * with the link the current array does not use, publishes the new array
 * and frees the old one after a grace period: readers still on the old
 * array walk intact chains. A resize reuses the link of the array before
 * the current one, so it first waits for the grace period that began
 * when that array was replaced (long over, normally; a table nobody can
 * see yet never waits).
 */

#include <linux/hash.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/random.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>

#include "gfp.h"
#include "selector.h"
#include "selhash.h"

#define KA_SELHASH_MIN_BITS	3

struct ka_selhash_buckets {
	struct rcu_head rcu;
	u64 seed;
	u8 bits;
	u8 link;	/* which link of each entry chains this array */
	struct ka_selhash_node __rcu *head[];
};

static struct ka_selhash_buckets *buckets_of(const struct ka_selhash *h)
{
	return rcu_dereference_protected(h->buckets, true);
}

/*
 * Cgroup ids and path keys (cgpath.h) are serial numbers, under 2^32 in
 * practice but for the path keys' top bit: the ports go above them. A
 * multiplicative hash of that, xor a random seed, spreads serial keys
 * well; it is not made to resist someone who picks colliding selectors,
 * who can only slow the lookups of a namespace they administer, with at
 * most max_policies of them.
 */
static struct ka_selhash_node __rcu **bucket(const struct ka_selhash_buckets *b,
					     const struct ka_selector *sel)
{
	u64 key = sel->cgroup_id ^ b->seed ^
		  ((u64)sel->port_min << 48 | (u64)sel->port_max << 32);

	return (struct ka_selhash_node __rcu **)&b->head[hash_64(key, b->bits)];
}

/* The key of the entry whose node is n. */
static const struct ka_selector *key_of(const struct ka_selhash *h,
					const struct ka_selhash_node *n)
{
	return (const struct ka_selector *)((const char *)n + h->key_offset);
}

/* Writers: the link that points at node in its chain of b. */
static struct ka_selhash_node __rcu **link_to(const struct ka_selhash *h,
					      struct ka_selhash_buckets *b,
					      struct ka_selhash_node *node)
{
	struct ka_selhash_node __rcu **pp = bucket(b, key_of(h, node));
	struct ka_selhash_node *n;

	while ((n = rcu_dereference_protected(*pp, true)) != node) {
		if (WARN_ON_ONCE(!n))
			return NULL;
		pp = &n->next[b->link];
	}
	return pp;
}

static struct ka_selhash_buckets *buckets_alloc(unsigned int bits,
						unsigned int link, u64 seed)
{
	struct ka_selhash_buckets *b;

	/* Zeroed heads are empty chains. */
	b = kvzalloc(struct_size(b, head, 1UL << bits), KA_GFP_POLICY);
	if (!b)
		return NULL;
	b->bits = bits;
	b->link = link;
	b->seed = seed;
	return b;
}

int ka_selhash_init(struct ka_selhash *h, ptrdiff_t key_offset)
{
	struct ka_selhash_buckets *b;

	b = buckets_alloc(KA_SELHASH_MIN_BITS, 0, get_random_u64());
	if (!b)
		return -ENOMEM;
	RCU_INIT_POINTER(h->buckets, b);
	h->count = 0;
	h->published = false;
	h->resized_published = false;
	h->key_offset = key_offset;
	return 0;
}

void ka_selhash_destroy(struct ka_selhash *h)
{
	kvfree(buckets_of(h));
	RCU_INIT_POINTER(h->buckets, NULL);
}

static int resize(struct ka_selhash *h, unsigned int bits)
{
	struct ka_selhash_buckets *old = buckets_of(h), *new;
	struct ka_selhash_node __rcu **head;
	unsigned int i, link = !old->link;
	struct ka_selhash_node *n;

	new = buckets_alloc(bits, link, old->seed);
	if (!new)
		return -ENOMEM;
	/*
	 * No reader may still walk the array that used this link last (none
	 * did when no array of this table was replaced while visible).
	 */
	if (h->resized_published)
		cond_synchronize_rcu(h->resize_gp);
	for (i = 0; i < (1U << old->bits); i++) {
		for (n = rcu_dereference_protected(old->head[i], true); n;
		     n = rcu_dereference_protected(n->next[old->link], true)) {
			head = bucket(new, key_of(h, n));
			/* Unpublished until the array is: no barrier needed. */
			RCU_INIT_POINTER(n->next[link],
					 rcu_dereference_protected(*head, true));
			RCU_INIT_POINTER(*head, n);
		}
	}
	rcu_assign_pointer(h->buckets, new);
	if (h->published) {
		h->resize_gp = get_state_synchronize_rcu();
		h->resized_published = true;
		kvfree_rcu(old, rcu);
	} else {
		kvfree(old);
	}
	return 0;
}

int ka_selhash_reserve(struct ka_selhash *h)
{
	struct ka_selhash_buckets *b = buckets_of(h);

	if (h->count < (1U << b->bits))
		return 0;
	return resize(h, b->bits + 1);
}

void ka_selhash_insert(struct ka_selhash *h, struct ka_selhash_node *n)
{
	struct ka_selhash_buckets *b = buckets_of(h);
	struct ka_selhash_node __rcu **head = bucket(b, key_of(h, n));

	RCU_INIT_POINTER(n->next[b->link],
			 rcu_dereference_protected(*head, true));
	rcu_assign_pointer(*head, n);
	h->count++;
}

/* n's own link stays: a reader standing on n goes on down the chain. */
void ka_selhash_remove(struct ka_selhash *h, struct ka_selhash_node *n)
{
	struct ka_selhash_buckets *b = buckets_of(h);
	struct ka_selhash_node __rcu **pp = link_to(h, b, n);

	if (!pp)
		return;
	RCU_INIT_POINTER(*pp, rcu_dereference_protected(n->next[b->link],
							true));
	h->count--;
}

void ka_selhash_replace(struct ka_selhash *h, struct ka_selhash_node *old,
			struct ka_selhash_node *new)
{
	struct ka_selhash_buckets *b = buckets_of(h);
	struct ka_selhash_node __rcu **pp = link_to(h, b, old);

	if (!pp)
		return;
	RCU_INIT_POINTER(new->next[b->link],
			 rcu_dereference_protected(old->next[b->link], true));
	rcu_assign_pointer(*pp, new);
}

void ka_selhash_shrink(struct ka_selhash *h)
{
	struct ka_selhash_buckets *b = buckets_of(h);
	unsigned int bits;

	if (b->bits == KA_SELHASH_MIN_BITS || h->count >= (1U << b->bits) / 4)
		return;
	/* Half full after: room to grow before the next resize. */
	bits = max_t(unsigned int, KA_SELHASH_MIN_BITS,
		     order_base_2(h->count + 1) + 1);
	if (bits < b->bits)
		resize(h, bits);	/* no memory: keep the larger one */
}

unsigned int ka_selhash_buckets(const struct ka_selhash *h)
{
	return 1U << buckets_of(h)->bits;
}

/* The same selector but for the direction. */
static bool same_but_dir(const struct ka_selector *a,
			 const struct ka_selector *b)
{
	return a->cgroup_id == b->cgroup_id && a->port_min == b->port_min &&
	       a->port_max == b->port_max;
}

/*
 * Under rcu_read_lock(), which writers take too: what it returns stays
 * valid while the caller holds kn->lock or its RCU read lock.
 */
struct ka_selhash_node *ka_selhash_lookup_dir(const struct ka_selhash *h,
					      const struct ka_selector *sel,
					      u8 alt_dir)
{
	struct ka_selhash_node *n, *alt = NULL;
	const struct ka_selhash_buckets *b;
	const struct ka_selector *key;

	b = rcu_dereference(h->buckets);
	for (n = rcu_dereference(*bucket(b, sel)); n;
	     n = rcu_dereference(n->next[b->link])) {
		key = key_of(h, n);
		if (!same_but_dir(key, sel))
			continue;
		if (key->dir == sel->dir)
			break;
		if (key->dir == alt_dir)
			alt = n;
	}
	return n ?: alt;
}
