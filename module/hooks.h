/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KA_HOOKS_H
#define _KA_HOOKS_H

#include "netlink.h"

int ka_hooks_init(void);
void ka_hooks_exit(void);
int ka_hooks_missed(ka_hook_missed_fn fn, void *arg);
void ka_hooks_listeners_look(void);

#endif /* _KA_HOOKS_H */
