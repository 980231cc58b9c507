# SPDX-License-Identifier: GPL-2.0
#
# make bench's report (tests/bench/bench.py report) on a guest's records
# and an instruction counter's log written here, with known counts: the
# instructions per connection, what a configuration adds, the targets'
# verdicts and the profile by function. Only make bench runs the report
# on real counts; this checks its arithmetic in every make check.

BENCH_PY=${KA_ROOT:-$PWD}/tests/bench/bench.py

# bench_fixture DIR: DIR/console.log (the guest's KA_BENCH lines) and
# DIR/plugin.log (insncount's, blocks=on) of 3 repetitions of base and p1,
# 1,000 connections each in 2 chunks of 500. Per connection: base 87,000
# kernel instructions, of which 50,000 in tcp_connect and 37,000 in kfree;
# p1 adds 1,000 in ka_connect_pre (ka_policy, loaded at 0xffffffffc0100000),
# 500 in a trampoline and 500 in tcp_connect: 89,000. Repetition 2 of p1
# costs 89,100 in its second chunk: a spread of 0.11% (the first chunk's
# 89,000 and the second's 89,100 have the median 89,050).
bench_fixture() {
	python3 - "$1" <<'PY'
import base64, gzip, json, sys
d = sys.argv[1]
syms = "ffffffff81000000 _stext\nffffffff81001000 tcp_connect\nffffffff81002000 kfree\n"
recs = [{"type": "meta", "mode": "insn", "kernel": "test", "reps": 3,
         "conns": 1000, "chunk": 500},
        {"type": "kallsyms",
         "text": base64.b64encode(gzip.compress(syms.encode())).decode()}]
marks = []
k = m = 0
seq = 0
MOD = 0xffffffffc0100000
for rep in range(3):
    for cfg in ("base", "p1"):
        per = 87000 if cfg == "base" else 89000
        second = per + (100 if cfg == "p1" and rep == 2 else 0)
        mper = 0 if cfg == "base" else 1500
        # The plugin prints every page that ran code at every mark: the
        # module's page runs 1,000 of each connection's 1,500.
        def mark(i):
            marks.append(f"insncount: mark {i} kernel {k} modules {m} user 0")
            if m:
                marks.append(f"insncount: page mark {i} 0x{MOD:x} {m // 3 * 2}")
        mark(1)
        for c in (per, second):
            k += 500 * c
            m += 500 * mper
            mark(3)
        mark(2)
        total = 500 * per + 500 * second
        tc = 1000 * (50000 if cfg == "base" else 50500)
        blocks = [(0xffffffff81001010, tc)]
        if cfg == "p1":
            blocks += [(MOD + 0x10, 1000 * 1000), (0xffffffffc0200000, 1000 * 500)]
        blocks.append((0xffffffff81002004, total - sum(c for _, c in blocks)))
        marks += [f"insncount: block mark 2 0x{a:x} {c}" for a, c in blocks]
        recs.append({"type": "insn", "config": cfg, "rep": rep, "seq": seq,
                     "conns": 1000, "errors": 0, "applied_ok": True,
                     "module": [MOD, 0x2000] if cfg == "p1" else None})
        if seq == 1:
            recs.append({"type": "module_syms",
                         "syms": [[0, "ka_connect_pre"], [0x800, "ka_lookup"]]})
        seq += 1
recs.append({"type": "end", "mode": "insn", "elapsed_s": 1})
with open(f"{d}/console.log", "w") as f:
    f.writelines(f"KA_BENCH {json.dumps(r)}\n" for r in recs)
with open(f"{d}/plugin.log", "w") as f:
    f.writelines(f"{l}\n" for l in marks)
PY
}

bench_report() {	# DIR: the report's text on stdout
	python3 "$BENCH_PY" report "$1/out.json" --console "$1/console.log" \
		--plugin-log "$1/plugin.log" 2>&1 || true
}

test_bench_report_counts_per_connection() {
	local d out
	d=$(mktemp -d)
	defer rm -rf "$d"
	bench_fixture "$d"
	out=$(bench_report "$d")
	assert_match "$out" 'no module \(baseline\) +87,000 +0\.000% +\+0 1\.0000' "baseline row"
	# p1: the median of its repetitions' chunk medians (89,000, 89,000,
	# 89,050); its module area 1,500, of which ka_policy's page 1,000.
	assert_match "$out" '1 policy, matching port +89,000 +0\.056% +\+2,000 1\.0230 +1,000 +500 ' \
		"p1 row"
	assert_eq "$(jq -r '.insn_configs[] | select(.config == "p1") | .per_rep | map(tostring) | join(" ")' "$d/out.json")" \
		"89000 89000 89050" "p1's repetitions"
}

test_bench_report_profile_names_functions() {
	local d out
	d=$(mktemp -d)
	defer rm -rf "$d"
	bench_fixture "$d"
	out=$(bench_report "$d")
	# Each function's median over the repetitions: kfree's 50 more in
	# one repetition of three do not count.
	assert_match "$out" '1 policy, matching port: \+2,000 per connection over the baseline' \
		"p1's profile total"
	assert_match "$out" '\+1,000\.0  ka_connect_pre \[ka_policy\]' "the module's function"
	assert_match "$out" '\+500\.0  \[module area: trampolines, BPF JIT\]' "the trampoline"
	assert_match "$out" '\+500\.0  tcp_connect' "the kernel's function"
	assert_match "$out" '\+0\.0  \(functions under 3 each\)' "the rest"
}

test_bench_report_targets_resolve_outside_the_noise() {
	local r
	r=$(python3 -c 'import sys; sys.path.insert(0, sys.argv[1]); import bench
print(bench.resolve(0.5, 0.2, 1.0)); print(bench.resolve(1.5, 0.2, 1.0))
print(bench.resolve(1.1, 0.2, 1.0)); print(bench.resolve(0.9, 0.2, 1.0))' \
		"$(dirname "$BENCH_PY")")
	assert_eq "$r" "met
missed by 0.50 points
not resolved: 1.10 within 0.20 of the limit 1
not resolved: 0.90 within 0.20 of the limit 1" "verdicts"
}
