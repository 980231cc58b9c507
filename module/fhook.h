/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KA_FHOOK_H
#define _KA_FHOOK_H

#include <linux/ftrace.h>

struct pt_regs;

/*
 * A kernel function's entry, hooked with an ftrace_ops of its own
 * (fhook.c): handler(regs) runs with preemption disabled, regs holding
 * the function's arguments. Zeroed but for name and handler, then
 * ka_fhook_attach().
 */
struct ka_fhook {
	const char *name;
	void (*handler)(struct pt_regs *regs);
	struct ftrace_ops ops;
};

/* 0, or -errno: no such ftrace site, no ftrace (-ENODEV). Sleeps. */
int ka_fhook_attach(struct ka_fhook *h);
/* Returns when no handler runs any more. Sleeps. */
void ka_fhook_detach(struct ka_fhook *h);

#endif /* _KA_FHOOK_H */
