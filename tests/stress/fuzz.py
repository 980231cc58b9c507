#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Netlink fuzzing of the ka_policy family (issue 16, figure 1).

  fuzz.py [--seed S] [--count N] [--batch B] [--unpriv F]
          [--netns NAME[,NAME...]] [--trace FROM:TO] [--timeout SEC]

Sends N random and mutated requests (default 20,000) to every command of
the family, from a generator seeded with S (a random seed by default; it
is printed first, and --seed S replays the same run), as root in the
namespace it runs in (or NAME's, from /run/netns). With several names,
one worker process runs in each namespace, at the same time (the test
VM has two CPUs): worker i sends its share of the N requests from seed
S + i * 2**32 (printed, with the command that runs that worker alone),
and the summary adds theirs up. A fraction F of them
(default 0.05) goes out from a child that dropped to nobody and from one
that is root of a user namespace of its own, each on a socket opened
after it lost its privileges: neither may change anything.

Each request is judged twice: by the kernel (the errno of its
NLMSG_ERROR or NLMSG_DONE, and its extack message) and by this program,
which parses the bytes as the genetlink core and module/netlink.c do
(strict validation, the attribute policies, the selector and action
rules) against a model of the namespace's policy set. An accepted
request changes the model as policy.c changes the table: set replaces in
place or appends, add refuses a selector that has a policy, del removes,
flush empties, replace swaps in the request's list. After every batch of
B requests (default 100) the kernel's policy set, dumped, must equal the
model, in order, each policy with its selector, action and cgroup state.

A failure is: a request with no answer within SEC seconds (a do request
that asked for no ACK may succeed silently, as netlink does), the kernel
accepting what the model refuses or refusing what it accepts (ENOMEM
aside), an errno other than the one that is certain (EPERM for the
unprivileged, EEXIST, ENOENT of a missing selector, ENOSPC), a refusal
of the request's attributes (by the attribute policies or by the module:
every one of those names its reason) that came without an extack
message, a dump that differs from the model, a taint that appears during
the run. Each is
printed with the seed and the index of the request (--trace FROM:TO
prints every request in that range and the kernel's answer), and the
model is then resynchronized from the kernel's dump so that the run goes
on. At the end the namespace is flushed, the policy set must be empty,
and one line of JSON sums up the run (messages, accepted, rejected by
errno, per command, mismatches, seconds, MemAvailable and Slab before and
after, each worker's seed, count and time, where the time went: making
and judging the requests, "model", waiting for the kernel's answers,
"kernel", and the dumps compared with the model, "sync"; and
errors_without_extack: the refusals, other than EOPNOTSUPP and EPERM,
that came without an extack message, those the core makes without one
included). Exit status: 0 when nothing failed, 1 otherwise.

What the model knows, and its limits. Every command is modelled, none
restricted: the genetlink core's checks as of the running kernel (6.1
added the check of the header's reserved field and flags, 6.2 looks do
and dump up apart, before the permission), strict attribute validation,
netlink.c's selector and action rules, cgroup path normalization (by
path a policy is named by its normalized path, whatever the cgroup at
it), and the order of the policy list. Cgroup ids are those of the
cgroups there are when the run starts (the run makes /ka_fuzz, /ka_fuzz/a
and /ka_fuzz/b and removes them at the end), of a cgroup file, or far
beyond any id: whether one exists is known. max_policies is read from
the module's parameter (the runs stay far below it). ENOMEM is accepted
as a refusal of any request. Not checked: the counters (stats), what
socket-get and existing-apply report (the namespace has no socket).
Not generated: several requests in one datagram, an nlmsg_len other
than the datagram's, other families' message types, requests from
several sockets at once to one namespace (the workers' namespaces are
apart).

