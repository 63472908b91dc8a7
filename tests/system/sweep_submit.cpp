// `swiftkv-sim sweep submit` without a cluster: the scripts it writes, run by bash as
// Slurm would run them, merge into the same sweep.csv as a local run; submission goes
// through a stand-in sbatch that records its arguments; bad options are one line each.
// tests/slurm/ runs the same on a real Slurm.

#include <stdlib.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "support/RunCli.h"
#include "support/TempDir.h"

namespace fs = std::filesystem;
using skv::test::read_file;
using skv::test::run_cli;
using skv::test::run_program;
using skv::test::TempDir;

namespace {

const std::string kRoot = SKV_SOURCE_DIR;
const std::string kTinySweep = kRoot + "/configs/sweeps/tiny-array.yaml";  // 6 points

// Sets an environment variable for this test's children, and puts it back afterwards.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = getenv(name)) old_ = old;
    setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_) {
      setenv(name_, old_->c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

// A stand-in for sbatch in DIR/bin: it appends its arguments to DIR/sbatch.args, one call a
// line, and answers each call with the next line of `answers` ("ID" printed, exit 0; or
// "!MESSAGE" on stderr, exit 1).
std::string fake_sbatch(const TempDir& dir, const std::vector<std::string>& answers) {
  std::string script =
      "#!/bin/bash\n"
      "echo \"$*\" >> " +
      dir.file("sbatch.args") +
      "\n"
      "n=$(wc -l < " +
      dir.file("sbatch.args") +
      ")\n"
      "case $n in\n";
  for (std::size_t i = 0; i < answers.size(); ++i) {
    const std::string& a = answers[i];
    script += "  " + std::to_string(i + 1) + ") " +
              (a[0] == '!' ? "echo '" + a.substr(1) + "' >&2; exit 1" : "echo '" + a + "'") +
              " ;;\n";
  }
  script += "esac\n";
  const std::string path = dir.write("bin/sbatch", script);
  chmod(path.c_str(), 0755);
  return dir.file("bin");
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE(
    "sweep submit --write-only: scripts that bash runs as Slurm would, into the same "
    "sweep.csv",
    "[sweep][slurm]") {
  TempDir dir;
  const std::string out = dir.file("out");
  const std::vector<std::string> args{"sweep",    "submit", kTinySweep, "--shards",
                                      "3",        "-o",     out,        "--time",
                                      "00:10:00", "--mem",  "1G",       "--write-only"};
  const auto r = run_cli(args);
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.empty());
  const std::string array = out + "/slurm/shards.sbatch";
  const std::string merge = out + "/slurm/merge.sbatch";
  CHECK(contains(r.out, "sweep tiny-array: 6 points in 3 shards, into " + out + "\n"));
  CHECK(contains(r.out, "submit them with:\n  array=$(sbatch --parsable " + array +
                            ")\n"
                            "  sbatch --parsable --dependency=afterok:${array%%;*} " +
                            merge + "\n"));
  const std::string array_text = read_file(array);
  const std::string merge_text = read_file(merge);
  // The tasks run this very binary, by its absolute path.
  CHECK(contains(array_text, "\nsim=" + fs::canonical(SKV_BINARY).string() + "\n"));
  CHECK(contains(array_text, "\nsweep=" + fs::canonical(kTinySweep).string() + "\n"));
  CHECK(contains(array_text, "\n#SBATCH --time=00:10:00\n#SBATCH --mem=1G\n"));
  CHECK(contains(merge_text, "\n#SBATCH --time=00:10:00\n#SBATCH --mem=1G\n"));
  CHECK(!fs::exists(out + "/shard-1"));  // nothing ran

  // The same command writes the same bytes.
  REQUIRE(run_cli(args).exit_code == 0);
  CHECK(read_file(array) == array_text);
  CHECK(read_file(merge) == merge_text);

  // Each array task as Slurm starts it, then the merge.
  for (int k = 1; k <= 3; ++k) {
    ScopedEnv task("SLURM_ARRAY_TASK_ID", std::to_string(k));
    ScopedEnv cpus("SLURM_CPUS_PER_TASK", "2");
    const auto t = run_program("/bin/bash", {array});
    INFO(t.out << t.err);
    CHECK(t.exit_code == 0);
    CHECK(contains(
        t.out, "ran 2, skipped 0 (already done), failed 0 (shard " + std::to_string(k) + "/3)"));
  }
  const auto m = run_program("/bin/bash", {merge});
  INFO(m.out << m.err);
  CHECK(m.exit_code == 0);
  CHECK(contains(m.out, "merged 3 directories: 6 points done, 0 failed, 0 not run"));

  const std::string local = dir.file("local");
  REQUIRE(run_cli({"sweep", kTinySweep, "-j", "2", "-o", local, "-q"}).exit_code == 0);
  const std::string csv = read_file(local + "/sweep.csv");
  CHECK(!csv.empty());
  CHECK(read_file(out + "/sweep.csv") == csv);
}

TEST_CASE("sweep submit: the job array, then the merge after it", "[sweep][slurm]") {
  TempDir dir;
  const std::string out = dir.file("out");
  const std::string array = out + "/slurm/shards.sbatch";
  const std::string merge = out + "/slurm/merge.sbatch";
  const std::vector<std::string> args{"sweep", "submit", kTinySweep, "--shards", "2",
                                      "-o",    out,      "-p",       "short"};

  SECTION("both submitted") {
    ScopedEnv path("PATH", fake_sbatch(dir, {"101", "102;cluster0"}) + ":/usr/bin:/bin");
    const auto r = run_cli(args);
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(contains(r.out, "submitted job array 101 (tasks 1-2): shards into " + out +
                              "/shard-1 ... shard-2\n"));
    CHECK(contains(r.out, "submitted merge job 102 (afterok:101): " + out + "/sweep.csv\n"));
    CHECK(read_file(dir.file("sbatch.args")) ==
          "--parsable " + array + "\n--parsable --dependency=afterok:101 " + merge + "\n");
    CHECK(contains(read_file(array), "\n#SBATCH --partition=short\n"));
  }

  SECTION("the array refused: sbatch's error, and nothing else submitted") {
    ScopedEnv path("PATH",
                   fake_sbatch(dir, {"!sbatch: error: invalid partition specified: short"}) +
                       ":/usr/bin:/bin");
    const auto r = run_cli(args);
    CHECK(r.exit_code == 1);
    REQUIRE(r.err_lines().size() == 1);
    CHECK(r.err_lines()[0] ==
          "swiftkv-sim: error: sweep submit: sbatch refused the job array (exit code 1): "
          "sbatch: error: invalid partition specified: short");
    CHECK(read_file(dir.file("sbatch.args")) == "--parsable " + array + "\n");
  }

  SECTION("the merge refused: the array's id named, to cancel it") {
    ScopedEnv path("PATH",
                   fake_sbatch(dir, {"101", "!sbatch: error: too many jobs"}) + ":/usr/bin:/bin");
    const auto r = run_cli(args);
    CHECK(r.exit_code == 1);
    REQUIRE(r.err_lines().size() == 1);
    CHECK(r.err_lines()[0] ==
          "swiftkv-sim: error: sweep submit: sbatch refused the merge job (exit code 1): "
          "sbatch: error: too many jobs; the job array 101 was submitted: cancel it (scancel "
          "101) or submit " +
              merge + " once it has succeeded");
  }
}

TEST_CASE("sweep submit: bad options are one line each, before anything is written",
          "[sweep][slurm]") {
  TempDir dir;
  const std::string out = dir.file("out");
  auto refused = [&](std::vector<std::string> extra) {
    std::vector<std::string> args{"sweep", "submit", kTinySweep, "-o", out};
    args.insert(args.end(), extra.begin(), extra.end());
    const auto r = run_cli(args);
    INFO(r.out << r.err);
    CHECK(r.exit_code == 1);
    CHECK(r.out.empty());
    CHECK(!fs::exists(out));
    REQUIRE(r.err_lines().size() == 1);
    return r.err_lines()[0];
  };
  CHECK(refused({"--shards", "0", "--write-only"}) ==
        "swiftkv-sim: error: sweep submit: --shards: 0 is not a number of shards (give 1 or "
        "more: one Slurm array task each)");
  CHECK(refused({"--shards", "7", "--write-only"}) ==
        "swiftkv-sim: error: sweep submit: --shards 7: sweep tiny-array has 6 points, so at "
        "most 6 shards");
  CHECK(refused({"--shards", "2", "--time", "1:30:00:00", "--write-only"}) ==
        "swiftkv-sim: error: sweep submit: --time: '1:30:00:00' is not a Slurm time limit (MM, "
        "MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS or UNLIMITED, e.g. 01:30:00)");
  CHECK(refused({"--shards", "2", "--mem", "2GB", "--write-only"}) ==
        "swiftkv-sim: error: sweep submit: --mem: '2GB' is not a Slurm memory size (a whole "
        "number of megabytes, or with a unit K, M, G or T, e.g. 4G)");
  {
    ScopedEnv path("PATH", dir.file("empty-bin"));  // no sbatch there
    CHECK(refused({"--shards", "2"}) ==
          "swiftkv-sim: error: sweep submit: sbatch is not on PATH (is this a Slurm login "
          "node?); --write-only writes the scripts and prints the sbatch commands without "
          "submitting");
  }
  const auto missing = run_cli({"sweep", "submit", kTinySweep, "-o", out, "--write-only"});
  CHECK(missing.exit_code == 2);
  CHECK(contains(missing.err, "--shards is required"));
}
