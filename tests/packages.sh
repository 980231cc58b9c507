#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# packages.sh RESULTS_DIR: the Debian packages as an operator uses them,
# make check's "packages" stage. TAP lines go to RESULTS_DIR/packages*.tap.
#
#   1. make deb: both packages built, lintian-clean (tests/deb.sh);
#   2. ka-policy-dkms installed with /etc/dkms/no-autoinstall present:
#      nothing is built, then it is purged; both packages installed on this
#      machine with apt-get, for real, with the running kernel answered as
#      the first expected one (a uname shim first in the PATH apt gives
#      dpkg, DPkg::Path: this machine's own kernel has no /lib/modules,
#      and DKMS would build for every kernel itself): DKMS's own step builds
#      for that kernel and the newest only, the package's postinst loop
#      for the others. The kernels the module must be built for are the
#      "check" and "package" kernels of tests/kernels.list installed here
#      (tests/lib/kernels.sh, as run-tests.sh finds them), and the debug
#      7.x kernel, whose cached tree is installed in /lib/modules for the
#      time of the test (built when it is not cached);
#   3. each of those kernels booted in the test VM, whose root is this
#      machine's: modprobe loads the module DKMS installed under
#      updates/dkms, the installed unit's commands load the installed
#      /etc/ka_policy.conf (as shipped, and with its policies
#      uncommented), a connection gets its policy, rmmod
#      (tests/packages/installed.sh);
#   4. an upgrade: the packages built again as version VERSION+1
#      (tests/deb.sh, KA_DEB_VERSION) installed over the first with
#      apt-get: every module is the new version's, DKMS knows only the new
#      version, the old one's source and DKMS tree are gone;
#   5. apt-get remove keeps /etc/ka_policy.conf, apt-get purge leaves
#      nothing: no package, no DKMS tree or status, no ka_policy.ko under
#      /lib/modules, no source in /usr/src, no configuration, no unit link.
#
# It changes the machine, so it runs only as root. Either package
# installed already (or its configuration left), or ka_policy installed
# otherwise (a DKMS ka_policy, a ka_policy.ko under /lib/modules, kactl or
# /etc/ka_policy.conf that no package owns: make install, DKMS by hand,
# an earlier run's remains) fails it, with the list and how to remove
# them: make check runs on a throw-away machine. Where such an install is
# an operator's, to be kept, KA_PACKAGES_SKIP_INSTALLED=1 skips the test
# instead; it never touches them. Whatever the test installed is purged
# when it ends, pass or fail, and whatever is left said on stderr. A run
# killed before that leaves /var/lib/ka_policy-packages-test, which makes
# the next run purge what it installed first. It exits 1 after any
# failed test.
set -u
cd "$(dirname "$0")/.." || exit 1
root=$PWD
source tests/lib/kernels.sh
source tests/lib/tap.sh
results=${1:?usage: packages.sh RESULTS_DIR}
mkdir -p "$results"
tap=$results/packages.tap
log=$results/packages.log
: >"$tap"
: >"$log"
out=$root/tests/.build/deb
version=$(cat VERSION)
# The upgrade's version: higher than VERSION's for dpkg (0.1.0+1 > 0.1.0).
new_version=$version+1
new_out=$root/tests/.build/deb-upgrade
# Every apt-get: wait for another's lock (make check's other stages,
# unattended upgrades) rather than fail; install exactly the packages
# named, not their recommendations (linux-headers-amd64).
apt=(apt-get -y -o DPkg::Lock::Timeout=600)
export DEBIAN_FRONTEND=noninteractive
failed=0
# The /lib/modules/<release> the test makes for the debug kernel holds
# this file: an earlier run's, left by a killed test, is found by it.
stamp=.ka_policy-packages-test

