#pragma once
// Validated runtime configuration of the accelerator (everything but the LLM itself).
// The file-facing schema is in HwConfig.cpp; docs/formats.md documents every key.

#include <cstdint>
#include <string>

#include "models/dram/DramConfig.h"

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
};

struct KvSramConfig {
  std::uint64_t capacity_kib = 0;
  std::uint32_t banks = 0;
  std::uint32_t bank_width_bytes = 0;   // bytes one bank reads or writes per cycle
  std::uint32_t ports = 1;              // independent access ports
  std::uint32_t access_latency_cycles = 1;
  int capacity_kib_line = 0;            // its line in the file (for checks made later)

  std::uint64_t capacity_bytes() const { return capacity_kib * 1024; }
  std::uint64_t bytes_per_cycle() const { return std::uint64_t{banks} * bank_width_bytes; }
};

struct MemorySystemConfig {
  std::uint32_t request_bytes = 0;      // size of one DMA transaction toward DRAM
  std::uint32_t max_outstanding = 0;    // weight prefetch buffer depth, in requests
  std::uint32_t max_batch = 1;          // KV cache slots (requests decoded together)
  int max_batch_line = 0;               // its line in the file (for errors found later)
};

struct HwConfig {
  std::string name;
  std::string source_file;
  double clock_mhz = 0;
  ProcessorArrayConfig array;
  AttentionConfig attention;
  KvSramConfig kv_sram;
  MemorySystemConfig memory;
  dram::DramConfig dram;
};

// Reads and validates a hardware config file. A DRAM preset named in it is looked up
// as <dir of the file>/../dram/<name>.yaml.
HwConfig load_hw_config(const std::string& path);

}  // namespace skv::config
