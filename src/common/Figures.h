#pragma once
// Small helpers for derived figures in reports and tables.

#include <cmath>

namespace skv {

// part / whole in percent; 0 when there is no whole.
inline double pct(double part, double whole) { return whole > 0 ? 100.0 * part / whole : 0.0; }

// Rounds a derived figure to six decimals, so reports read cleanly and stay byte-stable.
inline double round6(double v) { return std::round(v * 1e6) / 1e6; }

}  // namespace skv
