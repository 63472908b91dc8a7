// `swiftkv-sim sweep`, `sweep merge` and `compare` end to end, on the tiny model with
// one-step traces: parallel runs, resume (also after a real kill), failing points,
// sharding, byte-identical summaries.

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "support/RunCli.h"
#include "support/TempDir.h"

namespace fs = std::filesystem;
using skv::test::read_file;
using skv::test::run_cli;
using skv::test::TempDir;

namespace {

const std::string kRoot = SKV_SOURCE_DIR;
const std::string kTinySweep = kRoot + "/configs/sweeps/tiny-array.yaml";
constexpr int kTinyPoints = 6;

// A sweep file on the reference hardware and the tiny model, one generated step.
std::string sweep_file(const TempDir& dir, const std::string& name, const std::string& axes) {
  return dir.write(name, "hw: " + kRoot + "/configs/hw/swiftkv-mha-u55c.yaml\n" +
                             "model: " + kRoot + "/configs/models/tiny.yaml\n" +
                             "trace: {prompt_tokens: 64, generate_tokens: 1}\n" + "axes:\n" + axes);
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    const auto nl = text.find('\n', start);
    out.push_back(text.substr(start, nl - start));
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  return out;
}

// The value of `column` in each data row of a CSV without quoted fields.
std::vector<std::string> column(const std::string& csv, const std::string& name) {
  const auto rows = lines(csv);
  auto cells = [](const std::string& row) {
    std::vector<std::string> c;
    std::size_t start = 0;
    while (true) {
      const auto comma = row.find(',', start);
      c.push_back(row.substr(start, comma - start));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    return c;
  };
  const auto header = cells(rows.at(0));
  const auto at = std::find(header.begin(), header.end(), name) - header.begin();
  std::vector<std::string> out;
  for (std::size_t r = 1; r < rows.size(); ++r) out.push_back(cells(rows[r]).at(at));
  return out;
}

std::map<std::string, fs::file_time_type> report_times(const std::string& out) {
  std::map<std::string, fs::file_time_type> t;
  for (const auto& e : fs::directory_iterator(fs::path(out) / "points")) {
    const auto report = e.path() / "report.json";
    if (fs::exists(report)) t[e.path().filename().string()] = fs::last_write_time(report);
  }
  return t;
}

}  // namespace

TEST_CASE("sweep: the tiny sweep with -j 2, resumed, and byte-identical with -j 1", "[sweep]") {
  TempDir dir;
  const std::string a = dir.file("a");
  const auto r = run_cli({"sweep", kTinySweep, "-j", "2", "-o", a, "-q"});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("ran 6, skipped 0 (already done), failed 0") != std::string::npos);
  CHECK(r.err.empty());

  const std::string csv = read_file(a + "/sweep.csv");
  CHECK(lines(csv).size() == 1 + kTinyPoints);
  CHECK(column(csv, "status") == std::vector<std::string>(kTinyPoints, "done"));
  CHECK(column(csv, "processor_array.rows") ==
        std::vector<std::string>{"16", "32", "64", "32", "64", "128"});
  CHECK(column(csv, "array_cols") == std::vector<std::string>{"64", "32", "16", "64", "64", "64"});
  for (const auto& e : fs::directory_iterator(fs::path(a) / "points")) {
    for (const char* f : {"hw.yaml", "decode.trace", "report.json", "steps.csv", "run.log"}) {
      CHECK(fs::exists(e.path() / f));
    }
    CHECK(!fs::exists(e.path() / "run.tmp"));
    CHECK(lines(read_file((e.path() / "status").string())).at(0) == "done");
  }
  const std::string point3 = a + "/points/0003-rows32-cols64";
  REQUIRE(fs::exists(point3));

  SECTION("a re-run skips every done point") {
    const auto again = run_cli({"sweep", kTinySweep, "-o", a, "-q"});
    CHECK(again.exit_code == 0);
    CHECK(again.out.find("ran 0, skipped 6 (already done), failed 0") != std::string::npos);
    CHECK(read_file(a + "/sweep.csv") == csv);
  }

