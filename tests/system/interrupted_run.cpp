// Runs stopped by SIGINT or SIGTERM keep what they finished and say so; a run checks the
// whole trace and its output paths before it simulates anything.

#include <signal.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/RunCli.h"
#include "support/TempDir.h"

using nlohmann::json;
using skv::test::read_csv;
using skv::test::read_file;
using skv::test::run_cli;
using skv::test::run_cli_poked;
using skv::test::source_path;
using skv::test::TempDir;

namespace {

const std::string kHw = source_path("configs/hw/swiftkv-mha-u55c.yaml");
const std::string kTiny = source_path("configs/models/tiny.yaml");

std::size_t lines_in(const std::string& path) {
  std::ifstream in(path);
  std::size_t n = 0;
  for (std::string line; std::getline(in, line);) ++n;
  return n;
}

// Runs the command `args` and sends it `sig` once `steps_csv` (a run's steps.csv, written
// as each step finishes) holds its header and at least three steps; it must then stop
// with 128 + the signal's number, saying why on stderr.
skv::test::CliResult interrupted_at_step_3(const std::vector<std::string>& args,
                                           const std::string& steps_csv, int sig = SIGINT) {
  const auto r = run_cli_poked(
      args,
      [&](pid_t pid) {
        if (lines_in(steps_csv) < 4) return false;
        kill(pid, sig);
        return true;
      },
      std::chrono::minutes(10));
  REQUIRE_FALSE(r.hung);
  CHECK(r.exit_code == 128 + sig);
  REQUIRE(!r.err_lines().empty());
  return r;
}

}  // namespace

TEST_CASE("run: SIGINT or SIGTERM stops at a batch's end, keeps every step that ran and marks "
          "the report incomplete",
          "[system]") {
  const TempDir dir;
  const std::string trace = dir.file("long.trace");
  // 4,000 one-row batches of the tiny model (4 requests of 1,000 steps from a 10-token
  // prompt: at most 1,009 + 1 tokens of its 1,024): far more than run before the signal.
  REQUIRE(run_cli({"trace", "gen", "--requests", "4", "--prompt", "10", "--gen", "1000", "-o",
                   trace})
              .exit_code == 0);
  for (const int sig : {SIGINT, SIGTERM}) {
    const std::string name = sig == SIGINT ? "SIGINT" : "SIGTERM";
    INFO(name);
    const std::string out = dir.file("out-" + name);
    // A report of an earlier run in the output directory must not survive beside new steps.
    REQUIRE(run_cli({"trace", "gen", "--prompt", "1", "--gen", "1", "-o", dir.file("one.trace")})
                .exit_code == 0);
    REQUIRE(run_cli({"run", "--hw", kHw, "--model", kTiny, "--trace", dir.file("one.trace"), "-q",
                     "-o", out})
                .exit_code == 0);
    const std::string csv = out + "/steps.csv";
    const auto r = interrupted_at_step_3(
        {"run", "--hw", kHw, "--model", kTiny, "--trace", trace, "-q", "-o", out}, csv, sig);
    CHECK(r.out.find("INCOMPLETE          interrupted by " + name) != std::string::npos);
    const json j = json::parse(read_file(out + "/report.json"));
    CHECK(j.at("complete") == false);
    CHECK(j.at("interrupted").at("signal") == name);
    CHECK(j.at("interrupted").at("steps_in_trace") == 4000);
    const auto steps = j.at("interrupted").at("steps_done").get<std::uint64_t>();
    CHECK(steps >= 3);
    CHECK(steps < 4000);
    // Every step that ran is a whole row of steps.csv, and the report counts the same.
    CHECK(j.at("totals").at("decode_steps") == steps);
    CHECK(read_csv(csv).size() == 1 + steps);
    CHECK(r.err_lines().back().find("swiftkv-sim: run interrupted by " + name + ": " +
                                    std::to_string(steps) + " of 4000 decode steps ran") == 0);
  }
}

