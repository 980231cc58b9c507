#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Installs, with apt-get, whatever ka_policy needs to build and test that is
# not installed yet. Silent when everything is present; run by make check,
# make demo and make shell (or make deps).
set -eu

packages=(
	# build: the module against Debian's kernel headers, kactl on libmnl
	make gcc libc6-dev pkg-config libmnl-dev linux-headers-amd64
	# make style: checkpatch.pl from the kernel source, sparse
	linux-source sparse
	# the debug test kernel, built from that source (tests/kernel/build.sh):
	# kconfig needs flex and bison, objtool libelf
	linux-source-6.1 bc bison flex libelf-dev xz-utils
	# packaging: dkms.conf is checked with a real dkms build, the netlink
	# spec against the code (Debian's python3 with its yaml module)
	dkms python3-yaml
	# the test VM: Debian's own kernel under qemu, a busybox initramfs
	linux-image-amd64 qemu-system-x86 busybox-static kmod cpio
	# what the tests run inside the VM
	iproute2 util-linux procps python3 redis-server redis-tools socat
)
# --bench (make bench only): the BPF sock_ops comparator, built with clang
# against libbpf-dev's headers and loaded with bpftool in the VM
if [ "${1:-}" = --bench ]; then
	packages+=(clang libbpf-dev bpftool)
fi

missing=()
for p in "${packages[@]}"; do
	case $(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null) in
	ii*) ;;
	*) missing+=("$p") ;;
	esac
done
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
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
echo "Installed."
