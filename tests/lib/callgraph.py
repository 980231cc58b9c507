#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""callgraph.py DIR: the module's files must form layers, no circle.

Reads DIR/ka_policy.mod (kbuild's list of the module's objects), and for
each object the global symbols nm says it defines and the ones it leaves
undefined: file A uses file B when A needs a symbol B defines. Prints that
graph (one "a -> b c" line per file, as '# ' comments) and fails, naming
the files in order, for every circle (a strongly connected set of files):
a file that calls back up into one of its callers. Symbols and edges only,
so static inline helpers in headers do not count: they belong to their
header, and a header's types are checked by the include graph (the same
rule, run over the #include lines of the module's .c and .h files).
"""
import os
import re
import subprocess
import sys


def sccs(graph):
    """Tarjan: the strongly connected components of more than one node
    (or with a self edge), each in an order that walks its circle."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1 or v in graph.get(v, ()):
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def cycle_in(graph, comp):
    """One circle through the component's first node, as a path."""
    start, members = comp[0], set(comp)
    prev, todo = {start: None}, [start]
    while todo:
        v = todo.pop(0)
        for w in sorted(graph.get(v, ())):
            if w == start:
                path = [v]
                while prev[path[-1]] is not None:
                    path.append(prev[path[-1]])
                return list(reversed(path)) + [start]
            if w in members and w not in prev:
                prev[w] = v
                todo.append(w)
    return comp


def symbol_graph(d):
    # The objects, one per line or (5.10's kbuild) all on the first line,
    # followed there by a line of undefined symbols: only the .o words. An
    # object older than its source, or none at all, would make a graph of
    # nothing or of the past: refuse it.
    with open(os.path.join(d, "ka_policy.mod")) as f:
        objs = [os.path.basename(o) for o in f.read().split()
                if o.endswith(".o")]
    if len(objs) < 2:
        sys.exit(f"callgraph.py: {d}/ka_policy.mod lists {len(objs)} objects")
    for o in objs:
        obj, src = os.path.join(d, o), os.path.join(d, o[:-2] + ".c")
        if not os.path.exists(obj):
            sys.exit(f"callgraph.py: no {obj}: build first")
        if os.path.exists(src) and os.path.getmtime(obj) < os.path.getmtime(src):
            sys.exit(f"callgraph.py: {obj} is older than its source: build first")
    defined, needed = {}, {}
    for o in objs:
        name = o[:-2]
        nm = subprocess.run(["nm", os.path.join(d, o)], check=True,
                            capture_output=True, text=True).stdout
        needed[name] = set()
        for line in nm.splitlines():
            f = line.split()
            if len(f) == 2 and f[0] == "U":
                needed[name].add(f[1])
            elif len(f) == 3 and f[1].isupper() and f[1] not in "UW":
                defined[f[2]] = name
    return {a: {defined[s] for s in syms if s in defined} - {a}
            for a, syms in needed.items()}


def include_graph(d):
    graph = {}
    for fn in sorted(os.listdir(d)):
        if not re.fullmatch(r"\w+\.[ch]", fn) or fn.endswith(".mod.c"):
            continue
        node = fn if fn.endswith(".h") else fn
        with open(os.path.join(d, fn)) as f:
            inc = re.findall(r'^#include "(\w+\.h)"', f.read(), re.M)
        graph[node] = {h for h in inc if os.path.exists(os.path.join(d, h))}
        # A file and its own header are one node of the file graph.
        graph[node].discard(fn[:-2] + ".h")
    # Headers collapse onto their .c: policy.h is policy.c's interface.
    merged = {}
    for a, bs in graph.items():
        ma = a[:-2]
        merged.setdefault(ma, set()).update(b[:-2] for b in bs if b[:-2] != ma)
    return merged


def report(what, graph):
    print(f"# {what}:")
    for a in sorted(graph):
        print(f"#   {a} -> {' '.join(sorted(graph[a])) or '-'}")
    bad = sccs(graph)
    for comp in bad:
        print(f"# circle in the {what}: {' -> '.join(cycle_in(graph, comp))}")
    return not bad


def main():
    if len(sys.argv) != 2:
        print(__doc__.splitlines()[0], file=sys.stderr)
        sys.exit(2)
    d = sys.argv[1]
    ok = report("call graph (nm of the objects)", symbol_graph(d))
    ok = report("include graph (a file and its header as one)",
                include_graph(d)) and ok
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
