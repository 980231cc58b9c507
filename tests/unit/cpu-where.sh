# SPDX-License-Identifier: GPL-2.0
#
# tests/vm/cpu-where.py, which decides whether ka-vm may retry a stalled
# guest: only when every CPU is still in the firmware. The samples are
# real "info registers -a" dumps: SeaBIOS with no kernel to boot, and a
# kernel idle in a guest that went quiet.
WHERE=tests/vm/cpu-where.py
DATA=tests/unit/data

test_firmware_dump_is_firmware() {
	assert_eq "$(python3 "$WHERE" <"$DATA/registers-firmware.txt")" \
		"firmware fb7b9
firmware fd09a" "SeaBIOS, real mode (CS base f0000) and 32-bit flat"
}

test_kernel_dump_is_kernel() {
	assert_eq "$(python3 "$WHERE" <"$DATA/registers-kernel.txt" | cut -d' ' -f1 | sort -u)" \
		kernel "an idle 64-bit kernel"
}

# The kernel's real-mode setup code runs below 1 MiB too, but is not the
# firmware: a hang there is the kernel's, never retried.
test_real_mode_setup_code_is_not_firmware() {
	local dump
	dump=$(sed 's/^EIP=0000b7b9 /EIP=00000200 /; s/^CS =f000 000f0000 /CS =1020 00010200 /' \
		"$DATA/registers-firmware.txt")
	assert_eq "$(python3 "$WHERE" <<<"$dump" | head -n 1)" "other 10400" "setup code at 0x10400"
}

test_no_dump_gives_nothing() {
	assert_eq "$(python3 "$WHERE" </dev/null)" "" "an empty dump"
}
