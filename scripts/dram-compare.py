#!/usr/bin/env python3
"""Replays a `cycle,read|write,address` request trace through the DRAM model and prints the
figures to set beside another simulator's (docs/validation.md).

    scripts/dram-compare.py --dram ddr4-3200 TRACE.csv [--bytes 64] [--cycle-scale 1]
                            [--binary build/release/swiftkv-sim] [--json OUT]

TRACE.csv holds one request a line: the issue cycle (in DRAM command-clock cycles, or in
another clock with --cycle-scale converting it), `read` or `write` (also R/W, rd/wr), and the
byte address (decimal or 0x hex). Blank lines, lines starting with `#` and a header line
(`cycle,...`) are skipped. The trace is rewritten in the replay's own format
(`CYCLE R|W 0xADDRESS BYTES`, docs/dram.md) next to a temporary JSON report, replayed with
`swiftkv-sim dram`, and the comparable figures are printed one per line:

    requests, reads, writes
    busy_span_cycles          first arrival to last completion
    bandwidth_gb_per_s        bytes over the busy span
    bandwidth_pct_of_peak
    row_hit_pct               of bursts (and the hits, misses, conflicts behind it)
    turnaround_pct            column commands that change direction, of all
    read_latency_mean_cycles  arrival to the cycle after the last data beat
    read_latency_p50_cycles, read_latency_p99_cycles, write_latency_mean_cycles
    refreshes, ACT, PRE, RD, WR (command counts)

Run it from the repository root (preset names resolve in configs/dram), or pass a preset
file path to --dram.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

OPS = {"read": "R", "r": "R", "rd": "R", "write": "W", "w": "W", "wr": "W"}


def convert(src, dst, scale):
    """Writes the replay's trace format; returns the number of requests."""
    count = 0
    last = 0
    with open(src) as f, open(dst, "w") as out:
        out.write("# converted by scripts/dram-compare.py from %s\n" % src)
        for lineno, line in enumerate(f, 1):
            text = line.strip()
            if not text or text.startswith("#"):
                continue
            fields = [x.strip() for x in text.split(",")]
            if lineno == 1 and fields[0].lower() == "cycle":
                continue
            if len(fields) < 3:
                sys.exit("%s:%d: want cycle,read|write,address" % (src, lineno))
            try:
                cycle = int(round(float(fields[0]) * scale))
                address = int(fields[2], 0)
            except ValueError:
                sys.exit("%s:%d: cycle or address is not a number" % (src, lineno))
            op = OPS.get(fields[1].lower())
            if op is None:
                sys.exit("%s:%d: '%s' is neither read nor write" % (src, lineno, fields[1]))
            if cycle < last:
                sys.exit("%s:%d: cycle %d is earlier than the line before" % (src, lineno, cycle))
            last = cycle
            out.write("%d %s 0x%x\n" % (cycle, op, address))
            count += 1
    if count == 0:
        sys.exit("%s: no requests" % src)
    return count


def figures(d):
    return [
        ("requests", d["requests"]),
        ("reads", d["reads"]),
        ("writes", d["writes"]),
        ("busy_span_cycles", d["busy_span_cycles"]),
        ("bandwidth_gb_per_s", round(d["busy_span_bandwidth_bytes_per_s"] * 1e-9, 3)),
        ("bandwidth_pct_of_peak", round(d["busy_span_bandwidth_pct"], 2)),
        ("row_hit_pct", round(d["row_hit_rate_pct"], 2)),
        ("row_hits", d["row_hits"]),
        ("row_misses", d["row_misses"]),
        ("row_conflicts", d["row_conflicts"]),
        ("turnaround_pct", round(d["turnaround_pct"], 2)),
        ("read_to_write_turnarounds", d["read_to_write_turnarounds"]),
        ("write_to_read_turnarounds", d["write_to_read_turnarounds"]),
        ("read_latency_mean_cycles", round(d["read_latency_cycles"]["mean"], 2)),
        ("read_latency_p50_cycles", d["read_latency_cycles"]["p50"]),
        ("read_latency_p99_cycles", d["read_latency_cycles"]["p99"]),
        ("write_latency_mean_cycles", round(d["write_latency_cycles"]["mean"], 2)),
        ("refreshes", d["refreshes"]),
        ("ACT", d["act_commands"]),
        ("PRE", d["pre_commands"] + d["prea_commands"]),
        ("RD", d["rd_commands"] + d["rda_commands"]),
        ("WR", d["wr_commands"] + d["wra_commands"]),
    ]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("trace", help="cycle,read|write,address per line")
    p.add_argument("--dram", required=True, help="preset name or preset .yaml path")
    p.add_argument("--bytes", type=int, default=64, help="bytes per request (default 64)")
    p.add_argument("--cycle-scale", type=float, default=1.0,
                   help="DRAM cycles per trace cycle (default 1)")
    p.add_argument("--binary", default="build/release/swiftkv-sim")
    p.add_argument("--config-dir", default="configs/dram")
    p.add_argument("--json", help="also write the figures as JSON here")
    a = p.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        trace = os.path.join(tmp, "requests.trace")
        report = os.path.join(tmp, "dram.json")
        convert(a.trace, trace, a.cycle_scale)
        cmd = [a.binary, "dram", "-q", "--dram", a.dram, "--trace", trace, "--bytes",
               str(a.bytes), "--config-dir", a.config_dir, "--json", report]
        run = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if run.returncode != 0:
            sys.exit(run.stderr.strip() or "swiftkv-sim dram failed (exit %d)" % run.returncode)
        with open(report) as f:
            d = json.load(f)["dram"]
    rows = figures(d)
    print("# %s on %s (%s writes, queue %d, front end %d cycle(s))" %
          (a.trace, d["preset"], d["write_policy"], d["queue_depth_bursts"],
           d["frontend_latency_cycles"]))
    for k, v in rows:
        print("%-28s %s" % (k, v))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(dict(rows), f, indent=2)
            f.write("\n")


if __name__ == "__main__":
    main()
