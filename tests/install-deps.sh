#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Installs, with apt-get, whatever ka_policy needs to build and test that is
# not installed yet. Silent when everything is present; run by make check,
# make demo and make shell (or make deps).
#
#   --bench   also what make bench needs
#   --matrix  also every kernel of tests/kernels.list, not only make check's
#             ("check" and "package")
#   --deb     only what make deb needs (tests/deb.sh), none of the above
#
# The test kernels come from other Debian suites (tests/kernels.list names
# them): when one is needed, the suite is added to apt's sources with pin
# priority 1 (/etc/apt/sources.list.d/ka_policy-test-kernels.sources and
# /etc/apt/preferences.d/ka_policy-test-kernels), so that only what is
# asked for by name comes from it and nothing else upgrades. A listed
# kernel that has left the archive stands for its series: the newest of
# the series is installed instead, and said (tests/lib/kernels.sh).
set -eu
cd "$(dirname "$0")/.." || exit 1
source tests/lib/kernels.sh

packages=(
	# build: the module against Debian's kernel headers, kactl on libmnl;
	# build-essential as DKMS on a fresh machine needs it (make, gcc)
	make gcc libc6-dev build-essential pkg-config libmnl-dev linux-headers-amd64
	# ASan and UBSan runtimes, for kactl_test and make kactl-asan (the CLI
	# tests' kactl). bookworm's gcc-12 pulls them in (libgcc-12-dev depends
	# on both); named here so that a machine without them gets them
	libasan8 libubsan1
	# make style: sparse, and checkpatch.pl from the newest kernel source
	sparse
	# the debug test kernel, built from linux-source-7.3
	# (tests/kernel/build.sh): kconfig needs flex and bison, objtool libelf
	linux-source-7.3 bc bison flex libelf-dev xz-utils
	# packaging: dkms.conf is checked with a real dkms build, the netlink
	# spec against the code and the kernel's schema (Debian's python3 with
	# its yaml and jsonschema modules; the schema from linux-source-7.3)
	dkms python3-yaml python3-jsonschema
	# the Debian packages, built (make deb) and installed by make check
	# (tests/packages.sh)
	dpkg-dev debhelper dh-dkms lintian
	# the test VM: Debian's own kernel under qemu, a busybox initramfs
	linux-image-amd64 qemu-system-x86 busybox-static kmod cpio
	# what the tests run inside the VM
	iproute2 util-linux procps python3 jq redis-server redis-tools socat
)
# --bench (make bench only): the BPF sock_ops comparator, built with clang
# against libbpf-dev's headers and loaded with bpftool in the VM
# --deb (make deb only): building the packages needs neither kernel
# headers (DKMS builds the module where it is installed) nor the test VM,
# kernels and suites: only debian/control's Build-Depends (dh-dkms
# provides dh-sequence-dkms), build-essential (which dpkg-buildpackage
# checks for, and DKMS needs to build the module where the packages
# are installed), dpkg-buildpackage and lintian
deb_packages=(dpkg-dev debhelper dh-dkms libmnl-dev pkg-config make gcc libc6-dev build-essential
	lintian)
matrix=0
deb=0
for arg in "$@"; do
	case $arg in
	--bench) packages+=(clang libbpf-dev bpftool) ;;
	--matrix) matrix=1 ;;
	--deb) deb=1 ;;
	*) echo "usage: $0 [--bench] [--matrix] [--deb]" >&2; exit 2 ;;
	esac
done
[ $deb = 0 ] || packages=("${deb_packages[@]}")

# The test kernels: image and headers of each Debian one that runs here,
# unless one of its series is installed; which release is resolved once
# apt knows the suites.
suites=(trixie-backports)	# linux-source-7.3
[ $deb = 0 ] || suites=()
kernels=()
while read -r release suite runs _; do
	[ $deb = 0 ] || break	# make deb needs no test kernel
	case $release in '#'*|''|debug) continue ;; esac
	[ "$runs" = check ] || [ "$runs" = package ] || [ $matrix = 1 ] || continue
	[ -z "$(kernel_installed "$release")" ] || continue
	kernels+=("$release")
	suites+=("$suite")
done <tests/kernels.list

missing=()
for p in "${packages[@]}"; do
	case $(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null) in
	ii*) ;;
	*) missing+=("$p") ;;
	esac
done
missing+=("${kernels[@]/#/linux-image-}")
[ ${#missing[@]} -gt 0 ] || exit 0

if ! command -v apt-get >/dev/null; then
	echo "Error: missing packages (${missing[*]}) and no apt-get to install them." >&2
	exit 1
fi
if [ "$(id -u)" != 0 ]; then
	echo "Error: missing packages: ${missing[*]}" >&2
	echo "Install them as root: apt-get install ${missing[*]} (or run 'make deps' as root)." >&2
	exit 1
fi
echo "Installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# The suites the kernels come from that apt does not know yet, pinned low.
sources=/etc/apt/sources.list.d/ka_policy-test-kernels.sources
extra=()
for suite in $(printf '%s\n' "${suites[@]}" | sort -u); do
	apt-cache policy 2>/dev/null | grep -q " $suite/main " || extra+=("$suite")
done
if [ ${#extra[@]} -gt 0 ]; then
	echo "Adding the Debian suites ${extra[*]} to apt, pinned to priority 1 ($sources)"
	all=$( { sed -n 's/^Suites: //p' "$sources" 2>/dev/null | tr ' ' '\n'
		printf '%s\n' "${extra[@]}"; } | sort -u | xargs)
	# Security updates live in their own archive.
	stanza='Types: deb\nURIs: http://deb.debian.org/%s\nSuites: %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n\n'
	main=$(tr ' ' '\n' <<<"$all" | grep -v -- '-security$' | xargs)
	security=$(tr ' ' '\n' <<<"$all" | grep -- '-security$' | xargs)
	{ [ -z "$main" ] || printf "$stanza" debian "$main"
	  [ -z "$security" ] || printf "$stanza" debian-security "$security"
	} >"$sources"
	for suite in $all; do
		printf 'Package: *\nPin: release n=%s\nPin-Priority: 1\n\n' "$suite"
	done >/etc/apt/preferences.d/ka_policy-test-kernels
fi
apt-get update -q >/dev/null
missing=("${missing[@]:0:${#missing[@]}-${#kernels[@]}}")
for release in "${kernels[@]}"; do
	have=$(kernel_available "$release")
	if [ -z "$have" ]; then
		echo "Error: apt has no linux-image-$release, nor any other kernel of its series ($(kernel_series "$release"))." >&2
		exit 1
	fi
	[ "$have" = "$release" ] ||
		echo "linux-image-$release has left the archive: installing $have, the newest of its series, for it"
	missing+=("linux-image-$have" "linux-headers-$have")
done
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
echo "Installed."
