#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Dead peers, round after round, for the unload stress (issue 16,
figure 3: tests/stress/unload.sh).

  deadpeers.py ADDR PORT LINK NETNS M STOP

Each round: sets LINK up in NETNS (the server's end of the veth pair),
connects M sockets to ADDR:PORT with keepalive of their own (idle 1 s,
intvl 1 s, cnt 2: whether ka_policy is loaded or not when they connect,
a dead peer is found in seconds; a force policy of the test may write
its own short values over them), sends one byte on each and waits for
its ACK (the queue empties: the keepalive timers start together), sets
LINK down, and waits until every socket has failed. Until the file STOP
exists. Each socket must die with ETIMEDOUT within 600 s of the link
going down (a bound for the slowest machine, far below the kernel's
default of over two hours): anything else fails the run.

Prints one line of JSON at the end: rounds, sockets, died (with
ETIMEDOUT), failures, and the first failure's description. Before it,
on stderr, each step as it starts, with the seconds since the start: a
run that stops says where.
"""
import errno
import json
import os
import select
import socket
import struct
import subprocess
import sys
import time

TCP_INFO_UNACKED = 24		# offset of tcpi_unacked in struct tcp_info


START = time.monotonic()


def step(text):
    print("%.1f %s" % (time.monotonic() - START, text), file=sys.stderr,
          flush=True)


def link(netns, dev, state):
    subprocess.run(["ip", "-n", netns, "link", "set", dev, state], check=True)


def unacked(s):
    info = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
    return struct.unpack_from("I", info, TCP_INFO_UNACKED)[0]


def connect(addr, port):
    """A socket with keepalive of its own, connected. The peer's address
    was unreachable while its link was down (the neighbour entry failed,
    and is tried again only by a new packet): a connect that says so
    right after the link came back up is tried again, for up to 600 s."""
    deadline = time.monotonic() + 600
    while True:
        s = socket.socket()
        for opt, val in ((socket.TCP_KEEPIDLE, 1), (socket.TCP_KEEPINTVL, 1),
                         (socket.TCP_KEEPCNT, 2)):
            s.setsockopt(socket.IPPROTO_TCP, opt, val)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        s.settimeout(600)
        try:
            s.connect((addr, port))
            return s
        except OSError as e:
            s.close()
            if e.errno not in (errno.EHOSTUNREACH, errno.ENETUNREACH) or \
               time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def main():
    addr, port, dev, netns, m, stop = sys.argv[1:7]
    port, m = int(port), int(m)
    rounds = sockets = died = 0
    failures = []
    while not os.path.exists(stop) and not failures:
        step("round %d: link up, %d connections" % (rounds + 1, m))
        link(netns, dev, "up")
        socks = []
        for i in range(m):
            s = connect(addr, port)
            s.send(b"x")
            socks.append(s)
            step("round %d: connection %d made" % (rounds + 1, i + 1))
        step("round %d: waiting for the ACKs" % (rounds + 1))
        deadline = time.monotonic() + 600
        while any(unacked(s) for s in socks) and time.monotonic() < deadline:
            time.sleep(0.05)
        step("round %d: link down, waiting for ETIMEDOUT" % (rounds + 1))
        link(netns, dev, "down")
        rounds += 1
        sockets += len(socks)
        deadline = time.monotonic() + 600
        pending = list(socks)
        while pending and time.monotonic() < deadline:
            ready, _, _ = select.select(pending, [], [], 1.0)
            for s in ready:
                err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err == 0:
                    try:
                        data = s.recv(1)
                        err = None if data == b"" else -1
                    except OSError as e:
                        err = e.errno
                if err == 110:		# ETIMEDOUT
                    died += 1
                else:
                    failures.append("round %d: a socket ended with %r, not ETIMEDOUT"
                                    % (rounds, err))
                pending.remove(s)
                s.close()
                step("round %d: %d sockets left" % (rounds, len(pending)))
        if pending:
            failures.append("round %d: %d sockets still alive 600 s after the link went down"
                            % (rounds, len(pending)))
            # What they wait for: their timers, the neighbour, the counters.
            for cmd in (["ss", "-tnoie", "dst", addr],
                        ["ip", "neigh", "show", addr],
                        ["nstat", "-asz", "TcpExtTCPKeepAlive", "TcpExtTCPAbortOnTimeout",
                         "TcpOutRsts", "TcpRetransSegs"]):
                out = subprocess.run(cmd, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True).stdout
                step("%s:\n%s" % (" ".join(cmd), out.strip()))
    print(json.dumps({"rounds": rounds, "sockets": sockets, "died": died,
                      "failures": len(failures), "first": failures[:1]}))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
