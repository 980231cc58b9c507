// SPDX-License-Identifier: GPL-2.0
/*
 * Where ka_policy meets the TCP stack: kprobes and ftrace, no BPF.
 *
 * Required (the module does not load without them):
 *   tcp_connect(sk)                   an outgoing connection: apply, dir out
 *   security_inet_csk_clone(newsk, req)
 *                                     last step of inet_csk_clone_lock(): an
 *                                     accepted connection, apply, dir in
 *                                     (req says whether its listener is
 *                                     an MPTCP one)
 *                                     These two, which every connection
 *                                     passes, with an ftrace_ops each
 *                                     (fhook.c: no kprobe framework, and
 *                                     no call missed); the rest with
 *                                     kprobes.
 *   tcp_set_keepalive(sk, val)        SO_KEEPALIVE from the application: an
 *                                     explicit 0 is remembered and honoured,
 *                                     and keepalive is the application's
 *                                     (not --existing's own call through
 *                                     sk_prot->keepalive, existing.c)
 *   kernfs_activate(kn)               a cgroup made by cgroup_mkdir(), just
 *                                     before it becomes visible: bound to
 *                                     the policies naming its path
 *                                     (cgpath.c says why here)
 *   tcp_setsockopt(sk, level, optname, ...)
 *                                     TCP_KEEPIDLE, _KEEPINTVL, _KEEPCNT,
 *                                     TCP_USER_TIMEOUT from the application:
 *                                     the setting is the application's (a
 *                                     reconnect keeps it, apply.c)
 * Accounting (the module loads without them, the counters say "-"):
 *   tcp_write_wakeup(sk, mib)         a keepalive probe when mib says so
 *                                     (the same function sends zero-window
 *                                     probes, which are not counted)
 *   tcp_keepalive_timer(t)            a kretprobe marking, per CPU, the
 *                                     socket whose keepalive timer runs
 *   tcp_send_active_reset(sk, ...)    inside that timer and not for an
 *                                     orphaned FIN_WAIT2 socket: the peer
 *                                     is dead, keepalive gave up (counted,
 *                                     and told to listeners: events.c)
 * Events only (without it, an event says nothing of the lifetime):
 *   tcp_v4_destroy_sock(sk)           every TCP socket's end (IPv6's
 *                                     destroy calls it, or is it since
 *                                     6.2): its lifetime entry goes
 *                                     (lifetime.c). Armed only while
 *                                     someone listens for events (below)
 *
 * The handlers read only the arguments named above, which every kernel
 * from 5.10 to 7.x passes in the same place (tcp_send_active_reset gained
 * a reason in 6.10, and 7.3 has dropped its priority: sk stays first).
 * tcp_setsockopt() is where every setsockopt() of a TCP socket (IPv4 and
 * IPv6) at level SOL_TCP goes on every one of them, exported, before its
 * do_tcp_setsockopt() (static on 5.10, where the per-option helpers it
 * calls also differ between kernels) takes the socket lock.
 * All of these have an ftrace site on every kernel of the test matrix
 * (lifecycle.sh checks), so a probe costs a call, not a trap. Handlers
 * run with preemption disabled, in process or softirq context: they never
 * sleep, never take the socket lock, and touch only sockets their caller
 * owns or has locked. The kprobe core runs one kprobe handler at a time
 * per CPU: a kprobed call that comes while one runs (a softirq
 * interrupting a handler in process context) is only counted as missed,
 * and kactl version tells those counts (ka_hooks_missed()); ftrace has
 * no such rule, so the two ftrace hooks miss nothing.
 */

#include <linux/kprobes.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/snmp.h>
#include <linux/workqueue.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "apply.h"
#include "cgpath.h"
#include "events.h"
#include "existing.h"
#include "fhook.h"
#include "hooks.h"
#include "lifetime.h"
#include "stats.h"

static struct sock *arg_sk(struct pt_regs *regs, unsigned int n)
{
	return (struct sock *)regs_get_kernel_argument(regs, n);
}

