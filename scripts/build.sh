#!/usr/bin/env bash
# Configures and builds the release build in build/release (warnings are errors).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DSKV_WERROR=ON
cmake --build build/release -j "$(nproc)"
