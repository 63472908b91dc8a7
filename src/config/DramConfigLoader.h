#pragma once
// Reads DRAM configurations (models/dram/DramConfig.h) from YAML: a preset file, or
// the `dram:` section of a hardware config. docs/dram.md documents every key.

#include <string>

#include "config/ConfigNode.h"
#include "models/dram/DramConfig.h"

namespace skv::dram {

// Reads and validates a DRAM config from the mapping `node` (a preset file's top level,
// or the `dram:` section of a hardware config). Errors name file, key and reason.
DramConfig load_dram_config(config::Node& node);

// Loads a preset given either as a file path (anything ending in .yaml/.yml or naming an
// existing file) or as a name resolved to `<config_dir>/<name>.yaml`. An unknown name is an
// InputError listing the presets found in config_dir.
DramConfig load_dram_preset(const std::string& name_or_path, const std::string& config_dir);

// The file of preset `name` in `dir` (<dir>/<name>.yaml). An unknown name is an
// InputError whose message is the reason alone ("no DRAM preset 'x' in DIR (known: a,
// b)"), for the caller to place at its file and key.
std::string dram_preset_file(const std::string& name, const std::string& dir);

}  // namespace skv::dram
