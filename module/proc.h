/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KA_PROC_H
#define _KA_PROC_H

/* /proc/net/ka_stats in every network namespace. */
int ka_proc_init(void);
void ka_proc_exit(void);

#endif /* _KA_PROC_H */
