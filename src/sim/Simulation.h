#pragma once
// The simulation top level: builds the accelerator from its configs, binds the
// sockets, runs a decode trace through it and returns every module's counters.
//
//   DecodeSequencer --array-->     ProcessorArray --weights-->  DramController
//                   --attention--> AttentionPipeline --kv--> KvCacheSram --fill/writeback--^
//
// SystemC elaborates once per process, so run_simulation() may be called once per
// process (a sweep runs each point in a process of its own).

#include <cstdint>
#include <string>

#include "config/HwConfigLoader.h"
#include "config/ModelConfigLoader.h"
#include "models/attention/AttentionPipeline.h"
#include "models/dram_controller/DramController.h"
#include "models/kv_sram/KvCacheSram.h"
#include "models/array/ProcessorArray.h"
#include "models/dram/DramStats.h"
#include "models/top/Accelerator.h"
#include "models/sequencer/DecodeSequencer.h"

namespace skv::sim {

struct RunResult {
  std::string trace_path;
  std::string algorithm;
  std::uint64_t accel_period_ps = 0;
  std::uint64_t dram_period_ps = 0;
  std::uint64_t batches = 0;
  std::uint64_t steps = 0;
  std::uint64_t cycles = 0;          // accelerator cycles from start to the last step's end
  std::uint64_t min_batch_cycles = 0;
  std::uint64_t max_batch_cycles = 0;
  std::array<std::uint64_t, tlmx::kOpClassCount> class_cycles{};
  ProcessorArray::Stats array;
  std::uint64_t array_peak_macs_per_cycle = 0;
  AttentionPipeline::Stats attention;
  KvCacheSram::Stats sram;
  dram::DramStats dram;
  DramController::Stats dram_ctrl;
  std::uint64_t weight_bytes = 0;    // resident in DRAM
  std::uint64_t kv_bytes = 0;        // reserved in DRAM
};

RunResult run_simulation(const config::HwConfig& hw, const config::ModelConfig& model,
                         const std::string& trace_path, tlmx::AttentionAlgo algo,
                         const DecodeSequencer::BatchSink& sink,
                         const DecodeSequencer::OpSink& op_sink = nullptr,
                         std::uint64_t watchdog_multiple = kDefaultWatchdogMultiple);

}  // namespace skv::sim