/*
 * The destroy probe costs every TCP socket's end, and the lifetimes it
 * serves are wanted only by a listener for events: it is registered
 * disarmed, armed once a listener is seen and disarmed when the
 * listeners have gone. Whether anyone listens is only known by asking
 * netlink (there is no callback for a join on every kernel from 5.10),
 * which costs too much to ask per connection: a connection asks at most
 * once a second (ka_made(): a load and a compare otherwise), and when
 * the answer and the probe's state differ a worker looks again and arms
 * or disarms, as kprobes are armed in process context. kactl monitor
 * does not wait for that: its version request after it joined the group
 * looks at once (netlink.c; any version request does). Disarming waits
 * until the probe was armed for KA_DESTROY_ARMED_MIN, so that a listener
 * coming and going cannot make the kernel patch its text more often than
 * that: joining the group takes CAP_NET_ADMIN over a network namespace,
 * which the root of any user namespace has over its own.
 */
#define KA_DESTROY_ARMED_MIN	(10 * HZ)

static DEFINE_MUTEX(ka_destroy_lock);
static bool ka_destroy_armable;		/* under the lock: attached, not going */
static bool ka_destroy_armed;		/* written under the lock */
static unsigned long ka_destroy_armed_at;	/* jiffies, under the lock */
static unsigned long ka_listeners_next;	/* jiffies of the next look */

static void ka_listeners_work_fn(struct work_struct *work);
static DECLARE_WORK(ka_listeners_work, ka_listeners_work_fn);

/* A connection made (connect or accept): events may tell its lifetime. */
static void ka_made(struct sock *sk)
{
	unsigned long now = jiffies;

	if (unlikely(time_after_eq(now, READ_ONCE(ka_listeners_next)))) {
		WRITE_ONCE(ka_listeners_next, now + HZ);
		/* No worker woken while nothing is to change. */
		if (ka_events_listened(&init_net) != READ_ONCE(ka_destroy_armed))
			schedule_work(&ka_listeners_work);
	}
	if (ka_lifetime_noting())
		ka_lifetime_born(sk, ka_sock_counted(sk) &&
				 ka_events_listened(sock_net(sk)));
}

/* An ftrace hook (fhook.c): every connection passes here. */
static void ka_connect(struct pt_regs *regs)
{
	ka_apply(arg_sk(regs, 0), NULL, KA_DIR_OUT);
	ka_made(arg_sk(regs, 0));
}

/* An ftrace hook, as above. */
static void ka_clone(struct pt_regs *regs)
{
	const struct request_sock *req;

	req = (const struct request_sock *)regs_get_kernel_argument(regs, 1);
	ka_apply(arg_sk(regs, 0), req, KA_DIR_IN);
	ka_made(arg_sk(regs, 0));
}

/* Called by sk_setsockopt() with the socket locked. */
static int ka_set_keepalive_pre(struct kprobe *kp, struct pt_regs *regs)
{
	struct sock *sk = arg_sk(regs, 0);

	/* ka_policy's own call (--existing), not the application's. */
	if (ka_existing_writes(sk))
		return 0;
	/* Owned socket (lock held), but sk_flags is shared: atomic ops. */
	if ((int)regs_get_kernel_argument(regs, 1))
		clear_bit(KA_SK_APP_KEEPALIVE_OFF, &sk->sk_flags);
	else
		set_bit(KA_SK_APP_KEEPALIVE_OFF, &sk->sk_flags);
	ka_app_sets(sk, KA_F_KEEPOPEN);
	return 0;
}

#ifdef KA_FAULT_INJECT
/*
 * Test builds (KA_FAULT_INJECT=y) only: nest_setsockopt=1 makes the
 * setsockopt hook call tcp_set_keepalive(), itself hooked, for a socket
 * not connected yet (where it returns at once): a nested call, which the
 * kprobe core must miss and kactl version must count.
 */
static bool nest_setsockopt;
module_param(nest_setsockopt, bool, 0644);
MODULE_PARM_DESC(nest_setsockopt, "Test builds: call a hooked function from a hook");

static void ka_nest_for_test(struct sock *sk)
{
	if (READ_ONCE(nest_setsockopt) && READ_ONCE(sk->sk_state) == TCP_CLOSE)
		sk->sk_prot->keepalive(sk, 0);
}
#else
static void ka_nest_for_test(struct sock *sk)
{
}
#endif

