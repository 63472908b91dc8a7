#pragma once
// The hardware config of one sweep point: the base config's YAML with each axis key set
// to the point's value, emitted as a file of its own.
//
// An axis may only set a key the base config already has (after its DRAM preset is
// inlined): a misspelt key is an error naming the sweep file's line, never a new key that
// nothing reads. A DRAM preset (`dram: {preset: NAME}`, found beside the base config as
// the loader finds it) is inlined, so that the point's file stands alone and its hash
// covers the DRAM timing too; a `dram.preset` axis picks the preset to inline, and
// axes such as dram.timing.tRCD then set keys inside it.

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "sweep/SweepSpec.h"

namespace skv::sweep {

class HwOverlay {
 public:
  // Reads the base config's YAML (syntax only; its schema is load_hw_config's job).
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
  std::string preset_dir_;  // <dir of the base config>/../dram, as config::load_hw_config
  YAML::Node base_;
};

// Sets the scalar at dotted `key` in `root` to `value`. The key must already be there
// and hold a single value; otherwise an error at `where` naming `config_name`.
void set_existing_key(YAML::Node& root, const std::string& key, const std::string& value,
                      const SourceRef& where, const std::string& config_name);

}  // namespace skv::sweep
