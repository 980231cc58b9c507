#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""ka_policy's benchmark (make bench; see Documentation/performance.rst).

  bench.py guest BUILD_DIR [--mode wall|insn|memory] [--rounds N]
                 [--seconds S] [--detect N] [--reps N] [--conns N]
                 [--warm N] [--warm-round N] [--chunk N] [--configs KEY,...]
                 [--quick]
      In the test VM (tests/vm/ka-vm, module loaded), as root. Prints one
      "KA_BENCH {json}" line per measurement, all at the end (so that the
      serial console stays quiet while connbench runs), and short progress
      lines starting with "bench:" meanwhile.
        wall    (default) every configuration's connection rate in
                interleaved rounds, the memory policies take, range
                updates, how fast a dead peer is detected
        insn    under the instruction counter (tests/bench/insncount.c,
                ka-vm --plugin): every configuration's connections between
                markers, --reps times; the counts are in the plugin's log
        memory  the memory policies take, alone (run.sh boots a VM with 64
                possible CPUs for it)
  bench.py report JSON_OUT --console LOG... [--plugin-log LOG] [--text TEXT_OUT]
      On the host: reads the KA_BENCH lines out of the VMs' console logs,
      and the instruction counts out of the plugin's log, prints the tables
      and the targets, writes the JSON. Exit status 1 when something could
      not run (no results, a configuration that failed or whose policy was
      not applied).
