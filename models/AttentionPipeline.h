#pragma once
// The attention pipeline: `heads_in_parallel` per-token pipelines (dot product on
// `dot_lanes` multipliers and an adder tree, running max, exp2 unit, accumulators on
// `accum_lanes` lanes, a divider), and the schedules that run on them:
//
//   swiftkv        one sweep over K and V together; a token every II cycles
//   native         scores materialised: QK sweep, max sweep, exp-and-sum sweep,
//                  normalise sweep, PV sweep; scores stay in the KV SRAM while they
//                  fit beside the K/V staging buffers and spill to DRAM otherwise
//   flash          blockwise: per block of `block_tokens`, scores, block max,
//                  exp and sum, rescale of Z and Y, then P x V
//   flashdecoding  split-K: `splitk_partitions` pipelines share one head's tokens,
//                  each online, then their partial results are merged
//
// Each schedule is a list of sweeps over the tokens of a pass; a sweep streams tiles
// (K, V and score ranges) through the KV SRAM, and a tile takes the longer of its
// compute and its SRAM port time. docs/architecture.md gives each sweep's cycles.

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <cstdint>
#include <vector>

#include "config/HwConfig.h"
#include "models/tlm/ClockDomain.h"
#include "models/tlm/Ops.h"

namespace skv {

class AttentionPipeline : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<AttentionPipeline> cmd;    // operations from the sequencer
  tlm_utils::simple_initiator_socket<AttentionPipeline> kv;  // K/V reads and appends

  struct Stats {
    std::uint64_t attention_ops = 0;
    std::uint64_t head_passes = 0;
    std::uint64_t tokens = 0;               // token-heads processed
    std::uint64_t fxp32_macs = 0;           // q.k and p.v multiply-accumulates
    std::uint64_t busy_cycles = 0;
    std::uint64_t compute_cycles = 0;       // tiles paced by the pipeline itself
    std::uint64_t sram_bound_cycles = 0;    // extra cycles waiting on SRAM port time
    std::uint64_t tail_cycles = 0;          // drains, merges and divides after sweeps
    std::uint64_t kv_append_cycles = 0;
    std::uint64_t score_bytes_on_chip = 0;  // materialised score traffic kept in SRAM
    std::uint64_t score_bytes_spilled = 0;  // ... and sent to DRAM
  };

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
  };

  AttentionPipeline(sc_core::sc_module_name name, const config::AttentionConfig& cfg,
                    const config::KvSramConfig& sram, const tlmx::ClockDomain& clock);

  std::uint64_t initiation_interval(std::uint32_t head_dim) const;
  std::uint64_t depth_cycles() const;
  std::uint64_t divide_cycles(std::uint32_t head_dim) const;
  // Query heads processed side by side in one pass.
  std::uint32_t heads_per_pass(tlmx::AttentionAlgo algo) const;
  std::vector<Sweep> schedule(tlmx::AttentionAlgo algo, std::uint32_t head_dim) const;

  const Stats& stats() const { return stats_; }

 private:
  struct Tile {
    std::vector<tlmx::AddrRange> reads;   // staged from DRAM
    std::vector<tlmx::AddrRange> writes;  // written through to DRAM (spilled scores)
    std::uint64_t scratch_bytes = 0;      // on-chip score traffic (reads + writes)
    std::uint64_t spill_bytes = 0;        // score traffic to and from DRAM
    std::uint64_t tokens = 0;
    std::uint64_t pass = 0;
    std::size_t sweep = 0;
    bool last_of_sweep = false;
  };
  struct Plan {
    const tlmx::AttentionOp* op;
    std::vector<Sweep> sweeps;
    std::vector<std::uint64_t> tiles_per_sweep;
    std::uint64_t tiles_per_pass = 0;
    std::uint64_t passes = 0;
    std::uint32_t heads_per_pass = 0;
    bool scores_on_chip = true;
  };

  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  void run_attention(const tlmx::AttentionOp& op);
  void run_kv_append(const tlmx::KvAppendOp& op);
  Tile tile(const Plan& plan, std::uint64_t index) const;
  sc_core::sc_time kv_access(tlm::tlm_command cmd, const tlmx::AddrRange& r,
                             const std::vector<tlmx::AddrRange>* this_tile,
                             const std::vector<tlmx::AddrRange>* next_tile, bool scratch = false);

  config::AttentionConfig cfg_;
  config::KvSramConfig sram_;
  const tlmx::ClockDomain& clock_;
  Stats stats_;
};

}  // namespace skv
