// SPDX-License-Identifier: GPL-2.0
/*
 * ka_ksock: kernel TCP sockets, for ka_policy's tests
 * (tests/integration/unmanaged.sh).
 *
 * Loaded with port=N, it makes in the network namespace of whoever loads
 * it what sunrpc (the NFS client and nfsd), SMC and RDS-TCP make: a
 * listener on 127.0.0.1:N and a client that connects to it, both made by
 * sock_create_kern() and then holding a reference on their namespace as
 * a user socket does (sk_net_refcnt, which those subsystems set on their
 * TCP sockets), and it accepts the connection with kernel_accept(): the
 * accepted socket inherits both from the listener. The client chooses
 * its own keepalive and TCP_USER_TIMEOUT first, as sunrpc does
 * (xs_tcp_set_socket_timeouts()); the accepted socket keeps the kernel's
 * defaults. The sockets live until the module is removed.
 *
 * /sys/module/ka_ksock/parameters/state shows what each socket has now,
 * read without the socket lock as ss and getsockopt() read it:
 *
 *   client lport=L rport=N keepalive=1 idle=100 intvl=20 cnt=3 user_timeout=12000
 *   server lport=N rport=L keepalive=0 idle=0 intvl=0 cnt=0 user_timeout=0
 *
 * with idle and intvl in seconds, user_timeout in ms, and 0 for a setting
 * left unset (the namespace's sysctl applies).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/inet.h>
#include <linux/module.h>
#include <linux/net.h>
#include <linux/nsproxy.h>
#include <linux/sched.h>
#include <net/inet_connection_sock.h>
#include <net/net_namespace.h>
#include <net/sock.h>
#include <net/tcp.h>

#include <ka_config.h>	/* generated in the build directory */

/* The client's own settings, sunrpc-like; the test checks them. */
#define KA_KSOCK_IDLE_S		100
#define KA_KSOCK_INTVL_S	20
#define KA_KSOCK_CNT		3
#define KA_KSOCK_USER_TIMEOUT_MS	12000
/* Bounds the blocking connect and accept: a test never hangs in insmod. */
#define KA_KSOCK_TIMEOUT_S	30

/* The address type of kernel_bind() and kernel_connect() (conftest/). */
#ifdef KA_HAVE_SOCKADDR_UNSIZED
#define ka_ksock_addr(a)	((struct sockaddr_unsized *)(a))
#else
#define ka_ksock_addr(a)	((struct sockaddr *)(a))
#endif

static ushort port;
module_param(port, ushort, 0444);
MODULE_PARM_DESC(port, "The port on 127.0.0.1 to listen on and connect to");

/* Set at load, cleared at unload under kernel_param_lock(): see state. */
static struct socket *ka_listener, *ka_client, *ka_server;

/* Takes a reference on the namespace, as the subsystems above do. */
static void ka_ksock_hold_net(struct sock *sk)
{
#ifdef KA_HAVE_SK_NET_REFCNT_UPGRADE
	sk_net_refcnt_upgrade(sk);
#else
	struct net *net = sock_net(sk);

	sk->sk_net_refcnt = 1;
#ifdef KA_HAVE_GET_NET_TRACK
	get_net_track(net, &sk->ns_tracker, GFP_KERNEL);
#else
	get_net(net);
#endif
#ifdef KA_HAVE_SOCK_INUSE_ADD
	sock_inuse_add(net, 1);
#elif defined(CONFIG_PROC_FS)
	this_cpu_add(*net->core.sock_inuse, 1);
#endif
#endif
}

static int ka_ksock_create(struct net *net, struct socket **sock)
{
	int err;

	err = sock_create_kern(net, AF_INET, SOCK_STREAM, IPPROTO_TCP, sock);
	if (err)
		return err;
	ka_ksock_hold_net((*sock)->sk);
	(*sock)->sk->sk_rcvtimeo = KA_KSOCK_TIMEOUT_S * HZ;
	(*sock)->sk->sk_sndtimeo = KA_KSOCK_TIMEOUT_S * HZ;
	return 0;
}

static void ka_ksock_release(void)
{
	struct socket **socks[] = { &ka_server, &ka_client, &ka_listener };
	int i;

	kernel_param_lock(THIS_MODULE);
	for (i = 0; i < ARRAY_SIZE(socks); i++) {
		if (*socks[i])
			sock_release(*socks[i]);
		*socks[i] = NULL;
	}
	kernel_param_unlock(THIS_MODULE);
}

static int __init ka_ksock_init(void)
{
	struct net *net = current->nsproxy->net_ns;
	struct sockaddr_in addr = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
		.sin_port = htons(port),
	};
	struct socket *listener, *client, *server;
	int err;

	if (!port)
		return -EINVAL;
	err = ka_ksock_create(net, &listener);
	if (err)
		return err;
	ka_listener = listener;
	err = kernel_bind(listener, ka_ksock_addr(&addr), sizeof(addr));
	if (!err)
		err = kernel_listen(listener, 1);
	if (err)
		goto err;

	err = ka_ksock_create(net, &client);
	if (err)
		goto err;
	ka_client = client;
	sock_set_keepalive(client->sk);
	tcp_sock_set_keepidle(client->sk, KA_KSOCK_IDLE_S);
	tcp_sock_set_keepintvl(client->sk, KA_KSOCK_INTVL_S);
	tcp_sock_set_keepcnt(client->sk, KA_KSOCK_CNT);
	tcp_sock_set_user_timeout(client->sk, KA_KSOCK_USER_TIMEOUT_MS);
	err = kernel_connect(client, ka_ksock_addr(&addr), sizeof(addr), 0);
	if (err)
		goto err;

	err = kernel_accept(listener, &server, 0);
	if (err)
		goto err;
	ka_server = server;
	return 0;

err:
	pr_err("kernel sockets on 127.0.0.1:%u: error %d\n", port, err);
	ka_ksock_release();
	return err;
}

static int ka_ksock_show(char *buf, int len, const char *name,
			 const struct socket *sock)
{
	const struct sock *sk = sock->sk;
	const struct tcp_sock *tp = tcp_sk(sk);

	return scnprintf(buf, len,
			 "%s lport=%u rport=%u keepalive=%d idle=%u intvl=%u cnt=%u user_timeout=%u\n",
			 name, inet_sk(sk)->inet_num,
			 ntohs(inet_sk(sk)->inet_dport),
			 sock_flag(sk, SOCK_KEEPOPEN),
			 READ_ONCE(tp->keepalive_time) / HZ,
			 READ_ONCE(tp->keepalive_intvl) / HZ,
			 READ_ONCE(tp->keepalive_probes),
			 READ_ONCE(inet_csk(sk)->icsk_user_timeout));
}

/* Called under kernel_param_lock(THIS_MODULE), as sysfs reads it. */
static int ka_ksock_state_get(char *buf, const struct kernel_param *kp)
{
	int n = 0;

	if (ka_client)
		n += ka_ksock_show(buf + n, PAGE_SIZE - n, "client", ka_client);
	if (ka_server)
		n += ka_ksock_show(buf + n, PAGE_SIZE - n, "server", ka_server);
	return n;
}

static const struct kernel_param_ops ka_ksock_state_ops = {
	.get = ka_ksock_state_get,
};

module_param_cb(state, &ka_ksock_state_ops, NULL, 0444);
MODULE_PARM_DESC(state, "What the kernel sockets have now (read only)");

static void __exit ka_ksock_exit(void)
{
	ka_ksock_release();
}

module_init(ka_ksock_init);
module_exit(ka_ksock_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("ka_policy tests: kernel TCP sockets under a policy");