"""
import argparse
import base64
import bisect
import datetime
import errno
import gzip
import json
import os
import re
import socket
import statistics
import struct
import subprocess
import sys
import time

PORT = 7000                     # the benchmark's port; ka_sockops.bpf.c too
CGROUP = "/ka_bench/l2/l3/l4/l5/l6/l7/l8"   # 8 levels below the root
CGROOT = "/sys/fs/cgroup"
ACTION = "--idle 60 --intvl 10 --cnt 5"     # the matching policy's action
APPLIED = {"keepalive": 1, "idle": 60, "intvl": 10, "cnt": 5}
BPF_PIN = "/sys/fs/bpf/ka_bench_sockops"
DETECT = {"idle": 1, "intvl": 1, "cnt": 3, "port": 7500}
SCALE_POLICIES = 65536          # for the memory measurement
RANGE_SERIES = [1024, 4096, 16384, 65536]   # range policies set one by one
WARMUP_S = 1                    # connections before each measurement
# The tests' connection helper: its "serve" holds the detection runs'
# connections, its "wait-dead" waits for one to die.
KA_CONN = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                       "..", "lib", "ka_conn.py")

# key: (label, module loaded, policy file, BPF attached, expected keepalive,
# connbench processes at once). "policy file" names a generator below;
# expected is APPLIED or None (off). Two processes run one on each vCPU, on
# ports PORT and PORT + 1: under one policy, they bump its counters from
# both CPUs at once (the wall-clock rounds only: contention is not an
# instruction count).
CONFIGS = [
    ("base", "no module (baseline)", False, None, False, None, 1),
    ("mod0", "module loaded, no policies", True, "empty", False, None, 1),
    ("p1", "1 policy, matching port", True, "p1", False, APPLIED, 1),
    ("p100", "100 policies, one matching", True, "p100", False, APPLIED, 1),
    ("p10k", "10,000 policies, one matching", True, "p10k", False, APPLIED, 1),
    ("p10k_none", "10,000 policies, none matching", True, "p10k_none", False,
     None, 1),
    ("p65k", "65,536 policies, one matching", True, "p65k", False, APPLIED, 1),
    ("cgroup", "cgroup policy, cgroup 8 levels deep", True, "cgroup", False,
     APPLIED, 1),
    ("exempt", "exemption (--off) matching, under --default", True,
     "exempt", False, None, 1),
    ("bpf", "BPF sock_ops, one matching port (no module)", False, None, True,
     APPLIED, 1),
    ("par_base", "2 CPUs at once, no module (their baseline)", False, None,
     False, None, 2),
    ("par_p1", "2 CPUs at once under one policy", True, "p1_both", False,
     APPLIED, 2),
    ("par_p2", "2 CPUs at once, a policy each", True, "p2_each", False,
     APPLIED, 2),
]
CONFIG_KEYS = [c[0] for c in CONFIGS]
# The baseline each configuration's ratio is against. par_p1 against
# par_p2 is what sharing one policy's counters costs: the same lookups,
# one cache line bumped from both CPUs against a line each.
BASELINE = {"par_base": "par_base", "par_p2": "par_base", "par_p1": "par_p2"}
SCALE_SERIES = [("p1", 1), ("p100", 100), ("p10k", 10000), ("p65k", 65536)]


# ---------------------------------------------------------------- guest ---

def others(n):
    """n selectors that match no connection to or from PORT."""
    out = []
    for d in ("", " --dir in", " --dir out"):
        for p in range(1, 65536):
            if p != PORT:
                out.append(f"--port {p}{d} --idle 7 --intvl 3 --cnt 2")
                if len(out) == n:
                    return out
    raise ValueError(f"cannot make {n} selectors")


def range_lines(n):
    """n distinct port range policies, overlapping and nesting, spread
    over the port space and the three directions."""
    out, seen, i = [], set(), 0
    while len(out) < n:
        lo = 1 + (i * 40503) % 65000
        hi = min(65535, lo + 1 + (i * 7919) % 300)
        d = ("", " --dir in", " --dir out")[i % 3]
        i += 1
        if (lo, hi, d) in seen:
            continue
        seen.add((lo, hi, d))
        out.append(f"--port {lo}-{hi}{d} --idle 7")
    return out


def policy_lines(name):
    match = [f"--port {PORT} {ACTION}"]
    return {
        "empty": [],
        "p1": match,
        "p1_both": [f"--port {PORT}-{PORT + 1} {ACTION}"],
        "p2_each": [f"--port {PORT - 1}-{PORT} {ACTION}",
                    f"--port {PORT + 1}-{PORT + 2} {ACTION}"],
        "p100": others(99) + match,
        "p10k": others(5000) + match + others(9999)[5000:],
        "p10k_none": others(10000),
        "p65k": others(SCALE_POLICIES - 1) + match,
        "cgroup": [f"--cgroup {CGROUP} {ACTION}"],
        "exempt": [f"--default {ACTION}", f"--port {PORT} --off"],
    }[name]


class Guest:
    def __init__(self, args):
        self.build = args.build
        self.root = os.environ.get("KA_ROOT", os.getcwd())
        self.module = os.environ.get("KA_MODULE") or \
            os.path.join(self.build, "ka_policy.ko")
        self.kactl = os.path.join(self.root, "userspace", "kactl")
        self.connbench = os.path.join(self.build, "connbench")
        self.bpf_obj = os.path.join(self.build, "ka_sockops.bpf.o")
        self.args = args
        self.records = []
        self.files = {}
        self.bpf_ready = False
        self.failed = False

    def emit(self, rec):
        self.records.append(rec)

    def progress(self, msg):
        print(f"bench: {msg}", flush=True)

    def run(self, *cmd, check=True):
        r = subprocess.run(cmd, capture_output=True, text=True)
        if check and r.returncode:
            raise RuntimeError(f"{' '.join(cmd)}: exit {r.returncode}: "
                               f"{(r.stderr or r.stdout).strip()}")
        return r

    # -- state ------------------------------------------------------------

    def module_loaded(self):
        return os.path.isdir("/sys/module/ka_policy")

    def set_module(self, want):
        if want and not self.module_loaded():
            self.run("insmod", self.module)
        elif not want and self.module_loaded():
            self.run("rmmod", "ka_policy")

    def policy_file(self, name):
        if name not in self.files:
            path = f"/tmp/ka_bench_{name}.conf"
            with open(path, "w") as f:
                f.writelines(line + "\n" for line in policy_lines(name))
            self.files[name] = path
        return self.files[name]

    def load(self, name):
        """Replace the namespace's policies with file name; seconds taken."""
        path = self.policy_file(name)
        t = time.monotonic()
        self.run(self.kactl, "load", "--replace", path)
        return time.monotonic() - t

    def cgroup_setup(self):
        path = CGROOT
        for part in CGROUP.strip("/").split("/"):
            path = os.path.join(path, part)
            os.makedirs(path, exist_ok=True)
        self.cgdir = path

    def cgroup_teardown(self):
        parts = CGROUP.strip("/").split("/")
        for i in range(len(parts), 0, -1):
            try:
                os.rmdir(os.path.join(CGROOT, *parts[:i]))
            except OSError:
                pass

    def bpf_setup(self):
        """Loads the sock_ops program; the reason when it cannot."""
        if not os.path.exists(self.bpf_obj):
            reason = os.path.join(self.build, "ka_sockops.skip")
            try:
                with open(reason) as f:
                    return f.read().strip()
            except OSError:
                return f"{self.bpf_obj} was not built"
        if subprocess.run(["which", "bpftool"], capture_output=True).returncode:
            return "bpftool is not installed (apt-get install bpftool)"
        if not os.path.ismount("/sys/fs/bpf"):
            r = self.run("mount", "-t", "bpf", "bpf", "/sys/fs/bpf", check=False)
            if r.returncode:
                return f"cannot mount bpffs: {r.stderr.strip()}"
        if os.path.exists(BPF_PIN):
            os.unlink(BPF_PIN)
        r = self.run("bpftool", "prog", "load", self.bpf_obj, BPF_PIN,
                     "type", "sockops", check=False)
        if r.returncode:
            return f"bpftool prog load failed: {(r.stderr or r.stdout).strip()}"
        self.bpf_ready = True
        return None

    def bpf_attach(self, on):
        self.run("bpftool", "cgroup", "attach" if on else "detach",
                 self.cgdir, "sock_ops", "pinned", BPF_PIN)

    # -- connection rate --------------------------------------------------

    def run_connbench(self, seconds, procs=1):
        """One connbench per vCPU in use, each on a port of its own, for
        seconds; their results, the rates added up."""
        cmds = [["taskset", "-c", str(i), self.connbench, "-p", str(PORT + i),
                 "-d", str(seconds), "-g", self.cgdir] for i in range(procs)]
        if procs == 1:
            cmds[0] = cmds[0][3:]
        ps = [subprocess.Popen(c, stdout=subprocess.PIPE, text=True) for c in cmds]
        outs = [p.communicate()[0] for p in ps]
        for c, p in zip(cmds, ps):
            if p.returncode:
                raise RuntimeError(f"{' '.join(c)}: exit {p.returncode}")
        res = [json.loads(o) for o in outs]
        total = dict(res[0])
        for k in ("rate", "conns", "errors"):
            total[k] = sum(r[k] for r in res)
        total["procs"] = res
        return total

    def count_connbench(self, conns, marks):
        """conns connections; with marks, between insncount's markers 1
        and 2, and marker 3 after each --chunk of them."""
        r = self.run(self.connbench, "-p", str(PORT), "-n", str(conns),
                     "-g", self.cgdir, "-c", self.args.close,
                     *(["-M", "-K", str(self.args.chunk)] if marks else []))
        return json.loads(r.stdout)

    def setup(self, cfg):
        """Puts the machine in configuration cfg; seconds taken, and the
        seconds kactl load took (None without the module)."""
        key, label, mod, pfile, bpf, expected, procs = cfg
        t0 = time.monotonic()
        self.set_module(mod)
        load_s = self.load(pfile) if mod else None
        if bpf:
            self.bpf_attach(True)
        return time.monotonic() - t0, load_s

    def teardown(self, cfg):
        if cfg[4]:
            self.bpf_attach(False)

    def check_views(self, cfg, res):
        ok = all(self.views_ok(r, cfg[5]) for r in res.get("procs", [res]))
        if not ok:
            self.failed = True
            self.progress(f"{cfg[0]}: keepalive not as expected: "
                          f"{json.dumps(res['first'])}")
        return ok

    @staticmethod
    def views_ok(res, expected):
        want = expected or {"keepalive": 0}
        for when in ("first", "last"):
            for side in ("client", "server"):
                got = res[when][side]
                if any(got[k] != v for k, v in want.items()):
                    return False
        return True

    def measure(self, cfg, rnd, pos, seconds, record=True):
        key, procs = cfg[0], cfg[6]
        setup_s, load_s = self.setup(cfg)
        try:
            # Unrecorded: a module load, unload or a policy set swapped in
            # leaves work behind (RCU frees)
            # and, under TCG, flushed translations of patched kernel text.
            if record:
                self.run_connbench(WARMUP_S, procs)
            res = self.run_connbench(seconds, procs)
        finally:
            self.teardown(cfg)
        ok = self.check_views(cfg, res)
        if record:
            self.emit({"type": "run", "config": key, "round": rnd,
                       "pos": pos, "rate": res["rate"], "conns": res["conns"],
                       "seconds": res["seconds"], "errors": res["errors"],
                       "applied_ok": ok, "first": res["first"],
                       "last": res["last"], "setup_s": round(setup_s, 3),
                       "load_s": None if load_s is None else round(load_s, 3)})
        return res

    def configs(self, procs=(1, 2)):
        """The configurations this VM can run with so many processes
        (and --configs, when given)."""
        configs = [c for c in CONFIGS if c[6] in procs and
                   (not self.args.configs or c[0] in self.args.configs.split(","))]
        skip = self.bpf_setup()
        if skip:
            self.emit({"type": "skip", "config": "bpf", "reason": skip})
            self.progress(f"BPF comparator skipped: {skip}")
            configs = [c for c in configs if not c[4]]
        return configs

    def rounds(self):
        configs = self.configs()
        a = self.args
        if not a.quick:
            self.progress("warm-up round")
            for pos, cfg in enumerate(configs):
                self.measure(cfg, -1, pos, 1, record=False)
        n = len(configs)
        for rnd in range(a.rounds):
            order = configs[rnd % n:] + configs[:rnd % n]
            self.progress(f"round {rnd + 1}/{a.rounds}: "
                          f"{' '.join(c[0] for c in order)}")
            for pos, cfg in enumerate(order):
                self.measure(cfg, rnd, pos, a.seconds)

    # -- instruction counts -----------------------------------------------

    @staticmethod
    def module_range():
        """ka_policy's memory, [start, size), from /proc/modules (root sees
        the address): the instruction counter's pages in it are the
        module's own code, the others in the module area trampolines."""
        with open("/proc/modules") as f:
            for line in f:
                w = line.split()
                if w[0] == "ka_policy":
                    return [int(w[5], 16), int(w[1])]
        return None

    @staticmethod
    def kallsyms(module=None):
        """Code symbols from /proc/kallsyms (root sees the addresses), the
        report's names for insncount's blocks: the kernel's own as
        "address name" lines, gzipped and base64 (Debian's System.map is
        a stub), or module's as [[offset from its base, name]...]."""
        out = []
        with open("/proc/kallsyms") as f:
            for line in f:
                w = line.split()
                if w[1] not in "tTwW":
                    continue
                if module is None and len(w) == 3:
                    out.append(f"{w[0]} {w[2]}")
                elif module and len(w) == 4 and w[3] == f"[{module}]":
                    out.append([int(w[0], 16), w[2]])
        if module is None:
            return base64.b64encode(gzip.compress(
                "\n".join(out).encode())).decode()
        base = Guest.module_range()[0]
        return [[a - base, n] for a, n in out if a >= base]

    def insn_rounds(self):
        """Each configuration, --reps times in rotated order: a warm-up of
        --warm connections, then --conns between insncount's markers. The
        i-th "insn" record is the i-th run of markers 1 (3...) 2 in the
        plugin's log; nothing else here executes a marker. A round of
        warm-up first, --warm-round connections in each configuration:
        the first thousands of connections after boot fill the kernel's
        tables and cost about 1% more."""
        configs = self.configs(procs=(1,))
        a = self.args
        n = len(configs)
        seq = 0
        self.emit({"type": "kallsyms", "text": self.kallsyms()})
        module_syms = None
        self.progress("instruction counts: warm-up")
        for cfg in configs:
            self.setup(cfg)
            try:
                self.count_connbench(a.warm_round, False)
            finally:
                self.teardown(cfg)
        for rep in range(a.reps):
            order = configs[rep % n:] + configs[:rep % n]
            self.progress(f"instruction counts {rep + 1}/{a.reps}: "
                          f"{' '.join(c[0] for c in order)}")
            for cfg in order:
                self.setup(cfg)
                try:
                    self.count_connbench(a.warm, False)
                    res = self.count_connbench(a.conns, True)
                finally:
                    self.teardown(cfg)
                self.emit({"type": "insn", "config": cfg[0], "rep": rep,
                           "seq": seq, "conns": res["conns"],
                           "errors": res["errors"],
                           "applied_ok": self.check_views(cfg, res),
                           "module": self.module_range() if cfg[2] else None})
                if cfg[2] and not module_syms:
                    module_syms = self.kallsyms("ka_policy")
                    self.emit({"type": "module_syms", "syms": module_syms})
                seq += 1

    # -- memory -----------------------------------------------------------

    @staticmethod
    def meminfo():
        out = {}
        with open("/proc/meminfo") as f:
            for line in f:
                k, v = line.split(":")
                out[k] = int(v.split()[0]) * 1024
        return out

    @staticmethod
    def slabinfo():
        out = {}
        with open("/proc/slabinfo") as f:
            for line in f:
                if line.startswith(("slabinfo", "#")):
                    continue
                w = line.split()
                # name active_objs num_objs objsize objperslab pagesperslab
                # : tunables ... : slabdata active_slabs num_slabs ...
                out[w[0]] = (int(w[1]), int(w[3]),
                             int(w[14]) * int(w[5]) * 4096)
        return out

    @staticmethod
    def vmallocinfo():
        out = {}
        with open("/proc/vmallocinfo") as f:
            for line in f:
                w = line.split()
                caller = w[2] if len(w) > 2 and not w[2].startswith(("pages=", "phys=")) else "?"
                caller = caller.split("+")[0]
                out[caller] = out.get(caller, 0) + int(w[1])
        return out

    def settle(self):
        time.sleep(2)           # RCU callbacks
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("3\n")
        time.sleep(0.5)

    def snapshot(self):
        self.settle()
        return {"mem": self.meminfo(), "slab": self.slabinfo(),
                "vmalloc": self.vmallocinfo()}

    def memory(self):
        self.progress("memory per policy")
        self.set_module(False)
        self.set_module(True)
        before = self.snapshot()
        t = self.load("p65k")
        after = self.snapshot()
        self.load("empty")
        freed = self.snapshot()
        n = SCALE_POLICIES

        def delta(a, b, k):
            return b["mem"][k] - a["mem"][k]
        fields = ["Slab", "SUnreclaim", "Percpu", "VmallocUsed", "MemFree"]
        slab = []
        for name, (objs, size, pages) in after["slab"].items():
            objs0, _, pages0 = before["slab"].get(name, (0, size, 0))
            d = pages - pages0
            if abs(d) >= 16 * 1024:
                slab.append({"cache": name, "objsize": size,
                             "objects": objs - objs0, "bytes": d})
        slab.sort(key=lambda s: -s["bytes"])
        vm = []
        for caller, size in after["vmalloc"].items():
            d = size - before["vmalloc"].get(caller, 0)
            if abs(d) >= 16 * 1024:
                vm.append({"caller": caller, "bytes": d})
        vm.sort(key=lambda s: -s["bytes"])
        with open("/sys/devices/system/cpu/possible") as f:
            possible = f.read().strip()
        nr_possible = sum(int(r.split("-")[-1]) - int(r.split("-")[0]) + 1
                          for r in possible.split(","))
        rec = {"type": "memory", "policies": n, "load_s": round(t, 3),
               "possible_cpus": possible, "nr_possible": nr_possible,
               "delta": {k: delta(before, after, k) for k in fields},
               "not_freed": {k: delta(before, freed, k) for k in fields},
               "slab_caches": slab[:8], "vmalloc_callers": vm[:8]}
        d = rec["delta"]
        rec["kernel_bytes"] = d["Slab"] + d["Percpu"] + d["VmallocUsed"]
        rec["per_policy"] = {
            "slab": d["Slab"] / n, "percpu": d["Percpu"] / n,
            "vmalloc": d["VmallocUsed"] / n,
            "total": rec["kernel_bytes"] / n,
            "memfree": -d["MemFree"] / n}
        self.emit(rec)

    # -- range updates ----------------------------------------------------

    def range_updates(self):
        """kactl load without --replace: one set request per line, each
        changing the index of port ranges the policy joins (ranges.c)."""
        series = RANGE_SERIES[:2] if self.args.quick else RANGE_SERIES
        self.set_module(True)
        for n in series:
            self.progress(f"{n:,} range policies set one by one")
            self.run(self.kactl, "flush")
            path = f"/tmp/ka_bench_ranges_{n}.conf"
            with open(path, "w") as f:
                f.writelines(line + "\n" for line in range_lines(n))
            t = time.monotonic()
            self.run(self.kactl, "load", path)
            t = time.monotonic() - t
            have = self.run(self.kactl, "-j", "list").stdout
            self.progress(f"{n:,} range policies deleted one by one")
            d = time.monotonic()
            self.delete_ranges(range_lines(n))
            d = time.monotonic() - d
            left = self.run(self.kactl, "-j", "list").stdout
            self.run(self.kactl, "flush")
            self.emit({"type": "ranges", "n": n, "s": round(t, 3),
                       "us_per_set": round(t / n * 1e6, 1),
                       "listed": len(json.loads(have)),
                       "del_s": round(d, 3),
                       "us_per_del": round(d / n * 1e6, 1),
                       "left": len(json.loads(left))})

    def delete_ranges(self, lines):
        """Deletes the ranges of lines (range_lines()) in order, a netlink
        request each, from this process: kactl del per line would time
        the start of a process per delete."""
        sys.path.insert(0, os.path.join(self.root, "tests", "lib"))
        import ka_genl
        pol = ka_genl.enum("ka_policy_attr")
        dirs = {"": "KA_DIR_BOTH", "in": "KA_DIR_IN", "out": "KA_DIR_OUT"}
        dir_val = ka_genl.enum("ka_dir")
        cmd = ka_genl.enum("ka_cmd")["KA_CMD_POLICY_DEL"]
        nest = ka_genl.enum("ka_attr")["KA_A_POLICY"] | ka_genl.NLA_F_NESTED
        sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 16)
        sock.bind((0, 0))
        family = ka_genl.family_id(sock)
        for seq, line in enumerate(lines, 2):
            m = re.match(r"--port (\d+)-(\d+)(?: --dir (in|out))?", line)
            attrs = (ka_genl.attr(pol["KA_POLICY_A_PORT_MIN"], struct.pack("H", int(m[1]))) +
                     ka_genl.attr(pol["KA_POLICY_A_PORT_MAX"], struct.pack("H", int(m[2]))) +
                     ka_genl.attr(pol["KA_POLICY_A_DIR"],
                                  struct.pack("B", dir_val[dirs[m[3] or ""]])))
            err, msg, _ = ka_genl.request(sock, family, cmd,
                                          ka_genl.attr(nest, attrs), seq)
            if err:
                raise RuntimeError(f"del {line}: {errno.errorcode.get(-err)} {msg}")
        sock.close()

    # -- detection latency ------------------------------------------------

    def detection(self):
        reps = self.args.detect
        self.progress(f"dead peer detection, {reps} times")
        self.set_module(True)
        self.load("empty")
        sh = self.run
        sh("modprobe", "veth")
        for ns in ("ka_bcli", "ka_bsrv"):
            sh("ip", "netns", "add", ns)
            sh("ip", "-n", ns, "link", "set", "lo", "up")
        server = None
        try:
            sh("ip", "link", "add", "ka_bc", "netns", "ka_bcli", "type", "veth",
               "peer", "name", "ka_bs", "netns", "ka_bsrv")
            sh("ip", "-n", "ka_bcli", "addr", "add", "192.0.2.1/24", "dev", "ka_bc")
            sh("ip", "-n", "ka_bsrv", "addr", "add", "192.0.2.2/24", "dev", "ka_bs")
            sh("ip", "-n", "ka_bcli", "link", "set", "ka_bc", "up")
            d = DETECT
            sh("ip", "netns", "exec", "ka_bcli", self.kactl, "set", "--port",
               str(d["port"]), "--dir", "out", "--idle", str(d["idle"]),
               "--intvl", str(d["intvl"]), "--cnt", str(d["cnt"]))
            server = subprocess.Popen(
                ["ip", "netns", "exec", "ka_bsrv", sys.executable, "-S", KA_CONN,
                 "serve", "192.0.2.2", str(d["port"])],
                stdout=subprocess.PIPE, text=True)
            if server.stdout.readline().strip() != "ready":
                raise RuntimeError("the detection server did not start")
            theory = d["idle"] + d["intvl"] * d["cnt"]
            for rep in range(reps):
                sh("ip", "-n", "ka_bsrv", "link", "set", "ka_bs", "up")
                time.sleep(0.5)
                cli = subprocess.Popen(
                    ["ip", "netns", "exec", "ka_bcli", sys.executable, "-S",
                     KA_CONN, "wait-dead", "192.0.2.2", str(d["port"])],
                    stdout=subprocess.PIPE, text=True)
                if cli.stdout.readline().strip() != "connected":
                    raise RuntimeError("the detection client did not connect")
                t_before = time.monotonic()
                sh("ip", "-n", "ka_bsrv", "link", "set", "ka_bs", "down")
                t_vanish = time.monotonic()
                out = json.loads(cli.stdout.readline())
                cli.wait()
                rec = {"type": "detect", "rep": rep, "errno": out["errno"],
                       "theory": theory,
                       "from_vanish": round(out["t"] - t_vanish, 3),
                       "from_connect": out["elapsed"],
                       "vanish_window": round(t_vanish - t_before, 3)}
                self.emit(rec)
                self.progress(f"detection {rep + 1}: {rec['errno']} after "
                              f"{rec['from_vanish']} s")
        finally:
            if server:
                server.kill()
                server.wait()
            for ns in ("ka_bcli", "ka_bsrv"):
                self.run("ip", "netns", "del", ns, check=False)

    # -- all --------------------------------------------------------------

    def meta(self):
        u = os.uname()
        with open("/proc/cpuinfo") as f:
            model = next((line.split(":", 1)[1].strip() for line in f
                          if line.startswith("model name")), "?")
        with open("/proc/meminfo") as f:
            mem = f.readline().split()[1]
        mod = subprocess.run(["modinfo", "-F", "version", self.module],
                             capture_output=True, text=True).stdout.strip()
        a = self.args
        self.emit({"type": "meta", "kernel": u.release,
                   "kernel_version": u.version, "machine": u.machine,
                   "cpus": os.cpu_count(), "cpu_model": model,
                   "mem_kb": int(mem), "module_version": mod,
                   "date": datetime.datetime.now(datetime.timezone.utc)
                   .strftime("%Y-%m-%d %H:%M:%S UTC"),
                   "mode": a.mode, "reps": a.reps, "conns": a.conns,
                   "chunk": a.chunk,
                   "rounds": a.rounds, "seconds": a.seconds,
                   "detect_reps": a.detect, "quick": a.quick,
                   "port": PORT, "cgroup": CGROUP,
                   "loadavg_start": open("/proc/loadavg").read().split()[:3]})

    def main(self):
        start = time.monotonic()
        rc = 0
        self.meta()
        self.cgroup_setup()
        try:
            # Memory first: the percpu allocator and the page allocator keep
            # what earlier steps freed, which would hide new allocations.
            steps = {"wall": (self.memory, self.rounds, self.range_updates,
                              self.detection),
                     "insn": (self.insn_rounds,),
                     "memory": (self.memory,)}[self.args.mode]
            for step in steps:
                try:
                    step()
                except Exception as e:      # record it, go on with the rest
                    self.failed = True
                    self.emit({"type": "error", "step": step.__name__,
                               "message": str(e)})
                    self.progress(f"{step.__name__} failed: {e}")
        finally:
            if self.bpf_ready:
                self.run("bpftool", "cgroup", "detach", self.cgdir,
                         "sock_ops", "pinned", BPF_PIN, check=False)
                os.unlink(BPF_PIN)
            self.cgroup_teardown()
            self.emit({"type": "end", "mode": self.args.mode,
                       "elapsed_s": round(time.monotonic() - start, 1)})
            for rec in self.records:
                print("KA_BENCH " + json.dumps(rec, separators=(",", ":")),
                      flush=True)
        if self.failed:
            rc = 1
        return rc


