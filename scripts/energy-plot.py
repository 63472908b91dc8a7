#!/usr/bin/env python3
"""Energy breakdown of swiftkv-sim runs as an SVG picture (standard library only).

For each report.json given (from `swiftkv-sim run --energy PRESET`), two stacked bars of
millijoules per token: by part (dynamic, unit static, DRAM background and refresh, board
idle) and by unit (processor array, attention pipeline, KV SRAM, DRAM, rest of the chip,
board). docs/energy.md explains the figures.

Example:
  python3 scripts/energy-plot.py out/report.json -o energy.svg
  python3 scripts/energy-plot.py out-1k/report.json out-4k/report.json -o energy.svg \
          --label "KV 1,024" --label "KV 4,093"
"""

import argparse
import json
import sys
from xml.sax.saxutils import escape

PARTS = (("dynamic", "dynamic", "#1F77B4"), ("unit_static", "unit static", "#FF7F0E"),
         ("dram_background_refresh", "DRAM background and refresh", "#2CA02C"),
         ("board_idle", "board idle", "#7F7F7F"))
UNITS = (("processor_array", "processor array", "#1F77B4"),
         ("attention_pipeline", "attention pipeline", "#D62728"),
         ("kv_sram", "KV SRAM", "#9467BD"), ("dram", "DRAM", "#2CA02C"),
         ("device", "rest of the chip", "#FF7F0E"), ("board", "board", "#7F7F7F"))

BAR_H, GAP, LEFT, WIDTH, LEGEND_H = 22, 10, 260, 560, 22


def load(path):
    with open(path) as f:
        j = json.load(f)
    if "energy" not in j:
        sys.exit(f"energy-plot.py: error: {path}: no `energy` group (run with --energy PRESET)")
    return j


def label_of(j, name):
    inp = j["inputs"]
    return f'{inp["model_name"]}, {inp["algorithm"]}, {j["energy"]["preset"]}, {name}'


def bars(reports, key, items):
    rows = []
    for path, j in reports:
        tokens = max(1, j["totals"]["tokens"])
        group = j["energy"][key]
        rows.append((label_of(j, path), [(group.get(k, 0.0) / tokens * 1e3, name, colour)
                                         for k, name, colour in items]))
    return rows


def svg(reports):
    sections = [("mJ per token, by part", bars(reports, "parts_j", PARTS), PARTS),
                ("mJ per token, by unit", bars(reports, "by_unit_j", UNITS), UNITS)]
    top = max(sum(v for v, _, _ in segs) for _, rows, _ in sections for _, segs in rows) or 1.0
    out, y = [], 10
    for title, rows, items in sections:
        out.append(f'<text x="10" y="{y + 14}" font-weight="bold">{escape(title)}</text>')
        y += 24
        for label, segs in rows:
            out.append(f'<text x="10" y="{y + 15}" font-size="11">{escape(label[:44])}</text>')
            x = LEFT
            for v, name, colour in segs:
                w = v / top * WIDTH
                out.append(f'<rect x="{x:.2f}" y="{y}" width="{w:.2f}" height="{BAR_H}" '
                           f'fill="{colour}"><title>{escape(name)}: {v:.4g} mJ</title></rect>')
                x += w
            total = sum(v for v, _, _ in segs)
            out.append(f'<text x="{x + 6:.2f}" y="{y + 15}" font-size="11">{total:.4g} mJ</text>')
            y += BAR_H + GAP
        x = 10
        for _, name, colour in items:
            out.append(f'<rect x="{x}" y="{y}" width="12" height="12" fill="{colour}"/>')
            out.append(f'<text x="{x + 16}" y="{y + 11}" font-size="11">{escape(name)}</text>')
            x += 30 + 7 * len(name)
        y += LEGEND_H + GAP
    width = LEFT + WIDTH + 120
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{y}" '
            f'font-family="sans-serif">\n<rect width="100%" height="100%" fill="white"/>\n'
            + "\n".join(out) + "\n</svg>\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("reports", nargs="+", help="report.json files of runs with --energy")
    ap.add_argument("-o", "--out", default="energy.svg", help="SVG file to write")
    ap.add_argument("--label", action="append", default=[],
                    help="a report's name in the picture, once per report in their order "
                         "(default: its file name)")
    a = ap.parse_args()
    if a.label and len(a.label) != len(a.reports):
        ap.error(f"--label: given {len(a.label)} times for {len(a.reports)} reports; "
                 "give it once per report, or not at all")
    names = a.label or a.reports
    reports = [(name, load(p)) for name, p in zip(names, a.reports)]
    with open(a.out, "w") as f:
        f.write(svg(reports))
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
