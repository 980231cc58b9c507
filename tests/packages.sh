#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# packages.sh RESULTS_DIR: the Debian packages as an operator uses them,
# make check's "packages" stage. TAP lines go to RESULTS_DIR/packages*.tap.
#
#   1. make deb: both packages built, lintian-clean (tests/deb.sh);
#   2. both installed on this machine with apt-get, for real: DKMS builds
#      the module for every kernel whose build tree /lib/modules/*/build
#      has (the Debian kernels make check installed, and the debug 7.x
#      kernel, whose cached tree is linked there for the time of the test);
#   3. each of those kernels booted in the test VM, whose root is this
#      machine's: modprobe loads the module DKMS installed under
#      updates/dkms, the installed unit's commands load the installed
#      /etc/ka_policy.conf, a connection gets its policy, rmmod
#      (tests/packages/installed.sh);
#   4. apt-get remove keeps /etc/ka_policy.conf, apt-get purge leaves
#      nothing: no package, no DKMS tree or status, no ka_policy.ko under
#      /lib/modules, no source in /usr/src, no configuration, no unit link.
#
# It changes the machine, so it runs only as root, and only where neither
# package was installed before (an operator's installation is never
# touched): otherwise it says why and skips. Whatever it installed is
# purged when it ends, pass or fail.
set -u
cd "$(dirname "$0")/.."
root=$PWD
results=${1:?usage: packages.sh RESULTS_DIR}
mkdir -p "$results"
tap=$results/packages.tap
log=$results/packages.log
: >"$tap"
: >"$log"
out=$root/tests/.build/deb
version=$(cat VERSION)

result() {	# ok|not-ok WHAT [DETAIL]
	if [ "$1" = ok ]; then
		echo "ok - packages: $2"
	else
		echo "not ok - packages: $2"
		[ -z "${3:-}" ] || printf '%s\n' "$3" | sed 's/^/# /'
	fi | tee -a "$tap"
}
skip_all() {
	echo "ok - packages: the installed packages on this machine # SKIP $1" | tee -a "$tap"
	exit 0
}
installed() {	# PACKAGE: installed (or its configuration left)
	dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null | grep -q '^[ir][ic]'
}

# 1. Build.
if ! tests/deb.sh >>"$log" 2>&1; then
	result not-ok "make deb builds ka-policy-dkms and kactl, lintian-clean" \
		"$(tail -n 30 "$log")"
	exit 1
fi
result ok "make deb builds ka-policy-dkms and kactl, lintian-clean"
debs=("$out"/ka-policy-dkms_"$version"_all.deb "$out"/kactl_"$version"_*.deb)

[ "$(id -u)" = 0 ] || skip_all "installing needs root"
for p in ka-policy-dkms kactl; do
	! installed "$p" || skip_all "$p is installed on this machine: not touched"
done
! dkms status -m ka_policy 2>/dev/null | grep -q . ||
	skip_all "DKMS has a ka_policy of its own here: not touched"

# The debug kernel, when make check built it, installed here for the
# time of the test as a kernel package would: its /lib/modules/<release>
# (the tree's modroot: modules.builtin and the rest, which modprobe
# reads) and the build link by which DKMS finds it. The guest then gets
# this machine's /lib/modules (ka-vm --lib-modules), where DKMS installs.
debug_kdir=$(tests/kernel/build.sh --print-dir 2>/dev/null)
debug_release=
made_debug_dir=
if [ -f "$debug_kdir/arch/x86/boot/bzImage" ]; then
	debug_release=$(cat "$debug_kdir/include/config/kernel.release")
	if ! [ -e "/lib/modules/$debug_release" ]; then
		made_debug_dir=/lib/modules/$debug_release
		cp -a "$debug_kdir/modroot/lib/modules/$debug_release" "$made_debug_dir"
		rm -f "$made_debug_dir/build" "$made_debug_dir/source"
		ln -s "$debug_kdir" "$made_debug_dir/build"
	fi
fi

cleanup() {
	{
		apt-get purge -y ka-policy-dkms kactl
		[ -z "$made_debug_dir" ] || rm -rf "$made_debug_dir"
	} >>"$log" 2>&1
}
trap cleanup EXIT

