#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Policy churn under connection load (issue 16, figure 2): the churner
and the judge of tests/stress/churn.sh.

  churn.py drive LOG [--seed S] [--rate R] [--batch B] [--stop FILE]
                [--kactl PATH]
      Changes the namespace's policy set at R changes a second (default
      1,000; as fast as it can when it cannot keep up), B requests to a
      datagram (default 8: netlink runs them in order and ACKs each, and
      the interpreter's cost per change, which under emulation is most of
      it, is shared), until FILE exists,
      from a generator seeded with S (random and printed by default):
      policy set (60%), del (20%), replace with a random list (20%), and
      every 2,000 changes from the 50th on a kactl load --replace of a
      file (what an operator runs; a process each time, which under
      emulation takes as long as hundreds of requests), over a pool of
      selectors of every kind: the
      default, ports with and without a direction, ranges, cgroups, and
      port ranges with a cgroup. Each change's request time and the time
      its ACK came (CLOCK_MONOTONIC) go to LOG, one JSON line each, with
      the change, and a last line sums up the run. Any refusal fails it.

  churn.py check LOG CONNS...
      Judges the connections that churnconn (tests/stress/churnconn.c)
      made while the churner ran: CONNS are "CGROUP:FILE" pairs, the
      cgroup the maker ran in and its output. Every end of every
      connection must hold exactly the settings that one of the policy
      sets that existed while it was made prescribes, by the precedence
      of Documentation/ka_policy.rst.

Why the check is exact. The policy of version v (the v-th change that
set it) writes idle, intvl, cnt and user_timeout all derived from v, and
no two changes share v: the four values an end holds name the one
policy version that wrote them, and a mix of two versions, or of a
policy's fields with the kernel's defaults, matches no set. A set k
existed at some moment of a connection's window [t0, t1] (churnconn
notes both) when it was requested before t1 (s_k <= t1) and the next
change was not yet acknowledged at t0 (a_(k+1) >= t0): the module
publishes a change before it answers, and a lookup that began before the
change began may still see the old set. A batch's changes all count as
requested when the batch was sent. The windows are short (a connection
takes about a millisecond, a batch a few): each end has a handful of
sets to choose from, and the summary says how many on average.

