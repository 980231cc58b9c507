#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""cpu-where.py < REGISTERS: where each virtual CPU of a stalled guest is,
from qemu's "info registers -a": one line per CPU, "<where> <address>",
where is "firmware" (the BIOS or an option ROM: linear address 0xc0000 to
0xfffff), "kernel" (a 64-bit address at or above 0xffff800000000000) or
"other" (anything else: the kernel's real-mode setup code, user space).

qemu prints RIP=... for a CPU in 64-bit mode and EIP=... otherwise; the
linear address adds the code segment's base (the second field of the
"CS =" line). ka-vm retries a run only when every CPU is in the firmware.
"""
import re
import sys


def cpus(text):
    """[(linear address, 64-bit?)] for each CPU in the dump."""
    out = []
    for block in re.split(r"^CPU#\d+", text, flags=re.M)[1:]:
        ip = re.search(r"^(R|E)IP=([0-9a-f]+)", block, re.M)
        cs = re.search(r"^CS =[0-9a-f]+ ([0-9a-f]+)", block, re.M)
        if not ip:
            continue
        base = int(cs.group(1), 16) if cs else 0
        out.append((base + int(ip.group(2), 16), ip.group(1) == "R"))
    return out


def where(addr, long_mode):
    if long_mode and addr >= 0xffff800000000000:
        return "kernel"
    if 0xc0000 <= addr <= 0xfffff:
        return "firmware"
    return "other"


def main():
    for addr, long_mode in cpus(sys.stdin.read()):
        print("%s %x" % (where(addr, long_mode), addr))


if __name__ == "__main__":
    main()
