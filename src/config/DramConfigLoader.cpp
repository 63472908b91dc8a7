#include "config/DramConfigLoader.h"

#include <fmt/format.h>

#include <filesystem>
#include <map>
#include <set>

#include "common/Error.h"
#include "config/SchemaReader.h"

namespace skv::dram {

DramConfig load_dram_config(config::Node& node) {
  config::SectionNodes nodes(node);
  DramConfig c;
  config::read_keys(nodes, dram_schema(), c);
  nodes.finish();
  // One rule set for files and for configs built in code (check_dram_config); the
  // values are in range already, so what it finds is a rule across keys.
  const std::vector<ConfigProblem> problems = check_dram_config(c);
  if (!problems.empty()) {
    const ConfigProblem& p = problems.front();
    if (config::Node* at = nodes.find(p.section)) at->fail(p.key, p.reason);
    nodes.at("").fail(p.section, p.reason);  // an optional section left out
  }
  return c;
}

std::string dram_preset_file(const std::string& name, const std::string& dir) {
  namespace fs = std::filesystem;
  // A file name holds at most 255 bytes on the usual file systems, ".yaml" included.
  if (name.size() > 250) {
    throw InputError(fmt::format("the DRAM preset name '{}...' is {} characters long (allowed: "
                                 "at most 250, a file name's limit less '.yaml')",
                                 name.substr(0, 32), name.size()));
  }
  const fs::path file = fs::path(dir) / (name + ".yaml");
  std::error_code ec;
  if (fs::is_regular_file(file, ec)) return file.lexically_normal().string();
  std::set<std::string> known;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.path().extension() == ".yaml") known.insert(e.path().stem().string());
  }
  std::string list;
  for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
  throw InputError(fmt::format("no DRAM preset '{}' in {} (known: {})", name,
                               fs::path(dir).lexically_normal().string(),
                               list.empty() ? "none" : list));
}

DramConfig load_dram_preset(const std::string& name_or_path, const std::string& config_dir) {
  namespace fs = std::filesystem;
  const fs::path given(name_or_path);
  const bool looks_like_file =
      given.has_parent_path() || given.extension() == ".yaml" || given.extension() == ".yml";
  std::string file = name_or_path;
  std::error_code ec;
  if (!looks_like_file && !fs::is_regular_file(given, ec)) {
    try {
      file = dram_preset_file(name_or_path, config_dir);
    } catch (const InputError& e) {
      throw InputError(fmt::format("--dram: {}; or give a path to a .yaml file", e.what()));
    }
  }
  config::Node root = config::Node::load_file(file);
  return load_dram_config(root);
}

}  // namespace skv::dram
