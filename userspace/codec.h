/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KACTL_CODEC_H
#define KACTL_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <libmnl/libmnl.h>
#include <linux/ka_policy.h>

#include "policy.h"

/*
 * A kactl_policy to and from netlink: the KA_A_POLICY nest of requests
 * and replies (module/uapi/linux/ka_policy.h, Documentation/netlink).
 * The one place that knows the policy attributes.
 */

/* The selector of p, plus its action when with_action, as KA_A_POLICY. */
void kactl_policy_put(struct nlmsghdr *nlh, const struct kactl_policy *p,
		      bool with_action);

/* The most room kactl_policy_put() takes for p. */
size_t kactl_policy_put_size(const struct kactl_policy *p);

/*
 * The top-level attributes of a reply into tb[KA_A_MAX + 1]; those of a
 * newer module, unknown here, are skipped.
 */
void kactl_reply_attrs(const struct nlmsghdr *nlh, const struct nlattr **tb);

/*
 * A KA_A_POLICY nest into p; *stats (when stats is not NULL) gets its
 * KA_POLICY_A_STATS nest or NULL. Strings in p point into the message.
 * Returns MNL_CB_OK, or MNL_CB_ERROR with errno set: a known attribute of
 * the wrong size would show a policy that does not exist.
 */
int kactl_policy_decode(const struct nlattr *nest, struct kactl_policy *p,
			const struct nlattr **stats);

/*
 * The policy of a dump's message into p: 1, or 0 when it holds no policy,
 * or -1 when it is malformed.
 */
int kactl_policy_from_reply(const struct nlmsghdr *nlh, struct kactl_policy *p);

#endif
