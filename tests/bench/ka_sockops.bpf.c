// SPDX-License-Identifier: GPL-2.0
/*
 * The comparator for ka_policy's benchmark: what a user would write
 * instead, a minimal BPF sock_ops program attached to a cgroup that turns
 * keepalive on for one port with bpf_setsockopt(). It does what the
 * benchmark's one port policy does (both ends of a connection to
 * KA_BENCH_PORT get idle 60, intvl 10, cnt 5), without ka_policy's
 * precedence rules, counters or respect for the application's settings.
 *
 * Built by tests/bench/run.sh with Debian's clang (-target bpf) against
 * the uapi linux/bpf.h and libbpf-dev's bpf_helpers.h; loaded with bpftool
 * and attached to the benchmark's cgroup (bench.py).
 */
#include <linux/bpf.h>
#include <linux/in.h>		/* IPPROTO_TCP */
#include <linux/tcp.h>		/* TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT */
#include <asm/socket.h>		/* SOL_SOCKET, SO_KEEPALIVE */
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#ifndef KA_BENCH_PORT
#define KA_BENCH_PORT 7000
#endif

static __always_inline void set_int(struct bpf_sock_ops *skops, int level,
				    int name, int val)
{
	bpf_setsockopt(skops, level, name, &val, sizeof(val));
}

SEC("sockops")
int ka_sockops(struct bpf_sock_ops *skops)
{
	__u32 port;

	switch (skops->op) {
	case BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB:
		/* remote_port is in network byte order, in the upper half */
		port = bpf_ntohl(skops->remote_port);
		break;
	case BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB:
		port = skops->local_port;	/* host byte order */
		break;
	default:
		return 1;
	}
	if (port != KA_BENCH_PORT)
		return 1;
	set_int(skops, SOL_SOCKET, SO_KEEPALIVE, 1);
	set_int(skops, IPPROTO_TCP, TCP_KEEPIDLE, 60);
	set_int(skops, IPPROTO_TCP, TCP_KEEPINTVL, 10);
	set_int(skops, IPPROTO_TCP, TCP_KEEPCNT, 5);
	return 1;
}

char _license[] SEC("license") = "GPL";
