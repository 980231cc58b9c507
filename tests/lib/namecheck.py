#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""namecheck.py DIR...: no two names that differ only by word order or plural.

Every exported or file-scope name of the C files under each DIR (functions,
globals, types, macros, enum constants, as ctags lists them) is reduced to
keys: split on '_', each word made singular (policies, matches, hooks,
sizes: policy, match, hook, size; both of English's rules where they
overlap, so one name may have two keys), the words sorted (a leading
'__' kept: netlink's __KA_A_MAX beside KA_A_MAX). Two different names
with one key (ka_policy_init and ka_policies_init, ka_nl_policy_policy
and ka_policy_nl_policy) are the kind a reader
confuses and a grep finds only one of: each such group is printed, and
the check fails. A name spelled the same in two places (a prototype and
its definition, a struct and its variable) is one name.

C keeps two name spaces apart and so does this check: struct, union and
enum tags are compared with tags (struct ka_counters and enum ka_counter
collide), other names with other names; a type beside an array of it
(struct ka_hook, ka_hooks[]) is the kernel's idiom and stays. Case counts:
a macro or enum constant (KA_APPLY) is not a function (ka_apply). The
names of every DIR are compared with each other's. KA_NAMECHECK_ALLOW
holds keys to leave out (space-separated; a key's words joined by '_').
"""
import collections
import itertools
import os
import subprocess
import sys

KINDS = "dfgpstuvxe"	# macros, functions, enums, prototypes, structs,
			# typedefs, unions, variables, externs, enumerators


TAGS = ("struct", "union", "enum")


def singulars(w):
	"""The singulars a plural may have: English has two rules that
	overlap (policies -> policy, matches -> match, but caches -> cache,
	sizes -> size), so a word is reduced both ways: with its last s
	dropped, and with es or ies -> y taken off."""
	lw = w.lower()
	out = {w[:-1] if lw.endswith("s") and not lw.endswith("ss") and len(w) > 1
	       else w}
	if lw.endswith("ies") and len(w) > 3:
		out.add(w[:-3] + ("Y" if w[-1].isupper() else "y"))
	elif lw.endswith(("ches", "shes", "sses", "xes", "zes")):
		out.add(w[:-2])
	return out


def keys(name, kind):
	"""Every key of name: one per way of making its words singular."""
	choices = [sorted(singulars(w)) for w in name.split("_") if w]
	lead = name[:len(name) - len(name.lstrip("_"))]
	space = "tag:" if kind in TAGS else ""
	return {space + lead + "_".join(sorted(ws))
		for ws in itertools.product(*choices)}


def names(d):
	files = []
	for root, dirs, fs in os.walk(d):
		dirs[:] = [x for x in dirs if not x.startswith(".")]
		files += [os.path.join(root, f) for f in fs
			  if f.endswith((".c", ".h")) and not f.endswith(".mod.c")
			  and f != "ka_config.h"]
	out = subprocess.run(["ctags", "-f", "-", "--language-force=C",
			      f"--kinds-C={KINDS}", "--fields=+K"] + sorted(files),
			     check=True, capture_output=True, text=True).stdout
	for line in out.splitlines():
		# name, file, /pattern/;" (may hold tabs), kind, more
		f = line.split("\t")
		kind = line.rsplit(';"\t', 1)[-1].split("\t")[0]
		yield f[0], f[1], kind


def main():
	if len(sys.argv) < 2:
		print(__doc__.splitlines()[0], file=sys.stderr)
		sys.exit(2)
	allow = set(os.environ.get("KA_NAMECHECK_ALLOW", "").split())
	groups = collections.defaultdict(dict)
	for d in sys.argv[1:]:
		for name, path, kind in names(d):
			for k in keys(name, kind):
				groups[k].setdefault(name, f"{path} ({kind})")
	bad, seen = 0, set()
	for k in sorted(groups):
		if len(groups[k]) < 2 or k in allow or frozenset(groups[k]) in seen:
			continue
		seen.add(frozenset(groups[k]))
		bad += 1
		print(f"# names that differ only by word order or plural ({k}):")
		for name, where in sorted(groups[k].items()):
			print(f"#   {name}: {where}")
	sys.exit(1 if bad else 0)


if __name__ == "__main__":
	main()
