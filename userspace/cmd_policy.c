// SPDX-License-Identifier: GPL-2.0
/*
 * kactl add, set, del, list and flush: one policy at a time, named by its
 * selector, and all of them. What list prints as a selector pastes back
 * into set and del (iproute2's rule), the words being those of
 * policy.c. set and add also take --existing (cmd_existing.c).
 */
#include <stdlib.h>

#include "codec.h"
#include "kactl.h"
#include "out.h"

/* add, set and del: one policy, with its action for add and set. */
static int policy_cmd(const struct kactl_opts *o, int argc, char **argv,
		      enum kactl_policy_op op, uint8_t cmd)
{
	bool existing = op != KACTL_OP_DEL && kactl_take_existing(&argc, argv);
	struct kactl_policy p;
	struct nlmsghdr *nlh;
	struct kactl_genl g;
	char err[512];
	int ret;

	if (kactl_policy_parse(op, argc, argv, &p, err, sizeof(err)))
		return kactl_usage_error("%s", err);
	ret = kactl_connect(o, &g);
	if (ret)
		return ret;
	nlh = kactl_genl_msg(&g, cmd, 0);
	kactl_policy_put(nlh, &p, op != KACTL_OP_DEL);
	ret = kactl_genl_run(&g, nlh, NULL, NULL);
	if (ret || !existing)
		return kactl_close(&g, ret, argv[0]);
	/* The sockets whose policy is the one just written, only. */
	ret = kactl_existing_apply(&g, &p);
	kactl_genl_close(&g);
	return ret;
}

/* Like ip route add: the kernel refuses a selector that has a policy. */
int kactl_cmd_add(const struct kactl_opts *o, int argc, char **argv)
{
	return policy_cmd(o, argc, argv, KACTL_OP_ADD, KA_CMD_POLICY_ADD);
}

int kactl_cmd_set(const struct kactl_opts *o, int argc, char **argv)
{
	return policy_cmd(o, argc, argv, KACTL_OP_SET, KA_CMD_POLICY_SET);
}

int kactl_cmd_del(const struct kactl_opts *o, int argc, char **argv)
{
	return policy_cmd(o, argc, argv, KACTL_OP_DEL, KA_CMD_POLICY_DEL);
}

static int list_cb(const struct nlmsghdr *nlh, void *data)
{
	struct kactl_policy p;
	int ret = kactl_policy_from_reply(nlh, &p);

	(void)data;
	if (ret < 0)
		return MNL_CB_ERROR;
	if (ret)
		kactl_policy_print(&p);
	return MNL_CB_OK;
}

static void list_begin(void)
{
	kactl_policy_print_header();
	out_open_array(NULL);
}

const struct kactl_query kactl_query_list = {
	.cmd = KA_CMD_POLICY_GET, .flags = NLM_F_DUMP,
	.begin = list_begin, .cb = list_cb, .end = kactl_end_array,
};

const struct kactl_query kactl_query_flush = { .cmd = KA_CMD_POLICY_FLUSH };
