// SPDX-License-Identifier: GPL-2.0
/*
 * ka_canary: a module that commits one kind of kernel bug on purpose, so
 * that the VM harness's self-test (tests/vm/selftest-debug.sh) can check
 * that the debug test kernel and tests/vm/init catch it. Loaded
 * only there, never with ka_policy. fault= chooses the bug:
 *
 *   leak    an allocation nothing points to (kmemleak, after rmmod)
 *   sleep   might_sleep() under a spinlock (DEBUG_ATOMIC_SLEEP), what a
 *           probe handler that sleeps would trigger
 *   kasan   a read past the end of an allocation (KASAN)
 *   lockdep two locks taken in both orders (PROVE_LOCKING)
 */

#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>

static char *fault = "";
module_param(fault, charp, 0444);
MODULE_PARM_DESC(fault, "leak, sleep, kasan or lockdep");

static DEFINE_SPINLOCK(canary_spin);
static DEFINE_MUTEX(canary_a);
static DEFINE_MUTEX(canary_b);

/*
 * Several objects, each a leak of its own: kmemleak must report them all
 * (a pointer left on a reused stack hid every one of them on 7.3 until
 * tests/vm/init recycled the stacks of exited tasks before scanning).
 */
static noinline void canary_leak(void)
{
	char *p;
	int i;

	for (i = 0; i < 8; i++) {
		p = kmalloc(96, GFP_KERNEL);
		/* Used, so that the compiler keeps it; then forgotten. */
		if (p)
			strscpy(p, "ka_canary leak", 96);
	}
}

static noinline void canary_sleep(void)
{
	spin_lock(&canary_spin);
	might_sleep();
	spin_unlock(&canary_spin);
}

static noinline void canary_kasan(void)
{
	char *p = kmalloc(8, GFP_KERNEL);

	if (!p)
		return;
	pr_info("ka_canary: %d\n", READ_ONCE(p[8]));
	kfree(p);
}

static noinline void canary_lockdep(void)
{
	mutex_lock(&canary_a);
	mutex_lock(&canary_b);
	mutex_unlock(&canary_b);
	mutex_unlock(&canary_a);

	mutex_lock(&canary_b);
	mutex_lock(&canary_a);
	mutex_unlock(&canary_a);
	mutex_unlock(&canary_b);
}

static int __init canary_init(void)
{
	if (!strcmp(fault, "leak"))
		canary_leak();
	else if (!strcmp(fault, "sleep"))
		canary_sleep();
	else if (!strcmp(fault, "kasan"))
		canary_kasan();
	else if (!strcmp(fault, "lockdep"))
		canary_lockdep();
	else
		return -EINVAL;
	return 0;
}

static void __exit canary_exit(void)
{
}

module_init(canary_init);
module_exit(canary_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Kernel bugs on purpose, for the VM harness's self-test");
