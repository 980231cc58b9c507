#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build.sh [--print-dir]: builds the debug test kernel (KASAN, UBSAN,
# lockdep, kmemleak, KUnit; tests/kernel/debug.config on top of allnoconfig)
# from Debian's linux-source-7.3, and prints the path of its build tree (the
# KDIR to build the module against; the image is arch/x86/boot/bzImage in
# it) as the last line on stdout. Everything else goes to stderr.
#
# The tree is cached outside the checkout, in
# ${KA_CACHE:-~/.cache/ka_policy}/kernel-<key>/{src,build}, where the key
# hashes the fragment, this script, the kernel source package's version and
# the compiler's and linker's versions: it is rebuilt only when one of them
# changes. A build happens in a temporary directory that is renamed into
# place when complete, so an interrupted build leaves no half cache. The
# build tree keeps what "make -C <tree> M=<dir> modules" needs, not the
# objects; a small module is built against it before it is kept.
#
#   --print-dir   print where the tree is (or will be) and exit
#
# KA_CACHE=off (or KA_NO_CACHE=1) builds into tests/.build/kernel-debug
# instead (in the checkout, so make clean removes it), with its key beside
# it: later runs with the same key reuse it (the debug stage of make check
# and make module-debug both ask for it), a different key rebuilds it.
# KA_LINUX_SOURCE overrides the source tarball (default
# /usr/src/linux-source-7.3.tar.xz).
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
fragment=$here/debug.config
tarball=${KA_LINUX_SOURCE:-/usr/src/linux-source-7.3.tar.xz}
cache=${KA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ka_policy}
[ "${KA_NO_CACHE:-0}" = 0 ] || cache=off
arch=x86_64
print_dir=0

msg() {
	echo "kernel-debug: $*" >&2
}

die() {
	msg "error: $*"
	exit 1
}

case "${1:-}" in
--print-dir) print_dir=1 ;;
'') ;;
*) echo "usage: $0 [--print-dir]" >&2; exit 2 ;;
esac

[ -r "$tarball" ] || die "no kernel source $tarball; run 'make deps' as root (package linux-source-7.3)"

# The source's identity: its Debian package version (cheap), else its hash.
source_id() {
	local pkg version
	pkg=$(basename "$tarball" .tar.xz)
	version=$(dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null)
	if [ -n "$version" ] && [ "$tarball" = "/usr/src/$pkg.tar.xz" ]; then
		echo "$pkg $version"
	else
		sha256sum "$tarball" | cut -d' ' -f1
	fi
}

key=$( {
	sha256sum "$fragment" "$0" | cut -d' ' -f1
	source_id
	gcc --version | head -n 1
	ld --version | head -n 1
} | sha256sum | cut -c1-16)

if [ "$cache" = off ]; then
	dir=$root/tests/.build/kernel-debug
else
	dir=$cache/kernel-$key
fi
if [ $print_dir = 1 ]; then
	echo "$dir/build"
	exit 0
fi

# One build at a time; a second caller waits and then finds it built.
lockdir=$cache
[ "$cache" != off ] || lockdir=$(dirname "$dir")
mkdir -p "$lockdir" || die "cannot create $lockdir"
exec 9>"$lockdir/kernel.lock"
if ! flock -n 9; then
	msg "waiting for the build that holds $lockdir/kernel.lock"
	flock 9
fi
if [ -f "$dir/build/arch/x86/boot/bzImage" ] && [ "$(cat "$dir/key" 2>/dev/null)" = "$key" ]; then
	touch "$dir"
	msg "using the build $dir (key $key)"
	echo "$dir/build"
	exit 0
fi

for tool in make gcc ld bc flex bison perl xz tar; do
	command -v $tool >/dev/null || die "$tool is missing; run 'make deps' as root"
done
[ -f /usr/include/gelf.h ] || die "libelf-dev is missing (objtool needs it); run 'make deps' as root"

tmp=$dir.tmp.$$
# What interrupted builds left (no other build runs: the lock is ours).
rm -rf "$tmp" "$(dirname "$dir")"/kernel-*.tmp.*
mkdir -p "$tmp/src" "$tmp/build" || die "cannot create $tmp"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM HUP
log=$tmp/build/build.log
if [ "$cache" = off ]; then
	msg "building without a cache (KA_CACHE=off) for $dir; log: $log"
else
	msg "no cached build for key $key: building (about 10 min on 2 cores); log: $log"
fi
start=$(date +%s)

kmake() {
	make -C "$tmp/src" O="$tmp/build" ARCH=$arch -j"$(nproc)" "$@" >>"$log" 2>&1 ||
		{ tail -n 40 "$log" >&2; die "make $* failed (log: $log)"; }
}

