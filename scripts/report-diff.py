#!/usr/bin/env python3
"""Compares two swiftkv-sim report.json files figure by figure.

Prints one line per figure that differs: its JSON pointer, both values, and for
numbers the difference and the relative change. Exit status: 0 if every figure is
equal (or within --rel-tol), 1 if some differ, 2 if a file cannot be read.

    scripts/report-diff.py out/before/report.json out/after/report.json
    scripts/report-diff.py a.json b.json --rel-tol 0.005 --only /totals /dram
"""

import argparse
import json
import sys


def flatten(node, at, out):
    if isinstance(node, dict):
        for key, value in node.items():
            flatten(value, f"{at}/{key}", out)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            flatten(value, f"{at}/{i}", out)
    else:
        out[at] = node


def load(path):
    try:
        with open(path, encoding="utf-8") as f:
            report = json.load(f)
    except (OSError, ValueError) as e:
        print(f"{path}: cannot read a report: {e}", file=sys.stderr)
        sys.exit(2)
    figures = {}
    flatten(report, "", figures)
    return figures


def is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def describe(key, a, b):
    missing = "(absent)"
    if a is missing or b is missing or not (is_number(a) and is_number(b)):
        return f"{key}: {json.dumps(a) if a is not missing else a} -> " \
               f"{json.dumps(b) if b is not missing else b}"
    delta = b - a
    rel = f", {100.0 * delta / a:+.3f}%" if a != 0 else ""
    return f"{key}: {a} -> {b} ({delta:+.6g}{rel})"


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("before", help="the first report.json")
    p.add_argument("after", help="the second report.json")
    p.add_argument("--rel-tol", type=float, default=0.0,
                   help="numbers whose relative difference is at most this count as equal "
                        "(default 0: exact)")
    p.add_argument("--only", nargs="*", default=[],
                   help="compare only figures under these JSON pointers, e.g. /totals")
    args = p.parse_args()
    if args.rel_tol < 0:
        p.error("--rel-tol must be at least 0")

    a = load(args.before)
    b = load(args.after)
    keys = sorted(set(a) | set(b))
    if args.only:
        keys = [k for k in keys if any(k == o or k.startswith(o.rstrip("/") + "/")
                                       for o in args.only)]
    differ = 0
    for key in keys:
        va = a.get(key, "(absent)")
        vb = b.get(key, "(absent)")
        if va == vb:
            continue
        if is_number(va) and is_number(vb) and args.rel_tol > 0:
            scale = max(abs(va), abs(vb))
            if scale == 0 or abs(vb - va) / scale <= args.rel_tol:
                continue
        differ += 1
        print(describe(key, va, vb))
    print(f"{differ} of {len(keys)} figures differ")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
