#pragma once
// Checks, before simulating, that a model can run on a hardware config under an
// attention algorithm: what `run` does first and `validate --hw H --model M` does
// alone. A design point that fails one is refused with one line naming the key, its
// value and what it would need, instead of stalling in the simulation.

#include <cstdint>

#include "config/HwConfigLoader.h"
#include "config/ModelConfigLoader.h"
#include "models/tlm/AttentionAlgo.h"

namespace skv::sim {

// The KV SRAM an algorithm needs for a model: its widest K/V tile (over every pass
// and sweep at the longest context, with spilled score rows where the plan spills)
// must fit the staging space; two of them let the next tile stream in while the
// pipeline works on this one (double buffering).
struct KvSramNeed {
  std::uint64_t tile_requests = 0;   // DMA requests of the widest tile
  std::uint64_t tile_bytes = 0;      // ... as staging space (whole requests)
  std::uint64_t min_kib = 0;         // one tile
  std::uint64_t double_buffer_kib = 0;
};

KvSramNeed kv_sram_need(const config::HwConfig& hw, const config::ModelConfig& model,
                        tlmx::AttentionAlgo algo);

// Throws InputError (file:line: key: ...) if the design point cannot run: the weights
// and KV caches must fit the DRAM, and the KV SRAM must hold one tile; native attention
// with `attention.scores: sram` must fit a pass's scores at max_context beside two K/V
// tiles (the error says "infeasible", never a silent spill).
void check_design(const config::HwConfig& hw, const config::ModelConfig& model,
                  tlmx::AttentionAlgo algo);

}  // namespace skv::sim