def cmd_guest(args):
    if args.quick:
        args.rounds, args.seconds, args.detect = 1, 1, 1
        args.reps, args.conns, args.warm, args.chunk = 2, 300, 100, 100
        args.warm_round = 100
    return Guest(args).main()


# --------------------------------------------------------------- report ---

def read_records(log):
    recs = []
    with open(log, errors="replace") as f:
        for line in f:
            line = re.sub(r"\x1b\[[0-9;?]*[a-zA-Z]|\x1bc|\r", "", line)
            i = line.find("KA_BENCH {")
            if i < 0:
                continue
            try:
                recs.append(json.loads(line[i + len("KA_BENCH "):]))
            except ValueError:
                print(f"bench: a garbled result line in {log}: {line[:80]}...",
                      file=sys.stderr)
    return recs


def quartiles(v):
    if len(v) < 2:
        return v[0], v[0]
    q = statistics.quantiles(v, n=4, method="inclusive")
    return q[0], q[2]


def summarize(recs):
    meta = next((r for r in recs if r["type"] == "meta"), {})
    runs = [r for r in recs if r["type"] == "run"]
    configs = []
    for key, label, *_ in CONFIGS:
        rs = [r for r in runs if r["config"] == key]
        if not rs:
            continue
        base_key = BASELINE.get(key, "base")
        base = {r["round"]: r["rate"] for r in runs if r["config"] == base_key}
        rates = [r["rate"] for r in rs]
        q1, q3 = quartiles(rates)
        paired = [r["rate"] / base[r["round"]] for r in rs
                  if r["round"] in base]
        loads = [r["load_s"] for r in rs if r["load_s"] is not None]
        pq1, pq3 = quartiles(paired) if paired else (None, None)
        configs.append({
            "config": key, "label": label, "rounds": len(rs),
            "median": statistics.median(rates), "min": min(rates),
            "max": max(rates), "q1": q1, "q3": q3,
            "iqr_pct": 100 * (q3 - q1) / statistics.median(rates),
            "paired_ratio_median": statistics.median(paired) if paired else None,
            "paired_ratio_min": min(paired) if paired else None,
            "paired_ratio_max": max(paired) if paired else None,
            # The noise: the interquartile range of the per-round ratios.
            "paired_iqr_pct": None if pq1 is None else 100 * (pq3 - pq1),
            "applied_ok": all(r["applied_ok"] for r in rs),
            "errors": sum(r["errors"] for r in rs),
            "load_s_median": statistics.median(loads) if loads else None,
            "sample": rs[-1]["last"],
            "rates": rates})
    by = {c["config"]: c for c in configs}
    for c in configs:
        base_key = BASELINE.get(c["config"], "base")
        if base_key in by:
            c["baseline"] = base_key
            c["ratio"] = c["median"] / by[base_key]["median"]
    return meta, configs, by


