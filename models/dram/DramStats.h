#pragma once
// Counters of one DRAM subsystem: the source of truth for every DRAM figure reported.

#include <cstdint>

namespace skv::dram {

struct DramStats {
  std::uint64_t bytes_read = 0;
  std::uint64_t bytes_written = 0;
  std::uint64_t requests = 0;
  std::uint64_t bursts = 0;
  std::uint64_t row_hits = 0;
  std::uint64_t row_misses = 0;      // bank was closed
  std::uint64_t row_conflicts = 0;   // another row was open
  std::uint64_t data_bus_busy_cycles = 0;  // summed over channels
  std::uint64_t read_latency_sum_cycles = 0;
  std::uint64_t reads = 0;
};

}  // namespace skv::dram
