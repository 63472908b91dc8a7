#pragma once
// `compare`: attention algorithms on the same hardware, as a sweep with an algorithm axis
// (and usually a kv_len axis). Each point is set against the native-attention point with
// the same values of the other axes.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sweep/SweepSpec.h"
#include "sweep/SweepSummary.h"

namespace skv::sweep {

struct CompareInputs {
  std::string hw;
  std::string model;
  std::string trace;                   // a trace file, or empty with kv_lens
  std::vector<std::uint64_t> kv_lens;  // a generated one-request trace per KV length
  std::uint64_t generate_tokens = 1;   // decode steps of each generated trace
  std::vector<std::string> algorithms;
};

// The sweep a compare command line describes: axes kv_len (if any), then algorithm.
SweepSpec compare_spec(const CompareInputs& in);

// Adds an algorithm axis (innermost) to a sweep file that has none, for `compare FILE`.
void add_algorithm_axis(SweepSpec& spec, const std::vector<std::string>& algorithms,
                        const std::string& option_name);

class Comparison {
 public:
  explicit Comparison(SweepResults results);

  const SweepResults& results() const { return results_; }
  // The axes other than algorithm: a point's group is its values of these.
  const std::vector<std::string>& group_keys() const { return group_keys_; }
  // native / this, per point index; nullopt when either is not done.
  std::optional<double> attention_speedup(std::size_t index) const {
    return attention_speedup_[index];
  }
  std::optional<double> step_speedup(std::size_t index) const { return step_speedup_[index]; }

  // compare.csv: group axes, algorithm, status, error, latencies, breakdown, speedups.
  std::vector<CsvField> fields() const;
  // The terminal table: attention and whole-step latency per step, speedup over native;
  // a point that failed shows its error in place of its figures.
  std::string table() const;

 private:
  SweepResults results_;
  std::vector<std::string> group_keys_;
  std::vector<std::size_t> group_axes_;  // their positions in results_.axis_keys
  std::vector<std::optional<double>> attention_speedup_;
  std::vector<std::optional<double>> step_speedup_;
};

// Writes DIR/compare.csv (atomically).
void write_comparison(const std::string& dir, const Comparison& c);

}  // namespace skv::sweep
