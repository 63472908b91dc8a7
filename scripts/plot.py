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
# Column, legend text, colour and marker: one look per figure, whatever the series.
UTILISATION = (
    ("array_busy_pct", "processor array busy", "#1F77B4", "o"),
    ("array_useful_mac_pct", "useful MACs (of busy peak)", "#FF7F0E", "s"),
    ("attention_pipeline_busy_pct", "attention pipeline busy", "#2CA02C", "^"),
    ("dram_bandwidth_pct", "DRAM bandwidth (of peak)", "#D62728", "D"),
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


def save(fig, out_dir, stem, formats, dpi):
    written = []
    for fmt in formats:
        path = os.path.join(out_dir, f"{stem}.{fmt}")
        fig.savefig(path, dpi=dpi, bbox_inches="tight")
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


def plot_sweep(path, header, rows, out_dir, formats, x_column, dpi, name):
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
        x_title = "processor array (rows x cols), by PEs"
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

    fig, (lat, util) = plt.subplots(1, 2, figsize=(11, 4.4))
    fig.suptitle(f"{sweep_name(path)}: latency and utilisation against {x_title}")
    div, unit = time_unit([float(r["latency_per_step_mean_ns"]) for r in rows])
    # One line style per series (e.g. per algorithm), the same in both panels; in the
    # utilisation panel colour and marker tell the figure.
    styles = ("-", "--", ":", "-.", (0, (5, 1, 1, 1, 1, 1)), (0, (1, 3)))
    series_colours = ("black", "#7F7F7F", "#9467BD", "#8C564B", "#17BECF", "#BCBD22")
    for i, s in enumerate(series):
        pts = sorted((position[x_of(r)], r) for r in rows if series_of(r) == s)
        lat.plot([p for p, _ in pts], [float(r["latency_per_step_mean_ns"]) / div for _, r in pts],
                 color=series_colours[i % len(series_colours)] if s else "#1F77B4",
                 linestyle=styles[i % len(styles)], marker="o", markersize=5, label=s or None)
    lat.set_ylabel(f"latency per decode step ({unit})")
    lat.set_ylim(bottom=0)
    lat.set_title("latency per decode step (lower is better)", fontsize=11)
    for i, s in enumerate(series):
        pts = sorted((position[x_of(r)], r) for r in rows if series_of(r) == s)
        for column, what, colour, marker in UTILISATION:
            util.plot([p for p, _ in pts], [float(r[column]) for _, r in pts], color=colour,
                      marker=marker, markersize=5, linestyle=styles[i % len(styles)],
                      label=what if i == 0 else None)
    util.set_ylabel("% (of simulated time unless noted)")
    # Every figure is at most 100%: the legend goes in the headroom above, over no line.
    util.set_ylim(0, 100 + 9 * ((len(UTILISATION) + 1) // 2) + 4)
    util.set_yticks(range(0, 101, 20))
    util.set_title("utilisation" + (" (line style: series, as left)" if len(series) > 1 else ""),
                   fontsize=11)
    util.legend(fontsize=8, loc="upper center", ncol=2)
    for ax in (lat, util):
        ax.set_xticks(range(len(xs)))
        ax.set_xticklabels([label(x) for x in xs], fontsize=8)
        ax.set_xlabel(x_title)
        ax.grid(True, alpha=0.3)
    if any(series):
        lat.legend(fontsize=8)
    fig.tight_layout()
    save(fig, out_dir, f"{name}-latency-utilisation", formats, dpi)


# One look per algorithm, the same in every figure. SwiftKV and FlashDecoding often land
# on the same speedup: distinct markers and line styles keep both visible.
ALGORITHM_STYLE = {
    "native": ("#4D4D4D", "o", "-"),
    "swiftkv": ("#D62728", "o", "-"),
    "flash": ("#2CA02C", "s", "-."),
    "flashdecoding": ("#1F77B4", "^", "--"),
}
FALLBACK_STYLE = (("#9467BD", "D", ":"), ("#8C564B", "v", "-"), ("#E377C2", "P", "--"))


def algorithm_style(algorithm, i):
    return ALGORITHM_STYLE.get(algorithm, FALLBACK_STYLE[i % len(FALLBACK_STYLE)])


def plot_compare(path, header, rows, out_dir, formats, dpi, name):
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
    x_title = "KV length (tokens)" if kv else ", ".join(group_columns) or "group"
    title_name = sweep_name(path)
    by_key = {(group_of(r), r["algorithm"]): r for r in rows}

    # Speedup over native, attention and whole step. Native itself is the line at 1.
    fig, axs = plt.subplots(1, 2, figsize=(11, 4.2))
    fig.suptitle(f"{title_name}: speedup over native attention (higher is better)")
    for ax, column, what in ((axs[0], "attention_speedup_vs_native", "attention"),
                             (axs[1], "step_speedup_vs_native", "whole decode step")):
        ax.axhline(1.0, color="black", linewidth=0.9, label="native (baseline)")
        top = 1.0
        for i, a in enumerate(algorithms):
            if a == "native":
                continue
            pts = [(gi, number(by_key[(g, a)][column])) for gi, g in enumerate(groups)
                   if (g, a) in by_key and number(by_key[(g, a)][column]) is not None]
            if pts:
                colour, marker, line = algorithm_style(a, i)
                ax.plot([p for p, _ in pts], [s for _, s in pts], color=colour, marker=marker,
                        linestyle=line, markersize=7 if marker == "o" else 5,
                        markerfacecolor="none" if marker == "o" else colour, label=a)
                top = max(top, max(s for _, s in pts))
        ax.set_title(f"{what}: native latency / algorithm latency", fontsize=10)
        ax.set_ylabel("speedup over native (x)")
        ax.set_xlabel(x_title)
        ax.set_xticks(range(len(groups)))
        ax.set_xticklabels([group_label(g) for g in groups], fontsize=9)
        ax.set_ylim(0, top * 1.12)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    save(fig, out_dir, f"{name}-speedup", formats, dpi)

    # Per-operation breakdown: one stacked bar per algorithm in each group.
    fig, ax = plt.subplots(figsize=(max(7.0, 0.42 * len(groups) * len(algorithms) + 1.5), 4.8))
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
    ax.set_xticklabels(tick_labels, rotation=45, ha="right", rotation_mode="anchor", fontsize=8)
    # The groups (KV lengths) on a second row of labels under the algorithm names.
    groups_axis = ax.secondary_xaxis("bottom")
    groups_axis.set_xticks(range(len(groups)))
    groups_axis.set_xticklabels([group_label(g) for g in groups], fontsize=9, fontweight="bold")
    # Pad (points) past the rotated names: about 3.3 points of height per character.
    groups_axis.tick_params(axis="x", length=0,
                            pad=12 + 3.3 * max(len(t) for t in tick_labels))
    groups_axis.set_xlabel(x_title)
    groups_axis.spines["bottom"].set_visible(False)
    ax.set_ylabel(f"time per decode step ({unit})")
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(fontsize=8, loc="upper left", title="operation class", title_fontsize=8)
    fig.tight_layout()
    save(fig, out_dir, f"{name}-breakdown", formats, dpi)


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
    parser.add_argument("--dpi", type=int, default=150,
                        help="resolution of PNG files, dots per inch (default: 150)")
    args = parser.parse_args()
    formats = [f for f in args.formats.split(",") if f]
    for path in args.csv:
        header, rows = read_csv(path)
        out_dir = args.out or os.path.dirname(os.path.abspath(path))
        os.makedirs(out_dir, exist_ok=True)
        # Images are named after the CSV ("sweep-..."); when several CSVs write into one
        # -o directory, after their directories too, so that none overwrites another.
        name = os.path.splitext(os.path.basename(path))[0]
        if args.out and len(args.csv) > 1:
            name = os.path.basename(os.path.dirname(os.path.abspath(path))) + "-" + name
        if "attention_speedup_vs_native" in header:
            plot_compare(path, header, rows, out_dir, formats, args.dpi, name)
        elif "latency_per_step_mean_cycles" in header and "point" in header:
            plot_sweep(path, header, rows, out_dir, formats, args.x_column, args.dpi, name)
        else:
            fail(f"{path}: neither a sweep.csv nor a compare.csv of swiftkv-sim")


if __name__ == "__main__":
    main()