--dry-run answers every request from the model, with no kernel: a check
of the generator and the model alone.
"""
import argparse
import bisect
import ctypes
import errno
import itertools
import json
import os
import random
import select
import signal
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../lib"))
from ka_genl import (NETLINK_CAP_ACK, NETLINK_EXT_ACK, NLA_F_NESTED,  # noqa: E402
                     NLM_F_ACK, NLM_F_ACK_TLVS, NLM_F_DUMP, NLM_F_DUMP_INTR,
                     NLM_F_REQUEST, NLMSG_DONE, NLMSG_ERROR,
                     NLMSGERR_ATTR_MSG, SOL_NETLINK, attrs_of, enum,
                     family_id)

CMD = enum("ka_cmd")
TOP = enum("ka_attr")
POL = enum("ka_policy_attr")
CMD_NAMES = {v: k[len("KA_CMD_"):].lower() for k, v in CMD.items()
             if not k.startswith("__") and k != "KA_CMD_MAX"}
A_POLICY = TOP["KA_A_POLICY"]
A_MAX = TOP["__KA_A_MAX"] - 1
P_MAX = POL["__KA_POLICY_A_MAX"] - 1
P = {k[len("KA_POLICY_A_"):].lower(): v for k, v in POL.items()
     if not k.startswith("__") and k != "KA_POLICY_A_MAX"}

NLM_F_ECHO, NLM_F_MULTI = 8, 2
NLA_F_NET_BYTEORDER = 1 << 14
NLA_TYPE_MASK = ~(NLA_F_NESTED | NLA_F_NET_BYTEORDER) & 0xffff
CLONE_NEWUSER, CLONE_NEWNET = 0x10000000, 0x40000000
CGROUP_PATH_MAX = 1023
CGROUP_ROOT = b"/sys/fs/cgroup"
FUZZ_CGROUP = b"/ka_fuzz"

# The family's ops, as module/netlink.c's ka_genl_ops has them: whether
# each has a doit and a dumpit, needs CAP_NET_ADMIN over the namespace's
# user namespace, and takes the policy attribute or nothing.
OPS = {
    CMD["KA_CMD_VERSION"]: (True, False, False, "empty"),
    CMD["KA_CMD_STATS"]: (False, True, False, "empty"),
    CMD["KA_CMD_POLICY_SET"]: (True, False, True, "policy"),
    CMD["KA_CMD_POLICY_DEL"]: (True, False, True, "policy"),
    CMD["KA_CMD_POLICY_GET"]: (False, True, False, "empty"),
    CMD["KA_CMD_POLICY_FLUSH"]: (True, False, True, "empty"),
    CMD["KA_CMD_POLICY_REPLACE"]: (True, False, True, "policy"),
    CMD["KA_CMD_POLICY_ADD"]: (True, False, True, "policy"),
    CMD["KA_CMD_SOCKET_GET"]: (False, True, False, "empty"),
    CMD["KA_CMD_EXISTING_APPLY"]: (False, True, True, "policy"),
}
MUTATING = {CMD["KA_CMD_POLICY_" + c] for c in
            ("SET", "DEL", "FLUSH", "REPLACE", "ADD")}

# ka_policy_attr_nl_policy: (kind, min, max); the attributes left out are
# NLA_UNSPEC (pad, and the reply-only ones), which strict validation
# refuses.
RULES = {
    P["default"]: ("flag",),
    P["port_min"]: ("u16", 1, 0xffff),
    P["port_max"]: ("u16", 1, 0xffff),
    P["dir"]: ("u8", 0, 2),
    P["cgroup_path"]: ("str", 4095),
    P["cgroup_id"]: ("u64", 1, (1 << 63) - 1),
    P["off"]: ("flag",),
    P["idle"]: ("u32", 1, 32767),
    P["intvl"]: ("u32", 1, 32767),
    P["cnt"]: ("u32", 1, 127),
    P["user_timeout"]: ("u32", 0, (1 << 31) - 1),
    P["mode"]: ("u8", 0, 1),
}
SIZES = {"u8": 1, "u16": 2, "u32": 4, "u64": 8}
FMT = {"u8": "B", "u16": "H", "u32": "I", "u64": "Q"}
SETTINGS = [P["idle"], P["intvl"], P["cnt"], P["user_timeout"], P["mode"]]
# RULES by type, for parse_policy_nest(): (kind, size of an integer
# (0: not one), its minimum, its maximum or a string's longest).
RULE_OF = [None] * (P_MAX + 1)
for _t, _r in RULES.items():
    RULE_OF[_t] = (_r[0], SIZES.get(_r[0], 0), _r[1] if _r[0] in SIZES else 0,
                   _r[-1] if len(_r) > 1 else 0)


def ename(e):
    if e == errno.EOPNOTSUPP:
        return "EOPNOTSUPP"         # errorcode says ENOTSUP, the same number
    return errno.errorcode.get(e, str(e)) if e else "ok"


# ---- the kernel's view of a request ----

class Verdict:
    """What the model expects: "ok" (errno 0, then effect() changes the
    model), "ignored" (errno 0 or no answer, nothing changes) or "err"
    (an errno, exact when only that one is possible; with an extack
    message when msg: a refusal of the request's attributes, by the
    attribute policies or by the module)."""

    def __init__(self, kind, err=0, exact=False, why="", effect=None, msg=False):
        self.kind, self.err, self.exact = kind, err, exact
        self.why, self.effect, self.msg = why, effect, msg


class Bad(Exception):
    def __init__(self, err, why, exact=False):
        super().__init__(why)
        self.err, self.why, self.exact = err, why, exact


def nla_walk(data):
    """The attributes of data as nla_for_each_attr() sees them, and
    whether bytes are left over (strict validation refuses them)."""
    out, off, rem = [], 0, len(data)
    while rem >= 4:
        alen, raw = struct.unpack_from("HH", data, off)
        if alen < 4 or alen > rem:
            break
        out.append((raw, data[off + 4:off + alen]))
        step = (alen + 3) & ~3
        off += step
        rem -= step
    return out, rem > 0


# The verdicts of check_policy_nest() on the payloads it saw last. It is
# a function of the bytes alone, and most payloads are parsed twice: by
# the generator, which must know a policy's selector as it builds a
# replace (key_of()), and by the judge, from the datagram. The second
# parse is a look-up of the first one's answer.
NEST_MEMO_MAX = 20000
_nest_memo = {}


def check_policy_nest(data):
    """One KA_A_POLICY's payload, validated strictly against
    ka_policy_attr_nl_policy; returns {type: value}, the last of each
    (the caller must not change it: it is the memo's)."""
    got = _nest_memo.get(data)
    if got is None:
        try:
            got = (parse_policy_nest(data), None)
        except Bad as e:
            got = (None, (e.err, e.why, e.exact))
        if len(_nest_memo) >= NEST_MEMO_MAX:
            _nest_memo.clear()
        _nest_memo[data] = got
    if got[1]:
        raise Bad(*got[1])
    return got[0]


_unpack_hh = struct.Struct("HH").unpack_from


def parse_policy_nest(data):
    """check_policy_nest() without the memo: the attributes in order, as
    nla_for_each_attr() walks them, each checked as validate_nla() does,
    then the bytes left over."""
    tb = Nest()
    off, rem = 0, len(data)
    while rem >= 4:
        alen, raw = _unpack_hh(data, off)
        if alen < 4 or alen > rem:
            break
        val = data[off + 4:off + alen]
        step = (alen + 3) & ~3
        off += step
        rem -= step
        t = raw & NLA_TYPE_MASK
        rule = RULE_OF[t] if t <= P_MAX else None
        if rule is None:
            if t == 0 or t > P_MAX:
                raise Bad(errno.EINVAL, "unknown policy attribute %d" % t)
            raise Bad(errno.EINVAL, "unsupported policy attribute %d" % t)
        kind, size, lo, hi = rule
        if size and len(val) != size:
            raise Bad(errno.EINVAL, "attribute %d of length %d" % (t, len(val)))
        if raw & NLA_F_NESTED:
            raise Bad(errno.EINVAL, "NLA_F_NESTED on attribute %d" % t)
        if size:
            v = int.from_bytes(val, "little")
            if not lo <= v <= hi:
                raise Bad(errno.ERANGE, "attribute %d = %d out of range" % (t, v))
            tb[t] = v
        elif kind == "flag":
            if val:
                raise Bad(errno.ERANGE, "flag %d with a payload" % t)
            tb[t] = True
        else:
            head = val[:hi + 1]
            if b"\0" not in head:
                raise Bad(errno.EINVAL, "string %d without NUL" % t)
            n = len(val) - (1 if val[-1:] == b"\0" else 0)
            if n > hi:
                raise Bad(errno.ERANGE, "string %d too long" % t)
            tb[t] = val[:val.index(b"\0")]
    if rem > 0:
        raise Bad(errno.EINVAL, "bytes left over in the policy nest")
    return tb


def check_payload(payload, pol):
    """The request's attributes, validated strictly against the op's
    policy; returns the KA_A_POLICY nests' {type: value}, in order."""
    if pol == "empty":
        if payload:
            raise Bad(errno.EINVAL, "attributes to a command that takes none")
        return []
    attrs, leftover = nla_walk(payload)
    nests = []
    for raw, val in attrs:
        t = raw & NLA_TYPE_MASK
        if t == 0 or t > A_MAX:
            raise Bad(errno.EINVAL, "unknown attribute %d" % t)
        if t != A_POLICY:
            raise Bad(errno.EINVAL, "unsupported attribute %d" % t)
        if not raw & NLA_F_NESTED:
            raise Bad(errno.EINVAL, "KA_A_POLICY without NLA_F_NESTED")
        if 0 < len(val) < 4:
            raise Bad(errno.ERANGE, "KA_A_POLICY of %d bytes" % len(val))
        nests.append(check_policy_nest(val))
    if leftover:
        raise Bad(errno.EINVAL, "bytes left over")
    return nests


def normalize(path):
    """ka_cgpath_normalize() and ka_cgpath_absolute() from the root
    cgroup namespace."""
    if not path.startswith(b"/"):
        raise Bad(errno.EINVAL, "relative cgroup path")
    out = b""
    for comp in path.split(b"/"):
        if not comp:
            continue
        if comp in (b".", b"..") or b"\n" in comp:
            raise Bad(errno.EINVAL, "cgroup path with . .. or newline")
        if len(out) + 1 + len(comp) >= CGROUP_PATH_MAX + 2:
            raise Bad(errno.ENAMETOOLONG, "cgroup path too long")
        out += b"/" + comp
    out = out or b"/"
    if len(out) > CGROUP_PATH_MAX:
        raise Bad(errno.ENAMETOOLONG, "cgroup path too long")
    return out


class Nest(dict):
    """A policy nest's {type: value}; and, once policy_of() was asked,
    the policy it sets (the nest is the memo's, shared by every request
    that carries the same bytes)."""
    __slots__ = ("policy",)

    def __init__(self):
        super().__init__()
        self.policy = None


def policy_of(tb, env):
    """(selector key, action) of a nest that sets a policy: parse_action()
    then parse_selector(), once per nest."""
    got = tb.policy
    if got is None:
        try:
            act = parse_action(tb)
            got = ((parse_selector(tb, env, True), act), None)
        except Bad as e:
            got = (None, (e.err, e.why, e.exact))
        tb.policy = got
    if got[1]:
        raise Bad(*got[1])
    return got[0]


def parse_action(tb):
    if P["off"] in tb:
        if any(s in tb for s in SETTINGS):
            raise Bad(errno.EINVAL, "off with settings")
        return (True, 0, 0, 0, None, 0)
    return (False, tb.get(P["idle"], 0), tb.get(P["intvl"], 0),
            tb.get(P["cnt"], 0), tb.get(P["user_timeout"]),
            tb.get(P["mode"], 0))


def parse_selector(tb, env, setting):
    """The selector as a model key: ("default",) or (cgroup, port_min,
    port_max, dir), cgroup None, ("path", normalized) or ("id", id)."""
    port = P["port_min"] in tb or P["port_max"] in tb
    cgroup = P["cgroup_path"] in tb or P["cgroup_id"] in tb
    if P["default"] in tb:
        if port or cgroup or P["dir"] in tb:
            raise Bad(errno.EINVAL, "default with more")
        return ("default",)
    if not port and not cgroup:
        raise Bad(errno.EINVAL, "no selector")
    pmin = pmax = d = 0
    if port:
        if P["port_min"] not in tb:
            raise Bad(errno.EINVAL, "port_max without port_min")
        pmin = tb[P["port_min"]]
        pmax = tb.get(P["port_max"], pmin)
        if pmax < pmin:
            raise Bad(errno.EINVAL, "range ends below its start")
    if P["dir"] in tb:
        if not port:
            raise Bad(errno.EINVAL, "dir without port")
        d = tb[P["dir"]]
    cg = None
    if cgroup:
        if P["cgroup_path"] in tb and P["cgroup_id"] in tb:
            raise Bad(errno.EINVAL, "cgroup by path and by id")
        if P["cgroup_path"] in tb:
            cg = ("path", normalize(tb[P["cgroup_path"]]))
        else:
            cid = tb[P["cgroup_id"]]
            if setting and cid not in env.dir_ids:
                raise Bad(errno.ENOENT, "no cgroup %d" % cid)
            cg = ("id", cid)
    return (cg, pmin, pmax, d)


def parse_name(tb, env):
    """ka_nl_parse_name(): a selector and nothing else."""
    if any(t in tb for t in range(P["off"], P_MAX + 1)):
        raise Bad(errno.EINVAL, "a name with more than a selector")
    return parse_selector(tb, env, False)


def judge(dgram, model, env, privileged):
    """The verdict on one request, as the kernel would give it."""
    if len(dgram) < 16:
        return Verdict("ignored", why="shorter than nlmsghdr")
    nlen, _, flags = struct.unpack_from("IHH", dgram)
    if nlen < 16 or nlen > len(dgram):
        return Verdict("ignored", why="nlmsg_len outside the datagram")
    if not flags & NLM_F_REQUEST:
        return Verdict("ignored", why="not a request")
    if nlen < 20:
        return Verdict("err", errno.EINVAL, why="no genl header")
    cmd, _, reserved = struct.unpack_from("BBH", dgram, 16)
    payload = dgram[20:nlen]
    dump = (flags & NLM_F_DUMP) == NLM_F_DUMP
    # genl_family_rcv_msg(): the header check (6.1+, every command of a
    # family whose resv_start_op is 0), the op, the permission.
    if env.kver >= (6, 1):
        rest = flags & ~NLM_F_DUMP if dump else flags
        if reserved or rest & ~(NLM_F_REQUEST | NLM_F_ACK | NLM_F_ECHO):
            return Verdict("err", errno.EINVAL, True, "genl_header_check")
    op = OPS.get(cmd)
    if op is None:
        return Verdict("err", errno.EOPNOTSUPP, True, "no such command")
    has_do, has_dump, admin, pol = op
    has = has_dump if dump else has_do
    # 6.2's split ops look up do and dump apart, before the permission.
    if not has and env.kver >= (6, 2):
        return Verdict("err", errno.EOPNOTSUPP, True, "no such do/dump")
    if admin and not privileged:
        return Verdict("err", errno.EPERM, True, "unprivileged")
    if not has:
        return Verdict("err", errno.EOPNOTSUPP, True, "no such do/dump")
    try:
        nests = check_payload(payload, pol)
        return semantics(cmd, nests, model, env)
    except Bad as e:
        return Verdict("err", e.err, e.exact, e.why, msg=True)


def semantics(cmd, nests, model, env):
    """The module's own checks and the effect of a valid request."""
    if cmd == CMD["KA_CMD_POLICY_FLUSH"]:
        return Verdict("ok", why="flush", effect=model.flush)
    if cmd in (CMD["KA_CMD_POLICY_SET"], CMD["KA_CMD_POLICY_ADD"]):
        if not nests:
            raise Bad(errno.EINVAL, "no policy")
        key, act = policy_of(nests[-1], env)
        if cmd == CMD["KA_CMD_POLICY_ADD"] and key in model.pols:
            raise Bad(errno.EEXIST, "add of an existing selector", True)
        if key not in model.pols and len(model.pols) >= env.limit:
            raise Bad(errno.ENOSPC, "max_policies", True)
        return Verdict("ok", why="set", effect=lambda: model.set(key, act))
    if cmd == CMD["KA_CMD_POLICY_DEL"]:
        if not nests:
            raise Bad(errno.EINVAL, "no policy")
        key = parse_name(nests[-1], env)
        if key not in model.pols:
            raise Bad(errno.ENOENT, "del of a missing selector", True)
        return Verdict("ok", why="del", effect=lambda: model.delete(key))
    if cmd == CMD["KA_CMD_POLICY_REPLACE"]:
        new = {}
        for tb in nests:
            if len(new) >= env.limit:
                raise Bad(errno.ENOSPC, "replace beyond max_policies")
            key, act = policy_of(tb, env)
            if key in new:
                raise Bad(errno.EEXIST, "selector given twice")
            new[key] = act
        return Verdict("ok", why="replace", effect=lambda: model.replace(new))
    if cmd == CMD["KA_CMD_EXISTING_APPLY"] and nests:
        key = parse_name(nests[-1], env)
        if key not in model.pols:
            raise Bad(errno.ENOENT, "existing-apply of a missing selector", True)
    return Verdict("ok", why="read")


class Model:
    """The namespace's policy set: selector key -> action, in the
    kernel's list order (oldest first; a replaced policy keeps its
    place, as list_replace() does)."""

    def __init__(self):
        self.pols = {}

    def set(self, key, act):
        self.pols[key] = act

    def delete(self, key):
        del self.pols[key]

    def flush(self):
        self.pols = {}

    def replace(self, new):
        self.pols = dict(new)


# ---- the generator ----

# The generator's attribute types and value makers.
PA_DEFAULT, PA_PORT_MIN, PA_PORT_MAX, PA_DIR = P["default"], P["port_min"], P["port_max"], P["dir"]
PA_CGROUP_PATH, PA_CGROUP_ID, PA_OFF = P["cgroup_path"], P["cgroup_id"], P["off"]
PA_IDLE, PA_INTVL, PA_CNT = P["idle"], P["intvl"], P["cnt"]
PA_USER_TIMEOUT, PA_MODE = P["user_timeout"], P["mode"]
U8, U16, U32 = (struct.Struct("<" + f).pack for f in "BHI")


def U64(v):
    return struct.pack("<Q", v & ((1 << 64) - 1))


SELECTOR_KINDS = ["port", "port", "port", "port_cg", "cg"]
PORT_SPANS = [0, 1, 9, 1000, 65535]
# Values of the settings; 0: one drawn from the whole range.
IDLES = [1, 5, 60, 7200, 32767, 0]
INTVLS = [1, 10, 75, 32767, 0]
CNTS = [1, 9, 127, 0]
USER_TIMEOUTS = [0, 1, 30000, (1 << 31) - 1]
U16_VALUES = [0, 1, 2, 22, 80, 443, 8080, 65534, 65535]
U32_VALUES = [0, 1, 2, 126, 127, 128, 32767, 32768, 65535, 65536,
              (1 << 31) - 1, 1 << 31, (1 << 32) - 1]
U8_VALUES = [0, 1, 2, 3, 127, 128, 255]
U64_VALUES = [0, 1, 2, (1 << 32) + 1, (1 << 63) - 1, 1 << 63, (1 << 64) - 1]
PORTS = [1, 2, 22, 80, 443, 1000, 1001, 1002, 6379, 8000, 8080, 65535]
FLAG_SETS = [0, NLM_F_REQUEST, NLM_F_ACK, NLM_F_REQUEST | NLM_F_ECHO,
             NLM_F_REQUEST | NLM_F_ACK | NLM_F_ECHO,
             NLM_F_REQUEST | NLM_F_ACK | NLM_F_MULTI,
             NLM_F_REQUEST | NLM_F_ACK | 0x100, NLM_F_REQUEST | NLM_F_ACK | 0x200,
             NLM_F_REQUEST | NLM_F_ACK | 0x400, NLM_F_REQUEST | NLM_F_ACK | 0x800,
             NLM_F_REQUEST | NLM_F_ACK | 0x10, NLM_F_REQUEST | NLM_F_ACK | 0x20,
             NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP,
             NLM_F_REQUEST | NLM_F_DUMP | 0x400]


_nla_head = struct.Struct("HH").pack
_nla_pad = (b"", b"\0\0\0", b"\0\0", b"\0")


def nla(t, payload, flags=0):
    return _nla_head((4 + len(payload)) & 0xffff, (t | flags) & 0xffff) + \
        payload + _nla_pad[len(payload) & 3]


def body_of(items):
    """A policy's (type, payload, flags) as the KA_A_POLICY's payload."""
    return b"".join([nla(t, v, f) for t, v, f in items])


def key_of(body, env):
    """The selector key of a policy's payload, None when the kernel
    would refuse it."""
    try:
        return policy_of(check_policy_nest(body), env)[0]
    except Bad:
        return None


_packers = {k: (struct.Struct("<" + FMT[k]).pack, (1 << (8 * SIZES[k])) - 1)
            for k in FMT}


def u(kind, v):
    pack, mask = _packers[kind]
    return pack(v & mask)


class FastRandom(random.Random):
    """The generator's random numbers: random.Random's, with choice,
    randint, randrange and shuffle drawn from one random() each (the
    stdlib's draw getrandbits() in a loop until a value fits, several
    times slower, and they are most of the generator's calls). The bias
    of int(random() * n), n below 2**16, is below 2**-36."""

    def choice(self, seq):
        return seq[int(self.random() * len(seq))]

    def randint(self, a, b):
        return a + int(self.random() * (b - a + 1))

    def randrange(self, n):
        return int(self.random() * n)

    def shuffle(self, x):
        rnd = self.random
        for i in range(len(x) - 1, 0, -1):
            j = int(rnd() * (i + 1))
            x[i], x[j] = x[j], x[i]

    def weighted(self, population, cum, total):
        """choices(population, weights)[0], from the weights' running
        sums cum (their last: total)."""
        return population[bisect.bisect(cum, self.random() * total)]


def weights(pairs):
    """(population, running sums, total) of (item, weight) pairs, for
    FastRandom.weighted()."""
    cum = list(itertools.accumulate(w for _, w in pairs))
    return [x for x, _ in pairs], cum, cum[-1]


class Gen:
    """Requests, each (its command's name, the datagram, how made)."""

    COMMANDS = weights([
        ("POLICY_SET", 26), ("POLICY_ADD", 12), ("POLICY_DEL", 18),
        ("POLICY_REPLACE", 9), ("POLICY_FLUSH", 1), ("VERSION", 5), ("STATS", 4),
        ("POLICY_GET", 5), ("SOCKET_GET", 3), ("EXISTING_APPLY", 6), ("random", 3)])
    MUTATIONS = weights([
        ("attrs", 30), ("nesting", 8), ("unknown_top", 6), ("truncate", 6),
        ("flip", 8), ("junk", 4), ("flags", 6), ("dump_toggle", 6),
        ("reserved", 3), ("cmd", 4), ("garbage", 6), ("short_header", 2),
        ("nla_len", 6)])

    def __init__(self, rng, env):
        self.r = rng
        self.env = env
        names = [b"a", b"b", b"missing", b"r0", b"r1", b"r2", b"r3"]
        self.paths = [b"/", FUZZ_CGROUP] + [FUZZ_CGROUP + b"/" + n for n in names] + \
            [b"/ka_fuzz_elsewhere/x", b"/cgroup.procs"]
        self.ids = env.fuzz_ids + sorted(env.dir_ids)[:4] + env.file_ids + [(1 << 40) + 7]

    # A valid policy, as (type, payload, flags) triples.
    def selector(self, model_keys=None):
        r = self.r
        rnd = r.random
        if model_keys and rnd() < 0.5:
            return self.encode_key(r.choice(model_keys))
        if rnd() < 0.1:
            return [(PA_DEFAULT, b"", 0)]
        out = []
        kind = r.choice(SELECTOR_KINDS)
        if kind != "cg":
            pmin = r.choice(PORTS) if rnd() < 0.8 else r.randint(1, 65535)
            out.append((PA_PORT_MIN, U16(pmin), 0))
            if rnd() < 0.3:
                pmax = min(65535, pmin + r.choice(PORT_SPANS))
                out.append((PA_PORT_MAX, U16(pmax), 0))
            if rnd() < 0.4:
                out.append((PA_DIR, U8(r.randint(0, 2)), 0))
        if kind != "port":
            out.append(self.cgroup())
        r.shuffle(out)
        return out

    def cgroup(self):
        r = self.r
        if r.random() < 0.7:
            p = r.choice(self.paths)
            if r.random() < 0.3:
                p = b"//" + p.replace(b"/", b"///") + b"/"
            return (PA_CGROUP_PATH, p + b"\0", 0)
        return (PA_CGROUP_ID, U64(r.choice(self.ids)), 0)

    def encode_key(self, key):
        r = self.r
        if key == ("default",):
            return [(PA_DEFAULT, b"", 0)]
        cg, pmin, pmax, d = key
        out = []
        if pmin:
            out.append((PA_PORT_MIN, U16(pmin), 0))
            if pmax != pmin or r.random() < 0.3:
                out.append((PA_PORT_MAX, U16(pmax), 0))
            if d or r.random() < 0.3:
                out.append((PA_DIR, U8(d), 0))
        if cg and cg[0] == "path":
            p = cg[1]
            if r.random() < 0.2:
                p = p.replace(b"/", b"//") + b"/"
            out.append((PA_CGROUP_PATH, p + b"\0", 0))
        elif cg:
            out.append((PA_CGROUP_ID, U64(cg[1]), 0))
        return out

    def action(self):
        r = self.r
        rnd = r.random
        if rnd() < 0.15:
            return [(PA_OFF, b"", 0)]
        out = []
        if rnd() < 0.6:
            out.append((PA_IDLE, U32(r.choice(IDLES) or r.randint(1, 32767)), 0))
        if rnd() < 0.4:
            out.append((PA_INTVL, U32(r.choice(INTVLS) or r.randint(1, 32767)), 0))
        if rnd() < 0.4:
            out.append((PA_CNT, U32(r.choice(CNTS) or r.randint(1, 127)), 0))
        if rnd() < 0.3:
            out.append((PA_USER_TIMEOUT, U32(r.choice(USER_TIMEOUTS)), 0))
        if rnd() < 0.5:
            out.append((PA_MODE, U8(r.randint(0, 1)), 0))
        return out

    def policy(self, model_keys):
        items = self.selector(model_keys) + self.action()
        self.r.shuffle(items)
        return items

    def numbered(self, j):
        """Policy j of a large replace: port 10000 + j, with or without a
        direction and a cgroup, and an action."""
        r = self.r
        items = self.action()
        items.append((PA_PORT_MIN, U16(10000 + j), 0))
        if r.random() < 0.3:
            items.append((PA_DIR, U8(r.randint(0, 2)), 0))
        if r.random() < 0.3:
            items.append(self.cgroup())
        r.shuffle(items)
        return items

    # Mutations of one policy's attribute list, (type, payload, flags).
    def mutate_attrs(self, items):
        r = self.r
        items = list(items)
        how = r.choice(["value", "value", "type", "drop", "dup", "add",
                        "short", "long", "nested_flag", "byteorder",
                        "string", "flag_payload", "conflict"])
        i = r.randrange(len(items)) if items else None
        if how == "value" and items:
            t, v, f = items[i]
            n = len(v)
            pool = {1: U8_VALUES, 2: U16_VALUES, 4: U32_VALUES, 8: U64_VALUES}.get(n)
            if pool:
                v = struct.pack("<" + {1: "B", 2: "H", 4: "I", 8: "Q"}[n],
                                r.choice(pool) if r.random() < 0.7 else
                                r.getrandbits(8 * n))
            items[i] = (t, v, f)
        elif how == "type" and items:
            t, v, f = items[i]
            items[i] = (r.choice([0, 1, P_MAX - 2, P_MAX - 1, P_MAX, P_MAX + 1,
                                  0x3fff, r.randint(0, 40)]), v, f)
        elif how == "drop" and items:
            del items[i]
        elif how == "dup" and items:
            t, v, f = items[i]
            items.insert(r.randrange(len(items) + 1), (t, r.randbytes(len(v)) if r.random() < 0.5 else v, f))
        elif how == "add":
            t = r.randint(0, P_MAX + 3)
            items.insert(r.randrange(len(items) + 1),
                         (t, r.randbytes(r.choice([0, 1, 2, 4, 8, 12])), 0))
        elif how == "short" and items:
            t, v, f = items[i]
            items[i] = (t, v[:r.randrange(len(v) + 1)] if v else v, f)
        elif how == "long" and items:
            t, v, f = items[i]
            items[i] = (t, v + r.randbytes(r.randint(1, 9)), f)
        elif how == "nested_flag" and items:
            t, v, f = items[i]
            items[i] = (t, v, f | NLA_F_NESTED)
        elif how == "byteorder" and items:
            t, v, f = items[i]
            items[i] = (t, v, f | NLA_F_NET_BYTEORDER)
        elif how == "string":
            items.append((P["cgroup_path"], self.bad_string(), 0))
        elif how == "flag_payload":
            items.append((r.choice([P["default"], P["off"]]),
                          bytes(r.randint(1, 8)), 0))
        elif how == "conflict":
            items.append(r.choice([(P["default"], b"", 0), (P["off"], b"", 0),
                                   (P["dir"], u("u8", 1), 0),
                                   (P["cgroup_id"], u("u64", 1), 0),
                                   (P["port_max"], u("u16", 1), 0),
                                   (P["idle"], u("u32", 5), 0)]))
        return items

    def bad_string(self):
        r = self.r
        return r.choice([
            b"", b"\0", b"/", b"/ka_fuzz", b"ka_fuzz/a\0", b"/ka_fuzz/./a\0",
            b"/ka_fuzz/../a\0", b"/ka_fuzz/..\0", b"/a\nb\0", b"/a\0junk",
            b"/\0\0\0\0", b"/" + b"x" * 1022 + b"\0", b"/" + b"x" * 1023 + b"\0",
            b"//" + b"x" * 1022 + b"//\0", (b"/" + b"y" * 200) * 6 + b"\0",
            b"/" + b"z" * 4094 + b"\0", b"/" + b"z" * 4095 + b"\0",
            b"/" + b"z" * 4096, b"/\xff\xfe/\x01\0",
            b"/ka_fuzz/" + b"n" * 300 + b"\0",
            r.randbytes(r.randint(1, 40)),
        ])

    def nest(self, items, flags=NLA_F_NESTED):
        return nla(A_POLICY, body_of(items), flags)

    def message(self, model):
        """(name, datagram, class) of the next request."""
        r = self.r
        keys = list(model.pols)
        cmd = r.weighted(*self.COMMANDS)
        valid = r.random() < 0.35
        flags = NLM_F_REQUEST | NLM_F_ACK
        version, reserved = 1, 0
        payload = b""
        if cmd == "random":
            num = r.choice([0, CMD["KA_CMD_EVENT"], CMD["__KA_CMD_MAX"], 200, 255,
                            r.randint(0, 255)])
            cls = "random-cmd"
        else:
            num = CMD["KA_CMD_" + cmd]
            cls = "valid" if valid else "mutated"
        has_do, has_dump, _, pol = OPS.get(num, (True, False, False, "empty"))
        if has_dump and not has_do:
            flags |= NLM_F_DUMP
        if pol == "policy" and cmd != "random":
            if num == CMD["KA_CMD_POLICY_REPLACE"]:
                # A table of 300 policies in 3% of the replaces: each
                # costs as much as ~100 other requests to make and judge.
                n = r.choice([0, 1, 2, 3, 5, 8, 20, 60]) if r.random() < 0.97 else 300
                pols, seen = [], set()          # (items, their payload)
                for j in range(n):
                    if n >= 20 and r.random() < 0.7:
                        p = self.numbered(j)
                    else:
                        p = self.policy(keys if r.random() < 0.3 else None)
                    b = body_of(p)
                    k = key_of(b, self.env)
                    if valid and k in seen:
                        continue
                    seen.add(k)
                    pols.append((p, b))
                if not valid and pols:
                    j = r.randrange(len(pols))
                    p = self.mutate_attrs(pols[j][0])
                    pols[j] = (p, body_of(p))
                elif r.random() < 0.2 and pols:
                    pols.append(r.choice(pols))     # a selector twice
                payload = b"".join([nla(A_POLICY, b, NLA_F_NESTED) for _, b in pols])
            elif num == CMD["KA_CMD_EXISTING_APPLY"] and r.random() < 0.5:
                payload = b""
            else:
                if num in (CMD["KA_CMD_POLICY_DEL"], CMD["KA_CMD_EXISTING_APPLY"]):
                    items = self.selector(keys)
                else:
                    items = self.policy(keys)
                if not valid:
                    items = self.mutate_attrs(items)
                payload = self.nest(items)
                if not valid and r.random() < 0.15:
                    payload = self.nest(self.policy(keys)) + payload   # last wins
        if not valid and cmd != "random":
            payload, flags, version, reserved, num, cls = \
                self.mutate_message(payload, flags, version, reserved, num, pol)
        elif r.random() < 0.2:
            version = r.randint(0, 255)                  # ignored by genetlink
        body = struct.pack("BBH", num, version, reserved) + payload
        dgram = struct.pack("IHHII", 16 + len(body), self.env.family, flags, 0, 0) + body
        if cls == "short-header":
            k = r.randint(16, 19)
            dgram = struct.pack("I", k) + dgram[4:k]
        name = CMD_NAMES.get(num, "cmd_%d" % num)
        if (flags & NLM_F_DUMP) == NLM_F_DUMP:
            name += "/dump"
        return name, dgram, cls

    def mutate_message(self, payload, flags, version, reserved, num, pol):
        r = self.r
        how = r.weighted(*self.MUTATIONS)
        cls = how
        if how == "attrs" and pol == "empty":
            payload = nla(r.randint(0, A_MAX + 1),
                          r.randbytes(r.choice([0, 1, 4, 8])),
                          r.choice([0, NLA_F_NESTED]))
        elif how == "attrs":
            pass                                         # done by mutate_attrs
        elif how == "nesting":
            sub = r.choice(["no_flag", "flat", "double", "inner_nest", "top_policy_in_nest"])
            items = self.selector(None) + self.action()
            inner = b"".join(nla(t, v, f) for t, v, f in items)
            if sub == "no_flag":
                payload = nla(A_POLICY, inner, 0)
            elif sub == "flat":
                payload = inner
            elif sub == "double":
                payload = nla(A_POLICY, nla(A_POLICY, inner, NLA_F_NESTED), NLA_F_NESTED)
            elif sub == "inner_nest":
                payload = nla(A_POLICY, nla(r.choice(list(RULES)), inner, NLA_F_NESTED), NLA_F_NESTED)
            else:
                payload = nla(A_POLICY, inner + nla(A_POLICY, inner, NLA_F_NESTED), NLA_F_NESTED)
            cls = "nesting-" + sub
        elif how == "unknown_top":
            t = r.choice([0, 1, 2, 3, 4, 6, 7, 8, 9, A_MAX + 1, 0x3fff, r.randint(0, 100)])
            extra = nla(t, r.randbytes(r.choice([0, 4, 8])),
                        r.choice([0, NLA_F_NESTED]))
            payload = payload + extra if r.random() < 0.5 else extra + payload
        elif how == "truncate" and payload:
            payload = payload[:r.randrange(len(payload))]
        elif how == "flip" and payload:
            b = bytearray(payload)
            for _ in range(r.randint(1, 3)):
                b[r.randrange(len(b))] = r.getrandbits(8)
            payload = bytes(b)
        elif how == "junk":
            payload += r.randbytes(r.randint(1, 7))
        elif how == "flags":
            flags = r.choice(FLAG_SETS)
            if r.random() < 0.3:
                flags = r.getrandbits(16)
        elif how == "dump_toggle":
            flags ^= NLM_F_DUMP
        elif how == "reserved":
            reserved = r.randint(1, 0xffff)
        elif how == "cmd":
            num = r.choice([c for c in OPS if c != num])
        elif how == "garbage":
            payload = r.randbytes(r.choice([1, 2, 3, 4, 8, 16, 64, 200]))
        elif how == "short_header":
            cls = "short-header"
        elif how == "nla_len" and len(payload) >= 4:
            # The first attribute's length, off (shorter, longer, absurd).
            alen = struct.unpack_from("H", payload)[0]
            alen = r.choice([0, 1, 3, 4, 5, alen - 1, alen + 1, alen + 4, 0xffff,
                             r.randint(0, 0xffff)]) & 0xffff
            payload = struct.pack("H", alen) + payload[2:]
        return payload, flags, version, reserved, num, cls


# ---- talking to the kernel ----

def nl_socket():
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 16)
    sock.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
    sock.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    sock.bind((0, 0))
    return sock


