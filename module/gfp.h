/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KA_GFP_H
#define _KA_GFP_H

#include <linux/gfp.h>

/*
 * Every allocation a policy causes (the policy, its counters, its cgroup
 * path, compiled ranges and the scratch space to compile them) is charged
 * to the memory cgroup of whoever sets it, so a container's policies count
 * against its own limit. At that limit the request fails with ENOMEM,
 * quietly: a configuration request must not wake the OOM killer, nor log
 * an allocation failure's stack.
 */
#define KA_GFP_POLICY	(GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL | __GFP_NOWARN)

#endif /* _KA_GFP_H */
