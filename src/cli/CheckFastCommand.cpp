// `swiftkv-sim check-fast MATRIX.yaml -o DIR`: the fast mode against the exact mode,
// step by step, over a matrix of models, hardware, algorithms and starting KV lengths
// (docs/fast-mode.md). Each run is a process of its own (run --mode exact|fast), up to
// -j at a time; a run whose report.json is complete is not run again, so a stopped check
// resumes where it stopped. --only picks cases by name; --table reads what a check (even a
// running one) has finished, without running or writing anything.

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <fnmatch.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli/Commands.h"
#include "common/Error.h"
#include "common/Interrupt.h"
#include "common/OutputPaths.h"
#include "config/ConfigNode.h"
#include "models/tlm/AttentionAlgo.h"
#include "models/tlm/Ops.h"
#include "sweep/ProcessPool.h"
#include "trace/DecodeTrace.h"

namespace skv::cli {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Bounds (docs/fast-mode.md).
constexpr double kWorstStepPct = 0.5;
constexpr double kMeanPct = 0.1;
constexpr double kUtilisationPoints = 0.5;
constexpr double kMaxSampleSharePct = 10.0;

struct Case {
  std::string name;  // also its directory
  std::string hw;
  std::string model;
  std::string algo;
  std::uint64_t kv = 0;
  std::uint64_t batch = 1;
  std::uint64_t steps = 0;
  // Bounds: the larger of 0.5% (0.5 points for a utilisation) and twice exact mode's own
  // step-to-step spread at a fixed KV length, in percent (points).
  bool small = false;
};

std::vector<std::string> words(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

std::vector<Case> load_matrix(const std::string& path) {
  config::Node root = config::Node::load_file(path);
  const fs::path dir = fs::path(path).parent_path();
  const std::uint64_t steps = root.get_uint_or("steps", 2, 100000, 64);
  std::vector<Case> cases;
  for (config::Node p : root.sequence("points")) {
    const std::string name = p.get_string("name");
    const std::string hw = (dir / p.get_string("hw")).lexically_normal().string();
    const std::string model = (dir / p.get_string("model")).lexically_normal().string();
    std::vector<std::string> algos = words(p.get_string("algorithms"));
    for (const std::string& a : algos) {
      bool known = false;
      for (auto k : tlmx::kAttentionAlgos) known = known || a == tlmx::attention_algo_name(k);
      if (!known) p.fail("algorithms", fmt::format("unknown algorithm '{}'", a));
    }
    std::vector<std::uint64_t> kvs;
    for (const std::string& w : words(p.get_string("kv"))) {
      char* end = nullptr;
      const unsigned long long v = std::strtoull(w.c_str(), &end, 10);
      if (w.empty() || *end != '\0' || w[0] == '-') {
        p.fail("kv", fmt::format("'{}' is not a KV length (space-separated whole numbers)", w));
      }
      kvs.push_back(v);
    }
    if (algos.empty() || kvs.empty()) p.fail_here("needs at least one algorithm and one kv");
    const std::uint64_t batch = p.get_uint_or("batch", 1, 1024, 1);
    const bool small = p.get_bool_or("small", false);
    p.finish();
    for (const std::string& a : algos) {
      for (std::uint64_t kv : kvs) {
        cases.push_back(
            Case{fmt::format("{}-{}-kv{}", name, a, kv), hw, model, a, kv, batch, steps, small});
      }
    }
  }
  root.finish();
  return cases;
}

// The cases whose names match one of `patterns` (shell globs), in matrix order; all of
// them when there are none. A pattern that matches no case is an error.
std::vector<Case> select_cases(std::vector<Case> cases, const std::vector<std::string>& patterns,
                               const std::string& matrix) {
  if (patterns.empty()) return cases;
  std::vector<bool> keep(cases.size(), false);
  for (const std::string& pattern : patterns) {
    bool matched = false;
    for (std::size_t i = 0; i < cases.size(); ++i) {
      if (fnmatch(pattern.c_str(), cases[i].name.c_str(), 0) == 0) keep[i] = matched = true;
    }
    if (!matched) {
      throw InputError(fmt::format(
          "{}: --only '{}' matches none of its {} cases (named POINT-ALGORITHM-kvKV, e.g. {})",
          matrix, pattern, cases.size(), cases.front().name));
    }
  }
  std::vector<Case> out;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    if (keep[i]) out.push_back(cases[i]);
  }
  return out;
}

// Whether a run finished: its report.json is there and says complete (a run stopped by a
// signal writes what it ran, marked incomplete; a resumed check runs it again).
bool run_finished(const fs::path& report) {
  std::ifstream in(report);
  if (!in) return false;
  const json j = json::parse(in, nullptr, /*allow_exceptions=*/false);
  return j.is_object() && j.value("complete", false);
}

json read_json(const fs::path& p) {
  std::ifstream in(p);
  if (!in) throw InputError(fmt::format("{}: cannot read", p.string()));
  return json::parse(in);
}

// latency_cycles of every row of steps.csv.
std::vector<double> step_latencies(const fs::path& p) {
  std::ifstream in(p);
  std::string line;
  std::getline(in, line);
  std::vector<double> out;
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::stringstream ss(line);
    for (std::string c; std::getline(ss, c, ',');) cells.push_back(c);
    if (cells.size() < 7) throw InputError(fmt::format("{}: ragged row", p.string()));
    out.push_back(std::stod(cells[6]));
  }
  return out;
}

