#include "sweep/SlurmSubmit.h"

#include <fmt/format.h>

#include <cctype>
#include <filesystem>

#include "common/Error.h"
#include "sweep/ProcessPool.h"
#include "sweep/SweepFiles.h"

namespace skv::sweep {

namespace fs = std::filesystem;

namespace {

bool all_digits(const std::string& s) {
  if (s.empty()) return false;
  for (const char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t at = s.find(sep, start);
    parts.push_back(s.substr(start, at - start));
    if (at == std::string::npos) return parts;
    start = at + 1;
  }
}

// Minutes and seconds after the first field are below 60, as on a clock.
bool clock_fields(const std::vector<std::string>& fields) {
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (!all_digits(fields[i]) || fields[i].size() > 9) return false;
    if (i > 0 && std::stoul(fields[i]) >= 60) return false;
  }
  return true;
}

bool only_chars(const std::string& s, const char* extra) {
  if (s.empty()) return false;
  for (const char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) &&
        std::string(extra).find(c) == std::string::npos)
      return false;
  }
  return true;
}

// A job name of the sweep's name: Slurm shows it in squeue, so keep it plain.
std::string job_name(const std::string& sweep_name) {
  std::string n;
  for (const char c : sweep_name) {
    n += std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' ? c : '_';
  }
  return n.empty() ? "sweep" : n;
}

// The #SBATCH lines both jobs share: the resources asked for and where the log goes.
// The #SBATCH lines of a job: `cpus` for --cpus-per-task; the rest from the options.
std::string directives(const SlurmOptions& o, const std::string& name, unsigned cpus,
                       const std::string& log) {
  std::string d = fmt::format("#SBATCH --job-name={}\n", name);
  d += fmt::format("#SBATCH --cpus-per-task={}\n", cpus);
  if (!o.partition.empty()) d += fmt::format("#SBATCH --partition={}\n", o.partition);
  if (!o.time.empty()) d += fmt::format("#SBATCH --time={}\n", o.time);
  if (!o.mem.empty()) d += fmt::format("#SBATCH --mem={}\n", o.mem);
  if (!o.account.empty()) d += fmt::format("#SBATCH --account={}\n", o.account);
  d += fmt::format("#SBATCH --output={}\n", log);
  return d;
}

// sbatch's own error: its last line that says "error", else its last line.
std::string sbatch_message(const CapturedRun& r) {
  std::string last, last_error;
  for (const std::string& line : split(r.err + "\n" + r.out, '\n')) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    last = line;
    if (line.find("error") != std::string::npos) last_error = line;
  }
  if (!last_error.empty()) return last_error;
  return last.empty() ? "it printed nothing" : last;
}

std::string submit_one(const std::string& sbatch, const std::vector<std::string>& args,
                       const std::string& what) {
  std::vector<std::string> argv{"sbatch", "--parsable"};
  argv.insert(argv.end(), args.begin(), args.end());
  const CapturedRun r = run_captured(sbatch, argv);
  if (!r.outcome.ok()) {
    throw InputError(fmt::format("sweep submit: sbatch refused {} ({}): {}", what,
                                 r.outcome.describe(), sbatch_message(r)));
  }
  return parse_sbatch_job_id(r.out);
}

}  // namespace

bool is_slurm_time(const std::string& text) {
  std::string upper;
  for (const char c : text) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (upper == "INFINITE" || upper == "UNLIMITED") return true;  // the partition's limit
  const std::size_t dash = text.find('-');
  if (dash == std::string::npos) {  // M, M:S, H:M:S
    const auto fields = split(text, ':');
    return fields.size() <= 3 && clock_fields(fields);
  }
  const std::string days = text.substr(0, dash);  // D-H, D-H:M, D-H:M:S
  const auto fields = split(text.substr(dash + 1), ':');
  return all_digits(days) && days.size() <= 6 && fields.size() <= 3 && clock_fields(fields) &&
         std::stoul(fields[0]) < 24;
}

bool is_slurm_memory(const std::string& text) {
  if (text.empty()) return false;
  const char unit = static_cast<char>(std::toupper(static_cast<unsigned char>(text.back())));
  const bool has_unit = unit == 'K' || unit == 'M' || unit == 'G' || unit == 'T';
  const std::string number = has_unit ? text.substr(0, text.size() - 1) : text;
  return all_digits(number) && number.size() <= 12;
}

