/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KA_HOOKS_H
#define _KA_HOOKS_H

#include <linux/types.h>

#include "stats.h"

int ka_hooks_init(void);
void ka_hooks_exit(void);

/* False when the hook that feeds the counter could not attach. */
bool ka_counter_available(enum ka_counter idx);

#endif /* _KA_HOOKS_H */
