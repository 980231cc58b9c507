#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Network namespace churn (figure 4 of issue 16), in one process.

  netns.py --count N --keeper NETNS-FILE --memcg CGROUP-DIR
           [--window W] [--keeper-every K] [--kactl KACTL --kactl-every K]
           [--tolerance BYTES] [--slab-tolerance KB] [--settle S]
           [--progress FILE]

Makes N network namespaces one after the other (unshare(CLONE_NEWNET),
then back with setns()), W of them alive at a time: each gets four
policies of its own (netlink from here, or "kactl load" run inside it for
one namespace in every --kactl-every), two real loopback connections
whose settings getsockopt() reads back on both ends, and its
/proc/net/ka_stats is read and checked against them; then its sockets
and its last reference are closed, and it is destroyed (the kernel's
cleanup_net, in a workqueue, later). Every namespace's ka_stats file is
held by an O_PATH descriptor: opening it again succeeds while the
namespace lives and fails with ENOENT once the module's per-namespace
exit removed it; the run waits for that of every namespace.

Every --keeper-every namespaces it enters the long-lived namespace
NETNS-FILE (/run/netns/NAME), made and given its policies by the caller
(port 7001: idle 71 intvl 7 cnt 3; default: idle 700), connects there,
checks the port 7001 policy on both ends and that its ka_stats counts
exactly the connections made there (2 sockets each, by the port policy,
none by the default).

Memory: this process runs alone in the memory cgroup CGROUP-DIR, so every
kernel allocation charged to a memory cgroup that the namespaces, their
sockets and the module's per-namespace state and policies make (the
module charges them all: GFP_KERNEL_ACCOUNT, module/gfp.h) lands in its
memory.stat. Its slab_unreclaimable + percpu must come back to within
--tolerance bytes of what it was before the first namespace, and
/proc/meminfo's SUnreclaim + Percpu (all of the kernel's, every slab
cache shrunk first) to within --slab-tolerance kB: both polled for up to
--settle seconds, as the kernel frees a namespace in steps (cleanup_net,
RCU grace periods).

