#pragma once
// Runs a sweep: every point a `swiftkv-sim run` process of its own, in its own directory
// DIR/points/NNNN-name/, several at a time; resumable and shardable (docs/sweeps.md).

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <functional>
#include <string>
#include <vector>

#include "sweep/SweepSpec.h"
#include "trace/DecodeTrace.h"

namespace skv::sweep {

// Everything one point's run needs, decided before anything runs.
struct PlannedPoint {
  std::size_t index = 0;
  std::string dir_name;             // NNNN-name, under DIR/points/
  std::vector<std::string> values;  // per axis, in SweepPlan::axis_keys order
  std::string algorithm;
  std::string hw_yaml;    // the point's hardware config (without its header comment)
  std::string hw_header;  // comment lines naming where hw_yaml comes from
  std::optional<trace::GenerateOptions> generate;  // the point's trace is generated...
  std::string trace_file;                          // ... or is this file (absolute path)
  // Hash of the hardware config, the trace, the model, the algorithm, the config schema's
  // version and the build id: a point is done only for the inputs and the build it was
  // run with.
  std::string inputs_hash;
};

struct SweepPlan {
  std::string name;
  std::string sweep_file;
  std::string hw_file;
  std::string mode = "exact";  // every point's run --mode
  std::string energy_file;     // every point's run --energy (absolute), or none
  std::string model_file;  // absolute
  std::vector<std::string> axis_keys;
  std::vector<PlannedPoint> points;

  // DIR/sweep.json: what `sweep merge` and the summary read back.
  nlohmann::json manifest() const;
};

// Checks the base hardware config, the model and the trace, and builds every point's
// config and inputs hash: a bad key or file stops the sweep here, before any run.
SweepPlan plan_sweep(const SweepSpec& spec);

struct SweepRunOptions {
  std::string out_dir;
  unsigned jobs = 1;                   // points run at once
  Shard shard;                         // the points this process runs
  bool quiet = false;                  // no progress on stderr
  std::string exe = "/proc/self/exe";  // the simulator binary: by default this very one
  // When it says so, no point starts and the running ones are stopped (sweep/ProcessPool.h);
  // a point stopped so is left to run again, neither done nor failed.
  std::function<bool()> stop;
};

struct SweepTally {
  std::size_t points = 0;             // in the sweep
  std::size_t selected = 0;           // in this shard
  std::size_t skipped = 0;            // already done with the same inputs
  std::size_t ran = 0;                // run now and done
  std::size_t failed = 0;             // run now and failed
  std::size_t stopped = 0;            // stopped by `stop` while running, or never started
  std::vector<std::string> failures;  // "NNNN-name: <error>", by index
};

// Writes DIR/sweep.json, then runs this shard's points that are not done yet. A failing
// point is recorded (status `failed` with the run's one-line error) and the others go on.
SweepTally run_sweep(const SweepPlan& plan, const SweepRunOptions& options);

// The one-line error of a failed run, from its log: the last "swiftkv-sim: error: " line,
// else how the process ended and its last line of output.
std::string run_error_from_log(const std::string& log_text, const std::string& how_it_ended);

}  // namespace skv::sweep