# ------------------------------------------------- instruction counts ---

REPRO_PCT = 0.2         # the spread an instruction count must stay within
MIN_ROUNDS = 3          # fewer wall-clock rounds have no noise figure


def read_marks(log):
    """The plugin's marks, in order: (id, kernel, modules, user, pages),
    pages {address: instructions so far} of the module area."""
    marks = []
    with open(log, errors="replace") as f:
        for line in f:
            w = line.split()
            if len(w) == 9 and w[:2] == ["insncount:", "mark"]:
                marks.append((int(w[2]), int(w[4]), int(w[6]), int(w[8]), {}))
            elif len(w) == 6 and w[:3] == ["insncount:", "page", "mark"] and marks \
                    and int(w[3]) == marks[-1][0]:
                marks[-1][4][int(w[4], 16)] = int(w[5])
    return marks


def insn_counts(recs, marks, chunk):
    """Each "insn" record with its instructions per connection, from the
    seq-th run of markers 1, 3..., 2: kernel (all of it), module
    (ka_policy's own code), tramp (the rest of the module area: kprobe and
    ftrace trampolines), user. Each is the median over the chunks of chunk
    connections that markers 3 delimit: the kernel's own periodic work
    (millions of instructions at a time, in about one measurement in six)
    lands in one chunk, and is not a connection's cost. kernel_mean is the
    plain mean over the whole run, that work included: the report shows
    both. None when the log does not hold the record's run."""
    runs, cur = [], None
    for m in marks:
        if m[0] == 1:
            cur = [m]
        elif m[0] == 3 and cur:
            cur.append(m)
        elif m[0] == 2 and cur:
            runs.append((cur, m))
            cur = None
    out = []
    for r in recs:
        if r["type"] != "insn":
            continue
        if r["seq"] >= len(runs):
            return None
        bounds, end = runs[r["seq"]]
        if len(bounds) < 2:
            return None
        lo, size = r["module"] or (0, 0)

        def own(a, b):
            return sum(c - a[4].get(addr, 0) for addr, c in b[4].items()
                       if lo <= addr < lo + size)

        chunks = [(b[1] - a[1], b[2] - a[2], own(a, b), b[3] - a[3])
                  for a, b in zip(bounds, bounds[1:])]

        def med(i):
            return statistics.median(c[i] for c in chunks) / chunk
        out.append(dict(r, kernel=med(0), modarea=med(1), module=med(2),
                        tramp=med(1) - med(2), user=med(3), chunks=len(chunks),
                        kernel_mean=(end[1] - bounds[0][1]) / r["conns"]))
    return out