  SECTION("only the point whose status was deleted runs again") {
    const auto before = report_times(a);
    fs::remove(point3 + "/status");
    const auto again = run_cli({"sweep", kTinySweep, "-o", a, "-q"});
    INFO(again.out << again.err);
    CHECK(again.exit_code == 0);
    CHECK(again.out.find("ran 1, skipped 5 (already done), failed 0") != std::string::npos);
    const auto after = report_times(a);
    REQUIRE(after.size() == before.size());
    for (const auto& [name, time] : before) {
      if (name == "0003-rows32-cols64") continue;
      CHECK(after.at(name) == time);  // untouched
    }
    CHECK(lines(read_file(point3 + "/status")).at(0) == "done");
    CHECK(read_file(a + "/sweep.csv") == csv);
  }

  SECTION("a killed run's leftovers do not count as done") {
    // As if killed after the run wrote its report but before the status was renamed in.
    fs::remove(point3 + "/status");
    fs::create_directories(point3 + "/run.tmp");
    dir.write("a/points/0003-rows32-cols64/status.tmp.999", "done\n");
    const auto again = run_cli({"sweep", kTinySweep, "-o", a, "-q"});
    CHECK(again.out.find("ran 1, skipped 5") != std::string::npos);
    CHECK(!fs::exists(point3 + "/run.tmp"));
    CHECK(!fs::exists(point3 + "/status.tmp.999"));
  }

  SECTION("sweep.csv is byte-identical with -j 1") {
    const std::string b = dir.file("b");
    const auto one = run_cli({"sweep", kTinySweep, "-j", "1", "-o", b, "-q"});
    CHECK(one.exit_code == 0);
    CHECK(read_file(b + "/sweep.csv") == csv);
  }

  SECTION("shards run disjoint points and merge into the same sweep.csv") {
    const std::string s1 = dir.file("s1");
    const std::string s2 = dir.file("s2");
    const auto r1 = run_cli({"sweep", kTinySweep, "--shard", "1/2", "-o", s1, "-q"});
    const auto r2 = run_cli({"sweep", kTinySweep, "--shard", "2/2", "-o", s2, "-q"});
    CHECK(r1.out.find("ran 3, skipped 0 (already done), failed 0 (shard 1/2)") !=
          std::string::npos);
    CHECK(r2.out.find("ran 3, skipped 0 (already done), failed 0 (shard 2/2)") !=
          std::string::npos);
    CHECK(column(read_file(s1 + "/sweep.csv"), "status") ==
          std::vector<std::string>{"done", "pending", "done", "pending", "done", "pending"});
    CHECK(fs::exists(s2 + "/points/0001-rows32-cols32/report.json"));
    CHECK(!fs::exists(s2 + "/points/0000-rows16-cols64"));

    const std::string m = dir.file("merged");
    const auto merged = run_cli({"sweep", "merge", s1, s2, "-o", m});
    INFO(merged.out << merged.err);
    CHECK(merged.exit_code == 0);
    CHECK(merged.out.find("6 points done, 0 failed, 0 not run") != std::string::npos);
    CHECK(read_file(m + "/sweep.csv") == csv);

    // One shard alone is incomplete: merge says so and exits non-zero.
    const auto half = run_cli({"sweep", "merge", s1, "-o", dir.file("half")});
    CHECK(half.exit_code == 1);
    CHECK(half.err.find("3 of 6 points are not done") != std::string::npos);
  }
}

