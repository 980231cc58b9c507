# SPDX-License-Identifier: GPL-2.0
#
# make install / make uninstall into a DESTDIR, on the host: the tree an
# operator gets, modprobe's index included.

test_install_and_uninstall_into_destdir() {
	local d kver
	d=$(mktemp -d)
	defer rm -rf "$d"
	kver=$(make -s --no-print-directory kver)
	[ -n "$kver" ] || fail "no kernel release for KDIR"
	make -s install DESTDIR="$d" PREFIX=/usr/local >"$d.log" 2>&1 ||
		fail "make install failed: $(tail -5 "$d.log")"
	! grep -qi 'error' "$d.log" || fail "make install printed errors: $(grep -i error "$d.log")"
	for f in "lib/modules/$kver/updates/module/ka_policy.ko" \
		 usr/local/sbin/kactl usr/local/share/man/man8/kactl.8 \
		 usr/local/share/bash-completion/completions/kactl \
		 etc/systemd/system/ka_policy.service \
		 etc/ka_policy.conf.example; do
		[ -f "$d/$f" ] || fail "missing $f"
	done
	grep -q 'updates/module/ka_policy.ko:' "$d/lib/modules/$kver/modules.dep" ||
		fail "depmod did not index the module"
	"$d/usr/local/sbin/kactl" -V | grep -q "^kactl $(cat VERSION)$"
	grep -q '^ExecStart=/usr/local/sbin/kactl load --replace /etc/ka_policy.conf$' \
		"$d/etc/systemd/system/ka_policy.service" || fail "unit's ExecStart"
	make -s uninstall DESTDIR="$d" PREFIX=/usr/local >/dev/null 2>&1
	[ -z "$(find "$d" -type f ! -name 'modules.*')" ] ||
		fail "left after uninstall: $(find "$d" -type f ! -name 'modules.*')"
	rm -f "$d.log"
}
