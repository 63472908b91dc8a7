#pragma once
// The derived figures of a run: each is a formula over the run's merged counters (and
// the configs), defined once here and computed when the report is written, never
// stored. report.json writes every one under its group; the summary, sweep.csv and
// compare.csv read them from there. `swiftkv-sim stats` lists them with the counters.

#include <cstdint>
#include <string>
#include <vector>

#include "config/HwConfigLoader.h"
#include "sim/Simulation.h"

namespace skv::report {

// What a formula may read: the configs, the run's merged counters, and the quantities
// most formulas share.
struct FigureInputs {
  FigureInputs(const config::HwConfig& hw, const sim::RunResult& r);
  const config::HwConfig& hw;
  const sim::RunResult& r;
  double cycles;                 // simulated accelerator cycles
  double period_ns;              // one accelerator cycle
  double time_s;                 // simulated time
  double batches;                // batches run (1 when none, so per-step figures are 0)
  double dram_peak_bytes_per_s;  // at the DRAM clock period the run simulated
  double array_peak_macs;        // per cycle
  double array_busy_cycles;      // GEMV, vector and attention work on the array
  double attention_mac_slots;    // the attention's FXP32 MACs in low-precision slots
};

struct DerivedFigure {
  const char* group;        // report.json group; a dot nests ("dram_by_operation.gemv")
  const char* name;         // unit-suffixed
  const char* unit;         // "%", "bytes/s", "cycles", "ns", "tokens/s", "ratio"
  const char* description;  // one line
  // Whether it reads an extreme, a stamp or a histogram, which only an exact run
  // collects: the fast mode leaves it out and says so (report.json fast.not_estimated).
  bool exact_only;
  bool whole;  // a whole number (a count of cycles, MACs, requests), written as one
  double (*value)(const FigureInputs&);
};

const std::vector<DerivedFigure>& derived_figures();

}  // namespace skv::report
