#pragma once
// How the units talk to DRAM: DMA request size, the weight buffer's depth and the KV
// cache slots (loaded by src/config; docs/formats.md documents every key).

#include <cstdint>

namespace skv::config {

struct MemorySystemConfig {
  std::uint32_t request_bytes = 0;      // size of one DMA transaction toward DRAM
  std::uint32_t max_outstanding = 0;    // weight prefetch buffer depth, in requests
  std::uint32_t max_batch = 1;          // KV cache slots (requests decoded together)
  int max_batch_line = 0;               // its line in the file (for errors found later)
};

}  // namespace skv::config
