// SPDX-License-Identifier: GPL-2.0
/*
 * An ftrace_ops callback gets a struct ftrace_regs (ftrace_get_regs()
 * gives the struct pt_regs of an FTRACE_OPS_FL_SAVE_REGS ops): 5.11,
 * "ftrace: Have the callbacks receive a struct ftrace_regs instead of
 * pt_regs". 5.10 passes the struct pt_regs itself.
 */
#include <linux/ftrace.h>

static void ka_probe_func(unsigned long ip, unsigned long parent_ip,
			  struct ftrace_ops *op, struct ftrace_regs *fregs)
{
	(void)ftrace_get_regs(fregs);
}

struct ftrace_ops ka_probe_ops = {
	.func = ka_probe_func,
};
