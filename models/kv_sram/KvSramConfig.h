#pragma once
// The KV SRAM's validated configuration (loaded by src/config; docs/formats.md documents
// every key).

#include <cstdint>

namespace skv::config {

struct KvSramConfig {
  std::uint64_t capacity_kib = 0;
  std::uint32_t banks = 0;
  std::uint32_t bank_width_bytes = 0;   // bytes one bank reads or writes per cycle
  std::uint32_t ports = 1;              // independent access ports
  std::uint32_t access_latency_cycles = 1;
  int capacity_kib_line = 0;            // its line in the file (for checks made later)

  std::uint64_t capacity_bytes() const { return capacity_kib * 1024; }
  std::uint64_t bytes_per_cycle() const { return std::uint64_t{banks} * bank_width_bytes; }
};

}  // namespace skv::config
