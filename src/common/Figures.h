#pragma once
// Small helpers for derived figures in reports and tables.

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>

namespace skv {

// part / whole in percent; 0 when there is no whole.
inline double pct(double part, double whole) { return whole > 0 ? 100.0 * part / whole : 0.0; }

// Rounds a derived figure to six decimals, so reports read cleanly and stay byte-stable.
inline double round6(double v) { return std::round(v * 1e6) / 1e6; }

// A byte count in the largest binary unit in which it is at least 1 ("512 B", "3.50 MiB",
// "1.25 GiB"), so a small size never prints as "0.00 GiB".
inline std::string format_bytes(std::uint64_t bytes) {
  static const char* const kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  if (bytes < 1024) return std::to_string(bytes) + " B";
  double v = static_cast<double>(bytes);
  int unit = 0;
  while (v >= 1024.0 && unit < 6) {
    v /= 1024.0;
    ++unit;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f %s", v, kUnits[unit]);
  return buf;
}

}  // namespace skv
