// `swiftkv-sim run`: one decode trace through the accelerator.

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/Commands.h"
#include "common/BuildId.h"
#include "common/Error.h"
#include "common/InputFile.h"
#include "common/Interrupt.h"
#include "common/OutputPaths.h"
#include "common/Progress.h"
#include "common/StableHash.h"
#include "config/HwConfigLoader.h"
#include "config/ModelConfigLoader.h"
#include "config/ResolvedConfig.h"
#include "report/RunReport.h"
#include "report/StatsListing.h"
#include "report/Timeline.h"
#include "sim/FastMode.h"
#include "sim/Simulation.h"
#include "trace/ContextPolicy.h"
#include "trace/DecodeTrace.h"

namespace skv::cli {

namespace {

struct RunOptions {
  std::string hw;
  std::string model;
  std::string trace;
  std::string algo = "swiftkv";
  std::string out_dir = "out";
  bool quiet = false;
  bool all_figures = false;
  bool step_counters = false;
  std::string timeline;
  std::optional<std::uint64_t> timeline_batch;
  std::size_t timeline_bins = report::TimelineSettings::kDefaultMaxBins;
  std::uint64_t watchdog = sim::kDefaultWatchdogMultiple;
  std::string mode = "exact";
  std::string over_context = "stop";
  std::string cache_dir;  // default: $XDG_CACHE_HOME/swiftkv-sim, else ~/.cache/swiftkv-sim
  bool no_cache = false;
  std::uint64_t cache_limit_mib = sim::kDefaultCacheLimitBytes >> 20;
  std::uint32_t points_per_tile = sim::kDefaultPointsPerTile;
  unsigned jobs = 1;
  std::vector<std::string> fast_only_given;  // fast-mode options on the command line
  std::string energy;  // an energy preset: a .yaml path, or a name in <hw dir>/../energy
  bool dump_graph = false;
};

std::string default_cache_root() {
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x != nullptr && *x != '\0') {
    return std::string(x) + "/swiftkv-sim";
  }
  if (const char* h = std::getenv("HOME"); h != nullptr && *h != '\0') {
    return std::string(h) + "/.cache/swiftkv-sim";
  }
  return ".swiftkv-sim-cache";
}

// What a fast-mode sample depends on: every timing key of the resolved configs (defaults
// filled in, the DRAM preset inlined: config/ResolvedConfig.h), the algorithm and the
// build of the layers that decide a run's numbers (common/BuildId.h). Two files
// that differ only in comments, names or omitted defaults share their samples; a changed
// value or a rebuilt model gives another key: a miss, never a wrong hit.
std::string sample_key(const config::HwConfig& hw, const config::ModelConfig& model,
                       const char* algo) {
  StableHash h;
  h.add("config", config::resolved_config_hash(hw, model));
  h.add("algorithm", algo);
  h.add("build_id", build_id());
  return h.hex();
}

int run(const RunOptions& o) {
  const bool fast = o.mode == "fast";
  if (!fast && !o.fast_only_given.empty()) {
    throw InputError(fmt::format("{}: only the fast mode has {}; add --mode fast",
                                 fmt::join(o.fast_only_given, ", "),
                                 o.fast_only_given.size() == 1 ? "it" : "them"));
  }
  const config::HwConfig hw = config::load_hw_config(o.hw);
  const config::ModelConfig model = config::load_model_config(o.model);
  std::optional<config::EnergyConfig> energy;
  if (!o.energy.empty()) {
    energy = config::load_energy_config(
        o.energy, (std::filesystem::path(o.hw).parent_path() / ".." / "energy").string());
  }
  trace::TraceInput input(o.trace);
  input.over_context = o.over_context == "skip"   ? trace::OverContext::Skip
                       : o.over_context == "clip" ? trace::OverContext::Clip
                                                  : trace::OverContext::Stop;
  // Read once before simulating: a row past the context stops the run here (stop), or
  // names the requests to drop (skip); a batch larger than the hardware's KV slots, or a
  // --timeline-batch the trace does not have, stops it too.
  bool timeline_batch_found = !o.timeline_batch.has_value();
  std::vector<trace::DecodeStep> first_rows;  // for --dump-graph
  trace::TraceScan scan = trace::scan_trace(
      o.trace, model.max_context, input.over_context, model.name,
      [&](const std::vector<trace::DecodeStep>& rows) {
        if (rows.size() > hw.memory.max_batch) sim::check_batch_rows(rows, o.trace, model, hw);
        if (first_rows.empty()) first_rows = rows;
        if (o.timeline_batch && rows.front().batch == *o.timeline_batch) timeline_batch_found = true;
      });
  const std::uint64_t total = scan.rows;
  input.over_context_requests = std::move(scan.over_context_requests);
  // SIGINT or SIGTERM ends the trace before its next batch: what ran is kept, and marked.
  install_interrupt_handlers(
      "swiftkv-sim: interrupted: finishing the batch in progress, then writing what ran "
      "(the same signal again stops at once, writing nothing more)\n");
  input.stop_requested = [] { return interrupt_requested(); };
  if (total == 0) {
    throw InputError(fmt::format("{}: the trace has no decode steps (a header and no rows)", o.trace));
  }
  tlmx::AttentionAlgo algo = tlmx::AttentionAlgo::SwiftKV;
  for (auto a : tlmx::kAttentionAlgos) {
    if (o.algo == tlmx::attention_algo_name(a)) algo = a;
  }
  if (o.dump_graph) {
    fmt::print(
        "# operation graph of layer 0{} and the LM head, batch {} of {} ({} rows), "
        "overlap.weights = {}, overlap.kv = {}, overlap.o_projection = {}\n# id name [unit] <- "
        "predecessor(edge kind) ...\n{}",
        hw.overlap.kv != config::KvOverlap::None && model.layers > 1 ? " (and 1)" : "",
        first_rows.front().batch, o.trace, first_rows.size(),
        config::weight_overlap_name(hw.overlap.weights), config::kv_overlap_name(hw.overlap.kv),
        config::o_projection_name(hw.overlap.o_projection),
        sim::describe_layer_graph(model, hw, first_rows, algo));
    return 0;
  }
  if (!o.timeline.empty() && !timeline_batch_found) {
    throw InputError(fmt::format("--timeline-batch: batch {} is not in {}", *o.timeline_batch, o.trace));
  }

  // No output over an input; then no result of an earlier run left beside this one's.
  const std::vector<std::pair<std::string, std::string>> inputs = {
      {"--hw", o.hw}, {"--model", o.model}, {"--trace", o.trace}};
  const std::string json_path = o.out_dir + "/report.json";
  const std::string csv_path = o.out_dir + "/steps.csv";
  refuse_output_over_input(json_path, "the report", inputs);
  refuse_output_over_input(csv_path, "the steps file", inputs);
  if (!o.timeline.empty()) {
    refuse_output_over_input(o.timeline, "--timeline", inputs);
    refuse_output_over_input(o.timeline, "--timeline", {{"report", json_path}, {"steps file", csv_path}});
  }
  const OutputDirLock out_lock(o.out_dir, "run");  // creates the directory
  std::error_code ec;
  std::filesystem::remove(json_path, ec);
  std::filesystem::remove(o.out_dir + "/timeline-batch.trace", ec);
  const tlmx::ClockDomain clock(hw.clock_mhz);
  report::StepCsvWriter csv(csv_path, clock.period_ps(), o.step_counters,
                            energy ? &*energy : nullptr, &hw);
  Progress progress("run: decode steps", total, o.quiet);
  std::uint64_t done = 0;

  const auto wall_start = std::chrono::steady_clock::now();
  report::TimelineSettings timeline_settings;
  timeline_settings.batch = o.timeline_batch;
  timeline_settings.accel_period_ps = clock.period_ps();
  timeline_settings.dram_channels = hw.dram.org.channels;
  timeline_settings.dram_burst_bytes = hw.dram.org.burst_bytes();
  timeline_settings.max_bins = o.timeline_bins;
  report::Timeline timeline(timeline_settings);
  // Without --timeline no unit has a recorder: their hooks are one untaken branch each.
  tlmx::ActivityRecorder* recorder = o.timeline.empty() ? nullptr : &timeline;
  sim::DecodeSequencer::OpSink op_sink;
  if (!o.timeline.empty()) op_sink = [&timeline](const sim::OpRecord& op) { timeline.add(op); };
  // The fast mode simulates no step whole: it keeps the timeline batch's rows, and
  // simulates that batch exactly after the run (below).
  std::vector<trace::DecodeStep> timeline_rows;
  auto on_batch = [&](const sim::BatchResult& b) {
    if (o.mode == "fast" && !o.timeline.empty() && timeline_rows.empty() &&
        b.rows->front().batch == o.timeline_batch.value_or(b.rows->front().batch)) {
      timeline_rows = *b.rows;
    }
    csv.write(b);
    done += b.rows->size();
    progress.update(done);
  };
  sim::FastOptions fast_options;
  fast_options.points_per_tile = o.points_per_tile;
  fast_options.jobs = o.jobs;
  if (fast && !o.no_cache) {
    fast_options.cache_root = o.cache_dir.empty() ? default_cache_root() : o.cache_dir;
    fast_options.cache_dir =
        fast_options.cache_root + "/" + sample_key(hw, model, tlmx::attention_algo_name(algo));
    fast_options.cache_limit_bytes = o.cache_limit_mib << 20;
  }
  const sim::RunResult r =
      fast ? sim::run_fast(hw, model, input, algo, on_batch, fast_options)
           : sim::run_simulation(hw, model, input, algo, on_batch, op_sink, o.watchdog, recorder);
  progress.finish();
  const double wall_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();

  nlohmann::json j = report::run_report(hw, model, r, energy ? &*energy : nullptr);
  if (r.stopped) {
    j["complete"] = false;
    j["interrupted"] = {{"signal", interrupt_signal_name(interrupt_signal())},
                        {"steps_done", r.steps},
                        {"steps_in_trace", total}};
  }
  std::ofstream out(json_path);
  out << j.dump(2) << '\n';
  out.close();
  if (!out) throw InputError(write_error(json_path, "the report", errno));

  std::string timeline_trace;
  if (fast && !timeline_rows.empty() && !r.stopped) {
    // The timeline's batch, simulated exactly on its own, from an idle accelerator (as an
    // exact run's first batch is): its trace is kept beside the report to run again.
    timeline_trace = o.out_dir + "/timeline-batch.trace";
    trace::DecodeTraceWriter w(
        timeline_trace,
        {fmt::format("batch {} of {}, simulated exactly for --timeline", timeline_rows.front().batch,
                     o.trace)});
    for (const auto& row : timeline_rows) w.write(row);
    w.close();
    sim::run_simulation(hw, model, trace::TraceInput(timeline_trace), algo,
                        [](const sim::BatchResult&) {}, op_sink, o.watchdog, recorder);
  }
  if (!o.timeline.empty() && !timeline.empty() && !(fast && r.stopped)) {
    std::ofstream tl(o.timeline);
    tl << timeline.to_json().dump() << '\n';
    tl.close();
    if (!tl) throw InputError(write_error(o.timeline, "the timeline", errno));
  }
  fmt::print("{}", report::run_summary(j));
  if (o.all_figures) fmt::print("{}", report::all_figures_text(j));
  fmt::print("  wall time           {:.2f} s ({:.3g} decode steps/s simulated)\n", wall_s,
             wall_s > 0 ? static_cast<double>(r.steps) / wall_s : 0.0);
  if (r.fast) {
    fmt::print("  fast mode samples   {:.2f} s simulating samples; sample cache: {} hits, {} misses\n",
               r.fast->sample_wall_s, r.fast->cache_hits, r.fast->cache_misses);
  }
  fmt::print("  wrote               {} and {}/steps.csv\n", json_path, o.out_dir);
  const bool timeline_written = !o.timeline.empty() && !timeline.empty() && !(fast && r.stopped);
  if (timeline_written) {
    fmt::print("  timeline            {}{}\n", o.timeline,
               timeline_trace.empty()
                   ? std::string()
                   : fmt::format(" (batch {} simulated exactly from an idle accelerator: {})",
                                 timeline.batch(), timeline_trace));
  }
  if (r.stopped) {
    fmt::print(stderr,
               "swiftkv-sim: run interrupted by {}: {} of {} decode steps ran; {} and {} hold "
               "them, marked incomplete (\"complete\": false){}\n",
               interrupt_signal_name(interrupt_signal()), r.steps, total, json_path, csv_path,
               !o.timeline.empty() && !timeline_written ? "; no timeline: its batch did not run"
                                                        : "");
    return interrupted_exit_code(interrupt_signal());
  }
  return 0;
}

std::vector<std::string> algorithm_names() {
  std::vector<std::string> names;
  for (auto a : tlmx::kAttentionAlgos) names.emplace_back(tlmx::attention_algo_name(a));
  return names;
}

}  // namespace

