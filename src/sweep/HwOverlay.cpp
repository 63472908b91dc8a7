#include "sweep/HwOverlay.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

#include "common/Error.h"
#include "config/ConfigNode.h"
#include "config/DramConfigLoader.h"
#include "config/HwConfigLoader.h"
#include "models/top/HwConfig.h"

namespace skv::sweep {

namespace fs = std::filesystem;

namespace {

// Parses with config::Node first for its file:line syntax errors, then as plain YAML.
YAML::Node load_yaml(const std::string& path) {
  config::Node::load_file(path);
  return YAML::LoadFile(path);
}

std::string parent_of(const std::string& key) {
  const auto dot = key.rfind('.');
  return dot == std::string::npos ? std::string() : key.substr(0, dot);
}

std::string leaf_of(const std::string& key) { return key.substr(key.rfind('.') + 1); }

}  // namespace

const schema::KeyInfo* hw_axis_key(const std::string& key, const SourceRef& where) {
  if (key == kDramPresetAxis) return nullptr;
  const auto& hw = config::hw_schema();
  if (const auto* f = hw.find(key)) return &f->info;
  if (hw.find_section(key)) {
    where.fail(
        fmt::format("{} is a group of keys of the hardware config; an axis sets one value", key));
  }
  // The nearest section on the key's path that exists, and what it holds.
  std::string section = parent_of(key);
  while (!section.empty() && !hw.find_section(section)) section = parent_of(section);
  const std::string rest = section.empty() ? key : key.substr(section.size() + 1);
  const std::string first = rest.substr(0, rest.find('.'));
  std::vector<std::string> names;
  for (const auto& f : hw.fields()) {
    if (f.info.section == section) names.push_back(f.info.key);
  }
  for (const auto& sec : hw.sections()) {
    if (!sec.path.empty() && parent_of(sec.path) == section) names.push_back(leaf_of(sec.path));
  }
  if (section == "dram") names.push_back("preset");
  std::string list;
  for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
  const std::string guess = config::likely_meant(first, names);
  where.fail(fmt::format("not a key of the hardware config (keys of {}: {}){}",
                         section.empty() ? std::string("the top level") : section, list,
                         guess.empty() ? "" : fmt::format("; did you mean '{}'?", guess)));
}

void check_axis_value(const std::string& key, const std::string& value, const SourceRef& where) {
  const schema::KeyInfo* k = hw_axis_key(key, where);
  if (!k) return;  // a preset name: looked up when the point's config is built
  std::string reason;
  if (!config::parse_value(*k, value, reason)) where.fail(reason);
}

void set_key(YAML::Node& root, const std::string& key, const std::string& value,
             const SourceRef& where, const std::string& config_name) {
  hw_axis_key(key, where);
  YAML::Node node;
  node.reset(root);  // rebinding; `node = x` would overwrite the tree (yaml-cpp semantics)
  std::string path;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = key.find('.', start);
    const std::string part = key.substr(start, dot == std::string::npos ? dot : dot - start);
    const bool leaf = dot == std::string::npos;
    if (!node.IsMap()) {
      where.fail(fmt::format("{} is a single value in the hardware config {}, not a group of keys",
                             path, config_name));
    }
    const YAML::Node& view = node;  // const access: looks up without inserting
    if (!view[part].IsDefined() && !leaf) node[part] = YAML::Node(YAML::NodeType::Map);
    path += (path.empty() ? "" : ".") + part;
    YAML::Node next = node[part];
    node.reset(next);
    if (leaf) break;
    start = dot + 1;
  }
  if (node.IsMap() || node.IsSequence()) {
    where.fail(fmt::format("{} is a {} in the hardware config {}; an axis sets one value", key,
                           node.IsMap() ? "group of keys" : "list", config_name));
  }
  node = value;
}

HwOverlay::HwOverlay(std::string base_path) : base_path_(std::move(base_path)) {
  config::HwYaml resolved = config::hw_config_yaml(base_path_);
  base_ = resolved.root;
  preset_dir_ =
      (fs::path(resolved.dram_file).parent_path() / ".." / "dram").lexically_normal().string();
}

void HwOverlay::inline_dram_preset(YAML::Node& root, const SourceRef* chosen_by) const {
  const YAML::Node& view = root;
  if (!view["dram"].IsMap() || !view["dram"]["preset"].IsDefined()) return;
  const std::string name = view["dram"]["preset"].Scalar();
  std::string file;
  try {
    file = dram::dram_preset_file(name, preset_dir_);
  } catch (const InputError& e) {
    if (chosen_by) chosen_by->fail(e.what());
    throw InputError(fmt::format("{}: dram.preset: {}", base_path_, e.what()));
  }
  root["dram"] = load_yaml(file);
}

YAML::Node HwOverlay::apply(const std::vector<const Axis*>& axes,
                            const std::vector<std::string>& values) const {
  YAML::Node root = YAML::Clone(base_);
  // The preset first: it decides which dram.* keys exist for the other axes.
  const SourceRef* preset_axis = nullptr;
  for (std::size_t i = 0; i < axes.size(); ++i) {
    if (axes[i]->key == kDramPresetAxis) {
      set_key(root, axes[i]->key, values[i], axes[i]->where, base_path_);
      preset_axis = &axes[i]->where;
    }
  }
  inline_dram_preset(root, preset_axis);
  for (std::size_t i = 0; i < axes.size(); ++i) {
    if (axes[i]->is_hw_key() && axes[i]->key != kDramPresetAxis) {
      set_key(root, axes[i]->key, values[i], axes[i]->where, base_path_);
    }
  }
  return root;
}

std::string HwOverlay::render(const std::vector<const Axis*>& axes,
                              const std::vector<std::string>& values) const {
  YAML::Emitter out;
  out << apply(axes, values);
  return std::string(out.c_str()) + "\n";
}

}  // namespace skv::sweep