# 2. Install.
kernels=()
for b in /lib/modules/*/build; do
	[ -d "$b/" ] && kernels+=("$(basename "$(dirname "$b")")")
done
start=$SECONDS
if ! DEBIAN_FRONTEND=noninteractive apt-get install -y "${debs[@]}" >>"$log" 2>&1; then
	result not-ok "apt-get install of both packages" "$(tail -n 30 "$log")"
	exit 1
fi
result ok "apt-get install of both packages (DKMS built for ${#kernels[@]} kernels in $((SECONDS - start)) s)"
built=()
for k in "${kernels[@]}"; do
	# ka_policy.ko.xz where the kernel's modules are compressed (6.12)
	if dkms status -m ka_policy -v "$version" -k "$k" | grep -q ': installed' &&
		compgen -G "/lib/modules/$k/updates/dkms/ka_policy.ko*" >/dev/null; then
		result ok "DKMS built and installed the module for $k"
		built+=("$k")
	else
		result not-ok "DKMS built and installed the module for $k" \
			"$(dkms status -m ka_policy; tail -n 20 "/var/lib/dkms/ka_policy/$version/build/make.log" 2>/dev/null)"
	fi
done
# Enabled, and the example's policies in /etc/ka_policy.conf all
# commented out: the package changes no socket until the operator says so.
enabled=/etc/systemd/system/multi-user.target.wants/ka_policy.service
what="ka_policy.service enabled; /etc/ka_policy.conf the example, its policies commented out"
if [ -L "$enabled" ] && ! grep -q '^--' /etc/ka_policy.conf 2>/dev/null &&
	[ "$(sed -n 's/^#--/--/p' /etc/ka_policy.conf)" = \
	  "$(grep '^--' userspace/systemd/ka_policy.conf.example)" ]; then
	result ok "$what"
else
	result not-ok "$what" "$(ls -l "$enabled" /etc/ka_policy.conf 2>&1; cat /etc/ka_policy.conf)"
fi

# 3. Each kernel in the VM, with what the packages installed.
for k in "${built[@]}"; do
	if [ "$k" = "$debug_release" ]; then
		vm=(--kernel "$debug_kdir/arch/x86/boot/bzImage" --modules none
			--lib-modules /lib/modules)
	else
		vm=(--kernel "$k")
	fi
	echo "== packages: the installed module on $k"
	tests/vm/ka-vm --quiet --no-module "${vm[@]}" --timeout 900 \
		--log "$results/packages-$k.console" --results "$results/packages-$k.tap" -- \
		tests/lib/testlib.sh "packages-$k" tests/packages/installed.sh \
		>>"$log" 2>&1
	if ! [ -s "$results/packages-$k.tap" ]; then
		echo "not ok - packages-$k: the VM ran no test (console: $results/packages-$k.console)" |
			tee -a "$results/packages-$k.tap"
	fi
	grep -v '^ok ' "$results/packages-$k.tap"
done

# 4. Remove, then purge.
apt-get remove -y ka-policy-dkms kactl >>"$log" 2>&1
if [ -f /etc/ka_policy.conf ] && ! [ -e /usr/sbin/kactl ] &&
	! compgen -G "/lib/modules/*/updates/dkms/ka_policy.ko*" >/dev/null; then
	result ok "apt-get remove: the programs and modules go, /etc/ka_policy.conf stays"
else
	result not-ok "apt-get remove: the programs and modules go, /etc/ka_policy.conf stays" \
		"$(ls -l /etc/ka_policy.conf /usr/sbin/kactl /lib/modules/*/updates/dkms/ka_policy.ko* 2>&1)"
fi
apt-get purge -y ka-policy-dkms kactl >>"$log" 2>&1
left=$( {
	for p in ka-policy-dkms kactl; do
		! installed "$p" || echo "package $p: $(dpkg-query -W -f='${db:Status-Abbrev}' "$p")"
		! dpkg -L "$p" >/dev/null 2>&1 || echo "dpkg -L $p still lists files"
	done
	dkms status -m ka_policy 2>/dev/null
	ls -d /var/lib/dkms/ka_policy /usr/src/ka_policy-* /etc/ka_policy.conf \
		/usr/lib/modules-load.d/ka_policy.conf "$enabled" \
		/lib/modules/*/updates/dkms/ka_policy.ko* 2>/dev/null
} )
if [ -z "$left" ]; then
	result ok "apt-get purge leaves nothing (dpkg, dkms status, /lib/modules, /usr/src, /etc)"
else
	result not-ok "apt-get purge leaves nothing (dpkg, dkms status, /lib/modules, /usr/src, /etc)" "$left"
fi
