#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build-module.sh KDIR OUTDIR [MAKE-VARIABLE=VALUE...]: builds ka_policy.ko
# against the kernel build tree KDIR, in OUTDIR (a copy of the module's
# sources: module/ keeps the build for the default kernel), with W=1 and
# -Werror, and the test modules of tests/kmod beside it.
# OUTDIR/module/ka_policy.ko and OUTDIR/tests/kmod/*.ko are the result;
# the build's output is in OUTDIR/build.log, and its last lines go to
# stderr when it fails.
#
# make matrix and make check build one per test kernel under
# tests/.build/kernels/<release>, where tests/vm/ka-vm finds it.
set -u
kdir=$1
out=$(mkdir -p "$2" && cd "$2" && pwd) || exit 1
shift 2
root=$(cd "$(dirname "$0")/../.." && pwd)

[ -f "$kdir/Makefile" ] || { echo "build-module: no kernel build tree in $kdir" >&2; exit 1; }

# Only the sources: a stale object of another kernel must not survive.
# The build happens beside OUTDIR and replaces its module/ and tests/ when
# done, so that a VM loading the previous build meanwhile reads whole
# files.
new=$out/module.new.$$
rm -rf "$new"
trap 'rm -rf "$new"' EXIT
mkdir -p "$new/module"
cp -p "$root/Kbuild" "$root/VERSION" "$new/"
(cd "$root/module" && find . \( -name '*.[ch]' -o -name Kbuild -o -name 'conftest.*' \) \
	! -name '*.mod.c' ! -name ka_config.h -print0 |
	cpio -0 -pdm --quiet "$new/module")
mkdir -p "$new/tests/kmod"
(cd "$root/tests/kmod" && find . \( -name '*.[ch]' -o -name Kbuild \) \
	! -name '*.mod.c' ! -name ka_config.h -print0 |
	cpio -0 -pdm --quiet "$new/tests/kmod")
if ! { make -C "$kdir" M="$new" W=1 KA_WERROR=1 "$@" modules &&
	make -C "$kdir" M="$new/tests/kmod" W=1 KA_WERROR=1 modules; } >"$out/build.log" 2>&1; then
	tail -n 30 "$out/build.log" >&2
	echo "build-module: the module does not build against $kdir (log: $out/build.log)" >&2
	exit 1
fi
# W=1 warnings fail the build through -Werror; anything else kbuild says
# about the module (modpost, say) is a warning too. One warning is about
# this machine, not the module: 7.x's kbuild compares the installed pahole
# with the one the kernel was configured with, and installing the matrix's
# 6.12 headers pulls pahole in after the debug kernel was built (or before:
# the cache key does not depend on it). pahole only makes the BTF of
# modules, so without CONFIG_DEBUG_INFO_BTF_MODULES the difference changes
# nothing in the build and is not counted.
ignore='^$'
grep -qx 'CONFIG_DEBUG_INFO_BTF_MODULES=y' "$kdir/.config" 2>/dev/null ||
	ignore='^warning: pahole version differs from the one used to build the kernel$'
if grep -E 'warning:|WARNING:' "$out/build.log" | grep -Ev "$ignore" >&2; then
	echo "build-module: warnings building against $kdir (log: $out/build.log)" >&2
	exit 1
fi
rm -rf "$out/module.old" "$out/tests.old"
[ ! -d "$out/module" ] || mv "$out/module" "$out/module.old"
[ ! -d "$out/tests" ] || mv "$out/tests" "$out/tests.old"
mv "$new/module" "$out/module"
mv "$new/tests" "$out/tests"
cp -p "$new/Kbuild" "$new/VERSION" "$out/"
rm -rf "$out/module.old" "$out/tests.old"