// Every figure whose key ends in _pct, as "group/key".
void percentages(const json& j, const std::string& at,
                 std::vector<std::pair<std::string, double>>& out) {
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string key = at + "/" + it.key();
    if (it->is_object()) {
      percentages(*it, key, out);
    } else if (it->is_number() && key.size() > 4 && key.compare(key.size() - 4, 4, "_pct") == 0 &&
               key.rfind("/fast/", 0) != 0) {
      out.emplace_back(key, it->get<double>());
    }
  }
}

// Whether a fast report's fast.not_estimated names the figure at `key` ("/group/name",
// as percentages() writes it) or a group holding it ("dram_extremes").
bool named_not_estimated(const json& fast_report, const std::string& key) {
  std::string dotted = key.substr(1);
  std::replace(dotted.begin(), dotted.end(), '/', '.');
  const json names = fast_report.value(json::json_pointer("/fast/not_estimated"), json::array());
  return std::any_of(names.begin(), names.end(), [&](const json& n) {
    const std::string name = n.get<std::string>();
    return dotted == name || dotted.rfind(name + ".", 0) == 0;
  });
}

// Bytes, MACs and operation counts: fast mode must match exact mode exactly.
constexpr const char* kWorkFigures[] = {
    "/dram/bytes_read",
    "/dram/bytes_written",
    "/processor_array/gemv_ops",
    "/processor_array/vector_ops",
    "/processor_array/macs",
    "/processor_array/weight_bytes",
    "/attention_pipeline/attention_ops",
    "/attention_pipeline/kv_appends",
    "/attention_pipeline/fxp32_macs",
    "/attention_pipeline/token_heads",
    "/totals/decode_steps",
#define SKV_KIND_OPS_KEY_(a, kind, cls, what)                             \
  "/sequencer/" #kind "_ops", "/dram_controller/op_" #kind "_read_bytes", \
      "/dram_controller/op_" #kind "_write_bytes",
    SKV_FOR_OP_KINDS(SKV_KIND_OPS_KEY_, )  // operations issued and their bytes, by kind
#undef SKV_KIND_OPS_KEY_
};
// The same for the groups a design reports only with overlap.kv: compared where the
// exact report has them (the K/V ranges fetched ahead are the attentions' own, whatever
// the timing).
constexpr const char* kKvPrefetchWorkFigures[] = {
    "/kv_prefetch/streams",      "/kv_prefetch/prefetched_bytes", "/kv_prefetch/used_bytes",
    "/kv_prefetch/wasted_bytes", "/kv_prefetch/refetched_bytes",
};

