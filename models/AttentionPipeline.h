#pragma once
// The per-token attention pipeline (SwiftKV single pass).
//
// `heads_in_parallel` pipelines work side by side, one query head each; query heads
// that share a K/V head (GQA/MQA) consume one K/V stream. Per token and head:
//   dot product q.k_t on `dot_lanes` multipliers and an adder tree,
//   running max, exp2 unit, accumulator update Z, Y on `accum_lanes` lanes;
// a new token enters every II = max(ceil(d / dot_lanes), ceil(d / accum_lanes)) cycles.
// A pass over L tokens takes  depth + II * L + divide  cycles when K/V keep up, with
//   depth  = 1 + ceil(log2(dot_lanes)) + max + exp2 + accum latencies,
//   divide = divide_latency + ceil(d / divide_lanes) - 1   (o = Y / Z).
// K/V tiles of `tile_tokens` tokens come from the KV SRAM (which stages them from
// DRAM); a tile takes the longer of its compute and its SRAM port time.

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
    std::uint64_t busy_cycles = 0;
    std::uint64_t compute_cycles = 0;       // tiles paced by the pipeline itself
    std::uint64_t sram_bound_cycles = 0;    // extra cycles waiting on SRAM port time
    std::uint64_t fill_drain_cycles = 0;
    std::uint64_t kv_append_cycles = 0;
  };

  AttentionPipeline(sc_core::sc_module_name name, const config::AttentionConfig& cfg,
                    std::uint32_t sram_ports, const tlmx::ClockDomain& clock);

  std::uint64_t initiation_interval(std::uint32_t head_dim) const;
  std::uint64_t depth_cycles() const;
  std::uint64_t divide_cycles(std::uint32_t head_dim) const;

  const Stats& stats() const { return stats_; }

 private:
  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  void run_attention(const tlmx::AttentionOp& op);
  void run_kv_append(const tlmx::KvAppendOp& op);
  // The K/V ranges of tile `index` of the op's passes (pass-major, then tokens).
  std::vector<tlmx::AddrRange> tile_ranges(const tlmx::AttentionOp& op, std::uint64_t index) const;
  sc_core::sc_time kv_access(tlm::tlm_command cmd, const tlmx::AddrRange& r,
                             const std::vector<tlmx::AddrRange>* this_tile,
                             const std::vector<tlmx::AddrRange>* next_tile);

  config::AttentionConfig cfg_;
  std::uint32_t sram_ports_;
  const tlmx::ClockDomain& clock_;
  Stats stats_;
};

}  // namespace skv
