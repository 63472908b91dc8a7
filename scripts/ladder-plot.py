#!/usr/bin/env python3
"""Waterfall of a speedup ladder (swiftkv-sim compare --ladder), as PNG or SVG.

Reads the ladder.csv that `compare --ladder` writes and draws, per KV length, one panel
for attention and one for the whole decode step: rung 0's latency per step as a bar,
then each rung's change as a floating bar from the rung before (green when it is
faster, red when slower, labelled with the rung's gain), and the last rung as a bar.
A rung that did not run (infeasible, failed) is marked so and the next rung is drawn
from the last rung that ran. docs/sweeps.md explains the ladder.

With several CSVs, one row of panels each (and per KV length), titled by --labels or
else by the CSV's directory.

Examples:
  python3 scripts/ladder-plot.py out/ladder/ladder.csv -o ladder.png
  python3 scripts/ladder-plot.py out/l4k/ladder.csv out/l16k/ladder.csv \
      --labels "llama2-7b" "one layer" -o ladder.svg

Needs matplotlib (Debian: apt-get install python3-matplotlib).
"""

import argparse
import csv
import os
import sys

try:
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt
except ImportError:
    sys.exit("ladder-plot.py: error: matplotlib is not installed (Debian: apt-get install "
             "python3-matplotlib; then run this script with /usr/bin/python3)")

PANELS = (("attention_cycles_per_step", "attention_ns_per_step", "attention"),
          ("latency_per_step_mean_cycles", "latency_per_step_mean_ns", "whole step"))
NEEDED = ("table", "step", "mechanism", "status") + tuple(p[1] for p in PANELS)


def fail(message):
    sys.exit(f"ladder-plot.py: error: {message}")


def read_rungs(path):
    try:
        with open(path, newline="") as f:
            rows = list(csv.DictReader(f))
    except OSError as e:
        fail(f"{path}: {e.strerror}")
    if not rows or any(c not in rows[0] for c in NEEDED):
        fail(f"{path}: not a ladder.csv (swiftkv-sim compare --ladder): needs columns "
             + ", ".join(NEEDED))
    groups = {}
    for r in rows:
        if r["table"] == "ladder":
            groups.setdefault(r.get("kv_len", ""), []).append(r)
    return groups


def panel(ax, rungs, ns_column, title):
    ns = [float(r[ns_column]) if r["status"] == "done" else None for r in rungs]
    unit, scale = ("ms", 1e6) if max([v for v in ns if v is not None] or [0]) >= 1e7 else ("us", 1e3)
    values = [v / scale if v is not None else None for v in ns]
    labels = [f'{r["step"]}. {r["mechanism"]}' for r in rungs]
    last = None  # the last rung that ran
    top = max([v for v in values if v is not None] or [1.0])
    for i, (r, v) in enumerate(zip(rungs, values)):
        if v is None:
            ax.text(i, top * 0.02, r["status"], rotation=90, ha="center", va="bottom",
                    color="#D62728")
            continue
        if last is None or i == len(rungs) - 1:
            ax.bar(i, v, color="#1F77B4")
        if last is not None:
            lo, hi = sorted((v, last))
            colour = "#2CA02C" if v <= last else "#D62728"
            ax.bar(i, hi - lo, bottom=lo, color=colour, alpha=0.85 if i < len(rungs) - 1 else 0.5)
            ax.text(i, hi, f"{last / v:.2f}x" if v > 0 else "", ha="center", va="bottom",
                    fontsize=8)
            ax.plot([i - 1.4, i + 0.4], [last, last], color="#7F7F7F", linewidth=0.7)
        last = v
    ax.set_xticks(range(len(rungs)))
    ax.set_xticklabels(labels, rotation=30, ha="right", fontsize=8)
    ax.set_ylabel(f"{unit} per decode step")
    ax.set_title(title)
    ax.set_ylim(0, top * 1.12)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("ladder_csv", nargs="+")
    parser.add_argument("--labels", nargs="+", default=None,
                        help="one label per CSV for the panel titles")
    parser.add_argument("-o", "--out", default="ladder.png",
                        help="image file; its suffix (.png, .svg) picks the format")
    parser.add_argument("--title", default="", help="a line above the panels")
    parser.add_argument("--dpi", type=int, default=120)
    args = parser.parse_args()
    if args.labels is not None and len(args.labels) != len(args.ladder_csv):
        fail(f"{len(args.labels)} labels for {len(args.ladder_csv)} CSVs")
    groups = {}
    for i, path in enumerate(args.ladder_csv):
        label = args.labels[i] if args.labels else os.path.basename(os.path.dirname(
            os.path.abspath(path)))
        found = read_rungs(path)
        if not found:
            fail(f"{path}: no ladder rows")
        for kv, rungs in found.items():
            groups[(label, kv)] = rungs
    fig, axes = plt.subplots(len(groups), len(PANELS), figsize=(6.2 * len(PANELS),
                                                                  4.2 * len(groups)),
                             squeeze=False)
    for g, ((label, kv), rungs) in enumerate(groups.items()):
        for p, (_, ns_column, name) in enumerate(PANELS):
            title = f"{label}: {name}" + (f", KV {kv}" if kv else "")
            panel(axes[g][p], rungs, ns_column, title)
    if args.title:
        fig.suptitle(args.title)
    fig.tight_layout()
    try:
        fig.savefig(args.out, dpi=args.dpi)
    except (OSError, ValueError) as e:
        fail(f"{args.out}: {e}")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