struct Verdict {
  double worst_pct = 0;
  double mean_pct = 0;
  double tokens_per_s_pct = 0;
  double util_points = 0;
  std::string util_key;
  double spread_pct = -1;
  double step_bound_pct = kWorstStepPct;
  double mean_bound_pct = kMeanPct;
  double util_bound_points = kUtilisationPoints;
  double sample_share_pct = 0;
  std::string work_mismatch;
  std::vector<std::string> failures;
};

Verdict compare(const Case& c, const fs::path& dir) {
  Verdict v;
  const json e = read_json(dir / "exact" / "report.json");
  const json f = read_json(dir / "fast" / "report.json");
  const std::vector<double> es = step_latencies(dir / "exact" / "steps.csv");
  const std::vector<double> fs_ = step_latencies(dir / "fast" / "steps.csv");
  if (es.size() != fs_.size() || es.empty()) {
    v.failures.push_back("steps.csv rows differ");
    return v;
  }
  double se = 0;
  double sf = 0;
  for (std::size_t i = 0; i < es.size(); ++i) {
    v.worst_pct = std::max(v.worst_pct, std::fabs(fs_[i] / es[i] - 1) * 100);
    se += es[i];
    sf += fs_[i];
  }
  v.mean_pct = std::fabs(sf / se - 1) * 100;
  const double te = e.at("totals").at("tokens_per_s").get<double>();
  const double tf = f.at("totals").at("tokens_per_s").get<double>();
  v.tokens_per_s_pct = std::fabs(tf / te - 1) * 100;
  std::vector<std::pair<std::string, double>> pe;
  std::vector<std::pair<std::string, double>> pf;
  percentages(e, "", pe);
  percentages(f, "", pf);
  // By key: an exact report holds figures a fast one leaves out, and names in
  // fast.not_estimated; a figure missing from the fast report and not named there fails.
  const std::map<std::string, double> fast_pct(pf.begin(), pf.end());
  std::vector<std::string> missing;
  for (const auto& [key, exact_value] : pe) {
    const auto it = fast_pct.find(key);
    if (it == fast_pct.end()) {
      if (!named_not_estimated(f, key)) missing.push_back(key);
      continue;
    }
    const double d = std::fabs(it->second - exact_value);
    if (d > v.util_points) {
      v.util_points = d;
      v.util_key = key;
    }
  }
  std::vector<const char*> work(std::begin(kWorkFigures), std::end(kWorkFigures));
  if (e.contains("kv_prefetch")) {
    work.insert(work.end(), std::begin(kKvPrefetchWorkFigures), std::end(kKvPrefetchWorkFigures));
  }
  for (const char* key : work) {
    const json::json_pointer ptr(key);
    if (!e.contains(ptr) || !f.contains(ptr) || e.at(ptr) != f.at(ptr)) {
      v.work_mismatch += fmt::format("{}{} exact {} fast {}", v.work_mismatch.empty() ? "" : "; ",
                                     key, e.value(ptr, json()).dump(), f.value(ptr, json()).dump());
    }
  }
  v.sample_share_pct = f.at("fast").at("sample_share_pct").get<double>();
  if (c.small) {
    const std::vector<double> fixed = step_latencies(dir / "fixed" / "steps.csv");
    const auto [lo, hi] = std::minmax_element(fixed.begin(), fixed.end());
    double mean = 0;
    for (double x : fixed) mean += x;
    mean /= static_cast<double>(fixed.size());
    v.spread_pct = (*hi - *lo) / mean * 100;
    v.step_bound_pct = std::max(kWorstStepPct, 2 * v.spread_pct);
    v.mean_bound_pct = v.step_bound_pct;
    v.util_bound_points = std::max(kUtilisationPoints, 2 * v.spread_pct);
  }
  if (v.worst_pct > v.step_bound_pct) v.failures.push_back("worst step");
  if (v.mean_pct > v.mean_bound_pct) v.failures.push_back("mean");
  if (v.util_points > v.util_bound_points) v.failures.push_back("utilisation " + v.util_key);
  if (!v.work_mismatch.empty()) v.failures.push_back("work: " + v.work_mismatch);
  if (!missing.empty()) {
    v.failures.push_back(fmt::format("not in the fast report: {}", fmt::join(missing, ", ")));
  }
  if (v.sample_share_pct > kMaxSampleSharePct) v.failures.push_back("simulated share");
  return v;
}

