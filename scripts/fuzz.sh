#!/usr/bin/env bash
# Fuzzes the readers with libFuzzer (docs/architecture.md, "Tests"):
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#
# builds the fuzz targets (tests/fuzz/) with clang, AddressSanitizer and
# UndefinedBehaviorSanitizer in build/fuzz (the libraries they need; SystemC is linked but
# never started), then runs each target for SECONDS (default 60), FUZZ_JOBS at a time (default:
# the number of cores). Each is seeded with the shipped files it reads and its kept
# reproducers (tests/fuzz/CMakeLists.txt lists them); what it finds beyond them is kept in
# build/fuzz/corpus/TARGET for the next run. Prints each target's executions and
# findings; exits 1 if any target crashed, failed a check, leaked, hung (FUZZ_TIMEOUT
# seconds on one input, default 25) or ran out of memory. A finding's input is left in
# build/fuzz/artifacts/TARGET/: once fixed, it belongs in tests/fuzz/regressions/TARGET/,
# which the normal build's tests replay.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
shift || true
[[ "$seconds" =~ ^[1-9][0-9]*$ ]] || { echo "fuzz.sh: SECONDS must be a whole number > 0" >&2; exit 2; }
jobs=${FUZZ_JOBS:-$(nproc)}
timeout=${FUZZ_TIMEOUT:-25}
build=build/fuzz

cmake -S . -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DSKV_FUZZ=ON >/dev/null
mapfile -t lines <"$build/fuzz-targets.txt"
declare -A seeds=()
all=()
for line in "${lines[@]}"; do
  read -r name dirs <<<"$line"
  all+=("$name")
  seeds[$name]=$dirs
done
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")
for t in "${targets[@]}"; do
  [ -n "${seeds[$t]+x}" ] || { echo "fuzz.sh: no target '$t' (the targets: ${all[*]})" >&2; exit 2; }
done
cmake --build "$build" -j "$jobs" --target "${targets[@]/#/fuzz_}"

run_one() {
  local t=$1 dirs=() d
  for d in ${seeds[$t]} tests/fuzz/regressions/$t; do
    [ -d "$d" ] && dirs+=("$d")
  done
  mkdir -p "$build/corpus/$t" "$build/artifacts/$t"
  # The first folder is where libFuzzer adds the inputs that reach new code.
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$build/tests/fuzz/fuzz_$t" "$build/corpus/$t" "${dirs[@]}" \
    -max_total_time="$seconds" -timeout="$timeout" -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$build/artifacts/$t/" >"$build/logs/$t.log" 2>&1
}

mkdir -p "$build/logs"
rm -f "$build"/logs/*.log
echo "fuzz.sh: ${#targets[@]} targets, ${seconds} s each, ${jobs} at a time"
declare -A status=()
running=0
for t in "${targets[@]}"; do
  if [ "$running" -ge "$jobs" ]; then
    wait -n || true
    running=$((running - 1))
  fi
  ( run_one "$t"; echo $? >"$build/logs/$t.rc" ) || true &
  running=$((running + 1))
done
wait

failed=0
for t in "${targets[@]}"; do
  log=$build/logs/$t.log
  rc=$(cat "$build/logs/$t.rc" 2>/dev/null || echo 1)
  execs=$(awk '/stat::number_of_executed_units:/ {print $2}' "$log" | tail -1)
  corpus=$(find "$build/corpus/$t" -type f | wc -l)
  if [ "$rc" = 0 ]; then
    echo "fuzz.sh: $t: ${execs:-?} executions in ${seconds} s, corpus $corpus inputs, no findings"
  else
    failed=1
    echo "fuzz.sh: $t: FINDING (exit $rc) after ${execs:-?} executions; the log ($log) ends:"
    grep -E '^==[0-9]+==|SUMMARY|runtime error|uncaught|fuzz check failed|Test unit written' "$log" \
      | head -20 | sed 's/^/    /'
    ls "$build/artifacts/$t"/* 2>/dev/null | sed 's/^/    input: /' || true
  fi
done
exit "$failed"
