#!/usr/bin/env python3
"""Plots of swiftkv-sim sweeps and comparisons (PNG and SVG).

  sweep.csv   (swiftkv-sim sweep)    latency per decode step and utilisation against the
                                     processor-array size (or against --x COLUMN)
  compare.csv (swiftkv-sim compare)  speedup over native attention against the KV length,
                                     and the per-operation breakdown of a decode step

The kind of each CSV is told by its header. Points that did not finish (status other
than done) are left out, with a note on stderr.

Examples:
  python3 scripts/plot.py out/array-size/sweep.csv
  python3 scripts/plot.py out/compare-kv/compare.csv -o plots --formats png

Needs matplotlib (Debian: apt-get install python3-matplotlib). Docs: docs/sweeps.md.
"""

import argparse
import csv
import json
import os
import sys

try:
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt
except ImportError:
    sys.exit("plot.py: error: matplotlib is not installed (Debian: apt-get install "
             "python3-matplotlib; then run this script with /usr/bin/python3)")

# Columns of swiftkv-sim's sweep.csv / compare.csv (src/sweep/SweepSummary.cpp, Compare.cpp).
FIXED_SWEEP_COLUMNS = ("index", "point", "algorithm", "status", "error")
UTILISATION = (
    ("array_busy_pct", "processor array busy"),
    ("array_useful_mac_pct", "useful MACs (of busy peak)"),
    ("attention_pipeline_busy_pct", "attention pipeline busy"),
    ("dram_bandwidth_pct", "DRAM bandwidth (of peak)"),
)
OPERATIONS = (
    ("gemv_cycles_per_step", "GEMV", "#4C72B0"),
    ("attention_cycles_per_step", "attention", "#DD8452"),
    ("other_cycles_per_step", "other", "#8C8C8C"),
)


def fail(message):
    sys.exit(f"plot.py: error: {message}")


def read_csv(path):
    try:
        with open(path, newline="") as f:
            rows = list(csv.DictReader(f))
            header = rows[0].keys() if rows else []
    except OSError as e:
        fail(f"{path}: {e.strerror}")
    if not rows:
        fail(f"{path}: no rows")
    done = [r for r in rows if r.get("status") == "done"]
    for r in rows:
        if r.get("status") != "done":
            name = r.get("point") or f"{r.get('kv_len', '')} {r.get('algorithm', '')}".strip()
            print(f"plot.py: {path}: left out {name} ({r.get('status')}: {r.get('error', '')})",
                  file=sys.stderr)
    if not done:
        fail(f"{path}: no point is done")
    return list(header), done


def number(text):
    try:
        return float(text)
    except ValueError:
        return None


def save(fig, out_dir, stem, formats):
    written = []
    for fmt in formats:
        path = os.path.join(out_dir, f"{stem}.{fmt}")
        fig.savefig(path, dpi=150, bbox_inches="tight")
        written.append(path)
    plt.close(fig)
    for p in written:
        print(f"wrote {p}")


def sweep_name(path):
    """The sweep's name from the sweep.json beside the CSV, else the directory's name."""
    directory = os.path.dirname(os.path.abspath(path))
    try:
        with open(os.path.join(directory, "sweep.json")) as f:
            return json.load(f)["name"]
    except (OSError, ValueError, KeyError):
        return os.path.basename(directory)


def time_unit(values_ns):
    """(divisor, name) to print times of this size readably."""
    top = max(values_ns)
    if top >= 1e6:
        return 1e6, "ms"
    if top >= 1e3:
        return 1e3, "us"
    return 1.0, "ns"


def ordered_unique(values):
    seen = []
    for v in values:
        if v not in seen:
            seen.append(v)
    return seen


def ns_per_cycle(row):
    return float(row["latency_per_step_mean_ns"]) / float(row["latency_per_step_mean_cycles"])


