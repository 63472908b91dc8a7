#pragma once
// Reads and validates a hardware config file into the accelerator's HwConfig
// (models/top/HwConfig.h). docs/formats.md documents every key.

#include <yaml-cpp/yaml.h>

#include <string>

#include "models/top/HwConfig.h"

namespace skv::config {

// Reads and validates a hardware config file. A DRAM preset named in it is looked up
// as <dir of the file that names it>/../dram/<name>.yaml.
//
// A file may start from another: `base: FILE` (relative to the file's folder) takes every
// key the file does not set from FILE, which must load on its own (and may have a base
// of its own); a section both set is merged key by key, except `dram`, which the file
// that sets it gives whole (a preset's name or a DRAM config). A file with a base names
// itself (`name`). An error names the file and line that set the key.
HwConfig load_hw_config(const std::string& path);

// A hardware config file as one YAML tree with its `base:` chain resolved as
// load_hw_config resolves it, `base` itself dropped: for a file that must stand alone (a
// sweep point's). Only the syntax and the chain are checked (the schema is
// load_hw_config's, on the file that is finally written).
struct HwYaml {
  YAML::Node root;
  std::string dram_file;  // the file whose `dram` section `root` holds (a preset it names
                          // is found beside that file)
};
HwYaml hw_config_yaml(const std::string& path);

}  // namespace skv::config
