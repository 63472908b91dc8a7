#!/usr/bin/env python3
"""What overlap saves, against what it could (swiftkv-sim compare --overlap), as PNG or SVG.

Reads the overlap.csv that `compare --overlap` writes (one row per point: the other
axes, the overlap axes (overlap.weights, overlap.kv or both), the measured figures, the
saving against the point with every overlap axis none and the same other axes, and the
exclusive breakdown) and draws, per KV length (a kv_len column; one panel pair without
one):

  top     per buffer set (the weight buffer, memory.max_outstanding x
          memory.request_bytes, and with a kv_sram.prefetch_kib column the K/V prefetch
          space), for each overlap choice other than none (weights, kv, weights + kv):
          the hideable bound (ms/token, from buffer sizes and DRAM bandwidth) beside the
          time measured as saved (ms/token);
  bottom  per buffer set and choice: ms/token split by the exclusive breakdown (GEMV
          array, waiting for weights, attention pipeline, waiting for K/V, other units,
          unattributed), which adds up to the bar.

docs/sweeps.md ("Overlap") explains the figures.

Example:
  /usr/bin/python3 scripts/overlap-plot.py out/overlap/overlap.csv -o docs/img/overlap.png

Needs matplotlib (Debian: apt-get install python3-matplotlib).
"""

import argparse
import csv
import sys

try:
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    matplotlib.rcParams["svg.fonttype"] = "none"  # SVG text stays text
    import matplotlib.pyplot as plt
except ImportError:
    sys.exit("overlap-plot.py: error: matplotlib is not installed (Debian: apt-get install "
             "python3-matplotlib; then run this script with /usr/bin/python3)")

PARTS = (("GEMV array", ("gemv_array",), "#4c72b0"),
         ("waiting for weights", ("gemv_waiting_for_weights",), "#c44e52"),
         ("attention pipeline", ("attention_pipeline",), "#55a868"),
         ("waiting for K/V", ("attention_waiting_for_kv",), "#dd8452"),
         ("other units", ("other_units",), "#8172b3"),
         ("unattributed", ("gemv_unattributed", "attention_unattributed", "other_unattributed"),
          "#937860"))
NEEDED = ("status", "ms_per_token", "hideable_ms_per_token",
          "saved_ms_per_token") + tuple(p + "_pct" for _, ps, _ in PARTS for p in ps)


def fail(msg):
    sys.exit("overlap-plot.py: error: " + msg)


def read_rows(path):
    try:
        with open(path, newline="") as f:
            rows = list(csv.DictReader(f))
    except OSError as e:
        fail(f"{path}: cannot read: {e.strerror}")
    if not rows:
        fail(f"{path}: no rows")
    missing = [k for k in NEEDED if k not in rows[0]]
    if not any(k in rows[0] for k in ("overlap.weights", "overlap.kv")):
        missing.insert(0, "overlap.weights")
    if missing:
        fail(f"{path}: not an overlap.csv of compare --overlap (no column {missing[0]})")
    return [r for r in rows if r["status"] == "done"]


BUFFER_BYTES = {}  # memory.max_outstanding -> the weight buffer's bytes, from a report


def size_label(kib):
    return f"{kib // 1024} MiB" if kib >= 1024 else f"{kib} KiB"


