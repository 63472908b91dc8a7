// `swiftkv-sim sweep SWEEP.yaml` and `swiftkv-sim sweep merge DIR...` (docs/sweeps.md).

#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "cli/Commands.h"
#include "common/Interrupt.h"
#include "common/Error.h"
#include "sweep/ProcessPool.h"
#include "sweep/SweepFiles.h"
#include "sweep/SweepRunner.h"
#include "sweep/SweepSpec.h"
#include "sweep/SweepSummary.h"

namespace skv::cli {

namespace {

struct SweepOptions {
  std::string file;
  unsigned jobs = 0;  // 0: the cores available
  std::string out_dir;
  std::string shard;
  bool quiet = false;
  std::string mode;  // overrides the sweep file's mode
};

struct MergeOptions {
  std::vector<std::string> dirs;
  std::string out_dir;
};

struct Counts {
  std::size_t done = 0, failed = 0, pending = 0;
};

Counts count(const sweep::SweepResults& r) {
  Counts c;
  for (const auto& p : r.points) {
    if (p.state == sweep::PointState::Done) ++c.done;
    if (p.state == sweep::PointState::Failed) ++c.failed;
    if (p.state == sweep::PointState::Pending) ++c.pending;
  }
  return c;
}

int run_sweep_file(const SweepOptions& o) {
  sweep::SweepSpec spec = sweep::load_sweep_spec(o.file);
  if (!o.mode.empty()) spec.mode = o.mode;
  sweep::SweepRunOptions ro;
  ro.out_dir = o.out_dir.empty() ? "out/" + spec.name : o.out_dir;
  ro.jobs = o.jobs ? o.jobs : sweep::available_cores();
  if (!o.shard.empty()) ro.shard = sweep::parse_shard(o.shard);
  ro.quiet = o.quiet;
  const sweep::SweepPlan plan = sweep::plan_sweep(spec);

  const std::string shard_text =
      o.shard.empty() ? std::string() : fmt::format(" (shard {}/{})", ro.shard.k, ro.shard.n);
  fmt::print("sweep {}: {} point{}{}, {} process{} at a time, into {}\n", spec.name,
             plan.points.size(), plan.points.size() == 1 ? "" : "s", shard_text, ro.jobs,
             ro.jobs == 1 ? "" : "es", ro.out_dir);
  std::fflush(stdout);  // before the children write to the terminal's stderr
  // SIGINT or SIGTERM: no point starts, the running ones stop at their next batch and
  // are left to run again; what is done stays done.
  install_interrupt_handlers(
      "swiftkv-sim: sweep interrupted: stopping the running points (the same signal again "
      "stops at once)\n",
      false);
  ro.stop = [] { return interrupt_requested(); };
  const sweep::SweepTally t = sweep::run_sweep(plan, ro);
  fmt::print("sweep {}: ran {}, skipped {} (already done), failed {}{}\n", spec.name, t.ran,
             t.skipped, t.failed, shard_text);
  for (const auto& f : t.failures) fmt::print("  failed: {}\n", f);

  if (interrupt_requested()) {
    std::fflush(stdout);
    fmt::print(stderr,
               "swiftkv-sim: sweep {} interrupted by {}: {} points done now, {} before, {} "
               "failed, {} left to run; run the same command again to resume (done points "
               "are kept)\n",
               spec.name, interrupt_signal_name(interrupt_signal()), t.ran, t.skipped, t.failed,
               t.stopped);
    return interrupted_exit_code(interrupt_signal());
  }
  sweep::write_summary(ro.out_dir, sweep::collect_results({ro.out_dir}));
  const std::string csv = (std::filesystem::path(ro.out_dir) / sweep::kSummaryFile).string();
  fmt::print("wrote {}\n", csv);
  if (t.failed > 0) {
    std::fflush(stdout);
    fmt::print(stderr, "swiftkv-sim: error: sweep {}: {} of {} points failed (see {})\n", spec.name,
               t.failed, t.selected, csv);
    return 1;
  }
  return 0;
}

int merge(const MergeOptions& o) {
  const sweep::SweepResults r = sweep::collect_results(o.dirs);
  std::error_code ec;
  std::filesystem::create_directories(o.out_dir, ec);
  if (ec)
    throw InputError(
        fmt::format("{}: cannot create output directory: {}", o.out_dir, ec.message()));
  // The manifest too, so that the merged directory can itself be merged or plotted.
  namespace fs = std::filesystem;
  const fs::path manifest = fs::path(o.out_dir) / sweep::kManifestFile;
  if (fs::absolute(manifest).lexically_normal() !=
      fs::absolute(fs::path(o.dirs.front()) / sweep::kManifestFile).lexically_normal()) {
    sweep::write_file_atomic(
        manifest.string(),
        sweep::read_text_file((fs::path(o.dirs.front()) / sweep::kManifestFile).string()));
  }
  sweep::write_summary(o.out_dir, r);
  const Counts c = count(r);
  const std::string csv = (fs::path(o.out_dir) / sweep::kSummaryFile).string();
  fmt::print("sweep {}: merged {} directories: {} points done, {} failed, {} not run\n", r.name,
             o.dirs.size(), c.done, c.failed, c.pending);
  fmt::print("wrote {}\n", csv);
  if (c.failed + c.pending > 0) {
    std::fflush(stdout);
    fmt::print(stderr, "swiftkv-sim: error: sweep {}: {} of {} points are not done (see {})\n",
               r.name, c.failed + c.pending, r.points.size(), csv);
    return 1;
  }
  return 0;
}

}  // namespace

void add_sweep_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<SweepOptions>();
  CLI::App* sub = app.add_subcommand(
      "sweep", "Run a sweep file: one simulation per point, several at a time (docs/sweeps.md)");
  sub->add_option("sweep_file", o->file, "Sweep description (configs/sweeps/*.yaml)");
  sub->add_option("-j,--jobs", o->jobs, "Points run at once (default: the cores available)")
      ->check(CLI::Range(1u, 4096u));
  sub->add_option("-o,--out", o->out_dir, "Output directory (default: out/<sweep name>)");
  sub->add_option("--shard", o->shard,
                  "K/N: run only the points with index % N == K-1 (e.g. one Slurm array task)");
  sub->add_flag("-q,--quiet", o->quiet, "No progress output");
  sub->add_option("--mode", o->mode, "exact or fast, for every point (overrides the file's mode)")
      ->check(CLI::IsMember({"exact", "fast"}));
  sub->footer(
      "A re-run with the same -o skips the points already done with the same inputs.\n"
      "  swiftkv-sim sweep merge DIR... -o OUT   builds OUT/sweep.csv from the output\n"
      "  directories of a sweep's shards.");

  auto m = std::make_shared<MergeOptions>();
  CLI::App* mg = sub->add_subcommand(
      "merge", "Build one sweep.csv from the output directories of a sweep's shards");
  mg->add_option("dirs", m->dirs, "Output directories of one sweep (its shards)")->required();
  mg->add_option("-o,--out", m->out_dir, "Directory to write sweep.csv into")->required();
  mg->callback([m, &exit_code] { exit_code = merge(*m); });

  sub->callback([o, mg, &exit_code] {
    if (mg->parsed()) return;  // `sweep merge` ran
    if (o->file.empty()) {
      throw InputError(
          "sweep: give a sweep file (swiftkv-sim sweep SWEEP.yaml), or "
          "'sweep merge DIR... -o OUT'");
    }
    exit_code = run_sweep_file(*o);
  });
}

}  // namespace skv::cli
