#include "models/top/ExpectedWork.h"

#include <algorithm>
#include <cmath>

#include "common/IntMath.h"
#include "models/array/ProcessorArray.h"
#include "models/sequencer/DecodeSequencer.h"
#include "models/sequencer/OpGraph.h"

namespace skv::sim {

ExpectedWork& ExpectedWork::operator+=(const ExpectedWork& o) {
  weight_bytes += o.weight_bytes;
  kv_read_bytes += o.kv_read_bytes;
  score_read_bytes += o.score_read_bytes;
  score_write_bytes += o.score_write_bytes;
  kv_append_bytes += o.kv_append_bytes;
  gemv_ops += o.gemv_ops;
  vector_ops += o.vector_ops;
  attention_ops += o.attention_ops;
  kv_appends += o.kv_appends;
  gemv_macs += o.gemv_macs;
  gemv_mac_slots += o.gemv_mac_slots;
  attention_fxp32_macs += o.attention_fxp32_macs;
  vector_lane_ops += o.vector_lane_ops;
  return *this;
}

WorkModel::WorkModel(const config::ModelConfig& model, const config::HwConfig& hw,
                     const AddressMap& amap, tlmx::AttentionAlgo algo)
    : model_(model),
      hw_(hw),
      amap_(amap),
      algo_(algo),
      planner_(hw.attention, hw.kv_sram.score_space_bytes()),
      o_slicing_(o_slicing(hw, algo)) {}

const ExpectedWork& WorkModel::fixed_work(std::uint64_t b) const {
  const auto found = fixed_work_.find(b);
  if (found != fixed_work_.end()) return found->second;
  ExpectedWork w;
  auto gemv = [&](const tlmx::GemvOp& g) {
    ++w.gemv_ops;
    w.weight_bytes += g.weight_bytes();
    w.gemv_macs += g.macs() * b;
    w.gemv_mac_slots += g.macs() * b * ProcessorArray::mac_slots(hw_.array, g);
  };
  for (std::uint32_t l = 0; l < model_.layers; ++l) {
    const LayerWeights lw = amap_.layer(l);
    gemv(lw.qkv);
    // One GEMV, or one slice per head pass (overlap.o_projection: head_streamed).
    for (const tlmx::GemvOp& o : o_projection_slices(lw.o, model_, o_slicing_)) gemv(o);
    gemv(lw.ffn_in);
    gemv(lw.ffn_down);
    // Per layer: two RMSNorms, RoPE, the FFN activation and two residual adds (the
    // element counts and operations per element of OpGraph.cpp).
    w.vector_ops += 6;
    const std::uint64_t hidden = model_.hidden_size;
    w.vector_lane_ops +=
        b * (2 * kNormOps * hidden +
             kRopeOps * std::uint64_t{model_.heads + model_.kv_heads} * model_.head_dim +
             kActivationOps * std::uint64_t{model_.ffn_size} + 2 * kResidualOps * hidden);
  }
  gemv(amap_.lm_head());
  w.vector_ops += 1;  // the final RMSNorm
  w.vector_lane_ops += b * kNormOps * std::uint64_t{model_.hidden_size};
  return fixed_work_.emplace(b, w).first->second;
}

const AttentionPlanner::Traffic& WorkModel::row_traffic(std::uint64_t tokens) const {
  const auto found = row_traffic_.find(tokens);
  if (found != row_traffic_.end()) return found->second;
  tlmx::AttentionOp op = amap_.kv_layout(0, 0);
  op.tokens = tokens;
  op.algo = algo_;
  return row_traffic_.emplace(tokens, planner_.traffic(planner_.plan(op), hw_.memory.request_bytes))
      .first->second;
}

ExpectedWork WorkModel::batch(const std::vector<trace::DecodeStep>& rows) const {
  ExpectedWork w = fixed_work(rows.size());
  const std::uint64_t layers = model_.layers;
  for (const trace::DecodeStep& row : rows) {
    const std::uint64_t tokens = std::uint64_t{row.kv_len} + 1;
    const AttentionPlanner::Traffic& t = row_traffic(tokens);
    w.kv_read_bytes += t.kv_read_bytes * layers;
    w.score_read_bytes += t.score_read_bytes * layers;
    w.score_write_bytes += t.score_write_bytes * layers;
    w.kv_append_bytes += model_.kv_bytes_per_token_per_layer() * layers;
    w.attention_ops += layers;
    w.kv_appends += layers;
    w.attention_fxp32_macs += tokens * model_.heads * 2ull * model_.head_dim * layers;
  }
  return w;
}

std::uint64_t WorkModel::roofline_cycles(const ExpectedWork& w,
                                         std::uint64_t fetched_before) const {
  const double bytes_per_cycle = hw_.dram.peak_bandwidth_bytes_per_s() / (hw_.clock_mhz * 1e6);
  const std::uint64_t dram = w.dram_read_bytes() + w.dram_write_bytes();
  const std::uint64_t weight_buffer_bytes =
      std::uint64_t{hw_.memory.max_outstanding} * hw_.memory.request_bytes;
  const double memory =
      static_cast<double>(dram - std::min({dram, fetched_before, weight_buffer_bytes})) /
      bytes_per_cycle;
  const std::uint64_t slots = w.gemv_mac_slots + w.attention_fxp32_macs * hw_.array.fxp32_mac_slots;
  const std::uint64_t peak =
      std::uint64_t{hw_.array.rows} * hw_.array.cols * hw_.array.macs_per_pe_per_cycle;
  const std::uint64_t array = slots / peak + w.vector_lane_ops / hw_.array.vector_lanes;
  const auto& at = hw_.attention;
  const std::uint64_t attention =
      w.attention_fxp32_macs / (std::uint64_t{at.heads_in_parallel} * (at.dot_lanes + at.accum_lanes));
  const std::uint64_t sram = (w.kv_read_bytes + w.score_read_bytes) /
                             (hw_.kv_sram.bytes_per_cycle() * hw_.kv_sram.ports);
  return std::max({static_cast<std::uint64_t>(memory), array, attention, sram});
}

}  // namespace skv::sim
