#pragma once
// The attention pipelines' validated configuration and its schema: the `attention` keys
// of a hardware config (loaded by src/config; docs/formats.md's table of them is
// generated from the schema below).

#include <algorithm>
#include <cstdint>

#include "common/ConfigSchema.h"

namespace skv::config {

// Where native attention keeps its materialised scores.
enum class ScoreHome {
  Auto,  // in the KV SRAM while a pass's scores fit beside the K/V staging, else DRAM
  Sram,  // in the KV SRAM; a design whose scores do not fit is refused
  Dram,  // written to and read back from DRAM
};

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
  ScoreHome scores = ScoreHome::Auto;   // native attention's score buffer
  std::uint32_t softmax_passes = 3;     // native: max, exp-and-sum, normalise (3) or online (2)
  bool exp2_pipelined = true;           // a new 2^x every cycle, or one per exp2 latency
};

inline const schema::Schema<AttentionConfig>& attention_schema() {
  using namespace schema;
  using C = AttentionConfig;
  static const Schema<C> instance = [] {
    Schema<C> s;
    s.key("heads_in_parallel", SKV_MEMBER(heads_in_parallel), integer(1, 1024), "pipelines",
          required, Timing::Yes, "query heads processed side by side");
    s.key("dot_lanes", SKV_MEMBER(dot_lanes), integer(1, 4096), "multipliers", required,
          Timing::Yes, "q.k multipliers per pipeline");
    s.key("accum_lanes", SKV_MEMBER(accum_lanes), integer(1, 4096), "lanes", required, Timing::Yes,
          "`Y += b v` lanes per pipeline");
    s.key("max_latency_cycles", SKV_MEMBER(max_latency_cycles), integer(1, 64), "cycles", required,
          Timing::Yes, "latency of the running-max stage");
    s.key("exp2_latency_cycles", SKV_MEMBER(exp2_latency_cycles), integer(1, 64), "cycles",
          required, Timing::Yes, "latency of the exp2 unit");
    s.key("accum_latency_cycles", SKV_MEMBER(accum_latency_cycles), integer(1, 64), "cycles",
          required, Timing::Yes, "latency of the accumulator update");
    s.key("divide_latency_cycles", SKV_MEMBER(divide_latency_cycles), integer(1, 256), "cycles",
          required, Timing::Yes, "latency of the final `Y / Z` divider");
    s.key("divide_lanes", SKV_MEMBER(divide_lanes), integer(1, 4096), "dividers", required,
          Timing::Yes, "dividers per pipeline");
    s.key("tile_tokens", SKV_MEMBER(tile_tokens), integer(1, 65536), "tokens", required,
          Timing::Yes, "tokens per K/V tile staged in the KV SRAM");
    s.key("block_tokens", SKV_MEMBER(block_tokens), integer(1, 65536), "tokens",
          derived("`tile_tokens`", [](const C& c) { return c.tile_tokens; }), Timing::Yes,
          "block size B of blockwise (`--algo flash`) attention");
    s.key("splitk_partitions", SKV_MEMBER(splitk_partitions), integer(1, 1024), "partitions",
          derived("`min(4, heads_in_parallel)`",
                  [](const C& c) { return std::min<std::uint32_t>(4, c.heads_in_parallel); }),
          Timing::Yes, "partitions P of split-K (`--algo flashdecoding`) attention");
    s.key("score_bits", SKV_MEMBER(score_bits), integer(8, 64), "bits", fixed(32), Timing::Yes,
          "width of one materialised score (`--algo native`)");
    s.key("scores", SKV_MEMBER(scores),
          names<ScoreHome>(
              {{"auto", ScoreHome::Auto}, {"sram", ScoreHome::Sram}, {"dram", ScoreHome::Dram}}),
          "", fixed(ScoreHome::Auto), Timing::Yes,
          "where `--algo native` keeps its scores: `auto` in the KV SRAM while a pass's scores "
          "fit beside two K/V tiles, else in DRAM; `sram` always on chip (a model whose "
          "scores at `max_context` do not fit is refused); `dram` always spilled");
    s.key("softmax_passes", SKV_MEMBER(softmax_passes), integer_one_of({2, 3}), "passes", fixed(3),
          Timing::Yes,
          "softmax sweeps of `--algo native` over its scores: 3 (max; exp and sum; "
          "normalise), or 2 (max and sum together with an online normaliser; normalise)");
    s.key("exp2_pipelined", SKV_MEMBER(exp2_pipelined), boolean(), "", fixed(true), Timing::Yes,
          "the exp2 unit takes a new input every cycle; `false`: one every "
          "`exp2_latency_cycles`, so a sweep spends at least that per 2^x of a token");
    return s;
  }();
  return instance;
}

}  // namespace skv::config