def summarize_insn(counts):
    """Per configuration: the median of its repetitions and their spread,
    (max - min) / median in percent; added against the baseline."""
    configs = []
    for key, label, *_ in CONFIGS:
        rs = [r for r in counts if r["config"] == key]
        if not rs:
            continue
        k = [r["kernel"] for r in rs]
        med = statistics.median(k)
        configs.append({
            "config": key, "label": label, "reps": len(rs),
            "kernel": med, "min": min(k), "max": max(k),
            "spread_pct": 100 * (max(k) - min(k)) / med,
            "kernel_mean": statistics.median(r["kernel_mean"] for r in rs),
            "module": statistics.median(r["module"] for r in rs),
            "tramp": statistics.median(r["tramp"] for r in rs),
            "modarea": statistics.median(r["modarea"] for r in rs),
            "modarea_spread": max(r["modarea"] for r in rs) - min(r["modarea"] for r in rs),
            "user": statistics.median(r["user"] for r in rs),
            "applied_ok": all(r["applied_ok"] for r in rs),
            "errors": sum(r["errors"] for r in rs),
            "per_rep": k})
    by = {c["config"]: c for c in configs}
    base = by.get("base")
    for c in configs:
        if base:
            c["added"] = c["kernel"] - base["kernel"]
            c["added_pct"] = 100 * c["added"] / base["kernel"]
    return configs, by


# ------------------------------------------------------------ profile ---

MODULES_START = 0xffffffffc0000000  # the module area (insncount.c)
PROFILE_CONFIGS = ("mod0", "p1", "p10k_none", "p10k", "bpf")
PROFILE_MIN = 3                     # instructions per connection shown


def read_blocks(log):
    """insncount's blocks=on profiles, one {address: instructions} per
    mark 2 in order, or [] when the log has none."""
    out, seen = [], False
    with open(log, errors="replace") as f:
        for line in f:
            w = line.split()
            if len(w) == 9 and w[:3] == ["insncount:", "mark", "2"]:
                out.append({})
            elif len(w) == 6 and w[:4] == ["insncount:", "block", "mark", "2"] and out:
                seen = True
                out[-1][int(w[4], 16) if w[4] != "overflow" else -1] = int(w[5])
    return out if seen else []


class Symbols:
    """Kernel code addresses to function names, from the guest's
    /proc/kallsyms (Guest.kallsyms): the kernel's own, and ka_policy's
    as offsets from wherever it was loaded."""

    def __init__(self, kallsyms_b64, module_syms):
        syms = []
        for line in gzip.decompress(base64.b64decode(kallsyms_b64)).decode().splitlines():
            a, n = line.split()
            syms.append((int(a, 16), n))
        syms.sort()
        self.addrs = [a for a, _ in syms]
        self.names = [n for _, n in syms]
        m = sorted(module_syms or [])
        self.mod_offs = [a for a, _ in m]
        self.mod_names = [n for _, n in m]

    @staticmethod
    def find(addrs, names, addr):
        i = bisect.bisect_right(addrs, addr) - 1
        return names[i] if i >= 0 else None

    def name(self, addr, module):
        """module: the record's [start, size) of ka_policy, or None."""
        if addr < 0:
            return "[blocks without a counter]"
        if addr >= MODULES_START:
            if module and module[0] <= addr < module[0] + module[1]:
                n = self.find(self.mod_offs, self.mod_names, addr - module[0])
                return f"{n} [ka_policy]" if n else "[ka_policy]"
            return "[module area: trampolines, BPF JIT]"
        return self.find(self.addrs, self.names, addr) or "[unknown]"


