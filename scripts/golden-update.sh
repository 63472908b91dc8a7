#!/usr/bin/env bash
# Re-pins the golden tier's whole-run figures (tests/golden/golden.json) from the
# current code: builds the release, runs every golden case, prints each figure whose
# value changes (old -> new, with the difference) and rewrites golden.json. Review the
# printed changes and commit them with the change that caused them.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh >/dev/null
SKV_GOLDEN_UPDATE=1 build/release/tests/golden_tests
