# SPDX-License-Identifier: GPL-2.0
#
# Shared by the stress programs of tests/stress (issue 16): each is a
# file of tests (tests/lib/testlib.sh) that runs in the test VM, at one of
# two sizes from the same code:
#
#   KA_STRESS=full   make stress (tests/stress.sh), on the debug kernel:
#                    the figures of Documentation/testing.rst
#   otherwise        make check's short run of the same programs
#
# Every program reports what it did as one "figure" line, which
# tests/stress.sh gathers into the table (a failed test's output reaches
# the TAP stream as "# " lines too, so a failing figure still has its
# row).
source "$KA_ROOT/tests/lib/ka.sh"

# stress_n FULL SHORT: how many (connections, cycles, messages) to make.
stress_n() {
	if [ "${KA_STRESS:-}" = full ]; then echo "$1"; else echo "$2"; fi
}

# stress_phase TEXT: what the program is doing now, for ka-vm's stall
# watchdog, which names the last phase when a guest shows no progress.
stress_phase() {
	[ -z "${KA_RESULT_PORT:-}" ] || echo "KA_VM_PHASE: $*" >>"$KA_RESULT_PORT"
}

# stress_row N WHAT COUNT: the program's row of the table, figure N of
# the issue, written when the test ends, pass or fail, so that a figure
# that failed still has its row. Until then the program refines it:
# STRESS_WHAT (what was done), STRESS_COUNT (how many), STRESS_SECONDS
# (how long; by default since this call), STRESS_FAILURES (failures
# found; a test that fails with none counted counts one).
stress_row() {
	STRESS_FIGURE=$1 STRESS_WHAT=$2 STRESS_COUNT=$3
	STRESS_START=$SECONDS STRESS_SECONDS= STRESS_FAILURES=0
	# The deferred commands' output is discarded (testlib.sh): the row
	# goes to the test's output through a descriptor of its own.
	exec {STRESS_ROW_FD}>&1
	defer stress_row_write
}

stress_row_write() {
	local failures=$STRESS_FAILURES
	[ "${KA_EXIT:-0}" = 0 ] || [ "$failures" != 0 ] || failures=1
	jq -cn --argjson figure "$STRESS_FIGURE" --arg what "$STRESS_WHAT" \
		--argjson count "$STRESS_COUNT" \
		--argjson seconds "${STRESS_SECONDS:-$((SECONDS - STRESS_START))}" \
		--argjson failures "$failures" \
		--arg scale "${KA_STRESS:-short}" --arg kernel "$(uname -r)" \
		'{$figure, $what, $count, $seconds, $failures, $scale, $kernel}' |
		sed 's/^/figure: /' | while IFS= read -r l; do note "$l"; done >&"$STRESS_ROW_FD"
}

# Every program starts with the module loaded (one may unload it) and a
# scratch directory of its own, $KA_OUT, removed when it ends.
before_each() {
	ka_load
	KA_OUT=$(mktemp -d)
	defer rm -rf "$KA_OUT"
}

# stress_tool NAME: the path of tests/stress/NAME.c built, by
# tests/stress.sh --tools on the host (make stress and make check run it),
# else here, into $KA_OUT.
stress_tool() {
	local src=$KA_ROOT/tests/stress/$1.c built=$KA_ROOT/tests/.build/stress/$1
	if [ -x "$built" ] && [ "$built" -nt "$src" ]; then
		echo "$built"
		return
	fi
	cc -std=gnu11 -O2 -Wall -Wextra -Werror -o "$KA_OUT/$1" "$src" >&2 ||
		fail "$src does not build"
	echo "$KA_OUT/$1"
}

# What the kernel holds, for the programs that check that everything a
# test made went away (memory figures are polled until they settle: the
# kernel frees much of it later, after RCU grace periods and in
# workqueues, such as a network namespace's teardown).

# slab_objects CACHE: the objects of a slab cache in use. A shrink first
# frees what KASAN holds in quarantine and flushes the per-CPU slabs,
# whose free objects /proc/slabinfo would count as active.
slab_objects() {
	echo 1 >"/sys/kernel/slab/$1/shrink"
	awk -v c="$1" '$1 == c { print $2 }' /proc/slabinfo
}

# netns_slab_at_most N: no more than N struct net are allocated.
netns_slab_at_most() {
	[ "$(slab_objects net_namespace)" -le "$1" ]
}

# slabs_shrink: every slab cache shrunk (as slab_objects). That also sends
# the objects kfree_rcu() batches per CPU (7.x's rcu_free sheaves, which
# go to RCU only once full) to RCU, to be freed after a grace period:
# until then they are allocated, and charged to their memory cgroup.
slabs_shrink() {
	local f
	for f in /sys/kernel/slab/*/shrink; do
		echo 1 >"$f" 2>/dev/null || true	# a merged cache's alias
	done
}

# unreclaimable_kb: SUnreclaim + Percpu of /proc/meminfo (kB), the slabs
# shrunk first: a coarse view of what the kernel holds, whoever it is
# charged to.
unreclaimable_kb() {
	slabs_shrink
	awk '$1 == "SUnreclaim:" || $1 == "Percpu:" { n += $2 } END { print n }' /proc/meminfo
}

# memcg_kernel_bytes CGROUP: what a memory cgroup (a path below
# /sys/fs/cgroup) is charged for in unreclaimable slab and per-CPU memory
# (memory.stat, bytes), the slabs shrunk first: the kernel's objects made
# on behalf of its processes, the module's among them (module/gfp.h).
memcg_kernel_bytes() {
	slabs_shrink
	awk '$1 == "slab_unreclaimable" || $1 == "percpu" { n += $2 } END { print n + 0 }' \
		"/sys/fs/cgroup$1/memory.stat"
}
