// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink plumbing for kactl on libmnl: family lookup through the
 * genl controller, requests with NETLINK_EXT_ACK so the kernel's reason
 * for a rejection reaches the user, and dumps.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include <linux/ka_policy.h>

#include "genl.h"

/*
 * The receive buffer. The kernel sizes a dump's messages by the largest
 * buffer the reader has received with, up to 32 KiB, and expects at least
 * 16 KiB: 32 KiB, as iproute2's, gives the fewest messages and system
 * calls (kactl sockets of 10,000 connections), and fits any one message.
 */
#define KACTL_GENL_BUFSZ	32768

static char last_error[256];
static uint32_t last_error_offset;

const char *kactl_genl_error(void)
{
	return last_error[0] ? last_error : NULL;
}

uint32_t kactl_genl_error_offset(void)
{
	return last_error_offset;
}

/*
 * The extended ACK's attributes of an NLMSG_ERROR or NLMSG_DONE, from
 * offset bytes into its payload: keeps the message and the offset.
 */
static void take_ack_tlvs(const struct nlmsghdr *nlh, unsigned int offset)
{
	const struct nlattr *attr;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	mnl_attr_for_each(attr, nlh, MNL_ALIGN(offset)) {
		if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
		    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0) {
			snprintf(last_error, sizeof(last_error), "%s",
				 mnl_attr_get_str(attr));
		}
		if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_OFFS &&
		    mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
			last_error_offset = mnl_attr_get_u32(attr);
	}
}

/* Keeps the extack message of an error (or warning) reply. */
static int error_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
	unsigned int offset;

	(void)data;
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*err))) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	/* With NETLINK_CAP_ACK the request is not echoed back. */
	offset = sizeof(*err);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		offset += err->msg.nlmsg_len - sizeof(err->msg);
	take_ack_tlvs(nlh, offset);
	if (err->error == 0)
		return MNL_CB_STOP;
	errno = -err->error;
	return MNL_CB_ERROR;
}

/*
 * The end of a dump; it carries the dump's error, if any, and then the
 * extack message of the part that failed (a request the module refuses
 * in a dump's first part, as existing-apply's missing policy).
 */
static int done_cb(const struct nlmsghdr *nlh, void *data)
{
	const int *err = mnl_nlmsg_get_payload(nlh);

	(void)data;
	if (nlh->nlmsg_len >= mnl_nlmsg_size(sizeof(*err)) && *err < 0) {
		take_ack_tlvs(nlh, sizeof(*err));
		errno = -*err;
		return MNL_CB_ERROR;
	}
	return MNL_CB_STOP;
}

/* Replacing libmnl's defaults means handling DONE here too. */
static mnl_cb_t ctl_cbs[NLMSG_MIN_TYPE] = {
	[NLMSG_ERROR] = error_cb,
	[NLMSG_DONE] = done_cb,
};

/*
 * NLM_F_DUMP_INTR: the kernel saw the policies change while it dumped
 * them, so the output may mix the old and the new set. libmnl's
 * mnl_cb_run2() stops at the first message so flagged (EINTR) before the
 * callback sees it, which would cut the output short with a bare
 * "Interrupted system call": the flags are noted and cleared here first,
 * so that every message is printed and the command fails after them,
 * asking for a run again.
 */
static bool take_dump_intr(void *buf, ssize_t len)
{
	struct nlmsghdr *nlh = buf;
	int rem = (int)len;
	bool seen = false;

	while (mnl_nlmsg_ok(nlh, rem)) {
		if (nlh->nlmsg_flags & NLM_F_DUMP_INTR) {
			nlh->nlmsg_flags &= ~NLM_F_DUMP_INTR;
			seen = true;
		}
		nlh = mnl_nlmsg_next(nlh, &rem);
	}
	return seen;
}

/*
 * The kernel refuses a request larger than the socket's send buffer
 * (EMSGSIZE). SO_SNDBUFFORCE goes past net.core.wmem_max but needs
 * CAP_NET_ADMIN in the initial namespace; SO_SNDBUF is capped by
 * wmem_max. If neither is enough, the send fails and the caller says so.
 */
