#pragma once
// Results of a run: the JSON report (stable keys, units in the key names), the terminal
// summary (printed from that JSON, so the two never disagree) and the per-step CSV.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <fstream>
#include <string>

#include "config/EnergyConfig.h"
#include "config/HwConfigLoader.h"
#include "config/ModelConfigLoader.h"
#include "sim/Counters.h"
#include "sim/Simulation.h"

namespace skv::report {

// 2: dram_by_operation books bytes to the operation that asked for them; 3: every
// counter the units declare is in its unit's group; 4: `mode`, the fast mode's `fast`
// group, `over_context`; 5: the resolved configs and the config schema's version under
// `config` (docs/formats.md, migrations); 6: every DRAM engine and controller counter
// (groups `dram`, `dram_controller`), derived figures from one table
// (report/DerivedFigures.h), dram.achieved_bandwidth_bytes_per_s and
// dram.bandwidth_utilisation_pct renamed bandwidth_over_run_bytes_per_s and _pct; 7: work
// booked by kind of operation (the `sequencer` and `operations` groups); 8: the `energy`
// group (with an energy preset, `run --energy`); 9: the `dram_extremes` group (extremes
// per operation, layer and batch; exact mode) and, with overlap, `weight_prefetch` or
// `kv_prefetch` (groups a design without overlap never reports, so no new version).
inline constexpr int kRunReportVersion = 9;

// With `energy` (an energy preset), the report has an `energy` group (docs/energy.md).
nlohmann::json run_report(const config::HwConfig& hw, const config::ModelConfig& model,
                          const sim::RunResult& r,
                          const config::EnergyConfig* energy = nullptr);

// The run's counters as one span (the energy model's input).
sim::Counters run_counters(const sim::RunResult& r);

std::string run_summary(const nlohmann::json& report);

// One CSV row per decode step (trace row), written and flushed as each batch ends, so
// an interrupted run keeps every finished step. With `counters`, every counter a
// snapshot carries (sim::counter_names(): each unit's sums and integrals, the cycles by
// class) follows as a column of its own: what the row's batch added to it.
class StepCsvWriter {
 public:
  // With an energy preset (`energy`, on the hardware `hw`), each row also has `energy_j`:
  // its batch's energy (from the batch's counters) shared equally among the batch's rows.
  StepCsvWriter(const std::string& path, std::uint64_t accel_period_ps, bool counters = false,
                const config::EnergyConfig* energy = nullptr,
                const config::HwConfig* hw = nullptr);
  void write(const sim::BatchResult& b);

 private:
  const config::EnergyConfig* energy_ = nullptr;
  const config::HwConfig* hw_ = nullptr;
  std::uint64_t dram_period_ps_ = 0;
  std::string path_;
  std::ofstream out_;
  std::uint64_t period_ps_;
  bool counters_;
};

}  // namespace skv::report