/* Before the socket lock is taken: ka_app_sets() is atomic. */
static int ka_setsockopt_pre(struct kprobe *kp, struct pt_regs *regs)
{
	enum ka_field field;

	if ((int)regs_get_kernel_argument(regs, 1) != SOL_TCP)
		return 0;
	ka_nest_for_test(arg_sk(regs, 0));
	switch ((int)regs_get_kernel_argument(regs, 2)) {
	case TCP_KEEPIDLE:
		field = KA_F_IDLE;
		break;
	case TCP_KEEPINTVL:
		field = KA_F_INTVL;
		break;
	case TCP_KEEPCNT:
		field = KA_F_CNT;
		break;
	case TCP_USER_TIMEOUT:
		field = KA_F_USER_TIMEOUT;
		break;
	default:
		return 0;
	}
	ka_app_sets(arg_sk(regs, 0), field);
	return 0;
}

/* Under cgroup_mutex, in process context; for every kernfs user. */
static int ka_kernfs_activate_pre(struct kprobe *kp, struct pt_regs *regs)
{
	ka_cgpath_created((struct kernfs_node *)regs_get_kernel_argument(regs, 0));
	return 0;
}

static int ka_write_wakeup_pre(struct kprobe *kp, struct pt_regs *regs)
{
	if ((int)regs_get_kernel_argument(regs, 1) == LINUX_MIB_TCPKEEPALIVE)
		ka_account(arg_sk(regs, 0), KA_CNT_PROBES_SENT);
	return 0;
}

/* sk_prot->destroy: process or softirq context, sk locked or dying. */
static int ka_destroy_sock_pre(struct kprobe *kp, struct pt_regs *regs)
{
	ka_lifetime_destroyed(arg_sk(regs, 0));
	return 0;
}

/*
 * The socket whose keepalive timer runs on this CPU, NULL otherwise.
 * Only compared, never dereferenced once the timer returned: its final
 * sock_put() may have freed it.
 */
static DEFINE_PER_CPU(struct sock *, ka_keepalive_sk);

static int ka_keepalive_timer_entry(struct kretprobe_instance *ri,
				    struct pt_regs *regs)
{
	struct timer_list *t = (struct timer_list *)regs_get_kernel_argument(regs, 0);

	this_cpu_write(ka_keepalive_sk, ka_keepalive_timer_sk(t));
	return 0;
}

static int ka_keepalive_timer_ret(struct kretprobe_instance *ri,
				  struct pt_regs *regs)
{
	this_cpu_write(ka_keepalive_sk, NULL);
	return 0;
}

static int ka_active_reset_pre(struct kprobe *kp, struct pt_regs *regs)
{
	struct sock *sk = arg_sk(regs, 0);

	if (this_cpu_read(ka_keepalive_sk) != sk)
		return 0;
	/* The timer also ends orphaned FIN_WAIT2 sockets: not a dead peer. */
	if (sk->sk_state == TCP_FIN_WAIT2 && sock_flag(sk, SOCK_DEAD))
		return 0;
	ka_account(sk, KA_CNT_TIMEOUTS);
	ka_event_timeout(sk);
	return 0;
}

/*
 * A hook: a kprobe, or with fh.handler set an ftrace_ops of its own
 * (fhook.c), cheaper and never missed, for the two every connection
 * passes. kp.symbol_name names either.
 */
struct ka_hook {
	struct kprobe kp;
	struct ka_fhook fh;
	bool required;
	unsigned long feeds;	/* counters that need it, when optional */
	bool attached;
};

static struct ka_hook ka_hooks[] = {
	{ .kp = { .symbol_name = "tcp_connect" }, .fh.handler = ka_connect,
	  .required = true },
	{ .kp = { .symbol_name = "security_inet_csk_clone" },
	  .fh.handler = ka_clone, .required = true },
	{ .kp = { .symbol_name = "tcp_set_keepalive",
		  .pre_handler = ka_set_keepalive_pre },
	  .required = true },
	{ .kp = { .symbol_name = "kernfs_activate",
		  .pre_handler = ka_kernfs_activate_pre },
	  .required = true },
	{ .kp = { .symbol_name = "tcp_write_wakeup",
		  .pre_handler = ka_write_wakeup_pre },
	  .feeds = BIT(KA_CNT_PROBES_SENT) },
	{ .kp = { .symbol_name = "tcp_send_active_reset",
		  .pre_handler = ka_active_reset_pre },
	  .feeds = BIT(KA_CNT_TIMEOUTS) | BIT(KA_CNT_EVENTS_DROPPED) },
	{ .kp = { .symbol_name = "tcp_setsockopt",
		  .pre_handler = ka_setsockopt_pre },
	  .required = true },
	/*
	 * Last, so that fail_attach keeps the numbers of those above.
	 * Feeds no counter: ka_hooks_init() turns lifetimes on with it.
	 */
	{ .kp = { .symbol_name = "tcp_v4_destroy_sock",
		  .pre_handler = ka_destroy_sock_pre,
		  .flags = KPROBE_FLAG_DISABLED } },
};

