// `sweep submit`'s Slurm scripts: option checks (time and memory formats), the scripts'
// directives and commands, their determinism, shell quoting and sbatch's job ids.

#include <catch2/catch.hpp>
#include <string>

#include "common/Error.h"
#include "sweep/SlurmSubmit.h"

using namespace skv::sweep;

namespace {

SlurmSweep tiny_sweep() {
  SlurmSweep s;
  s.name = "tiny-array";
  s.points = 6;
  s.exe = "/opt/skv/bin/swiftkv-sim";
  s.sweep_file = "/home/me/sweeps/tiny array.yaml";  // a blank: quoted in the script
  s.out_dir = "/scratch/me/out/tiny";
  return s;
}

SlurmOptions three_shards() {
  SlurmOptions o;
  o.shards = 3;
  return o;
}

// The InputError message of `f()`, or "" if it does not throw.
template <typename F>
std::string error_of(F f) {
  try {
    f();
  } catch (const skv::InputError& e) {
    return e.what();
  }
  return "";
}

bool has_line(const std::string& text, const std::string& line) {
  return ("\n" + text).find("\n" + line + "\n") != std::string::npos;
}

}  // namespace

TEST_CASE("slurm: time limits in Slurm's formats", "[sweep][slurm]") {
  for (const char* ok : {"30", "30:00", "1:30:00", "01:30:00", "2-0", "2-12", "2-12:30",
                         "2-12:30:15", "0", "1440", "UNLIMITED", "INFINITE", "unlimited"}) {
    INFO(ok);
    CHECK(is_slurm_time(ok));
  }
  for (const char* bad : {"", "1h", "1:2:3:4", "1:60", "1:30:60", "2-24", "-1", "2-", "1::0", ":30",
                          "2-1:2:3:4", "1.5", " 30", "UNLIMITE"}) {
    INFO(bad);
    CHECK(!is_slurm_time(bad));
  }
}

TEST_CASE("slurm: memory sizes as sbatch --mem reads them", "[sweep][slurm]") {
  for (const char* ok : {"4G", "4096", "100M", "512k", "1T", "0"}) {
    INFO(ok);
    CHECK(is_slurm_memory(ok));
  }
  for (const char* bad : {"", "G", "4GB", "4.5G", "-1G", "4 G", "4P"}) {
    INFO(bad);
    CHECK(!is_slurm_memory(bad));
  }
}

TEST_CASE("slurm: each bad option is one line naming it", "[sweep][slurm]") {
  SlurmOptions o = three_shards();
  CHECK(error_of([&] { check_slurm_options(o); }).empty());

  o.shards = 0;
  CHECK(error_of([&] { check_slurm_options(o); }) ==
        "sweep submit: --shards: 0 is not a number of shards (give 1 or more: one Slurm array "
        "task each)");
  o = three_shards();
  o.time = "90min";
  CHECK(error_of([&] { check_slurm_options(o); }) ==
        "sweep submit: --time: '90min' is not a Slurm time limit (MM, MM:SS, HH:MM:SS, D-HH, "
        "D-HH:MM, D-HH:MM:SS or UNLIMITED, e.g. 01:30:00)");
  o = three_shards();
  o.mem = "4GB";
  CHECK(error_of([&] { check_slurm_options(o); })
            .rfind("sweep submit: --mem: '4GB' is not a Slurm "
                   "memory size",
                   0) == 0);
  o = three_shards();
  o.partition = "gpu debug";
  CHECK(error_of([&] {
          check_slurm_options(o);
        }).rfind("sweep submit: --partition: 'gpu debug'", 0) == 0);
  o = three_shards();
  o.account = "a;b";
  CHECK(error_of([&] { check_slurm_options(o); }).rfind("sweep submit: --account: 'a;b'", 0) == 0);

  // More shards than points would leave tasks with nothing to do.
  o = three_shards();
  o.shards = 7;
  CHECK(error_of([&] { slurm_scripts(tiny_sweep(), o); }) ==
        "sweep submit: --shards 7: sweep tiny-array has 6 points, so at most 6 shards");
  // An #SBATCH line ends at a blank and expands '%'.
  SlurmSweep s = tiny_sweep();
  s.out_dir = "/scratch/my out";
  CHECK(error_of([&] { slurm_scripts(s, three_shards()); })
            .rfind("sweep submit: -o: '/scratch/my out': "
                   "Slurm's #SBATCH --output",
                   0) == 0);
  s.out_dir = "/scratch/100%";
  CHECK(!error_of([&] { slurm_scripts(s, three_shards()); }).empty());
}