def insn_profile(recs, blocks, symbols):
    """Per configuration of PROFILE_CONFIGS and the baseline: {function:
    instructions per connection}, the median over its repetitions, over
    whole runs (the kernel's periodic work included)."""
    per = {}
    for r in recs:
        if r["type"] != "insn" or r["seq"] >= len(blocks):
            continue
        if r["config"] != "base" and r["config"] not in PROFILE_CONFIGS:
            continue
        mod = r.get("module")
        f = {}
        for addr, n in blocks[r["seq"]].items():
            name = symbols.name(addr, mod)
            f[name] = f.get(name, 0) + n / r["conns"]
        per.setdefault(r["config"], []).append(f)
    out = {}
    for key, runs in per.items():
        names = set().union(*runs)
        out[key] = {n: statistics.median(f.get(n, 0) for f in runs) for n in names}
    return out


def profile_lines(prof, by):
    """The profile as text: for each configuration, the functions whose
    instructions per connection differ from the baseline's by at least
    PROFILE_MIN, largest first, and what the rest adds up to."""
    base = prof.get("base")
    lines = []
    if not base:
        return lines
    for key in PROFILE_CONFIGS:
        f = prof.get(key)
        if not f:
            continue
        diff = {n: f.get(n, 0) - base.get(n, 0) for n in set(f) | set(base)}
        total = sum(diff.values())
        shown = sorted((d, n) for n, d in diff.items() if abs(d) >= PROFILE_MIN)
        shown.sort(key=lambda x: -abs(x[0]))
        label = by[key]["label"] if key in by else key
        lines.append(f"  {label}: {total:+,.0f} per connection over the baseline")
        for d, n in shown:
            lines.append(f"    {d:+8,.1f}  {n}")
        rest = total - sum(d for d, _ in shown)
        lines.append(f"    {rest:+8,.1f}  (functions under {PROFILE_MIN} each)")
    return lines


def resolve(value, noise, limit, unit=" points"):
    """A target's status: met only when value stays within limit whatever
    the noise, missed only when it exceeds limit whatever the noise,
    otherwise not resolved: a difference inside the noise says nothing."""
    if value + noise <= limit:
        return "met"
    if value - noise > limit:
        return f"missed by {value - limit:.2f}{unit}"
    return f"not resolved: {value:.2f} within {noise:.2f} of the limit {limit:g}"


def insn_targets(by):
    """[(target, status, detail)] measured in instructions."""
    out = []
    base = by.get("base")

    def cost_target(name, key, limit):
        c = by.get(key)
        if not c or not base:
            out.append((name, "not measured", ""))
            return
        noise = max(c["spread_pct"], base["spread_pct"])
        exact = 100 * c["modarea"] / base["kernel"]
        detail = (f"{c['added']:+,.0f} instructions per connection, "
                  f"{c['added_pct']:+.2f}% of the baseline's {base['kernel']:,.0f}; "
                  f"spread {noise:.2f}%; the module area alone (ka_policy's code "
                  f"and its trampolines, counted exactly) {c['modarea']:,.0f}, "
                  f"{exact:.2f}%")
        out.append((name, resolve(c["added_pct"], noise, limit), detail))

    cost_target("10,000 policies, none matching, within 1% of baseline",
                "p10k_none", 1.0)
    cost_target("10,000 policies (one matching) within 2% of baseline",
                "p10k", 2.0)

    series = [(by[k], n) for k, n in SCALE_SERIES if k in by]
    name = "flat from 1 to 65,536 policies (within 0.5%)"
    if len(series) == len(SCALE_SERIES):
        ks = [c["kernel"] for c, _ in series]
        dev = 100 * (max(ks) / min(ks) - 1)
        noise = max(c["spread_pct"] for c, _ in series)
        detail = ", ".join(f"{n:,}: {c['kernel']:,.0f}" for c, n in series) + \
            f" instructions per connection; largest / smallest {dev:+.2f}%; " \
            f"spread up to {noise:.2f}%"
        out.append((name, resolve(dev, noise, 0.5), detail))
        # The part the module's own code and trampolines take, which the
        # counter attributes exactly: what could grow with the policies.
        ms = [c["modarea"] for c, _ in series]
        mdev = 100 * (max(ms) - min(ms)) / series[0][0]["kernel"]
        mnoise = 100 * max(c["modarea_spread"] for c, _ in series) / \
            series[0][0]["kernel"]
        out.append(("flat from 1 to 65,536 policies (within 0.5%), by the module "
                    "area's instructions", resolve(mdev, mnoise, 0.5),
                    ", ".join(f"{n:,}: {c['modarea']:,.0f}" for c, n in series) +
                    f" per connection: at most {max(ms) - min(ms):,.0f} apart, "
                    f"{mdev:.3f}% of a connection's {series[0][0]['kernel']:,.0f}"))
    else:
        out.append((name, "not measured", ""))

    name = "no more instructions than the BPF comparator"
    if "bpf" in by and "p1" in by and base:
        ka, bpf = by["p1"]["added"], by["bpf"]["added"]
        noise = max(by["p1"]["spread_pct"], by["bpf"]["spread_pct"]) * \
            base["kernel"] / 100
        detail = (f"1 policy {ka:+,.0f}, BPF sock_ops {bpf:+,.0f} instructions "
                  f"per connection over the baseline; spread {noise:,.0f}")
        if abs(ka - bpf) < noise:
            out.append((name, "not resolved: within the spread", detail))
        else:
            out.append((name, "met" if ka < bpf else
                        f"missed by {ka - bpf:,.0f} instructions", detail))
    else:
        out.append((name, "not measured", ""))

    name = f"instruction counts reproducible within {REPRO_PCT}%"
    if by:
        worst = max(by.values(), key=lambda c: c["spread_pct"])
        detail = (f"largest spread {worst['spread_pct']:.3f}% ({worst['config']}, "
                  f"{worst['reps']} repetitions)")
        out.append((name, "met" if worst["spread_pct"] <= REPRO_PCT else
                    f"missed by {worst['spread_pct'] - REPRO_PCT:.3f} points", detail))
        mods = [c for c in by.values() if c["modarea"]]
        if mods:
            w = max(mods, key=lambda c: c["modarea_spread"] / c["modarea"])
            pct = 100 * w["modarea_spread"] / w["modarea"]
            out.append((f"the module area's counts reproducible within {REPRO_PCT}%",
                        "met" if pct <= REPRO_PCT else
                        f"missed by {pct - REPRO_PCT:.3f} points",
                        f"largest spread {pct:.3f}% ({w['config']}: "
                        f"{w['modarea_spread']:,.0f} of {w['modarea']:,.0f})"))
    return out


