// SPDX-License-Identifier: GPL-2.0
/* Policies to and from netlink attributes; see codec.h. */
#include <errno.h>
#include <string.h>
#include <linux/genetlink.h>

#include "codec.h"

/* What each policy attribute of a reply must look like. */
static const enum mnl_attr_data_type policy_types[KA_POLICY_A_MAX + 1] = {
	[KA_POLICY_A_DEFAULT]	   = MNL_TYPE_FLAG,
	[KA_POLICY_A_PORT_MIN]	   = MNL_TYPE_U16,
	[KA_POLICY_A_PORT_MAX]	   = MNL_TYPE_U16,
	[KA_POLICY_A_DIR]	   = MNL_TYPE_U8,
	[KA_POLICY_A_CGROUP_PATH]  = MNL_TYPE_NUL_STRING,
	[KA_POLICY_A_CGROUP_ID]	   = MNL_TYPE_U64,
	[KA_POLICY_A_OFF]	   = MNL_TYPE_FLAG,
	[KA_POLICY_A_IDLE]	   = MNL_TYPE_U32,
	[KA_POLICY_A_INTVL]	   = MNL_TYPE_U32,
	[KA_POLICY_A_CNT]	   = MNL_TYPE_U32,
	[KA_POLICY_A_USER_TIMEOUT] = MNL_TYPE_U32,
	[KA_POLICY_A_MODE]	   = MNL_TYPE_U8,
	[KA_POLICY_A_STATS]	   = MNL_TYPE_NESTED,
	[KA_POLICY_A_CGROUP_STATE] = MNL_TYPE_U8,
	[KA_POLICY_A_CGROUP_HIDDEN] = MNL_TYPE_FLAG,
};

void kactl_policy_put(struct nlmsghdr *nlh, const struct kactl_policy *p,
		      bool with_action)
{
	const struct kactl_selector *sel = &p->sel;
	const struct kactl_action *act = &p->act;
	struct nlattr *nest = mnl_attr_nest_start(nlh, KA_A_POLICY);

	if (sel->is_default)
		mnl_attr_put(nlh, KA_POLICY_A_DEFAULT, 0, NULL);
	if (sel->has_port) {
		mnl_attr_put_u16(nlh, KA_POLICY_A_PORT_MIN, sel->port_min);
		mnl_attr_put_u16(nlh, KA_POLICY_A_PORT_MAX, sel->port_max);
	}
	if (sel->has_dir)
		mnl_attr_put_u8(nlh, KA_POLICY_A_DIR, sel->dir);
	if (sel->cgroup_path)
		mnl_attr_put_strz(nlh, KA_POLICY_A_CGROUP_PATH, sel->cgroup_path);
	if (with_action) {
		if (act->off)
			mnl_attr_put(nlh, KA_POLICY_A_OFF, 0, NULL);
		if (act->has_idle)
			mnl_attr_put_u32(nlh, KA_POLICY_A_IDLE, act->idle_s);
		if (act->has_intvl)
			mnl_attr_put_u32(nlh, KA_POLICY_A_INTVL, act->intvl_s);
		if (act->has_cnt)
			mnl_attr_put_u32(nlh, KA_POLICY_A_CNT, act->cnt);
		if (act->has_user_timeout)
			mnl_attr_put_u32(nlh, KA_POLICY_A_USER_TIMEOUT,
					 act->user_timeout_ms);
		if (act->has_mode)
			mnl_attr_put_u8(nlh, KA_POLICY_A_MODE, act->mode);
	}
	mnl_attr_nest_end(nlh, nest);
}

size_t kactl_policy_put_size(const struct kactl_policy *p)
{
	size_t size = MNL_ATTR_HDRLEN;		/* the nest */

	size += MNL_ATTR_HDRLEN;		/* DEFAULT or OFF, flags */
	size += 3 * MNL_ALIGN(MNL_ATTR_HDRLEN + sizeof(uint16_t)); /* ports, dir */
	size += 5 * MNL_ALIGN(MNL_ATTR_HDRLEN + sizeof(uint32_t)); /* settings */
	size += MNL_ATTR_HDRLEN;
	if (p->sel.cgroup_path)
		size += MNL_ATTR_HDRLEN + MNL_ALIGN(strlen(p->sel.cgroup_path) + 1);
	return size;
}

