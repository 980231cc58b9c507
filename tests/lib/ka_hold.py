#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Connections held open for kactl sockets' tests (tests/integration/sockets.sh).

  ka_hold.py hold PORT NAME[:OPTS]...
      Listens on loopback PORT and, for each NAME, connects a client with
      OPTS ("ka=1,idle=N,intvl=N,cnt=N,ut=MS", as ka_conn.py; empty: none)
      applied before connect(), accepts it, and prints one line of JSON:
      {NAME: {"client_port": P, "client": SETTINGS, "server": SETTINGS}...}
      with SETTINGS read back with getsockopt(), as ka_conn.py's. Then
      holds every socket until it is killed.
  ka_hold.py many PORT N
      Listens on loopback PORT, makes N connections to it as fast as it
      can (both ends held: 2N established sockets), prints "ready N" and
      holds them until it is killed. Needs ulimit -n above 2N.
  ka_hold.py churn PORT
      Connects to loopback PORT and closes, over and over, accepting on
      the same port, until killed; prints "churning" after the first.
"""
import json
import signal
import socket
import sys

OPTS = {
    "ka": (socket.SOL_SOCKET, socket.SO_KEEPALIVE),
    "idle": (socket.IPPROTO_TCP, socket.TCP_KEEPIDLE),
    "intvl": (socket.IPPROTO_TCP, socket.TCP_KEEPINTVL),
    "cnt": (socket.IPPROTO_TCP, socket.TCP_KEEPCNT),
    "ut": (socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT),
}


def apply_opts(sock, spec):
    for item in filter(None, (spec or "").split(",")):
        key, value = item.split("=")
        sock.setsockopt(*OPTS[key], int(value))


def settings(sock):
    return {"keepalive": sock.getsockopt(*OPTS["ka"]),
            "idle": sock.getsockopt(*OPTS["idle"]),
            "intvl": sock.getsockopt(*OPTS["intvl"]),
            "cnt": sock.getsockopt(*OPTS["cnt"]),
            "user_timeout": sock.getsockopt(*OPTS["ut"])}


def listener(port, backlog=128):
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", port))
    lsock.listen(backlog)
    return lsock


def cmd_hold(port, specs):
    lsock = listener(port)
    held, out = [], {}
    for spec in specs:
        name, _, opts = spec.partition(":")
        csock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        apply_opts(csock, opts)
        csock.connect(("127.0.0.1", port))
        ssock, _ = lsock.accept()
        held += [csock, ssock]
        out[name] = {"client_port": csock.getsockname()[1],
                     "client": settings(csock), "server": settings(ssock)}
    print(json.dumps(out), flush=True)
    signal.pause()


def cmd_many(port, n):
    lsock = listener(port, 4096)
    held = []
    for _ in range(n):
        csock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        csock.connect(("127.0.0.1", port))
        held.append(csock)
        held.append(lsock.accept()[0])
    print("ready", n, flush=True)
    signal.pause()


def cmd_churn(port):
    lsock = listener(port)
    first = True
    while True:
        csock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        csock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        csock.connect(("127.0.0.1", port))
        ssock, _ = lsock.accept()
        # RST instead of TIME_WAIT: the loop must not run out of ports.
        csock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\0\0\0\0\0\0\0")
        csock.close()
        ssock.close()
        if first:
            print("churning", flush=True)
            first = False


def main():
    cmd, port = sys.argv[1], int(sys.argv[2])
    if cmd == "hold":
        cmd_hold(port, sys.argv[3:])
    elif cmd == "many":
        cmd_many(port, int(sys.argv[3]))
    elif cmd == "churn":
        cmd_churn(port)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