def parse_error(msg, length, flags, off=16 + 4 + 16):
    """The errno and extack message of an NLMSG_ERROR (TLVs after the
    capped request header) or an NLMSG_DONE (off 20: right after it)."""
    err = struct.unpack_from("i", msg, 16)[0]
    text = ""
    if flags & NLM_F_ACK_TLVS:
        while off + 4 <= length:
            alen, kind = struct.unpack_from("HH", msg, off)
            if alen < 4:
                break
            if kind == NLMSGERR_ATTR_MSG:
                text = msg[off + 4:off + alen].rstrip(b"\0").decode(errors="replace")
            off += (alen + 3) & ~3
    return -err, text


# A dump's parts are at most 32 KiB (the kernel's cap), an answer with
# NETLINK_CAP_ACK smaller: what one recv() takes, below the size from
# which malloc() maps and unmaps memory at every call.
RECV_SIZE = 1 << 16
_put_seq = struct.Struct("I").pack
_unpack_nlh = struct.Struct("IHHI").unpack_from


def exchange(sock, dgram, seq, timeout):
    """Sends one request; returns (answered, errno, extack, replies,
    dump_intr). A do request without NLM_F_ACK (or no request at all) is
    processed within send(): whatever it made is queued by then, and no
    answer means success. So is a do request's answer, and a dump's
    first part, and each later part is made by the recv() that takes the
    one before: recv() waits (select()) only when nothing is queued."""
    n = len(dgram)
    if n >= 12:
        dgram = dgram[:8] + _put_seq(seq) + dgram[12:]
    flags = dgram[6] | dgram[7] << 8 if n >= 8 else 0
    dump = (flags & NLM_F_DUMP) == NLM_F_DUMP and flags & NLM_F_REQUEST
    may_be_silent = not dump and not (flags & NLM_F_REQUEST and flags & NLM_F_ACK)
    sock.send(dgram)
    replies, intr = [], False
    deadline = None
    while True:
        try:
            data = sock.recv(RECV_SIZE, socket.MSG_DONTWAIT)
        except BlockingIOError:
            if may_be_silent:
                return False, 0, "", replies, intr
            if deadline is None:
                deadline = time.monotonic() + timeout
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([sock], [], [], left)[0]:
                return None, 0, "", replies, intr
            continue
        off, end = 0, len(data)
        while off + 16 <= end:
            length, typ, mflags, mseq = _unpack_nlh(data, off)
            if length < 16:
                break
            start, off = off, off + ((length + 3) & ~3)
            if mseq != seq:
                continue
            if mflags & NLM_F_DUMP_INTR:
                intr = True
            if typ == NLMSG_ERROR or typ == NLMSG_DONE:
                msg = data[start:start + length]
                if typ == NLMSG_ERROR:
                    err, text = parse_error(msg, length, mflags)
                else:
                    err, text = parse_error(msg, length, mflags, 20) \
                        if length >= 20 else (0, "")
                return True, err, text, replies, intr
            replies.append(data[start:start + length])


