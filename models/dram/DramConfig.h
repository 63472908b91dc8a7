#pragma once
// Validated runtime configuration of one DRAM subsystem (all channels of one kind).
// Timing values are in DRAM clock cycles (the command clock, tCK).

#include <cstdint>
#include <string>

namespace skv::config {
class Node;
}

namespace skv::dram {

struct DramOrganisation {
  std::uint32_t channels = 1;          // independent channels (HBM: pseudo-channels)
  std::uint32_t ranks = 1;
  std::uint32_t bank_groups = 1;
  std::uint32_t banks_per_group = 1;
  std::uint64_t rows = 1;
  std::uint32_t columns = 1;           // column addresses per row, each bus_width_bits wide
  std::uint32_t bus_width_bits = 64;   // data bus width of one channel
  std::uint32_t burst_length = 4;      // beats per burst (data on both edges: BL/2 cycles)

  std::uint32_t banks() const { return ranks * bank_groups * banks_per_group; }
  std::uint32_t burst_bytes() const { return bus_width_bits / 8 * burst_length; }
  std::uint64_t row_bytes() const { return std::uint64_t{columns} * (bus_width_bits / 8); }
};

struct DramTiming {
  std::uint32_t tRCD = 0;   // ACT to RD
  std::uint32_t tRCDW = 0;  // ACT to WR
  std::uint32_t tRP = 0;    // PRE to ACT (same bank)
  std::uint32_t tRAS = 0;   // ACT to PRE (same bank)
  std::uint32_t tRC = 0;    // ACT to ACT (same bank)
  std::uint32_t tRTP = 0;   // RD to PRE
  std::uint32_t tWR = 0;    // end of write data to PRE
  std::uint32_t RL = 0;     // RD to first data beat
  std::uint32_t WL = 0;     // WR to first data beat
  std::uint32_t tCCD_S = 0; // column to column, different bank group
  std::uint32_t tCCD_L = 0; // column to column, same bank group
  std::uint32_t tRRD_S = 0; // ACT to ACT, different bank group
  std::uint32_t tRRD_L = 0; // ACT to ACT, same bank group
  std::uint32_t tFAW = 0;   // window holding at most four ACTs
  std::uint32_t tWTR_S = 0; // end of write data to RD, different bank group
  std::uint32_t tWTR_L = 0; // end of write data to RD, same bank group
  std::uint32_t tRTW = 0;   // RD to WR turnaround
  std::uint32_t tREFI = 0;  // refresh interval (0: no refresh)
  std::uint32_t tRFC = 0;   // all-bank refresh cycle time
};

enum class PagePolicy { Open, Closed };

struct DramConfig {
  std::string name;                 // preset name, e.g. "hbm2-u55c"
  double clock_mhz = 0;             // command clock; data moves on both edges
  DramOrganisation org;
  DramTiming timing;
  PagePolicy page_policy = PagePolicy::Open;
  std::uint32_t queue_depth = 32;   // requests the controller holds per channel
  std::uint32_t interleave_bytes = 256;  // consecutive bytes kept on one channel

  std::uint32_t burst_cycles() const { return org.burst_length / 2; }
  double peak_bandwidth_bytes_per_s() const {
    return clock_mhz * 1e6 * 2.0 * (org.bus_width_bits / 8.0) * org.channels;
  }
};

// Reads and validates a DRAM config from the mapping `node` (a preset file's top level,
// or the `dram:` section of a hardware config). Errors name file, key and reason.
DramConfig load_dram_config(config::Node& node);

}  // namespace skv::dram
