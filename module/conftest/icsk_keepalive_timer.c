// SPDX-License-Identifier: GPL-2.0
/*
 * The keepalive timer has its own field, inet_connection_sock's
 * icsk_keepalive_timer, instead of sharing sock's sk_timer: mainline after
 * 6.18 (7.x has it), and 6.1.y through a late stable backport (6.1.192
 * has it, 6.1.176 does not; 6.12.95 and 5.10 do not). A stable backport
 * is exactly what a version check gets wrong. tcp_keepalive_timer() finds
 * its socket through this field.
 */
#include <net/inet_connection_sock.h>

struct timer_list *ka_probe(struct inet_connection_sock *icsk)
{
	return &icsk->icsk_keepalive_timer;
}
