#pragma once
// The files of a sweep's output directory (docs/sweeps.md, "Output"), written so that a
// kill at any moment leaves nothing half-written that a later run would count as done:
// every file is written to a temporary name and renamed into place, and a point's
// `status` file, renamed last, is what says it is done.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/StableHash.h"

namespace skv::sweep {

// DIR/
inline constexpr const char* kManifestFile = "sweep.json";  // the points of the sweep
inline constexpr const char* kSummaryFile = "sweep.csv";    // one row per point
inline constexpr const char* kCompareFile = "compare.csv";  // compare: one row per point
inline constexpr const char* kPointsDir = "points";
// DIR/points/NNNN-name/
inline constexpr const char* kHwFile = "hw.yaml";
inline constexpr const char* kTraceFile = "decode.trace";  // when the sweep generates it
inline constexpr const char* kReportFile = "report.json";
inline constexpr const char* kStepsFile = "steps.csv";
inline constexpr const char* kLogFile = "run.log";  // the run's stdout and stderr
inline constexpr const char* kStatusFile = "status";
inline constexpr const char* kRunTmpDir = "run.tmp";  // where the run writes, until done

std::string read_text_file(const std::string& path);
// Writes `content` to a temporary file beside `path`, flushes it to disk and renames it
// over `path`: readers see the old file or the new one, never a part.
void write_file_atomic(const std::string& path, const std::string& content);

// The hash of a file's contents, read in blocks (a trace may be large).
std::string hash_file(const std::string& path);

enum class PointState { Pending, Done, Failed };
const char* point_state_name(PointState s);  // "pending", "done", "failed"

// The `status` file: the state on the first line (so `head -1` tells), then
//   inputs_hash: <hex>
//   error: <the run's one-line error>       (failed only)
struct PointStatus {
  PointState state = PointState::Pending;
  std::string inputs_hash;
  std::string error;
};
std::string format_status(const PointStatus& s);
// nullopt when the text is not a status file (e.g. damaged by hand).
std::optional<PointStatus> parse_status(const std::string& text);

// Whether a point whose inputs now hash to `inputs_hash` counts as done (skipped on a
// re-run), failed, or still to run. Only a status recorded for these same inputs counts,
// and done needs the report too.
PointState resume_state(const std::optional<PointStatus>& recorded, const std::string& inputs_hash,
                        bool report_exists);

// resume_state() of a point directory, with the recorded error when failed.
PointStatus read_point_status(const std::string& point_dir, const std::string& inputs_hash);

}  // namespace skv::sweep