Prints one line of JSON: connections, ends checked, wrong (an end whose
settings no set of its window prescribes), mixes (of those, the ones
whose idle names a policy version of the window: fields of two versions,
or one version's and the defaults), changes by kind, the rate reached,
the mean number of candidate sets per end. Exit status 1 when any end
is wrong.
"""
import argparse
import bisect
import json
import os
import random
import signal
import socket
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../lib"))
from ka_genl import (NLM_F_ACK, NLM_F_REQUEST, NLMSG_ERROR, attr,  # noqa: E402
                     enum, family_id)

CMD = enum("ka_cmd")
TOP = enum("ka_attr")
POL = enum("ka_policy_attr")
NLA_F_NESTED = 1 << 15
DIR_BOTH, DIR_IN, DIR_OUT = 0, 1, 2
DIR_NAMES = {DIR_BOTH: None, DIR_IN: "in", DIR_OUT: "out"}

# The selectors the churner sets and deletes: (name, port min, port max,
# direction, cgroup path); a port of 0 is none. Together they make every
# rule of the precedence decide for some connection of churn.sh (ports
# 7001, 7002, 7003, 7050, 7150, 7500 and 9000, from the cgroups
# /ka_churn/a, /ka_churn/b, /ka_churn/c and /ka_churn_x).
POOL = [
    ("default", 0, 0, DIR_BOTH, None),
    ("7001", 7001, 7001, DIR_BOTH, None),
    ("7001-in", 7001, 7001, DIR_IN, None),
    ("7002-out", 7002, 7002, DIR_OUT, None),
    ("7000-7099", 7000, 7099, DIR_BOTH, None),
    ("7000-7999", 7000, 7999, DIR_BOTH, None),
    ("7100-7199-out", 7100, 7199, DIR_OUT, None),
    ("cg-a", 0, 0, DIR_BOTH, "/ka_churn/a"),
    ("cg-top", 0, 0, DIR_BOTH, "/ka_churn"),
    ("7003-in-cg-b", 7003, 7003, DIR_IN, "/ka_churn/b"),
    ("7000-7999-cg-top", 7000, 7999, DIR_BOTH, "/ka_churn"),
]
BY_NAME = {p[0]: p for p in POOL}


def values(v):
    """What policy version v writes: idle, intvl, cnt, user_timeout, all
    of them functions of v that differ between neighbouring versions."""
    return (1 + v % 32767, 1 + (13 * v + 5) % 32767, 1 + v % 127,
            1000 + v % 1000000)


def selector_attrs(sel):
    _, lo, hi, d, cg = sel
    out = b""
    if sel[0] == "default":
        out += attr(POL["KA_POLICY_A_DEFAULT"], b"")
    if lo:
        out += attr(POL["KA_POLICY_A_PORT_MIN"], lo.to_bytes(2, "little"))
        out += attr(POL["KA_POLICY_A_PORT_MAX"], hi.to_bytes(2, "little"))
        out += attr(POL["KA_POLICY_A_DIR"], bytes([d]))
    if cg:
        out += attr(POL["KA_POLICY_A_CGROUP_PATH"], cg.encode() + b"\0")
    return out


def action_attrs(v):
    """v None: the exemption (--off); else keepalive with version v."""
    if v is None:
        return attr(POL["KA_POLICY_A_OFF"], b"")
    names = ("IDLE", "INTVL", "CNT", "USER_TIMEOUT")
    return b"".join(attr(POL["KA_POLICY_A_" + n], x.to_bytes(4, "little"))
                    for n, x in zip(names, values(v)))


def policy_nest(name, v):
    return attr(TOP["KA_A_POLICY"] | NLA_F_NESTED,
                selector_attrs(BY_NAME[name]) + action_attrs(v))


def conf_line(name, v):
    """The same policy as a line of kactl's policy file."""
    _, lo, hi, d, cg = BY_NAME[name]
    words = []
    if name == "default":
        words.append("--default")
    if lo:
        words += ["--port", str(lo) if lo == hi else "%d-%d" % (lo, hi)]
        if DIR_NAMES[d]:
            words += ["--dir", DIR_NAMES[d]]
    if cg:
        words += ["--cgroup", cg]
    if v is None:
        words.append("--off")
    else:
        idle, intvl, cnt, ut = values(v)
        words += ["--idle", str(idle), "--intvl", str(intvl), "--cnt",
                  str(cnt), "--user-timeout", str(ut)]
    return " ".join(words)


def send_batch(sock, fam, batch, seq):
    """Sends the batch's requests in one datagram (netlink runs them in
    order, one ACK each); returns when each ACK came (monotonic ns) and
    the first refusal, as (errno, extack message), or None."""
    msgs = b""
    for i, (cmd, body) in enumerate(batch):
        payload = struct.pack("BBH", cmd, 1, 0) + body
        msgs += struct.pack("IHHII", 16 + len(payload), fam,
                            NLM_F_REQUEST | NLM_F_ACK, seq + i, 0) + payload
    sock.send(msgs)
    acks, refused = {}, None
    while len(acks) < len(batch):
        data = sock.recv(65536)
        t = time.monotonic_ns()
        off = 0
        while off + 16 <= len(data):
            length, typ, _, mseq, _ = struct.unpack_from("IHHII", data, off)
            if typ == NLMSG_ERROR and seq <= mseq < seq + len(batch):
                acks[mseq] = t
                err = struct.unpack_from("i", data, off + 16)[0]
                if err and refused is None:
                    refused = (err, data[off:off + length])
            off += (length + 3) & ~3
    return [acks[seq + i] for i in range(len(batch))], refused


def drive(args):
    seed = args.seed if args.seed is not None else random.randrange(1 << 32)
    print("churn: seed %d" % seed, flush=True)
    rng = random.Random(seed)
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 16)
    fam = family_id(sock)
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(1))
    conf = os.path.join(os.path.dirname(os.path.abspath(args.log)), "churn.conf")
    present = {}		# name: version (None: off), the model of the set
    log, counts, version, seq = [], {}, 0, 100
    start = time.monotonic()

    def new_action():
        nonlocal version
        if rng.random() < 0.1:
            return None
        version += 1
        return version

    def next_change(batch):
        """The next change, as (kind, change, request), the model updated."""
        nonlocal present
        r = rng.random()
        load = (len(log) + len(batch)) % 2000 == 50
        if r < 0.2 and present and not load:
            name = rng.choice(sorted(present))
            del present[name]
            return "del", {"del": name}, (CMD["KA_CMD_POLICY_DEL"], attr(
                TOP["KA_A_POLICY"] | NLA_F_NESTED, selector_attrs(BY_NAME[name])))
        if r < 0.4 or load:
            names = rng.sample([p[0] for p in POOL], rng.randint(1, len(POOL)))
            change = {"replace": {n: new_action() for n in names}}
            present = dict(change["replace"])
            return "load" if load else "replace", change, (
                CMD["KA_CMD_POLICY_REPLACE"],
                b"".join(policy_nest(n, v) for n, v in change["replace"].items()))
        name = rng.choice([p[0] for p in POOL])
        change = {"set": name, "v": new_action()}
        present[name] = change["v"]
        return "set", change, (CMD["KA_CMD_POLICY_SET"], policy_nest(name, change["v"]))

    # The set starts empty; the flush is change 0, before any connection.
    _, refused = send_batch(sock, fam, [(CMD["KA_CMD_POLICY_FLUSH"], b"")], seq)
    if refused:
        sys.exit("churn: flush refused: %d" % refused[0])
    pending = None
    while not stopping and not os.path.exists(args.stop):
        due = start + (len(log) + 1) / args.rate
        now = time.monotonic()
        if now < due:
            time.sleep(due - now)
        # Up to --batch changes in one datagram; a kactl load runs alone.
        batch = [pending] if pending else []
        pending = None
        while len(batch) < args.batch and not (batch and batch[0][0] == "load"):
            change = next_change(batch)
            if change[0] == "load" and batch:
                pending = change
                break
            batch.append(change)
        seq += len(batch) + 1
        s = time.monotonic_ns()
        if batch[0][0] == "load":
            with open(conf, "w") as f:
                f.write("".join(conf_line(n, v) + "\n"
                                for n, v in batch[0][1]["replace"].items()))
            run = subprocess.run([args.kactl, "load", "--replace", conf],
                                 capture_output=True, text=True)
            acks = [time.monotonic_ns()]
            refused = (run.returncode, run.stderr.strip()) if run.returncode else None
        else:
            acks, refused = send_batch(sock, fam, [b[2] for b in batch], seq)
        if refused:
            sys.exit("churn: a change of %s refused: %r"
                     % (json.dumps([b[1] for b in batch]), refused))
        for (kind, change, _), a in zip(batch, acks):
            counts[kind] = counts.get(kind, 0) + 1
            log.append({"k": len(log) + 1, "s": s, "a": a, **change})
    seconds = time.monotonic() - start
    summary = {"seed": seed, "changes": len(log), "by_kind": counts,
               "seconds": round(seconds, 1), "rate": round(len(log) / seconds, 1),
               "batch": args.batch}
    with open(args.log, "w") as f:
        for entry in log:
            f.write(json.dumps(entry) + "\n")
        f.write(json.dumps({"summary": True, **summary}) + "\n")
    print(json.dumps(summary), flush=True)


