#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# PID 1 of the test VM once the initramfs switched its root to the host's
# file system (a real root, not a chroot: user namespaces refuse chroots).
# Runs the job ka-vm wrote, reports its exit status on the result port
# (/dev/ttyS1) and reboots, which ends qemu (-no-reboot).
setsid --wait --ctty bash "$1" </dev/ttyS0 >/dev/ttyS0 2>&1
echo "KA_VM_EXIT=$?" >/dev/ttyS1
# The port transmits from a buffer, and a reboot does not wait for it: a
# run once lost its exit line so. Setting the port's modes (stty drains
# first, TCSADRAIN) returns once the line is out.
stty -F /dev/ttyS1 -echo 2>/dev/null
sync
busybox reboot -f
