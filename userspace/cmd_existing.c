// SPDX-License-Identifier: GPL-2.0
/*
 * --existing, an option of set, add and load: the request also applies
 * the policies to the sockets that are open already, and the reply says
 * what that did (KA_A_EXISTING_RESULT), printed here as one line, or as
 * an object "existing" with -j. A command option, not a policy word:
 * policy files never hold it.
 */
#include <stdio.h>
#include <string.h>
#include <linux/genetlink.h>

#include <linux/ka_policy.h>

#include "kactl.h"
#include "out.h"

bool kactl_take_existing(int *argc, char **argv)
{
	bool found = false;
	int i, n = 0;

	for (i = 0; i < *argc; i++) {
		/* Words after "--" are operands, left alone. */
		if (strcmp(argv[i], "--") == 0) {
			while (i < *argc)
				argv[n++] = argv[i++];
			break;
		}
		if (i > 0 && strcmp(argv[i], "--existing") == 0) {
			found = true;
			continue;
		}
		argv[n++] = argv[i];
	}
	argv[n] = NULL;
	*argc = n;
	return found;
}

static const struct {
	int attr;
	const char *name;
} skips[] = {
	{ KA_EXISTING_A_SKIP_APPLICATION, "application" },
	{ KA_EXISTING_A_SKIP_KEEPALIVE_OFF, "keepalive_off" },
	{ KA_EXISTING_A_SKIP_UNCHANGED, "unchanged" },
	{ KA_EXISTING_A_SKIP_LISTENER, "listener" },
	{ KA_EXISTING_A_SKIP_CLOSED, "closed" },
	{ KA_EXISTING_A_SKIP_MPTCP, "mptcp" },
};

#define NSKIPS	(sizeof(skips) / sizeof(skips[0]))

static int result_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if (type > KA_EXISTING_A_MAX)
		return MNL_CB_OK;	/* a newer module's: ignored */
	if (type == KA_EXISTING_A_TIME_US ?
	    mnl_attr_validate(attr, MNL_TYPE_U64) :
	    mnl_attr_validate(attr, MNL_TYPE_U32))
		return MNL_CB_OK;
	tb[type] = attr;
	return MNL_CB_OK;
}

static int reply_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **result = data;

	if (mnl_attr_get_type(attr) == KA_A_EXISTING_RESULT &&
	    mnl_attr_validate(attr, MNL_TYPE_NESTED) == 0)
		*result = attr;
	return MNL_CB_OK;
}

static uint32_t get(const struct nlattr **tb, int attr)
{
	return tb[attr] ? mnl_attr_get_u32(tb[attr]) : 0;
}

int kactl_existing_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[KA_EXISTING_A_MAX + 1] = { 0 };
	const struct nlattr *result = NULL;
	uint32_t skipped = 0;
	const char *sep;
	size_t i;

	(void)data;
	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), reply_attr_cb, &result);
	if (!result)
		return MNL_CB_OK;
	mnl_attr_parse_nested(result, result_attr_cb, tb);
	for (i = 0; i < NSKIPS; i++)
		skipped += get(tb, skips[i].attr);

	out_open_object(NULL);
	out_open_object("existing");
	out_u64("changed", "existing: %llu changed",
		(unsigned long long)get(tb, KA_EXISTING_A_CHANGED));
	out_u64("skipped", ", %llu skipped", (unsigned long long)skipped);
	if (out_is_json()) {
		out_open_object("skipped_reasons");
		for (i = 0; i < NSKIPS; i++)
			out_json_u64(skips[i].name, get(tb, skips[i].attr));
		out_close_object();
	} else if (skipped) {
		sep = " (";
		for (i = 0; i < NSKIPS; i++) {
			if (!get(tb, skips[i].attr))
				continue;
			out_text("%s%u %s", sep, get(tb, skips[i].attr),
				 skips[i].name);
			sep = ", ";
		}
		out_text(")");
	}
	if (get(tb, KA_EXISTING_A_EXEMPT) || out_is_json())
		out_u64("exempt", ", %llu exempt",
			(unsigned long long)get(tb, KA_EXISTING_A_EXEMPT));
	out_json_u64("matched", get(tb, KA_EXISTING_A_MATCHED));
	out_json_u64("sockets", get(tb, KA_EXISTING_A_SOCKETS));
	if (tb[KA_EXISTING_A_TIME_US])
		out_json_u64("time_us", mnl_attr_get_u64(tb[KA_EXISTING_A_TIME_US]));
	out_text("\n");
	out_close_object();
	out_close_object();
	out_finish();
	return MNL_CB_OK;
}
