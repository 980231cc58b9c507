/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KA_CGPATH_H
#define _KA_CGPATH_H

#include <linux/list.h>
#include <linux/list_nulls.h>
#include <linux/rcupdate.h>
#include <linux/types.h>
#include <linux/ka_policy.h>

struct kernfs_node;

/*
 * A cgroup path that policies name (cgpath.c). One per distinct path,
 * shared by every namespace's policies that name it, and followed as
 * cgroups are created at it.
 */
struct ka_cgpath {
	struct hlist_node path_node;	/* by path; under ka_cgpaths_lock */
	struct hlist_nulls_node id_node; /* by cgroup id; RCU readers */
	u64 key;		/* the policies' selector key, KA_CGPATH_KEY set */
	u64 id;			/* the cgroup at the path now; 0: none yet */
	unsigned int users;	/* policies naming it; under ka_cgpaths_lock */
	u32 hash;		/* of path */
	struct rcu_head rcu;
	char path[];		/* absolute: from the root of the hierarchy */
};

/*
 * A policy's selector holds either a cgroup's id or a path's key, which
 * has this bit set: cgroup ids (kernfs ids: a 32-bit inode number and a
 * 32-bit generation that grows once per wrap) never reach it.
 */
#define KA_CGPATH_KEY		BIT_ULL(63)

static inline bool ka_cgroup_key_is_path(u64 key)
{
	return key & KA_CGPATH_KEY;
}

int ka_cgpaths_init(void);
void ka_cgpaths_exit(void);

/* A buffer for one path: KA_CGROUP_PATH_MAX bytes, one to spare, NUL. */
#define KA_CGPATH_BUF_SIZE	(KA_CGROUP_PATH_MAX + 2)

/* Process context. */
int ka_cgpath_normalize(const char *in, char *out, size_t size);
int ka_cgpath_ns_root(char *buf, size_t size);
int ka_cgpath_absolute(const char *rel, char *out, size_t size);
struct ka_cgpath *ka_cgpath_get(const char *abs_path);
void ka_cgpath_resolve(struct ka_cgpath *cp);
u64 ka_cgpath_find_key(const char *abs_path);
const char *ka_cgpath_relative(const char *abs_path, const char *root);
enum ka_cgroup_state ka_cgpath_state(const struct ka_cgpath *cp);
enum ka_cgroup_state ka_cgroup_id_state(u64 id);

/* Any context: the last reference may go from an RCU callback. */
void ka_cgpath_put(struct ka_cgpath *cp);

/* Probe handler (atomic): a cgroup is about to become visible. */
void ka_cgpath_created(struct kernfs_node *kn);

/* Lookups, under rcu_read_lock(): the key of the path a cgroup is at. */
u64 ka_cgpath_key_of(u64 cgroup_id);

/* For the KUnit suites: what the probe handler does, given a path. */
void ka_cgpath_bind(struct ka_cgpath *cp, u64 cgroup_id);

#endif /* _KA_CGPATH_H */