TEST_CASE("run: a finished run's report says complete", "[system]") {
  const TempDir dir;
  const auto r = run_cli({"run", "--hw", kHw, "--model", kTiny, "--trace",
                          source_path("tests/golden/tiny-5steps.trace"), "-q", "-o", dir.file("o")});
  REQUIRE(r.exit_code == 0);
  const json j = json::parse(read_file(dir.file("o/report.json")));
  CHECK(j.at("complete") == true);
  CHECK_FALSE(j.contains("interrupted"));
}

TEST_CASE("run: the trace, --timeline-batch and the output paths are checked before simulating",
          "[system]") {
  const TempDir dir;
  const std::string golden = source_path("tests/golden/tiny-5steps.trace");
  auto first_error = [](const skv::test::CliResult& r) {
    INFO(r.err);
    CHECK(r.exit_code == 1);
    REQUIRE(r.err_lines().size() == 1);
    return r.err_lines()[0];
  };
  SECTION("a header-only trace") {
    const std::string empty = dir.file("empty.trace");
    std::ofstream(empty) << "# swiftkv-decode-trace v1\nbatch,request,step,kv_len\n";
    CHECK(first_error(run_cli({"run", "--hw", kHw, "--model", kTiny, "--trace", empty, "-q", "-o",
                               dir.file("o")})) ==
          "swiftkv-sim: error: " + empty + ": the trace has no decode steps (a header and no rows)");
  }
  SECTION("a --timeline-batch the trace does not have: refused before any step ran") {
    const auto r = run_cli({"run", "--hw", kHw, "--model", kTiny, "--trace", golden, "-q", "-o",
                            dir.file("o"), "--timeline", dir.file("t.json"), "--timeline-batch",
                            "99"});
    CHECK(first_error(r) ==
          "swiftkv-sim: error: --timeline-batch: batch 99 is not in " + golden);
    CHECK_FALSE(std::ifstream(dir.file("o/steps.csv")).good());
  }
  SECTION("a batch larger than the hardware's KV slots, named with its line, before simulating") {
    // The reference hardware has memory.max_batch = 1 (configs/hw/swiftkv-mha-u55c.yaml);
    // the trace's last batch, from line 4, has two rows.
    const std::string two = dir.file("two.trace");
    std::ofstream(two) << "# swiftkv-decode-trace v1\nbatch,request,step,kv_len\n0,0,0,10\n"
                          "1,0,1,11\n1,1,0,10\n";
    const std::string line = first_error(run_cli(
        {"run", "--hw", kHw, "--model", kTiny, "--trace", two, "-q", "-o", dir.file("o")}));
    CHECK(line.find(two + ":4: batch 1 has 2 rows, more than memory.max_batch = 1") !=
          std::string::npos);
    CHECK_FALSE(std::ifstream(dir.file("o/steps.csv")).good());
  }
  SECTION("an output that is one of the inputs") {
    // -o DIR whose steps.csv is the trace itself.
    const std::string out = dir.file("o");
    REQUIRE(run_cli({"trace", "gen", "--prompt", "10", "--gen", "2", "-o", dir.file("x")})
                .exit_code == 0);
    std::filesystem::create_directories(out);
    std::filesystem::copy_file(dir.file("x"), out + "/steps.csv");
    const std::string before = read_file(out + "/steps.csv");
    CHECK(first_error(run_cli({"run", "--hw", kHw, "--model", kTiny, "--trace",
                               out + "/./steps.csv", "-q", "-o", out})) ==
          "swiftkv-sim: error: " + out + "/steps.csv: the steps file is also the input --trace; "
          "writing it would destroy that input (choose another path)");
    CHECK(read_file(out + "/steps.csv") == before);
  }
  SECTION("trace import onto its own input") {
    const std::string csv = dir.file("req.csv");
    std::ofstream(csv) << "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.6805900,10,2\n";
    const std::string before = read_file(csv);
    CHECK(first_error(run_cli({"trace", "import", csv, "-o", csv})) ==
          "swiftkv-sim: error: " + csv + ": -o is also the input request CSV; writing it would "
          "destroy that input (choose another path)");
    CHECK(read_file(csv) == before);
  }
}

