#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# deb.sh: make deb. Builds the Debian packages that debian/ describes,
# ka-policy-dkms (the module's source, which DKMS builds for every kernel
# with headers) and kactl, then checks them with lintian: any error or
# warning fails. The build tools come from tests/install-deps.sh --deb
# (make deb runs it).
#
# The build runs in a copy of the tree, OUT/ka-policy-VERSION/, since
# dpkg-buildpackage writes its products beside the tree it builds and
# debhelper its work files inside it: the .debs, .changes and .buildinfo
# land in OUT (tests/.build/deb/, or KA_DEB_OUT), nothing in the checkout
# or its parent. The copy holds the files git tracks, as they are in the
# working tree: an untracked file, whatever it is, stays out.
#
# debian/changelog exists only in the copy, written here from VERSION, so
# that VERSION stays the one place the version is written. Its date is the
# last commit's, not the time of the build: the same tree gives the same
# packages (dpkg takes SOURCE_DATE_EPOCH from it).
#
# KA_DEB_VERSION builds another version than VERSION's (tests/packages.sh
# builds a higher one to upgrade to): it is written into the copy's
# VERSION too, which the module (MODULE_VERSION) and dkms.conf read.
set -eu
cd "$(dirname "$0")/.."
root=$PWD
out=${KA_DEB_OUT:-$root/tests/.build/deb}
version=${KA_DEB_VERSION:-$(cat VERSION)}

# A native package's version: a hyphen would read as a Debian revision.
if ! [[ $version =~ ^[0-9][A-Za-z0-9.+~]*$ ]]; then
	echo "deb: VERSION \"$version\" is not a Debian native version" >&2
	exit 1
fi
if ! git rev-parse --git-dir >/dev/null 2>&1; then
	echo "deb: not a git checkout: the package is built from git's list of files" >&2
	exit 1
fi

# Earlier builds go, so that tests/.build/deb/*.deb is this version only:
# only what deb.sh makes there, whatever KA_DEB_OUT names.
rm -rf "$out"/ka-policy-[0-9]* "$out"/ka-policy-dkms_* "$out"/kactl_* \
	"$out"/kactl-dbgsym_* "$out"/ka-policy_*
src=$out/ka-policy-$version
mkdir -p "$src"
git ls-files -z --cached |
	while IFS= read -r -d '' f; do
		# a tracked file deleted in the working tree is not copied
		if [ -e "$f" ] || [ -L "$f" ]; then printf '%s\0' "$f"; fi
	done | xargs -0 cp -d --parents -t "$src"
echo "$version" >"$src/VERSION"

maintainer=$(sed -n 's/^Maintainer: //p' debian/control)
date=$(LC_ALL=C date -R -u -d "@$(git log -1 --format=%ct)")
cat >"$src/debian/changelog" <<EOF
ka-policy ($version) unstable; urgency=medium

  * Built by make deb from git $(git describe --always --dirty).

 -- $maintainer  $date
EOF

echo "deb: building ka-policy $version in ${src#"$root"/} (log: ${out#"$root"/}/build.log)"
start=$SECONDS
if ! (cd "$src" && dpkg-buildpackage -us -uc -b -Jauto) >"$out/build.log" 2>&1; then
	tail -n 40 "$out/build.log" >&2
	echo "deb: dpkg-buildpackage failed (${out#"$root"/}/build.log)" >&2
	exit 1
fi
echo "deb: built in $((SECONDS - start)) s"

changes=$out/ka-policy_${version}_$(dpkg-architecture -qDEB_HOST_ARCH).changes
echo "deb: lintian"
if ! lintian --fail-on error,warning "$changes"; then
	echo "deb: lintian found errors or warnings" >&2
	exit 1
fi
for deb in "$out"/*.deb; do echo "${deb#"$root"/}"; done
