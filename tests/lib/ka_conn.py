#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Real TCP connections for ka_policy's tests, seen from the application.

  ka_conn.py pair PORT [--family 4|6|mapped] [--listener OPTS] [--client OPTS]
                [--mptcp both|listener|client]
      Listens on PORT (loopback), connects to it, accepts, and prints JSON:
      {"client": SETTINGS, "server": SETTINGS, "ss": [lines of ss -tnoi]}
      where SETTINGS = {"keepalive", "idle", "intvl", "cnt", "user_timeout"}
      read back with getsockopt() (null where the socket refuses it: an
      MPTCP one). OPTS, applied before listen()/connect():
      "ka=0|1,idle=N,intvl=N,cnt=N,ut=MS" (any subset). --mptcp makes
      those sockets MPTCP ones (IPPROTO_MPTCP).
  ka_conn.py reconnect FIRST SECOND [--client OPTS] [--between OPTS]
                [--refused]
      One client socket connects to loopback port FIRST, takes OPTS
      between (setsockopt after the connect), disconnects with
      connect(AF_UNSPEC) and connects again, to SECOND, which it accepts.
      With --refused nothing listens on FIRST: the first connect() fails
      and the second follows the failure. Prints pair's JSON for the
      second connection, plus "first": SETTINGS after the first.
  ka_conn.py mptcp
      Exits 0 when this kernel makes MPTCP sockets, else prints why.
  ka_conn.py serve ADDR PORT [--no-read]
      Accepts connections and holds them; prints "ready" once listening.
      With --no-read it never reads, so senders stall on a zero window.
  ka_conn.py wait-dead ADDR PORT [--client OPTS]
      Connects, prints "connected", blocks in recv() and prints JSON
      {"errno": name, "elapsed": seconds since connected, "t": when it
      died (CLOCK_MONOTONIC, which the benchmark compares with its own)}
      when the connection dies. The one wait for a dead peer: the
      integration tests and tests/bench/bench.py run it.
  ka_conn.py hold ADDR PORT [--client OPTS]
      wait-dead's connection, which also answers questions: on each
      SIGUSR1 it prints {"n": how many answers so far, "client":
      SETTINGS, "client_port": its local port}, read with getsockopt()
      then, so that a test sees a change made to the open socket. On
      SIGUSR2 it sets SO_KEEPALIVE to 0 first, then answers the same way.
  ka_conn.py hold-pairs PORT NAME[:OPTS]...
      Listens on loopback PORT and, for each NAME, connects a client with
      OPTS applied before connect(), accepts it, and prints one line of
      JSON: {NAME: {"client_port": P, "client": SETTINGS, "server":
      SETTINGS}...}. Then holds every socket until it is killed.
  ka_conn.py churn PORT
      Connects to loopback PORT (SO_KEEPALIVE on) and closes with a reset,
      over and over, accepting on the same port, until killed; prints
      "churning" after the first.
  ka_conn.py many PORT N
      Listens on loopback PORT (and the ports after it, one per 20,000
      connections, as the ephemeral ports need) and makes N connections
      to them, holding both ends (raises its own open-files limit);
      prints "ready N" and then holds them until killed.
  ka_conn.py stall ADDR PORT SECONDS
      Connects and writes until the peer's window closes, keeps the data
      queued for SECONDS, then prints "stalled".
  ka_conn.py vanish PORT PEER [--timeout S] -- COMMAND...
      For a server: runs COMMAND (the one that makes PEER vanish), then
      watches this namespace's /proc/net/tcp every 10 ms until no
      established connection from PEER to local PORT is left, and prints
      the seconds from COMMAND's end to then ("timeout" after S seconds).
      The kernel's own view, with no process started per look, so a slow
      (debug) kernel measures what its timers did, not the polling.
  ka_conn.py cgroup-race CGROUP PORT N
      N times: creates the cgroup v2 CGROUP (a path below /sys/fs/cgroup),
      forks a child that moves itself into it and at once connects to
      PORT on loopback (this process listens), reads back its settings,
      and removes the cgroup once the child is gone. Prints JSON:
      {"runs": [SETTINGS of each connection], "inodes": distinct cgroup
      inode numbers seen (N: each run had a new cgroup)}.
