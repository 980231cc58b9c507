# SPDX-License-Identifier: GPL-2.0
#
# Sourced by tests/install-deps.sh, tests/run-tests.sh and tests/matrix.sh:
# the Debian kernels of tests/kernels.list, resolved to what this machine
# has or can get.
#
# The list pins a release (the one its results were measured with), but
# Debian removes a kernel's packages from the archive once a newer ABI of
# the same series replaces it (a security update, a point release): from
# then on a fresh machine could install nothing and make check would fail
# before testing anything. So a listed release stands for its series: the
# release itself when it is there, else the newest of its series, and the
# scripts say so when they substitute one.

# kernel_series RELEASE: RELEASE as an extended regex with its ABI number
# (or, for a backport, its upload) left open: 5.10.0-32-amd64 ->
# 5\.10\.0-[0-9]+-amd64, 6.12.95+deb12-amd64 -> 6\.12\.[0-9]+\+deb12-amd64.
# A release of another form stands for itself alone (its dots escaped).
kernel_series() {
	if [[ $1 =~ ^[0-9]+\.[0-9]+\.[0-9]+\+deb[0-9]+-[a-z0-9-]+$ ]]; then
		sed -E 's/^([0-9]+)\.([0-9]+)\.[0-9]+\+(deb[0-9]+-.*)$/\1\\.\2\\.[0-9]+\\+\3/' <<<"$1"
	elif [[ $1 =~ ^[0-9]+\.[0-9]+\.[0-9]+-[0-9]+-[a-z0-9-]+$ ]]; then
		sed -E 's/^([0-9]+)\.([0-9]+)\.([0-9]+)-[0-9]+(-.*)$/\1\\.\2\\.\3-[0-9]+\4/' <<<"$1"
	else
		sed 's/[.+]/\\&/g' <<<"$1"
	fi
}

# kernel_listed_others RELEASE: the other releases tests/kernels.list
# names. One never stands in for another: 6.1.0-50 and 6.1.0-57 are of one
# series, and each is tested for itself while apt has it.
kernel_listed_others() {
	awk -v r="$1" '$1 !~ /^#/ && NF && $1 != "debug" && $1 != r { print $1 }' \
		tests/kernels.list
}

# kernel_installed RELEASE: the release to test for RELEASE here (image
# and headers installed): RELEASE itself, else the newest installed of its
# series; nothing when there is none.
# (KA_KERNELS_ROOT: a root to look in instead of /, for the tests.)
kernel_installed() {
	local series root=${KA_KERNELS_ROOT:-}
	if [ -d "$root/usr/src/linux-headers-$1" ] && [ -f "$root/boot/vmlinuz-$1" ]; then
		echo "$1"
		return
	fi
	series=$(kernel_series "$1")
	for h in "$root"/usr/src/linux-headers-*; do
		h=${h#"$root"/usr/src/linux-headers-}
		[[ $h =~ ^$series$ ]] && [ -f "$root/boot/vmlinuz-$h" ] && echo "$h"
	done | grep -vxF -f <(kernel_listed_others "$1") | sort -V | tail -n 1
}

# kernel_available RELEASE: the release apt can install for RELEASE (after
# apt-get update): RELEASE itself, else the newest of its series apt knows
# that the list does not name for itself, else the newest of its series;
# nothing when there is none.
kernel_available() {
	local series
	if apt-cache policy "linux-image-$1" 2>/dev/null | grep -q 'Candidate: [^(]'; then
		echo "$1"
		return
	fi
	series=$(kernel_series "$1")
	apt-cache pkgnames linux-headers- 2>/dev/null | sed 's/^linux-headers-//' |
		grep -xE "$series" | sort -V | while read -r r; do
			apt-cache policy "linux-image-$r" "linux-headers-$r" 2>/dev/null |
				grep -c 'Candidate: [^(]' | grep -qx 2 && echo "$r"
		done >"${TMPDIR:-/tmp}/ka-kernels.$$"
	{ grep -vxF -f <(kernel_listed_others "$1") "${TMPDIR:-/tmp}/ka-kernels.$$" ||
		cat "${TMPDIR:-/tmp}/ka-kernels.$$"; } | tail -n 1
	rm -f "${TMPDIR:-/tmp}/ka-kernels.$$"
}