def dump_policies(sock, family, seq, timeout):
    """The namespace's policies, as (key, action, cgroup state), in order."""
    body = struct.pack("BBH", CMD["KA_CMD_POLICY_GET"], 1, 0)
    dgram = struct.pack("IHHII", 20, family, NLM_F_REQUEST | NLM_F_DUMP, 0, 0) + body
    answered, err, text, replies, intr = exchange(sock, dgram, seq, timeout)
    if not answered or err or intr:
        raise RuntimeError("policy dump: answered %s, %s %s, intr %s" %
                           (answered, ename(err), text, intr))
    out = []
    for msg in replies:
        top = attrs_of(msg, 20, len(msg))
        if A_POLICY not in top:
            continue
        nest = top[A_POLICY]
        tb = attrs_of(nest, 0, len(nest))

        def num(t, fmt, default):
            return struct.unpack("<" + fmt, tb[t])[0] if t in tb else default
        if P["default"] in tb:
            key = ("default",)
        else:
            if P["cgroup_path"] in tb:
                cg = ("path", tb[P["cgroup_path"]].rstrip(b"\0"))
            elif P["cgroup_id"] in tb:
                cg = ("id", num(P["cgroup_id"], "Q", 0))
            elif P["cgroup_hidden"] in tb:
                cg = ("hidden",)
            else:
                cg = None
            key = (cg, num(P["port_min"], "H", 0), num(P["port_max"], "H", 0),
                   num(P["dir"], "B", 0))
        act = (P["off"] in tb, num(P["idle"], "I", 0), num(P["intvl"], "I", 0),
               num(P["cnt"], "I", 0), num(P["user_timeout"], "I", None),
               num(P["mode"], "B", None))
        out.append((key, act, num(P["cgroup_state"], "B", None)))
    return out