Prints "FAIL: ..." lines, then one line of JSON: {"namespaces",
"failures", "keeper_checks", "keeper_connections", "kactl_loads",
"churn_s" (the namespaces' part), "seconds", "teardown_max_s" (the
longest a namespace's ka_stats took to go), "memcg": {"base", "peak",
"final", "tolerance"} (bytes), "meminfo_kb": {"base", "final",
"tolerance"}}. Exits 1 when anything failed.
"""
import argparse
import collections
import ctypes
import errno
import fcntl
import json
import os
import socket
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../lib"))
from ka_conn import settings  # noqa: E402
from ka_genl import (NETLINK_CAP_ACK, NETLINK_EXT_ACK, NLA_F_NESTED,  # noqa: E402
                     SOL_NETLINK, attr, encode, enum, family_id, request)

CLONE_NEWNET = 0x40000000
SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1
LINGER_RST = struct.pack("ii", 1, 0)
KEEPER = {"keepalive": 1, "idle": 71, "intvl": 7, "cnt": 3}
# A cgroup policy's path is kept by the module (about 1 KiB here): the
# largest part of a namespace's policy memory, so that a leak shows.
CG_PATH = "/ka_churn/" + "/".join(["c" * 200] * 4) + "/%d"

libc = ctypes.CDLL(None, use_errno=True)
# The uapi header's numbers, read once: a parse per namespace costs
# a tenth of a second in the guest.
CMDS, TOP, POL = enum("ka_cmd"), enum("ka_attr"), enum("ka_policy_attr")
failures = []


def fail(text):
    failures.append(text)
    if len(failures) <= 30:
        print("FAIL: " + text, flush=True)


def oserror(what):
    err = ctypes.get_errno()
    return OSError(err, "%s: %s" % (what, os.strerror(err)))


def setns(fd):
    if libc.setns(fd, CLONE_NEWNET) != 0:
        raise oserror("setns")


def lo_up():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        ifr = fcntl.ioctl(s, SIOCGIFFLAGS, struct.pack("16sH22x", b"lo", 0))
        flags = struct.unpack_from("16sH", ifr)[1]
        fcntl.ioctl(s, SIOCSIFFLAGS, struct.pack("16sH22x", b"lo", flags | IFF_UP))


def ka_stats(path="/proc/self/net/ka_stats"):
    """{selector: {column: value}} of a ka_stats file."""
    with open(path) as f:
        lines = f.read().splitlines()
    head = lines[0].split()
    return {w[0]: dict(zip(head[1:], w[1:])) for w in map(str.split, lines[1:])}


def applied(stats, selector):
    row = stats.get(selector)
    return int(row["applied"]) if row else None


def shrink_slabs():
    """Shrinks every slab cache (a write each, no process): what KASAN
    holds in quarantine is freed, the per-CPU slabs are given back, and
    the objects kfree_rcu() batches per CPU (7.x's rcu_free sheaves, sent
    to RCU only when full) go to RCU, to be freed after a grace period:
    until then they are still allocated, and charged."""
    for cache in os.listdir("/sys/kernel/slab"):
        try:
            with open("/sys/kernel/slab/%s/shrink" % cache, "w") as f:
                f.write("1")
        except OSError:
            pass        # a merged cache's alias, shrunk with its target


def memcg_figure(memcg):
    """Bytes of unreclaimable slab and per-CPU memory charged to memcg,
    every slab cache shrunk first."""
    shrink_slabs()
    total = 0
    with open(os.path.join(memcg, "memory.stat")) as f:
        for line in f:
            key, value = line.split()
            if key in ("slab_unreclaimable", "percpu"):
                total += int(value)
    return total


def slab_kb():
    """SUnreclaim, Percpu and MemAvailable of /proc/meminfo (kB), every
    slab cache shrunk first (shrink_slabs()), and the kB each cache of
    /proc/slabinfo holds ("caches")."""
    shrink_slabs()
    out = {"caches": {}}
    with open("/proc/meminfo") as f:
        for line in f:
            key, value = line.split(":")
            if key in ("SUnreclaim", "Percpu", "MemAvailable"):
                out[key] = int(value.split()[0])
    with open("/proc/slabinfo") as f:
        for line in f.readlines()[2:]:
            w = line.split()
            out["caches"][w[0]] = int(w[1]) * int(w[3]) // 1024
    return out


def grew_most(before, after, n=8):
    """The n caches of slab_kb() that grew most, {name: kB more}."""
    grew = {c: kb - before.get(c, 0) for c, kb in after.items()}
    return dict(sorted(grew.items(), key=lambda kv: -kv[1])[:n])


def connect_pair(port):
    """A loopback connection to port: (listener, client, server), each
    closed with a reset later (no TIME_WAIT left behind)."""
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", port))
    lsock.listen(4)
    client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    client.connect(("127.0.0.1", port))
    server, _ = lsock.accept()
    for s in (client, server):
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER_RST)
    return [lsock, client, server]


class Policies:
    """The four policies of namespace i, as netlink requests and as the
    lines of a kactl file, and what they give each socket."""

    def __init__(self, i):
        self.i = i
        self.port = 7001                  # the keeper's port too
        self.range_port = 8000 + i % 1000
        self.lines = [
            "--port 7001 --idle %d --intvl 5 --cnt 2" % (1000 + i),
            "--port 8000-8999 --dir in --idle %d" % (3000 + i),
            "--default --idle %d" % (5000 + i),
            "--cgroup %s --idle 9" % (CG_PATH % i),
        ]
        self.attrs = [
            ["port_min=u16:7001", "idle=u32:%d" % (1000 + i), "intvl=u32:5",
             "cnt=u32:2"],
            ["port_min=u16:8000", "port_max=u16:8999", "dir=u8:1",
             "idle=u32:%d" % (3000 + i)],
            ["default=flag:", "idle=u32:%d" % (5000 + i)],
            ["cgroup_path=str:" + CG_PATH % i, "idle=u32:9"],
        ]
        # What getsockopt() must read: (client, server) of each connection.
        port_ka = {"keepalive": 1, "idle": 1000 + i, "intvl": 5, "cnt": 2}
        self.expect = {
            self.port: (port_ka, port_ka),
            self.range_port: ({"keepalive": 1, "idle": 5000 + i},
                              {"keepalive": 1, "idle": 3000 + i}),
        }
        # The ka_stats rows and how many sockets each policy was given.
        self.rows = {"total": 4, "port=7001": 2,
                     "port=8000-8999,dir=in": 1, "default": 1,
                     "cgroup=%s,state=waiting" % (CG_PATH % i): 0}


class Genl:
    """A generic netlink socket of the namespace it was made in."""

    def __init__(self, family=None):
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 16)
        self.sock.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
        self.sock.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1)
        self.sock.bind((0, 0))
        self.family = family or family_id(self.sock)
        self.seq = 10

    def set(self, specs):
        body = b"".join(encode(s, POL, "KA_POLICY_A_") for s in specs)
        self.seq += 1
        return request(self.sock, self.family, CMDS["KA_CMD_POLICY_SET"],
                       attr(TOP["KA_A_POLICY"] | NLA_F_NESTED, body),
                       self.seq)[:2]

    def close(self):
        self.sock.close()


def check_settings(what, got, want):
    for key, value in want.items():
        if got.get(key) != value:
            fail("%s: %s is %s, expected %s (all: %s)"
                 % (what, key, got.get(key), value, got))


def check_rows(what, stats, rows):
    got = {sel: applied(stats, sel) for sel in rows}
    if got != rows or len(stats) != len(rows):
        fail("%s: ka_stats applied %s, expected %s (rows: %s)"
             % (what, got, rows, sorted(stats)))


class Run:
    def __init__(self, args):
        self.args = args
        self.host = os.open("/proc/self/ns/net", os.O_RDONLY)
        self.keeper = os.open(args.keeper, os.O_RDONLY)
        self.family = Genl().family
        self.keeper_conns = 0
        self.keeper_checks = 0
        self.kactl_loads = 0
        self.alive = collections.deque()
        self.dying = []                   # (O_PATH fd of ka_stats, name, since)
        self.teardown_max = 0.0
        self.last_progress = time.monotonic()

    def check_keeper(self):
        """The long-lived namespace: a new connection gets its policy, and
        its counters count exactly the connections made there."""
        setns(self.keeper)
        try:
            socks = connect_pair(7001)
            self.keeper_conns += 1
            self.keeper_checks += 1
            what = "keeper, connection %d" % self.keeper_conns
            check_settings(what + ", client", settings(socks[1]), KEEPER)
            check_settings(what + ", server", settings(socks[2]), KEEPER)
            for s in socks:
                s.close()
            n = 2 * self.keeper_conns
            check_rows(what, ka_stats(), {"total": n, "port=7001": n, "default": 0})
        finally:
            setns(self.host)

    def set_policies(self, pol):
        if self.args.kactl and pol.i % self.args.kactl_every == 0:
            # kactl itself, run inside the namespace (it inherits it).
            r = subprocess.run([self.args.kactl, "load", "-"], text=True,
                               input="\n".join(pol.lines) + "\n",
                               capture_output=True)
            self.kactl_loads += 1
            if r.returncode:
                fail("namespace %d: kactl load exited %d: %s"
                     % (pol.i, r.returncode, r.stderr.strip()))
            return
        genl = Genl(self.family)
        for specs in pol.attrs:
            err, text = genl.set(specs)
            if err:
                fail("namespace %d: set %s: %s %s"
                     % (pol.i, specs, errno.errorcode.get(-err, err), text))
        genl.close()

    def make(self, i):
        """Namespace i: made, given its policies, used, checked; returns
        what holds it alive."""
        if libc.unshare(CLONE_NEWNET) != 0:
            raise oserror("unshare")
        try:
            ns = os.open("/proc/self/ns/net", os.O_RDONLY)
            lo_up()
            stats_path = os.open("/proc/self/net/ka_stats", os.O_PATH)
            fresh = ka_stats()
            check_rows("namespace %d, new" % i, fresh, {"total": 0})
            pol = Policies(i)
            self.set_policies(pol)
            socks = []
            for port, (cwant, swant) in pol.expect.items():
                pair = connect_pair(port)
                socks += pair
                check_settings("namespace %d, port %d, client" % (i, port),
                               settings(pair[1]), cwant)
                check_settings("namespace %d, port %d, server" % (i, port),
                               settings(pair[2]), swant)
            check_rows("namespace %d" % i, ka_stats(), pol.rows)
        finally:
            setns(self.host)
        # Read again through the O_PATH descriptor, from the host: it is
        # this namespace's file (what the ENOENT later is about).
        check_rows("namespace %d, through its descriptor" % i,
                   ka_stats("/proc/self/fd/%d" % stats_path), pol.rows)
        return ns, socks, stats_path

    def retire(self):
        ns, socks, stats_path, i = self.alive.popleft()
        for s in socks:
            s.close()
        os.close(ns)
        self.dying.append((stats_path, "namespace %d" % i, time.monotonic()))

    def reap(self):
        """Forgets the namespaces whose ka_stats is gone (ENOENT); true
        when none is left."""
        left = []
        for fd, name, since in self.dying:
            try:
                os.close(os.open("/proc/self/fd/%d" % fd, os.O_RDONLY))
            except OSError as e:
                if e.errno == errno.ENOENT:
                    os.close(fd)
                    self.teardown_max = max(self.teardown_max,
                                            time.monotonic() - since)
                    continue
                if e.errno != errno.ENXIO:    # ENXIO: dying, not yet gone
                    fail("%s: its ka_stats: %s" % (name, e))
                    os.close(fd)
                    continue
            left.append((fd, name, since))
        self.dying = left
        return not left

    def gone_dummy(self, deadline):
        """Makes a namespace and destroys it at once, and waits for it to
        go. The kernel frees a namespace's struct net (charged to this
        cgroup) only when the next namespace's teardown ends (after an
        extra rcu_barrier(): net_complete_free() in 7.3's cleanup_net();
        Debian's 6.1 does the same): one such namespace made before the
        start figure and one after the churn leave the same one pending,
        and the second one's teardown frees the churn's last ones."""
        if libc.unshare(CLONE_NEWNET) != 0:
            raise oserror("unshare")
        try:
            stats_path = os.open("/proc/self/net/ka_stats", os.O_PATH)
        finally:
            setns(self.host)
        self.dying.append((stats_path, "a throw-away namespace", time.monotonic()))
        self.wait(self.reap, "a namespace to go", deadline)

    def progress(self, text):
        if self.args.progress and time.monotonic() - self.last_progress >= 30:
            self.last_progress = time.monotonic()
            with open(self.args.progress, "a") as f:
                f.write("KA_VM_PHASE: netns.py: %s\n" % text)

    def wait(self, done, what, deadline, every=0.2):
        """Polls done() every so many seconds until it is true or the
        deadline."""
        while not done():
            if time.monotonic() >= deadline:
                return False
            self.progress("waiting for " + what)
            time.sleep(every)
        return True

    def settled(self, deadline):
        """The cgroup's figure once it stayed the same for 8 s: what RCU
        frees in batches (kvfree_rcu() of other than slab objects waits up
        to 5 s) and the cgroup's statistics (flushed at least every 2 s)
        have come in by then."""
        seen = [memcg_figure(self.args.memcg), time.monotonic()]

        def still():
            now = memcg_figure(self.args.memcg)
            if now != seen[0]:
                seen[:] = [now, time.monotonic()]
            return time.monotonic() - seen[1] >= 8
        if not self.wait(still, "the memory cgroup's figures to settle", deadline, 1):
            # A figure still moving is no base to compare with: a leak
            # could hide in what was being freed.
            fail("the memory cgroup's figure did not settle before the deadline "
                 "(last %d, moving %.0f s ago)" % (seen[0], time.monotonic() - seen[1]))
        return seen[0]

    def main(self):
        args = self.args
        if args.count < args.window:
            sys.exit("netns.py: --count %d is below the window of %d alive at "
                     "once: the memory figure would never be taken"
                     % (args.count, args.window))
        start = time.monotonic()
        deadline = start + args.settle
        self.gone_dummy(deadline)
        self.check_keeper()
        base = peak = self.settled(deadline)
        slab_base = slab_kb()
        churn = time.monotonic()
        for i in range(args.count):
            ns, socks, stats_path = self.make(i)
            self.alive.append((ns, socks, stats_path, i))
            if len(self.alive) > args.window:
                self.retire()
            self.reap()
            if i % args.keeper_every == args.keeper_every - 1:
                self.check_keeper()
            # From the moment the window first fills (i = window - 1: a
            # run of as many namespaces as the window samples once).
            if len(self.alive) == args.window and (i + 1 - args.window) % 50 == 0:
                peak = max(peak, memcg_figure(args.memcg))
            self.progress("%d of %d namespaces, %d failures"
                          % (i + 1, args.count, len(failures)))
            if len(failures) > 100:
                break
        churn = time.monotonic() - churn
        # The figure must see the namespaces, or its coming back proves
        # nothing: 10 of them alive take 1.1 to 1.8 MB (6.1, 7.3).
        if peak - base < 100 * 1024:
            fail("memory cgroup: %d bytes with %d namespaces alive, %d "
                 "before: it does not count them" % (peak, args.window, base))
        while self.alive:
            self.retire()
        self.check_keeper()
        deadline = time.monotonic() + args.settle
        self.wait(self.reap, "the namespaces to go", deadline)
        self.gone_dummy(deadline)
        for fd, name, since in self.dying:
            fail("%s: its ka_stats still there %.0f s after its end"
                 % (name, time.monotonic() - since))
        # The memory comes back once the kernel has freed the namespaces
        # (cleanup_net, then RCU grace periods).
        final = [memcg_figure(args.memcg)]

        def back():
            final[0] = memcg_figure(args.memcg)
            return final[0] <= base + args.tolerance
        if not self.wait(back, "the memory cgroup's figures to come back",
                         deadline, 1):
            fail("memory cgroup: %d bytes of slab and per-CPU memory, %d at "
                 "the start (tolerance %d)" % (final[0], base, args.tolerance))
        slab_final = [slab_kb()]

        def slab_back():
            slab_final[0] = slab_kb()
            return slab_final[0]["SUnreclaim"] + slab_final[0]["Percpu"] <= \
                slab_base["SUnreclaim"] + slab_base["Percpu"] + args.slab_tolerance
        if not self.wait(slab_back, "SUnreclaim to come back", deadline, 1):
            fail("/proc/meminfo: SUnreclaim + Percpu %d + %d kB, %d + %d kB "
                 "at the start (tolerance %d kB)"
                 % (slab_final[0]["SUnreclaim"], slab_final[0]["Percpu"],
                    slab_base["SUnreclaim"], slab_base["Percpu"],
                    args.slab_tolerance))
        grew = grew_most(slab_base.pop("caches"), slab_final[0].pop("caches"))
        print(json.dumps({
            "namespaces": args.count, "failures": len(failures),
            "keeper_checks": self.keeper_checks,
            "keeper_connections": self.keeper_conns,
            "kactl_loads": self.kactl_loads,
            "churn_s": round(churn, 1),
            "seconds": round(time.monotonic() - start, 1),
            "teardown_max_s": round(self.teardown_max, 1),
            "memcg": {"base": base, "peak": peak, "final": final[0],
                      "tolerance": args.tolerance},
            "meminfo_kb": {"base": slab_base, "final": slab_final[0],
                           "grew_most": grew,
                           "tolerance": args.slab_tolerance}}), flush=True)
        return 1 if failures else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--keeper", required=True, help="/run/netns/NAME")
    ap.add_argument("--memcg", required=True, help="this process's cgroup directory")
    ap.add_argument("--window", type=int, default=10,
                    help="namespaces alive at a time")
    ap.add_argument("--keeper-every", type=int, default=5)
    ap.add_argument("--kactl")
    ap.add_argument("--kactl-every", type=int, default=50)
    ap.add_argument("--tolerance", type=int, default=32 * 1024,
                    help="bytes the cgroup's figure may end above its start")
    ap.add_argument("--slab-tolerance", type=int, default=1024,
                    help="kB SUnreclaim + Percpu may end above their start")
    ap.add_argument("--settle", type=float, default=600,
                    help="seconds the namespaces may take to go")
    ap.add_argument("--progress", metavar="FILE",
                    help="append a KA_VM_PHASE line there every 30 s")
    return Run(ap.parse_args()).main()


if __name__ == "__main__":
    sys.exit(main())
