// `swiftkv-sim sweep SWEEP.yaml`, `swiftkv-sim sweep merge DIR...` and
// `swiftkv-sim sweep submit SWEEP.yaml --shards N` (docs/sweeps.md).

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
#include "sweep/SlurmSubmit.h"
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
  std::string energy;  // every point's run --energy
};

struct MergeOptions {
  std::vector<std::string> dirs;
  std::string out_dir;
};

struct SubmitOptions {
  std::string file;
  std::string out_dir;
  sweep::SlurmOptions slurm;
  bool write_only = false;
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
  spec.energy = o.energy;
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

std::string absolute_path(const std::string& p) {
  return std::filesystem::absolute(p).lexically_normal().string();
}

int submit(const SubmitOptions& o) {
  sweep::check_slurm_options(o.slurm);
  std::string sbatch;
  if (!o.write_only) {
    sbatch = sweep::find_on_path("sbatch");
    if (sbatch.empty()) {
      throw InputError(
          "sweep submit: sbatch is not on PATH (is this a Slurm login node?); --write-only "
          "writes the scripts and prints the sbatch commands without submitting");
    }
  }
  // The sweep planned as its shards will plan it: a bad sweep file stops here.
  const sweep::SweepSpec spec = sweep::load_sweep_spec(o.file);
  const sweep::SweepPlan plan = sweep::plan_sweep(spec);

  sweep::SlurmSweep job;
  job.name = spec.name;
  job.points = plan.points.size();
  std::error_code ec;
  job.exe = std::filesystem::read_symlink("/proc/self/exe", ec).string();
  if (ec) throw InputError("sweep submit: cannot find this program's path: " + ec.message());
  job.sweep_file = absolute_path(o.file);
  job.out_dir = absolute_path(o.out_dir.empty() ? "out/" + spec.name : o.out_dir);
  const sweep::SlurmScripts scripts = sweep::slurm_scripts(job, o.slurm);
  sweep::write_slurm_scripts(scripts);

  const std::uint64_t n = o.slurm.shards;
  fmt::print("sweep {}: {} point{} in {} shard{}, into {}\n", spec.name, job.points,
             job.points == 1 ? "" : "s", n, n == 1 ? "" : "s", job.out_dir);
  fmt::print("wrote {} (the job array: one task per shard)\n", scripts.array_path);
  fmt::print("wrote {} (the merge, after every task has succeeded)\n", scripts.merge_path);
  if (o.write_only) {
    fmt::print("submit them with:\n");
    for (const auto& c : sweep::sbatch_commands(scripts)) fmt::print("  {}\n", c);
    return 0;
  }
  const sweep::SubmittedJobs ids = sweep::submit_slurm_scripts(scripts, sbatch);
  fmt::print("submitted job array {} (tasks 1-{}): shards into {}\n", ids.array_id, n,
             sweep::shard_dir(job.out_dir, 1) + (n > 1 ? fmt::format(" ... shard-{}", n) : ""));
  fmt::print("submitted merge job {} (afterok:{}): {}/{}\n", ids.merge_id, ids.array_id,
             job.out_dir, sweep::kSummaryFile);
  fmt::print("logs: {}/{}/\n", job.out_dir, sweep::kSlurmDir);
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
  sub->add_option("--energy", o->energy,
                  "Energy preset for every point (run --energy): a .yaml file, or a name in "
                  "configs/energy beside the hardware config's folder");
  sub->footer(
      "A re-run with the same -o skips the points already done with the same inputs.\n"
      "  swiftkv-sim sweep merge DIR... -o OUT   builds OUT/sweep.csv from the output\n"
      "  directories of a sweep's shards.\n"
      "  swiftkv-sim sweep submit SWEEP.yaml --shards N   runs it as a Slurm job array.");

  auto m = std::make_shared<MergeOptions>();
  CLI::App* mg = sub->add_subcommand(
      "merge", "Build one sweep.csv from the output directories of a sweep's shards");
  mg->add_option("dirs", m->dirs, "Output directories of one sweep (its shards)")->required();
  mg->add_option("-o,--out", m->out_dir, "Directory to write sweep.csv into")->required();
  mg->callback([m, &exit_code] { exit_code = merge(*m); });

  auto so = std::make_shared<SubmitOptions>();
  CLI::App* sm = sub->add_subcommand(
      "submit",
      "Run a sweep file as a Slurm job array, one task per shard, and merge it afterwards");
  sm->add_option("sweep_file", so->file, "Sweep description (configs/sweeps/*.yaml)")->required();
  sm->add_option("--shards", so->slurm.shards, "N: array tasks, each `sweep --shard K/N`")
      ->required();
  sm->add_option("-o,--out", so->out_dir,
                 "Output directory (default: out/<sweep name>): OUT/shard-K per task, the "
                 "merged OUT/sweep.csv, the scripts and logs in OUT/slurm");
  sm->add_option("-c,--cpus-per-task", so->slurm.cpus_per_task,
                 "Cores per task: the points it runs at once (default 1)");
  sm->add_option("-p,--partition", so->slurm.partition, "Slurm partition (default: Slurm's)");
  sm->add_option("-t,--time", so->slurm.time,
                 "Time limit of each job, e.g. 01:30:00 or 2-00:00:00 (default: Slurm's)");
  sm->add_option("--mem", so->slurm.mem, "Memory of each job, e.g. 4G (default: Slurm's)");
  sm->add_option("-A,--account", so->slurm.account, "Slurm account to charge");
  sm->add_option("--mode", so->slurm.mode, "exact or fast, for every point (overrides the file's)")
      ->check(CLI::IsMember({"exact", "fast"}));
  sm->add_flag("--write-only", so->write_only,
               "Write the scripts and print the sbatch commands, without submitting");
  sm->callback([so, &exit_code] { exit_code = submit(*so); });

  sub->callback([o, mg, sm, &exit_code] {
    if (mg->parsed() || sm->parsed()) return;  // `sweep merge` or `sweep submit` ran
    if (o->file.empty()) {
      throw InputError(
          "sweep: give a sweep file (swiftkv-sim sweep SWEEP.yaml), or "
          "'sweep merge DIR... -o OUT'");
    }
    exit_code = run_sweep_file(*o);
  });
}

}  // namespace skv::cli