def expected_state(key, env, live, dirs):
    """KA_POLICY_A_CGROUP_STATE the kernel should show, None: no cgroup,
    "?": not known here (no cgroup2 mount to look at). live: the ids of
    the cgroups there are; dirs: whether a path is one, filled here (a
    sync looks at each path once)."""
    if key == ("default",) or key[0] is None:
        return None
    cg = key[0]
    if not env.cgroup_mounted:
        return "?"
    if cg[0] == "path":
        there = dirs.get(cg[1])
        if there is None:
            there = dirs[cg[1]] = os.path.isdir(CGROUP_ROOT + cg[1])
        return 0 if there else 1
    return 0 if cg[1] in live else 2


# ---- unprivileged senders ----

class Child:
    """A process that sends what it is given from its own socket, as
    nobody or as root of a new user namespace."""

    # The parent's ends of every sender's pipes: a sender forked later
    # must not hold them, or an earlier one never sees the end of its input.
    parent_fds = []

    def __init__(self, kind, family, timeout):
        self.kind, self.ok = kind, True
        r1, w1 = os.pipe()
        r2, w2 = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:
            os.close(w1)
            os.close(r2)
            for fd in Child.parent_fds:
                os.close(fd)
            code = 0
            try:
                self.serve(r1, w2, family, timeout)
            except BaseException as e:          # noqa: B902
                os.write(w2, (json.dumps({"fatal": repr(e)}) + "\n").encode())
                code = 1
            os._exit(code)
        os.close(r1)
        os.close(w2)
        Child.parent_fds += [w1, r2]
        self.tx = os.fdopen(w1, "wb")
        self.rx = os.fdopen(r2, "rb")
        hello = json.loads(self.rx.readline() or b'{"fatal": "died"}')
        if "fatal" in hello:
            self.ok, self.why = False, hello["fatal"]

    def serve(self, rfd, wfd, family, timeout):
        if self.kind == "nobody":
            os.setgroups([])
            os.setresgid(65534, 65534, 65534)
            os.setresuid(65534, 65534, 65534)
        else:
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.unshare(CLONE_NEWUSER) != 0:
                raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWUSER)")
            for f, line in (("setgroups", "deny"), ("uid_map", "0 0 1"), ("gid_map", "0 0 1")):
                try:
                    with open("/proc/self/" + f, "w") as fh:
                        fh.write(line)
                except OSError:
                    pass                        # root of the namespace anyway
        sock = nl_socket()
        rx, tx = os.fdopen(rfd, "rb"), os.fdopen(wfd, "wb")
        tx.write(b'{"ready": true}\n')
        tx.flush()
        while True:
            head = rx.read(8)
            if len(head) < 8:
                return
            n, seq = struct.unpack("II", head)
            dgram = rx.read(n)
            answered, err, text, replies, _ = exchange(sock, dgram, seq, timeout)
            tx.write((json.dumps([answered, err, text, len(replies)]) + "\n").encode())
            tx.flush()

    def exchange(self, dgram, seq):
        self.tx.write(struct.pack("II", len(dgram), seq) + dgram)
        self.tx.flush()
        line = self.rx.readline()
        if not line:
            raise RuntimeError("the %s sender died" % self.kind)
        got = json.loads(line)
        if isinstance(got, dict):
            raise RuntimeError("the %s sender: %s" % (self.kind, got.get("fatal")))
        answered, err, text, n = got
        return answered, err, text, [None] * n, False

    def close(self):
        try:
            self.tx.close()
        except OSError:
            pass
        deadline = time.monotonic() + 10
        while not os.waitpid(self.pid, os.WNOHANG)[0]:
            if time.monotonic() > deadline:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
                break
            time.sleep(0.05)


