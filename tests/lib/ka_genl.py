#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Crafted ka_policy netlink requests, to test the kernel's own checks
without kactl's (which reject most bad input before the kernel sees it).

  ka_genl.py COMMAND [NAME=TYPE:VALUE ...] [--top NAME=TYPE:VALUE ...]

COMMAND is a KA_CMD_* suffix (policy_set, policy_del, ...). NAME=TYPE:VALUE
attributes go into the KA_A_POLICY nest; NAME is a KA_POLICY_A_* suffix or
a number, TYPE one of u8 u16 u32 u64 str flag. Options after --top go to
the top level instead; with no policy attributes, no nest is sent.
--next closes the KA_A_POLICY nest and starts another (policy_replace).
Prints "ok", or "error ERRNO: EXTACK-MESSAGE" and exits 1. Attribute and
command numbers are read from the uapi header, so they cannot drift.

  ka_genl.py --dump COMMAND [NAME=TYPE:VALUE ...]

sends the same as a dump request (existing_apply with a selector) and
reads it to its end: "ok", or the errno and extack message its
NLMSG_DONE (or an NLMSG_ERROR) carried.

  ka_genl.py listen

joins the "events" multicast group as kactl monitor does, and also with
bind() where the group's id allows (the kernel's two ways in), without
kactl's own checks: prints {"join": ERRNO or "ok", "bind": ...} at once,
then counts every message it receives until SIGTERM, and prints
{"received": N}.

  ka_genl.py dump COMMAND [--after N SHELL-COMMAND]

