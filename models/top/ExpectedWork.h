#pragma once
// What a decode batch must do, stated from the model, the hardware config and each
// operation's plan alone, never from a counter: the DRAM bytes it must move, the
// operations it must run and the MACs they take. The end-of-run invariants hold the
// simulation's counters to it, and the watchdog takes its roofline bound from it.

#include <cstdint>
#include <map>
#include <unordered_map>
#include <vector>

#include "models/attention/AttentionPlan.h"
#include "models/sequencer/AddressMap.h"
#include "models/sequencer/DecodeStep.h"
#include "models/sequencer/ModelConfig.h"
#include "models/sequencer/OpGraph.h"
#include "models/tlm/AttentionAlgo.h"
#include "models/top/HwConfig.h"

namespace skv::sim {

struct ExpectedWork {
  // DRAM bytes
  std::uint64_t weight_bytes = 0;       // GEMV weights, streamed once per batch
  std::uint64_t kv_read_bytes = 0;      // K/V staged tile by tile (a K/V head that two
                                        // passes share under GQA is read by both)
  std::uint64_t score_read_bytes = 0;   // spilled scores read back (native attention)
  std::uint64_t score_write_bytes = 0;  // spilled scores written out
  std::uint64_t kv_append_bytes = 0;    // each row's new k and v, written through
  // operations
  std::uint64_t gemv_ops = 0;
  std::uint64_t vector_ops = 0;
  std::uint64_t attention_ops = 0;
  std::uint64_t kv_appends = 0;
  // compute
  std::uint64_t gemv_macs = 0;
  std::uint64_t gemv_mac_slots = 0;     // MACs x the MAC slots their operands take
  std::uint64_t attention_fxp32_macs = 0;
  std::uint64_t vector_lane_ops = 0;    // elements x operations on the vector lanes

  std::uint64_t dram_read_bytes() const { return weight_bytes + kv_read_bytes + score_read_bytes; }
  std::uint64_t dram_write_bytes() const { return kv_append_bytes + score_write_bytes; }
  ExpectedWork& operator+=(const ExpectedWork& o);
};

class WorkModel {
 public:
  WorkModel(const config::ModelConfig& model, const config::HwConfig& hw, const AddressMap& amap,
            tlmx::AttentionAlgo algo);

  ExpectedWork batch(const std::vector<trace::DecodeStep>& rows) const;
  // Accelerator cycles no schedule can beat: the largest of the DRAM bytes over the peak
  // bandwidth; the array's MAC slots (GEMV, and attention in FXP32 mode) over its peak
  // plus its vector work over its lanes (one operation at a time); the attention
  // MACs over the pipelines' multipliers; the pipelines' SRAM reads over the ports.
  // `fetched_before`: DRAM bytes of the batch that a stream started before it may have
  // read (overlap.across_batches: its first GEMV's weights); at most the weight buffer's
  // size of them is left out of the DRAM term.
  std::uint64_t roofline_cycles(const ExpectedWork& w, std::uint64_t fetched_before = 0) const;

 private:
  // The work of a batch's GEMVs and vector operations, which depends on its row count
  // alone; and one row's attention traffic at `tokens` (its KV length plus the new one).
  // Both are computed once per value and kept (the fast mode asks for every batch of a
  // trace of millions of steps; the values are bounded by the batch size and the model's
  // context).
  const ExpectedWork& fixed_work(std::uint64_t rows) const;
  const AttentionPlanner::Traffic& row_traffic(std::uint64_t tokens) const;

  const config::ModelConfig& model_;
  const config::HwConfig& hw_;
  const AddressMap& amap_;
  tlmx::AttentionAlgo algo_;
  AttentionPlanner planner_;
  OSlicing o_slicing_;  // overlap.o_projection: head_streamed: the O GEMV's slices
  mutable std::map<std::uint64_t, ExpectedWork> fixed_work_;
  mutable std::unordered_map<std::uint64_t, AttentionPlanner::Traffic> row_traffic_;
};

}  // namespace skv::sim
