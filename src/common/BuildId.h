#pragma once
// The build id of this binary: 16 hex digits of a SHA-256 over the path and contents of
// every source file of the layers that decide a run's numbers (src/common, models/,
// src/config, src/trace, src/sim, src/report), computed at build time by
// cmake/BuildId.cmake. Any edit to those files changes it, comments included: a sweep
// folds it into each point's inputs hash, so a point run by another build runs again
// rather than mix its results with this build's. The same sources give the same id on
// every machine and in every build directory.

namespace skv {

const char* build_id();

}  // namespace skv
