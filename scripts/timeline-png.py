#!/usr/bin/env python3
"""Draw a swiftkv-sim timeline (`run --timeline`, Chrome/Perfetto trace-event JSON) as a
PNG: one Gantt row per track, grouped by unit, and the counter tracks as line plots below.

    python3 scripts/timeline-png.py out/step.json -o docs/img/timeline-step.png
    python3 scripts/timeline-png.py out/step.json --from-ms 0 --to-ms 2 -o zoom.png

Needs python3-matplotlib. Slice colours follow the slice's category (operation class,
head pass, SRAM port, stall, fill, DRAM bin, request group); flows are drawn as thin
arrows when --flows is given (a whole step has hundreds).
"""

import argparse
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

COLOURS = {
    "gemv": "#4c72b0",
    "attention": "#dd8452",
    "other": "#8c8c8c",
    "head_pass": "#c44e52",
    "sram_port": "#55a868",
    "sram_stall": "#d62728",
    "sram_fill": "#937860",
    "dram_requests": "#8172b3",
    "dram_bin": "#64b5cd",
}
# DRAM bins by what the channel group did in them.
BIN_COLOURS = {
    "read": "#64b5cd",
    "write": "#e377c2",
    "read+write": "#17becf",
    "refresh": "#bcbd22",
}


def load(path):
    with open(path) as f:
        doc = json.load(f)
    events = doc["traceEvents"]
    process, thread = {}, {}
    for e in events:
        if e["ph"] != "M":
            continue
        if e["name"] == "process_name":
            process[e["pid"]] = e["args"]["name"]
        elif e["name"] == "thread_name":
            thread[(e["pid"], e["tid"])] = e["args"]["name"]
    return doc, events, process, thread


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("timeline", help="trace-event JSON written by run --timeline")
    ap.add_argument("-o", "--out", required=True, help="PNG to write")
    ap.add_argument("--from-ms", type=float, default=None, help="start of the window drawn")
    ap.add_argument("--to-ms", type=float, default=None, help="end of the window drawn")
    ap.add_argument("--flows", action="store_true", help="draw the flow arrows")
    ap.add_argument("--width", type=float, default=12.0, help="figure width in inches")
    ap.add_argument("--dpi", type=int, default=90)
    args = ap.parse_args()

    doc, events, process, thread = load(args.timeline)
    # Tracks in the file's order (process, then thread id): top to bottom.
    tracks = sorted(thread, key=lambda k: (k[0], k[1]))
    row = {k: i for i, k in enumerate(tracks)}
    slices = {k: [] for k in tracks}
    counters = {}
    flows = {}
    for e in events:
        ph = e["ph"]
        if ph == "X":
            slices[(e["pid"], e["tid"])].append(e)
        elif ph == "C":
            counters.setdefault((e["pid"], e["name"]), []).append(e)
        elif ph in ("s", "f"):
            flows.setdefault(e["id"], {})[ph] = e

    end_us = max((e["ts"] + e["dur"] for k in slices for e in slices[k]), default=1.0)
    lo = args.from_ms * 1000 if args.from_ms is not None else 0.0
    hi = args.to_ms * 1000 if args.to_ms is not None else end_us
    ms = 1e-3

    n_counters = len(counters)
    fig = plt.figure(figsize=(args.width, 0.28 * len(tracks) + 1.3 * n_counters + 1.2))
    heights = [0.28 * len(tracks)] + [1.1] * n_counters
    grid = fig.add_gridspec(1 + n_counters, 1, height_ratios=heights, hspace=0.25)
    ax = fig.add_subplot(grid[0])
    for k in tracks:
        y = row[k]
        by_colour = {}
        for e in slices[k]:
            if e["ts"] + e["dur"] < lo or e["ts"] > hi:
                continue
            cat = e.get("cat", "")
            c = BIN_COLOURS.get(e["name"]) if cat == "dram_bin" else None
            c = c or COLOURS.get(cat, "#999999")
            # A zero-length slice still shows as a hairline.
            by_colour.setdefault(c, []).append((e["ts"] * ms, max(e["dur"], (hi - lo) * 2e-4) * ms))
        for c, bars in by_colour.items():
            ax.broken_barh(bars, (y - 0.4, 0.8), facecolors=c, edgecolor="none")
    if args.flows:
        for ends in flows.values():
            if "s" not in ends or "f" not in ends:
                continue
            s, f = ends["s"], ends["f"]
            if not (lo <= s["ts"] <= hi):
                continue
            ys, yf = row[(s["pid"], s["tid"])], row[(f["pid"], f["tid"])]
            ax.annotate("", xy=(f["ts"] * ms, yf), xytext=(s["ts"] * ms, ys),
                        arrowprops=dict(arrowstyle="->", lw=0.5, color="#333333", alpha=0.5))
    ax.set_yticks(range(len(tracks)))
    ax.set_yticklabels([f"{process[k[0]]}: {thread[k]}" for k in tracks], fontsize=7)
    ax.set_ylim(len(tracks) - 0.5, -0.5)
    ax.set_xlim(lo * ms, hi * ms)
    ax.tick_params(axis="x", labelsize=7)
    ax.grid(axis="x", lw=0.3)
    other = doc.get("otherData", {})
    ax.set_title(
        f"batch {other.get('batch', '?')}: {hi * ms - lo * ms:.3f} ms shown; DRAM in "
        f"{other.get('bins', '?')} bins of {other.get('bin_width_ps', 0) / 1e6:.3f} us",
        fontsize=9)
    legend = dict(COLOURS)
    del legend["dram_bin"]
    legend.update({f"dram {k}": c for k, c in BIN_COLOURS.items()})
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in legend.values()]
    ax.legend(handles, list(legend), fontsize=6, ncol=6, loc="upper center",
              bbox_to_anchor=(0.5, -0.04 if n_counters == 0 else 1.2), frameon=False)

    for i, (key, samples) in enumerate(sorted(counters.items())):
        cax = fig.add_subplot(grid[1 + i], sharex=ax)
        series = sorted({name for e in samples for name in e["args"]})
        for name in series:
            xs = [e["ts"] * ms for e in samples]
            ys = [e["args"].get(name, 0) for e in samples]
            cax.step(xs, ys, where="post", lw=0.8, label=name)
        cax.set_ylabel(f"{process[key[0]]}\n{key[1]}", fontsize=7)
        cax.tick_params(labelsize=7)
        cax.grid(lw=0.3)
        if len(series) > 1:
            cax.legend(fontsize=6, loc="upper right")
    fig.axes[-1].set_xlabel("ms from the step's start", fontsize=8)
    fig.savefig(args.out, dpi=args.dpi, bbox_inches="tight")
    print(f"wrote {args.out}: {len(tracks)} tracks, {n_counters} counters", file=sys.stderr)


if __name__ == "__main__":
    main()