sends COMMAND (socket_get, existing_apply...) as a dump request with no
attribute and reads the dump to its NLMSG_DONE, with a 32 KiB buffer as
kactl does (the kernel sizes the parts by it). With --after, runs
SHELL-COMMAND after the Nth recv() (0: after the send, before any),
while the rest of the dump waits: each recv() has the kernel fill at most
one more part, so the parts after the next one are made after it. Prints
one JSON object: "messages", one per message in order, each with its
top-level attribute types ("attrs"), whether NLM_F_DUMP_INTR is set
("intr") and which recv() brought it ("recv", from 1); "recvs"; "done",
the error NLMSG_DONE carried (0: none) and "done_intr"; "us", the
microseconds from the request to its end; "after", the shell command's
exit status ("rc") and output. Exits 1 unless the dump ended without
error.
"""
import errno
import os
import re
import socket
import struct
import time
import sys

UAPI = os.path.join(os.path.dirname(__file__), "../../module/uapi/linux/ka_policy.h")
NLM_F_REQUEST, NLM_F_ACK = 1, 4
NLM_F_DUMP_INTR, NLM_F_DUMP = 0x10, 0x300
NLMSG_ERROR, NLMSG_DONE = 2, 3
NLA_F_NESTED = 1 << 15
SOL_NETLINK, NETLINK_CAP_ACK, NETLINK_EXT_ACK = 270, 10, 11
NLM_F_ACK_TLVS, NLMSGERR_ATTR_MSG = 0x200, 1
GENL_ID_CTRL, CTRL_CMD_GETFAMILY = 0x10, 3
CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME = 1, 2
CTRL_ATTR_MCAST_GROUPS, CTRL_ATTR_MCAST_GRP_NAME, CTRL_ATTR_MCAST_GRP_ID = 7, 1, 2
NETLINK_ADD_MEMBERSHIP = 1


def enum(name):
    text = open(UAPI).read()
    body = re.search(r"enum %s \{(.*?)\};" % name, text, re.S).group(1)
    body = re.sub(r"/\*.*?\*/", "", body, flags=re.S)
    values, n = {}, 0
    for item in body.split(","):
        item = item.strip()
        if not item or "=" in item:
            continue
        values[item] = n
        n += 1
    return values


def attr(kind, payload):
    length = 4 + len(payload)
    return struct.pack("HH", length, kind) + payload + b"\0" * (-length % 4)


def encode(spec, names, prefix):
    name, value = spec.split("=", 1)
    kind = int(name) if name.isdigit() else names[prefix + name.upper()]
    typ, _, val = value.partition(":")
    payload = {"u8": lambda v: struct.pack("B", int(v)),
               "u16": lambda v: struct.pack("H", int(v)),
               "u32": lambda v: struct.pack("I", int(v)),
               "u64": lambda v: struct.pack("Q", int(v)),
               "str": lambda v: v.encode() + b"\0",
               "flag": lambda v: b""}[typ](val)
    return attr(kind, payload)


def request(sock, family, cmd, attrs, seq, flags=NLM_F_REQUEST | NLM_F_ACK):
    """Sends a request; returns (error, extack message, last data reply),
    reading until the ACK or error that answers this very request, or
    the NLMSG_DONE that ends its dump."""
    body = struct.pack("BBH", cmd, 1, 0) + attrs
    sock.send(struct.pack("IHHII", 16 + len(body), family, flags, seq, 0) + body)
    reply = b""
    while True:
        data = sock.recv(65536)
        off = 0
        while off + 16 <= len(data):
            length, typ, flags, mseq, _ = struct.unpack_from("IHHII", data, off)
            msg = data[off:off + length]
            off += (length + 3) & ~3
            if mseq != seq:
                continue
            if typ not in (NLMSG_ERROR, NLMSG_DONE):
                reply = msg
                continue
            if length < 20:
                return 0, "", reply
            err = struct.unpack_from("i", msg, 16)[0]
            # The extack after the capped request (NLMSG_ERROR), or right
            # after the errno (NLMSG_DONE).
            text, aoff = "", 16 + 4 + (16 if typ == NLMSG_ERROR else 0)
            if flags & NLM_F_ACK_TLVS:
                while aoff + 4 <= length:
                    alen, akind = struct.unpack_from("HH", msg, aoff)
                    if akind == NLMSGERR_ATTR_MSG:
                        text = msg[aoff + 4:aoff + alen].rstrip(b"\0").decode()
                    aoff += (alen + 3) & ~3
            return err, text, reply


def attrs_of(data, off, end):
    """{type: payload} of the attributes in data[off:end]."""
    out = {}
    while off + 4 <= end:
        alen, akind = struct.unpack_from("HH", data, off)
        out[akind & 0x3fff] = data[off + 4:off + alen]
        off += (alen + 3) & ~3
    return out


def family(sock):
    """The family's id and its multicast groups, {name: id}."""
    err, _, data = request(sock, GENL_ID_CTRL, CTRL_CMD_GETFAMILY,
                           attr(CTRL_ATTR_FAMILY_NAME, b"ka_policy\0"), 1)
    if err:
        sys.exit("ka_policy is not loaded")
    top = attrs_of(data, 20, len(data))
    groups = {}
    blob = top.get(CTRL_ATTR_MCAST_GROUPS, b"")
    for nest in attrs_of(blob, 0, len(blob)).values():
        g = attrs_of(nest, 0, len(nest))
        groups[g[CTRL_ATTR_MCAST_GRP_NAME].rstrip(b"\0").decode()] = \
            struct.unpack("I", g[CTRL_ATTR_MCAST_GRP_ID])[0]
    return struct.unpack_from("H", top[CTRL_ATTR_FAMILY_ID])[0], groups


def family_id(sock):
    return family(sock)[0]