void check_slurm_options(const SlurmOptions& o) {
  if (o.shards == 0) {
    throw InputError(
        "sweep submit: --shards: 0 is not a number of shards (give 1 or more: one Slurm array "
        "task each)");
  }
  if (o.cpus_per_task == 0) {
    throw InputError("sweep submit: --cpus-per-task: give 1 or more");
  }
  if (!o.time.empty() && !is_slurm_time(o.time)) {
    throw InputError(fmt::format(
        "sweep submit: --time: '{}' is not a Slurm time limit (MM, MM:SS, HH:MM:SS, D-HH, "
        "D-HH:MM, D-HH:MM:SS or UNLIMITED, e.g. 01:30:00)",
        o.time));
  }
  if (!o.mem.empty() && !is_slurm_memory(o.mem)) {
    throw InputError(fmt::format(
        "sweep submit: --mem: '{}' is not a Slurm memory size (a whole number of megabytes, or "
        "with a unit K, M, G or T, e.g. 4G)",
        o.mem));
  }
  if (!o.partition.empty() && !only_chars(o.partition, "._-,")) {
    throw InputError(fmt::format(
        "sweep submit: --partition: '{}' is not a partition name (letters, digits, '.', '_', "
        "'-'; several separated by ',')",
        o.partition));
  }
  if (!o.account.empty() && !only_chars(o.account, "._-")) {
    throw InputError(fmt::format(
        "sweep submit: --account: '{}' is not an account name (letters, digits, '.', '_', '-')",
        o.account));
  }
}

std::string shard_dir(const std::string& out_dir, std::uint64_t k) {
  return (fs::path(out_dir) / fmt::format("shard-{}", k)).string();
}

