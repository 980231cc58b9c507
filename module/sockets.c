// SPDX-License-Identifier: GPL-2.0
/*
 * kactl sockets: the namespace's TCP sockets with their keepalive
 * settings and where those come from, as a netlink dump
 * (KA_CMD_SOCKET_GET, one KA_A_SOCKET per message).
 *
 * Who may read: every user, as /proc/net/tcp and ss: the op carries no
 * admin flag. The reader sees its own network namespace (the netlink
 * socket's), and cgroup paths relative to its cgroup namespace; a socket
 * whose cgroup lies outside shows its id only, marked hidden, as policies
 * do (netlink.c).
 *
 * Which sockets: the full sockets sockwalk.c hands out (listening,
 * connecting, established and the closing states up to LAST_ACK), an
 * application's only (apply.h ka_sock_is_app(): not kernel sockets, not
 * MPTCP subflows, which ka_policy does not manage). Not TIME_WAIT sockets
 * nor the requests of half-open connections: they have no keepalive. A
 * socket that closed after it was pinned (TCP_CLOSE) is left out.
 *
 * The walk is positional, as inet_diag's (ss): a socket opened or closed
 * in the bucket being walked between two parts of the dump may be missed
 * or shown twice; nothing flags it, as nothing flags it for ss. A change
 * of the policies does flag it: the "source" of a line names a policy, so
 * every message carries kn->generation in cb->seq and a change between
 * two messages sets NLM_F_DUMP_INTR (kactl asks to retry, as for list).
 *
 * Each part fills one skb, a batch of up to KA_WALK_BATCH pinned sockets
 * at a time, their messages filled with no spinlock held (sockwalk.c):
 * kernfs_path() of the cgroup takes its own lock. A part ends when its skb is full, when the
 * walk is over, or once it has run KA_SOCKETS_PART_US, and reschedules
 * between batches. The clock is read after every batch, an empty one
 * too: sockwalk.c returns none, the walk not over, after KA_WALK_BUCKETS
 * buckets without a socket of the namespace, and in the machine's table
 * (5.10; the initial namespace of later kernels) a namespace with few
 * sockets sees millions of buckets empty. The first part runs in the
 * request's sendmsg(), under the genetlink core's cb_lock (a family's
 * registration waits for it, and every genetlink request after that),
 * the others in the reader's recvmsg(): the bound keeps either short. A
 * part that found no socket in its time still sends a message, one with
 * no KA_A_SOCKET, which readers skip: netlink takes a part that put
 * nothing (the dumpit returning 0) for the end of the dump. The policy
 * a socket got is the one whose id ka_apply() stamped into it (exact,
 * apply.c), looked up and put under rcu_read_lock(): its selector only,
 * which is what names it (kactl prints it as list does); its action is
 * in kactl list. The sockets are read without their lock, as ss reads
 * them: each field is one load, and a line may mix values from before and
 * after a concurrent setsockopt().
 *
 * Filters (--port, --dir, --cgroup) are applied by kactl, not here: the
 * request carries no attribute. A socket's direction is known here only
 * when a policy was applied; kactl infers it from the listeners, which
 * this dump sends first, and the cgroup filter takes descendants, which
 * kactl matches on the path it prints. One filter implementation, where
 * the printing is, for a cost measured in Documentation/ka_policy.rst
 * (10,000 sockets).
 */

#include <linux/cgroup.h>
#include <linux/jiffies.h>
#include <linux/kernfs.h>
#include <linux/ktime.h>
#include <net/genetlink.h>
#include <net/inet_sock.h>
#include <net/ipv6.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "apply.h"
#include "cgpath.h"
#include "netns.h"
#include "policy.h"
#include "sockets.h"
#include "sockwalk.h"

/* After this long, a part of the dump ends, its skb full or not. */
#define KA_SOCKETS_PART_US	5000

/* A dump's state, allocated at start: cb->ctx holds a pointer to it. */
struct ka_sockets_dump {
	struct ka_walk walk;
	char *root;		/* the reader's cgroup namespace root, or NULL */
	/* The last cgroup's path, relative to root: sockets share cgroups. */
	u64 cgroup_id;
	const char *rel;	/* into path; NULL: hidden or unknown */
	char path[PATH_MAX];
};

