// SPDX-License-Identifier: GPL-2.0
/*
 * --existing, an option of set, add and load: once the policy change is
 * made (its own request), kactl asks the module to apply the policies to
 * the sockets that are open already (KA_CMD_EXISTING_APPLY, a dump):
 * set and add name the policy they wrote, so that only the sockets whose
 * policy it is are changed; load names none, and every socket a policy
 * matches is. The module walks the sockets in steps, one message each
 * (KA_A_EXISTING_RESULT), after a first message with none (the dump's
 * first part, run under genetlink's lock, takes no step); kactl adds
 * them up and prints one line, or an object "existing" with -j, whose
 * time_us is the sum of the steps' own times in the kernel (not the time
 * kactl waited) and steps their number (messages with a result). A
 * command option, not a policy word: policy files never hold it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/genetlink.h>

#include <linux/ka_policy.h>

#include "codec.h"
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

/* The walk's totals: each step's counts added up, by attribute. */
struct existing_sum {
	uint64_t v[KA_EXISTING_A_MAX + 1];
	uint64_t steps;
};

static int result_attr_cb(const struct nlattr *attr, void *data)
{
	struct existing_sum *sum = data;
	int type = mnl_attr_get_type(attr);

	if (type > KA_EXISTING_A_MAX)
		return MNL_CB_OK;	/* a newer module's: ignored */
	if (type == KA_EXISTING_A_TIME_US) {
		if (mnl_attr_validate(attr, MNL_TYPE_U64) == 0)
			sum->v[type] += mnl_attr_get_u64(attr);
	} else if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0) {
		sum->v[type] += mnl_attr_get_u32(attr);
	}
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

/* One step's message. */
static int step_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *result = NULL;
	struct existing_sum *sum = data;

	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), reply_attr_cb, &result);
	if (!result)
		return MNL_CB_OK;
	mnl_attr_parse_nested(result, result_attr_cb, sum);
	sum->steps++;
	return MNL_CB_OK;
}

static void print_sum(const struct existing_sum *sum)
{
	const uint64_t *v = sum->v;
	unsigned long long skipped = 0;
	const char *sep;
	size_t i;

	for (i = 0; i < NSKIPS; i++)
		skipped += v[skips[i].attr];

	out_open_object(NULL);
	out_open_object("existing");
	out_u64("changed", "existing: %llu changed",
		(unsigned long long)v[KA_EXISTING_A_CHANGED]);
	out_u64("skipped", ", %llu skipped", skipped);
	if (out_is_json()) {
		out_open_object("skipped_reasons");
		for (i = 0; i < NSKIPS; i++)
			out_json_u64(skips[i].name, v[skips[i].attr]);
		out_close_object();
	} else if (skipped) {
		sep = " (";
		for (i = 0; i < NSKIPS; i++) {
			if (!v[skips[i].attr])
				continue;
			out_text("%s%llu %s", sep,
				 (unsigned long long)v[skips[i].attr],
				 skips[i].name);
			sep = ", ";
		}
		out_text(")");
	}
	if (v[KA_EXISTING_A_EXEMPT] || out_is_json())
		out_u64("exempt", ", %llu exempt",
			(unsigned long long)v[KA_EXISTING_A_EXEMPT]);
	out_json_u64("matched", v[KA_EXISTING_A_MATCHED]);
	out_json_u64("sockets", v[KA_EXISTING_A_SOCKETS]);
	out_json_u64("time_us", v[KA_EXISTING_A_TIME_US]);
	out_json_u64("steps", sum->steps);
	out_text("\n");
	out_close_object();
	out_close_object();
	out_finish();
}

int kactl_existing_apply(struct kactl_genl *g, const struct kactl_policy *only)
{
	struct existing_sum sum = { 0 };
	struct nlmsghdr *nlh;
	int ret;

	nlh = kactl_genl_msg(g, KA_CMD_EXISTING_APPLY, NLM_F_DUMP);
	if (only)
		kactl_policy_put(nlh, only, false);
	ret = kactl_genl_run(g, nlh, step_cb, &sum);
	if (ret) {
		fprintf(stderr, "Error: the policies were changed, but applying them to the open connections stopped: %s.\n",
			kactl_genl_error() ? kactl_genl_error() : strerror(-ret));
		return EXIT_FAILURE;
	}
	print_sum(&sum);
	return 0;
}
