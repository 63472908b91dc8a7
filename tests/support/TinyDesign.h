#pragma once
// The reference hardware and the tiny model, loaded from the shipped configs, for unit
// tests that state what a batch must do or how its graph looks.

#include "config/HwConfigLoader.h"
#include "config/ModelConfigLoader.h"
#include "support/RunCli.h"

namespace skv::test {

struct TinyDesign {
  config::HwConfig hw = config::load_hw_config(source_path("configs/hw/swiftkv-mha-u55c.yaml"));
  config::ModelConfig model = config::load_model_config(source_path("configs/models/tiny.yaml"));
};

}  // namespace skv::test