std::string shell_quote(const std::string& text) {
  if (only_chars(text, "/._-+,:=@%")) return text;
  std::string q = "'";
  for (const char c : text) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

SlurmScripts slurm_scripts(const SlurmSweep& sweep, const SlurmOptions& o) {
  check_slurm_options(o);
  if (o.shards > sweep.points) {
    throw InputError(
        fmt::format("sweep submit: --shards {}: sweep {} has {} point{}, so at most {} shard{}",
                    o.shards, sweep.name, sweep.points, sweep.points == 1 ? "" : "s", sweep.points,
                    sweep.points == 1 ? "" : "s"));
  }
  // sbatch reads an #SBATCH line's value up to the first blank, and expands '%' in
  // --output (%A, %a, %j): such an output directory cannot be written there.
  for (const char c : sweep.out_dir) {
    if (std::isspace(static_cast<unsigned char>(c)) ||
        std::iscntrl(static_cast<unsigned char>(c)) || c == '%' || c == '"' || c == '\'' ||
        c == '\\') {
      throw InputError(fmt::format(
          "sweep submit: -o: '{}': Slurm's #SBATCH --output cannot take a path with blanks, "
          "quotes, backslashes or '%'; choose another output directory",
          sweep.out_dir));
    }
  }

  const fs::path slurm_dir = fs::path(sweep.out_dir) / kSlurmDir;
  SlurmScripts s;
  s.array_path = (slurm_dir / kArrayScript).string();
  s.merge_path = (slurm_dir / kMergeScript).string();
  const std::string name = job_name(sweep.name);
  const std::uint64_t n = o.shards;
  const std::string mode = o.mode.empty() ? "" : " --mode " + o.mode;
  const std::string shard_k = (fs::path(sweep.out_dir) / "shard-K").string();  // in comments

  s.array_text = fmt::format(
      "#!/bin/bash\n"
      "# Sweep '{name}' as a Slurm job array: {points} point{ps} in {n} shard{ns}, one array task "
      "per shard.\n"
      "# Task K runs the points whose index % {n} is K-1 (`swiftkv-sim sweep --shard K/{n}`)\n"
      "# into its own directory, {shard_k}; then the merge job ({merge_file}, beside this\n"
      "# file) builds {out}/sweep.csv from them.\n"
      "#\n"
      "# Written by `swiftkv-sim sweep submit` from {sweep_file}\n"
      "# and submitted with\n"
      "#   sbatch --parsable {array_path}\n"
      "# A task that did not finish runs again with `sbatch --array=K {array_path}`:\n"
      "# the points it had done are skipped.\n"
      "#\n"
      "#SBATCH --array=1-{n}\n"
      "{directives}"
      "\n"
      "set -euo pipefail\n"
      "sim={sim}\n"
      "sweep={sweep}\n"
      "out={out_q}\n"
      "k=\"${{SLURM_ARRAY_TASK_ID}}\"\n"
      "# SLURM_CPUS_PER_TASK points at a time: the cores given to this task.\n"
      "exec \"$sim\" sweep \"$sweep\" --shard \"$k/{n}\" -j \"${{SLURM_CPUS_PER_TASK}}\"{mode} "
      "-o \"$out/shard-$k\" -q\n",
      fmt::arg("name", sweep.name), fmt::arg("points", sweep.points),
      fmt::arg("ps", sweep.points == 1 ? "" : "s"), fmt::arg("n", n),
      fmt::arg("ns", n == 1 ? "" : "s"), fmt::arg("shard_k", shard_k),
      fmt::arg("merge_file", kMergeScript), fmt::arg("out", sweep.out_dir),
      fmt::arg("sweep_file", sweep.sweep_file), fmt::arg("array_path", s.array_path),
      fmt::arg("directives",
               directives(o, name, o.cpus_per_task, (slurm_dir / "shard-%a-job%A.log").string())),
      fmt::arg("sim", shell_quote(sweep.exe)), fmt::arg("sweep", shell_quote(sweep.sweep_file)),
      fmt::arg("out_q", shell_quote(sweep.out_dir)), fmt::arg("mode", mode));

  s.merge_text = fmt::format(
      "#!/bin/bash\n"
      "# The merge of sweep '{name}': `swiftkv-sim sweep merge` builds {out}/sweep.csv\n"
      "# (and sweep.json) from the directories of its {n} shard{ns}, {shard_k}, taking each\n"
      "# point from the shard that ran it. It fails if a point is failed or was not run.\n"
      "# It runs on one CPU, whatever the tasks have.\n"
      "#\n"
      "# Written by `swiftkv-sim sweep submit` and submitted to run once every task of the\n"
      "# job array ({array_file}, beside this file) has succeeded:\n"
      "#   sbatch --parsable --dependency=afterok:<the job array's id> {merge_path}\n"
      "# If a task fails, Slurm cancels this job (--kill-on-invalid-dep); once the task has\n"
      "# been run again, submit this file again without the dependency.\n"
      "#\n"
      "#SBATCH --kill-on-invalid-dep=yes\n"
      "{directives}"
      "\n"
      "set -euo pipefail\n"
      "sim={sim}\n"
      "out={out_q}\n"
      "shards=()\n"
      "for ((k = 1; k <= {n}; k++)); do shards+=(\"$out/shard-$k\"); done\n"
      "exec \"$sim\" sweep merge \"${{shards[@]}}\" -o \"$out\"\n",
      fmt::arg("name", sweep.name), fmt::arg("out", sweep.out_dir), fmt::arg("n", n),
      fmt::arg("ns", n == 1 ? "" : "s"), fmt::arg("shard_k", shard_k),
      fmt::arg("array_file", kArrayScript), fmt::arg("merge_path", s.merge_path),
      fmt::arg("directives",
               directives(o, name + "-merge", 1, (slurm_dir / "merge-job%j.log").string())),
      fmt::arg("sim", shell_quote(sweep.exe)), fmt::arg("out_q", shell_quote(sweep.out_dir)));
  return s;
}

void write_slurm_scripts(const SlurmScripts& s) {
  const fs::path dir = fs::path(s.array_path).parent_path();
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    throw InputError(
        fmt::format("{}: cannot create the scripts' directory: {}", dir.string(), ec.message()));
  }
  write_file_atomic(s.array_path, s.array_text);
  write_file_atomic(s.merge_path, s.merge_text);
}

std::vector<std::string> sbatch_commands(const SlurmScripts& s) {
  return {"array=$(sbatch --parsable " + shell_quote(s.array_path) + ")",
          "sbatch --parsable --dependency=afterok:${array%%;*} " + shell_quote(s.merge_path)};
}

std::string parse_sbatch_job_id(const std::string& stdout_text) {
  std::string t = stdout_text;
  while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back()))) t.pop_back();
  const std::string id = t.substr(0, t.find(';'));
  if (!all_digits(id)) {
    throw InputError(fmt::format("sweep submit: sbatch --parsable printed '{}', not a job id", t));
  }
  return id;
}

SubmittedJobs submit_slurm_scripts(const SlurmScripts& s, const std::string& sbatch) {
  SubmittedJobs j;
  j.array_id = submit_one(sbatch, {s.array_path}, "the job array");
  try {
    j.merge_id =
        submit_one(sbatch, {"--dependency=afterok:" + j.array_id, s.merge_path}, "the merge job");
  } catch (const InputError& e) {
    throw InputError(fmt::format(
        "{}; the job array {} was submitted: cancel it (scancel {}) or submit {} once it has "
        "succeeded",
        e.what(), j.array_id, j.array_id, s.merge_path));
  }
  return j;
}

}  // namespace skv::sweep