struct CheckOptions {
  std::string matrix;
  std::string out = "check-fast";
  unsigned jobs = 1;
  std::vector<std::string> only;
  bool table = false;  // print the table of the finished cases; run nothing, write nothing
};

// A case's runs, as (directory, mode): exact and fast, and for a small case exact mode at
// the fixed starting KV length (its own step-to-step spread).
std::vector<std::pair<std::string, std::string>> case_runs(const Case& c) {
  std::vector<std::pair<std::string, std::string>> runs = {{"exact", "exact"}, {"fast", "fast"}};
  if (c.small) runs.emplace_back("fixed", "exact");
  return runs;
}

// The table's header, rows and maxima; check-fast.csv's rows when given a stream.
class VerdictTable {
 public:
  explicit VerdictTable(std::ofstream* csv) : csv_(csv) {
    if (csv_ != nullptr) {
      *csv_ << "case,steps,worst_step_err_pct,mean_err_pct,tokens_per_s_err_pct,"
               "max_util_diff_points,max_util_figure,exact_spread_pct,step_bound_pct,"
               "mean_bound_pct,sample_share_pct,work_equal,verdict\n";
    }
    fmt::print("{:<40} {:>9} {:>9} {:>9} {:>8} {:>8} {:>8} {:>7}  {}\n", "case", "worst %",
               "mean %", "tok/s %", "util pt", "spread%", "bound %", "sim %", "verdict");
  }

  void add(const Case& c, const Verdict& v) {
    const bool ok = v.failures.empty();
    ++compared_;
    failures_ += ok ? 0 : 1;
    max_worst_ = std::max(max_worst_, v.worst_pct);
    max_mean_ = std::max(max_mean_, v.mean_pct);
    max_util_ = std::max(max_util_, v.util_points);
    std::string verdict = ok ? "ok" : "FAIL:";
    for (const auto& f : v.failures) verdict += " " + f;
    const std::string spread = v.spread_pct < 0 ? "-" : fmt::format("{:.3f}", v.spread_pct);
    fmt::print("{:<40} {:>9.4f} {:>9.4f} {:>9.4f} {:>8.3f} {:>8} {:>8.3f} {:>7.2f}  {}\n", c.name,
               v.worst_pct, v.mean_pct, v.tokens_per_s_pct, v.util_points, spread, v.step_bound_pct,
               v.sample_share_pct, verdict);
    if (csv_ != nullptr) {
      *csv_ << fmt::format("{},{},{:.6f},{:.6f},{:.6f},{:.6f},{},{},{:.6f},{:.6f},{:.6f},{},{}\n",
                           c.name, c.steps, v.worst_pct, v.mean_pct, v.tokens_per_s_pct,
                           v.util_points, v.util_key, spread, v.step_bound_pct, v.mean_bound_pct,
                           v.sample_share_pct, v.work_mismatch.empty() ? "yes" : "no",
                           ok ? "ok" : "fail");
    }
  }

  // A case not yet compared: what each of its runs has so far.
  static void add_unfinished(const Case& c, const std::string& state) {
    fmt::print("{:<40} {:>9}  not finished: {}\n", c.name, "-", state);
  }

  std::string maxima() const {
    return fmt::format("maxima: worst step {:.4f}%, mean {:.4f}%, utilisation {:.3f} points",
                       max_worst_, max_mean_, max_util_);
  }
  std::size_t compared() const { return compared_; }
  std::size_t failures() const { return failures_; }