def buffer_label(row):
    """The weight buffer's size (overlap.streams.weights.buffer_bytes of a point with
    overlap and the same memory.max_outstanding, else the request count), and with a
    kv_sram.prefetch_kib column the K/V prefetch space's."""
    n = row.get("memory.max_outstanding", "")
    b = row.get("overlap.streams.weights.buffer_bytes") or BUFFER_BYTES.get(n)
    if b:
        BUFFER_BYTES[n] = b
        label = size_label(int(b) // 1024)
    else:
        label = f"{n} requests" if n else "buffer"
    kv = row.get("kv_sram.prefetch_kib", "")
    return f"{label} + {size_label(int(kv))} K/V" if kv else label


def choice_of(row):
    """The overlap choice: which streams are fetched ahead ("none", "weights", "kv",
    "weights + kv")."""
    on = [name for key, name in (("overlap.weights", "weights"), ("overlap.kv", "kv"))
          if row.get(key, "none") not in ("", "none")]
    return " + ".join(on) if on else "none"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("csv", help="overlap.csv of swiftkv-sim compare --overlap")
    ap.add_argument("-o", "--out", default="overlap.png", help="output file (.png or .svg)")
    a = ap.parse_args()
    rows = read_rows(a.csv)
    if not rows:
        fail(f"{a.csv}: no point is done")
    for r in rows:
        if r.get("overlap.streams.weights.buffer_bytes"):
            BUFFER_BYTES[r.get("memory.max_outstanding", "")] = r["overlap.streams.weights.buffer_bytes"]
    kvs = []
    for r in rows:
        if r.get("kv_len", "") not in kvs:
            kvs.append(r.get("kv_len", ""))
    fig, axes = plt.subplots(2, len(kvs), figsize=(9 * len(kvs), 9), squeeze=False)
    for col, kv in enumerate(kvs):
        mine = [r for r in rows if r.get("kv_len", "") == kv]
        buffers = []
        for r in mine:
            if buffer_label(r) not in buffers:
                buffers.append(buffer_label(r))
        choices = []
        for r in mine:
            if choice_of(r) not in choices:
                choices.append(choice_of(r))
        title = f"KV {kv}" if kv else ""
        # Top: bound against measured saving, per buffer, for each choice but none.
        top = axes[0][col]
        shown = [c for c in choices if c != "none"]
        width = 0.8 / max(1, 2 * len(shown))
        for ci, choice in enumerate(shown):
            for bi, buf in enumerate(buffers):
                r = next((x for x in mine if buffer_label(x) == buf and
                          choice_of(x) == choice), None)
                if r is None:
                    continue
                x0 = bi - 0.4 + 2 * ci * width
                hide = float(r["hideable_ms_per_token"])
                saved = float(r["saved_ms_per_token"] or 0)
                top.bar(x0 + width / 2, hide, width, color="#bbbbbb",
                        label="hideable bound" if bi == 0 and ci == 0 else None)
                top.bar(x0 + 1.5 * width, saved, width, color="#2a7f3f",
                        label="measured saving" if bi == 0 and ci == 0 else None)
                top.annotate(f"{saved:.3f}\n({float(r['saved_pct'] or 0):.2f}%)",
                             (x0 + 1.5 * width, max(saved, 0)), ha="center", va="bottom",
                             fontsize=7)
                top.annotate(f"{hide:.3f}", (x0 + width / 2, hide), ha="center", va="bottom",
                             fontsize=7)
        top.set_xticks(range(len(buffers)))
        top.set_xticklabels([f"{b}\n{', '.join(shown)}" for b in buffers])
        top.set_ylabel("ms per token")
        top.set_title(f"{title}: time hideable vs saved (against overlap none)")
        top.legend(fontsize=8)
        # Bottom: ms/token split by the exclusive breakdown.
        bottom = axes[1][col]
        labels, xs = [], []
        for bi, buf in enumerate(buffers):
            for choice in choices:
                r = next((x for x in mine if buffer_label(x) == buf and
                          choice_of(x) == choice), None)
                if r is None:
                    continue
                xs.append(r)
                labels.append(buf.replace(" + ", "\n+ ") + "\n" + choice)
        base = [0.0] * len(xs)
        for name, parts, color in PARTS:
            vals = [sum(float(r[p + "_pct"]) for p in parts) / 100 * float(r["ms_per_token"])
                    for r in xs]
            bottom.bar(range(len(xs)), vals, 0.7, bottom=base, color=color, label=name)
            base = [b + v for b, v in zip(base, vals)]
        for i, r in enumerate(xs):
            bottom.annotate(f"{float(r['ms_per_token']):.3f}", (i, base[i]), ha="center",
                            va="bottom", fontsize=7)
        bottom.set_xticks(range(len(xs)))
        bottom.set_xticklabels(labels, fontsize=6)
        bottom.set_ylabel("ms per token")
        bottom.set_title(f"{title}: exclusive breakdown of the step")
        bottom.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    try:
        fig.savefig(a.out, dpi=110)
    except OSError as e:
        fail(f"{a.out}: cannot write: {e.strerror}")
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
