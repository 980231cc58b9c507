// SPDX-License-Identifier: GPL-2.0
/*
 * Hooking a function's entry with an ftrace_ops of its own, without the
 * kprobe framework: for the hooks every connection passes (hooks.c).
 *
 * A kprobe on a function's ftrace site is itself an ftrace callback,
 * kprobe_ftrace_handler(), shared by every kprobe of the machine: it
 * looks the kprobe up in a hash table by address, refuses to run inside
 * another kprobe's handler on the same CPU (the call is then only
 * counted as missed: hooks.c) and sets up the kprobe's per-CPU state,
 * about 90 instructions a call before the handler runs. An ftrace_ops
 * of one function calls its callback straight from the function's own
 * trampoline: the handler's cost is what is left. And ftrace does not
 * stop a callback from running while another callback runs on the CPU,
 * so a call is never missed that way: a packet's softirq that
 * interrupts a handler in process context gets its own.
 *
 * The ops asks for the registers saved (FTRACE_OPS_FL_SAVE_REGS, as a
 * kprobe on ftrace does), so that a handler reads its arguments from a
 * struct pt_regs with regs_get_kernel_argument() whichever way it is
 * attached. 5.10 hands the callback that struct; 5.11 and later a
 * struct ftrace_regs around it (conftest: KA_HAVE_FTRACE_REGS).
 *
 * Recursion: ftrace's own guard (FTRACE_OPS_FL_RECURSION, the default
 * on 5.10 without FTRACE_OPS_FL_RECURSION_SAFE) costs a trampoline of
 * its own and would drop a nested call. It is not needed: a handler
 * never calls the function it hooks, nor any function hooked this way.
 * Preemption is disabled around the handler, which ftrace does not do
 * for a callback without the guard: handlers run as kprobe handlers do.
 */

#include <linux/bug.h>
#include <linux/ftrace.h>
#include <linux/preempt.h>
#include <linux/printk.h>
#include <linux/string.h>

#include "fhook.h"

static void notrace ka_fhook_run(struct ftrace_ops *ops, struct pt_regs *regs)
{
	struct ka_fhook *h = container_of(ops, struct ka_fhook, ops);

	/* Not for an ops that has its registers saved; a bound all the same. */
	if (unlikely(!regs))
		return;
	preempt_disable_notrace();
	h->handler(regs);
	preempt_enable_notrace();
}

#ifdef KA_HAVE_FTRACE_REGS
static void notrace ka_fhook_func(unsigned long ip, unsigned long parent_ip,
				  struct ftrace_ops *ops,
				  struct ftrace_regs *fregs)
{
	ka_fhook_run(ops, ftrace_get_regs(fregs));
}

#define KA_FHOOK_FLAGS	FTRACE_OPS_FL_SAVE_REGS
#else
static void notrace ka_fhook_func(unsigned long ip, unsigned long parent_ip,
				  struct ftrace_ops *ops, struct pt_regs *regs)
{
	ka_fhook_run(ops, regs);
}

#define KA_FHOOK_FLAGS	(FTRACE_OPS_FL_SAVE_REGS | FTRACE_OPS_FL_RECURSION_SAFE)
#endif

/*
 * Frees the ops' filter: reset to no function, ftrace keeps no hash of
 * it (ftrace_free_filter() is exported only from 6.2, and by some stable
 * kernels). Only once the ops is unregistered: a registered ops with an
 * empty filter traces every function.
 */
static void ka_fhook_filter_free(struct ka_fhook *h)
{
	if (ftrace_set_filter(&h->ops, NULL, 0, 1))
		pr_warn_once("cannot free the ftrace filter of %s: a few bytes lost\n",
			     h->name);
}

int ka_fhook_attach(struct ka_fhook *h)
{
	int ret;

	h->ops.func = ka_fhook_func;
	h->ops.flags = KA_FHOOK_FLAGS;
	/*
	 * The function's exact name, no glob: a filter of one function
	 * (of every one of that name, modules' too; the kernel has one).
	 */
	ret = ftrace_set_filter(&h->ops, (unsigned char *)h->name,
				strlen(h->name), 1);
	if (ret)
		return ret;
	ret = register_ftrace_function(&h->ops);
	if (ret)
		ka_fhook_filter_free(h);
	return ret;
}

void ka_fhook_detach(struct ka_fhook *h)
{
	/* Still registered: its filter must stay, or it traces everything. */
	if (WARN_ON_ONCE(unregister_ftrace_function(&h->ops)))
		return;
	ka_fhook_filter_free(h);
}
