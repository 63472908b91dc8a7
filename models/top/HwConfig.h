#pragma once
// Validated runtime configuration of the whole accelerator (everything but the LLM
// itself): one plain struct per unit, loaded by src/config/HwConfigLoader.*.

#include <string>

#include "models/array/ProcessorArrayConfig.h"
#include "models/attention/AttentionConfig.h"
#include "models/dram/DramConfig.h"
#include "models/kv_sram/KvSramConfig.h"
#include "models/tlm/MemorySystemConfig.h"

namespace skv::config {

struct HwConfig {
  std::string name;
  std::string source_file;
  double clock_mhz = 0;
  ProcessorArrayConfig array;
  AttentionConfig attention;
  KvSramConfig kv_sram;
  MemorySystemConfig memory;
  dram::DramConfig dram;
};

}  // namespace skv::config
