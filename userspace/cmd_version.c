// SPDX-License-Identifier: GPL-2.0
/*
 * kactl version: kactl's, the module's and its netlink API's, what the
 * running kernel keeps the module from doing, and the calls of its hooks
 * the kernel could not hand to it (missed).
 */
#include <stdlib.h>
#include <linux/genetlink.h>

#include "codec.h"
#include "kactl.h"
#include "out.h"

/*
 * enum ka_feature, as kactl version names what a kernel lacks: the
 * netlink spec's names, words joined by '-' as every value kactl prints
 * (the counter probes_sent is a JSON member, a name joined by '_').
 */
static const char *const feature_names[] = {
	[KA_FEATURE_PROBES_SENT]	= "probes-sent",
	[KA_FEATURE_TIMEOUTS]		= "timeouts",
	[KA_FEATURE_EVENTS]		= "events",
};

/* "; missing on this kernel: a, b" in text, "missing": [...] in JSON. */
static void print_missing(uint32_t missing)
{
	unsigned int i, n = sizeof(feature_names) / sizeof(feature_names[0]);
	bool first = true;
	const char *name;

	out_open_array("missing");
	for (i = 0; i < 32; i++) {
		if (!(missing & (1U << i)))
			continue;
		out_text(first ? "; missing on this kernel: " : ", ");
		first = false;
		name = i < n ? feature_names[i] : NULL;
		/* A newer module's feature, unknown here: its number. */
		if (name)
			out_str(NULL, "%s", name);
		else
			out_u64(NULL, "feature %llu", (unsigned long long)i);
	}
	out_close_array();
}

static int hook_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if ((type == KA_HOOK_A_NAME &&
	     mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0) ||
	    (type == KA_HOOK_A_MISSED &&
	     mnl_attr_validate(attr, MNL_TYPE_U64) == 0))
		tb[type] = attr;
	return MNL_CB_OK;
}

/*
 * "; calls missed: tcp_write_wakeup 1, ..." in text, only the hooks that
 * missed some (it is rare, and each is worth a look); "calls_missed":
 * {"tcp_connect": 0, ...} in JSON, every attached hook, so that a script
 * can compare two readings. A module older than KA_A_HOOK has none.
 */
static void print_missed(const struct nlmsghdr *nlh)
{
	const struct nlattr *attr;
	bool first = true;

	out_open_object("calls_missed");
	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr)) {
		const struct nlattr *tb[KA_HOOK_A_MAX + 1] = {};
		unsigned long long missed;
		const char *name;

		if (mnl_attr_get_type(attr) != KA_A_HOOK ||
		    mnl_attr_validate(attr, MNL_TYPE_NESTED) < 0 ||
		    mnl_attr_parse_nested(attr, hook_attr_cb, tb) < 0 ||
		    !tb[KA_HOOK_A_NAME] || !tb[KA_HOOK_A_MISSED])
			continue;
		name = mnl_attr_get_str(tb[KA_HOOK_A_NAME]);
		missed = mnl_attr_get_u64(tb[KA_HOOK_A_MISSED]);
		if (out_is_json()) {
			out_json_u64(name, missed);
		} else if (missed) {
			out_text("%s%s %llu", first ? "; calls missed: " : ", ",
				 name, missed);
			first = false;
		}
	}
	out_close_object();
}

static int version_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[KA_A_MAX + 1] = {};

	(void)data;
	kactl_reply_attrs(nlh, tb);
	if (tb[KA_A_VERSION] &&
	    mnl_attr_validate(tb[KA_A_VERSION], MNL_TYPE_NUL_STRING) == 0)
		out_str("module", ", module %s", mnl_attr_get_str(tb[KA_A_VERSION]));
	if (tb[KA_A_API_VERSION] &&
	    mnl_attr_validate(tb[KA_A_API_VERSION], MNL_TYPE_U32) == 0)
		out_u64("api", " (netlink API %llu)",
			(unsigned long long)mnl_attr_get_u32(tb[KA_A_API_VERSION]));
	/* A module older than the attribute lacks nothing it knows of. */
	if (tb[KA_A_MISSING] &&
	    mnl_attr_validate(tb[KA_A_MISSING], MNL_TYPE_U32) == 0)
		print_missing(mnl_attr_get_u32(tb[KA_A_MISSING]));
	else
		print_missing(0);
	print_missed(nlh);
	return MNL_CB_OK;
}

static void version_begin(void)
{
	out_open_object(NULL);
	out_str("kactl", "kactl %s", KA_POLICY_VERSION);
}

static void version_end(void)
{
	out_close_object();
	out_text("\n");
	out_finish();
}

const struct kactl_query kactl_query_version = {
	.cmd = KA_CMD_VERSION, .begin = version_begin, .cb = version_cb,
	.end = version_end,
};