TEST_CASE("sweep: a failing point is recorded and the others finish", "[sweep]") {
  TempDir dir;
  // 8 x 32 and 16 x 32 PEs cannot hold the attention pipelines (a rule across keys, checked
  // by each point's run).
  const std::string file = sweep_file(dir, "f.yaml", "  - processor_array.rows: [8, 32, 16]\n");
  const std::string out = dir.file("out");
  const auto r = run_cli({"sweep", file, "-j", "2", "-o", out, "-q"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("ran 1, skipped 0 (already done), failed 2") != std::string::npos);
  CHECK(r.out.find("failed: 0002-rows16: hw.yaml:15: attention.dot_lanes: the attention "
                   "pipelines need 2048 MAC slots") != std::string::npos);
  REQUIRE(r.err_lines().size() == 1);
  CHECK(r.err_lines()[0].rfind("swiftkv-sim: error: sweep f: 2 of 3 points failed", 0) == 0);

  const std::string csv = read_file(out + "/sweep.csv");
  CHECK(column(csv, "status") == std::vector<std::string>{"failed", "done", "failed"});
  const std::string status = read_file(out + "/points/0000-rows8/status");
  CHECK(lines(status).at(0) == "failed");
  CHECK(status.find("error: hw.yaml:15: attention.dot_lanes: the attention pipelines need") !=
        std::string::npos);
  CHECK(!fs::exists(out + "/points/0000-rows8/report.json"));

  // Failed points run again on a re-run; done ones do not.
  const auto again = run_cli({"sweep", file, "-o", out, "-q"});
  CHECK(again.out.find("ran 0, skipped 1 (already done), failed 2") != std::string::npos);

  // A value outside its key's range stops the sweep before any run, at the axis's line.
  const std::string bad = sweep_file(dir, "b.yaml", "  - processor_array.rows: [32, 5000]\n");
  const auto refused = run_cli({"sweep", bad, "-o", dir.file("out-b"), "-q"});
  CHECK(refused.exit_code == 1);
  REQUIRE(refused.err_lines().size() == 1);
  CHECK(refused.err_lines()[0] == "swiftkv-sim: error: " + bad +
                                      ":5: axes[0].processor_array.rows: 5000 is out of range "
                                      "(allowed: 1 to 4096)");
  CHECK(!fs::exists(dir.file("out-b")));
}

TEST_CASE("sweep: a point that cannot run is failed with its one error line", "[sweep]") {
  TempDir dir;
  // 32 KiB of KV SRAM cannot stage one 64 KiB tile of the tiny model: refused before
  // simulating, never a report of a run that did not finish.
  const std::string file =
      sweep_file(dir, "s.yaml", "  - kv_sram.capacity_kib: [32, 2048]\n");
  const std::string out = dir.file("out");
  const auto r = run_cli({"sweep", file, "-o", out, "-q"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("ran 1, skipped 0 (already done), failed 1") != std::string::npos);
  const std::string csv = read_file(out + "/sweep.csv");
  CHECK(column(csv, "status") == std::vector<std::string>{"failed", "done"});
  const std::string status = read_file(out + "/points/0000-capacity_kib32/status");
  CHECK(status.find("kv_sram.capacity_kib: 32 KiB cannot stage one K/V tile of model tiny") !=
        std::string::npos);
}

TEST_CASE("sweep: a changed sweep file re-runs only the changed points", "[sweep]") {
  TempDir dir;
  const std::string out = dir.file("out");
  const std::string file = sweep_file(dir, "c.yaml",
                                      "  - zip:\n      processor_array.rows: [32, 64]\n"
                                      "      processor_array.cols: [32, 32]\n");
  REQUIRE(run_cli({"sweep", file, "-o", out, "-q"}).exit_code == 0);
  // Same directory name and index for point 1, but another value.
  sweep_file(dir, "c.yaml",
             "  - zip:\n      processor_array.rows: [32, 64]\n"
             "      processor_array.cols: [32, 64]\n");
  const auto r = run_cli({"sweep", file, "-o", out, "-q"});
  CHECK(r.out.find("ran 1, skipped 1 (already done), failed 0") != std::string::npos);
  CHECK(column(read_file(out + "/sweep.csv"), "array_cols") ==
        std::vector<std::string>{"32", "64"});
}

TEST_CASE("sweep: bad sweep files stop before any run, with file:line: key", "[sweep]") {
  TempDir dir;
  const std::string file = sweep_file(dir, "bad.yaml", "  - processor_array.rowz: [32]\n");
  const auto r = run_cli({"sweep", file, "-o", dir.file("out")});
  CHECK(r.exit_code == 1);
  REQUIRE(r.err_lines().size() == 1);
  CHECK(r.err_lines()[0].rfind("swiftkv-sim: error: " + file +
                                   ":5: axes[0].processor_array.rowz: not a key of the hardware "
                                   "config",
                               0) == 0);
  CHECK(!fs::exists(dir.file("out")));

  const auto shard = run_cli({"sweep", kTinySweep, "--shard", "3/2", "-o", dir.file("o2")});
  CHECK(shard.exit_code == 1);
  CHECK(shard.err.find("--shard: '3/2' is not K/N") != std::string::npos);
  const auto none = run_cli({"sweep"});
  CHECK(none.exit_code == 1);
  CHECK(none.err.find("give a sweep file") != std::string::npos);
}

TEST_CASE("compare: algorithms per KV length, with speedups over native", "[sweep]") {
  TempDir dir;
  const std::string out = dir.file("cmp");
  const auto r = run_cli({"compare", "--hw", kRoot + "/configs/hw/swiftkv-mha-u55c.yaml", "--model",
                          kRoot + "/configs/models/tiny.yaml", "--kv-lens", "64,256", "-j", "2",
                          "-o", out, "-q"});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("attention speedup") != std::string::npos);
  const std::string csv = read_file(out + "/compare.csv");
  CHECK(column(csv, "kv_len") ==
        std::vector<std::string>{"64", "64", "64", "64", "256", "256", "256", "256"});
  CHECK(column(csv, "algorithm") == std::vector<std::string>{"swiftkv", "native", "flash",
                                                             "flashdecoding", "swiftkv", "native",
                                                             "flash", "flashdecoding"});
  CHECK(column(csv, "status") == std::vector<std::string>(8, "done"));
  const auto speedup = column(csv, "attention_speedup_vs_native");
  CHECK(speedup[1] == "1");
  CHECK(speedup[5] == "1");
  CHECK(!speedup[0].empty());
  CHECK(fs::exists(out + "/sweep.csv"));

  const auto bad = run_cli({"compare", "--hw", kRoot + "/configs/hw/swiftkv-mha-u55c.yaml",
                            "--model", kRoot + "/configs/models/tiny.yaml", "--kv-lens", "64",
                            "--algos", "swiftkv,fast", "-o", dir.file("bad")});
  CHECK(bad.exit_code == 1);
  CHECK(bad.err ==
        "swiftkv-sim: error: compare: --algos: 'fast' is not an algorithm (allowed: "
        "swiftkv, native, flash, flashdecoding)\n");
}

TEST_CASE("sweep: killed part-way, it leaves no stale sweep.csv and resumes to the same one",
          "[sweep]") {
  // Three points of about 150 decode steps each (tenths of a second apiece), run one at a
  // time, so the sweep can be stopped while its second point is running.
  TempDir dir;
  const std::string file = dir.write(
      "slow.yaml", "hw: " + kRoot + "/configs/hw/swiftkv-mha-u55c.yaml\n" + "model: " + kRoot +
                       "/configs/models/tiny.yaml\n" +
                       "trace: {prompt_tokens: 64, generate_tokens: 150}\n" +
                       "axes:\n  - processor_array.rows: [32, 64, 128]\n");
  const std::string out = dir.file("out");
  const auto first = run_cli({"sweep", file, "-j", "1", "-o", out, "-q"});
  INFO(first.out << first.err);
  REQUIRE(first.exit_code == 0);
  const std::string csv = read_file(out + "/sweep.csv");
  const std::string p0 = out + "/points/0000-rows32";
  const std::string p1 = out + "/points/0001-rows64";
  const std::string p2 = out + "/points/0002-rows128";
  fs::remove(p1 + "/status");
  fs::remove(p2 + "/status");

  // Start it again in the background; stop it (SIGTERM) once point 1 is done.
  const std::vector<std::string> args = {SKV_BINARY, "sweep", file, "-j", "1", "-o", out, "-q"};
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  REQUIRE(posix_spawn(&pid, SKV_BINARY, &fa, nullptr, argv.data(), environ) == 0);
  posix_spawn_file_actions_destroy(&fa);
  bool p1_done = false;
  for (int i = 0; i < 3000 && !p1_done; ++i) {  // up to 30 s
    p1_done = fs::exists(p1 + "/status") && lines(read_file(p1 + "/status")).at(0) == "done";
    if (!p1_done) usleep(10000);
  }
  kill(pid, SIGTERM);
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  REQUIRE(p1_done);
  // Stopped, not finished: it stops its running point and exits with 128 + SIGTERM (15).
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 128 + SIGTERM);
  CHECK(!fs::exists(out + "/sweep.csv"));  // the first run's is gone, none written
  CHECK(!fs::exists(p2 + "/status"));      // point 2 was running: not done
  CHECK(!fs::exists(p2 + "/report.json"));

  const auto again = run_cli({"sweep", file, "-j", "1", "-o", out, "-q"});
  INFO(again.out << again.err);
  CHECK(again.exit_code == 0);
  CHECK(again.out.find("ran 1, skipped 2 (already done), failed 0") != std::string::npos);
  CHECK(read_file(out + "/sweep.csv") == csv);
  CHECK(fs::exists(p0 + "/report.json"));
}