void add_run_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<RunOptions>();
  CLI::App* sub = app.add_subcommand("run", "Run a decode trace through the accelerator");
  sub->add_option("--hw", o->hw, "Hardware config (configs/hw/*.yaml)")->required();
  sub->add_option("--model", o->model, "Model description (configs/models/*.yaml)")->required();
  sub->add_option("--trace", o->trace, "Decode trace (docs/formats.md)")->required();
  sub->add_option("--algo", o->algo, "Attention algorithm")
      ->check(CLI::IsMember(algorithm_names()))
      ->capture_default_str();
  sub->add_option("-o,--out", o->out_dir, "Output directory for report.json and steps.csv")
      ->capture_default_str();
  sub->add_flag("-q,--quiet", o->quiet, "No progress output");
  sub->add_flag("--all-figures", o->all_figures,
                "After the summary, print every counter and derived figure of the report "
                "(`swiftkv-sim stats` describes them)");
  sub->add_option("--energy", o->energy,
                  "Energy preset: a .yaml file, or a name in configs/energy beside the hardware "
                  "config's folder (e.g. u55c); adds the report's `energy` group and steps.csv's "
                  "energy_j (docs/energy.md). Default: none, no energy figures");
  sub->add_flag("--dump-graph", o->dump_graph,
                "Print the operation graph of the trace's first batch (layer 0, also layer 1 "
                "under overlap.kv, and the LM head) with its edges, and exit without simulating");
  sub->add_flag("--step-counters", o->step_counters,
                "Add to steps.csv a column per counter (each unit's sums and integrals): what "
                "the row's batch added to it");
  CLI::Option* timeline = sub->add_option(
      "--timeline", o->timeline, "Write one decode step as a Chrome/Perfetto trace-event JSON file");
  sub->add_option("--timeline-batch", o->timeline_batch,
                  "Batch id of the step to put on the timeline (default: the first)");
  sub->add_option("--timeline-bins", o->timeline_bins,
                  "At most this many time bins for the timeline's DRAM activity and counters "
                  "(the bin width doubles until the step fits; docs/formats.md)")
      ->check(CLI::Range(std::size_t{16}, std::size_t{100000}))
      ->capture_default_str()
      ->needs(timeline);
  sub->add_option("--watchdog", o->watchdog,
                  "Stop with an error if a batch takes more than this many times (its roofline "
                  "bound + 1000 cycles)")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1000000}))
      ->capture_default_str();
  sub->add_option("--mode", o->mode,
                  "exact: every burst simulated; fast: steps assembled from measured samples "
                  "(docs/fast-mode.md)")
      ->check(CLI::IsMember({"exact", "fast"}))
      ->capture_default_str();
  sub->add_option("--over-context", o->over_context,
                  "Rows past the model's context: stop (before simulating), skip their requests, "
                  "or clip them to the last position")
      ->check(CLI::IsMember({"stop", "skip", "clip"}))
      ->capture_default_str();
  sub->add_option("--cache-dir", o->cache_dir,
                  "Fast mode: where samples are kept between runs (default: "
                  "$XDG_CACHE_HOME/swiftkv-sim or ~/.cache/swiftkv-sim)");
  sub->add_flag("--no-cache", o->no_cache, "Fast mode: neither read nor write the sample cache");
  sub->add_option("--cache-limit-mib", o->cache_limit_mib,
                  "Fast mode: the oldest samples go once the cache holds more than this")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 30))
      ->capture_default_str();
  sub->add_option("--fast-points-per-tile", o->points_per_tile,
                  "Fast mode: attention samples per K/V tile of KV length")
      ->check(CLI::Range(std::uint32_t{1}, std::uint32_t{1024}))
      ->capture_default_str();
  sub->add_option("-j,--jobs", o->jobs,
                  "Fast mode: samples simulated at once, each in a process of its own (the "
                  "outputs do not depend on it)")
      ->check(CLI::Range(1u, 256u))
      ->capture_default_str();
  sub->callback([o, sub, &exit_code] {
    for (const char* name :
         {"--cache-dir", "--no-cache", "--cache-limit-mib", "--fast-points-per-tile", "--jobs"}) {
      if (sub->count(name) > 0) o->fast_only_given.emplace_back(name);
    }
    exit_code = run(*o);
  });
}

}  // namespace skv::cli