static int reply_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if (type <= KA_A_MAX)
		tb[type] = attr;
	return MNL_CB_OK;
}

void kactl_reply_attrs(const struct nlmsghdr *nlh, const struct nlattr **tb)
{
	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), reply_attr_cb, tb);
}

static int policy_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if (type > KA_POLICY_A_MAX || policy_types[type] == MNL_TYPE_UNSPEC)
		return MNL_CB_OK;
	if (mnl_attr_validate(attr, policy_types[type]) < 0) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	tb[type] = attr;
	return MNL_CB_OK;
}

/* An optional attribute, validated already: is it there, and its value. */
static bool get_u8(const struct nlattr *attr, uint8_t *v)
{
	if (attr)
		*v = mnl_attr_get_u8(attr);
	return attr;
}

static bool get_u32(const struct nlattr *attr, uint32_t *v)
{
	if (attr)
		*v = mnl_attr_get_u32(attr);
	return attr;
}

int kactl_policy_decode(const struct nlattr *nest, struct kactl_policy *p,
			const struct nlattr **stats)
{
	const struct nlattr *tb[KA_POLICY_A_MAX + 1] = {};
	struct kactl_selector *sel = &p->sel;
	struct kactl_action *act = &p->act;

	memset(p, 0, sizeof(*p));
	if (mnl_attr_validate(nest, MNL_TYPE_NESTED) < 0) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (mnl_attr_parse_nested(nest, policy_attr_cb, tb) < 0)
		return MNL_CB_ERROR;
	sel->is_default = tb[KA_POLICY_A_DEFAULT];
	sel->has_port = tb[KA_POLICY_A_PORT_MIN];
	if (sel->has_port) {
		sel->port_min = mnl_attr_get_u16(tb[KA_POLICY_A_PORT_MIN]);
		sel->port_max = tb[KA_POLICY_A_PORT_MAX] ?
			mnl_attr_get_u16(tb[KA_POLICY_A_PORT_MAX]) : sel->port_min;
	}
	sel->has_dir = get_u8(tb[KA_POLICY_A_DIR], &sel->dir);
	if (tb[KA_POLICY_A_CGROUP_PATH])
		sel->cgroup_path = mnl_attr_get_str(tb[KA_POLICY_A_CGROUP_PATH]);
	sel->has_cgroup_id = tb[KA_POLICY_A_CGROUP_ID];
	if (sel->has_cgroup_id)
		sel->cgroup_id = mnl_attr_get_u64(tb[KA_POLICY_A_CGROUP_ID]);
	sel->has_cgroup_state = get_u8(tb[KA_POLICY_A_CGROUP_STATE],
				       &sel->cgroup_state);
	sel->cgroup_hidden = tb[KA_POLICY_A_CGROUP_HIDDEN];
	act->off = tb[KA_POLICY_A_OFF];
	act->has_idle = get_u32(tb[KA_POLICY_A_IDLE], &act->idle_s);
	act->has_intvl = get_u32(tb[KA_POLICY_A_INTVL], &act->intvl_s);
	act->has_cnt = get_u32(tb[KA_POLICY_A_CNT], &act->cnt);
	act->has_user_timeout = get_u32(tb[KA_POLICY_A_USER_TIMEOUT],
					&act->user_timeout_ms);
	/* Absent means KA_MODE_DEFAULT, which is 0. */
	act->has_mode = get_u8(tb[KA_POLICY_A_MODE], &act->mode);
	if (stats)
		*stats = tb[KA_POLICY_A_STATS];
	return MNL_CB_OK;
}

int kactl_policy_from_reply(const struct nlmsghdr *nlh, struct kactl_policy *p)
{
	const struct nlattr *tb[KA_A_MAX + 1] = {};

	kactl_reply_attrs(nlh, tb);
	if (!tb[KA_A_POLICY])
		return 0;
	return kactl_policy_decode(tb[KA_A_POLICY], p, NULL) < 0 ? -1 : 1;
}
