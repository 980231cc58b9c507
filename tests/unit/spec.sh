# SPDX-License-Identifier: GPL-2.0
#
# The netlink YAML spec, the uapi header and the module's own attribute
# policies and ops describe one family: names, values, types, range checks,
# do/dump, admin permission, each op's request attributes
# (tests/lib/spec_check.py). The module's side is hand-written, not
# generated with ynl-gen: module/netlink.c says why.
#
# The spec is also checked against the kernel's genetlink-legacy schema,
# pinned to linux-source-7.3 (make deps installs it; the schema changes
# between kernels). It is taken out of the tarball once, as style.sh takes
# checkpatch, into the cache (KA_CACHE).

spec_schema() {
	local tarball=/usr/src/linux-source-7.3.tar.xz
	local cache=${KA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ka_policy}
	{ [ "$cache" != off ] && [ "${KA_NO_CACHE:-0}" = 0 ]; } || cache=tests/.build/cache
	local dir=$cache/netlink-schema-linux-source-7.3

	if [ ! -f "$dir/genetlink-legacy.yaml" ]; then
		[ -f "$tarball" ] || { echo "no $tarball (make deps)" >&2; return 1; }
		rm -rf "$dir.tmp" && mkdir -p "$dir.tmp" || return 1
		tar -xJf "$tarball" -C "$dir.tmp" --strip-components=3 \
			--wildcards '*/Documentation/netlink/genetlink-legacy.yaml' || return 1
		rm -rf "$dir" && mv "$dir.tmp" "$dir" || return 1
	fi
	echo "$dir/genetlink-legacy.yaml"
}

test_spec_agrees_with_uapi_and_module() {
	local out schema
	schema=$(spec_schema) || fail "no genetlink-legacy schema"
	out=$(/usr/bin/python3 tests/lib/spec_check.py --schema "$schema") ||
		fail "disagreements:
$out"
}
