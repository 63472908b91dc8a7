#pragma once
// The KV SRAM's validated configuration and its schema: the `kv_sram` keys of a hardware
// config (loaded by src/config; docs/formats.md's table of them is generated from the
// schema below).

#include <cstdint>

#include "common/ConfigSchema.h"

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

inline const schema::Schema<KvSramConfig>& kv_sram_schema() {
  using namespace schema;
  static const Schema<KvSramConfig> instance = [] {
    Schema<KvSramConfig> s;
    s.key("capacity_kib", SKV_MEMBER(capacity_kib), integer(1, 1u << 24), "KiB", required,
          Timing::Yes,
          "capacity; also the depth of the K/V prefetch (`capacity / request_bytes` requests "
          "ahead) and the room for native attention's scores on chip");
    s.key("banks", SKV_MEMBER(banks), integer(1, 1024), "banks", required, Timing::Yes,
          "SRAM banks");
    s.key("bank_width_bytes", SKV_MEMBER(bank_width_bytes), integer(1, 4096), "bytes/cycle",
          required, Timing::Yes,
          "bytes one bank reads or writes per cycle; an access of n bytes holds a port "
          "`ceil(n / (banks * bank_width_bytes))` cycles");
    s.key("ports", SKV_MEMBER(ports), integer(1, 16), "ports", required, Timing::Yes,
          "independent access ports");
    s.key("access_latency_cycles", SKV_MEMBER(access_latency_cycles), integer(1, 64), "cycles",
          required, Timing::Yes, "latency of one access");
    return s;
  }();
  return instance;
}

}  // namespace skv::config
