// `swiftkv-sim validate FILE...`: checks configs and traces without simulating.

#include <fmt/format.h>

#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/Commands.h"
#include "common/Error.h"
#include "common/InputFile.h"
#include "config/ConfigNode.h"
#include "config/EnergyConfig.h"
#include "config/HwConfigLoader.h"
#include "config/ModelConfigLoader.h"
#include "config/DramConfigLoader.h"
#include "models/dram/DramConfig.h"
#include "sim/DesignChecks.h"
#include "trace/ContextPolicy.h"
#include "trace/DecodeTrace.h"

namespace skv::cli {

namespace {

// What a file is, told by its first line (traces) or its top-level keys (configs). With
// `model` (validate --hw --model), a trace is checked against its context as `run` does.
std::string validate_one(const std::string& path, const config::ModelConfig* model) {
  check_readable_file(path, "file");
  std::ifstream in(path);
  if (!in) throw InputError(fmt::format("{}: cannot open file", path));
  std::string first;
  std::getline(in, first);
  if (first.rfind(trace::kMagicV1, 0) == 0) {
    if (model) {
      const trace::TraceScan scan =
          trace::scan_trace(path, model->max_context, trace::OverContext::Stop, model->name);
      return fmt::format("decode trace, {} steps, within model {}'s context", scan.rows,
                         model->name);
    }
    const std::uint64_t rows = trace::count_trace_rows(path);
    return fmt::format("decode trace, {} steps", rows);
  }
  config::Node probe = config::Node::load_file(path);
  if (probe.has("processor_array") || probe.has("base")) {
    const auto hw = config::load_hw_config(path);
    return fmt::format("hardware config '{}' (DRAM '{}')", hw.name, hw.dram.name);
  }
  if (probe.has("layers")) {
    return fmt::format("model '{}'", config::load_model_config(path).name);
  }
  if (probe.has("organisation")) {
    config::Node n = config::Node::load_file(path);
    return fmt::format("DRAM preset '{}'", dram::load_dram_config(n).name);
  }
  if (probe.has("dynamic")) {
    const auto e = config::load_energy_config(path, "");
    return fmt::format("energy preset '{}' ({} values marked as assumptions)", e.name,
                       e.assumed.size());
  }
  throw InputError(
      fmt::format("{}:1: cannot tell what this file is (expected a hardware config "
                  "with 'processor_array' or 'base', a model with 'layers', a DRAM preset with "
                  "'organisation', an energy preset with 'dynamic', or a decode "
                  "trace starting '{}')",
                  path, trace::kMagicV1));
}

}  // namespace

struct ValidateOptions {
  std::vector<std::string> files;
  std::string hw;
  std::string model;
  std::vector<std::string> algos;
};

// --hw with --model: the checks `run` makes before simulating, for each algorithm.
int validate_pair(const ValidateOptions& o) {
  const config::HwConfig hw = config::load_hw_config(o.hw);
  const config::ModelConfig model = config::load_model_config(o.model);
  int bad = 0;
  for (const std::string& name : o.algos.empty() ? tlmx::attention_algo_names() : o.algos) {
    const tlmx::AttentionAlgo algo = *tlmx::parse_attention_algo(name);
    try {
      sim::check_design(hw, model, algo);
      const sim::KvSramNeed need = sim::kv_sram_need(hw, model, algo);
      fmt::print("ok: {} runs {} under {}: KV SRAM {} KiB of at least {} ({} double-buffers)\n",
                 o.hw, o.model, name, hw.kv_sram.capacity_kib, need.min_kib,
                 need.double_buffer_kib);
    } catch (const InputError& e) {
      fmt::print(stderr, "swiftkv-sim: error: {}\n", e.what());
      ++bad;
    }
  }
  return bad;
}

void add_validate_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<ValidateOptions>();
  CLI::App* sub = app.add_subcommand(
      "validate", "Check config files and traces without simulating; with --hw and --model, "
                  "also that the model can run on that hardware");
  sub->add_option("files", o->files,
                  "Hardware configs, models, DRAM presets, energy presets or decode traces");
  auto* hw = sub->add_option("--hw", o->hw, "Hardware config to check a model against");
  auto* model = sub->add_option("--model", o->model, "Model to check against --hw");
  hw->needs(model);
  model->needs(hw);
  sub->add_option("--algo", o->algos, "Attention algorithms to check (default: all)")
      ->check(CLI::IsMember(tlmx::attention_algo_names()))
      ->needs(hw);
  sub->callback([o, &exit_code] {
    if (o->files.empty() && o->hw.empty()) {
      throw CLI::ValidationError("validate", "give files to check, or --hw and --model");
    }
    int bad = o->hw.empty() ? 0 : validate_pair(*o);
    std::optional<config::ModelConfig> against;
    if (!o->model.empty()) against = config::load_model_config(o->model);
    for (const auto& f : o->files) {
      try {
        fmt::print("ok: {}: {}\n", f, validate_one(f, against ? &*against : nullptr));
      } catch (const InputError& e) {
        fmt::print(stderr, "swiftkv-sim: error: {}\n", e.what());
        ++bad;
      }
    }
    exit_code = bad ? 1 : 0;
  });
}

}  // namespace skv::cli
