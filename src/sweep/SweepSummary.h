#pragma once
// The results of a sweep read back from its output directory (or the directories of its
// shards) and the summary CSV, one row per point in index order. The rows depend only on
// the points' inputs and reports, so the file is byte-identical whatever -j or sharding.

#include <cstddef>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sweep/SweepFiles.h"

namespace skv::sweep {

struct PointResult {
  std::size_t index = 0;
  std::string dir;  // NNNN-name
  std::string algorithm;
  std::vector<std::string> values;  // per axis, in SweepResults::axis_keys order
  PointState state = PointState::Pending;
  std::string error;        // when failed
  std::string report_path;  // when done
  nlohmann::json report;    // report.json when done, else null
};

struct SweepResults {
  std::string name;
  std::vector<std::string> axis_keys;
  std::vector<PointResult> points;  // every point of the sweep, by index
};

// Reads DIR/sweep.json of each directory (they must hold the same sweep: its shards, or
// re-runs) and takes each point from a directory where it is done, else one where it
// failed; a point none of them has run is pending.
SweepResults collect_results(const std::vector<std::string>& dirs);

// A CSV column: header and rows come from one list of these.
struct CsvField {
  std::string name;
  std::function<std::string(const PointResult&)> value;
};

// RFC 4180: quoted when it holds a comma, a quote or a line break.
std::string csv_escape(const std::string& s);
std::string render_csv(const std::vector<CsvField>& fields, const std::vector<PointResult>& rows);

// A headline figure of a point's report.json (docs/sweeps.md lists them): the name, and
// its value as CSV text ("" unless the point is done).
CsvField figure_field(const std::string& name);
// Every figure, in sweep.csv order.
std::vector<std::string> figure_names();
// A figure's value as a number (0 unless done), e.g. for speedups.
double figure_value(const PointResult& p, const std::string& name);

// Every number and word of the points' reports, one column each, named by its path in
// report.json ("dram.row_hits", "dram.read_latency_cycles.p99"): every counter of the
// stats registry and every derived figure, with no list kept here. Columns are the union
// over the done points, in report.json's (sorted) order; a point without one leaves it
// empty. Left out: the inputs and the resolved configs (the axes say what varies).
std::vector<CsvField> report_fields(const std::vector<PointResult>& points);

// sweep.csv: index, point, one column per axis (the algorithm axis as `algorithm`, which
// is always there), status, error, every headline figure, then report_fields.
std::vector<CsvField> summary_fields(const SweepResults& results);

// Writes DIR/sweep.csv (atomically).
void write_summary(const std::string& dir, const SweepResults& results);

}  // namespace skv::sweep
