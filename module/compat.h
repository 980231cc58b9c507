/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Differences between the kernels ka_policy runs on (5.10 to 7.x), in one
 * place, so that no other file carries a version check.
 *
 * What a kernel has is probed when the module is built, not read off its
 * version: stable kernels backport changes (6.1.192 has a keepalive timer
 * field that 6.1.176 lacks). conftest.sh compiles the probes in conftest/
 * against the target kernel's headers and writes ka_config.h, with one
 * KA_HAVE_* macro per probe; each probe's comment names the change it
 * detects. A shim that exists upstream keeps the upstream name, so that
 * it can be deleted, unchanged callers and all, once the oldest supported
 * kernel has it. Macros the kernel defines are tested with #ifndef.
 *
 * Adding a kernel that breaks the build: write a probe for the change (a
 * few lines that compile only with it), then the shim here.
 */
#ifndef _KA_COMPAT_H
#define _KA_COMPAT_H

/* Force-included first, so it sets the message prefix for every file. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cgroup.h>
#include <linux/nsproxy.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/inet_connection_sock.h>
#include <net/netlink.h>
#include <net/sock.h>

#include <ka_config.h>	/* generated in the build directory */

/*
 * The socket a keepalive timer belongs to, from the timer_list that
 * tcp_keepalive_timer() receives, and the other way round (kactl
 * sockets, --existing): inet_connection_sock's own icsk_keepalive_timer
 * where the kernel has it, sock's sk_timer before.
 */
#ifdef KA_HAVE_ICSK_KEEPALIVE_TIMER
#define ka_keepalive_timer_sk(t) \
	(&container_of(t, struct inet_connection_sock, \
		       icsk_keepalive_timer)->icsk_inet.sk)
#define ka_keepalive_timer_of(sk) (&inet_csk(sk)->icsk_keepalive_timer)
#else
#define ka_keepalive_timer_sk(t) container_of(t, struct sock, sk_timer)
#define ka_keepalive_timer_of(sk) (&(sk)->sk_timer)
#endif

/*
 * The id of cgrp's ancestor at level (0: the root, cgrp->level: cgrp
 * itself). Lock-free for a cgroup the caller pins: 6.0+ keeps pointers
 * to the ancestors, 5.10 keeps their ids.
 */
static inline u64 ka_cgroup_ancestor_id(const struct cgroup *cgrp, int level)
{
#ifdef KA_HAVE_CGROUP_ANCESTORS
	return cgroup_id(cgrp->ancestors[level]);
#else
	return cgrp->ancestor_ids[level];
#endif
}

/*
 * cgroup_get_from_id() for kernels that export none (5.10): walk the
 * default hierarchy under RCU, O(cgroups), never on the connect or accept
 * path: when a policy is set by id, and when a cgroup policy's state is
 * shown (ka_stats, list: one walk per cgroup policy). As upstream does,
 * it sees only cgroups inside the caller's cgroup namespace. Named apart
 * and mapped, so that it cannot clash with a declaration a kernel has
 * without the export.
 */
#ifndef KA_HAVE_CGROUP_GET_FROM_ID
static inline struct cgroup *ka_cgroup_get_from_id(u64 id)
{
	struct cgroup_subsys_state *css;
	struct cgroup *cgrp = NULL;

	rcu_read_lock();
	css_for_each_descendant_pre(css, &cgrp_dfl_root.cgrp.self) {
		if (cgroup_id(css->cgroup) == id) {
			if (cgroup_tryget(css->cgroup))
				cgrp = css->cgroup;
			break;
		}
	}
	rcu_read_unlock();
	if (!cgrp)
		return ERR_PTR(-ENOENT);
	if (!cgroup_is_descendant(cgrp,
				  current->nsproxy->cgroup_ns->root_cset->dfl_cgrp)) {
		cgroup_put(cgrp);
		return ERR_PTR(-ENOENT);
	}
	return cgrp;
}

#define cgroup_get_from_id ka_cgroup_get_from_id
#endif

/*
 * The flag of a multicast group that only a process with CAP_NET_ADMIN
 * over the network namespace's user namespace may join (genl_bind()
 * refuses the others with EPERM): mainline's since 6.7, backported to
 * 6.1.y; the 5.10.y backport of the same fix reads GENL_UNS_ADMIN_PERM
 * in .flags instead (conftest/genl_mcgrp_cap_sys_admin.c). A kernel with
 * neither lets anyone join, and would hand every user the events of
 * every namespace (events.c): there the module has no events group and
 * sends no event, KA_EVENTS is 0, and the version reply names
 * KA_FEATURE_EVENTS missing. KA_FORCE_NO_MCAST_PERM (make
 * KA_FORCE_NO_MCAST_PERM=y, a test build) builds as if the kernel had
 * neither.
 */
#if defined(KA_FORCE_NO_MCAST_PERM)
#define KA_EVENTS		0
#elif defined(GENL_MCAST_CAP_NET_ADMIN)
#define KA_EVENTS		1
#define KA_MCGRP_ADMIN_FLAGS	GENL_MCAST_CAP_NET_ADMIN
#elif defined(KA_HAVE_GENL_MCGRP_CAP_SYS_ADMIN)
#define KA_EVENTS		1
#define KA_MCGRP_ADMIN_FLAGS	GENL_UNS_ADMIN_PERM
#else
#define KA_EVENTS		0
#endif

/*
 * The attributes of a dump's request, parsed and validated by the
 * genetlink core, in the dump's start(), dumpit() and done(): in the
 * dump's struct genl_info since 6.6, genl_info_dump(); before, in struct
 * genl_dumpit_info itself.
 */
#ifdef KA_HAVE_GENL_INFO_DUMP
#define ka_genl_dump_attrs(cb) (genl_info_dump(cb)->attrs)
#else
#define ka_genl_dump_attrs(cb) (genl_dumpit_info(cb)->attrs)
#endif

/* 6.1: a required attribute (6.1 also reports which is missing in extack). */
#ifndef GENL_REQ_ATTR_CHECK
#define GENL_REQ_ATTR_CHECK(info, attr) (!(info)->attrs[(attr)])
#endif

#ifndef KA_HAVE_NLA_GET_U32_DEFAULT
static inline u8 nla_get_u8_default(const struct nlattr *nla, u8 defvalue)
{
	return nla ? nla_get_u8(nla) : defvalue;
}

static inline u16 nla_get_u16_default(const struct nlattr *nla, u16 defvalue)
{
	return nla ? nla_get_u16(nla) : defvalue;
}

static inline u32 nla_get_u32_default(const struct nlattr *nla, u32 defvalue)
{
	return nla ? nla_get_u32(nla) : defvalue;
}
#endif

/*
 * Typed allocation of one object, kzalloc_obj(*p, gfp): 7.3 has it, 6.12
 * does not (the gfp is optional upstream; callers here always give it).
 */
#ifndef kzalloc_obj
#define kmalloc_obj(P, GFP) kmalloc(sizeof(P), GFP)
#define kzalloc_obj(P, GFP) kzalloc(sizeof(P), GFP)
#endif

#endif /* _KA_COMPAT_H */