def targets(by, mems, detects, skips):
    """[(target, status, detail)], status "met", "missed" or "not measured":
    those of the wall-clock run and memory; insn_targets() has the
    connection costs in instructions."""
    out = []

    def ratio_target(name, key, limit):
        c = by.get(key)
        if not c or "ratio" not in c:
            out.append((name, "not measured", ""))
            return
        loss = 100 * (1 - c["ratio"])
        noise = c["paired_iqr_pct"] or 0
        detail = (f"{c['ratio']:.3f} of baseline ({-loss:+.1f}%); per-round "
                  f"ratios {c['paired_ratio_min']:.3f}-{c['paired_ratio_max']:.3f}, "
                  f"IQR {noise:.1f} points")
        if c["rounds"] < MIN_ROUNDS:
            out.append((name, f"not resolved: {c['rounds']} round(s)", detail))
        else:
            out.append((name, resolve(loss, noise, limit), detail))

    ratio_target("wall clock: 10,000 policies (one matching) within 2% of baseline",
                 "p10k", 2.0)
    ratio_target("wall clock: 10,000 policies, none matching, within 1% of baseline",
                 "p10k_none", 1.0)

    series = [(by[k], n) for k, n in SCALE_SERIES if k in by]
    if len(series) == len(SCALE_SERIES):
        ref = series[0][0]["median"]
        devs = [(100 * (c["median"] / ref - 1), n) for c, n in series[1:]]
        worst = max(devs, key=lambda d: abs(d[0]))
        noise = max(c["iqr_pct"] for c, _ in series)
        detail = ", ".join(f"{n:,}: {d:+.1f}%" for d, n in devs) + \
            f" against 1 policy; rate IQR up to {noise:.1f}%"
        name = "wall clock: flat from 1 to 65,536 policies (within 2%)"
        if min(c["rounds"] for c, _ in series) < MIN_ROUNDS:
            out.append((name, f"not resolved: fewer than {MIN_ROUNDS} rounds", detail))
        else:
            out.append((name, resolve(abs(worst[0]), noise, 2.0), detail))
    else:
        out.append(("wall clock: flat from 1 to 65,536 policies", "not measured", ""))

    for mem in mems:
        pp = mem["per_policy"]
        name = (f"under 256 bytes of kernel memory per policy, "
                f"{mem['nr_possible']} possible CPUs")
        detail = (f"{pp['total']:.0f} B/policy (slab {pp['slab']:.0f} + percpu "
                  f"{pp['percpu']:.0f} + vmalloc {pp['vmalloc']:.0f}; MemFree "
                  f"drop {pp['memfree']:.0f})")
        if pp["total"] < 256:
            out.append((name, "met", detail))
        else:
            out.append((name, f"missed by {pp['total'] - 256:.0f} B", detail))
    if not mems:
        out.append(("under 256 bytes per policy", "not measured", ""))

    if detects:
        errs = [d["from_vanish"] - d["theory"] for d in detects]
        worst = max(errs, key=abs)
        bad = [d for d in detects if d["errno"] != "ETIMEDOUT"]
        detail = (", ".join(f"{d['from_vanish']:.2f}" for d in detects) +
                  f" s against {detects[0]['theory']} s; max error {worst:+.2f} s")
        if bad:
            out.append(("dead peer detected within 1 s of theory",
                        f"missed: {bad[0]['errno']} instead of ETIMEDOUT", detail))
        elif abs(worst) <= 1.0:
            out.append(("dead peer detected within 1 s of theory", "met", detail))
        else:
            out.append(("dead peer detected within 1 s of theory",
                        f"missed by {abs(worst) - 1:.2f} s", detail))
    else:
        out.append(("dead peer detected within 1 s of theory", "not measured", ""))

    name = "wall clock: no slower than the BPF comparator"
    if "bpf" in by and "p1" in by:
        ka, bpf = by["p1"]["median"], by["bpf"]["median"]
        d = 100 * (ka / bpf - 1)
        noise = max(by["p1"]["iqr_pct"], by["bpf"]["iqr_pct"])
        detail = (f"1 policy {ka:.0f} conn/s, BPF {bpf:.0f} conn/s ({d:+.1f}%); "
                  f"rate IQR up to {noise:.1f}%")
        if min(by["p1"]["rounds"], by["bpf"]["rounds"]) < MIN_ROUNDS:
            out.append((name, f"not resolved: fewer than {MIN_ROUNDS} rounds", detail))
        else:
            # Slower than BPF by -d percent, against a limit of 0.
            out.append((name, resolve(-d, noise, 0.0, "%"), detail))
    else:
        why = next((s["reason"] for s in skips if s["config"] == "bpf"), "")
        out.append((name, "not measured",
                    f"BPF row skipped: {why}" if why else ""))

    c = by.get("par_p1")
    name = ("wall clock: 2 CPUs under one policy (shared counters) no slower "
            "than under a policy each")
    if c and "ratio" in c and c["paired_iqr_pct"] is not None:
        loss = 100 * (1 - c["ratio"])
        detail = (f"{c['ratio']:.3f} of a policy each; per-round ratios "
                  f"{c['paired_ratio_min']:.3f}-{c['paired_ratio_max']:.3f}, IQR "
                  f"{c['paired_iqr_pct']:.1f} points")
        out.append((name, resolve(loss, c["paired_iqr_pct"], 0.0, "%") if
                    c["rounds"] >= MIN_ROUNDS else
                    f"not resolved: fewer than {MIN_ROUNDS} rounds", detail))
    return out