def plot_sweep(path, header, rows, out_dir, formats, x_column):
    axes = [c for c in header[header.index("point") + 1:header.index("status")]
            if c not in FIXED_SWEEP_COLUMNS]
    shapes = {(r["array_rows"], r["array_cols"]) for r in rows}
    if x_column is None:
        x_column = "array" if len(shapes) > 1 or not axes else axes[0]
    if x_column != "array" and x_column not in header:
        fail(f"{path}: no column '{x_column}' (columns: {', '.join(header)})")

    if x_column == "array":
        def x_of(r):
            return (int(r["array_rows"]) * int(r["array_cols"]), int(r["array_rows"]), r["array_cols"])

        def label(x):
            return f"{x[1]}x{x[2]}\n{x[0]} PEs"
        x_title = "processor array (rows x cols)"
    else:
        numeric = all(number(r[x_column]) is not None for r in rows)

        def x_of(r):
            return (number(r[x_column]),) if numeric else (r[x_column],)

        def label(x):
            return f"{x[0]:g}" if isinstance(x[0], float) else x[0]
        x_title = x_column
    xs = sorted(set(x_of(r) for r in rows), key=lambda x: x)
    position = {x: i for i, x in enumerate(xs)}

    # One line per combination of the other axes (e.g. per algorithm).
    others = [c for c in axes if c != x_column and not
              (x_column == "array" and c in ("processor_array.rows", "processor_array.cols"))]
    if len({r["algorithm"] for r in rows}) > 1:
        others.append("algorithm")

    def series_of(r):
        return ", ".join(f"{c}={r[c]}" for c in others)
    series = ordered_unique(series_of(r) for r in rows)

    fig, (lat, util) = plt.subplots(1, 2, figsize=(13, 4.8))
    name = os.path.splitext(os.path.basename(path))[0]
    fig.suptitle(f"{sweep_name(path)}: latency and utilisation against {x_title}")
    div, unit = time_unit([float(r["latency_per_step_mean_ns"]) for r in rows])
    for s in series:
        pts = sorted((position[x_of(r)], r) for r in rows if series_of(r) == s)
        lat.plot([p for p, _ in pts], [float(r["latency_per_step_mean_ns"]) / div for _, r in pts],
                 marker="o", label=s or None)
    lat.set_ylabel(f"latency per decode step ({unit})")
    lat.set_ylim(bottom=0)
    lat.set_title("latency per decode step")
    styles = ("-", "--", ":", "-.")
    for i, s in enumerate(series):
        pts = sorted((position[x_of(r)], r) for r in rows if series_of(r) == s)
        for column, what in UTILISATION:
            util.plot([p for p, _ in pts], [float(r[column]) for _, r in pts], marker="o",
                      linestyle=styles[i % len(styles)],
                      label=what + (f" ({s})" if s else ""))
    util.set_ylabel("% (of simulated time unless noted)")
    util.set_ylim(0, 105)
    util.set_title("utilisation")
    util.legend(fontsize=7, loc="best")
    for ax in (lat, util):
        ax.set_xticks(range(len(xs)))
        ax.set_xticklabels([label(x) for x in xs], fontsize=8)
        ax.set_xlabel(x_title)
        ax.grid(True, alpha=0.3)
    if any(series):
        lat.legend(fontsize=7)
    save(fig, out_dir, f"{name}-latency-utilisation", formats)


