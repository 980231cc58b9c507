# SPDX-License-Identifier: GPL-2.0
#
# In the test VM, on one kernel of the matrix, after tests/packages.sh
# installed ka-policy-dkms and kactl on the host (the guest's root is the
# host's, read-only): the module DKMS built for this kernel loads with
# modprobe, and modules-load.d names it; the unit's own commands (read
# from the installed unit) load the installed /etc/ka_policy.conf as
# shipped (nothing applied) and with its policies uncommented (a real
# connection gets its policy); the module unloads. Nothing here uses the
# checkout's module or kactl.
source "$KA_ROOT/tests/lib/ka.sh"

readonly UNIT=/lib/systemd/system/ka_policy.service
# .ko.xz where the kernel's modules are compressed (Debian's 6.12)
DKMS_KO=$(compgen -G "/lib/modules/$(uname -r)/updates/dkms/ka_policy.ko*" || true)
KACTL=/usr/sbin/kactl

# The VM loads nothing (ka-vm --no-module); each test starts so.
before_each() {
	ka_unload
}

# unit_exec KEY: every KEY= line of the installed unit, in order, as
# systemd runs them: no shell, the words as they are (split on blanks,
# no globbing), without systemd's prefixes to the executable (- @ + ! :,
# which change how systemd runs it, not what); each must succeed.
unit_exec() {
	local line cmd
	grep -q "^$1=" "$UNIT" || fail "no $1= in $UNIT"
	while IFS= read -r line; do
		cmd=${line#*=}
		while [[ $cmd == [-@+!:]* ]]; do cmd=${cmd#?}; done
		set -f
		# shellcheck disable=SC2086
		if ! $cmd; then
			set +f
			fail "$1 failed: $cmd"
		fi
		set +f
	done < <(grep "^$1=" "$UNIT")
}

test_modules_load_d_names_the_module() {
	local f=/usr/lib/modules-load.d/ka_policy.conf
	[ -f "$f" ] || fail "no $f"
	assert_eq "$(grep -v -e '^[#;]' -e '^[[:space:]]*$' "$f")" ka_policy \
		"the modules $f loads at boot"
}

test_modprobe_loads_the_dkms_built_module() {
	[ -f "$DKMS_KO" ] || fail "DKMS installed no ka_policy.ko in /lib/modules/$(uname -r)/updates/dkms"
	assert_eq "$(modinfo -n ka_policy)" "$DKMS_KO" "the module modprobe finds"
	modprobe ka_policy
	defer rmmod ka_policy
	ka_loaded || fail "modprobe ka_policy loaded nothing"
	assert_eq "$(cat /sys/module/ka_policy/version)" "$(cat "$KA_ROOT/VERSION")" \
		"the loaded module's version"
	assert_eq "$(cat /sys/module/ka_policy/srcversion)" "$(modinfo -F srcversion "$DKMS_KO")" \
		"the loaded module is the DKMS one"
	assert_eq "$(modinfo -F vermagic "$DKMS_KO" | cut -d' ' -f1)" "$(uname -r)" \
		"built for this kernel"
}

# The file as the package installs it, all its policies commented out:
# the unit starts, and applies nothing.
test_unit_commands_with_the_config_as_shipped_apply_nothing() {
	[ -f /etc/ka_policy.conf ] || fail "no /etc/ka_policy.conf"
	! grep -q '^--' /etc/ka_policy.conf ||
		fail "/etc/ka_policy.conf has a policy not commented out: $(grep '^--' /etc/ka_policy.conf)"
	unit_exec ExecStartPre
	defer rmmod ka_policy
	ka_loaded || fail "ExecStartPre loaded no module"
	unit_exec ExecStart
	defer "$KACTL" flush
	assert_eq "$("$KACTL" -j list)" "[]" "the policies after ExecStart"
}

test_unit_commands_apply_the_installed_config() {
	local out conf
	[ -f /etc/ka_policy.conf ] || fail "no /etc/ka_policy.conf"
	# The installed file has every policy commented out, and the guest's
	# root is read-only: the operator's edit, uncommenting them, goes on
	# a copy mounted over it.
	conf=$(mktemp)
	defer rm -f "$conf"
	sed 's/^#--/--/' /etc/ka_policy.conf >"$conf"
	grep -q '^--port 6379 ' "$conf" || fail "no Redis policy to uncomment in /etc/ka_policy.conf"
	mount --bind "$conf" /etc/ka_policy.conf
	defer umount /etc/ka_policy.conf
	unit_exec ExecStartPre
	defer rmmod ka_policy
	ka_loaded || fail "ExecStartPre loaded no module"
	unit_exec ExecStart
	defer "$KACTL" flush
	assert_eq "$("$KACTL" save | grep -v '^#')" "$(grep '^--' /etc/ka_policy.conf)" \
		"the policies after ExecStart"
	# The example's Redis policy, on a real connection: the server side.
	out=$(pair 6379)
	expect_ka "$out" server keepalive=1 idle=60 intvl=10 cnt=6
	expect_timer "$out" server yes
	assert_eq "$(stat_of port=6379,dir=in applied)" 1 "applied, in /proc/net/ka_stats"
	unit_exec ExecStop
	assert_eq "$("$KACTL" -j list)" "[]" "policies after ExecStop"
	rmmod ka_policy
	! ka_loaded || fail "rmmod left the module loaded"
}