def cmd_report(args):
    recs, insn_recs = [], []
    for log in args.console:
        r = read_records(log)
        if not r:
            print(f"bench: no results in {log}", file=sys.stderr)
            return 1
        if any(x["type"] == "meta" and x.get("mode") == "insn" for x in r):
            insn_recs = r
        else:
            recs += r
    meta, configs, by = summarize(recs)
    mems = sorted((r for r in recs if r["type"] == "memory"),
                  key=lambda m: m["nr_possible"])
    detects = [r for r in recs if r["type"] == "detect"]
    ranges = [r for r in recs if r["type"] == "ranges"]
    skips = [r for r in recs if r["type"] == "skip"]
    errors = [r for r in recs + insn_recs if r["type"] == "error"]
    ends = [r for r in recs + insn_recs if r["type"] == "end"]
    insn_configs, insn_by, insn_meta, prof = [], {}, {}, {}
    if insn_recs:
        insn_meta = next((r for r in insn_recs if r["type"] == "meta"), {})
        marks = read_marks(args.plugin_log) if args.plugin_log and \
            os.path.exists(args.plugin_log) else []
        counts = insn_counts(insn_recs, marks, insn_meta.get("chunk") or 500)
        if counts is None:
            errors.append({"step": "insn", "message": "the plugin's log holds "
                           f"fewer marker pairs ({len(marks) // 2}) than measurements"})
        else:
            insn_configs, insn_by = summarize_insn(counts)
        blocks = read_blocks(args.plugin_log) if args.plugin_log and \
            os.path.exists(args.plugin_log) else []
        ksyms = next((r for r in insn_recs if r["type"] == "kallsyms"), None)
        msyms = next((r for r in insn_recs if r["type"] == "module_syms"), None)
        if blocks and ksyms:
            prof = insn_profile(insn_recs, blocks,
                                Symbols(ksyms["text"], msyms and msyms["syms"]))
        elif blocks:
            errors.append({"step": "profile", "message": "no kallsyms from "
                           "the guest: no profile"})
    tg = insn_targets(insn_by) + targets(by, mems, detects, skips)
    host = []
    if args.host and os.path.exists(args.host):
        with open(args.host) as f:
            host = [json.loads(line) for line in f if line.strip()]

    lines = []
    p = lines.append
    if insn_configs:
        p(f"instructions per connection (connect, accept, close of both ends), "
          f"kernel {insn_meta.get('kernel', '?')}, counted by QEMU (insncount), "
          f"1 vCPU, icount, {insn_meta.get('reps', '?')} x "
          f"{insn_meta.get('conns', '?'):,} connections per configuration")
        p("")
        p(f"{'configuration':<46} {'kernel':>9} {'spread':>7} {'added':>8} "
          f"{'ratio':>6} {'module':>7} {'tramp':>6} {'mean':>9}")
        for c in insn_configs:
            added = f"{c['added']:+8,.0f}" if "added" in c else f"{'-':>8}"
            ratio = f"{1 + c['added_pct'] / 100:.4f}" if "added" in c else "-"
            flag = "" if c["applied_ok"] else "  KEEPALIVE NOT AS EXPECTED"
            flag += f"  ({c['errors']} connect retries)" if c["errors"] else ""
            p(f"{c['label']:<46} {c['kernel']:>9,.0f} {c['spread_pct']:>6.3f}% "
              f"{added} {ratio:>6} {c['module']:>7,.0f} {c['tramp']:>6,.0f} "
              f"{c['kernel_mean']:>9,.0f}{flag}")
        p(f"  kernel: all kernel instructions; each run's median over its chunks of "
          f"{insn_meta.get('chunk', '?')} connections, the median over the runs; "
          "module: ka_policy's own code; tramp: the rest of the module area "
          "(kprobe and ftrace trampolines; for bpf, the program's JIT image); "
          "mean: over whole runs, the kernel's periodic work included")
        p("")
        if prof:
            p("where the added instructions go, by function (instructions per "
              "connection over the baseline; whole runs, the median of the "
              "repetitions; the kernel's periodic work lands anywhere)")
            lines += profile_lines(prof, insn_by)
            p("")
    if configs:
        p(f"wall clock: ka_policy benchmark, {meta.get('date', '?')}: kernel {meta.get('kernel', '?')}, "
          f"{meta.get('cpus', '?')} vCPUs ({meta.get('cpu_model', '?')}), "
          f"{meta.get('rounds', '?')} rounds x {meta.get('seconds', '?')} s"
          f"{' (quick)' if meta.get('quick') else ''}, port {PORT}")
        if host:
            p(f"host: {host[0]['cpus']} CPUs ({host[0]['cpu_model']}), kernel "
              f"{host[0]['kernel']}, load average " +
              " -> ".join(f"{h['loadavg'][0]} ({h['when']})" for h in host))
        p("")
        p(f"{'configuration':<46} {'conn/s':>8} {'ratio':>6} "
          f"{'min-max':>11} {'IQR':>5}  per-round ratio")
        for c in configs:
            ratio = f"{c['ratio']:.3f}" if "ratio" in c else "-"
            pr = "-" if c["paired_ratio_min"] is None else \
                f"{c['paired_ratio_min']:.3f}-{c['paired_ratio_max']:.3f}"
            flag = "" if c["applied_ok"] else "  KEEPALIVE NOT AS EXPECTED"
            p(f"{c['label']:<46} {c['median']:>8.0f} {ratio:>6} "
              f"{c['min']:>5.0f}-{c['max']:<5.0f} {c['iqr_pct']:>4.1f}%  {pr}{flag}")
    for s in skips:
        p(f"{'(' + s['config'] + ' skipped)':<46} {s['reason']}")
    loads = [(c["label"], c["load_s_median"]) for c in configs
             if c["config"] in ("p10k", "p65k") and c["load_s_median"]]
    if loads:
        p("")
        p("kactl load --replace: " + "; ".join(
            f"{label.split(',')[0]},{label.split(',')[1].split(' policies')[0]} "
            f"policies in {t:.2f} s" for label, t in loads))
    for mem in mems:
        pp = mem["per_policy"]
        p("")
        p(f"memory, {mem['policies']:,} policies: slab {pp['slab']:.0f} + percpu "
          f"{pp['percpu']:.0f} + vmalloc {pp['vmalloc']:.0f} = {pp['total']:.0f} "
          f"B/policy (MemFree drop {pp['memfree']:.0f} B/policy); percpu with "
          f"{mem['nr_possible']} possible CPUs ({mem['possible_cpus']})")
        for s in mem["slab_caches"][:4]:
            p(f"  slab {s['cache']}: {s['objects']:+,} objects of {s['objsize']} B")
        for v in mem["vmalloc_callers"][:3]:
            p(f"  vmalloc {v['caller']}: {v['bytes']:+,} B")
    if ranges:
        p("")
        p("range policies set one by one (kactl load, a request each): " +
          "; ".join(f"{r['n']:,} in {r['s']:.2f} s ({r['us_per_set']:.0f} us/set)"
                    for r in ranges) +
          f"; per-set cost at {ranges[-1]['n']:,} / at {ranges[0]['n']:,}: "
          f"{ranges[-1]['us_per_set'] / ranges[0]['us_per_set']:.2f}")
        p("and deleted one by one (a request each): " +
          "; ".join(f"{r['n']:,} in {r['del_s']:.2f} s ({r['us_per_del']:.0f} us/del)"
                    for r in ranges) +
          f"; per-delete cost at {ranges[-1]['n']:,} / at {ranges[0]['n']:,}: "
          f"{ranges[-1]['us_per_del'] / ranges[0]['us_per_del']:.2f}")
        for r in ranges:
            if r["listed"] != r["n"]:
                p(f"  error: {r['n']:,} set, {r['listed']:,} listed")
            if r["left"]:
                p(f"  error: {r['left']:,} of {r['n']:,} left after deleting each")
    if detects:
        p("")
        p("dead peer (idle 1, intvl 1, cnt 3; theory 4 s), from vanishing to "
          "ETIMEDOUT: " + ", ".join(f"{d['from_vanish']:.2f} s" for d in detects) +
          " (from connect: " + ", ".join(f"{d['from_connect']:.2f}" for d in detects) +
          " s)")
    p("")
    p("targets:")
    for name, status, detail in tg:
        p(f"  [{status}] {name}: {detail}")
    for e in errors:
        p(f"error in {e['step']}: {e['message']}")
    if ends:
        # Under icount the guest's clock is the instruction count: 1 ns each.
        p("guest time: " + ", ".join(
            f"{e.get('mode', '?')} {e['elapsed_s']:.0f} s" +
            (" (virtual: icount)" if e.get("mode") == "insn" else "") for e in ends))
    text = "\n".join(lines)
    print(text)

    out = {"meta": meta, "host": host, "configs": configs, "memory": mems,
           "insn_meta": insn_meta, "insn_configs": insn_configs,
           "insn_profile": prof,
           "ranges": ranges, "detection": detects, "skipped": skips, "errors": errors,
           "targets": [{"target": n, "status": s, "detail": d} for n, s, d in tg],
           "guest_elapsed_s": [e["elapsed_s"] for e in ends]}
    os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
    with open(args.json, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    if args.text:
        with open(args.text, "w") as f:
            f.write(text + "\n")
    # Only the boots run.sh made (BENCH_VMS) report: one of them is enough.
    bad = errors or not (configs or insn_configs) or len(ends) != len(args.console) or \
        any(not c["applied_ok"] for c in configs + insn_configs) or \
        any(r["listed"] != r["n"] or r["left"] for r in ranges)
    return 1 if bad else 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("guest")
    g.add_argument("build")
    g.add_argument("--mode", choices=("wall", "insn", "memory"), default="wall")
    g.add_argument("--rounds", type=int, default=4)
    g.add_argument("--seconds", type=float, default=3)
    g.add_argument("--detect", type=int, default=3)
    g.add_argument("--reps", type=int, default=3)
    g.add_argument("--conns", type=int, default=5000)
    g.add_argument("--warm", type=int, default=1000)
    g.add_argument("--chunk", type=int, default=500)
    g.add_argument("--close", choices=("client", "server", "rst"),
                   default="client", help="which end closes first (connbench -c)")
    g.add_argument("--warm-round", type=int, default=1000)
    g.add_argument("--configs", help="only these configurations (a comma "
                   "separated list of keys): to compare two builds of the module")
    g.add_argument("--quick", action="store_true")
    r = sub.add_parser("report")
    r.add_argument("json")
    r.add_argument("--console", action="append", required=True,
                   help="a VM's console log (one per run)")
    r.add_argument("--plugin-log", help="insncount's log of the insn run")
    r.add_argument("--text")
    r.add_argument("--host", help="host.jsonl written by run.sh")
    args = ap.parse_args()
    return {"guest": cmd_guest, "report": cmd_report}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