def port_match(cands, d, port):
    """The policy of cands ((sel, v) pairs) that the port rule picks."""
    singles = [c for c in cands if c[0][1] == c[0][2] == port]
    for want in (d, DIR_BOTH):
        for c in singles:
            if c[0][3] == want:
                return c
    ranges = [c for c in cands if c[0][1] < c[0][2] and c[0][1] <= port <= c[0][2]
              and c[0][3] in (d, DIR_BOTH)]
    if not ranges:
        return None
    return min(ranges, key=lambda c: (c[0][2] - c[0][1], c[0][3] == DIR_BOTH, c[0][1]))


def lookup(state, d, port, cgroup):
    """The policy that decides for a connection (the rules of
    Documentation/ka_policy.rst, Precedence), as a (sel, v) pair, or None."""
    pols = [(BY_NAME[n], v) for n, v in state.items()]
    chain, cg = [], cgroup
    while cg and cg != "/":
        chain.append(cg)
        cg = cg.rsplit("/", 1)[0] or "/"
    chain.append("/")
    for cg in chain:
        hit = port_match([p for p in pols if p[0][1] and p[0][4] == cg], d, port)
        if hit:
            return hit
    hit = port_match([p for p in pols if p[0][1] and not p[0][4]], d, port)
    if hit:
        return hit
    for cg in chain:
        for p in pols:
            if not p[0][1] and p[0][4] == cg:
                return p
    return next((p for p in pols if p[0][0] == "default"), None)


