// SPDX-License-Identifier: GPL-2.0
/*
 * Cgroup paths: the cgroup each path policy names, followed as cgroups
 * come and go.
 *
 * An operator names a cgroup by its path (/system.slice/redis.service),
 * but systemd removes a service's cgroup when the unit stops and makes a
 * new one, with a new id, when it starts; containers do the same, and at
 * boot the policies are loaded before the services' cgroups exist. So a
 * policy set by path names the path, not the cgroup object: it matches
 * whatever cgroup is at that path, including one made long after the
 * policy. (A policy set by id keeps naming one object: policy.c.)
 *
 * The connect and accept paths must stay string-free, so paths are
 * resolved when cgroups appear, not per connection. There is one struct
 * ka_cgpath per distinct path, shared by the namespaces whose policies
 * name it (paths are kept absolute, from the hierarchy's root, so they
 * mean the same to everyone). It carries a key, fixed for its lifetime,
 * that the policies use as their selector's cgroup, and the id of the
 * cgroup at the path now. Two hash tables index them: by path (for
 * configuration and for new cgroups) and by cgroup id (for lookups: per
 * level of a socket's cgroup chain, one RCU hash lookup turns the
 * ancestor's id into a key, then policy.c looks up the key as it would
 * an id).
 *
 * Learning that a cgroup was created: a kprobe on kernfs_activate(),
 * which cgroup_mkdir() calls last, under cgroup_mutex, once the new
 * cgroup is complete (its id, level and ancestors are set) and just before
 * its directory becomes visible (the default hierarchy's kernfs root is
 * created deactivated). Nobody can have moved a task into the cgroup or
 * opened it for CLONE_INTO_CGROUP before that, so the guarantee is exact:
 * every socket created by a task in the new cgroup, or below it, sees the
 * policy, from the first connection on. The alternatives were worse: a
 * kretprobe on cgroup_mkdir() runs after the directory is visible and is
 * not handed the new cgroup; the cgroup_mkdir tracepoint is not exported
 * to modules and hands a path truncated at 1 KiB in a shared buffer;
 * fsnotify needs a watch on every directory of every cgroup2 mount.
 * kernfs_activate() is also called for other kernfs users (for every node
 * sysfs adds, and by resctrl) and for existing cgroups when their
 * controllers or files change: the handler returns after one load when no
 * path policy exists, else after two compares for anything but a cgroup
 * directory of the default hierarchy; binding a cgroup already bound
 * changes nothing. For a new cgroup the cost is building the
 * path (kernfs_path(), a spinlock) and one hash lookup, per mkdir.
 *
 * Ordering without a lock across the two sides: setting a policy first
 * publishes its path (from then on a new cgroup there is bound by the
 * handler), then looks the path up; either may bind, and cgroup ids only
 * grow (kernfs allocates them cyclically with a generation above the
 * inode number), so the newest cgroup wins and a stale lookup of an older
 * one changes nothing. A removed cgroup stays bound until a new one
 * appears at the path: sockets still in it (a listener's accepted
 * children) keep matching, and no hook on removal is needed; whether the
 * cgroup still exists is asked only when a policy is shown.
 *
 * The id table is a hlist_nulls per bucket (as TCP's established hash): a
 * rebound entry moves to another bucket while readers may be walking it,
 * and a reader that ends on another bucket's nulls marker starts over.
 * Entries are freed after a grace period. Writers take ka_cgpaths_lock,
 * with interrupts off: the last reference can go from an RCU callback.
 */

#include <linux/cgroup.h>
#include <linux/hash.h>
#include <linux/jhash.h>
#include <linux/kernfs.h>
#include <linux/percpu.h>
#include <linux/random.h>
#include <linux/rculist_nulls.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>

#include "cgpath.h"
#include "gfp.h"

#define KA_CGPATH_HASH_BITS	10

/* Raw: taken in a probe handler, which must not sleep on PREEMPT_RT. */
static DEFINE_RAW_SPINLOCK(ka_cgpaths_lock);
/* Seeded at load, so that no one can choose paths that collide. */
static u32 ka_cgpaths_seed __read_mostly;
static struct hlist_head *ka_cgpaths_by_path;
static struct hlist_nulls_head *ka_cgpaths_by_id;
static unsigned int ka_cgpaths_count;	/* paths named; read locklessly */
static u64 ka_cgpaths_serial;