static void grow_sndbuf(struct kactl_genl *g, uint32_t len)
{
	int fd = mnl_socket_get_fd(g->nl);
	int size = len > INT_MAX / 2 ? INT_MAX / 2 : (int)len + 4096;

	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)))
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
}

int kactl_genl_run(struct kactl_genl *g, struct nlmsghdr *nlh, mnl_cb_t cb,
		void *data)
{
	uint32_t seq = nlh->nlmsg_seq;
	bool interrupted = false;
	ssize_t len;
	int ret;

	last_error[0] = '\0';
	last_error_offset = 0;
	if (nlh->nlmsg_len > MNL_SOCKET_BUFFER_SIZE)
		grow_sndbuf(g, nlh->nlmsg_len);
	if (mnl_socket_sendto(g->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	do {
		len = mnl_socket_recvfrom(g->nl, g->buf, KACTL_GENL_BUFSZ);
		if (len < 0)
			return -errno;
		if (take_dump_intr(g->buf, len))
			interrupted = true;
		ret = mnl_cb_run2(g->buf, len, seq, g->portid, cb, data,
				  ctl_cbs, NLMSG_MIN_TYPE);
	} while (ret > MNL_CB_STOP);
	if (ret < 0)
		return -errno;
	if (interrupted) {
		snprintf(last_error, sizeof(last_error),
			 "the policies changed during the dump, run the command again");
		return -EINTR;
	}
	return 0;
}

static struct nlmsghdr *genl_msg(struct kactl_genl *g, void *buf, uint16_t type,
				 uint8_t cmd, uint8_t version, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *genl;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	/* A dump ends with NLMSG_DONE; anything else asks for an ACK. */
	if (!(flags & NLM_F_DUMP))
		nlh->nlmsg_flags |= NLM_F_ACK;
	nlh->nlmsg_seq = ++g->seq;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = version;
	return nlh;
}

struct nlmsghdr *kactl_genl_msg(struct kactl_genl *g, uint8_t cmd, uint16_t flags)
{
	return genl_msg(g, g->buf, g->family, cmd, KA_GENL_VERSION, flags);
}

struct nlmsghdr *kactl_genl_msg_in(struct kactl_genl *g, void *buf, uint8_t cmd,
				uint16_t flags)
{
	return genl_msg(g, buf, g->family, cmd, KA_GENL_VERSION, flags);
}

struct nlmsghdr *kactl_genl_getfamily_msg(struct kactl_genl *g, const char *name)
{
	struct nlmsghdr *nlh;

	nlh = genl_msg(g, g->buf, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1, 0);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, name);
	return nlh;
}

static int family_attr_cb(const struct nlattr *attr, void *data)
{
	struct kactl_genl *g = data;

	if (mnl_attr_get_type(attr) == CTRL_ATTR_FAMILY_ID &&
	    mnl_attr_validate(attr, MNL_TYPE_U16) == 0)
		g->family = mnl_attr_get_u16(attr);
	return MNL_CB_OK;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), family_attr_cb, data);
	return MNL_CB_OK;
}

int kactl_genl_open(struct kactl_genl *g)
{
	struct nlmsghdr *nlh;
	int one = 1, ret;

	memset(g, 0, sizeof(*g));
	g->buf = malloc(KACTL_GENL_BUFSZ);
	g->nl = mnl_socket_open(NETLINK_GENERIC);
	if (!g->buf || !g->nl) {
		ret = -errno;
		goto err;
	}
	/* Best effort: older kernels lack them and still work. */
	mnl_socket_setsockopt(g->nl, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(g->nl, NETLINK_CAP_ACK, &one, sizeof(one));
	if (mnl_socket_bind(g->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		goto err;
	}
	g->portid = mnl_socket_get_portid(g->nl);
	g->seq = (uint32_t)time(NULL);

	nlh = kactl_genl_getfamily_msg(g, KA_GENL_NAME);
	ret = kactl_genl_run(g, nlh, family_cb, g);
	if (ret)
		goto err;
	if (!g->family) {
		ret = -ENOENT;
		goto err;
	}
	return 0;
err:
	kactl_genl_close(g);
	return ret;
}

void kactl_genl_close(struct kactl_genl *g)
{
	if (g->nl)
		mnl_socket_close(g->nl);
	free(g->buf);
	g->nl = NULL;
	g->buf = NULL;
}