/* Registered disarmed: see ka_made(). */
#define KA_DESTROY_HOOK	(ARRAY_SIZE(ka_hooks) - 1)

static struct kretprobe ka_keepalive_timer_probe = {
	.kp.symbol_name	= "tcp_keepalive_timer",
	.entry_handler	= ka_keepalive_timer_entry,
	.handler	= ka_keepalive_timer_ret,
};

static bool ka_keepalive_timer_attached;

#ifdef KA_FAULT_INJECT
/*
 * Test builds (KA_FAULT_INJECT=y) only: fail_attach=N makes the Nth
 * attach below fail, so the tests can walk each failure path for real.
 */
static unsigned int fail_attach;
module_param(fail_attach, uint, 0444);
MODULE_PARM_DESC(fail_attach, "Test builds: make the Nth hook attach fail");

static bool ka_attach_should_fail(void)
{
	return fail_attach && !--fail_attach;
}
#else
static bool ka_attach_should_fail(void)
{
	return false;
}
#endif

/* Attaches in the order of ka_hooks_init(): the timer, then ka_hooks[]. */
static int ka_attach(struct ka_hook *h, struct kretprobe *rp)
{
	if (ka_attach_should_fail())
		return -ENOENT;
	if (rp)
		return register_kretprobe(rp);
	if (h->fh.handler) {
		h->fh.name = h->kp.symbol_name;
		return ka_fhook_attach(&h->fh);
	}
	return register_kprobe(&h->kp);
}

static void ka_detach(struct ka_hook *h)
{
	if (h->fh.handler)
		ka_fhook_detach(&h->fh);
	else
		unregister_kprobe(&h->kp);
}

/*
 * Arms the destroy probe when someone listens for events, disarms it
 * when nobody has for a while (see ka_made()). Process context.
 */
void ka_hooks_listeners_look(void)
{
	struct kprobe *kp = &ka_hooks[KA_DESTROY_HOOK].kp;
	bool listened;
	int ret;

	mutex_lock(&ka_destroy_lock);
	/*
	 * Under the lock: a look that began after a listener joined must
	 * not be undone by an older one that saw nobody.
	 */
	listened = ka_events_listened(&init_net);	/* machine-wide */
	if (!ka_destroy_armable || listened == ka_destroy_armed)
		goto out;
	if (listened) {
		ret = enable_kprobe(kp);
		/* kprobes switched off (debugfs kprobes/enabled): not armed. */
		if (!ret && kprobe_disabled(kp)) {
			disable_kprobe(kp);
			ret = -EAGAIN;
		}
		if (ret) {
			pr_warn_once("cannot arm the probe on %s (error %d): events will not say how long connections lived\n",
				     kp->symbol_name, ret);
			goto out;
		}
		WRITE_ONCE(ka_destroy_armed, true);
		ka_destroy_armed_at = jiffies;
		ka_lifetime_start();
		goto out;
	}
	if (time_before(jiffies, ka_destroy_armed_at + KA_DESTROY_ARMED_MIN))
		goto out;
	/* No handler notes a lifetime once this grace period is over... */
	ka_lifetime_stop();
	synchronize_rcu();
	/* ...nor forgets one after this one: the rest can go. */
	disable_kprobe(kp);
	synchronize_rcu();
	ka_lifetime_forget_all();
	WRITE_ONCE(ka_destroy_armed, false);
out:
	mutex_unlock(&ka_destroy_lock);
}

static void ka_listeners_work_fn(struct work_struct *work)
{
	ka_hooks_listeners_look();
}

