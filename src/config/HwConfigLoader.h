#pragma once
// Reads and validates a hardware config file into the accelerator's HwConfig
// (models/top/HwConfig.h). docs/formats.md documents every key.

#include <string>

#include "models/top/HwConfig.h"

namespace skv::config {

// Reads and validates a hardware config file. A DRAM preset named in it is looked up
// as <dir of the file>/../dram/<name>.yaml.
HwConfig load_hw_config(const std::string& path);

}  // namespace skv::config
