#pragma once
// `compare --overlap`: what each overlap choice saves, measured from a paired run with
// overlap off (docs/sweeps.md, "Overlap"). The choices run as a sweep with one or more
// overlap axes (kOverlapChoiceAxes: `overlap.weights`, `overlap.kv`,
// `overlap.o_projection`, `overlap.arbitration`, `overlap.across_batches`, and
// `processor_array.attention_rows`, the array partition a head-streamed O projection
// needs); without any, an `overlap.weights` axis is added, innermost, with `none` and
// `next_op`. Each point is set against the point whose overlap axes all have their
// value with overlap off and whose other axes have the same values: the same trace on
// the same hardware (the same `kv_sram.prefetch_kib` among them, so the baseline has the
// same SRAM split and prefetches nothing). Beside the measured saving stands the hideable
// bound of the point's report (report.json `overlap.hideable_ns`) and the exclusive
// breakdown of its cycles.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "report/OverlapReport.h"
#include "sweep/Compare.h"
#include "sweep/SweepSpec.h"
#include "sweep/SweepSummary.h"

namespace skv::sweep {

inline constexpr const char* kOverlapAxis = "overlap.weights";
inline constexpr const char* kOverlapFile = "overlap.csv";  // compare --overlap

// An axis that chooses overlap, and its value with overlap off (the baseline's).
struct OverlapChoiceAxis {
  const char* key;
  const char* off;
};
inline constexpr OverlapChoiceAxis kOverlapChoiceAxes[] = {
    {"overlap.weights", "none"},
    {"overlap.kv", "none"},
    {"overlap.o_projection", "after_attention"},
    {"overlap.arbitration", "controller"},
    {"overlap.across_batches", "none"},
    // Set only beside o_projection: head_streamed (zip the two axes).
    {"processor_array.attention_rows", "0"},
};

// The sweep a `compare --overlap` command line describes: axes kv_len (if any), then
// overlap.weights with every choice. `in.algorithms`: one algorithm, or none (swiftkv).
SweepSpec overlap_spec(const CompareInputs& in);

// For `compare --overlap FILE`: adds the overlap.weights axis (innermost, every choice)
// to a sweep file with no overlap axis; each overlap axis a file has must list its value
// with overlap off (the baseline's).
void add_overlap_axis(SweepSpec& spec);

// One point set against its baseline, per decode step (trace row), in ms.
struct OverlapRow {
  std::optional<double> ms_per_token;
  std::optional<double> tokens_per_s;
  std::optional<double> dram_gb_per_s;
  std::optional<double> hideable_ms_per_token;  // 0 for the baseline
  // Under overlap.o_projection: head_streamed, the time its slices ran beside the
  // attention (report.json overlap.o_projection.beside_attention_ns): the most head
  // streaming can save; 0 otherwise.
  std::optional<double> o_beside_ms_per_token;
  std::optional<double> saved_ms_per_token;     // baseline - this; nullopt without baseline
  std::optional<double> saved_pct;              // of the baseline's time
  std::optional<report::ExclusiveBreakdown> breakdown;
};

class OverlapComparison {
 public:
  explicit OverlapComparison(SweepResults results);

  const SweepResults& results() const { return results_; }
  const OverlapRow& row(std::size_t index) const { return rows_[index]; }
  // overlap.csv: the other axes, the overlap axes, status, error, the figures of OverlapRow
  // and the breakdown's parts (cycles per step and %), then every figure of the report.
  std::vector<CsvField> fields() const;
  // The terminal table: one row per point, a failed one with its error.
  std::string table() const;

 private:
  SweepResults results_;
  std::vector<std::size_t> group_axes_;    // every axis but the overlap ones
  std::vector<const char*> off_values_;    // per overlap axis: its value with overlap off
  bool o_projection_axis_ = false;         // the table shows the slices' time beside
  std::vector<std::size_t> overlap_axes_;  // those of kOverlapChoiceAxes
  std::vector<OverlapRow> rows_;  // by point index
};

// Writes DIR/overlap.csv (atomically).
void write_overlap_comparison(const std::string& dir, const OverlapComparison& c);

}  // namespace skv::sweep