static struct ka_sockets_dump *dump_of(struct netlink_callback *cb)
{
	return *(struct ka_sockets_dump **)cb->ctx;
}

int ka_sockets_dump_start(struct netlink_callback *cb)
{
	struct ka_sockets_dump *d;

	BUILD_BUG_ON(sizeof(d) > sizeof_field(struct netlink_callback, ctx));
	d = kzalloc_obj(*d, GFP_KERNEL);
	if (!d)
		return -ENOMEM;
	d->root = kmalloc(KA_CGPATH_BUF_SIZE, GFP_KERNEL);
	if (!d->root) {
		kfree(d);
		return -ENOMEM;
	}
	/* Deeper than any path the reader could see: every cgroup is hidden. */
	if (ka_cgpath_ns_root(d->root, KA_CGPATH_BUF_SIZE) < 0) {
		kfree(d->root);
		d->root = NULL;
	}
	*(struct ka_sockets_dump **)cb->ctx = d;
	/*
	 * Every socket must fit in an empty message, whatever buffer the
	 * reader received with before (netlink sizes a dump's skb by the
	 * largest recvmsg() so far, from a page): the largest is a socket
	 * whose cgroup path and whose policy's cgroup path are both as long
	 * as they can be, plus its fixed attributes, well under 512 bytes.
	 * So a message may be up to about 5.7 KiB, and a reader needs a
	 * buffer of 8 KiB or more (the spec says so; kactl has 32 KiB).
	 */
	cb->min_dump_alloc = NLMSG_HDRLEN + GENL_HDRLEN +
			     nla_total_size(PATH_MAX) +
			     nla_total_size(KA_CGPATH_BUF_SIZE) + 512;
	return 0;
}

int ka_sockets_dump_done(struct netlink_callback *cb)
{
	struct ka_sockets_dump *d = dump_of(cb);

	if (d)
		kfree(d->root);
	kfree(d);
	return 0;
}

/* The path of the cgroup with this id, relative to the reader's root. */
static const char *cgroup_rel(struct ka_sockets_dump *d, struct cgroup *cgrp)
{
	u64 id = cgroup_id(cgrp);
	int len;

	if (d->cgroup_id == id)
		return d->rel;
	d->cgroup_id = id;
	d->rel = NULL;
	len = kernfs_path(cgrp->kn, d->path, sizeof(d->path));
	if (len >= 0 && len < sizeof(d->path) - 1)
		d->rel = ka_cgpath_relative(d->path, d->root);
	return d->rel;
}

static int put_addrs(struct sk_buff *skb, struct sock *sk)
{
	const struct inet_sock *inet = inet_sk(sk);

#if IS_ENABLED(CONFIG_IPV6)
	if (sk->sk_family == AF_INET6)
		return nla_put_in6_addr(skb, KA_SOCKET_A_LOCAL_ADDR,
					&sk->sk_v6_rcv_saddr) ||
		       nla_put_in6_addr(skb, KA_SOCKET_A_REMOTE_ADDR,
					&sk->sk_v6_daddr);
#endif
	return nla_put_in_addr(skb, KA_SOCKET_A_LOCAL_ADDR, inet->inet_rcv_saddr) ||
	       nla_put_in_addr(skb, KA_SOCKET_A_REMOTE_ADDR, inet->inet_daddr);
}