# ---- the run ----

class Env:
    pass


def kernel_version():
    rel = os.uname().release.split("-")[0].split(".")
    return tuple(int(x) for x in rel[:2] if x.isdigit())


def meminfo():
    out = {}
    with open("/proc/meminfo") as f:
        for line in f:
            k, v = line.split(":", 1)
            if k in ("MemAvailable", "Slab", "SUnreclaim"):
                out[k + "_kB"] = int(v.split()[0])
    return out


_taint_fd = []


def tainted():
    """/proc/sys/kernel/tainted, read again from the file kept open."""
    try:
        if not _taint_fd:
            _taint_fd.append(os.open("/proc/sys/kernel/tainted", os.O_RDONLY))
        return int(os.pread(_taint_fd[0], 64, 0))
    except OSError:
        return 0


def cgroup2_mounted():
    try:
        with open("/proc/self/mountinfo") as f:
            return any(line.split()[4] == CGROUP_ROOT.decode() and " - cgroup2 " in line
                       for line in f)
    except OSError:
        return False


def cgroup_ids():
    """The ids of every cgroup: their directories' inode numbers."""
    return {os.stat(top).st_ino for top, _, _ in os.walk(CGROUP_ROOT)}


def setup_cgroups(env):
    """The run's own cgroups, and the ids of the cgroups there are."""
    env.made = []
    env.dir_ids, env.file_ids, env.fuzz_ids = set(), [], []
    env.cgroup_mounted = cgroup2_mounted()
    if not env.cgroup_mounted:
        return
    for sub in (b"", b"/a", b"/b"):
        path = CGROUP_ROOT + FUZZ_CGROUP + sub
        try:
            os.mkdir(path)
            env.made.append(path)
        except FileExistsError:
            pass
    env.dir_ids = cgroup_ids()
    env.file_ids = [os.stat(CGROUP_ROOT + b"/cgroup.procs").st_ino]
    env.fuzz_ids = [os.stat(CGROUP_ROOT + FUZZ_CGROUP + sub).st_ino
                    for sub in (b"", b"/a", b"/b")]
    env.live_ids = cgroup_ids