result() {	# ok|not-ok WHAT [DETAIL]
	# Here, not in the pipeline's subshell below, where it would be lost.
	[ "$1" = ok ] || failed=1
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
dkms_built() {	# KERNEL [VERSION]: DKMS built and installed the module for KERNEL
	# ka_policy.ko.xz where the kernel's modules are compressed (6.12)
	dkms status -m ka_policy -v "${2:-$version}" -k "$1" 2>/dev/null | grep -q ': installed' &&
		compgen -G "/lib/modules/$1/updates/dkms/ka_policy.ko*" >/dev/null
}
# What the packages may leave on this machine, one a line: nothing once
# both are purged.
enabled=/etc/systemd/system/multi-user.target.wants/ka_policy.service
leftovers() {
	local p
	for p in ka-policy-dkms kactl; do
		! installed "$p" || echo "package $p: $(dpkg-query -W -f='${db:Status-Abbrev}' "$p")"
		! dpkg -L "$p" >/dev/null 2>&1 || echo "dpkg -L $p still lists files"
	done
	dkms status -m ka_policy 2>/dev/null
	ls -d /var/lib/dkms/ka_policy /usr/src/ka_policy-* /etc/ka_policy.conf \
		/usr/lib/modules-load.d/ka_policy.conf "$enabled" \
		/var/lib/systemd/deb-systemd-helper-enabled/*ka_policy* \
		/lib/modules/*/updates/dkms/ka_policy.ko* 2>/dev/null
}
# The /lib/modules dirs this test made for the debug kernel (stamped).
remove_stamped() {
	local d
	for d in /lib/modules/*/"$stamp"; do
		[ -f "$d" ] && rm -rf "${d%/"$stamp"}"
	done
}

# Another run under way (it holds the claim below) would see its
# packages, and the debs it installs, replaced by this one's.
claim=/var/lib/ka_policy-packages-test
pid=$(sed -n 's/^pid //p' "$claim" 2>/dev/null)
if [ -n "$pid" ] && [ "$pid" != $$ ] && grep -qs packages.sh "/proc/$pid/cmdline"; then
	result not-ok "no other run of this test is under way" \
		"$claim: $(head -n 1 "$claim"), PID $pid: wait for it to end"
	exit 1
fi

# 1. Build.
if ! tests/deb.sh >>"$log" 2>&1; then
	result not-ok "make deb builds ka-policy-dkms and kactl, lintian-clean" \
		"$(tail -n 30 "$log")"
	exit 1
fi
result ok "make deb builds ka-policy-dkms and kactl, lintian-clean"
debs=("$out"/ka-policy-dkms_"$version"_all.deb "$out"/kactl_"$version"_*.deb)
# The packages to upgrade to: the same tree as version VERSION+1.
if ! KA_DEB_VERSION=$new_version KA_DEB_OUT=$new_out tests/deb.sh >>"$log" 2>&1; then
	result not-ok "make deb builds version $new_version too, to upgrade to" \
		"$(tail -n 30 "$log")"
	exit 1
fi
new_debs=("$new_out"/ka-policy-dkms_"$new_version"_all.deb "$new_out"/kactl_"$new_version"_*.deb)

[ "$(id -u)" = 0 ] || skip_all "installing needs root"
# An earlier run killed before its cleanup (a session ended in the
# middle of it, its machine kept) left what it installed, and $claim,
# written before the first install (the run's PID, the versions it
# installs) and removed when nothing is left. Once that run is gone, its
# remains are purged here: the packages of its versions, never another
# version (an operator's, which the checks below refuse), and nothing
# with KA_PACKAGES_SKIP_INSTALLED=1 (whatever is installed is kept).
if [ -f "$claim" ] && [ "${KA_PACKAGES_SKIP_INSTALLED:-0}" = 0 ]; then
	echo "# packages: an earlier run was killed ($(head -n 1 "$claim")): purging what it installed" |
		tee -a "$tap"
	# dpkg, not apt-get, which refuses to run after an interrupted
	# dpkg until "dpkg --configure -a" (a DKMS build for every kernel).
	for p in kactl ka-policy-dkms; do
		installed "$p" &&
			grep -qx "version $(dpkg-query -W -f='${Version}' "$p")" "$claim" ||
			continue
		dpkg --purge "$p" >>"$log" 2>&1 ||
			echo "# packages: dpkg --purge $p failed (log: $log)" | tee -a "$tap"
	done
	! grep -qx no-autoinstall "$claim" || rm -f /etc/dkms/no-autoinstall
	remove_stamped
	rm -f "$claim"
fi
for p in ka-policy-dkms kactl; do
	if installed "$p"; then
		[ "${KA_PACKAGES_SKIP_INSTALLED:-0}" = 0 ] ||
			skip_all "$p is installed here: not touched"
		result not-ok "neither package is installed before the test" \
			"$p is here ($(dpkg-query -W -f='${db:Status-Status}' "$p")): purge both (apt-get purge ka-policy-dkms kactl), then run the test again"
		exit 1
	fi
done
# ka_policy installed otherwise: DKMS's, make install's files, a copy by
# hand. The packages would overwrite or shadow them, the purge remove
# what they overwrote: on make check's throw-away machine they are an
# earlier run's remains, to remove; an operator's install is kept with
# KA_PACKAGES_SKIP_INSTALLED=1.
others=$( {
	dkms status -m ka_policy 2>/dev/null | sed 's/^/dkms status: /'
	for f in /etc/ka_policy.conf /usr/local/sbin/kactl /usr/sbin/kactl; do
		! unowned "$f" || echo "$f"
	done
	find /lib/modules/ -name 'ka_policy.ko*' 2>/dev/null
} )
if [ -n "$others" ]; then
	[ "${KA_PACKAGES_SKIP_INSTALLED:-0}" = 0 ] ||
		skip_all "ka_policy is installed here otherwise: $(echo "$others" | xargs): not touched"
	result not-ok "ka_policy is not installed here otherwise (DKMS, make install, by hand)" \
		"$(printf '%s\n' "$others" \
		"remove them (dkms remove ka_policy/VERSION --all; make uninstall; rm the files), or run with KA_PACKAGES_SKIP_INSTALLED=1 to keep them and skip this test")"
	exit 1
fi
# A debug kernel dir an earlier, killed run left (after the checks
# above: a package still installed may have a module in it to remove).
remove_stamped

# Set before anything changes: whatever the test installs goes, however
# it ends, each package purged on its own; what is left is said.
shim=$(mktemp -d)
made_no_autoinstall=
printf 'started %s by %s\npid %s\nversion %s\nversion %s\n' \
	"$(date -u '+%F %T')" "$root" $$ "$version" "$new_version" >"$claim"
cleanup() {
	local p left
	for p in kactl ka-policy-dkms; do
		installed "$p" || continue
		"${apt[@]}" purge "$p" >>"$log" 2>&1 ||
			echo "packages: apt-get purge $p failed (log: $log)" >&2
	done
	[ -z "$made_no_autoinstall" ] || rm -f /etc/dkms/no-autoinstall
	remove_stamped
	rm -rf "$shim"
	left=$(leftovers)
	if [ -z "$left" ]; then
		rm -f "$claim"
	else
		printf 'packages: left on this machine:\n%s\n' "$left" >&2
	fi
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
		mkdir "$made_debug_dir"
		touch "$made_debug_dir/$stamp"
		cp -a "$debug_kdir/modroot/lib/modules/$debug_release/." "$made_debug_dir/"
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

# 2. Install. First ka-policy-dkms alone with /etc/dkms/no-autoinstall:
# DKMS's own step and the package's loop build nothing (no build at all:
# cheap), then it is purged.
if [ -e /etc/dkms/no-autoinstall ]; then
	result not-ok "/etc/dkms/no-autoinstall: the install builds nothing" \
		"/etc/dkms/no-autoinstall is here already: DKMS would build nothing below; remove it"
	exit 1
fi
what="with /etc/dkms/no-autoinstall, apt-get install of ka-policy-dkms builds nothing, purge"
made_no_autoinstall=1
echo no-autoinstall >>"$claim"
touch /etc/dkms/no-autoinstall
if ! "${apt[@]}" install --no-install-recommends "${debs[0]}" >>"$log" 2>&1; then
	result not-ok "$what" "$(tail -n 30 "$log")"
elif dkms status -m ka_policy 2>/dev/null | grep -q ': installed' ||
	find /lib/modules/ -name 'ka_policy.ko*' 2>/dev/null | grep -q .; then
	result not-ok "$what" "$(dkms status -m ka_policy; find /lib/modules/ -name 'ka_policy.ko*')"
elif ! "${apt[@]}" purge ka-policy-dkms >>"$log" 2>&1 || installed ka-policy-dkms; then
	result not-ok "$what" "apt-get purge ka-policy-dkms: $(tail -n 20 "$log")"
else
	result ok "$what"
fi
rm -f /etc/dkms/no-autoinstall
made_no_autoinstall=

# Then both, with the running kernel answered as the first expected one
# (this machine's own kernel has no /lib/modules, and DKMS's own step
# then builds for every kernel itself): DKMS's step builds for that one
# and the newest, the package's loop for the rest.
running=${kernels[0]:-}
if [ -n "$running" ]; then
	printf '%s\n' '#!/bin/sh' \
		"if [ \$# = 1 ] && [ \"\$1\" = -r ]; then echo '$running'; exit 0; fi" \
		'exec /bin/uname "$@"' >"$shim/uname"
	chmod +x "$shim/uname"
fi
start=$SECONDS
install_log=$results/packages-install.log
# apt runs dpkg with a PATH of its own, DPkg::Path: the shim goes first there.
if ! "${apt[@]}" -o "DPkg::Path=$shim:$(apt-config dump --format '%v' DPkg::Path)" \
	install --no-install-recommends "${debs[@]}" >"$install_log" 2>&1; then
	cat "$install_log" >>"$log"
	result not-ok "apt-get install of both packages" "$(tail -n 30 "$install_log")"
	exit 1
fi
cat "$install_log" >>"$log"
result ok "apt-get install of both packages (modules built for ${#kernels[@]} kernels in $((SECONDS - start)) s)"
# common.postinst's "Building for A, B and C": the kernels DKMS's own step
# built for.
dkms_own=$(sed -n 's/^Building for //p' "$install_log" | head -n 1 | sed 's/,\| and / /g' | wc -w)
what="uname -r answering $running: DKMS's own step builds for fewer than all ${#kernels[@]} kernels, the package's postinst loop for the rest"
if [ -n "$running" ] && [ "$dkms_own" -ge 1 ] && [ "$dkms_own" -lt "${#kernels[@]}" ]; then
	result ok "$what (DKMS: $(sed -n 's/^Building for //p' "$install_log" | head -n 1))"
else
	result not-ok "$what" "DKMS's step built for $dkms_own: $(grep '^Building for ' "$install_log")"
fi
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
	# The debug kernel (KASAN, lockdep, kmemleak) is slow: the debug
	# lane's timeout (run-tests.sh).
	if [ "$k" = "$debug_release" ]; then
		vm=(--kernel "$debug_kdir/arch/x86/boot/bzImage" --modules none
			--lib-modules /lib/modules --timeout 2400)
	else
		vm=(--kernel "$k" --timeout 900)
	fi
	ktap=$results/packages-$k.tap
	err=$results/packages-$k.err
	console=$results/packages-$k.console
	echo "== packages: the installed module on $k"
	tests/vm/ka-vm --quiet --no-module "${vm[@]}" \
		--log "$console" --results "$ktap" -- \
		tests/lib/testlib.sh "packages-$k" tests/packages/installed.sh \
		>>"$log" 2>"$err"
	rc=$?
	cat "$err" >>"$log"
	touch "$ktap"
	tap_failures "$ktap"
	! grep -q '^not ok' "$ktap" || failed=1
	if [ $rc = 125 ] || ! [ -s "$ktap" ]; then
		{
			echo "not ok - packages-$k: the VM failed (exit $rc; stderr: $err, console: $console)"
			sed 's/^/# /' "$err"
		} | tee -a "$ktap"
		failed=1
	elif [ $rc != 0 ] && ! grep -q '^not ok' "$ktap"; then
		echo "not ok - packages-$k: exit $rc with no failed test (stderr: $err, console: $console)" |
			tee -a "$ktap"
		failed=1
	fi
done

# 4. An upgrade: version VERSION+1 over the first with apt-get. The old
# prerm removes the old modules (dkms remove --all), the new postinst
# builds the new ones (DKMS's step, then the loop).
start=$SECONDS
what="apt-get install of version $new_version over $version: every module the new one, DKMS knows only it, the old version's files gone"
if ! "${apt[@]}" install --no-install-recommends "${new_debs[@]}" >>"$log" 2>&1; then
	result not-ok "$what" "$(tail -n 30 "$log")"
else
	wrong=$( {
		for k in "${built[@]}"; do dkms_built "$k" "$new_version" || echo "no module for $k"; done
		for ko in /lib/modules/*/updates/dkms/ka_policy.ko*; do
			[ -e "$ko" ] || continue
			v=$(modinfo -F version "$ko" 2>&1)
			[ "$v" = "$new_version" ] || echo "$ko: version $v"
		done
		dkms status -m ka_policy 2>/dev/null | grep -v "^ka_policy/$new_version[,:]" |
			sed 's/^/dkms status: /'
		ls -d "/usr/src/ka_policy-$version" "/var/lib/dkms/ka_policy/$version" 2>/dev/null
	} )
	if [ -z "$wrong" ]; then
		result ok "$what (${#built[@]} kernels in $((SECONDS - start)) s)"
	else
		result not-ok "$what" "$wrong"
	fi
fi

# 5. Remove, then purge.
what="apt-get remove: the programs and modules go, /etc/ka_policy.conf stays"
if ! "${apt[@]}" remove ka-policy-dkms kactl >>"$log" 2>&1; then
	result not-ok "$what" "apt-get remove failed: $(tail -n 30 "$log")"
elif [ -f /etc/ka_policy.conf ] && ! [ -e /usr/sbin/kactl ] &&
	! compgen -G "/lib/modules/*/updates/dkms/ka_policy.ko*" >/dev/null; then
	result ok "$what"
else
	result not-ok "$what" \
		"$(ls -l /etc/ka_policy.conf /usr/sbin/kactl /lib/modules/*/updates/dkms/ka_policy.ko* 2>&1)"
fi
what="apt-get purge leaves nothing (dpkg, dkms status, /lib/modules, /usr/src, /etc, the unit's links)"
if ! "${apt[@]}" purge ka-policy-dkms kactl >>"$log" 2>&1; then
	result not-ok "$what" "apt-get purge failed: $(tail -n 30 "$log")"
else
	left=$(leftovers)
	if [ -z "$left" ]; then
		result ok "$what"
	else
		result not-ok "$what" "$left"
	fi
fi
exit "$failed"
