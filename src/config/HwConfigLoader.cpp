#include "config/HwConfigLoader.h"

#include <fmt/format.h>

#include <filesystem>
#include <vector>

#include "common/Error.h"
#include "config/ConfigNode.h"
#include "config/DramConfigLoader.h"
#include "config/SchemaReader.h"

namespace skv::config {

namespace fs = std::filesystem;

namespace {

// The `dram` section: a preset by name (`preset: NAME`, alone), or a DRAM config inline.
// A preset is found beside the file that names it.
dram::DramConfig load_dram_section(Node n) {
  if (!n.has("preset")) return dram::load_dram_config(n);
  const std::string preset = n.get_string("preset");
  n.finish();
  const std::string dir = (fs::path(n.file()).parent_path() / ".." / "dram").string();
  std::string file;
  try {
    file = dram::dram_preset_file(preset, dir);
  } catch (const InputError& e) {
    n.fail("preset", e.what());
  }
  Node root = Node::load_file(file);
  return dram::load_dram_config(root);
}

// The files being opened, each one's base after it (as weakly canonical paths): a base
// among them is a cycle.
using BaseChain = std::vector<fs::path>;

// The path that names `file` alone (symbolic links and `..` resolved), to find a cycle.
fs::path identity(const fs::path& file) {
  std::error_code ec;
  fs::path p = fs::weakly_canonical(file, ec);
  return ec ? fs::absolute(file, ec).lexically_normal() : p;
}

// The file that `root` (read from `path`) names as its base, or "" when it names none.
std::string base_file(Node& root, const std::string& path, const BaseChain& chain) {
  if (!root.has("base")) return "";
  const std::string name = root.get_string("base");
  if (!root.has("name")) {
    root.fail("name",
              "missing required value: a config with a base names itself (else the base's "
              "name would name it in reports)");
  }
  const fs::path file = (fs::path(path).parent_path() / name).lexically_normal();
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) {
    root.fail("base", fmt::format("no such file: {} (allowed: a hardware config, named "
                                  "relative to this file's folder)",
                                  file.string()));
  }
  BaseChain seen = chain;
  seen.push_back(identity(path));
  std::string cycle;
  for (const fs::path& p : seen) cycle += p.filename().string() + " -> ";
  const fs::path base = identity(file);
  for (const fs::path& p : seen) {
    if (p == base) {
      root.fail("base", fmt::format("{} leads back to a file that names it: a cycle of bases "
                                    "({}{}); allowed: a chain that ends in a config without "
                                    "a base",
                                    name, cycle, file.filename().string()));
    }
  }
  return file.string();
}

HwConfig load_hw(const std::string& path, BaseChain& chain);

// The file's top-level mapping, layered over its base's (and that over its own base's).
// Each base is first loaded on its own, so that an error in it names its own lines.
Node open_layered(const std::string& path, BaseChain& chain) {
  Node root = Node::load_file(path);
  const std::string base = base_file(root, path, chain);
  if (!base.empty()) {
    chain.push_back(identity(path));
    load_hw(base, chain);
    root.set_base(open_layered(base, chain));
    chain.pop_back();
  }
  return root;
}

// `over`'s keys set in `into`: mappings that both have merged key by key, anything else
// replaced.
void merge_yaml(YAML::Node into, const YAML::Node& over) {
  for (const auto& kv : over) {
    const std::string key = kv.first.Scalar();
    const YAML::Node& view = into;  // const access: looks up without inserting
    if (view[key].IsMap() && kv.second.IsMap()) {
      merge_yaml(into[key], kv.second);
    } else {
      into[key] = YAML::Clone(kv.second);
    }
  }
}

HwYaml resolve_yaml(const std::string& path, BaseChain& chain) {
  Node root = Node::load_file(path);  // the syntax, with file:line errors
  const std::string base = base_file(root, path, chain);
  YAML::Node own = YAML::LoadFile(path);
  if (base.empty()) return HwYaml{own, path};
  chain.push_back(identity(path));
  HwYaml out = resolve_yaml(base, chain);
  chain.pop_back();
  const YAML::Node& view = own;  // const access: looks up without inserting
  if (view["dram"].IsDefined()) {
    out.root["dram"] = YAML::Clone(view["dram"]);  // whole, as load_hw_config takes it
    out.dram_file = path;
  }
  own.remove("dram");
  own.remove("base");
  merge_yaml(out.root, own);
  return out;
}

HwConfig load_hw(const std::string& path, BaseChain& chain) {
  SectionNodes nodes(open_layered(path, chain));
  HwConfig hw;
  hw.source_file = path;
  // Every key but the DRAM's, which come from the `dram` section or the preset it names.
  read_keys(nodes, hw_schema(), hw, "dram");
  hw.dram = load_dram_section(nodes.at("").whole_child("dram"));
  nodes.finish();
  hw.kv_sram.capacity_kib_at = nodes.at("kv_sram").place_of("capacity_kib");
  hw.memory.max_batch_at = nodes.at("memory").place_of("max_batch");
  hw.kv_sram.prefetch_kib_at = nodes.at("kv_sram").place_of("prefetch_kib");
  hw.kv_sram.score_kib_at = nodes.at("kv_sram").place_of("score_kib");

  // Rules across keys.
  if (hw.attention.splitk_partitions > hw.attention.heads_in_parallel) {
    nodes.at("attention")
        .fail("splitk_partitions",
              fmt::format("{} is more than heads_in_parallel = {} (each partition runs on a "
                          "pipeline of its own)",
                          hw.attention.splitk_partitions, hw.attention.heads_in_parallel));
  }
  // The KV SRAM's split: prefetch and score space leave some staging space (whether one
  // K/V tile fits in it depends on the model: sim::check_design).
  if (hw.kv_sram.prefetch_kib + hw.kv_sram.score_kib >= hw.kv_sram.capacity_kib) {
    nodes.at("kv_sram").fail(
        hw.kv_sram.prefetch_kib != 0 ? "prefetch_kib" : "score_kib",
        fmt::format("prefetch_kib {} + score_kib {} leaves no staging space in capacity_kib = "
                    "{}; their sum must be less than capacity_kib",
                    hw.kv_sram.prefetch_kib, hw.kv_sram.score_kib, hw.kv_sram.capacity_kib));
  }
  if (hw.overlap.kv == KvOverlap::NextAttention && hw.kv_sram.prefetch_kib == 0) {
    nodes.at("overlap").fail("kv",
                             "next_attention needs prefetch space: set kv_sram.prefetch_kib "
                             "> 0 (KiB, less than capacity_kib - score_kib), or use none");
  }
  if (hw.overlap.arbitration == Arbitration::DemandFirst && !hw.overlap.any()) {
    nodes.at("overlap").fail("arbitration",
                             "demand_first orders prefetch behind demand, and nothing is "
                             "prefetched: set weights: next_op or kv: next_attention, or use "
                             "controller");
  }
  if (hw.overlap.across_batches == AcrossBatches::NextBatch &&
      hw.overlap.weights != WeightOverlap::NextOp) {
    nodes.at("overlap").fail("across_batches",
                             "next_batch carries the weight stream of weights: next_op into the "
                             "next batch (K/V prefetch does not cross): set weights: next_op, "
                             "or use none");
  }
  const std::uint32_t burst_bytes = hw.dram.org.burst_bytes();
  if (hw.memory.request_bytes % burst_bytes != 0) {
    nodes.at("memory").fail("request_bytes",
                            fmt::format("{} is not a whole number of DRAM bursts ({} bytes each)",
                                        hw.memory.request_bytes, burst_bytes));
  }
  // The attention pipelines' multipliers are the processor array's PEs in FXP32 mode
  // (time-shared with the GEMVs), not extra hardware: they must fit on the array.
  const std::uint64_t need = std::uint64_t{hw.attention.heads_in_parallel} *
                             (hw.attention.dot_lanes + hw.attention.accum_lanes) *
                             hw.array.fxp32_mac_slots;
  const std::uint64_t have =
      std::uint64_t{hw.array.rows} * hw.array.cols * hw.array.macs_per_pe_per_cycle;
  if (need > have) {
    nodes.at("attention")
        .fail("dot_lanes",
              fmt::format("the attention pipelines need {} MAC slots per cycle (heads_in_parallel "
                          "x (dot_lanes + accum_lanes) x processor_array.fxp32_mac_slots) but the "
                          "processor array has {} (rows x cols x macs_per_pe_per_cycle)",
                          need, have));
  }
  // A head-streamed O projection runs beside the attention on rows it does not use.
  const std::uint32_t attention_rows = hw.array.attention_rows;
  if (hw.overlap.head_streamed() && attention_rows == 0) {
    nodes.at("overlap").fail(
        "o_projection",
        fmt::format("head_streamed runs the O projection's slices beside the attention, on "
                    "array rows the attention pipelines leave free: set "
                    "processor_array.attention_rows (1 to rows - 1 = {}), or use "
                    "after_attention",
                    hw.array.rows - 1));
  }
  if (attention_rows != 0 && !hw.overlap.head_streamed()) {
    nodes.at("processor_array")
        .fail("attention_rows",
              "partitions the array only for overlap.o_projection: head_streamed, which this "
              "file does not set: set it, or remove attention_rows");
  }
  if (attention_rows != 0 && attention_rows >= hw.array.rows) {
    nodes.at("processor_array")
        .fail("attention_rows",
              fmt::format("{} leaves no rows of rows = {} for the O projection's slices: it "
                          "must be 1 to {}",
                          attention_rows, hw.array.rows, hw.array.rows - 1));
  }
  const std::uint64_t row_slots = std::uint64_t{hw.array.cols} * hw.array.macs_per_pe_per_cycle;
  if (attention_rows != 0 && need > attention_rows * row_slots) {
    const std::uint64_t rows_needed = (need + row_slots - 1) / row_slots;
    nodes.at("processor_array")
        .fail("attention_rows",
              fmt::format(
                  "{} rows hold {} MAC slots per cycle (attention_rows x cols x "
                  "macs_per_pe_per_cycle) but the attention pipelines need {} "
                  "(heads_in_parallel x (dot_lanes + accum_lanes) x fxp32_mac_slots): "
                  "at least {} of the {} rows{}",
                  attention_rows, attention_rows * row_slots, need, rows_needed, hw.array.rows,
                  rows_needed >= hw.array.rows ? ", which leaves none for the slices: shrink "
                                                 "attention.heads_in_parallel or the lanes"
                                               : ""));
  }
  return hw;
}

}  // namespace

HwConfig load_hw_config(const std::string& path) {
  BaseChain chain;
  return load_hw(path, chain);
}

HwYaml hw_config_yaml(const std::string& path) {
  BaseChain chain;
  return resolve_yaml(path, chain);
}

}  // namespace skv::config
