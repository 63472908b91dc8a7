#pragma once
// A sweep description (docs/sweeps.md): a base hardware config, a model, a decode trace
// (a file, or generated), an attention algorithm, and axes whose cross product gives the
// points. Parsing checks the file's own schema and that each axis key is a key of the
// hardware config's schema (HwOverlay.h: hw_axis_key); the axis values are checked against
// their keys when the sweep is planned (SweepRunner.h: plan_sweep).

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "models/tlm/AttentionAlgo.h"
#include "trace/DecodeTrace.h"

namespace skv::sweep {

// Axes that are not keys of the hardware config.
inline constexpr const char* kAlgorithmAxis = "algorithm";  // run --algo
inline constexpr const char* kKvLenAxis = "kv_len";         // prompt tokens of the generated trace
// The attention algorithms `run --algo` accepts are tlmx::kAttentionAlgos, named by
// tlmx::attention_algo_name (models/tlm/AttentionAlgo.h).
inline constexpr const char* kDefaultAlgorithm =
    tlmx::attention_algo_name(tlmx::AttentionAlgo::SwiftKV);
// Guards against a range typo that would start a million simulations.
inline constexpr std::size_t kMaxAxisValues = 10000;
inline constexpr std::size_t kMaxPoints = 100000;

// Where a value was written, so that an error found later still names its place:
// "<file>:<line>: <key path>: <reason>", as config::Node does.
struct SourceRef {
  std::string file;
  int line = 0;
  std::string key_path;
  [[noreturn]] void fail(const std::string& reason) const;
};

struct Axis {
  std::string key;                  // dotted hardware-config key, or kAlgorithmAxis / kKvLenAxis
  std::vector<std::string> values;  // scalars, as written into the point's config
  SourceRef where;

  bool is_hw_key() const { return key != kAlgorithmAxis && key != kKvLenAxis; }
};

// One axis alone, or the axes of a `zip:` group, which take their i-th values together.
struct AxisGroup {
  std::vector<Axis> axes;
  std::size_t size() const { return axes.empty() ? 0 : axes.front().values.size(); }
};

struct TraceSpec {
  std::string file;                 // a decode trace file; empty: generated per point
  trace::GenerateOptions generate;  // used when `file` is empty
  bool prompt_from_kv_len = false;  // a kv_len axis sets generate.prompt_tokens
};

struct SweepSpec {
  std::string source_file;  // the sweep file as given; names the place in errors
  std::string name;
  std::string hw_file;  // paths as resolved against the sweep file's directory
  std::string model_file;
  TraceSpec trace;
  std::string algorithm = kDefaultAlgorithm;  // unless an algorithm axis sets it
  std::string mode = "exact";                 // run --mode: exact or fast
  std::string energy;  // run --energy for every point: a preset name or file ("": none)
  std::vector<AxisGroup> groups;              // first group outermost in the cross product

  // Every axis in column order (groups in order, a zip group's axes in order).
  std::vector<const Axis*> axes() const;
  const Axis* find_axis(const std::string& key) const;
  std::size_t point_count() const;
};

// Reads a sweep file; relative paths in it are taken from the file's directory.
SweepSpec load_sweep_spec(const std::string& path);
// The same from text (tests): relative paths are taken from `base_dir`.
SweepSpec parse_sweep_spec(const std::string& text, const std::string& source_name,
                           const std::string& base_dir);

// Checks a spec built in code (compare): axis keys, values and their combinations, with
// the same rules and messages as a sweep file. load/parse_sweep_spec call it too.
void check_sweep_spec(const SweepSpec& spec);

// The values of a range {from, to, step} (arithmetic) or {from, to, factor} (geometric),
// both ends included when reached. Integers stay integers; other numbers are printed with
// 12 significant digits. `where` names the range in errors.
std::vector<std::string> expand_range(const std::string& from, const std::string& to,
                                      const std::string& step, const std::string& factor,
                                      const SourceRef& where);

// One point: its index in the cross product and each axis's value in axes() order.
struct PointValues {
  std::size_t index = 0;
  std::vector<std::string> values;
};

// All points, by index: the last group varies fastest.
std::vector<PointValues> expand_points(const SweepSpec& spec);

// The point's directory name: its zero-padded index and its values, e.g.
// "0003-rows64-cols64-native". Only [A-Za-z0-9._-] appear.
std::string point_dir_name(const SweepSpec& spec, const PointValues& p);

// --shard K/N: this process runs the points with index % N == K - 1.
struct Shard {
  std::uint64_t k = 1;
  std::uint64_t n = 1;
  bool selects(std::size_t index) const { return index % n == k - 1; }
};
Shard parse_shard(const std::string& text);

}  // namespace skv::sweep
