// `swiftkv-sim validate FILE...`: checks configs and traces without simulating.

#include <fmt/format.h>

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "cli/Commands.h"
#include "common/Error.h"
#include "config/ConfigNode.h"
#include "config/HwConfig.h"
#include "config/ModelConfig.h"
#include "models/dram/DramConfig.h"
#include "trace/DecodeTrace.h"

namespace skv::cli {

namespace {

// What a file is, told by its first line (traces) or its top-level keys (configs).
std::string validate_one(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw InputError(fmt::format("{}: cannot open file", path));
  std::string first;
  std::getline(in, first);
  if (first.rfind(trace::kMagicV1, 0) == 0) {
    const std::uint64_t rows = trace::count_trace_rows(path);
    return fmt::format("decode trace, {} steps", rows);
  }
  config::Node probe = config::Node::load_file(path);
  if (probe.has("processor_array")) {
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
  throw InputError(fmt::format("{}:1: cannot tell what this file is (expected a hardware config "
                               "with 'processor_array', a model with 'layers', a DRAM preset with "
                               "'organisation', or a decode trace starting '{}')",
                               path, trace::kMagicV1));
}

}  // namespace

void add_validate_command(CLI::App& app, int& exit_code) {
  auto files = std::make_shared<std::vector<std::string>>();
  CLI::App* sub = app.add_subcommand("validate", "Check config files and traces without simulating");
  sub->add_option("files", *files, "Hardware configs, models, DRAM presets or decode traces")
      ->required();
  sub->callback([files, &exit_code] {
    int bad = 0;
    for (const auto& f : *files) {
      try {
        fmt::print("ok: {}: {}\n", f, validate_one(f));
      } catch (const InputError& e) {
        fmt::print(stderr, "swiftkv-sim: error: {}\n", e.what());
        ++bad;
      }
    }
    exit_code = bad ? 1 : 0;
  });
}

}  // namespace skv::cli