/* In reverse order of ka_hooks_init(): the reset probe reads the marker. */
static void ka_hooks_unregister(void)
{
	int i;

	mutex_lock(&ka_destroy_lock);
	ka_destroy_armable = false;
	mutex_unlock(&ka_destroy_lock);

	for (i = ARRAY_SIZE(ka_hooks) - 1; i >= 0; i--) {
		if (ka_hooks[i].attached) {
			ka_detach(&ka_hooks[i]);
			ka_hooks[i].attached = false;
		}
	}
	if (ka_keepalive_timer_attached) {
		unregister_kretprobe(&ka_keepalive_timer_probe);
		ka_keepalive_timer_attached = false;
	}
	/* No handler left to schedule it again. */
	cancel_work_sync(&ka_listeners_work);
	WRITE_ONCE(ka_destroy_armed, false);
}

int ka_hooks_init(void)
{
	unsigned long unavailable = 0;	/* bit per enum ka_counter_id */
	const char *name;
	int i, ret;

	/* The timer marker first: the reset probe depends on it. */
	ret = ka_attach(NULL, &ka_keepalive_timer_probe);
	if (ret) {
		pr_warn("cannot attach to tcp_keepalive_timer (error %d): timeouts will not be counted\n",
			ret);
		unavailable |= BIT(KA_CNT_TIMEOUTS) | BIT(KA_CNT_EVENTS_DROPPED);
	} else {
		ka_keepalive_timer_attached = true;
	}

	for (i = 0; i < ARRAY_SIZE(ka_hooks); i++) {
		struct ka_hook *h = &ka_hooks[i];

		name = h->kp.symbol_name;
		if (h->feeds & unavailable)
			continue;
		ret = ka_attach(h, NULL);
		if (!ret) {
			h->attached = true;
			continue;
		}
		if (h->required) {
			pr_err("cannot attach to %s (error %d): this kernel is not supported\n",
			       name, ret);
			goto err;
		}
		pr_warn("cannot attach to %s (error %d): %s\n", name, ret,
			h->feeds ? "some counters will be unavailable" :
			"events will not say how long connections lived");
		unavailable |= h->feeds;
	}
	ka_counters_set_unavailable(unavailable);
	/* Armed, and lifetimes noted, once a listener is seen. */
	mutex_lock(&ka_destroy_lock);
	ka_destroy_armable = ka_hooks[KA_DESTROY_HOOK].attached;
	mutex_unlock(&ka_destroy_lock);
	WRITE_ONCE(ka_listeners_next, jiffies);
	return 0;

err:
	ka_hooks_unregister();
	return ret;
}

void ka_hooks_exit(void)
{
	ka_hooks_unregister();
}

/*
 * The kprobe core cannot run a handler inside another (one per CPU:
 * kprobe_running()): a call that comes while one runs, a softirq that
 * interrupted one of the handlers above in process context, is counted
 * in the kprobe's nmissed and not handed to us. A kretprobe also counts
 * the calls it had no instance for. The handlers are short, so this is
 * rare, but it cannot be ruled out: tell how often it happened.
 *
 * fn(name, missed, arg) for each attached hook, in ka_hooks_init()'s
 * order; stops at fn's first nonzero return and returns it. A count is
 * a lower bound: the kprobe core bumps nmissed without atomics, so two
 * CPUs missing the same hook at once may count one.
 */
int ka_hooks_missed(ka_hook_missed_fn fn, void *arg)
{
	const struct kretprobe *rp = &ka_keepalive_timer_probe;
	int i, ret;

	if (ka_keepalive_timer_attached) {
		ret = fn(rp->kp.symbol_name, (u64)READ_ONCE(rp->kp.nmissed) +
			 (unsigned int)READ_ONCE(rp->nmissed), arg);
		if (ret)
			return ret;
	}
	for (i = 0; i < ARRAY_SIZE(ka_hooks); i++) {
		const struct kprobe *kp = &ka_hooks[i].kp;

		if (!ka_hooks[i].attached)
			continue;
		/* An ftrace hook's kprobe stays unused: nmissed 0. */
		ret = fn(kp->symbol_name, READ_ONCE(kp->nmissed), arg);
		if (ret)
			return ret;
	}
	return 0;
}
