#pragma once
// The attention pipeline's schedules and tiling, as plain data (no SystemC): which
// sweeps an algorithm makes over a pass's tokens, which K/V and score ranges each tile
// reads and writes, and what a whole operation moves. AttentionPipeline runs these
// plans; the run's checks use the same plans to state, before simulating, the KV SRAM
// an operation needs and the DRAM bytes it must move.

#include <cstdint>
#include <vector>

#include "models/attention/AttentionConfig.h"
#include "models/tlm/Ops.h"

namespace skv {

class AttentionPlanner {
 public:
  // One sweep over a pass's tokens.
  struct Sweep {
    bool read_k = false;
    bool read_v = false;
    bool read_scores = false;
    bool write_scores = false;
    std::uint64_t tile_tokens = 1;
    std::uint64_t cycles_per_token = 1;  // per pipeline
    std::uint64_t cycles_per_tile = 0;   // fixed cost of each tile (blockwise)
    std::uint64_t token_lanes = 1;       // pipelines sharing one head's tokens (split-K)
    std::uint64_t tail_cycles = 0;       // after the sweep's last tile
    // Per query head: 2^x evaluations per token, per tile and after the sweep (merges),
    // and divisions after the sweep (what energy is counted in, not timing).
    std::uint64_t exp2_per_token = 0;
    std::uint64_t exp2_per_tile = 0;
    std::uint64_t exp2_after = 0;
    std::uint64_t divisions_after = 0;
  };

  struct Plan {
    tlmx::AttentionOp op;
    std::vector<Sweep> sweeps;
    std::vector<std::uint64_t> tiles_per_sweep;
    std::uint64_t tiles_per_pass = 0;
    std::uint64_t passes = 0;
    std::uint32_t heads_per_pass = 0;
    bool scores_on_chip = true;
    std::uint64_t tiles() const { return passes * tiles_per_pass; }
  };

  struct Tile {
    std::vector<tlmx::AddrRange> reads;   // staged from DRAM: K/V first, then scores
    std::size_t kv_reads = 0;             // how many of `reads` are K or V ranges
    std::uint64_t first_token = 0;        // its tokens: [first_token, first_token + tokens)
    std::vector<tlmx::AddrRange> writes;  // written through to DRAM (spilled scores)
    std::uint64_t scratch_bytes = 0;      // on-chip score traffic (reads + writes)
    std::uint64_t spill_bytes = 0;        // score traffic to and from DRAM
    std::uint64_t tokens = 0;
    std::uint64_t pass = 0;
    std::size_t sweep = 0;
    bool last_of_sweep = false;
  };

  // DRAM traffic of one operation, from its plan alone.
  struct Traffic {
    std::uint64_t kv_read_bytes = 0;      // K and V, staged tile by tile
    std::uint64_t score_read_bytes = 0;   // spilled scores read back
    std::uint64_t score_write_bytes = 0;  // spilled scores written out
    std::uint64_t widest_tile_requests = 0;  // DMA requests of its largest tile's reads
  };

  // `sram_capacity_bytes`: the room native attention's on-chip-score decision weighs
  // (config::KvSramConfig::score_space_bytes).
  AttentionPlanner(const config::AttentionConfig& cfg, std::uint64_t sram_capacity_bytes);

  std::uint64_t initiation_interval(std::uint32_t head_dim) const;
  std::uint64_t depth_cycles() const;
  std::uint64_t divide_cycles(std::uint32_t head_dim) const;
  // Query heads processed side by side in one pass.
  std::uint32_t heads_per_pass(tlmx::AttentionAlgo algo) const;
  std::vector<Sweep> schedule(tlmx::AttentionAlgo algo, std::uint32_t head_dim) const;

  Plan plan(const tlmx::AttentionOp& op) const;
  // Whether a pass's scores fit in the KV SRAM beside two K/V tiles of every K/V head
  // the pass reads (what `attention.scores: auto` decides by, and `sram` requires).
  bool scores_fit(const Plan& plan) const;
  std::uint64_t staging_bytes(const Plan& plan) const;
  std::uint64_t score_buffer_bytes(const Plan& plan) const;
  Tile tile(const Plan& plan, std::uint64_t index) const;
  Traffic traffic(const Plan& plan, std::uint32_t request_bytes) const;
  // What overlap.kv: next_attention fetches ahead of the operation: its K/V ranges in
  // read order (the first tiles of its first pass), whole ranges only, from the first
  // on while each is K or V of positions before the last (the step's new token, appended
  // just before the attention, is not in DRAM yet) and the requests they take
  // (`ceil(bytes / request_bytes)` each) fit in `budget_bytes`.
  std::vector<tlmx::AddrRange> prefetch_ranges(const Plan& plan, std::uint64_t budget_bytes,
                                               std::uint32_t request_bytes) const;
  // 2^x evaluations and divisions of one operation, from its plan alone.
  struct Arithmetic {
    std::uint64_t exp2_evals = 0;
    std::uint64_t divisions = 0;
  };
  static Arithmetic arithmetic(const Plan& plan);

 private:
  config::AttentionConfig cfg_;
  std::uint64_t sram_capacity_bytes_;
};

}  // namespace skv
