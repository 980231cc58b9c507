# SPDX-License-Identifier: GPL-2.0
#
# Shared by the integration tests, which run as root inside the test VM
# (tests/vm/ka-vm) with the module loaded.
KACTL=$KA_ROOT/userspace/kactl

ka_loaded() {
	[ -d /sys/module/ka_policy ]
}

ka_load() {
	ka_loaded || insmod "$KA_MODULE"
}

ka_unload() {
	! ka_loaded || rmmod ka_policy
}

# A network namespace removed when the test ends.
netns_add() {
	ip netns add "$1"
	defer ip netns del "$1"
	ip -n "$1" link set lo up
}

# Tests may unload the module; every test starts with it loaded.
before_each() {
	ka_load
}
