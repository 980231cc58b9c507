/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KACTL_GENL_H
#define KACTL_GENL_H

#include <stdint.h>
#include <libmnl/libmnl.h>

/* A generic netlink socket bound to the ka_policy family. */
struct kactl_genl {
	struct mnl_socket *nl;
	uint16_t family;
	unsigned int portid;
	uint32_t seq;
	char *buf;
};

/*
 * Opens the socket and resolves the family. Returns 0, or -errno:
 * -ENOENT when the module is not loaded.
 */
int kactl_genl_open(struct kactl_genl *g);
void kactl_genl_close(struct kactl_genl *g);

/* Starts a request for cmd in g->buf; add attributes with mnl_attr_put*(). */
struct nlmsghdr *kactl_genl_msg(struct kactl_genl *g, uint8_t cmd, uint16_t flags);

/* The controller's CTRL_CMD_GETFAMILY for family name, in g->buf. */
struct nlmsghdr *kactl_genl_getfamily_msg(struct kactl_genl *g, const char *name);

/* The same in the caller's buf, for a request larger than g->buf. */
struct nlmsghdr *kactl_genl_msg_in(struct kactl_genl *g, void *buf, uint8_t cmd,
				uint16_t flags);

/*
 * Sends nlh and runs cb on every reply until the ACK or the end of the
 * dump. Returns 0, or -errno; the kernel's extack message, if any, is
 * copied to g's last_error (see kactl_genl_error()).
 */
int kactl_genl_run(struct kactl_genl *g, struct nlmsghdr *nlh, mnl_cb_t cb,
		void *data);

/* The kernel's extack message for the last failed request, or NULL. */
const char *kactl_genl_error(void);

/*
 * Where in the last failed request the attribute the kernel refused
 * starts, counted from its netlink header; 0 when it did not say.
 */
uint32_t kactl_genl_error_offset(void);

#endif
