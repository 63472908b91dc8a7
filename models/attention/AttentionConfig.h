#pragma once
// The attention pipelines' validated configuration (loaded by src/config; docs/formats.md
// documents every key).

#include <cstdint>

namespace skv::config {

struct AttentionConfig {
  std::uint32_t heads_in_parallel = 1;  // per-token pipelines working side by side
  std::uint32_t dot_lanes = 0;          // q.k multipliers per pipeline
  std::uint32_t accum_lanes = 0;        // Y += b*v lanes per pipeline
  std::uint32_t max_latency_cycles = 1;
  std::uint32_t exp2_latency_cycles = 1;
  std::uint32_t accum_latency_cycles = 1;
  std::uint32_t divide_latency_cycles = 1;
  std::uint32_t divide_lanes = 1;
  std::uint32_t tile_tokens = 0;        // tokens per K/V tile staged in the SRAM
  std::uint32_t block_tokens = 0;       // block size of blockwise (FlashAttention) attention
  std::uint32_t splitk_partitions = 0;  // partitions of split-K (FlashDecoding) attention
  std::uint32_t score_bits = 32;        // one materialised score or probability
};

}  // namespace skv::config
