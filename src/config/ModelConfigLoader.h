#pragma once
// Reads and validates a model description file (docs/formats.md).

#include <string>

#include "models/sequencer/ModelConfig.h"

namespace skv::config {

ModelConfig load_model_config(const std::string& path);

}  // namespace skv::config