 private:
  std::ofstream* csv_;
  std::size_t compared_ = 0;
  std::size_t failures_ = 0;
  double max_worst_ = 0;
  double max_mean_ = 0;
  double max_util_ = 0;
};

// Rows in a run's steps.csv so far (a running or stopped run writes its steps a window at
// a time).
std::size_t steps_written(const fs::path& steps_csv) {
  std::ifstream in(steps_csv);
  std::size_t lines = 0;
  for (std::string line; std::getline(in, line);) ++lines;
  return lines == 0 ? 0 : lines - 1;
}

// `check-fast --table`: the table of the cases whose runs have all finished, and how far
// the others have got, from what is in the output directory. It takes no lock and writes
// nothing, so it reads a check that is still running.
int check_fast_table(const CheckOptions& o) {
  const std::vector<Case> cases = select_cases(load_matrix(o.matrix), o.only, o.matrix);
  const fs::path out(o.out);
  if (!fs::is_directory(out)) {
    throw InputError(fmt::format(
        "{}: no such check-fast output directory (allowed: the -o of a check that has started)",
        out.string()));
  }
  VerdictTable table(nullptr);
  for (const Case& c : cases) {
    const fs::path dir = out / c.name;
    std::vector<std::string> states;
    bool finished = true;
    for (const auto& [sub, mode] : case_runs(c)) {
      if (run_finished(dir / sub / "report.json")) continue;
      finished = false;
      const std::size_t rows = steps_written(dir / sub / "steps.csv");
      states.push_back(rows == 0 ? fmt::format("{} not started", sub)
                                 : fmt::format("{} has {} of {} steps", sub, rows, c.steps));
    }
    if (finished) {
      table.add(c, compare(c, dir));
    } else {
      VerdictTable::add_unfinished(c, fmt::format("{}", fmt::join(states, ", ")));
    }
  }
  if (table.compared() == 0) {
    fmt::print("none of the {} cases has finished; read from {}\n", cases.size(), out.string());
  } else {
    fmt::print("{} over the {} finished of {} cases; {} of them within bounds; read from {}\n",
               table.maxima(), table.compared(), cases.size(), table.compared() - table.failures(),
               out.string());
  }
  return table.failures() == 0 ? 0 : 5;
}

