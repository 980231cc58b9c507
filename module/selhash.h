/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KA_SELHASH_H
#define _KA_SELHASH_H

#include <linux/types.h>

struct ka_selector;
struct ka_selhash_buckets;

/*
 * In each entry: a link for each of the two bucket arrays (selhash.c);
 * singly linked, so that struct ka_policy stays within 128 bytes.
 */
struct ka_selhash_node {
	struct ka_selhash_node __rcu *next[2];
};

/* A table's policies by selector. Zeroed, then ka_selhash_init(). */
struct ka_selhash {
	struct ka_selhash_buckets __rcu *buckets;
	unsigned int count;
	bool published;			/* readers may hold it */
	bool resized_published;		/* resize_gp is set */
	unsigned long resize_gp;	/* RCU state when last resized */
	ptrdiff_t key_offset;		/* from an entry's node to its key */
};

/*
 * Writers (insert, remove, replace, reserve, destroy) are serialized by
 * the caller; lookups run under RCU in any context. An entry is whatever
 * object embeds a struct ka_selhash_node and, key_offset bytes from it, a
 * struct ka_selector, its key (the kernel's rhashtable_params.key_offset):
 * policy.c's struct ka_policy, which it gets back with container_of().
 */
int ka_selhash_init(struct ka_selhash *h, ptrdiff_t key_offset);
void ka_selhash_destroy(struct ka_selhash *h);

/* Readers may reach h from now on (a new table, swapped in). */
static inline void ka_selhash_publish(struct ka_selhash *h)
{
	h->published = true;
}

/* Room for one more entry: may sleep; 0 or -ENOMEM. */
int ka_selhash_reserve(struct ka_selhash *h);
/* Inserts after ka_selhash_reserve(): cannot fail. */
void ka_selhash_insert(struct ka_selhash *h, struct ka_selhash_node *n);
void ka_selhash_remove(struct ka_selhash *h, struct ka_selhash_node *n);
/* new takes old's place (the same selector) in one step for readers. */
void ka_selhash_replace(struct ka_selhash *h, struct ka_selhash_node *old,
			struct ka_selhash_node *new);
/* May shrink the buckets after removals; may sleep, failure is harmless. */
void ka_selhash_shrink(struct ka_selhash *h);

/* How many buckets: the tests watch it grow and shrink. */
unsigned int ka_selhash_buckets(const struct ka_selhash *h);

/*
 * The entry keyed sel, else the one keyed sel but with direction alt_dir
 * (pass sel->dir for an exact lookup): one walk, under rcu_read_lock()
 * (writers too).
 */
struct ka_selhash_node *ka_selhash_lookup_dir(const struct ka_selhash *h,
					      const struct ka_selector *sel,
					      u8 alt_dir);

static inline struct ka_selhash_node *
ka_selhash_lookup(const struct ka_selhash *h, const struct ka_selector *sel)
{
	return ka_selhash_lookup_dir(h, sel, sel->dir);
}

#endif /* _KA_SELHASH_H */