tar -xJf "$tarball" -C "$tmp/src" --strip-components=1 ||
	die "cannot extract $tarball"
kmake allnoconfig
"$tmp/src/scripts/kconfig/merge_config.sh" -m -O "$tmp/build" \
	"$tmp/build/.config" "$fragment" >>"$log" 2>&1 ||
	die "merge_config.sh failed (log: $log)"
kmake olddefconfig

# Every value the fragment sets must have survived olddefconfig: a symbol
# dropped for a missing dependency fails here, by name.
lost=()
while read -r line; do
	grep -qxF "$line" "$tmp/build/.config" || lost+=("$line")
done < <(grep -E '^CONFIG_[A-Za-z0-9_]+=' "$fragment")
while read -r sym; do
	! grep -q "^$sym=" "$tmp/build/.config" || lost+=("# $sym is not set")
done < <(sed -n 's/^# \(CONFIG_[A-Za-z0-9_]*\) is not set$/\1/p' "$fragment")
if [ ${#lost[@]} -gt 0 ]; then
	for line in "${lost[@]}"; do
		sym=$(echo "$line" | grep -o 'CONFIG_[A-Za-z0-9_]*')
		msg "not in the final .config: $line (it has: $(grep -E "^$sym=|^# $sym is not set" "$tmp/build/.config" || echo nothing))"
	done
	die "${#lost[@]} setting(s) of $fragment did not survive olddefconfig: a dependency is missing"
fi

kmake bzImage modules
# modroot/lib/modules/<release>: where ka-vm finds the list of built-in
# modules for the guest (modprobe veth succeeds). Its build and source
# links would point into the temporary directory.
kmake INSTALL_MOD_PATH="$tmp/build/modroot" modules_install
rm -f "$tmp"/build/modroot/lib/modules/*/build "$tmp"/build/modroot/lib/modules/*/source

# Keep what an out-of-tree module build needs: drop objects, archives,
# the unstripped images and the .cmd files outside scripts/ and tools/
# (where they describe the host programs kept).
b=$tmp/build
find "$b" \( -name '*.o' -o -name '*.a' -o -name '.tmp_*' \) -delete
find "$b" -name '.*.cmd' ! -path "$b/scripts/*" ! -path "$b/tools/*" -delete
rm -f "$b/vmlinux" "$b/arch/x86/boot/compressed/vmlinux"* \
	"$b/arch/x86/boot/vmlinux.bin" "$b/arch/x86/boot/setup.elf"
# Relative paths, so that the tree works after it is renamed into place.
# (7.x finds its output directory through KBUILD_OUTPUT.)
cat >"$b/Makefile" <<'MAKEFILE'
# Generated by tests/kernel/build.sh: relative to this file, so that the
# tree works wherever it is.
ka_tree := $(patsubst %/,%,$(dir $(realpath $(lastword $(MAKEFILE_LIST)))))
export KBUILD_OUTPUT := $(ka_tree)
include $(ka_tree)/../src/Makefile
MAKEFILE
ln -sfn ../src "$b/source"

# The proof that it can build a module.
mkdir -p "$tmp/check"
printf '#include <linux/module.h>\nstatic int __init c_init(void) { return 0; }\nstatic void __exit c_exit(void) { }\nmodule_init(c_init);\nmodule_exit(c_exit);\nMODULE_LICENSE("GPL");\n' \
	>"$tmp/check/ka_check.c"
echo 'obj-m := ka_check.o' >"$tmp/check/Kbuild"
make -C "$b" M="$tmp/check" modules >>"$log" 2>&1 && [ -f "$tmp/check/ka_check.ko" ] ||
	{ tail -n 20 "$log" >&2; die "the trimmed tree cannot build a module (log: $log)"; }
rm -rf "$tmp/check"
echo "$key" >"$tmp/key"

rm -rf "$dir"
mv -T "$tmp" "$dir" || die "cannot move the build to $dir"
trap - EXIT
elapsed=$(( $(date +%s) - start ))
msg "built $(cat "$dir/build/include/config/kernel.release") in $((elapsed / 60))m$((elapsed % 60))s ($(du -sh "$dir" | cut -f1)): $dir"

# Keep this build and the one used most recently before it; older keys go.
if [ "$cache" != off ]; then
	ls -dt "$cache"/kernel-*/ 2>/dev/null | grep -v '\.tmp\.' | tail -n +3 |
		while read -r old; do
			msg "removing an older build: $old"
			rm -rf "$old"
		done
fi
echo "$dir/build"