int check_fast(const CheckOptions& o) {
  if (o.table) return check_fast_table(o);
  const std::vector<Case> cases = select_cases(load_matrix(o.matrix), o.only, o.matrix);
  const fs::path out(o.out);
  const OutputDirLock out_lock(o.out, "check-fast");
  std::vector<sweep::ProcessJob> jobs;
  std::vector<std::string> run_names;  // CASE/exact, CASE/fast, CASE/fixed
  std::size_t runs_total = 0;
  for (const Case& c : cases) {
    const fs::path dir = out / c.name;
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) throw InputError(fmt::format("{}: cannot create: {}", dir.string(), ec.message()));
    trace::GenerateOptions g;
    g.requests = c.batch;
    g.batch_size = c.batch;
    g.prompt_tokens = c.kv;
    g.generate_tokens = c.steps;
    trace::generate_trace(g, (dir / "trace.csv").string());
    if (c.small) {
      // Exact mode's own spread: every step at the starting KV length.
      trace::GenerateOptions fixed;
      fixed.requests = c.steps;
      fixed.prompt_tokens = c.kv;
      fixed.generate_tokens = 1;
      trace::generate_trace(fixed, (dir / "fixed.csv").string());
    }
    for (const auto& [sub, mode] : case_runs(c)) {
      ++runs_total;
      if (run_finished(dir / sub / "report.json")) continue;  // resumed
      const std::string trace = sub == "fixed" ? "fixed.csv" : "trace.csv";
      std::vector<std::string> argv = {"swiftkv-sim", "run",
                                       "--hw",        fs::absolute(c.hw).string(),
                                       "--model",     fs::absolute(c.model).string(),
                                       "--trace",     trace,
                                       "--algo",      c.algo,
                                       "--mode",      mode,
                                       "-o",          sub,
                                       "-q"};
      if (mode == "fast") {
        argv.push_back("--cache-dir");
        argv.push_back(fs::absolute(out / "sample-cache").string());
      }
      jobs.push_back(sweep::ProcessJob{argv, dir.string(), sub + ".log"});
      run_names.push_back(c.name + "/" + sub);
    }
  }
  fmt::print("check-fast: {} cases, {} runs to do ({} done before)\n", cases.size(), jobs.size(),
             runs_total - jobs.size());
  std::fflush(stdout);
  // SIGINT or SIGTERM: no run starts, the running ones stop at their next batch (their
  // reports marked incomplete, so a resumed check runs them again); finished runs stay.
  install_interrupt_handlers(
      "swiftkv-sim: check-fast interrupted: stopping the running runs (the same signal again "
      "stops at once)\n",
      false);
  std::vector<std::string> failed_runs;
  std::size_t finished = 0;
  std::size_t stopped = 0;
  const std::size_t started = sweep::run_processes(
      "/proc/self/exe", jobs, std::max(1u, o.jobs),
      [&](std::size_t i, const sweep::ProcessOutcome& r) {
        const std::string& run = run_names[i];
        if (r.ok()) {
          ++finished;
          fmt::print("check-fast: {} of {} runs done: {} in {:.0f} s\n", finished, jobs.size(), run,
                     r.wall_seconds);
        } else if (interrupt_requested()) {
          ++stopped;
        } else {
          failed_runs.push_back(
              fmt::format("{}/{}: {}", jobs[i].cwd, jobs[i].log_path, r.describe()));
          fmt::print("check-fast: {} failed after {:.0f} s ({}; see {}/{})\n", run, r.wall_seconds,
                     r.describe(), jobs[i].cwd, jobs[i].log_path);
        }
        std::fflush(stdout);
      },
      [] { return interrupt_requested(); });
  if (interrupt_requested()) {
    fmt::print(stderr,
               "swiftkv-sim: check-fast interrupted by {}: {} runs finished now, {} before, {} "
               "failed, {} left to run; run the same command again to resume (finished runs "
               "are kept in {})\n",
               interrupt_signal_name(interrupt_signal()), finished, runs_total - jobs.size(),
               failed_runs.size(), jobs.size() - started + stopped, out.string());
    return interrupted_exit_code(interrupt_signal());
  }
  if (!failed_runs.empty()) {
    throw SimulationError(fmt::format("check-fast: {} runs failed, first: {}", failed_runs.size(),
                                      failed_runs.front()));
  }

  std::ofstream csv(out / "check-fast.csv");
  VerdictTable table(&csv);
  for (const Case& c : cases) table.add(c, compare(c, out / c.name));
  fmt::print("{}; {} of {} cases within bounds; wrote {}\n", table.maxima(),
             cases.size() - table.failures(), cases.size(), (out / "check-fast.csv").string());
  return table.failures() == 0 ? 0 : 5;
}

}  // namespace

void add_check_fast_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<CheckOptions>();
  CLI::App* sub = app.add_subcommand(
      "check-fast", "Run a matrix in both modes and bound the fast mode's error step by step");
  sub->add_option("matrix", o->matrix, "Matrix file (configs/checks/*.yaml)")->required();
  sub->add_option("-o,--out", o->out, "Output directory (runs kept; a rerun resumes)")
      ->capture_default_str();
  sub->add_option("-j,--jobs", o->jobs, "Runs at a time")
      ->check(CLI::Range(1u, 1024u))
      ->capture_default_str();
  sub->add_option("--only", o->only,
                  "Only the cases whose names (POINT-ALGORITHM-kvKV) match this shell glob "
                  "(repeatable)");
  sub->add_flag("--table", o->table,
                "Only print the table of the cases that have finished, and how far the others "
                "have got; runs nothing and writes nothing, so it reads a check still running");
  sub->callback([o, &exit_code] { exit_code = check_fast(*o); });
}

}  // namespace skv::cli
