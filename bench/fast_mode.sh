#!/usr/bin/env bash
# The fast mode's speed, printed (no test asserts a wall time):
#   1. llama2-7b on the reference hardware, a 200-step trace from KV 3,890: decode
#      steps per second with a cold sample cache (sampling included), then warm;
#   2. the first 100 requests of the conversation trace (../shared/data) on the 32K
#      long-context model, cold and warm;
#   3. with --whole, the whole conversation trace (4.09 M steps) on the 32K model.
# Usage: bench/fast_mode.sh [BUILD_DIR] [--whole] [-j N]     (from the repository root)
# Each figure is given per CPU-second (user + system time of the run and of the
# processes it forked) and per wall-second; with -j N (default 1) a run simulates N
# samples at once, which shortens its wall time, not its CPU time.
set -euo pipefail
cd "$(dirname "$0")/.."
build=build/release
whole=no
jobs=1
while [ $# -gt 0 ]; do
  case "$1" in
    --whole) whole=yes ;;
    -j) jobs=$2; shift ;;
    *) build="$1" ;;
  esac
  shift
done
sim="${SKV_SIM:-$build/swiftkv-sim}"
[ -x "$sim" ] || { echo "bench/fast_mode.sh: $sim not built (bash scripts/build.sh)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
hw=configs/hw/swiftkv-mha-u55c.yaml

# run NAME MODEL TRACE EXTRA...: prints steps, CPU and wall seconds, steps per CPU- and
# wall-second, and where the time went.
run() {
  local name=$1 model=$2 trace=$3
  shift 3
  local times
  times=$( { TIMEFORMAT='%R %U %S'; time "$sim" run --mode fast --hw "$hw" --model "$model" \
    --trace "$trace" -q -o "$work/$name" --cache-dir "$work/cache" -j "$jobs" "$@" \
    > "$work/$name.txt"; } 2>&1 )
  local steps
  steps=$(grep -m1 '"decode_steps"' "$work/$name/report.json" | tr -dc '0-9')
  echo "$times" | awk -v n="$name" -v s="$steps" '{ w = $1; c = $2 + $3
    printf "%-24s %8d steps  cpu %8.2f s %9.1f steps/s  wall %8.2f s %9.1f steps/s\n",
           n, s, c, s / c, w, s / w }'
  grep -E 'fast mode samples' "$work/$name.txt" | sed 's/^ */    /'
}

echo "== -j $jobs"
echo "== llama2-7b, reference hardware, 200 steps from KV 3,890"
"$sim" trace gen --prompt 3890 --gen 200 -o "$work/kv3890.trace" > /dev/null
run llama2-7b-kv3890-cold configs/models/llama2-7b.yaml "$work/kv3890.trace"
run llama2-7b-kv3890-warm configs/models/llama2-7b.yaml "$work/kv3890.trace"

conv=../shared/data/azure_llm_conv_2023.csv
if [ -f "$conv" ]; then
  echo "== conversation trace, first 100 requests, llama3.1-8b-32k"
  "$sim" trace import "$conv" --max-requests 100 -o "$work/conv100.trace" > /dev/null
  run conv100-cold configs/models/llama3.1-8b-32k.yaml "$work/conv100.trace"
  run conv100-warm configs/models/llama3.1-8b-32k.yaml "$work/conv100.trace"
  if [ "$whole" = yes ]; then
    echo "== conversation trace, all requests, llama3.1-8b-32k (rows past 32K skipped)"
    "$sim" trace import "$conv" -o "$work/conv-all.trace" > /dev/null
    run conv-all configs/models/llama3.1-8b-32k.yaml "$work/conv-all.trace" --over-context skip
  fi
else
  echo "== $conv not found: the conversation-trace figures are skipped"
fi