TEST_CASE("slurm: the job array and the merge scripts", "[sweep][slurm]") {
  SlurmOptions o = three_shards();
  o.partition = "short";
  o.time = "01:00:00";
  o.mem = "2G";
  o.account = "proj42";
  o.cpus_per_task = 4;
  const SlurmScripts s = slurm_scripts(tiny_sweep(), o);
  CHECK(s.array_path == "/scratch/me/out/tiny/slurm/shards.sbatch");
  CHECK(s.merge_path == "/scratch/me/out/tiny/slurm/merge.sbatch");

  const std::string& a = s.array_text;
  CHECK(a.rfind("#!/bin/bash\n", 0) == 0);
  for (const char* line :
       {"#SBATCH --array=1-3", "#SBATCH --job-name=tiny-array", "#SBATCH --cpus-per-task=4",
        "#SBATCH --partition=short", "#SBATCH --time=01:00:00", "#SBATCH --mem=2G",
        "#SBATCH --account=proj42",
        "#SBATCH --output=/scratch/me/out/tiny/slurm/shard-%a-job%A.log",
        "sim=/opt/skv/bin/swiftkv-sim", "sweep='/home/me/sweeps/tiny array.yaml'",
        "out=/scratch/me/out/tiny",
        "exec \"$sim\" sweep \"$sweep\" --shard \"$k/3\" -j \"${SLURM_CPUS_PER_TASK}\" -o "
        "\"$out/shard-$k\" -q"}) {
    INFO(line);
    CHECK(has_line(a, line));
  }
  // sbatch reads #SBATCH lines only before the first command.
  CHECK(a.find("#SBATCH") < a.find("\nset -euo pipefail"));
  CHECK(a.rfind("#SBATCH") < a.find("\nset -euo pipefail"));

  const std::string& m = s.merge_text;
  for (const char* line :
       {"#SBATCH --kill-on-invalid-dep=yes", "#SBATCH --job-name=tiny-array-merge",
        "#SBATCH --cpus-per-task=1",  // the merge is one process, whatever the tasks have
        "#SBATCH --partition=short", "#SBATCH --time=01:00:00",
        "#SBATCH --output=/scratch/me/out/tiny/slurm/merge-job%j.log",
        "for ((k = 1; k <= 3; k++)); do shards+=(\"$out/shard-$k\"); done",
        "exec \"$sim\" sweep merge \"${shards[@]}\" -o \"$out\""}) {
    INFO(line);
    CHECK(has_line(m, line));
  }
  CHECK(m.find("--array") == std::string::npos);

  // Same inputs, same bytes.
  const SlurmScripts again = slurm_scripts(tiny_sweep(), o);
  CHECK(again.array_text == s.array_text);
  CHECK(again.merge_text == s.merge_text);

  // Slurm's defaults are left alone; --mode reaches every shard.
  SlurmOptions plain = three_shards();
  plain.mode = "fast";
  const SlurmScripts p = slurm_scripts(tiny_sweep(), plain);
  for (const char* absent : {"--partition", "--time", "--mem", "--account"}) {
    INFO(absent);
    CHECK(p.array_text.find(absent) == std::string::npos);
    CHECK(p.merge_text.find(absent) == std::string::npos);
  }
  CHECK(p.array_text.find("-j \"${SLURM_CPUS_PER_TASK}\" --mode fast -o") != std::string::npos);
}

TEST_CASE("slurm: sbatch commands, shell quoting and job ids", "[sweep][slurm]") {
  CHECK(shell_quote("/a/b-c_d.e") == "/a/b-c_d.e");
  CHECK(shell_quote("/a b") == "'/a b'");
  CHECK(shell_quote("it's") == "'it'\\''s'");
  CHECK(shell_quote("$HOME") == "'$HOME'");

  const SlurmScripts s = slurm_scripts(tiny_sweep(), three_shards());
  const auto cmds = sbatch_commands(s);
  REQUIRE(cmds.size() == 2);
  CHECK(cmds[0] == "array=$(sbatch --parsable /scratch/me/out/tiny/slurm/shards.sbatch)");
  CHECK(cmds[1] ==
        "sbatch --parsable --dependency=afterok:${array%%;*} "
        "/scratch/me/out/tiny/slurm/merge.sbatch");

  CHECK(parse_sbatch_job_id("1234\n") == "1234");
  CHECK(parse_sbatch_job_id("1234;cluster\n") == "1234");
  CHECK(error_of([] { parse_sbatch_job_id("Submitted batch job 12\n"); }) ==
        "sweep submit: sbatch --parsable printed 'Submitted batch job 12', not a job id");
}
