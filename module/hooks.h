/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KA_HOOKS_H
#define _KA_HOOKS_H

int ka_hooks_init(void);
void ka_hooks_exit(void);

#endif /* _KA_HOOKS_H */
