#include "config/HwConfigLoader.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

#include "common/Error.h"
#include "config/ConfigNode.h"
#include "config/DramConfigLoader.h"

namespace skv::config {

namespace {

std::uint32_t u32(Node& n, const char* key, std::uint32_t lo, std::uint32_t hi) {
  return static_cast<std::uint32_t>(n.get_uint(key, lo, hi));
}

ProcessorArrayConfig load_array(Node n) {
  ProcessorArrayConfig a;
  a.rows = u32(n, "rows", 1, 4096);
  a.cols = u32(n, "cols", 1, 4096);
  a.macs_per_pe_per_cycle = u32(n, "macs_per_pe_per_cycle", 1, 64);
  a.weight_bits = static_cast<std::uint32_t>(n.get_uint_or("weight_bits", 1, 32, 4));
  a.activation_bits = static_cast<std::uint32_t>(n.get_uint_or("activation_bits", 1, 32, 8));
  a.fxp32_mac_slots = u32(n, "fxp32_mac_slots", 1, 64);
  a.vector_lanes = static_cast<std::uint32_t>(n.get_uint_or("vector_lanes", 1, 65536, a.cols));
  // A systolic wavefront crosses every row and column once before results appear.
  a.pipeline_fill_cycles = static_cast<std::uint32_t>(
      n.get_uint_or("pipeline_fill_cycles", 0, 100000, a.rows + a.cols - 1));
  n.finish();
  return a;
}

AttentionConfig load_attention(Node n) {
  AttentionConfig a;
  a.heads_in_parallel = u32(n, "heads_in_parallel", 1, 1024);
  a.dot_lanes = u32(n, "dot_lanes", 1, 4096);
  a.accum_lanes = u32(n, "accum_lanes", 1, 4096);
  a.max_latency_cycles = u32(n, "max_latency_cycles", 1, 64);
  a.exp2_latency_cycles = u32(n, "exp2_latency_cycles", 1, 64);
  a.accum_latency_cycles = u32(n, "accum_latency_cycles", 1, 64);
  a.divide_latency_cycles = u32(n, "divide_latency_cycles", 1, 256);
  a.divide_lanes = u32(n, "divide_lanes", 1, 4096);
  a.tile_tokens = u32(n, "tile_tokens", 1, 65536);
  a.block_tokens = static_cast<std::uint32_t>(n.get_uint_or("block_tokens", 1, 65536, a.tile_tokens));
  a.splitk_partitions = static_cast<std::uint32_t>(
      n.get_uint_or("splitk_partitions", 1, 1024, std::min<std::uint32_t>(4, a.heads_in_parallel)));
  if (a.splitk_partitions > a.heads_in_parallel) {
    n.fail("splitk_partitions", fmt::format("{} is more than heads_in_parallel = {} (each partition "
                                            "runs on a pipeline of its own)",
                                            a.splitk_partitions, a.heads_in_parallel));
  }
  a.score_bits = static_cast<std::uint32_t>(n.get_uint_or("score_bits", 8, 64, 32));
  n.finish();
  return a;
}

KvSramConfig load_sram(Node n) {
  KvSramConfig s;
  s.capacity_kib = n.get_uint("capacity_kib", 1, 1u << 24);
  s.capacity_kib_line = n.line_of("capacity_kib");
  s.banks = u32(n, "banks", 1, 1024);
  s.bank_width_bytes = u32(n, "bank_width_bytes", 1, 4096);
  s.ports = u32(n, "ports", 1, 16);
  s.access_latency_cycles = u32(n, "access_latency_cycles", 1, 64);
  n.finish();
  return s;
}

MemorySystemConfig load_memory(Node n, std::uint32_t burst_bytes) {
  MemorySystemConfig m;
  m.request_bytes = u32(n, "request_bytes", 1, 1u << 24);
  m.max_outstanding = u32(n, "max_outstanding", 1, 4096);
  m.max_batch = u32(n, "max_batch", 1, 1024);
  m.max_batch_line = n.line_of("max_batch");
  if (m.request_bytes % burst_bytes != 0) {
    n.fail("request_bytes",
           fmt::format("{} is not a whole number of DRAM bursts ({} bytes each)", m.request_bytes,
                       burst_bytes));
  }
  n.finish();
  return m;
}

dram::DramConfig load_dram_section(Node n, const std::string& hw_path) {
  if (!n.has("preset")) return dram::load_dram_config(n);
  const std::string preset = n.get_string("preset");
  n.finish();
  const std::string dir = (std::filesystem::path(hw_path).parent_path() / ".." / "dram").string();
  std::string file;
  try {
    file = dram::dram_preset_file(preset, dir);
  } catch (const InputError& e) {
    n.fail("preset", e.what());
  }
  Node root = Node::load_file(file);
  return dram::load_dram_config(root);
}

}  // namespace

HwConfig load_hw_config(const std::string& path) {
  Node root = Node::load_file(path);
  HwConfig hw;
  hw.source_file = path;
  hw.name = root.get_string("name");
  hw.clock_mhz = root.get_double("clock_mhz", 1.0, 10000.0);
  hw.array = load_array(root.child("processor_array"));
  hw.attention = load_attention(root.child("attention"));
  hw.kv_sram = load_sram(root.child("kv_sram"));
  hw.dram = load_dram_section(root.child("dram"), path);
  hw.memory = load_memory(root.child("memory"), hw.dram.org.burst_bytes());
  // The attention pipelines' multipliers are the processor array's PEs in FXP32 mode
  // (time-shared with the GEMVs), not extra hardware: they must fit on the array.
  const std::uint64_t need = std::uint64_t{hw.attention.heads_in_parallel} *
                             (hw.attention.dot_lanes + hw.attention.accum_lanes) *
                             hw.array.fxp32_mac_slots;
  const std::uint64_t have =
      std::uint64_t{hw.array.rows} * hw.array.cols * hw.array.macs_per_pe_per_cycle;
  if (need > have) {
    Node att = root.child("attention");
    att.fail("dot_lanes",
             fmt::format("the attention pipelines need {} MAC slots per cycle (heads_in_parallel x "
                         "(dot_lanes + accum_lanes) x processor_array.fxp32_mac_slots) but the "
                         "processor array has {} (rows x cols x macs_per_pe_per_cycle)", need, have));
  }
  root.finish();
  return hw;
}

}  // namespace skv::config