def listen():
    import json
    import signal
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 16)
    sock.bind((0, 0))
    group = family(sock)[1]["events"]
    result = {}
    try:
        sock.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, group)
        result["join"] = "ok"
    except OSError as e:
        result["join"] = errno.errorcode.get(e.errno, str(e.errno))
    # bind() takes a bit mask of the groups below 32 only.
    result["bind"] = "n/a"
    if group < 32:
        other = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 16)
        try:
            other.bind((0, 1 << (group - 1)))
            result["bind"] = "ok"
        except OSError as e:
            result["bind"] = errno.errorcode.get(e.errno, str(e.errno))
    print(json.dumps(result), flush=True)
    received = 0
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    socks = [sock] + ([other] if group < 32 else [])
    import select
    while not stop:
        try:
            ready, _, _ = select.select(socks, [], [], 1)
        except InterruptedError:
            continue
        for s in ready:
            s.recv(65536)
            received += 1
    print(json.dumps({"received": received}), flush=True)
    return 0


def dump(args):
    import json
    import subprocess
    cmd = enum("ka_cmd")["KA_CMD_" + args[0].upper()]
    after, command = -1, None
    if len(args) == 4 and args[1] == "--after":
        after, command = int(args[2]), args[3]
    elif len(args) != 1:
        sys.exit("usage: ka_genl.py dump COMMAND [--after N SHELL-COMMAND]")
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 16)
    sock.bind((0, 0))
    body = struct.pack("BBH", cmd, 1, 0)
    fam = family_id(sock)
    start = time.monotonic()
    sock.send(struct.pack("IHHII", 16 + len(body), fam,
                          NLM_F_REQUEST | NLM_F_DUMP, 3, 0) + body)
    out = {"messages": [], "recvs": 0, "done": None, "done_intr": False}

    def run_after():
        r = subprocess.run(command, shell=True, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT)
        out["after"] = {"rc": r.returncode,
                        "output": r.stdout.decode(errors="replace")}

    if after == 0:
        run_after()
    while out["done"] is None:
        data = sock.recv(32768)
        out["recvs"] += 1
        off = 0
        while off + 16 <= len(data):
            length, typ, flags, seq, _ = struct.unpack_from("IHHII", data, off)
            if seq == 3 and typ in (NLMSG_DONE, NLMSG_ERROR):
                out["done"] = struct.unpack_from("i", data, off + 16)[0]
                out["done_intr"] = bool(flags & NLM_F_DUMP_INTR)
            elif seq == 3:
                out["messages"].append({
                    "attrs": sorted(attrs_of(data, off + 20, off + length)),
                    "intr": bool(flags & NLM_F_DUMP_INTR),
                    "recv": out["recvs"]})
            off += (length + 3) & ~3
        if out["recvs"] == after:
            run_after()
    out["us"] = int((time.monotonic() - start) * 1e6)
    print(json.dumps(out), flush=True)
    return 0 if out["done"] == 0 else 1


def main():
    cmds, top = enum("ka_cmd"), enum("ka_attr")
    pol = enum("ka_policy_attr")
    args = sys.argv[1:]
    if args == ["listen"]:
        return listen()
    if args[:1] == ["dump"]:
        return dump(args[1:])
    flags = NLM_F_REQUEST | NLM_F_ACK
    if args[:1] == ["--dump"]:
        flags = NLM_F_REQUEST | NLM_F_DUMP
        args.pop(0)
    cmd = cmds["KA_CMD_" + args.pop(0).upper()]
    nests, outer = [[]], []
    target = nests[-1]
    for a in args:
        if a == "--top":
            target = outer
            continue
        if a == "--next":
            nests.append([])
            target = nests[-1]
            continue
        inner = target is not outer
        target.append(encode(a, pol if inner else top,
                             "KA_POLICY_A_" if inner else "KA_A_"))
    attrs = b"".join(outer)
    for inner in nests:
        if inner or len(nests) > 1:
            attrs += attr(top["KA_A_POLICY"] | NLA_F_NESTED, b"".join(inner))
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 16)
    sock.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
    sock.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1)
    sock.bind((0, 0))
    err, msg, _ = request(sock, family_id(sock), cmd, attrs, 2, flags)
    if err:
        print("error %s: %s" % (errno.errorcode.get(-err, str(-err)), msg))
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