/* The probe handler builds a new cgroup's path here (preemption is off). */
struct ka_cgpath_buf {
	char path[KA_CGPATH_BUF_SIZE];
};

static struct ka_cgpath_buf __percpu *ka_cgpath_bufs;

int ka_cgpaths_init(void)
{
	unsigned int i, n = 1U << KA_CGPATH_HASH_BITS;

	ka_cgpaths_by_path = kcalloc(n, sizeof(*ka_cgpaths_by_path), GFP_KERNEL);
	ka_cgpaths_by_id = kcalloc(n, sizeof(*ka_cgpaths_by_id), GFP_KERNEL);
	ka_cgpath_bufs = alloc_percpu(struct ka_cgpath_buf);
	ka_cgpaths_seed = get_random_u32();
	if (!ka_cgpaths_by_path || !ka_cgpaths_by_id || !ka_cgpath_bufs) {
		ka_cgpaths_exit();
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		INIT_HLIST_HEAD(&ka_cgpaths_by_path[i]);
		INIT_HLIST_NULLS_HEAD(&ka_cgpaths_by_id[i], i);
	}
	return 0;
}

/* Every policy is gone, and rcu_barrier() ran: nothing is left here. */
void ka_cgpaths_exit(void)
{
	WARN_ON_ONCE(ka_cgpaths_count);
	free_percpu(ka_cgpath_bufs);
	kfree(ka_cgpaths_by_id);
	kfree(ka_cgpaths_by_path);
	ka_cgpath_bufs = NULL;
	ka_cgpaths_by_id = NULL;
	ka_cgpaths_by_path = NULL;
}

static u32 path_hash(const char *path, size_t len)
{
	return jhash(path, len, ka_cgpaths_seed);
}

static struct ka_cgpath *find_locked(const char *path, u32 hash)
{
	struct ka_cgpath *cp;

	hlist_for_each_entry(cp, &ka_cgpaths_by_path[hash_32(hash, KA_CGPATH_HASH_BITS)],
			     path_node)
		if (cp->hash == hash && !strcmp(cp->path, path))
			return cp;
	return NULL;
}

/* Newest wins: ids only grow, so an older cgroup never replaces a newer. */
static void bind_locked(struct ka_cgpath *cp, u64 id)
{
	if (id <= cp->id)
		return;
	if (cp->id)
		hlist_nulls_del_rcu(&cp->id_node);
	WRITE_ONCE(cp->id, id);
	hlist_nulls_add_head_rcu(&cp->id_node,
				 &ka_cgpaths_by_id[hash_64(id, KA_CGPATH_HASH_BITS)]);
}

void ka_cgpath_bind(struct ka_cgpath *cp, u64 cgroup_id)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&ka_cgpaths_lock, flags);
	bind_locked(cp, cgroup_id);
	raw_spin_unlock_irqrestore(&ka_cgpaths_lock, flags);
}

/*
 * A path as policies keep it: absolute, components joined by one '/', no
 * trailing '/'. "." and ".." are refused rather than resolved: the path
 * may name a cgroup that does not exist, and resolving them textually
 * would differ from the kernel's own walk. Returns the length.
 */
int ka_cgpath_normalize(const char *in, char *out, size_t size)
{
	size_t len = 0, n;
	const char *c;

	if (in[0] != '/')
		return -EINVAL;
	while (*in) {
		while (*in == '/')
			in++;
		if (!*in)
			break;
		c = strchrnul(in, '/');
		n = c - in;
		if ((n == 1 && in[0] == '.') ||
		    (n == 2 && in[0] == '.' && in[1] == '.') ||
		    memchr(in, '\n', n))
			return -EINVAL;
		if (len + 1 + n >= size)
			return -ENAMETOOLONG;
		out[len++] = '/';
		memcpy(out + len, in, n);
		len += n;
		in = c;
	}
	if (!len) {
		if (size < 2)
			return -ENAMETOOLONG;
		out[len++] = '/';
	}
	out[len] = '\0';
	return len;
}

