#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Checks that Documentation/netlink/specs/ka_policy.yaml describes the
family exactly as the code has it: names and values against the uapi
header, attribute types and range checks against the module's netlink
policies, and each op's do/dump, admin flag and request attributes against
its genl_ops entry.

The module's tables are hand-written, not generated from the spec with the
kernel's ynl-gen (module/netlink.c says why), so this reconciles the two.

With --schema FILE (the kernel's Documentation/netlink/genetlink-legacy.yaml,
which tests/unit/spec.sh takes from linux-source-7.3), the spec is first
checked against that schema, as the kernel's own ynl tools check a spec.

Prints one line per disagreement and exits 1 if there is any.
"""
import os
import re
import sys

import yaml

sys.path.insert(0, os.path.dirname(__file__))
from ka_genl import enum  # noqa: E402

ROOT = os.path.join(os.path.dirname(__file__), "../..")
SPEC = os.path.join(ROOT, "Documentation/netlink/specs/ka_policy.yaml")
NETLINK_C = os.path.join(ROOT, "module/netlink.c")

# The constants the module's policies use, with their kernel values.
CONSTANTS = {"MAX_TCP_KEEPIDLE": 32767, "MAX_TCP_KEEPINTVL": 32767,
             "MAX_TCP_KEEPCNT": 127, "KA_DIR_OUT": 2, "KA_MODE_FORCE": 1,
             "INT_MAX": 2147483647, "S64_MAX": 2**63 - 1}
NLA_TYPES = {"NLA_U8": "u8", "NLA_U16": "u16", "NLA_U32": "u32",
             "NLA_U64": "u64", "NLA_FLAG": "flag", "NLA_NUL_STRING": "string"}
UAPI_ENUMS = {"ka": "ka_attr", "stats": "ka_stats_attr", "policy": "ka_policy_attr",
              "socket": "ka_socket_attr",
              "event": "ka_event_attr",
              "existing": "ka_existing_attr", "hook": "ka_hook_attr"}

errors = []


def c_name(prefix, name):
    return (prefix + name).upper().replace("-", "_")


def value(v):
    v = v.strip()
    return CONSTANTS[v] if v in CONSTANTS else int(v, 0)


def kernel_policy(src, table):
    """{C attribute name: (spec type, checks)} of one nla_policy table."""
    body = re.search(r"nla_policy %s\[[^]]*\] = \{(.*?)\n\};" % table, src, re.S).group(1)
    out = {}
    entries = []
    for part in re.split(r"\n\s*\[", body)[1:]:
        name, rhs = re.match(r"(KA_\w+)\]\s*=\s*(.*)", " ".join(part.split()), re.S).groups()
        entries.append((name, rhs.rstrip(",")))
    for name, rhs in entries:
        checks = {}
        m = re.match(r"NLA_POLICY_RANGE\((\w+),\s*([^,]+),\s*([^)]+)\)", rhs)
        if m:
            typ, checks = m.group(1), {"min": value(m.group(2)), "max": value(m.group(3))}
        elif re.match(r"NLA_POLICY_(MIN|MAX)\(", rhs):
            m = re.match(r"NLA_POLICY_(MIN|MAX)\((\w+),\s*([^)]+)\)", rhs)
            typ, checks = m.group(2), {m.group(1).lower(): value(m.group(3))}
        elif rhs.startswith("NLA_POLICY_FULL_RANGE"):
            typ = re.match(r"NLA_POLICY_FULL_RANGE\((\w+)", rhs).group(1)
            rng = re.search(r"&(\w+)", rhs).group(1)
            r = re.search(r"%s = \{\s*\.min = ([^,]+),\s*\.max = ([^,]+),?\s*\}" % rng, src)
            checks = {"min": value(r.group(1)), "max": value(r.group(2))}
        elif rhs.startswith("NLA_POLICY_NESTED"):
            typ = "NLA_NESTED"
        else:
            typ = re.search(r"\.type = (\w+)", rhs).group(1)
            m = re.search(r"\.len = ([^}]+?)\s*\}", rhs)
            if m and typ == "NLA_NUL_STRING":
                checks = {"max-len": eval(m.group(1).replace("PATH_MAX", "4096"))}
        out[name] = ("nest" if typ == "NLA_NESTED" else NLA_TYPES[typ], checks)
    return out


def check_schema(spec, path):
    import jsonschema  # python3-jsonschema, only for --schema
    schema = yaml.safe_load(open(path))
    for e in jsonschema.Draft7Validator(schema).iter_errors(spec):
        where = "/".join(str(p) for p in e.absolute_path) or "the spec"
        errors.append("%s: %s (schema %s)" % (where, e.message, os.path.basename(path)))


def main():
    spec = yaml.safe_load(open(SPEC))
    src = open(NETLINK_C).read()
    if sys.argv[1:2] == ["--schema"]:
        check_schema(spec, sys.argv[2])

    for d in spec.get("definitions", []):
        uapi = enum("ka_" + d["name"].replace("-", "_"))
        for i, entry in enumerate(d["entries"]):
            name = c_name(d["name-prefix"], entry)
            if uapi.get(name) != i:
                errors.append("enum %s: %s is %s in the uapi header, %d in the spec"
                              % (d["name"], name, uapi.get(name), i))
        if len(uapi) != len(d["entries"]):
            errors.append("enum %s: %d entries in the uapi header, %d in the spec"
                          % (d["name"], len(uapi), len(d["entries"])))

    for aset in spec["attribute-sets"]:
        uapi = enum(UAPI_ENUMS[aset["name"]])
        prefix = aset["name-prefix"]
        named = {c_name(prefix, a["name"]): a for a in aset["attributes"]}
        for i, a in enumerate(aset["attributes"], start=1):
            name = c_name(prefix, a["name"])
            if uapi.get(name) != i:
                errors.append("%s is %s in the uapi header, %d in the spec"
                              % (name, uapi.get(name), i))
        for name in uapi:
            if not re.search(r"_UNSPEC$|^__|_MAX$", name) and name not in named:
                errors.append("%s is in the uapi header, not in the spec" % name)
        if aset["name"] == "policy":
            kernel = kernel_policy(src, "ka_policy_attr_nl_policy")
            for name, (typ, checks) in kernel.items():
                a = named.get(name)
                if not a:
                    errors.append("%s is in the kernel's policy, not in the spec" % name)
                    continue
                if a["type"] != typ:
                    errors.append("%s: type %s in the kernel, %s in the spec"
                                  % (name, typ, a["type"]))
                if a.get("checks", {}) != checks:
                    errors.append("%s: checks %s in the kernel, %s in the spec"
                                  % (name, checks, a.get("checks", {})))

    cmds = enum("ka_cmd")
    ops = {}
    for block in re.findall(r"\{\s*\.cmd\s*=\s*(KA_CMD_\w+)(.*?)\}", src, re.S):
        ops[block[0]] = block[1]
    # Multicast groups: netlink.c's ka_genl_mcgrps[] (names from the
    # uapi's KA_MCGRP_* defines; KA_MCGRP_ADMIN_FLAGS, compat.h, is
    # uns-admin-perm: CAP_NET_ADMIN over the netns's user namespace).
    uapi_src = open(os.path.join(ROOT, "module/uapi/linux/ka_policy.h")).read()
    defines = dict(re.findall(r'#define\s+(KA_MCGRP_\w+)\s+"([^"]*)"', uapi_src))
    table = re.search(r"genl_multicast_group ka_genl_mcgrps\[\] = \{(.*?)\n\};", src, re.S)
    module_grps = {}
    for define, flags in re.findall(r"\.name\s*=\s*(KA_MCGRP_\w+),\s*\.flags\s*=\s*(\w+)",
                                    table.group(1) if table else ""):
        module_grps[defines.get(define)] = flags == "KA_MCGRP_ADMIN_FLAGS"
    mcgrps = {g["name"]: "uns-admin-perm" in g.get("flags", [])
              for g in spec.get("mcast-groups", {}).get("list", [])}
    if mcgrps != module_grps:
        errors.append("multicast groups (name: admin only): %s in the module, %s in the spec"
                      % (module_grps, mcgrps))

    prefix = spec["operations"]["name-prefix"]
    top_prefix = next(s["name-prefix"] for s in spec["attribute-sets"] if s["name"] == "ka")
    for i, op in enumerate(spec["operations"]["list"], start=1):
        name = c_name(prefix, op["name"])
        if cmds.get(name) != i:
            errors.append("%s is %s in the uapi header, %d in the spec" % (name, cmds.get(name), i))
        if "event" in op:
            # A notification: sent to its group, no genl_ops entry.
            if op.get("mcgrp") not in mcgrps:
                errors.append("%s: group %s is not in mcast-groups" % (name, op.get("mcgrp")))
            continue
        body = ops.get(name)
        if body is None:
            errors.append("%s has no genl_ops entry in the module" % name)
            continue
        if ("do" in op) != (".doit" in body) or ("dump" in op) != (".dumpit" in body):
            errors.append("%s: do/dump differ between the spec and the module" % name)
        if ("uns-admin-perm" in op.get("flags", [])) != ("GENL_UNS_ADMIN_PERM" in body):
            errors.append("%s: admin permission differs between the spec and the module" % name)
        # What the op's policy lets through at the top level (enum ka_attr).
        table = re.search(r"\.policy\s*=\s*(\w+)", body)
        taken = set(kernel_policy(src, table.group(1))) if table else set()
        req = set()
        for mode in ("do", "dump"):
            req |= {c_name(top_prefix, a) for a in
                    ((op.get(mode) or {}).get("request") or {}).get("attributes", [])}
        if taken != req:
            errors.append("%s: the request takes %s in the module, %s in the spec"
                          % (name, sorted(taken), sorted(req)))
    real = [c for c in cmds if not c.startswith("__") and not c.endswith("_UNSPEC")]
    if len(spec["operations"]["list"]) != len(real):
        errors.append("%d commands in the uapi header, %d in the spec"
                      % (len(real), len(spec["operations"]["list"])))

    for e in errors:
        print(e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
