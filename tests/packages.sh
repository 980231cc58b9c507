#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# packages.sh RESULTS_DIR: the Debian packages as an operator uses them,
# make check's "packages" stage. TAP lines go to RESULTS_DIR/packages*.tap.
#
#   1. make deb: both packages built, lintian-clean (tests/deb.sh);
#   2. both installed on this machine with apt-get, for real: DKMS builds
#      the module for every kernel with a build tree; the kernels it must
#      have built it for are the "check" and "package" kernels of
#      tests/kernels.list installed here (tests/lib/kernels.sh, as
#      run-tests.sh finds them), and the debug 7.x kernel, whose cached
#      tree is installed in /lib/modules for the time of the test (built
#      when it is not cached);
#   3. each of those kernels booted in the test VM, whose root is this
#      machine's: modprobe loads the module DKMS installed under
#      updates/dkms, the installed unit's commands load the installed
#      /etc/ka_policy.conf (as shipped, and with its policies
#      uncommented), a connection gets its policy, rmmod
#      (tests/packages/installed.sh);
#   4. the same packages installed again with dpkg -i, an upgrade's steps:
#      the prerm removes every module (dkms remove --all), the postinst
#      builds them again;
#   5. apt-get remove keeps /etc/ka_policy.conf, apt-get purge leaves
#      nothing: no package, no DKMS tree or status, no ka_policy.ko under
#      /lib/modules, no source in /usr/src, no configuration, no unit link.
#
# It changes the machine, so it runs only as root. Either package
# installed already (or its configuration left) fails it, with how to
# purge it: make check runs on a throw-away machine, where that is the
# remains of an earlier run. An installation of another kind (make
# install, DKMS by hand) is an operator's and never touched: the test
# says so and skips. Whatever it installed is purged when it ends, pass
# or fail.
set -u
cd "$(dirname "$0")/.." || exit 1
root=$PWD
source tests/lib/kernels.sh
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
installed() {	# PACKAGE: installed, or anything of it left (its configuration)
	local status
	status=$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null) || return 1
	[ -n "$status" ] && [ "$status" != not-installed ]
}
unowned() {	# FILE: FILE exists and no package has it
	[ -e "$1" ] && ! dpkg -S "$1" >/dev/null 2>&1
}
dkms_built() {	# KERNEL: DKMS built and installed the module for KERNEL
	# ka_policy.ko.xz where the kernel's modules are compressed (6.12)
	dkms status -m ka_policy -v "$version" -k "$1" 2>/dev/null | grep -q ': installed' &&
		compgen -G "/lib/modules/$1/updates/dkms/ka_policy.ko*" >/dev/null
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
	if installed "$p"; then
		result not-ok "neither package is installed before the test" \
			"$p is here ($(dpkg-query -W -f='${db:Status-Status}' "$p")): purge both (apt-get purge ka-policy-dkms kactl), then run the test again"
		exit 1
	fi
done
! dkms status -m ka_policy 2>/dev/null | grep -q . ||
	skip_all "DKMS has a ka_policy of its own here: not touched"
# make install's files (or a copy by hand): the packages would overwrite
# or shadow them, and the purge remove what they overwrote.
operator=$( {
	for f in /etc/ka_policy.conf /usr/local/sbin/kactl /usr/sbin/kactl; do
		! unowned "$f" || echo "$f"
	done
	ls -d /lib/modules/*/extra/ka_policy.ko* /lib/modules/*/updates/ka_policy.ko* \
		/lib/modules/*/updates/dkms/ka_policy.ko* 2>/dev/null
} | xargs)
[ -z "$operator" ] ||
	skip_all "ka_policy is installed here otherwise (make install?): $operator: not touched"

# Set before anything changes: whatever the test installs goes, however it ends.
made_debug_dir=
cleanup() {
	{
		apt-get purge -y ka-policy-dkms kactl
		[ -z "$made_debug_dir" ] || rm -rf "$made_debug_dir"
	} >>"$log" 2>&1
}
trap cleanup EXIT

# The kernels DKMS must build the module for, and the VM boots: the
# "check" and "package" ones of tests/kernels.list, as installed here (a
# release that left Debian's archive stands for its series).
expected=()
while read -r listed _ runs _; do
	case $listed in '#'*|''|debug) continue ;; esac
	[ "$runs" = check ] || [ "$runs" = package ] || continue
	release=$(kernel_installed "$listed")
	if [ -n "$release" ]; then
		expected+=("$release")
	else
		result not-ok "a kernel of the series of $listed is installed" \
			"none is (make deps installs one)"
	fi
done <tests/kernels.list

# And the debug kernel (built when it is not cached), installed here for
# the time of the test as a kernel package would: its
# /lib/modules/<release> (the tree's modroot: modules.builtin and the
# rest, which modprobe reads) and the build link by which DKMS finds it.
# The guest then gets this machine's /lib/modules (ka-vm --lib-modules),
# where DKMS installs.
debug_kdir=$(tests/kernel/build.sh --print-dir 2>/dev/null)
debug_release=
if ! [ -f "$debug_kdir/arch/x86/boot/bzImage" ]; then
	echo "== packages: building the debug kernel (log: $log)"
	debug_kdir=$(tests/kernel/build.sh 2>>"$log" | tail -n 1)
fi
if [ -f "$debug_kdir/arch/x86/boot/bzImage" ]; then
	debug_release=$(cat "$debug_kdir/include/config/kernel.release")
	expected+=("$debug_release")
	if ! [ -e "/lib/modules/$debug_release" ]; then
		made_debug_dir=/lib/modules/$debug_release
		cp -a "$debug_kdir/modroot/lib/modules/$debug_release" "$made_debug_dir"
		rm -f "$made_debug_dir/build" "$made_debug_dir/source"
		ln -s "$debug_kdir" "$made_debug_dir/build"
	fi
else
	result not-ok "the debug kernel builds (tests/kernel/build.sh)" "$(tail -n 20 "$log")"
fi

# DKMS builds for a kernel whose build tree is there.
kernels=()
for k in "${expected[@]}"; do
	if [ -d "/lib/modules/$k/build/" ]; then
		kernels+=("$k")
	else
		result not-ok "DKMS built and installed the module for $k" \
			"$k has no build tree (/lib/modules/$k/build): its headers are not installed"
	fi
done

# 2. Install.
start=$SECONDS
if ! DEBIAN_FRONTEND=noninteractive apt-get install -y "${debs[@]}" >>"$log" 2>&1; then
	result not-ok "apt-get install of both packages" "$(tail -n 30 "$log")"
	exit 1
fi
result ok "apt-get install of both packages (DKMS built for ${#kernels[@]} kernels in $((SECONDS - start)) s)"
built=()
for k in "${kernels[@]}"; do
	if dkms_built "$k"; then
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

# 3. Each kernel in the VM, with what the packages installed. Its
# failures count as run-tests.sh's run_vm counts them: a kernel report or
# a timeout (ka-vm's 125) or no TAP at all is one, and so is a non-zero
# exit with no failed test.
for k in "${built[@]}"; do
	if [ "$k" = "$debug_release" ]; then
		vm=(--kernel "$debug_kdir/arch/x86/boot/bzImage" --modules none
			--lib-modules /lib/modules)
	else
		vm=(--kernel "$k")
	fi
	ktap=$results/packages-$k.tap
	err=$results/packages-$k.err
	console=$results/packages-$k.console
	echo "== packages: the installed module on $k"
	tests/vm/ka-vm --quiet --no-module "${vm[@]}" --timeout 900 \
		--log "$console" --results "$ktap" -- \
		tests/lib/testlib.sh "packages-$k" tests/packages/installed.sh \
		>>"$log" 2>"$err"
	rc=$?
	cat "$err" >>"$log"
	touch "$ktap"
	grep -v '^ok ' "$ktap"
	if [ $rc = 125 ] || ! [ -s "$ktap" ]; then
		{
			echo "not ok - packages-$k: the VM failed (exit $rc; stderr: $err, console: $console)"
			sed 's/^/# /' "$err"
		} | tee -a "$ktap"
	elif [ $rc != 0 ] && ! grep -q '^not ok' "$ktap"; then
		echo "not ok - packages-$k: exit $rc with no failed test (stderr: $err, console: $console)" |
			tee -a "$ktap"
	fi
done

# 4. The same packages again, with dpkg -i: what an upgrade does to the
# modules, the prerm removing them for every kernel (dkms remove --all),
# the postinst building them again.
start=$SECONDS
what="dpkg -i of the same packages again: the modules removed, then built again"
if ! DEBIAN_FRONTEND=noninteractive dpkg -i "${debs[@]}" >>"$log" 2>&1; then
	result not-ok "$what" "$(tail -n 30 "$log")"
else
	missing=$(for k in "${built[@]}"; do dkms_built "$k" || echo "$k"; done | xargs)
	if [ -z "$missing" ]; then
		result ok "$what (${#built[@]} kernels in $((SECONDS - start)) s)"
	else
		result not-ok "$what" "no module for $missing: $(dkms status -m ka_policy)"
	fi
fi

# 5. Remove, then purge.
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
