#pragma once
// The hardware config of one sweep point: the base config's YAML with each axis key set
// to the point's value, emitted as a file of its own.
//
// An axis may set any key of the hardware config's schema (models/top/HwConfig.h:
// hw_schema(), the DRAM preset's keys under `dram`), whether or not the base config has
// it; a key the schema does not have is an error naming the sweep file's line, never a
// new key that nothing reads. A DRAM preset (`dram: {preset: NAME}`, found beside the
// base config as the loader finds it) is inlined, so that the point's file stands alone
// and its hash covers the DRAM timing too; a `dram.preset` axis picks the preset to
// inline, and axes such as dram.timing.tRCD then set keys inside it.

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "common/ConfigSchema.h"
#include "sweep/SweepSpec.h"

namespace skv::sweep {

class HwOverlay {
 public:
  // Reads the base config's YAML, its own `base:` chain resolved (config::hw_config_yaml:
  // syntax only; its schema is load_hw_config's job).
  explicit HwOverlay(std::string base_path);

  // The point's config: `values[i]` set at `axes[i]` for each hardware-key axis (others
  // are skipped), the DRAM preset inlined.
  YAML::Node apply(const std::vector<const Axis*>& axes,
                   const std::vector<std::string>& values) const;
  // The same as YAML text.
  std::string render(const std::vector<const Axis*>& axes,
                     const std::vector<std::string>& values) const;

  const std::string& base_path() const { return base_path_; }

 private:
  void inline_dram_preset(YAML::Node& root, const SourceRef* chosen_by) const;

  std::string base_path_;
  std::string preset_dir_;  // <dir of the file that sets `dram`>/../dram, as load_hw_config
  YAML::Node base_;
};

// An axis that picks the DRAM preset by name (not a key of the schema: the preset's keys
// are, once it is inlined).
inline constexpr const char* kDramPresetAxis = "dram.preset";

// The schema entry of hardware-config key `key` (dotted), or nullptr for kDramPresetAxis.
// Any other key is an error at `where`: the keys of the nearest section that exists, and
// the one it likely misspells.
const schema::KeyInfo* hw_axis_key(const std::string& key, const SourceRef& where);

// Checks `value` for axis `key` (a key of hw_axis_key) against the key's type and allowed
// values: an error at `where` otherwise.
void check_axis_value(const std::string& key, const std::string& value, const SourceRef& where);

// Sets dotted `key` (hw_axis_key) in `root` to `value`, adding it, and the mappings that
// lead to it, when `root` does not have it. A part of the path that holds a single value
// or a list in `root` is an error at `where` naming `config_name`.
void set_key(YAML::Node& root, const std::string& key, const std::string& value,
             const SourceRef& where, const std::string& config_name);

}  // namespace skv::sweep
