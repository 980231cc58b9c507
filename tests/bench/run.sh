#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: builds connbench, the instruction counter and the BPF
# comparator, runs tests/bench/bench.py in three boots of the test VM
# (tests/vm/ka-vm, Debian's kernel) and prints the tables; the JSON goes to
# tests/.build/bench/results.json. Documentation/performance.rst explains
# what is measured.
#
#   1. instruction counts: 1 vCPU under the QEMU plugin
#      tests/bench/insncount.c, with icount (bench.py guest --mode insn)
#   2. wall clock, memory, range updates, detection: 2 vCPUs (--mode wall)
#   3. memory again with 64 possible CPUs (--mode memory)
#
#   BENCH_QUICK=1     one short round of every configuration (a smoke test)
#   BENCH_ROUNDS=N    interleaved wall-clock rounds (default 4)
#   BENCH_SECONDS=S   seconds per wall-clock measurement (default 3)
#   BENCH_DETECT=N    dead peer detections (default 3)
#   BENCH_REPS=N      instruction counts of each configuration (default 3)
#   BENCH_CONNS=N     connections per instruction count (default 5000)
#   BENCH_CLOSE=END   which end closes first in the instruction counts:
#                     client (default), server or rst (connbench -c)
#   BENCH_VMS="..."   only these of the boots: insn, wall, memory64 (default
#                     all three); the report then has only their tables
#
# A benchmark, not a test: slow machines do not fail it. The exit status is
# non-zero only when something could not run (the VM, a configuration, a
# policy that was not applied).
set -u
cd "$(dirname "$0")/../.."
root=$PWD
out=$root/tests/.build/bench
mkdir -p "$out"

die() {
	echo "bench: error: $*" >&2
	exit 1
}

cc -std=c11 -O2 -g -Wall -Wextra -o "$out/connbench" tests/bench/connbench.c ||
	die "connbench does not build"
cc -std=c11 -O2 -g -Wall -Wextra -shared -fPIC -fvisibility=hidden \
	-o "$out/insncount.so" tests/bench/insncount.c ||
	die "the instruction counter (tests/bench/insncount.c) does not build"

# The comparator is optional: without clang or libbpf-dev's headers the
# guest reports the row as skipped, with this reason.
rm -f "$out/ka_sockops.bpf.o" "$out/ka_sockops.skip"
multiarch=$(cc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
if ! command -v clang >/dev/null; then
	echo "clang is not installed (apt-get install clang llvm)" >"$out/ka_sockops.skip"
elif ! [ -f /usr/include/bpf/bpf_helpers.h ]; then
	echo "bpf/bpf_helpers.h is missing (apt-get install libbpf-dev)" >"$out/ka_sockops.skip"
elif ! clang -O2 -g -Wall -target bpf -I"/usr/include/$multiarch" \
	-c tests/bench/ka_sockops.bpf.c -o "$out/ka_sockops.bpf.o" 2>"$out/ka_sockops.err"; then
	echo "ka_sockops.bpf.c does not build: $(head -n 3 "$out/ka_sockops.err")" >"$out/ka_sockops.skip"
fi
[ ! -f "$out/ka_sockops.skip" ] || echo "bench: BPF comparator: $(cat "$out/ka_sockops.skip")"

# The guest loads its own copy: a rebuild in the checkout meanwhile does
# not change the module under measurement.
[ -f module/ka_policy.ko ] || die "module/ka_policy.ko is missing; run make"
cp module/ka_policy.ko "$out/ka_policy.ko"

args=()
if [ -n "${BENCH_QUICK:-}" ] && [ "${BENCH_QUICK}" != 0 ]; then
	args+=(--quick)
	timeout=900
else
	args+=(--rounds "${BENCH_ROUNDS:-4}" --seconds "${BENCH_SECONDS:-3}"
		--detect "${BENCH_DETECT:-3}" --reps "${BENCH_REPS:-3}"
		--conns "${BENCH_CONNS:-5000}")
	timeout=3600
fi

# The host, as the report shows it: TCG runs the guest on the host's CPUs,
# so their load is the benchmark's noise.
host_info() {	# when
	python3 -c '
import json, os, platform, sys
model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo")
              if l.startswith("model name")), "?")
print(json.dumps({"when": sys.argv[1], "loadavg": open("/proc/loadavg").read().split()[:3],
                  "cpus": os.cpu_count(), "cpu_model": model, "kernel": platform.release()}))' "$1"
}
host_info before >"$out/host.jsonl"
echo "bench: $(uptime | sed 's/^ *//')"

# vm NAME [KA-VM-OPTIONS...] -- BENCH-GUEST-ARGS...: one boot, its console
# in $out/NAME.console.log, the guest's progress lines echoed meanwhile.
vm_rc=0
vm() {
	local name=$1 log=$out/$1.console.log opts=() tail_pid
	shift
	while [ "$1" != -- ]; do opts+=("$1"); shift; done
	shift
	echo "bench: $name: running in a VM (console log: $log)"
	: >"$log"
	tail -n +1 -F "$log" 2>/dev/null > >(
		sed -u 's/\x1b\[[0-9;?]*[a-zA-Z]//g; s/\x1bc//g; s/\r//g' |
		grep --line-buffered '^bench:') &
	tail_pid=$!
	tests/vm/ka-vm --quiet --log "$log" --timeout $timeout \
		--module "$out/ka_policy.ko" "${opts[@]}" -- \
		python3 tests/bench/bench.py guest "$out" "$@" "${args[@]}" ||
		{ vm_rc=$?; echo "bench: $name: the VM run ended with status $vm_rc" >&2; }
	sleep 0.2
	kill "$tail_pid" 2>/dev/null
	wait "$tail_pid" 2>/dev/null
}
# Instruction counts first: they do not depend on the host's speed, so
# their boot may come whenever; the two others follow.
vms=" ${BENCH_VMS:-insn wall memory64} "
consoles=()
if [[ $vms = *" insn "* ]]; then
	vm insn --cpus 1 --icount --plugin "$out/insncount.so" --plugin-arg blocks=on \
		--plugin-log "$out/insn.log" -- --mode insn --close "${BENCH_CLOSE:-client}"
	consoles+=(--console "$out/insn.console.log")
fi
if [[ $vms = *" wall "* ]]; then
	vm wall -- --mode wall
	consoles+=(--console "$out/wall.console.log")
fi
if [[ $vms = *" memory64 "* ]]; then
	vm memory64 --maxcpus 64 -- --mode memory
	consoles+=(--console "$out/memory64.console.log")
fi
host_info after >>"$out/host.jsonl"
echo "bench: $(uptime | sed 's/^ *//')"
echo

python3 tests/bench/bench.py report "$out/results.json" "${consoles[@]}" \
	--plugin-log "$out/insn.log" \
	--text "$out/results.txt" --host "$out/host.jsonl"
report_rc=$?
echo
echo "bench: results in $out/results.json (table: $out/results.txt)"
[ "$vm_rc" = 0 ] && [ "$report_rc" = 0 ]
