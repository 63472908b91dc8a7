#pragma once
// The processor array's validated configuration and its schema: the `processor_array`
// keys of a hardware config (loaded by src/config; docs/formats.md's table of them is
// generated from the schema below).

#include <cstdint>

#include "common/ConfigSchema.h"

namespace skv::config {

struct ProcessorArrayConfig {
  std::uint32_t rows = 0;
  std::uint32_t cols = 0;
  // Low-precision MACs one PE completes per cycle, quoted for weights of `weight_bits`
  // times activations of `activation_bits`; wider operands take proportionally more
  // MAC slots (ProcessorArray::mac_slots).
  std::uint32_t macs_per_pe_per_cycle = 1;
  std::uint32_t weight_bits = 4;
  std::uint32_t activation_bits = 8;
  // Low-precision MAC slots that one FXP32 MAC occupies on the same PE.
  std::uint32_t fxp32_mac_slots = 4;
  // Lanes of the element-wise path (norms, RoPE, SiLU, residuals) per cycle.
  std::uint32_t vector_lanes = 0;
  // Cycles from the first operand entering the array to the first result leaving it.
  std::uint32_t pipeline_fill_cycles = 0;
  // Rows whose PEs the attention pipelines keep while the O projection's slices run on
  // the others (overlap.o_projection: head_streamed); 0: no partition.
  std::uint32_t attention_rows = 0;
};

inline const schema::Schema<ProcessorArrayConfig>& processor_array_schema() {
  using namespace schema;
  using C = ProcessorArrayConfig;
  static const Schema<C> instance = [] {
    Schema<C> s;
    s.key("rows", SKV_MEMBER(rows), integer(1, 4096), "PEs", required, Timing::Yes,
          "R: output rows held at once");
    s.key("cols", SKV_MEMBER(cols), integer(1, 4096), "PEs", required, Timing::Yes, "C");
    s.key("macs_per_pe_per_cycle", SKV_MEMBER(macs_per_pe_per_cycle), integer(1, 64), "MACs/cycle",
          required, Timing::Yes,
          "low-precision MACs one PE completes per cycle, for operands of `weight_bits` x "
          "`activation_bits`");
    s.key("weight_bits", SKV_MEMBER(weight_bits), integer(1, 32), "bits", fixed(4), Timing::Yes,
          "weight width `macs_per_pe_per_cycle` is quoted for");
    s.key("activation_bits", SKV_MEMBER(activation_bits), integer(1, 32), "bits", fixed(8),
          Timing::Yes, "activation width `macs_per_pe_per_cycle` is quoted for");
    s.key("fxp32_mac_slots", SKV_MEMBER(fxp32_mac_slots), integer(1, 64), "MAC slots", required,
          Timing::Yes, "low-precision MAC slots one FXP32 MAC occupies on a PE");
    s.key("vector_lanes", SKV_MEMBER(vector_lanes), integer(1, 65536), "elements/cycle",
          derived("`cols`", [](const C& c) { return c.cols; }), Timing::Yes,
          "width of the element-wise path (norms, RoPE, activation, residuals)");
    // A systolic wavefront crosses every row and column once before results appear.
    s.key("pipeline_fill_cycles", SKV_MEMBER(pipeline_fill_cycles), integer(0, 100000), "cycles",
          derived("`rows + cols - 1`", [](const C& c) { return c.rows + c.cols - 1; }), Timing::Yes,
          "fill and drain added once per GEMV");
    s.key("attention_rows", SKV_MEMBER(attention_rows), integer(0, 4096), "rows", fixed(0u),
          Timing::Yes,
          "rows whose PEs the attention pipelines keep while the O projection's slices run "
          "on the other `rows - attention_rows` (`overlap.o_projection: head_streamed`, "
          "which needs it; 0: no partition, the only value allowed without it). They must "
          "hold the pipelines' MAC slots: `attention_rows x cols x macs_per_pe_per_cycle >= "
          "heads_in_parallel x (dot_lanes + accum_lanes) x fxp32_mac_slots`");
    return s;
  }();
  return instance;
}

}  // namespace skv::config
