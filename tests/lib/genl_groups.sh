# SPDX-License-Identifier: GPL-2.0
#
# Has a process joined a generic netlink multicast group yet? For the
# tests and the demo, which must not make an event before kactl monitor
# listens: "it sits in recv()" is true in its look-ups too, before it
# joins. Sourced; no dependencies beyond iproute2's genl.

# genl_group_id FAMILY GROUP: the id of FAMILY's multicast group GROUP,
# from the controller (ids are global; a module loaded again gets new
# ones). Prints nothing and fails when there is none.
genl_group_id() {
	local id
	id=$(genl ctrl get name "$1" 2>/dev/null |
		sed -n "s/.*ID-\(0x[0-9a-f]*\) *name: $2 *\$/\1/p")
	[ -n "$id" ] && echo $((id))
}

# genl_joined PID MASK: a generic netlink socket of PID has joined every
# group of MASK, as the Groups column of /proc/PID/net/netlink (PID's
# namespace) shows: a bitmap of the first 32 groups, group N at bit
# N - 1. The socket is the row whose inode is one of PID's fds.
genl_joined() {
	local fds proto groups rest
	fds=" $(find "/proc/$1/fd" -lname 'socket:*' -printf '%l ' 2>/dev/null) "
	while read -r _ proto _ groups rest; do
		[ "$proto" = 16 ] && [[ $fds == *" socket:[${rest##* }] "* ]] &&
			(((0x$groups & $2) == $2)) && return 0
	done <"/proc/$1/net/netlink"
	return 1
}
