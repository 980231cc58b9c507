# SPDX-License-Identifier: GPL-2.0
#
# The systemd unit's own command lines, run as systemd would run them
# (kactl, the module and the config file at the checkout's paths), with
# the example configuration that make install ships.
source "$KA_ROOT/tests/lib/ka.sh"

readonly UNIT=$KA_ROOT/userspace/systemd/ka_policy.service
readonly EXAMPLE=$KA_ROOT/userspace/systemd/ka_policy.conf.example

# unit_exec KEY CONF: run every KEY= line of the unit, in order.
unit_exec() {
	local key=$1 conf=$2 line
	while IFS= read -r line; do
		line=${line#"$key"=}
		line=${line//\/usr\/local\/sbin\/kactl/$KACTL}
		line=${line//\/etc\/ka_policy.conf/$conf}
		[ "$line" != "/sbin/modprobe ka_policy" ] || line="insmod $KA_MODULE"
		eval "$line" || fail "$key failed: $line"
	done < <(grep "^$key=" "$UNIT")
}

test_unit_start_reload_stop() {
	local conf
	conf=$(mktemp)
	defer rm -f "$conf"
	defer "$KACTL" flush
	cp "$EXAMPLE" "$conf"
	ka_unload
	unit_exec ExecStartPre "$conf"
	ka_loaded || fail "ExecStartPre did not load the module"
	unit_exec ExecStart "$conf"
	assert_eq "$("$KACTL" save | grep -v '^#')" "$(grep '^--' "$EXAMPLE")" "policies after start"
	expect_ka "$(pair 6379)" server keepalive=1 idle=60 intvl=10 cnt=6
	expect_ka "$(pair 22)" server keepalive=0
	expect_ka "$(pair 8080)" server keepalive=1 idle=600 intvl=60 cnt=5
	# Reload makes the set the file's: 8080 added, 22 gone.
	echo "--port 8080 --idle 30" >>"$conf"
	sed -i '/^--port 22 /d' "$conf"
	unit_exec ExecReload "$conf"
	assert_eq "$("$KACTL" save | grep -v '^#')" "$(grep '^--' "$conf")" "policies after reload"
	expect_ka "$(pair 8080)" server keepalive=1 idle=30
	expect_ka "$(pair 22)" server keepalive=1 idle=600 intvl=60 cnt=5
	unit_exec ExecStop "$conf"
	assert_eq "$("$KACTL" -j list)" "[]" "policies after stop"
}
