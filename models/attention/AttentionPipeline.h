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
#include <string>
#include <vector>

#include "models/attention/AttentionConfig.h"
#include "models/kv_sram/KvSramConfig.h"
#include "models/tlm/ActivityRecorder.h"
#include "models/tlm/ClockDomain.h"
#include "models/attention/AttentionPlan.h"
#include "models/tlm/Ops.h"
#include "common/Stats.h"

namespace skv {

class AttentionPipeline : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<AttentionPipeline> cmd;    // operations from the sequencer
  tlm_utils::simple_initiator_socket<AttentionPipeline> kv;  // K/V reads and appends

#define SKV_ATTENTION_PIPELINE_STATS(X)                                                    \
  X(attention_ops, Sum, Count, "attention operations run (one per row and layer)")       \
  X(head_passes, Sum, Count, "passes over the tokens, heads_in_parallel heads at a time") \
  X(token_heads, Sum, Count, "tokens times query heads processed")                       \
  X(fxp32_macs, Sum, Macs, "q.k and p.v multiply-accumulates")                           \
  X(busy_cycles, Sum, AccelCycles, "cycles running tiles and their tails")               \
  X(compute_cycles, Sum, AccelCycles, "tile cycles paced by the pipeline itself")         \
  X(sram_bound_cycles, Sum, AccelCycles, "extra tile cycles waiting on SRAM port time")   \
  X(tail_cycles, Sum, AccelCycles, "drains, merges and divides after sweeps")            \
  X(kv_appends, Sum, Count, "KV append operations (one per row and layer)")              \
  X(kv_append_cycles, Sum, AccelCycles, "cycles writing the new k and v")                \
  X(score_bytes_on_chip, Sum, Bytes, "materialised score traffic kept in the SRAM")      \
  X(score_bytes_spilled, Sum, Bytes, "materialised score traffic sent to DRAM")           \
  X(exp2_evals, Sum, Count, "2^x evaluations the schedule makes (per token, block and merge)") \
  X(divisions, Sum, Count, "divisions (the final o = Y / Z per element, or 1 / Z per head)")
  struct Stats {
    SKV_DECLARE_STATS(SKV_ATTENTION_PIPELINE_STATS)
  };

  AttentionPipeline(sc_core::sc_module_name name, const config::AttentionConfig& cfg,
                    const config::KvSramConfig& sram, const tlmx::ClockDomain& clock);

  const AttentionPlanner& planner() const { return planner_; }
  // What the pipeline is doing now, for a stalled simulation's error line; empty if idle.
  std::string activity() const;

  const Stats& stats() const { return stats_; }
  // Reports head passes and the SRAM port time of tiles and appends (null: none).
  void set_recorder(tlmx::ActivityRecorder* recorder) { recorder_ = recorder; }

 private:
  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  // `progress` (null: none) learns of every head pass it ends and of its end
  // (overlap.o_projection: head_streamed).
  void run_attention(const tlmx::AttentionOp& op, tlmx::PassProgress* progress);
  void run_kv_append(const tlmx::KvAppendOp& op);
  // Has the KV SRAM fetch an attention's first K/V ranges into its prefetch space.
  void prefetch(const tlmx::KvPrefetch& ranges);
  sc_core::sc_time kv_access(tlm::tlm_command cmd, const tlmx::AddrRange& r,
                             const std::vector<tlmx::AddrRange>* this_tile,
                             const std::vector<tlmx::AddrRange>* next_tile, bool scratch = false);

  // Where run_attention is, for activity().
  struct Position {
    bool busy = false;
    bool reading = false;          // waiting inside a K/V read of the SRAM
    std::uint64_t tile = 0;        // within the operation
    std::uint64_t tiles = 0;
    std::uint64_t pass = 0;
    std::uint64_t passes = 0;
    std::uint64_t since_cycle = 0;  // start of the current tile
  };

  config::AttentionConfig cfg_;
  config::KvSramConfig sram_;
  const tlmx::ClockDomain& clock_;
  AttentionPlanner planner_;
  tlmx::RequestOwner owner_;  // rides on every SRAM access: whose DRAM traffic it causes
  Position at_;
  Stats stats_;
  tlmx::ActivityRecorder* recorder_ = nullptr;
};

}  // namespace skv
