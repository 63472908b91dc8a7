#pragma once
// The hideable bound of one stream fetched ahead of its consumer (docs/architecture.md,
// "Overlapping operations"): with Q the bytes the stream could hold when its consumer
// started, T the accelerator cycles from the stream's start to the consumer's, and P the
// DRAM's peak bytes per accelerator cycle,
//   bytes = min(Q, floor(T x P)),  cycles = min(ceil(Q / P), T)
// the DRAM time prefetch can take off the consumer if the DRAM moved nothing else
// meanwhile. P = 0 (no peak given): the bytes are Q and no cycles are counted.

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace skv::tlmx {

struct HideableBound {
  std::uint64_t bytes = 0;
  std::uint64_t cycles = 0;
};

inline HideableBound hideable_bound(std::uint64_t held_bytes, std::uint64_t window_cycles,
                                    double peak_bytes_per_cycle) {
  if (peak_bytes_per_cycle <= 0) return {held_bytes, 0};
  const auto in_window = static_cast<std::uint64_t>(
      std::floor(static_cast<double>(window_cycles) * peak_bytes_per_cycle));
  const auto at_peak = static_cast<std::uint64_t>(
      std::ceil(static_cast<double>(held_bytes) / peak_bytes_per_cycle));
  return {std::min(held_bytes, in_window), std::min(at_peak, window_cycles)};
}

}  // namespace skv::tlmx
