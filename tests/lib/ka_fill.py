#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Fills the namespace with policies until the kernel refuses one.

  ka_fill.py N
      Prints "ready" once it is set up (its own memory allocated and
      touched, by a first round of the same requests), waits
      for a line on standard input, then sets up to N policies by cgroup
      path (about 1 KiB each in the kernel: the path is kept) in one
      netlink socket, and prints JSON {"set": how many were set, "error":
      the errno name of the refusal or null, "message": its extack}.
"""
import ctypes
import errno
import gc
import json
import os
import socket
import sys

sys.path.insert(0, os.path.dirname(__file__))
from ka_genl import (NETLINK_CAP_ACK, NETLINK_EXT_ACK, NLA_F_NESTED,  # noqa: E402
                     SOL_NETLINK, attr, encode, enum, family_id, request)


def main():
    n = int(sys.argv[1])
    cmds, top, pol = enum("ka_cmd"), enum("ka_attr"), enum("ka_policy_attr")
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 16)
    sock.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
    sock.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1)
    sock.bind((0, 0))
    family = family_id(sock)
    pad = "p" * 200

    def fill(count, seq):
        done, err, text = 0, 0, ""
        for i in range(count):
            path = "/ka_fill/%s/%s/%s/%s/%d" % (pad, pad, pad, pad, i)
            body = encode("cgroup_path=str:" + path, pol, "KA_POLICY_A_") + \
                encode("idle=u32:5", pol, "KA_POLICY_A_")
            err, text, _ = request(sock, family, cmds["KA_CMD_POLICY_SET"],
                                   attr(top["KA_A_POLICY"] | NLA_F_NESTED, body),
                                   seq + i)
            if err:
                break
            done += 1
        return done, err, text

    # Once the kernel's memory fills the container's limit, a page this
    # process touches for the first time would wake the OOM killer: touch
    # them all now, with the same requests, and take no more afterwards.
    fill(min(n, 200), 2)
    request(sock, family, cmds["KA_CMD_POLICY_FLUSH"], b"", 1000)
    json.dumps({"set": 0, "error": None, "message": ""})
    gc.collect()
    gc.disable()
    # And make every page it has resident and private now (a first write
    # to a page of the binary's data is a copy, a new page): mlockall()
    # with MCL_CURRENT does those copies here. The caller lifted
    # RLIMIT_MEMLOCK, as a root without CAP_IPC_LOCK needs.
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.mlockall(1 | 2) != 0:      # MCL_CURRENT | MCL_FUTURE
        sys.exit("mlockall: " + os.strerror(ctypes.get_errno()))
    print("ready", flush=True)
    sys.stdin.readline()
    done, err, text = fill(n, 2000)
    print(json.dumps({"set": done,
                      "error": errno.errorcode.get(-err) if err else None,
                      "message": text}), flush=True)


if __name__ == "__main__":
    main()
