# SPDX-License-Identifier: GPL-2.0
#
# ka_policy: build, test and install.
#
#   make            module/ka_policy.ko and userspace/kactl
#   make check      install what is missing, build, run every test suite
#   make demo       boot a VM and show ka_policy at work
#   make shell      a shell in a VM with the module loaded
#   make install    module, kactl and man page on this system
#
# KDIR is the kernel build tree the module is built against: the running
# kernel's when it has one, else the newest Debian linux-headers-*-amd64.

KERNELRELEASE_RUNNING := $(shell uname -r)
KDIR ?= $(firstword $(wildcard /lib/modules/$(KERNELRELEASE_RUNNING)/build) \
	$(shell ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n 1))
PREFIX ?= /usr/local
DESTDIR ?=

MODULE := module/ka_policy.ko
KACTL := userspace/kactl

.PHONY: all module kactl clean deps check check-unit check-vm demo shell \
	install uninstall style sparse kdir kver

all: module kactl

module:
	@test -n "$(KDIR)" -a -d "$(KDIR)" || { \
		echo "Error: no kernel build tree; install linux-headers-amd64 (make deps) or pass KDIR=..." >&2; \
		exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

kactl:
	$(MAKE) -C userspace

deps:
	@tests/install-deps.sh

check: deps
	@$(MAKE) --no-print-directory all W=1 KA_WERROR=1
	@tests/run-tests.sh

check-unit: kactl
	@tests/run-tests.sh unit

check-vm: all
	@tests/run-tests.sh vm

demo: deps
	@$(MAKE) --no-print-directory all
	@tests/vm/ka-vm --timeout 300 -- tests/demo/demo.sh

shell: deps
	@$(MAKE) --no-print-directory all
	@tests/vm/ka-vm --shell

# checkpatch --strict and sparse; checkpatch.pl comes with the kernel
# source (Debian's linux-source), not with the headers package.
style: module
	@KDIR=$(KDIR) tests/style.sh

kdir:
	@echo $(KDIR)

kver:
	@echo $(KVER)

sparse:
	$(MAKE) -C $(KDIR) M=$(CURDIR) C=2 modules

# The release the module is built for, and where modprobe finds it.
KVER = $(shell sed -n 's/.*UTS_RELEASE "\(.*\)"/\1/p' \
	$(KDIR)/include/generated/utsrelease.h 2>/dev/null)
MODDIR = $(DESTDIR)/lib/modules/$(KVER)/updates

# The module goes in unsigned (a Secure Boot machine needs it signed with
# an enrolled key: DKMS does that); depmod runs here because Debian's
# header packages carry no System.map for kbuild's own depmod.
install: all
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_DIR=updates \
		CONFIG_MODULE_SIG_ALL= \
		$(if $(DESTDIR),INSTALL_MOD_PATH=$(DESTDIR)) modules_install
	depmod $(if $(DESTDIR),-b $(DESTDIR)) $(KVER)
	$(MAKE) -C userspace install DESTDIR=$(DESTDIR) PREFIX=$(PREFIX)

uninstall:
	rm -f $(MODDIR)/module/ka_policy.ko
	-depmod $(if $(DESTDIR),-b $(DESTDIR)) $(KVER)
	$(MAKE) -C userspace uninstall DESTDIR=$(DESTDIR) PREFIX=$(PREFIX)

clean:
	@if [ -n "$(KDIR)" -a -d "$(KDIR)" ]; then \
		$(MAKE) -C $(KDIR) M=$(CURDIR) clean; fi
	$(MAKE) -C userspace clean
	rm -rf tests/.build
