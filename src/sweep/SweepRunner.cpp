#include "sweep/SweepRunner.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <string_view>

#include "common/BuildId.h"
#include "common/Error.h"
#include "common/OutputPaths.h"
#include "common/Progress.h"
#include "config/EnergyConfig.h"
#include "config/HwConfigLoader.h"
#include "config/ModelConfigLoader.h"
#include "config/ResolvedConfig.h"
#include "sweep/HwOverlay.h"
#include "sweep/ProcessPool.h"
#include "sweep/SweepFiles.h"

namespace skv::sweep {

namespace fs = std::filesystem;

namespace {

inline constexpr int kManifestVersion = 1;

std::string absolute(const std::string& p) {
  return fs::absolute(fs::path(p)).lexically_normal().string();
}

std::string describe_generate(const trace::GenerateOptions& g) {
  return fmt::format("generate requests={} prompt_tokens={} generate_tokens={} batch={}",
                     g.requests, g.prompt_tokens, g.generate_tokens, g.batch_size);
}

// Makes a point's directory ready to run: its inputs written, anything from an earlier
// run removed first (the status before all else, so that nothing left counts as done).
void prepare_point(const fs::path& dir, const PlannedPoint& p) {
  fs::create_directories(dir);
  for (const char* f : {kStatusFile, kReportFile, kStepsFile, kLogFile, kTraceFile}) {
    fs::remove(dir / f);
  }
  fs::remove_all(dir / kRunTmpDir);
  for (const auto& e : fs::directory_iterator(dir)) {  // temporaries of a killed sweep
    if (e.path().filename().string().find(".tmp.") != std::string::npos) fs::remove(e.path());
  }
  write_file_atomic((dir / kHwFile).string(), p.hw_header + p.hw_yaml);
  if (p.generate) {
    const fs::path tmp = dir / (std::string(kTraceFile) + ".tmp");
    trace::generate_trace(*p.generate, tmp.string());
    fs::rename(tmp, dir / kTraceFile);
  }
}

}  // namespace

nlohmann::json SweepPlan::manifest() const {
  nlohmann::json pts = nlohmann::json::array();
  for (const auto& p : points) {
    nlohmann::json values = nlohmann::json::object();
    for (std::size_t i = 0; i < axis_keys.size(); ++i) values[axis_keys[i]] = p.values[i];
    pts.push_back({{"index", p.index},
                   {"dir", p.dir_name},
                   {"algorithm", p.algorithm},
                   {"values", values},
                   {"inputs_hash", p.inputs_hash}});
  }
  return {{"report", "swiftkv-sim sweep"},
          {"format_version", kManifestVersion},
          {"name", name},
          {"sweep_file", sweep_file},
          {"hw_config", hw_file},
          {"model_config", model_file},
          {"mode", mode},
          {"schema_version", config::schema_version()},
          {"build_id", build_id()},
          {"axes", axis_keys},
          {"points", pts}};
}

SweepPlan plan_sweep(const SweepSpec& spec) {
  check_sweep_spec(spec);
  // Each value against its key's type and range, once per axis: a typo is one error at
  // the sweep file's line, not a failed point per value.
  for (const Axis* a : spec.axes()) {
    if (!a->is_hw_key()) continue;
    for (const auto& v : a->values) check_axis_value(a->key, v, a->where);
  }
  // The fixed inputs first: a broken base config is one error, not a failure per point.
  config::load_hw_config(spec.hw_file);
  config::load_model_config(spec.model_file);
  std::string trace_hash;
  if (!spec.trace.file.empty()) {
    trace::count_trace_rows(spec.trace.file);
    trace_hash = "file " + hash_file(spec.trace.file);
  }
  const std::string model_hash = hash_file(spec.model_file);
  // An energy preset by name is found beside the base hardware config (configs/energy), as
  // `run --energy` finds it; each point's run gets the file's absolute path.
  std::string energy_file;
  if (!spec.energy.empty()) {
    const std::string dir =
        (std::filesystem::path(spec.hw_file).parent_path() / ".." / "energy").string();
    energy_file = absolute(config::load_energy_config(spec.energy, dir).source_file);
  }

  SweepPlan plan;
  plan.energy_file = energy_file;
  plan.name = spec.name;
  plan.sweep_file = spec.source_file;
  plan.hw_file = spec.hw_file;
  plan.mode = spec.mode;
  plan.model_file = absolute(spec.model_file);
  const std::vector<const Axis*> axes = spec.axes();
  for (const Axis* a : axes) plan.axis_keys.push_back(a->key);

  const HwOverlay overlay(spec.hw_file);
  for (const PointValues& v : expand_points(spec)) {
    PlannedPoint p;
    p.index = v.index;
    p.dir_name = point_dir_name(spec, v);
    p.values = v.values;
    p.algorithm = spec.algorithm;
    std::string set_lines;
    for (std::size_t i = 0; i < axes.size(); ++i) {
      if (axes[i]->key == kAlgorithmAxis) p.algorithm = v.values[i];
      if (axes[i]->is_hw_key()) set_lines += fmt::format("#   {}: {}\n", axes[i]->key, v.values[i]);
    }
    p.hw_yaml = overlay.render(axes, v.values);
    p.hw_header = fmt::format(
        "# Point {} of sweep '{}' ({}), written by swiftkv-sim sweep:\n"
        "# the hardware config {}{}\n{}"
        "# and a DRAM preset, if it names one, inlined.\n",
        p.dir_name, spec.name, spec.source_file, spec.hw_file, set_lines.empty() ? "" : " with",
        set_lines);
    if (spec.trace.file.empty()) {
      trace::GenerateOptions g = spec.trace.generate;
      for (std::size_t i = 0; i < axes.size(); ++i) {
        if (axes[i]->key == kKvLenAxis) g.prompt_tokens = std::stoull(v.values[i]);
      }
      p.generate = g;
    } else {
      p.trace_file = absolute(spec.trace.file);
    }
    StableHash h;
    h.add("hw", p.hw_yaml);
    h.add("trace", p.generate ? describe_generate(*p.generate) : trace_hash);
    h.add("model", model_hash);
    h.add("algorithm", p.algorithm);
    // The mode joins a fast point's hash only: an exact point's does without it.
    if (spec.mode != "exact") h.add("mode", spec.mode);
    if (!energy_file.empty()) h.add("energy", hash_file(energy_file));
    // The same files may mean other keys, defaults or timing to another build: a point
    // run by another schema or build runs again rather than mix its results with ours.
    h.add("schema_version", config::schema_version());
    h.add("build_id", build_id());
    p.inputs_hash = h.hex();
    plan.points.push_back(std::move(p));
  }
  return plan;
}

std::string run_error_from_log(const std::string& log_text, const std::string& how_it_ended) {
  static constexpr std::string_view kPrefix = "swiftkv-sim: error: ";
  std::istringstream in(log_text);
  std::string line;
  std::string error;
  std::string last;
  while (std::getline(in, line)) {
    // Progress lines redrawn in place end in '\r' segments: keep the last segment.
    const auto cr = line.rfind('\r');
    if (cr != std::string::npos) line = line.substr(cr + 1);
    if (line.rfind(kPrefix, 0) == 0) error = line.substr(kPrefix.size());
    if (!line.empty()) last = line;
  }
  if (!error.empty()) return error;
  return last.empty() ? how_it_ended : fmt::format("{}; last output: {}", how_it_ended, last);
}

namespace {

// The simulator binary by its real path, so that `ps` and `pkill` see point processes as
// swiftkv-sim rather than "exe"; /proc/self/exe itself if the binary is gone (rebuilt).
std::string executable(const std::string& exe) {
  std::error_code ec;
  const fs::path real = fs::read_symlink(exe, ec);
  if (ec || !fs::exists(real, ec)) return exe;
  return real.string();
}

}  // namespace

SweepTally run_sweep(const SweepPlan& plan, const SweepRunOptions& o) {
  const fs::path out(o.out_dir);
  const fs::path points_dir = out / kPointsDir;
  std::error_code ec;
  fs::create_directories(points_dir, ec);
  if (ec)
    throw InputError(
        fmt::format("{}: cannot create output directory: {}", o.out_dir, ec.message()));
  const OutputDirLock out_lock(o.out_dir, "sweep");
  write_file_atomic((out / kManifestFile).string(), plan.manifest().dump(2) + "\n");
  // A summary from an earlier run would look current if this one is stopped before it
  // writes its own: it goes now, and comes back when the run (or a resumed one) finishes.
  fs::remove(out / kSummaryFile, ec);
  fs::remove(out / kCompareFile, ec);

  SweepTally tally;
  tally.points = plan.points.size();
  std::vector<const PlannedPoint*> to_run;
  for (const auto& p : plan.points) {
    if (!o.shard.selects(p.index)) continue;
    ++tally.selected;
    const PointStatus s = read_point_status((points_dir / p.dir_name).string(), p.inputs_hash);
    if (s.state == PointState::Done) {
      ++tally.skipped;
    } else {
      to_run.push_back(&p);
    }
  }

  std::vector<ProcessJob> jobs;
  for (const PlannedPoint* p : to_run) {
    const fs::path dir = points_dir / p->dir_name;
    prepare_point(dir, *p);
    ProcessJob job;
    job.argv = {"swiftkv-sim", "run",
                "--hw",        kHwFile,
                "--model",     plan.model_file,
                "--trace",     p->generate ? std::string(kTraceFile) : p->trace_file,
                "--algo",      p->algorithm,
                "--mode",      plan.mode,
                "-o",          kRunTmpDir,
                "-q"};
    // A fast point simulates its samples with the cores that the points leave it
    // (sweep -j over the points to run): the same outputs, sooner when points are few.
    if (plan.mode == "fast") {
      job.argv.push_back("-j");
      job.argv.push_back(std::to_string(std::max<std::size_t>(1, o.jobs / to_run.size())));
    }
    if (!plan.energy_file.empty()) {
      job.argv.push_back("--energy");
      job.argv.push_back(plan.energy_file);
    }
    job.cwd = dir.string();
    job.log_path = kLogFile;
    jobs.push_back(std::move(job));
  }

  Progress progress(fmt::format("sweep {}: points", plan.name), jobs.size(), o.quiet);
  std::size_t finished = 0;
  std::vector<std::pair<std::size_t, std::string>> failures;
  const auto on_done = [&](std::size_t i, const ProcessOutcome& outcome) {
    const PlannedPoint& p = *to_run[i];
    const fs::path dir = points_dir / p.dir_name;
    if (!outcome.ok() && o.stop && o.stop()) {
      // Stopped with the sweep: not a failure, and not done; a resumed sweep runs it.
      fs::remove_all(dir / kRunTmpDir);
      ++tally.stopped;
      return;
    }
    PointStatus status;
    status.inputs_hash = p.inputs_hash;
    if (outcome.ok() && fs::exists(dir / kRunTmpDir / kReportFile)) {
      // The results into place, then the status that says they are there.
      if (fs::exists(dir / kRunTmpDir / kStepsFile)) {
        fs::rename(dir / kRunTmpDir / kStepsFile, dir / kStepsFile);
      }
      fs::rename(dir / kRunTmpDir / kReportFile, dir / kReportFile);
      fs::remove_all(dir / kRunTmpDir);
      status.state = PointState::Done;
      ++tally.ran;
    } else {
      status.state = PointState::Failed;
      const std::string log =
          fs::exists(dir / kLogFile) ? read_text_file((dir / kLogFile).string()) : std::string();
      status.error =
          run_error_from_log(log, outcome.ok() ? "the run wrote no report.json"
                                               : "the run ended with " + outcome.describe());
      ++tally.failed;
      failures.emplace_back(p.index, p.dir_name + ": " + status.error);
    }
    write_file_atomic((dir / kStatusFile).string(), format_status(status));
    progress.update(++finished);
  };
  const std::size_t started = run_processes(executable(o.exe), jobs, o.jobs, on_done, o.stop);
  tally.stopped += jobs.size() - started;
  progress.finish();
  std::sort(failures.begin(), failures.end());
  for (auto& f : failures) tally.failures.push_back(std::move(f.second));
  return tally;
}

}  // namespace skv::sweep