TEST_CASE("sweep: SIGINT stops the running points, leaves them to run again, and says how to "
          "resume",
          "[system]") {
  const TempDir dir;
  const std::string spec = dir.file("s.yaml");
  // Two points of 1,000 one-row batches each (tiny model, 10-token prompt).
  std::ofstream(spec) << "name: stop\nhw: " << kHw << "\nmodel: " << kTiny
                      << "\ntrace:\n  prompt_tokens: 10\n  generate_tokens: 1000\n"
                         "algorithm: swiftkv\naxes:\n  - processor_array.rows: [32, 64]\n";
  const std::string out = dir.file("out");
  const std::string first_csv = out + "/points/0000-rows32/run.tmp/steps.csv";
  const auto r = interrupted_at_step_3({"sweep", spec, "-o", out, "-j", "2", "-q"}, first_csv);
  const std::string last = r.err_lines().back();
  CHECK(last.find("swiftkv-sim: sweep stop interrupted by SIGINT: ") == 0);
  CHECK(last.find("run the same command again to resume") != std::string::npos);
  // Neither point is marked failed, nor done: no status file, no sweep.csv yet.
  CHECK_FALSE(std::ifstream(out + "/points/0000-rows32/status").good());
  CHECK_FALSE(std::ifstream(out + "/sweep.csv").good());

  const auto resumed = run_cli({"sweep", spec, "-o", out, "-j", "2", "-q"});
  INFO(resumed.err);
  CHECK(resumed.exit_code == 0);
  CHECK(resumed.out.find("ran 2, skipped 0 (already done), failed 0") != std::string::npos);
}

TEST_CASE(
    "check-fast: SIGINT stops the running runs and says how to resume, and a "
    "run stopped part of the way runs again",
    "[system]") {
  const TempDir dir;
  const std::string matrix = dir.file("m.yaml");
  // One case, tiny, 400 steps from KV 10: with -j 1 its exact run goes first, and the
  // fast run waits for it.
  std::ofstream(matrix) << "steps: 400\npoints:\n  - name: tiny\n    hw: " << kHw
                        << "\n    model: " << kTiny << "\n    algorithms: swiftkv\n    kv: 10\n";
  const std::string out = dir.file("check");
  const std::string exact = out + "/tiny-swiftkv-kv10/exact";
  const auto r =
      interrupted_at_step_3({"check-fast", matrix, "-o", out, "-j", "1"}, exact + "/steps.csv");
  CHECK(r.err_lines().back() ==
        "swiftkv-sim: check-fast interrupted by SIGINT: 0 runs finished now, 0 before, 0 failed, "
        "2 left to run; run the same command again to resume (finished runs are kept in " +
            out + ")");
  CHECK(r.out.find("runs done") == std::string::npos);
  // The exact run wrote the steps it ran, marked incomplete: not a finished run.
  CHECK(json::parse(read_file(exact + "/report.json")).at("complete") == false);
  CHECK(lines_in(exact + "/steps.csv") < 1 + 400);
  CHECK_FALSE(std::ifstream(out + "/check-fast.csv").good());

  const auto resumed = run_cli({"check-fast", matrix, "-o", out, "-j", "1"});
  INFO(resumed.out << resumed.err);
  CHECK(resumed.out.find("check-fast: 1 cases, 2 runs to do (0 done before)") != std::string::npos);
  CHECK(resumed.out.find("check-fast: 1 of 2 runs done: tiny-swiftkv-kv10/exact in ") !=
        std::string::npos);
  CHECK(resumed.out.find("check-fast: 2 of 2 runs done: tiny-swiftkv-kv10/fast in ") !=
        std::string::npos);
  CHECK(json::parse(read_file(exact + "/report.json")).at("complete") == true);
  CHECK(lines_in(exact + "/steps.csv") == 1 + 400);
  CHECK(read_csv(out + "/check-fast.csv").size() == 1 + 1);
}
