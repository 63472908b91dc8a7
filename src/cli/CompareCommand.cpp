// `swiftkv-sim compare`: attention algorithms on the same hardware, per KV length, as a
// sweep (docs/sweeps.md, "compare").

#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "cli/Commands.h"
#include "common/Error.h"
#include "config/HwConfigLoader.h"
#include "models/tlm/AttentionAlgo.h"
#include "sweep/Compare.h"
#include "sweep/Ladder.h"
#include "sweep/OverlapCompare.h"
#include "sweep/ProcessPool.h"
#include "sweep/SweepFiles.h"
#include "sweep/SweepRunner.h"
#include "sweep/SweepSpec.h"
#include "sweep/SweepSummary.h"

namespace skv::cli {

namespace {

struct CompareOptions {
  std::string file;
  sweep::CompareInputs in;
  bool algos_given = false;
  unsigned jobs = 0;
  std::string out_dir;
  bool quiet = false;
  std::string mode;  // overrides the sweep file's mode
  std::string energy;  // every point's run --energy
  bool ladder = false;  // the speedup ladder instead of the algorithms
  bool overlap = false;  // the overlap choices, each against overlap off
};

sweep::SweepSpec spec_of(const CompareOptions& o) {
  if (o.file.empty()) {
    if (o.in.hw.empty() || o.in.model.empty()) {
      throw InputError(
          "compare: give --hw and --model (with --trace or --kv-lens), or a sweep file");
    }
    return sweep::compare_spec(o.in);
  }
  if (!o.in.hw.empty() || !o.in.model.empty() || !o.in.trace.empty() || !o.in.kv_lens.empty()) {
    throw InputError(
        fmt::format("compare: {} names the hardware, model and trace; drop --hw, "
                    "--model, --trace and --kv-lens",
                    o.file));
  }
  sweep::SweepSpec spec = sweep::load_sweep_spec(o.file);
  if (const sweep::Axis* a = spec.find_axis(sweep::kAlgorithmAxis)) {
    if (o.algos_given) {
      a->where.fail("the algorithms to compare are set here; drop --algos");
    }
  } else {
    sweep::add_algorithm_axis(spec, o.in.algorithms, "--algos");
  }
  return spec;
}

// compare --ladder: the rungs and the leave-one-out rows as one sweep, then their tables.
// The command line's mode and energy preset set on `spec`, and how its points run.
sweep::SweepRunOptions apply_options(const CompareOptions& o, sweep::SweepSpec& spec) {
  if (!o.mode.empty()) spec.mode = o.mode;
  spec.energy = o.energy;
  sweep::SweepRunOptions ro;
  ro.out_dir = o.out_dir.empty() ? "out/" + spec.name : o.out_dir;
  ro.jobs = o.jobs ? o.jobs : sweep::available_cores();
  ro.quiet = o.quiet;
  return ro;
}

int ladder(const CompareOptions& o) {
  if (!o.file.empty()) {
    throw InputError(
        "compare: --ladder takes --hw, --model and --trace or --kv-lens, not a "
        "sweep file");
  }
  if (o.in.hw.empty() || o.in.model.empty()) {
    throw InputError("compare: --ladder needs --hw and --model (with --trace or --kv-lens)");
  }
  if (o.algos_given) throw InputError("compare: --ladder runs its own algorithms; drop --algos");
  const config::HwConfig hw = config::load_hw_config(o.in.hw);
  const sweep::LadderDesign design =
      sweep::ladder_design(hw.attention.heads_in_parallel, hw.attention.splitk_partitions);
  sweep::CompareInputs in = o.in;
  in.algorithms.clear();
  sweep::SweepSpec spec = sweep::ladder_spec(in, design);
  const sweep::SweepRunOptions ro = apply_options(o, spec);
  const sweep::SweepPlan plan = sweep::plan_sweep(spec);
  fmt::print(
      "compare --ladder: {} rungs and {} leave-one-out rows as {} point{}, {} process{} "
      "at a time, into {}\n",
      design.rungs.size(), design.mechanisms.size(), plan.points.size(),
      plan.points.size() == 1 ? "" : "s", ro.jobs, ro.jobs == 1 ? "" : "es", ro.out_dir);
  std::fflush(stdout);
  const sweep::SweepTally t = sweep::run_sweep(plan, ro);

  sweep::SweepResults results = sweep::collect_results({ro.out_dir});
  sweep::write_summary(ro.out_dir, results);
  const sweep::Ladder l(std::move(results), design);
  sweep::write_ladder(ro.out_dir, l);
  fmt::print(
      "\nspeedup ladder on {} ({} mode): attention and whole-step latency per decode step; "
      "gain over the rung before and over rung 0\n\n{}",
      hw.name, spec.mode, l.ladder_table());
  fmt::print(
      "leave-one-out: each mechanism taken off the last rung; its gain added last (this row "
      "over the last rung) beside its gain at its rung\n\n{}",
      l.leave_one_out_table());
  fmt::print("ran {}, skipped {} (already done), infeasible {}, failed {}\n", t.ran, t.skipped,
             l.infeasible(), l.failures());
  const std::string csv = (std::filesystem::path(ro.out_dir) / sweep::kLadderFile).string();
  fmt::print("wrote {}\n", csv);
  if (l.failures() > 0) {
    std::fflush(stdout);
    fmt::print(stderr,
               "swiftkv-sim: error: compare --ladder: {} of {} points failed (errors in the "
               "tables and in {})\n",
               l.failures(), t.selected, csv);
    return 1;
  }
  return 0;
}

// compare --overlap: the overlap choices as one sweep, each point against the point
// with overlap off and the same other axes.
int overlap(const CompareOptions& o) {
  if (o.ladder) throw InputError("compare: --overlap and --ladder are two comparisons; give one");
  sweep::SweepSpec spec;
  if (o.file.empty()) {
    if (o.in.hw.empty() || o.in.model.empty()) {
      throw InputError(
          "compare: --overlap needs --hw and --model (with --trace or --kv-lens), or a sweep "
          "file");
    }
    sweep::CompareInputs in = o.in;
    if (!o.algos_given) in.algorithms.clear();
    spec = sweep::overlap_spec(in);
  } else {
    if (!o.in.hw.empty() || !o.in.model.empty() || !o.in.trace.empty() || !o.in.kv_lens.empty()) {
      throw InputError(
          fmt::format("compare: {} names the hardware, model and trace; drop --hw, "
                      "--model, --trace and --kv-lens",
                      o.file));
    }
    if (o.algos_given) {
      throw InputError(fmt::format(
          "compare: --overlap with a sweep file takes its algorithm from {}; drop --algos",
          o.file));
    }
    spec = sweep::load_sweep_spec(o.file);
    sweep::add_overlap_axis(spec);
  }
  const sweep::SweepRunOptions ro = apply_options(o, spec);
  const sweep::SweepPlan plan = sweep::plan_sweep(spec);
  fmt::print("compare --overlap: {} point{}, {} process{} at a time, into {}\n", plan.points.size(),
             plan.points.size() == 1 ? "" : "s", ro.jobs, ro.jobs == 1 ? "" : "es", ro.out_dir);
  std::fflush(stdout);
  const sweep::SweepTally t = sweep::run_sweep(plan, ro);

  sweep::SweepResults results = sweep::collect_results({ro.out_dir});
  sweep::write_summary(ro.out_dir, results);
  const sweep::OverlapComparison c(std::move(results));
  sweep::write_overlap_comparison(ro.out_dir, c);
  for (const auto& p : c.results().points) {
    if (p.state == sweep::PointState::Done) {
      fmt::print(
          "\n{} on {} ({}): per token, each overlap choice against overlap off on the same "
          "trace and hardware; hideable: the bound from buffer size and DRAM bandwidth; "
          "saved: measured; the exclusive breakdown of the cycles in %\n\n",
          p.report["inputs"]["model_name"].get<std::string>(),
          p.report["inputs"]["hw_name"].get<std::string>(), p.algorithm);
      break;
    }
  }
  fmt::print("{}\n", c.table());
  fmt::print("ran {}, skipped {} (already done), failed {}\n", t.ran, t.skipped, t.failed);
  const std::string csv = (std::filesystem::path(ro.out_dir) / sweep::kOverlapFile).string();
  fmt::print("wrote {}\n", csv);
  if (t.failed > 0) {
    std::fflush(stdout);
    fmt::print(stderr,
               "swiftkv-sim: error: compare --overlap: {} of {} points failed (errors in the "
               "table and in {})\n",
               t.failed, t.selected, csv);
    return 1;
  }
  return 0;
}

int compare(const CompareOptions& o) {
  if (o.overlap) return overlap(o);
  if (o.ladder) return ladder(o);
  sweep::SweepSpec spec = spec_of(o);
  const sweep::SweepRunOptions ro = apply_options(o, spec);
  const sweep::SweepPlan plan = sweep::plan_sweep(spec);
  fmt::print("compare: {} point{}, {} process{} at a time, into {}\n", plan.points.size(),
             plan.points.size() == 1 ? "" : "s", ro.jobs, ro.jobs == 1 ? "" : "es", ro.out_dir);
  std::fflush(stdout);
  const sweep::SweepTally t = sweep::run_sweep(plan, ro);

  sweep::SweepResults results = sweep::collect_results({ro.out_dir});
  sweep::write_summary(ro.out_dir, results);
  const sweep::Comparison c(std::move(results));
  sweep::write_comparison(ro.out_dir, c);

  for (const auto& p : c.results().points) {
    if (p.state == sweep::PointState::Done) {
      fmt::print(
          "\n{} on {}: attention and whole-step latency per decode step, speedup over "
          "native\n\n",
          p.report["inputs"]["model_name"].get<std::string>(),
          p.report["inputs"]["hw_name"].get<std::string>());
      break;
    }
  }
  fmt::print("{}\n", c.table());
  fmt::print("ran {}, skipped {} (already done), failed {}\n", t.ran, t.skipped, t.failed);
  const std::string csv = (std::filesystem::path(ro.out_dir) / sweep::kCompareFile).string();
  fmt::print("wrote {}\n", csv);
  if (t.failed > 0) {
    std::fflush(stdout);
    fmt::print(stderr,
               "swiftkv-sim: error: compare: {} of {} points failed (errors in the table "
               "and in {})\n",
               t.failed, t.selected, csv);
    return 1;
  }
  return 0;
}

}  // namespace

void add_compare_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<CompareOptions>();
  o->in.algorithms = tlmx::attention_algo_names();
  CLI::App* sub =
      app.add_subcommand("compare",
                         "Compare attention algorithms on the same hardware, per KV length "
                         "(docs/sweeps.md)");
  sub->add_option("sweep_file", o->file,
                  "A sweep file instead of --hw/--model/--trace (an algorithm axis is added "
                  "unless it has one)");
  sub->add_option("--hw", o->in.hw, "Hardware config (configs/hw/*.yaml)");
  sub->add_option("--model", o->in.model, "Model description (configs/models/*.yaml)");
  sub->add_option("--trace", o->in.trace, "Decode trace (docs/formats.md)");
  sub->add_option("--kv-lens", o->in.kv_lens,
                  "KV lengths, comma-separated: one generated one-request trace each")
      ->delimiter(',');
  sub->add_option("--gen", o->in.generate_tokens, "Decode steps of each generated trace")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 20))
      ->capture_default_str();
  CLI::Option* algos = sub->add_option("--algos", o->in.algorithms,
                                       "Algorithms, comma-separated (native is the baseline)")
                           ->delimiter(',')
                           ->capture_default_str();
  sub->add_option("-j,--jobs", o->jobs, "Points run at once (default: the cores available)")
      ->check(CLI::Range(1u, 4096u));
  sub->add_option("-o,--out", o->out_dir, "Output directory (default: out/compare)");
  sub->add_flag("-q,--quiet", o->quiet, "No progress output");
  sub->add_option("--mode", o->mode, "exact or fast, for every point (overrides the file's mode)")
      ->check(CLI::IsMember({"exact", "fast"}));
  sub->add_flag("--ladder", o->ladder,
                "A speedup ladder from native attention to SwiftKV-MHA, one mechanism per "
                "rung, and a leave-one-out table (docs/sweeps.md)");
  sub->add_flag("--overlap", o->overlap,
                "Each overlap choice (overlap.weights, or a sweep file's overlap axes) against "
                "overlap off on the same trace and hardware: the measured saving beside the "
                "hideable bound (docs/sweeps.md)");
  sub->add_option("--energy", o->energy,
                  "Energy preset for every point (run --energy): a .yaml file, or a name in "
                  "configs/energy beside the hardware config's folder");
  sub->callback([o, algos, sub, &exit_code] {
    o->algos_given = algos->count() > 0;
    if (sub->count("--gen") > 0 && o->in.kv_lens.empty()) {
      throw InputError("compare: --gen applies to the traces --kv-lens generates; give --kv-lens");
    }
    exit_code = compare(*o);
  });
}

}  // namespace skv::cli