def cleanup_cgroups(env):
    for path in reversed(env.made):
        try:
            os.rmdir(path)
        except OSError as e:
            print("# fuzz: cannot remove %s: %s" % (path.decode(), e), flush=True)


def enter_netns(name):
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open("/run/netns/" + name, os.O_RDONLY)
    if libc.setns(fd, CLONE_NEWNET) != 0:
        raise OSError(ctypes.get_errno(), "setns " + name)
    os.close(fd)


def show(dgram, limit=160):
    h = dgram.hex()
    return h if len(h) <= limit else h[:limit] + "...(%d bytes)" % len(dgram)


# Worker i of a run with seed S runs seed S + i * 2**32: worker 0 is the
# run of seed S alone, and the others' seeds are beyond those a run draws
# (below 2**32), yet exact in JSON read as doubles (jq).
SEED_STEP = 1 << 32


def fuzz_run(args, env, seed, count, netns, trace):
    """count requests from seed in netns (None: this one); the summary
    of this worker's run, as a dict."""
    if netns:
        enter_netns(netns)
    if args.dry_run:
        sock = None
    else:
        sock = nl_socket()
        env.family = family_id(sock)
    rng = FastRandom(seed)
    gen = Gen(rng, env)
    model = Model()
    failures = []
    counts, by_cmd, no_extack = {}, {}, {}
    stats = {"messages": 0, "accepted": 0, "silent": 0, "mismatches": 0,
             "verdict_failures": 0, "no_answer": 0, "unpriv": {}, "syncs": 0}
    # Where the time goes: making and judging the requests ("model"),
    # the kernel's answers ("kernel"), the dumps and their comparison
    # with the model ("sync").
    spent = {"model": 0.0, "kernel": 0.0, "sync": 0.0}
    clock = time.monotonic
    seq = [100]
    taint0 = tainted()
    children = {}
    t0 = clock()
    last_progress = [t0]

    def fail(text):
        failures.append(text)
        if len(failures) <= 30:
            print("FAIL (seed %d): %s" % (seed, text), flush=True)

    def next_seq():
        seq[0] += 1
        return seq[0]

    def sync(where):
        """The kernel's set against the model; resynchronized on a
        difference."""
        if args.dry_run:
            return
        t = clock()
        got = dump_policies(sock, env.family, next_seq(), args.timeout)
        # Which cgroups exist now: only for a policy that names one by id.
        live = env.live_ids() if env.cgroup_mounted and any(
            k[0] and k[0][0] == "id" for k in model.pols if len(k) == 4) else set()
        dirs = {}
        want = [(k, a, expected_state(k, env, live, dirs)) for k, a in model.pols.items()]
        diff = []
        if len(got) != len(want):
            diff.append("%d policies in the kernel, %d in the model" % (len(got), len(want)))
        for i, (g, w) in enumerate(zip(got, want)):
            gk, ga, gs = g
            wk, wa, ws = w
            if gk != wk or ga != wa or (ws != "?" and gs != ws):
                diff.append("#%d kernel %r, model %r" % (i, g, w))
                break
        stats["syncs"] += 1
        if diff:
            stats["mismatches"] += 1
            fail("policy set differs from the model %s: %s" % (where, "; ".join(diff)))
            model.pols = {k: a for k, a, _ in got}
        spent["sync"] += clock() - t

    def run_one(i):
        t = clock()
        name, dgram, cls = gen.message(model)
        who = "root"
        if args.unpriv and rng.random() < args.unpriv:
            who = rng.choice(["nobody", "userns"])
            if who not in children:
                children[who] = Child(who, env.family, args.timeout)
                if not children[who].ok:
                    print("# fuzz: no %s sender: %s" % (who, children[who].why), flush=True)
            if not children[who].ok:
                who = "root"
        verdict = judge(dgram, model, env, who == "root")
        s = next_seq()
        t1 = clock()
        spent["model"] += t1 - t
        if args.dry_run:
            refused = verdict.kind == "err"
            answered, err, replies = True, verdict.err if refused else 0, []
            text = verdict.why if refused and verdict.msg else ""
        elif who == "root":
            answered, err, text, replies, _ = exchange(sock, dgram, s, args.timeout)
        else:
            answered, err, text, replies, _ = children[who].exchange(dgram, s)
            stats["unpriv"][who] = stats["unpriv"].get(who, 0) + 1
        t = clock()
        spent["kernel"] += t - t1
        stats["messages"] += 1
        if answered is None:
            stats["no_answer"] += 1
            fail("message %d (%s, %s, as %s): no answer in %g s: %s"
                 % (i, name, cls, who, args.timeout, show(dgram)))
            return
        if answered is False:
            stats["silent"] += 1
        key = ename(err)
        counts[key] = counts.get(key, 0) + 1
        per = by_cmd.setdefault(name, {})
        per[key] = per.get(key, 0) + 1
        if err and not text and err != errno.EOPNOTSUPP and err != errno.EPERM:
            k = "%s/%s" % (name, key)
            no_extack[k] = no_extack.get(k, 0) + 1
        if not err:
            stats["accepted"] += 1
        if trace[0] <= i <= trace[1]:
            print("# %d %s %s as %s: %s %s | model: %s %s %s | %s"
                  % (i, name, cls, who, key, text, verdict.kind, ename(verdict.err),
                     verdict.why, show(dgram, 400)), flush=True)
        num = dgram[16] if len(dgram) > 16 else -1
        if who != "root" and num in MUTATING and not err and verdict.kind != "ignored":
            fail("message %d (%s) as %s: accepted, unprivileged: %s"
                 % (i, name, who, show(dgram)))
        problem = None
        if verdict.kind == "ok":
            if err == 0:
                verdict.effect and verdict.effect()
            elif err != errno.ENOMEM:
                problem = "refused what the model accepts (%s)" % verdict.why
        elif verdict.kind == "err":
            if err == 0:
                problem = "accepted what the model refuses (%s %s)" % (ename(verdict.err), verdict.why)
            elif verdict.exact and err != verdict.err and err != errno.ENOMEM:
                problem = "errno, model expected %s (%s)" % (ename(verdict.err), verdict.why)
            elif verdict.msg and not text and err != errno.ENOMEM:
                problem = "no extack message (%s)" % verdict.why
        elif err:
            problem = "an error for what the kernel should ignore (%s)" % verdict.why
        if problem:
            stats["verdict_failures"] += 1
            fail("message %d (%s, %s, as %s): kernel %s %r: %s: %s"
                 % (i, name, cls, who, key, text, problem, show(dgram)))
        spent["model"] += clock() - t

    try:
        s = next_seq()
        flush = struct.pack("IHHII", 20, env.family, NLM_F_REQUEST | NLM_F_ACK, 0, 0) + \
            struct.pack("BBH", CMD["KA_CMD_POLICY_FLUSH"], 1, 0)
        answered, err, text, _, _ = exchange(sock, flush, s, args.timeout) \
            if sock else (True, 0, "", [], False)
        if not answered or err:
            fail("first flush: %s %s" % (ename(err), text))
        i = 0
        while i < count:
            first = i
            for _ in range(min(args.batch, count - i)):
                run_one(i)
                i += 1
            sync("after messages %d-%d" % (first, i - 1))
            if args.progress and clock() - last_progress[0] >= 30:
                last_progress[0] = clock()
                with open(args.progress, "a") as f:
                    f.write("KA_VM_PHASE: fuzz.py seed %d: %d of %d messages, %d failures\n"
                            % (seed, i, count, len(failures)))
            if tainted() != taint0:
                fail("the kernel was tainted (%d, was %d) by messages %d-%d"
                     % (tainted(), taint0, first, i - 1))
                break
        answered, err, text, _, _ = exchange(sock, flush, next_seq(), args.timeout) \
            if sock else (True, 0, "", [], False)
        if not answered or err:
            fail("last flush: %s %s" % (ename(err), text))
        model.flush()
        sync("after the last flush")
    except (OSError, RuntimeError) as e:
        fail("stopped by %r" % e)
    finally:
        for c in children.values():
            c.close()
    return {
        "seed": seed, "netns": netns, "messages": stats["messages"],
        "accepted": stats["accepted"],
        "rejected": {k: v for k, v in sorted(counts.items()) if k != "ok"},
        "silent_ok": stats["silent"], "mismatches": stats["mismatches"],
        "verdict_failures": stats["verdict_failures"], "no_answer": stats["no_answer"],
        "failures": len(failures), "unprivileged": stats["unpriv"],
        "syncs": stats["syncs"], "seconds": round(clock() - t0, 1),
        "seconds_in": {k: round(v, 1) for k, v in spent.items()},
        "by_command": by_cmd, "errors_without_extack": no_extack,
    }


