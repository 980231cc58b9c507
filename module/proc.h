/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KA_PROC_H
#define _KA_PROC_H

struct net;

int ka_proc_init_net(struct net *net);
void ka_proc_exit_net(struct net *net);

#endif /* _KA_PROC_H */
