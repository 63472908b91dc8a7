#!/usr/bin/env bash
# Builds with warnings as errors and runs every test tier and the Slurm test; then builds
# again with AddressSanitizer and UndefinedBehaviorSanitizer and runs the tiers once more.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

bash scripts/build.sh
ctest --test-dir build/release --output-on-failure -j "$jobs" -LE slurm
# The Slurm test in full (tests/slurm/): the job ids, their states and the byte
# comparison, or the reason it was skipped.
ctest --test-dir build/release --output-on-failure -V -L slurm

cmake -S . -B build/sanitize -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSKV_SANITIZE=ON \
  -DSKV_WERROR=ON
cmake --build build/sanitize -j "$jobs"
# SystemC switches thread stacks (QuickThreads), which ASan cannot follow: once the
# kernel has run, an exception unwinding the main stack is reported as a
# stack-buffer-overflow in ASan's own no-return handler (google/sanitizers#189).
# The command-line tier throws on every bad input after simulating, so it runs in the
# release build only; the unit, module and golden tiers (the module tier runs SystemC;
# the golden tier runs the binary on good input only) run here.
ASAN_OPTIONS=detect_stack_use_after_return=0:detect_leaks=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build/sanitize --output-on-failure -j "$jobs" -L 'unit|module|golden'