def add_up(into, d):
    """Adds the numbers of d into into, nested dicts too."""
    for k, v in d.items():
        if isinstance(v, dict):
            add_up(into.setdefault(k, {}), v)
        else:
            into[k] = into.get(k, 0) + v
    return into


def run_workers(args, env, jobs, trace):
    """Each job in a process of its own; their summaries, in order."""
    procs = []
    for seed, count, netns in jobs:
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            code = 1
            try:
                summary = fuzz_run(args, env, seed, count, netns, trace)
                code = 1 if summary["failures"] else 0
            except BaseException as e:              # noqa: B902
                summary = {"seed": seed, "netns": netns, "fatal": repr(e)}
            finally:
                os.write(w, json.dumps(summary).encode())
                os._exit(code)
        os.close(w)
        procs.append((pid, r))
    out = []
    for pid, r in procs:
        with os.fdopen(r, "rb") as f:
            data = f.read()
        os.waitpid(pid, 0)
        out.append(json.loads(data) if data else {"fatal": "worker %d died" % pid})
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int)
    ap.add_argument("--count", type=int, default=20000)
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--unpriv", type=float, default=0.05)
    ap.add_argument("--netns", help="NAME, or NAME,NAME...: one worker in each")
    ap.add_argument("--trace")
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--progress", metavar="FILE",
                    help="append a KA_VM_PHASE line there every 30 s (the VM's result port)")
    ap.add_argument("--dry-run", action="store_true",
                    help="no kernel: the model answers (tests the generator)")
    args = ap.parse_args()
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 32)
    names = args.netns.split(",") if args.netns else [None]
    opts = "--batch %d --unpriv %g" % (args.batch, args.unpriv)
    print("# fuzz: seed %d (replay: tests/stress/fuzz.py%s --seed %d --count %d %s)"
          % (seed, " --netns " + args.netns if args.netns else "", seed, args.count, opts),
          flush=True)
    jobs = []
    for i, netns in enumerate(names):
        n = args.count // len(names) + (i < args.count % len(names))
        jobs.append((seed + i * SEED_STEP, n, netns))
        if len(names) > 1:
            print("# fuzz: worker %d: seed %d, %d messages in %s (alone: tests/stress/fuzz.py"
                  " --netns %s --seed %d --count %d %s)"
                  % (i, jobs[-1][0], n, netns, netns, jobs[-1][0], n, opts), flush=True)
    trace = (0, -1)
    if args.trace:
        a, _, b = args.trace.partition(":")
        trace = (int(a), int(b or a))

    env = Env()
    env.kver = kernel_version()
    try:
        with open("/sys/module/ka_policy/parameters/max_policies") as f:
            env.limit = int(f.read())
    except OSError:
        env.limit = 65536
    if args.dry_run:
        env.made, env.dir_ids, env.file_ids, env.fuzz_ids = [], {1}, [], []
        env.cgroup_mounted, env.family = False, 0x20
        args.unpriv = 0
    else:
        setup_cgroups(env)
    t0 = time.monotonic()
    mem_before = meminfo()
    try:
        if len(jobs) == 1:
            results = [fuzz_run(args, env, *jobs[0], trace)]
        else:
            results = run_workers(args, env, jobs, trace)
    finally:
        cleanup_cgroups(env)
    mem_after = meminfo()
    summary = {"seed": seed, "workers": [], "fatal": []}
    for r in results:
        if "fatal" in r:
            summary["fatal"].append(r)
            print("FAIL (seed %s): worker stopped: %s" % (r.get("seed"), r["fatal"]), flush=True)
            continue
        summary["workers"].append({k: r[k] for k in ("seed", "netns", "messages", "failures",
                                                     "seconds", "seconds_in")})
        add_up(summary, {k: v for k, v in r.items() if k not in ("seed", "netns", "seconds")})
    summary.update({
        "failures": summary.get("failures", 0) + len(summary["fatal"]),
        "seconds": round(time.monotonic() - t0, 1), "kernel": os.uname().release,
        "mem_before": mem_before, "mem_after_flush": mem_after,
    })
    for k in ("messages", "accepted", "silent_ok", "mismatches", "verdict_failures",
              "no_answer", "syncs"):
        summary.setdefault(k, 0)
    print(json.dumps(summary, sort_keys=True), flush=True)
    return 1 if summary["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
