#pragma once
// How the units talk to DRAM: DMA request size, the weight buffer's depth and the KV
// cache slots. The validated configuration and its schema: the `memory` keys of a
// hardware config (loaded by src/config; docs/formats.md's table of them is generated
// from the schema below).

#include <cstdint>
#include <string>

#include "common/ConfigSchema.h"

namespace skv::config {

struct MemorySystemConfig {
  std::uint32_t request_bytes = 0;      // size of one DMA transaction toward DRAM
  std::uint32_t max_outstanding = 0;    // weight prefetch buffer depth, in requests
  std::uint32_t max_batch = 1;          // KV cache slots (requests decoded together)
  std::string max_batch_at;             // "<file>:<line>" of its value (for errors found later)
};

inline const schema::Schema<MemorySystemConfig>& memory_system_schema() {
  using namespace schema;
  static const Schema<MemorySystemConfig> instance = [] {
    Schema<MemorySystemConfig> s;
    s.key("request_bytes", SKV_MEMBER(request_bytes), integer(1, 1u << 24), "bytes", required,
          Timing::Yes, "size of one DMA request toward DRAM (weights, K/V fills, write-backs)");
    s.key("max_outstanding", SKV_MEMBER(max_outstanding), integer(1, 4096), "requests", required,
          Timing::Yes,
          "depth of the weight prefetch buffer, in requests of `request_bytes` (64 x 4096 B = "
          "256 KiB in the reference preset)");
    s.key("max_batch", SKV_MEMBER(max_batch), integer(1, 1024), "requests", required, Timing::Yes,
          "KV cache slots: the most trace rows one batch may hold. DRAM reserves `max_context` "
          "tokens of K/V per slot per layer; a request keeps its slot while it appears in "
          "consecutive batches");
    return s;
  }();
  return instance;
}

}  // namespace skv::config