/* The root of the caller's cgroup namespace, in the default hierarchy. */
static struct cgroup *ns_root(void)
{
	return current->nsproxy->cgroup_ns->root_cset->dfl_cgrp;
}

/*
 * The absolute path of the caller's cgroup namespace root; size is at
 * least KA_CGPATH_BUF_SIZE (a longer path is -ENAMETOOLONG: no policy
 * path lies below it). Returns the length.
 */
int ka_cgpath_ns_root(char *buf, size_t size)
{
	int len = kernfs_path(ns_root()->kn, buf, size);

	if (len < 0)
		return len;
	return len > KA_CGROUP_PATH_MAX ? -ENAMETOOLONG : len;
}

/*
 * rel, normalized and relative to the caller's cgroup namespace, as an
 * absolute path of at most KA_CGROUP_PATH_MAX bytes (size is at least
 * KA_CGROUP_PATH_MAX + 2). Returns the length.
 */
int ka_cgpath_absolute(const char *rel, char *out, size_t size)
{
	size_t rlen = strlen(rel);
	int len;

	len = ka_cgpath_ns_root(out, size);
	if (len < 0)
		return len;
	if (len == 1)		/* the namespace's root is the hierarchy's */
		len = 0;
	else if (rlen == 1)	/* rel is the namespace's root itself */
		rlen = 0;
	if (len + rlen > KA_CGROUP_PATH_MAX)
		return -ENAMETOOLONG;
	memcpy(out + len, rel, rlen + 1);
	return len + rlen;
}

/*
 * abs_path relative to root (both absolute, normalized), or NULL when it
 * lies outside (or either is NULL: unknown): a reader never sees a path
 * outside its cgroup namespace.
 */
const char *ka_cgpath_relative(const char *abs_path, const char *root)
{
	size_t n;

	if (!abs_path || !root)
		return NULL;
	n = strlen(root);
	if (n == 1)
		return abs_path;
	if (strncmp(abs_path, root, n))
		return NULL;
	if (!abs_path[n])
		return "/";
	return abs_path[n] == '/' ? abs_path + n : NULL;
}

/*
 * The id of the cgroup at abs_path now, 0 for none. Walked from the
 * hierarchy's root one name at a time (kernfs_walk_and_get() is not
 * exported, and cgroup_get_from_path() starts at the hierarchy's root on
 * 5.10 but at the caller's namespace root later).
 */
static u64 cgroup_id_at(const char *abs_path)
{
	char name[NAME_MAX + 1];
	struct kernfs_node *kn, *next;
	const char *p = abs_path, *c;
	u64 id = 0;

	kn = cgrp_dfl_root.cgrp.kn;
	kernfs_get(kn);
	while (*p == '/' && p[1]) {
		if (kernfs_type(kn) != KERNFS_DIR)
			goto out;
		c = strchrnul(p + 1, '/');
		if (c - p - 1 > NAME_MAX)
			goto out;
		memcpy(name, p + 1, c - p - 1);
		name[c - p - 1] = '\0';
		next = kernfs_find_and_get_ns(kn, name, NULL);
		kernfs_put(kn);
		kn = next;
		if (!kn)
			return 0;
		p = c;
	}
	if (kernfs_type(kn) == KERNFS_DIR)
		id = kn->id;
out:
	kernfs_put(kn);
	return id;
}

/*
 * The path's entry, made if no policy named it yet, with one more user.
 * Charged to the caller's memory cgroup. NULL: out of memory.
 */
struct ka_cgpath *ka_cgpath_get(const char *abs_path)
{
	size_t len = strlen(abs_path);
	struct ka_cgpath *cp, *new;
	unsigned long flags;
	u32 hash;

	hash = path_hash(abs_path, len);
	new = kzalloc(struct_size(new, path, len + 1), KA_GFP_POLICY);
	if (!new)
		return NULL;
	raw_spin_lock_irqsave(&ka_cgpaths_lock, flags);
	cp = find_locked(abs_path, hash);
	if (!cp) {
		cp = new;
		new = NULL;
		cp->hash = hash;
		cp->key = KA_CGPATH_KEY | ++ka_cgpaths_serial;
		memcpy(cp->path, abs_path, len + 1);
		hlist_add_head(&cp->path_node,
			       &ka_cgpaths_by_path[hash_32(hash, KA_CGPATH_HASH_BITS)]);
		WRITE_ONCE(ka_cgpaths_count, ka_cgpaths_count + 1);
	}
	cp->users++;
	raw_spin_unlock_irqrestore(&ka_cgpaths_lock, flags);
	kfree(new);
	return cp;
}

