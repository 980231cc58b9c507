# SPDX-License-Identifier: GPL-2.0
#
# The two checks tests/style.sh runs on the module's shape (issue 14):
# tests/lib/callgraph.py (no circle between files, by calls and by
# includes) and tests/lib/namecheck.py (no two names that differ only by
# word order or plural), each on a small tree of its own that has, or has
# not, what the check is for.

# tree FILE=TEXT...: a fresh directory holding the files.
tree() {
	local f
	TREE=$(mktemp -d)
	defer rm -rf "$TREE"
	for f in "$@"; do
		printf '%s\n' "${f#*=}" >"$TREE/${f%%=*}"
	done
}

# objects: compiles each .c of the tree and lists the objects in
# ka_policy.mod, one per line as kbuild does.
objects() {
	local c
	for c in "$TREE"/*.c; do
		gcc -c -o "${c%.c}.o" "$c" || fail "gcc $c"
		echo "${c%.c}.o"
	done >"$TREE/ka_policy.mod"
}

test_callgraph_passes_layers() {
	tree 'a.c=#include "b.h"
int a_fn(void) { return b_fn(); }' 'b.h=int b_fn(void);' \
		'b.c=#include "b.h"
int b_fn(void) { return 1; }'
	objects
	python3 tests/lib/callgraph.py "$TREE" >"$TREE/out" ||
		fail "layers refused: $(cat "$TREE/out")"
	grep -qx '#   a -> b' "$TREE/out" || fail "no edge a -> b: $(cat "$TREE/out")"
}

test_callgraph_names_a_circle_of_calls() {
	tree 'a.c=int b_fn(void);
int a_fn(void) { return b_fn(); }' 'b.c=int c_fn(void);
int b_fn(void) { return c_fn(); }' 'c.c=int a_fn(void);
int c_fn(void) { return a_fn(); }'
	objects
	! python3 tests/lib/callgraph.py "$TREE" >"$TREE/out" ||
		fail "a circle passed: $(cat "$TREE/out")"
	grep -q '^# circle in the call graph.*: a -> b -> c -> a$' "$TREE/out" ||
		fail "circle not named: $(cat "$TREE/out")"
}

test_callgraph_names_a_circle_of_includes() {
	tree 'a.h=#pragma once
#include "b.h"' 'a.c=#include "a.h"' 'b.h=#pragma once
#include "a.h"' 'b.c=#include "b.h"'
	objects
	! python3 tests/lib/callgraph.py "$TREE" >"$TREE/out" ||
		fail "a circle passed: $(cat "$TREE/out")"
	grep -q '^# circle in the include graph.*: a -> b -> a$' "$TREE/out" ||
		fail "circle not named: $(cat "$TREE/out")"
}

# 5.10's kbuild: every object on the first line, undefined symbols on the
# second.
test_callgraph_reads_the_old_mod_layout() {
	tree 'a.c=int b_fn(void);
int a_fn(void) { return b_fn(); }' 'b.c=int a_fn(void);
int b_fn(void) { return a_fn(); }'
	objects
	printf '%s %s\nb_fn a_fn\n' "$TREE/a.o" "$TREE/b.o" >"$TREE/ka_policy.mod"
	! python3 tests/lib/callgraph.py "$TREE" >"$TREE/out" ||
		fail "a circle passed: $(cat "$TREE/out")"
	grep -q '^# circle in the call graph.*: a -> b -> a$' "$TREE/out" ||
		fail "circle not named: $(cat "$TREE/out")"
}

test_callgraph_refuses_missing_objects() {
	tree 'a.c=int a_fn(void) { return 0; }' 'b.c=int b_fn(void) { return 0; }'
	objects
	rm "$TREE/b.o"
	! python3 tests/lib/callgraph.py "$TREE" >"$TREE/out" 2>&1 ||
		fail "a graph without b.o"
	grep -q 'build first' "$TREE/out" || fail "no reason given: $(cat "$TREE/out")"
	: >"$TREE/ka_policy.mod"
	! python3 tests/lib/callgraph.py "$TREE" >/dev/null 2>&1 ||
		fail "a graph of no objects"
}

test_callgraph_refuses_stale_objects() {
	tree 'a.c=int a_fn(void) { return 0; }' 'b.c=int b_fn(void) { return 0; }'
	objects
	touch -d '+1 min' "$TREE/b.c"
	! python3 tests/lib/callgraph.py "$TREE" >/dev/null 2>&1 ||
		fail "a graph from an object older than its source"
}

test_namecheck_finds_plurals_and_word_order() {
	tree 'a.c=int ka_policy_init(void);
int ka_policies_init(void);
int ka_match_all(void);
int ka_all_matches(void);
int ka_hook_add(void);
int ka_add_hooks(void);
int ka_size_max(void);
int ka_sizes_max(void);'
	! python3 tests/lib/namecheck.py "$TREE" >"$TREE/out" ||
		fail "collisions passed"
	assert_eq "$(grep -c '^# names that differ' "$TREE/out")" 4 \
		"groups found: $(cat "$TREE/out")"
}

test_namecheck_keeps_c_name_spaces_and_case_apart() {
	tree 'a.c=struct ka_hook { int x; };
extern struct ka_hook ka_hooks[2];
#define KA_APPLY 1
int ka_apply(void);
int ka_status(void);
int ka_stat(void);'
	python3 tests/lib/namecheck.py "$TREE" >"$TREE/out" ||
		fail "refused: $(cat "$TREE/out")"
}