"""
import argparse
import errno
import json
import os
import socket
import struct
import sys
import time

# ctypes and subprocess are imported only by the commands that use them:
# in the test VM on the debug kernel each import costs a few tenths of a
# second, and these helpers run thousands of times per make check.

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
        level, name = OPTS[key]
        sock.setsockopt(level, name, int(value))


def settings(sock):
    def get(key):
        try:
            return sock.getsockopt(*OPTS[key])
        except OSError:
            return None
    return {"keepalive": get("ka"), "idle": get("idle"), "intvl": get("intvl"),
            "cnt": get("cnt"), "user_timeout": get("ut")}


def family_addr(family):
    if family == "4":
        return socket.AF_INET, "127.0.0.1", "127.0.0.1"
    if family == "6":
        return socket.AF_INET6, "::1", "::1"
    return socket.AF_INET6, "::", "::ffff:127.0.0.1"     # v4-mapped


def listen(fam, addr, port, opts=None, proto=0, v6only=True):
    lsock = socket.socket(fam, socket.SOCK_STREAM, proto)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if not v6only:
        lsock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    apply_opts(lsock, opts)
    lsock.bind((addr, port))
    lsock.listen(8)
    return lsock


def pair_json(csock, ssock, extra=None):
    import subprocess
    ss = subprocess.run(["ss", "-tnoH", "state", "established"],
                        capture_output=True, text=True).stdout.splitlines()
    out = {"client": settings(csock), "server": settings(ssock),
           "client_port": csock.getsockname()[1], "ss": ss}
    out.update(extra or {})
    return json.dumps(out)


def cmd_pair(args):
    fam, bind_addr, conn_addr = family_addr(args.family)
    mptcp = lambda side: socket.IPPROTO_MPTCP if args.mptcp in (side, "both") else 0
    lsock = listen(fam, bind_addr, args.port, args.listener, mptcp("listener"),
                   args.family != "mapped")
    csock = socket.socket(fam, socket.SOCK_STREAM, mptcp("client"))
    apply_opts(csock, args.client)
    csock.connect((conn_addr, args.port))
    ssock, _ = lsock.accept()
    print(pair_json(csock, ssock))


def disconnect(sock):
    """connect(AF_UNSPEC): TCP's disconnect, which Python's connect() cannot ask for."""
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    addr = struct.pack("H14x", socket.AF_UNSPEC)
    if libc.connect(sock.fileno(), addr, len(addr)):
        err = ctypes.get_errno()
        raise OSError(err, "connect(AF_UNSPEC): " + os.strerror(err))


def cmd_reconnect(args):
    lsock = listen(socket.AF_INET, "127.0.0.1", args.second)
    csock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    apply_opts(csock, args.client)
    if args.refused:
        try:
            csock.connect(("127.0.0.1", args.first))
            sys.exit(f"port {args.first} accepted a connection")
        except ConnectionRefusedError:
            pass
        first = settings(csock)
        apply_opts(csock, args.between)
    else:
        first_l = listen(socket.AF_INET, "127.0.0.1", args.first)
        csock.connect(("127.0.0.1", args.first))
        server = first_l.accept()  # its end stays open until the disconnect
        first = settings(csock)
        apply_opts(csock, args.between)
        disconnect(csock)
    csock.connect(("127.0.0.1", args.second))
    ssock, _ = lsock.accept()
    print(pair_json(csock, ssock, {"first": first}))


def cmd_mptcp(args):
    try:
        socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_MPTCP).close()
    except (OSError, AttributeError) as e:
        print(f"no MPTCP sockets here ({e})")
        return 1
    return 0


def connect(addr, port, opts=None):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    sock = socket.socket(fam, socket.SOCK_STREAM)
    apply_opts(sock, opts)
    sock.connect((addr, port))
    return sock


def cmd_serve(args):
    fam = socket.AF_INET6 if ":" in args.addr else socket.AF_INET
    lsock = socket.socket(fam, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if args.no_read:
        lsock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    lsock.bind((args.addr, args.port))
    lsock.listen(8)
    print("ready", flush=True)
    held = []
    while True:
        conn, _ = lsock.accept()
        held.append(conn)


def wait_dead(sock):
    """Prints "connected", blocks in recv() until the connection ends and
    prints how: wait-dead's and hold's JSON."""
    print("connected", flush=True)
    start = time.monotonic()
    try:
        data = sock.recv(1)
        result = {"errno": None, "data": data.decode()}
    except OSError as e:
        result = {"errno": errno.errorcode.get(e.errno, str(e.errno))}
    now = time.monotonic()
    result["elapsed"] = round(now - start, 3)
    result["t"] = now
    print(json.dumps(result), flush=True)


def cmd_wait_dead(args):
    wait_dead(connect(args.addr, args.port, args.client))


def cmd_hold(args):
    import signal
    sock = connect(args.addr, args.port, args.client)
    answers = 0

    def answer(signum, frame):
        nonlocal answers
        answers += 1
        print(json.dumps({"n": answers, "client": settings(sock),
                          "client_port": sock.getsockname()[1]}), flush=True)
    def keepalive_off(signum, frame):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 0)
        answer(signum, frame)
    signal.signal(signal.SIGUSR1, answer)
    signal.signal(signal.SIGUSR2, keepalive_off)
    wait_dead(sock)


def loopback_listener(port, backlog=128):
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", port))
    lsock.listen(backlog)
    return lsock


def cmd_hold_pairs(args):
    import signal
    lsock = loopback_listener(args.port)
    held, out = [], {}
    for spec in args.specs:
        name, _, opts = spec.partition(":")
        csock = connect("127.0.0.1", args.port, opts)
        ssock, _ = lsock.accept()
        held += [csock, ssock]
        out[name] = {"client_port": csock.getsockname()[1],
                     "client": settings(csock), "server": settings(ssock)}
    print(json.dumps(out), flush=True)
    signal.pause()


def cmd_churn(args):
    lsock = loopback_listener(args.port)
    first = True
    while True:
        csock = connect("127.0.0.1", args.port, "ka=1")
        ssock, _ = lsock.accept()
        # RST instead of TIME_WAIT: the loop must not run out of ports.
        csock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\0\0\0\0\0\0\0")
        csock.close()
        ssock.close()
        if first:
            print("churning", flush=True)
            first = False


def cmd_many(args):
    import resource
    need = 2 * args.n + 64
    resource.setrlimit(resource.RLIMIT_NOFILE, (need, need))
    # connect() without bind(): the kernel may reuse a local port for each
    # destination, which bind(addr, 0) cannot, and its search of a full
    # range is much slower. 20,000 connections per listening port.
    listeners = []
    for port in range(args.port, args.port + (args.n + 19999) // 20000):
        listeners.append((port, loopback_listener(port, 4096)))
    held = []
    for i in range(args.n):
        port, lsock = listeners[i // 20000]
        c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        c.connect(("127.0.0.1", port))
        a, _ = lsock.accept()
        held += (c, a)
    print("ready", args.n, flush=True)
    while True:
        time.sleep(3600)


def cmd_stall(args):
    sock = connect(args.addr, args.port)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    sock.setblocking(False)
    chunk = b"x" * 1024
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            sock.send(chunk)
        except BlockingIOError:
            time.sleep(0.05)
    time.sleep(args.seconds)
    print("stalled", flush=True)


def established_from(port, peer):
    """Established IPv4 connections to local port from peer."""
    rem = "%08X" % struct.unpack("<I", socket.inet_aton(peer))[0]
    n = 0
    with open("/proc/net/tcp") as f:
        next(f)
        for line in f:
            w = line.split()
            lport = int(w[1].split(":")[1], 16)
            if lport == port and w[2].split(":")[0] == rem and w[3] == "01":
                n += 1
    return n


def cmd_vanish(args):
    if not established_from(args.port, args.peer):
        sys.exit(f"no established connection from {args.peer} to port {args.port}")
    import subprocess
    subprocess.run(args.command, check=True)
    start = time.monotonic()
    while established_from(args.port, args.peer):
        if time.monotonic() - start > args.timeout:
            print("timeout")
            return 1
        time.sleep(0.01)
    print("%.3f" % (time.monotonic() - start))
    return 0


def cmd_cgroup_race(args):
    path = "/sys/fs/cgroup" + args.cgroup
    lsock = loopback_listener(args.port, 8)
    runs, inodes = [], set()
    for _ in range(args.n):
        os.mkdir(path)
        inodes.add(os.stat(path).st_ino)
        rfd, wfd = os.pipe()
        pid = os.fork()
        if pid == 0:
            try:
                os.close(rfd)
                with open(path + "/cgroup.procs", "w") as f:
                    f.write(str(os.getpid()))
                sock = connect("127.0.0.1", args.port)
                os.write(wfd, json.dumps(settings(sock)).encode())
            finally:
                os._exit(0)
        os.close(wfd)
        conn, _ = lsock.accept()
        data = b""
        while True:
            chunk = os.read(rfd, 4096)
            if not chunk:
                break
            data += chunk
        os.close(rfd)
        os.waitpid(pid, 0)
        conn.close()
        runs.append(json.loads(data) if data else None)
        os.rmdir(path)
    print(json.dumps({"runs": runs, "inodes": len(inodes)}))


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("pair")
    p.add_argument("port", type=int)
    p.add_argument("--family", choices=["4", "6", "mapped"], default="4")
    p.add_argument("--listener")
    p.add_argument("--client")
    p.add_argument("--mptcp", choices=["both", "listener", "client"])
    p = sub.add_parser("reconnect")
    p.add_argument("first", type=int)
    p.add_argument("second", type=int)
    p.add_argument("--client")
    p.add_argument("--between")
    p.add_argument("--refused", action="store_true")
    sub.add_parser("mptcp")
    p = sub.add_parser("serve")
    p.add_argument("addr")
    p.add_argument("port", type=int)
    p.add_argument("--no-read", action="store_true")
    p = sub.add_parser("wait-dead")
    p.add_argument("addr")
    p.add_argument("port", type=int)
    p.add_argument("--client")
    p = sub.add_parser("hold")
    p.add_argument("addr")
    p.add_argument("port", type=int)
    p.add_argument("--client")
    p = sub.add_parser("hold-pairs")
    p.add_argument("port", type=int)
    p.add_argument("specs", nargs="+")
    p = sub.add_parser("churn")
    p.add_argument("port", type=int)
    p = sub.add_parser("many")
    p.add_argument("port", type=int)
    p.add_argument("n", type=int)
    p = sub.add_parser("stall")
    p.add_argument("addr")
    p.add_argument("port", type=int)
    p.add_argument("seconds", type=float)
    p = sub.add_parser("vanish")
    p.add_argument("port", type=int)
    p.add_argument("peer")
    p.add_argument("--timeout", type=float, default=30)
    p.add_argument("command", nargs="+")
    p = sub.add_parser("cgroup-race")
    p.add_argument("cgroup")
    p.add_argument("port", type=int)
    p.add_argument("n", type=int)
    args = ap.parse_args()
    return {"pair": cmd_pair, "reconnect": cmd_reconnect, "mptcp": cmd_mptcp,
            "serve": cmd_serve, "wait-dead": cmd_wait_dead,
            "hold": cmd_hold, "hold-pairs": cmd_hold_pairs, "churn": cmd_churn,
            "many": cmd_many, "stall": cmd_stall, "vanish": cmd_vanish,
            "cgroup-race": cmd_cgroup_race}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
