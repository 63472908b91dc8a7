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
#include <optional>
#include <string>

#include "config/HwConfigLoader.h"
#include "trace/ContextPolicy.h"
#include "config/ModelConfigLoader.h"
#include "models/attention/AttentionPipeline.h"
#include "models/dram_controller/DramController.h"
#include "models/kv_sram/KvCacheSram.h"
#include "models/array/ProcessorArray.h"
#include "models/dram/DramStats.h"
#include "models/top/Accelerator.h"
#include "models/sequencer/DecodeSequencer.h"
#include "sim/Counters.h"

namespace skv::sim {

// What a fast-mode run simulated and what it reused (sim/FastMode.h). Everything here
// is deterministic; wall times and cache hits are printed, never written to a report.
struct FastSummary {
  std::uint32_t points_per_tile = 0;   // attention grid points per K/V tile
  std::uint64_t grid_points = 0;       // KV lengths on the attention grid
  // Samples of a whole layer and the head, per batch size; under overlap, of a window of
  // layers and the head, per grid point, and under next_batch four more per batch size,
  // at KV 0 (sim/FastMode.h).
  std::uint64_t layer_samples = 0;
  std::uint64_t attention_samples = 0; // samples of one row's attention, per grid point
  std::uint64_t sample_cycles = 0;     // accelerator cycles the samples simulated exactly
  std::uint64_t steps_reused = 0;      // every row's KV length on the grid
  std::uint64_t steps_interpolated = 0;
  // Interpolated steps with a row whose grid interval has no neighbour of the same plan
  // (a grid coarser than a plan's span): no estimate, counted rather than taken as 0.
  std::uint64_t steps_without_estimate = 0;
  std::uint64_t max_error_estimate_cycles = 0;  // of the step with the largest estimate
  double max_error_estimate_pct = 0;   // the largest step estimate over that step's cycles
  double mean_error_estimate_pct = 0;  // all estimates over all cycles
  // Not deterministic (not reported): where the samples came from, and the time taken.
  std::uint64_t cache_hits = 0;
  std::uint64_t cache_misses = 0;
  double sample_wall_s = 0;
};

// A run's results: every unit's counters (StatGroups: array, attention, sram, dram,
// dram_ctrl, sequencer) and the facts of the run.
struct RunResult : StatGroups {
  std::string trace_path;
  std::string algorithm;
  std::uint64_t accel_period_ps = 0;
  std::uint64_t dram_period_ps = 0;
  std::uint64_t batches = 0;
  std::uint64_t steps = 0;
  bool stopped = false;              // the trace's stop_requested ended it before its end
  std::uint64_t cycles = 0;          // accelerator cycles from start to the last step's end
  std::uint64_t min_batch_cycles = 0;
  std::uint64_t max_batch_cycles = 0;
  std::array<std::uint64_t, tlmx::kOpClassCount> class_cycles{};
  std::uint64_t array_peak_macs_per_cycle = 0;
  std::uint64_t weight_bytes = 0;    // resident in DRAM
  std::uint64_t kv_bytes = 0;        // reserved in DRAM
  std::optional<FastSummary> fast;   // set by the fast mode
  std::optional<DramExtremes> dram_extremes;  // per segment; exact mode only
  trace::OverContext over_context = trace::OverContext::Stop;
  trace::ContextCounts context_counts;
};

RunResult run_simulation(const config::HwConfig& hw, const config::ModelConfig& model,
                         const trace::TraceInput& trace, tlmx::AttentionAlgo algo,
                         const DecodeSequencer::BatchSink& sink,
                         const DecodeSequencer::OpSink& op_sink = nullptr,
                         std::uint64_t watchdog_multiple = kDefaultWatchdogMultiple,
                         tlmx::ActivityRecorder* recorder = nullptr);

}  // namespace skv::sim
