#pragma once
// The processor array's validated configuration (loaded by src/config; docs/formats.md
// documents every key).

#include <cstdint>

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
};

}  // namespace skv::config