/* The socket's own settings, the effective ones, the timer. */
static int put_keepalive(struct sk_buff *skb, struct sock *sk)
{
	const struct inet_connection_sock *icsk = inet_csk(sk);
	struct timer_list *t = ka_keepalive_timer_of(sk);
	const struct tcp_sock *tp = tcp_sk(sk);

	if (nla_put_u8(skb, KA_SOCKET_A_KEEPALIVE, sock_flag(sk, SOCK_KEEPOPEN)) ||
	    nla_put_u32(skb, KA_SOCKET_A_IDLE,
			READ_ONCE(tp->keepalive_time) / HZ) ||
	    nla_put_u32(skb, KA_SOCKET_A_INTVL,
			READ_ONCE(tp->keepalive_intvl) / HZ) ||
	    nla_put_u32(skb, KA_SOCKET_A_CNT, READ_ONCE(tp->keepalive_probes)) ||
	    nla_put_u32(skb, KA_SOCKET_A_USER_TIMEOUT,
			READ_ONCE(icsk->icsk_user_timeout)) ||
	    nla_put_u32(skb, KA_SOCKET_A_IDLE_EFFECTIVE,
			keepalive_time_when(tp) / HZ) ||
	    nla_put_u32(skb, KA_SOCKET_A_INTVL_EFFECTIVE,
			keepalive_intvl_when(tp) / HZ) ||
	    nla_put_u32(skb, KA_SOCKET_A_CNT_EFFECTIVE, keepalive_probes(tp)) ||
	    nla_put_u8(skb, KA_SOCKET_A_PROBES, READ_ONCE(icsk->icsk_probes_out)))
		return -EMSGSIZE;
	/* As ss -o: the next run of the timer, not the next probe. */
	if (timer_pending(t) &&
	    nla_put_u32(skb, KA_SOCKET_A_TIMER,
			jiffies_delta_to_msecs(READ_ONCE(t->expires) - jiffies)))
		return -EMSGSIZE;
	return 0;
}

static int put_cgroup(struct sk_buff *skb, struct ka_sockets_dump *d,
		      struct sock *sk)
{
	struct cgroup *cgrp = sock_cgroup_ptr(&sk->sk_cgrp_data);
	const char *rel = cgroup_rel(d, cgrp);

	if (nla_put_u64_64bit(skb, KA_SOCKET_A_CGROUP_ID, cgroup_id(cgrp),
			      KA_SOCKET_A_PAD))
		return -EMSGSIZE;
	if (rel)
		return nla_put_string(skb, KA_SOCKET_A_CGROUP_PATH, rel);
	return nla_put_flag(skb, KA_SOCKET_A_CGROUP_HIDDEN);
}

/*
 * A policy's selector, as a KA_POLICY_A_* nest: what names the policy,
 * and what kactl prints, as the policy dump names it (netlink.c).
 */
static int put_selector(struct sk_buff *skb, const struct ka_policy *p,
			const char *root)
{
	struct nlattr *nest;

	nest = nla_nest_start(skb, KA_SOCKET_A_POLICY);
	if (!nest)
		return -EMSGSIZE;
	if (ka_policy_put_selector(skb, p, root)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/*
 * Where the settings come from: the policy stamped in the socket, else
 * the application when anything is on or set, else nothing.
 */
static int put_source(struct sk_buff *skb, struct ka_sockets_dump *d,
		      struct sock *sk)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	u8 dir = ka_sock_applied_dir(sk);
	const struct ka_policy *p;
	bool deleted;
	int ret = 0;
	u8 src;

	rcu_read_lock();
	p = ka_sock_policy(sk, &deleted);
	if (p)
		src = KA_SOURCE_POLICY;
	else if (deleted)
		src = KA_SOURCE_POLICY_DELETED;
	else if (sock_flag(sk, SOCK_KEEPOPEN) || READ_ONCE(tp->keepalive_time) ||
		 READ_ONCE(tp->keepalive_intvl) || READ_ONCE(tp->keepalive_probes) ||
		 READ_ONCE(inet_csk(sk)->icsk_user_timeout))
		src = KA_SOURCE_APPLICATION;
	else
		src = KA_SOURCE_NONE;
	if (nla_put_u8(skb, KA_SOCKET_A_SOURCE, src) ||
	    (dir != KA_DIR_BOTH && nla_put_u8(skb, KA_SOCKET_A_DIR, dir)) ||
	    (p && put_selector(skb, p, d->root)))
		ret = -EMSGSIZE;
	rcu_read_unlock();
	return ret;
}

/* A message's header; NULL when the skb is full. */
static void *put_header(struct sk_buff *skb, struct netlink_callback *cb,
			const struct genl_family *family, struct ka_net *kn)
{
	void *hdr;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  family, NLM_F_MULTI, KA_CMD_SOCKET_GET);
	if (!hdr)
		return NULL;
	/* Per message: a policy change between two sets DUMP_INTR. */
	cb->seq = READ_ONCE(kn->generation);
	genl_dump_check_consistent(cb, hdr);
	return hdr;
}