def check(args):
    defaults = tuple(int(open("/proc/sys/net/ipv4/tcp_keepalive_" + f).read())
                     for f in ("time", "intvl", "probes")) + (0,)
    changes, summary = [], None
    with open(args.log) as f:
        for line in f:
            e = json.loads(line)
            if e.get("summary"):
                summary = e
            else:
                changes.append(e)
    if summary is None:
        sys.exit("churn: %s has no summary: the churner did not finish" % args.log)
    starts = [e["s"] for e in changes]
    acks = [e["a"] for e in changes]
    conns = []
    for spec in args.conns:
        cgroup, path = spec.split(":", 1)
        with open(path) as f:
            for line in f:
                w = [int(x) for x in line.split()]
                conns.append((w[0], w[1], w[2], cgroup, tuple(w[3:8]), tuple(w[8:13])))
    conns.sort()
    # The sets as the changes make them, built as the connections (sorted
    # by t0) need them; a set older than the oldest a connection can still
    # see is dropped: states[k] is the set after change k (0: the empty
    # set after the flush).
    states, memo = {0: {}}, {}

    def state(k):
        last = max(states)
        while last < k:
            e, cur = changes[last], dict(states[last])
            if "del" in e:
                del cur[e["del"]]
            elif "set" in e:
                cur[e["set"]] = e["v"]
            else:
                cur = e["replace"]
            last += 1
            states[last] = cur
        return states[k]

    def expected(k, d, port, cgroup):
        key = (k, d, port, cgroup)
        if key not in memo:
            hit = lookup(state(k), d, port, cgroup)
            if hit is None or hit[1] is None:
                memo[key] = (0,) + defaults
            else:
                memo[key] = (1,) + values(hit[1])
        return memo[key]

    wrong = mixes = ends = candidates = 0
    examples = []
    for t0, t1, port, cgroup, client, server in conns:
        # Sets k with s_k <= t1 (set 0: always) and a_(k+1) >= t0.
        k_max = bisect.bisect_right(starts, t1)
        k_min = bisect.bisect_left(acks, t0)
        ks = range(min(k_min, k_max), k_max + 1)
        candidates += 2 * len(ks)
        for d, got in ((DIR_OUT, client), (DIR_IN, server)):
            ends += 1
            want = [expected(k, d, port, cgroup) for k in ks]
            if got in want:
                continue
            wrong += 1
            if any(w[0] and w[1] == got[1] for w in want):
                mixes += 1
            if len(examples) < 5:
                examples.append({"t0": t0, "t1": t1, "port": port, "cgroup": cgroup,
                                 "end": "client" if d == DIR_OUT else "server",
                                 "got": got, "sets": list(ks), "want": want})
        for k in [k for k in states if k < ks[0] and k < max(states)]:
            del states[k]
        if len(memo) > 100000:
            memo.clear()
    out = {"connections": len(conns), "ends": ends, "wrong": wrong, "mixes": mixes,
           "changes": summary["changes"], "by_kind": summary["by_kind"],
           "rate": summary["rate"], "seed": summary["seed"],
           "candidate_sets_per_end": round(candidates / max(ends, 1), 2)}
    if examples:
        out["examples"] = examples
    print(json.dumps(out))
    return 1 if wrong or not conns else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="what", required=True)
    d = sub.add_parser("drive")
    d.add_argument("log")
    d.add_argument("--seed", type=int)
    d.add_argument("--rate", type=float, default=1000.0)
    d.add_argument("--batch", type=int, default=8)
    d.add_argument("--stop", default="/nonexistent")
    d.add_argument("--kactl", default="kactl")
    c = sub.add_parser("check")
    c.add_argument("log")
    c.add_argument("conns", nargs="+")
    args = ap.parse_args()
    sys.exit(drive(args) if args.what == "drive" else check(args))


if __name__ == "__main__":
    main()
