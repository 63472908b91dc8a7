#include "sweep/HwOverlay.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

#include "common/Error.h"
#include "config/ConfigNode.h"
#include "config/DramConfigLoader.h"

namespace skv::sweep {

namespace fs = std::filesystem;

namespace {

constexpr const char* kPresetKey = "dram.preset";

std::string keys_of(const YAML::Node& map) {
  std::string out;
  for (auto it = map.begin(); it != map.end(); ++it) {
    out += (out.empty() ? "" : ", ") + it->first.Scalar();
  }
  return out;
}

// Parses with config::Node first for its file:line syntax errors, then as plain YAML.
YAML::Node load_yaml(const std::string& path) {
  config::Node::load_file(path);
  return YAML::LoadFile(path);
}

}  // namespace

void set_existing_key(YAML::Node& root, const std::string& key, const std::string& value,
                      const SourceRef& where, const std::string& config_name) {
  YAML::Node node;
  node.reset(root);  // rebinding; `node = x` would overwrite the tree (yaml-cpp semantics)
  std::string path;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = key.find('.', start);
    const std::string part = key.substr(start, dot == std::string::npos ? dot : dot - start);
    const std::string parent = path.empty() ? std::string("the top level") : path;
    if (!node.IsMap()) {
      where.fail(
          fmt::format("not a key of the hardware config {}: {} is a single value, not a "
                      "group of keys",
                      config_name, parent));
    }
    const YAML::Node& view = node;  // const access: looks up without inserting
    if (!view[part].IsDefined()) {
      where.fail(
          fmt::format("not a key of the hardware config {} (keys of {}: {}); an axis sets "
                      "only keys the base config has, so add this one there first",
                      config_name, parent, keys_of(node)));
    }
    path += (path.empty() ? "" : ".") + part;
    YAML::Node next = node[part];
    node.reset(next);
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  if (node.IsMap() || node.IsSequence()) {
    where.fail(fmt::format("{} is a {} in the hardware config {}; an axis sets one value", key,
                           node.IsMap() ? "group of keys" : "list", config_name));
  }
  node = value;
}

HwOverlay::HwOverlay(std::string base_path)
    : base_path_(std::move(base_path)),
      preset_dir_((fs::path(base_path_).parent_path() / ".." / "dram").lexically_normal().string()),
      base_(load_yaml(base_path_)) {}

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
    if (axes[i]->key == kPresetKey) {
      set_existing_key(root, axes[i]->key, values[i], axes[i]->where, base_path_);
      preset_axis = &axes[i]->where;
    }
  }
  inline_dram_preset(root, preset_axis);
  for (std::size_t i = 0; i < axes.size(); ++i) {
    if (axes[i]->is_hw_key() && axes[i]->key != kPresetKey) {
      set_existing_key(root, axes[i]->key, values[i], axes[i]->where, base_path_);
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