def plot_compare(path, header, rows, out_dir, formats):
    group_columns = header[:header.index("algorithm")]
    algorithms = ordered_unique(r["algorithm"] for r in rows)
    kv = "kv_len" in group_columns

    def group_of(r):
        return tuple(r[c] for c in group_columns)
    groups = ordered_unique(group_of(r) for r in rows)
    if kv:
        groups.sort(key=lambda g: float(g[group_columns.index("kv_len")]))

    def group_label(g):
        return ", ".join(g) if g else "trace"
    name = os.path.splitext(os.path.basename(path))[0]
    title_name = sweep_name(path)
    by_key = {(group_of(r), r["algorithm"]): r for r in rows}

    # Speedup over native, attention and whole step.
    fig, axs = plt.subplots(1, 2, figsize=(13, 4.8))
    fig.suptitle(f"{title_name}: speedup over native attention")
    for ax, column, what in ((axs[0], "attention_speedup_vs_native", "attention"),
                             (axs[1], "step_speedup_vs_native", "whole decode step")):
        for a in algorithms:
            pts = [(i, number(by_key[(g, a)][column])) for i, g in enumerate(groups)
                   if (g, a) in by_key and number(by_key[(g, a)][column]) is not None]
            if pts:
                ax.plot([p for p, _ in pts], [s for _, s in pts], marker="o", label=a)
        ax.set_title(f"{what} latency: native / algorithm")
        ax.set_ylabel("speedup over native (x)")
        ax.set_xlabel("KV length (tokens)" if kv else "group")
        ax.set_xticks(range(len(groups)))
        ax.set_xticklabels([group_label(g) for g in groups], fontsize=8)
        ax.set_ylim(bottom=0)
        ax.axhline(1.0, color="black", linewidth=0.8)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8)
    save(fig, out_dir, f"{name}-speedup", formats)

    # Per-operation breakdown: one stacked bar per algorithm in each group.
    fig, ax = plt.subplots(figsize=(max(7, 1.6 * len(groups) * len(algorithms) / 2), 5))
    fig.suptitle(f"{title_name}: where a decode step's time goes")
    width = 0.8 / len(algorithms)
    div, unit = time_unit([float(r["latency_per_step_mean_ns"]) for r in rows])
    ticks, tick_labels = [], []
    for gi, g in enumerate(groups):
        for ai, a in enumerate(algorithms):
            r = by_key.get((g, a))
            if r is None:
                continue
            x = gi + (ai - (len(algorithms) - 1) / 2) * width
            bottom = 0.0
            for column, what, colour in OPERATIONS:
                t = float(r[column]) * ns_per_cycle(r) / div
                ax.bar(x, t, width * 0.9, bottom=bottom, color=colour,
                       label=what if gi == 0 and ai == 0 else None)
                bottom += t
            ticks.append(x)
            tick_labels.append(a)
    ax.set_xticks(ticks)
    ax.set_xticklabels(tick_labels, rotation=60, ha="right", fontsize=7)
    for gi, g in enumerate(groups):
        ax.annotate(("KV " if kv else "") + group_label(g), xy=(gi, 1.0),
                    xycoords=("data", "axes fraction"), ha="center", va="bottom", fontsize=8)
    ax.set_ylabel(f"time per decode step ({unit})")
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    save(fig, out_dir, f"{name}-breakdown", formats)


def main():
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="\n\n".join(__doc__.split("\n\n")[1:]),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("csv", nargs="+", help="sweep.csv or compare.csv files")
    parser.add_argument("-o", "--out", help="output directory (default: each CSV's directory)")
    parser.add_argument("--formats", default="png,svg",
                        help="comma-separated image formats (default: png,svg)")
    parser.add_argument("--x", dest="x_column",
                        help="sweep.csv: the column for the x axis (default: the array shape "
                             "when it varies, else the first axis)")
    args = parser.parse_args()
    formats = [f for f in args.formats.split(",") if f]
    for path in args.csv:
        header, rows = read_csv(path)
        out_dir = args.out or os.path.dirname(os.path.abspath(path))
        os.makedirs(out_dir, exist_ok=True)
        if "attention_speedup_vs_native" in header:
            plot_compare(path, header, rows, out_dir, formats)
        elif "latency_per_step_mean_cycles" in header and "point" in header:
            plot_sweep(path, header, rows, out_dir, formats, args.x_column)
        else:
            fail(f"{path}: neither a sweep.csv nor a compare.csv of swiftkv-sim")


if __name__ == "__main__":
    main()
