// SPDX-License-Identifier: GPL-2.0
/*
 * Cgroup paths (cgpath.c): how a path is kept (normalized, absolute), how
 * a reader in a cgroup namespace sees it, and how a path follows the
 * cgroups made at it: the newest cgroup wins, an older one never replaces
 * it, and the lookup by id finds the path's key only for the cgroup bound
 * now. The probe handler does what ka_cgpath_bind() does here, once it
 * has the new cgroup's path.
 */

/* What this suite tests, static functions and all (Kbuild says why). */
#include "../cgpath.c"

#include <kunit/test.h>
#include <linux/rcupdate.h>

#include "ka_test.h"

struct norm_case {
	const char *in;
	const char *out;	/* NULL: refused with err */
	int err;
};

static const struct norm_case norm_cases[] = {
	{ "/", "/" },
	{ "//", "/" },
	{ "/system.slice", "/system.slice" },
	{ "/system.slice/", "/system.slice" },
	{ "//a///b//", "/a/b" },
	{ "/a b/c", "/a b/c" },
	{ "/...", "/..." },
	{ "/.hidden", "/.hidden" },
	{ "", NULL, -EINVAL },
	{ "a/b", NULL, -EINVAL },
	{ "/a/./b", NULL, -EINVAL },
	{ "/a/..", NULL, -EINVAL },
	{ "/../a", NULL, -EINVAL },
	{ "/a\nb", NULL, -EINVAL },
};

static void normalize_test(struct kunit *test)
{
	char out[KA_CGPATH_BUF_SIZE];
	int i, ret;

	for (i = 0; i < ARRAY_SIZE(norm_cases); i++) {
		const struct norm_case *c = &norm_cases[i];

		ret = ka_cgpath_normalize(c->in, out, sizeof(out));
		if (!c->out) {
			KUNIT_EXPECT_EQ_MSG(test, ret, c->err, "'%s'", c->in);
			continue;
		}
		KUNIT_EXPECT_EQ_MSG(test, ret, (int)strlen(c->out), "'%s'", c->in);
		if (ret >= 0)
			KUNIT_EXPECT_STREQ(test, out, c->out);
	}
	/* Too long for the buffer: refused, never truncated. */
	KUNIT_EXPECT_EQ(test, ka_cgpath_normalize("/abcdef", out, 7), -ENAMETOOLONG);
	KUNIT_EXPECT_EQ(test, ka_cgpath_normalize("/abcde", out, 7), 6);
}

static void relative_test(struct kunit *test)
{
	KUNIT_EXPECT_STREQ(test, ka_cgpath_relative("/a/b", "/"), "/a/b");
	KUNIT_EXPECT_STREQ(test, ka_cgpath_relative("/a/b", "/a"), "/b");
	KUNIT_EXPECT_STREQ(test, ka_cgpath_relative("/a", "/a"), "/");
	KUNIT_EXPECT_NULL(test, ka_cgpath_relative("/ab", "/a"));
	KUNIT_EXPECT_NULL(test, ka_cgpath_relative("/b", "/a"));
	KUNIT_EXPECT_NULL(test, ka_cgpath_relative("/", "/a"));
	KUNIT_EXPECT_NULL(test, ka_cgpath_relative(NULL, "/"));
	KUNIT_EXPECT_NULL(test, ka_cgpath_relative("/a", NULL));
}

static u64 key_of(u64 id)
{
	u64 key;

	rcu_read_lock();
	key = ka_cgpath_key_of(id);
	rcu_read_unlock();
	return key;
}

static void bind_test(struct kunit *test)
{
	struct ka_cgpath *cp, *again, *other;

	cp = ka_cgpath_get("/ka-test/redis.service");
	KUNIT_ASSERT_NOT_NULL(test, cp);
	KUNIT_EXPECT_TRUE(test, ka_cgroup_key_is_path(cp->key));
	KUNIT_EXPECT_EQ(test, cp->id, 0);
	KUNIT_EXPECT_EQ(test, key_of(100), 0);

	/* The same path again is the same entry, with one more user. */
	again = ka_cgpath_get("/ka-test/redis.service");
	KUNIT_EXPECT_PTR_EQ(test, again, cp);
	other = ka_cgpath_get("/ka-test/web.service");
	KUNIT_ASSERT_NOT_NULL(test, other);
	KUNIT_EXPECT_NE(test, other->key, cp->key);

	ka_cgpath_bind(cp, 100);
	KUNIT_EXPECT_EQ(test, key_of(100), cp->key);
	/* An older cgroup (a stale lookup) changes nothing. */
	ka_cgpath_bind(cp, 50);
	KUNIT_EXPECT_EQ(test, key_of(100), cp->key);
	KUNIT_EXPECT_EQ(test, key_of(50), 0);
	/* A newer one, made at the path after the first was removed. */
	ka_cgpath_bind(cp, 1ULL << 32 | 7);
	KUNIT_EXPECT_EQ(test, key_of(100), 0);
	KUNIT_EXPECT_EQ(test, key_of(1ULL << 32 | 7), cp->key);
	ka_cgpath_bind(other, 200);
	KUNIT_EXPECT_EQ(test, key_of(200), other->key);

	ka_cgpath_put(again);
	KUNIT_EXPECT_EQ(test, key_of(1ULL << 32 | 7), cp->key);
	/* The last user gone: neither the id nor the path is known. */
	ka_cgpath_put(cp);
	KUNIT_EXPECT_EQ(test, key_of(1ULL << 32 | 7), 0);
	KUNIT_EXPECT_EQ(test, ka_cgpath_find_key("/ka-test/redis.service"), 0);
	KUNIT_EXPECT_EQ(test, ka_cgpath_find_key("/ka-test/web.service"), other->key);
	ka_cgpath_put(other);
	KUNIT_EXPECT_EQ(test, key_of(200), 0);
}

/* Many paths share the id buckets: each id still finds its own key. */
#define MANY	3000

static void many_paths_test(struct kunit *test)
{
	struct ka_cgpath **cp;
	char path[32];
	int i, wrong = 0;

	cp = kunit_kcalloc(test, MANY, sizeof(*cp), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, cp);
	for (i = 0; i < MANY; i++) {
		snprintf(path, sizeof(path), "/ka-test/%d", i);
		cp[i] = ka_cgpath_get(path);
		KUNIT_ASSERT_NOT_NULL(test, cp[i]);
		ka_cgpath_bind(cp[i], 1000 + i);
	}
	/* Rebind every other one, moving it to another bucket. */
	for (i = 0; i < MANY; i += 2)
		ka_cgpath_bind(cp[i], 100000 + i);
	for (i = 0; i < MANY; i++) {
		if (key_of(i % 2 ? 1000 + i : 100000 + i) != cp[i]->key)
			wrong++;
		if (!(i % 2) && key_of(1000 + i))
			wrong++;
	}
	KUNIT_EXPECT_EQ(test, wrong, 0);
	for (i = 0; i < MANY; i++)
		ka_cgpath_put(cp[i]);
}

static struct kunit_case cgpath_test_cases[] = {
	KUNIT_CASE(normalize_test),
	KUNIT_CASE(relative_test),
	KUNIT_CASE(bind_test),
	KUNIT_CASE(many_paths_test),
	{}
};

static struct kunit_suite cgpath_suite = {
	.name = "ka_cgpath",
	.suite_init = ka_test_cgpaths_init,
	.suite_exit = ka_test_cgpaths_exit,
	.test_cases = cgpath_test_cases,
};

kunit_test_suite(cgpath_suite);
