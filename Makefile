# SPDX-License-Identifier: GPL-2.0
#
# ka_policy: build, test and install.
#
#   make            module/ka_policy.ko and userspace/kactl (and the test
#                   modules of tests/kmod, which are never installed)
#   make check      install what is missing, build, run every test suite
#                   (builds the debug test kernel first when not cached)
#   make check-debug only the suites on the debug test kernel
#   make demo       boot a VM and show ka_policy at work
#   make shell      a shell in a VM with the module loaded
#   make bench      benchmark: connection cost, scale, memory, detection
#   make matrix     the module built and the integration suite run on every
#                   kernel of tests/kernels.list (5.10 to 7.x), one table
#   make install    module, kactl and man page on this system
#   make kactl-asan kactl built with ASan and UBSan into tests/.build/kactl-asan,
#                   the binary the CLI tests run
#   make deb        Debian packages ka-policy-dkms (the module, built by DKMS)
#                   and kactl, into tests/.build/deb, checked with lintian
#
# KDIR is the kernel build tree the module is built against: the running
# kernel's when it has one, else the one Debian's linux-headers-amd64
# depends on (the default kernel of the release), never just the newest
# headers installed: several are when make matrix has run.

KERNELRELEASE_RUNNING := $(shell uname -r)
KDIR ?= $(firstword $(wildcard /lib/modules/$(KERNELRELEASE_RUNNING)/build) \
	$(wildcard $(patsubst %,/usr/src/%,$(firstword $(shell dpkg-query -W \
		-f='$${Depends}' linux-headers-amd64 2>/dev/null)))))
PREFIX ?= /usr/local
DESTDIR ?=

MODULE := module/ka_policy.ko
KACTL := userspace/kactl

.PHONY: all module kactl kactl-asan clean deps check check-unit check-vm check-debug demo shell \
	install uninstall style sparse kdir kver bench matrix stress deb

all: module kactl

module:
	@test -n "$(KDIR)" -a -d "$(KDIR)" || { \
		echo "Error: no kernel build tree; install linux-headers-amd64 (make deps) or pass KDIR=..." >&2; \
		exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules
	$(MAKE) -C $(KDIR) M=$(CURDIR)/tests/kmod modules

kactl:
	$(MAKE) -C userspace

KACTL_ASAN_DIR := $(CURDIR)/tests/.build/kactl-asan

kactl-asan:
	$(MAKE) -C userspace O=$(KACTL_ASAN_DIR) KA_SANITIZE=1

deps:
	@tests/install-deps.sh

check: deps
	@$(MAKE) --no-print-directory all W=1 KA_WERROR=1
	@tests/run-tests.sh

check-unit: kactl
	@tests/run-tests.sh unit

check-vm: all
	@tests/run-tests.sh vm

check-debug: deps kactl
	@tests/run-tests.sh debug

demo: deps
	@$(MAKE) --no-print-directory all
	@tests/vm/ka-vm --timeout 300 -- tests/demo/demo.sh

shell: deps
	@$(MAKE) --no-print-directory all
	@tests/vm/ka-vm --shell

# Connection cost, scale, memory, dead peer detection and a BPF comparator,
# measured in a VM (tests/bench/run.sh, Documentation/performance.rst); not
# part of make check. BENCH_QUICK=1: one short round of everything. What
# cannot be installed (the BPF tools, say) is skipped, not fatal.
bench:
	@tests/install-deps.sh --bench || echo "bench: going on with what is installed"
	@$(MAKE) --no-print-directory all
	@BENCH_QUICK=$(BENCH_QUICK) tests/bench/run.sh

# The stress programs of tests/stress at full size on the debug kernel:
# netlink fuzzing, policy churn under connection load, unload under load,
# namespace churn, memory limits, many timers; a table of figures at the
# end (tests/stress.sh, Documentation/testing.rst). Hours under
# emulation; make check runs the same programs at a small size.
stress: deps kactl
	@tests/stress.sh

# Every kernel of tests/kernels.list: build (W=1 -Werror) and the
# integration suite in the VM; a table at the end (tests/matrix.sh).
matrix:
	@tests/install-deps.sh --matrix
	@$(MAKE) --no-print-directory kactl
	@tests/matrix.sh

# The Debian packages of debian/, built in a copy of the tree under
# tests/.build/deb, where the .debs land; lintian errors and warnings fail
# it (tests/deb.sh). Needs no kernel headers: DKMS builds the module on
# the machine that installs ka-policy-dkms.
deb:
	@tests/install-deps.sh --deb
	@tests/deb.sh

# checkpatch --strict and sparse (checkpatch.pl comes with the kernel
# source, Debian's linux-source, not with the headers package), the
# module's layers (tests/lib/callgraph.py), and the names of the module
# and kactl (tests/lib/namecheck.py).
style: module
	@KDIR=$(KDIR) tests/style.sh

kdir:
	@echo $(KDIR)

kver:
	@echo $(KVER)

# sparse on every file (C=2) of the module and the test modules of
# tests/kmod; it prints nothing when all is well. tests/style.sh runs it.
sparse:
	$(MAKE) -C $(KDIR) M=$(CURDIR) C=2 modules
	$(MAKE) -C $(KDIR) M=$(CURDIR)/tests/kmod C=2 modules

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
		$(MAKE) -C $(KDIR) M=$(CURDIR) clean; \
		$(MAKE) -C $(KDIR) M=$(CURDIR)/tests/kmod clean; fi
	$(MAKE) -C userspace clean
	rm -rf tests/.build

# -- The debug test kernel -------------------------------------------------
# make kernel-debug   builds it (tests/kernel/build.sh: Debian's
#                     linux-source-7.3 with tests/kernel/debug.config, KASAN,
#                     lockdep, kmemleak, KUnit...), cached in ~/.cache/ka_policy
# make module-debug   the module and its KUnit suites built against it, in a
#                     copy of the sources under tests/.build/debug-module
#                     (module/ keeps the build for Debian's kernel): a
#                     KA_FAULT_INJECT=y build of ka_policy.ko, for
#                     tests/debug/, and module/tests/ka_policy_test.ko
# make kdir-debug     where that kernel's build tree is
#
# Why a copy, not M=. MO=<output>: 7.3's kbuild takes MO= (6.13 and later),
# but refuses a module source tree that holds a build of its own ("The
# external module source tree is not clean": a modules.order at the top of
# the checkout, which the in-place build below leaves there), and
# make builds Debian's kernel's module in place, in module/, since 5.10's
# and 6.1's kbuild have no MO=. The copy is also what make check and make
# matrix build every other kernel in (tests/lib/build-module.sh).
KDIR_DEBUG = $(shell tests/kernel/build.sh --print-dir)
DEBUG_MODULE_DIR := tests/.build/debug-module

.PHONY: kernel-debug module-debug kdir-debug

kernel-debug:
	@tests/kernel/build.sh >/dev/null

module-debug: kernel-debug
	@tests/lib/build-module.sh $(KDIR_DEBUG) $(DEBUG_MODULE_DIR) \
		KA_KUNIT=m KA_FAULT_INJECT=y

kdir-debug:
	@echo $(KDIR_DEBUG)