/* A message with no socket: this part found none in its time. */
static int put_nothing_yet(struct sk_buff *skb, struct netlink_callback *cb,
			   const struct genl_family *family, struct ka_net *kn)
{
	void *hdr = put_header(skb, cb, family, kn);

	if (!hdr)
		return -EMSGSIZE;
	genlmsg_end(skb, hdr);
	return 0;
}

/* One message: 0, or -EMSGSIZE when the skb is full. */
static int put_socket(struct sk_buff *skb, struct netlink_callback *cb,
		      const struct genl_family *family, struct ka_net *kn,
		      struct sock *sk)
{
	struct user_namespace *user_ns = sk_user_ns(NETLINK_CB(cb->skb).sk);
	struct ka_sockets_dump *d = dump_of(cb);
	const struct inet_sock *inet = inet_sk(sk);
	struct nlattr *nest;
	void *hdr;

	hdr = put_header(skb, cb, family, kn);
	if (!hdr)
		return -EMSGSIZE;
	nest = nla_nest_start(skb, KA_A_SOCKET);
	if (!nest)
		goto err;
	if (nla_put_u8(skb, KA_SOCKET_A_FAMILY, sk->sk_family) ||
	    put_addrs(skb, sk) ||
	    nla_put_u16(skb, KA_SOCKET_A_LOCAL_PORT, inet->inet_num) ||
	    nla_put_u16(skb, KA_SOCKET_A_REMOTE_PORT, ntohs(inet->inet_dport)) ||
	    nla_put_u8(skb, KA_SOCKET_A_STATE, inet_sk_state_load(sk)) ||
	    put_keepalive(skb, sk) || put_cgroup(skb, d, sk) ||
	    nla_put_u64_64bit(skb, KA_SOCKET_A_INODE, sock_i_ino(sk),
			      KA_SOCKET_A_PAD) ||
	    nla_put_u32(skb, KA_SOCKET_A_UID,
			from_kuid_munged(user_ns, READ_ONCE(sk->sk_uid))) ||
	    put_source(skb, d, sk))
		goto err;
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	return 0;
err:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

int ka_sockets_dump(struct sk_buff *skb, struct netlink_callback *cb,
		    const struct genl_family *family)
{
	struct ka_sockets_dump *d = dump_of(cb);
	struct net *net = sock_net(skb->sk);
	struct sock *socks[KA_WALK_BATCH];
	struct ka_net *kn = ka_net(net);
	u64 start = ktime_get_ns();
	unsigned int n, i;
	int ret = 0;

	for (;;) {
		n = ka_walk_next(net, &d->walk, socks);
		if (!n && ka_walk_done(&d->walk))
			break;
		for (i = 0; i < n; i++) {
			struct sock *sk = socks[i];

			if (!ka_sock_is_app(sk) ||
			    inet_sk_state_load(sk) == TCP_CLOSE)
				continue;
			ret = put_socket(skb, cb, family, kn, sk);
			if (ret)
				break;
		}
		/* Full: the next part starts at the socket that did not fit. */
		if (ret)
			ka_walk_rewind(&d->walk, i);
		ka_walk_put(socks, n);
		if (ret)
			break;
		if (ktime_get_ns() - start >= KA_SOCKETS_PART_US * NSEC_PER_USEC) {
			/* Not the end: a part that found nothing says so. */
			if (!skb->len)
				ret = put_nothing_yet(skb, cb, family, kn);
			break;
		}
		cond_resched();
	}
	if (ret == -EMSGSIZE && skb->len)
		return skb->len;
	return ret ?: skb->len;
}
