# SPDX-License-Identifier: GPL-2.0
#
# The build-time feature probes (conftest.sh), for a Kbuild file that sets
# ka_conftest_probes (its directory of probes) and then includes this one:
# $(obj)/ka_config.h says what the target kernel provides (KA_HAVE_*).
# module/Kbuild and tests/kmod/Kbuild (the test modules) use it.
ka_conftest_sh := $(dir $(lastword $(MAKEFILE_LIST)))conftest.sh

# The probes compile with what a module object compiles with (kbuild's
# c_flags: its force-included compiler_types.h too), minus the module's
# own flags (compat.h needs their result; kbuild adds a directory's
# subdir-ccflags-y to KBUILD_CFLAGS). Why a probe failed is in
# ka_config.log.
ka_conftest_cc = $(CC) $(KBUILD_CPPFLAGS) $(NOSTDINC_FLAGS) $(LINUXINCLUDE) \
	$(filter-out $(subdir-ccflags-y),$(KBUILD_CFLAGS)) $(KBUILD_CFLAGS_MODULE) \
	-include $(srctree)/include/linux/compiler_types.h \
	-DKBUILD_MODNAME='"ka_conftest"'

quiet_cmd_ka_conftest = CONFTEST $@
      cmd_ka_conftest = $(CONFIG_SHELL) $(ka_conftest_sh) $@ $(ka_conftest_probes) \
	$(objtree)/Module.symvers $(ka_conftest_cc)

# Run on every build (the kernel may have changed under the same path);
# the header is rewritten only when its contents change.
$(obj)/ka_config.h: $(ka_conftest_sh) $(wildcard $(ka_conftest_probes)/*.c) FORCE
	$(call cmd,ka_conftest)

clean-files += ka_config.h ka_config.log
