/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers shared by the KUnit suites (ka_test.c). */
#ifndef _KA_TEST_H
#define _KA_TEST_H

#include <kunit/test.h>

struct ka_table;

/*
 * Runs fn(data) when the test case ends, whether it passed or not, so
 * that a failed assertion leaks nothing (kunit_add_action() is 6.5+).
 * When that cannot be arranged, runs fn(data) at once and fails the case.
 */
void ka_test_defer(struct kunit *test, void (*fn)(void *), void *data);

/*
 * A cgroup selector's name as netlink.c makes one for a policy by id (its
 * path kmalloc'ed), for a call that takes it over.
 */
#define ID_NAME(path) \
	(&(struct ka_cgroup_name){ .id_path = kstrdup(path, GFP_KERNEL) })

/* A per-CPU pointer as a plain one, for KUnit's pointer checks. */
#define ka_test_pcpu(p)	((void __force *)(p))

/*
 * suite_init/suite_exit for suites that name cgroups by path: the cgroup
 * paths this copy of the module keeps (cgpath.c).
 */
int ka_test_cgpaths_init(struct kunit_suite *suite);
void ka_test_cgpaths_exit(struct kunit_suite *suite);

/* A new table, freed when the test case ends. */
struct ka_table *ka_test_table_new(struct kunit *test);

/* Indexes t's ranges, as ka_table_commit() does; 0 or -errno. */
int ka_test_table_compile(struct ka_table *t);

#endif /* _KA_TEST_H */