/*
 * After ka_cgpath_get(), which made the path visible to the probe
 * handler: bind the cgroup that is at the path already, if any.
 */
void ka_cgpath_resolve(struct ka_cgpath *cp)
{
	u64 id = cgroup_id_at(cp->path);

	if (id)
		ka_cgpath_bind(cp, id);
}

void ka_cgpath_put(struct ka_cgpath *cp)
{
	unsigned long flags;
	bool last;

	raw_spin_lock_irqsave(&ka_cgpaths_lock, flags);
	last = !--cp->users;
	if (last) {
		hlist_del(&cp->path_node);
		if (cp->id)
			hlist_nulls_del_rcu(&cp->id_node);
		WRITE_ONCE(ka_cgpaths_count, ka_cgpaths_count - 1);
	}
	raw_spin_unlock_irqrestore(&ka_cgpaths_lock, flags);
	if (last)
		kfree_rcu(cp, rcu);
}

/* The key of a path some policy names, 0 for none (to delete by path). */
u64 ka_cgpath_find_key(const char *abs_path)
{
	struct ka_cgpath *cp;
	unsigned long flags;
	u64 key = 0;

	raw_spin_lock_irqsave(&ka_cgpaths_lock, flags);
	cp = find_locked(abs_path, path_hash(abs_path, strlen(abs_path)));
	if (cp)
		key = cp->key;
	raw_spin_unlock_irqrestore(&ka_cgpaths_lock, flags);
	return key;
}

void ka_cgpath_created(struct kernfs_node *kn)
{
	struct ka_cgpath *cp;
	unsigned long flags;
	char *buf;
	int len;

	if (!READ_ONCE(ka_cgpaths_count))
		return;
	if (kernfs_type(kn) != KERNFS_DIR || kn->dir.root != cgrp_dfl_root.kf_root)
		return;
	buf = this_cpu_ptr(ka_cgpath_bufs)->path;
	len = kernfs_path(kn, buf, sizeof(struct ka_cgpath_buf));
	/* Longer than any policy's path (some kernels truncate silently). */
	if (len < 0 || len > KA_CGROUP_PATH_MAX)
		return;
	raw_spin_lock_irqsave(&ka_cgpaths_lock, flags);
	cp = find_locked(buf, path_hash(buf, len));
	if (cp)
		bind_locked(cp, kn->id);
	raw_spin_unlock_irqrestore(&ka_cgpaths_lock, flags);
}

u64 ka_cgpath_key_of(u64 cgroup_id)
{
	unsigned int slot = hash_64(cgroup_id, KA_CGPATH_HASH_BITS);
	struct hlist_nulls_node *n;
	struct ka_cgpath *cp;

begin:
	hlist_nulls_for_each_entry_rcu(cp, n, &ka_cgpaths_by_id[slot], id_node)
		if (READ_ONCE(cp->id) == cgroup_id)
			return cp->key;
	/* Ended on another bucket: an entry moved while we walked. */
	if (get_nulls_value(n) != slot)
		goto begin;
	return 0;
}

/* Whether the cgroup with this id exists and the caller may see it. */
static bool cgroup_alive(u64 id)
{
	struct cgroup *cgrp;
	bool alive;

	cgrp = cgroup_get_from_id(id);
	if (IS_ERR_OR_NULL(cgrp))
		return false;
	alive = !css_is_dying(&cgrp->self);
	cgroup_put(cgrp);
	return alive;
}

enum ka_cgroup_state ka_cgpath_state(const struct ka_cgpath *cp)
{
	u64 id = READ_ONCE(cp->id);

	return id && cgroup_alive(id) ? KA_CGROUP_ACTIVE : KA_CGROUP_WAITING;
}

/* A policy by id: its cgroup, once removed, never comes back. */
enum ka_cgroup_state ka_cgroup_id_state(u64 id)
{
	return cgroup_alive(id) ? KA_CGROUP_ACTIVE : KA_CGROUP_GONE;
}
