// A sweep's files: atomic writes, input hashes, the status file and the resume decision;
// reading results back from one or several output directories (merge), sweep.csv and
// compare.csv; the process pool that runs the points.

#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "common/BuildId.h"
#include "common/Error.h"
#include "config/ResolvedConfig.h"
#include "support/TempDir.h"
#include "sweep/Compare.h"
#include "sweep/ProcessPool.h"
#include "sweep/SweepFiles.h"
#include "sweep/SweepRunner.h"
#include "sweep/SweepSpec.h"
#include "sweep/SweepSummary.h"

using namespace skv::sweep;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// A report.json with the keys the sweep reads (src/report/RunReport.cpp), 2 batches.
json fake_report(const std::string& algo, double step_cycles, double attention_cycles) {
  return {{"inputs", {{"algorithm", algo}, {"model_name", "m"}, {"hw_name", "h"}}},
          {"clocks", {{"accelerator_period_ps", 4000}}},
          {"totals", {{"batches", 2}, {"decode_steps", 2}, {"tokens_per_s", 10.5}}},
          {"latency_per_step", {{"mean_cycles", step_cycles}, {"mean_ns", step_cycles * 4}}},
          {"breakdown",
           {{"gemv_cycles", 2 * (step_cycles - attention_cycles)},
            {"attention_cycles", 2 * attention_cycles},
            {"other_cycles", 0},
            {"gemv_pct", 50.0},
            {"attention_pct", 50.0},
            {"other_pct", 0.0}}},
          {"processor_array",
           {{"rows", 32}, {"cols", 32}, {"busy_pct", 80.0}, {"useful_mac_pct", 40.0}}},
          {"attention_pipeline", {{"busy_pct", 10.0}}},
          {"kv_sram", {{"port_utilisation_pct", 5.0}}},
          {"dram", {{"bandwidth_over_run_pct", 20.0}, {"bandwidth_over_run_bytes_per_s", 1e9}}},
          {"roofline", {{"bound", "memory"}, {"simulated_over_bound", 1.5}}}};
}

struct FakePoint {
  std::string dir;
  std::string algorithm;
  std::vector<std::string> values;
  std::string hash;
};

// A sweep output directory with manifest `points`; nothing run yet.
void write_manifest(const std::string& dir, const std::vector<std::string>& axes,
                    const std::vector<FakePoint>& points) {
  json pts = json::array();
  for (std::size_t i = 0; i < points.size(); ++i) {
    json values = json::object();
    for (std::size_t k = 0; k < axes.size(); ++k) values[axes[k]] = points[i].values[k];
    pts.push_back({{"index", i},
                   {"dir", points[i].dir},
                   {"algorithm", points[i].algorithm},
                   {"values", values},
                   {"inputs_hash", points[i].hash}});
  }
  fs::create_directories(fs::path(dir) / kPointsDir);
  write_file_atomic(
      (fs::path(dir) / kManifestFile).string(),
      json{{"report", "swiftkv-sim sweep"}, {"name", "t"}, {"axes", axes}, {"points", pts}}.dump());
}

void mark(const std::string& dir, const FakePoint& p, PointState state, const json& report = {},
          const std::string& error = "") {
  const fs::path d = fs::path(dir) / kPointsDir / p.dir;
  fs::create_directories(d);
  if (state == PointState::Done) write_file_atomic((d / kReportFile).string(), report.dump());
  write_file_atomic((d / kStatusFile).string(), format_status({state, p.hash, error}));
}

}  // namespace

TEST_CASE("status file: format, parse, and the resume decision", "[sweep]") {
  const PointStatus done{PointState::Done, "00ff", ""};
  CHECK(format_status(done) == "done\ninputs_hash: 00ff\n");
  const PointStatus failed{PointState::Failed, "0a", "hw.yaml:3: rows: bad\nsecond line"};
  CHECK(format_status(failed) ==
        "failed\ninputs_hash: 0a\nerror: hw.yaml:3: rows: bad second line\n");
  const auto back = parse_status(format_status(failed));
  REQUIRE(back);
  CHECK(back->state == PointState::Failed);
  CHECK(back->inputs_hash == "0a");
  CHECK(back->error == "hw.yaml:3: rows: bad second line");
  CHECK(!parse_status(""));
  CHECK(!parse_status("done\n"));  // no hash
  CHECK(!parse_status("finished\ninputs_hash: 1\n"));
  CHECK(!parse_status("done\ninputs_hash: 1\nextra: 2\n"));

  // Done only for the same inputs and with the report there; anything else runs again.
  CHECK(resume_state(done, "00ff", true) == PointState::Done);
  CHECK(resume_state(done, "00ff", false) == PointState::Pending);
  CHECK(resume_state(done, "1234", true) == PointState::Pending);  // changed inputs
  CHECK(resume_state(std::nullopt, "00ff", true) == PointState::Pending);
  CHECK(resume_state(failed, "0a", false) == PointState::Failed);
  CHECK(resume_state(failed, "0b", false) == PointState::Pending);
}

TEST_CASE("read_point_status reads a point directory", "[sweep]") {
  skv::test::TempDir dir;
  const std::string p = dir.file("p");
  CHECK(read_point_status(p, "aa").state == PointState::Pending);  // no directory yet
  fs::create_directories(p);
  write_file_atomic(p + "/status", format_status({PointState::Done, "aa", ""}));
  CHECK(read_point_status(p, "aa").state == PointState::Pending);  // no report.json
  write_file_atomic(p + "/report.json", "{}");
  CHECK(read_point_status(p, "aa").state == PointState::Done);
  CHECK(read_point_status(p, "bb").state == PointState::Pending);
  write_file_atomic(p + "/status", format_status({PointState::Failed, "aa", "boom"}));
  const PointStatus f = read_point_status(p, "aa");
  CHECK(f.state == PointState::Failed);
  CHECK(f.error == "boom");
  write_file_atomic(p + "/status", "garbage");
  CHECK(read_point_status(p, "aa").state == PointState::Pending);
}

TEST_CASE("write_file_atomic replaces a file and leaves no temporary", "[sweep]") {
  skv::test::TempDir dir;
  const std::string f = dir.file("a.txt");
  write_file_atomic(f, "one");
  write_file_atomic(f, "two");
  CHECK(skv::test::read_file(f) == "two");
  int entries = 0;
  for (const auto& e : fs::directory_iterator(dir.path())) entries += e.is_regular_file() ? 1 : 0;
  CHECK(entries == 1);
  CHECK_THROWS_AS(write_file_atomic(dir.file("no/such/dir/x"), "x"), skv::InputError);
}

TEST_CASE("input hashes: parts are labelled, files hashed by content", "[sweep]") {
  skv::StableHash a;
  a.add("hw", "ab");
  a.add("trace", "c");
  skv::StableHash b;
  b.add("hw", "a");
  b.add("trace", "bc");
  CHECK(a.hex() != b.hex());  // the same bytes split differently
  CHECK(a.hex().size() == 16);
  skv::StableHash empty;
  CHECK(empty.hex() == "cbf29ce484222325");  // FNV-1a offset basis

  skv::test::TempDir dir;
  const std::string big(200000, 'x');
  CHECK(hash_file(dir.write("x", big)) == hash_file(dir.write("y", big)));
  CHECK(hash_file(dir.write("z", big + "y")) != hash_file(dir.file("x")));
}

TEST_CASE("the one-line error of a failed run comes from its log", "[sweep]") {
  CHECK(run_error_from_log("summary\nswiftkv-sim: error: hw.yaml:3: rows: bad\n", "exit code 1") ==
        "hw.yaml:3: rows: bad");
  CHECK(run_error_from_log("", "killed by signal 9 (Killed)") == "killed by signal 9 (Killed)");
  CHECK(run_error_from_log("step 1\rstep 2\nAborted\n", "killed by signal 6 (Aborted)") ==
        "killed by signal 6 (Aborted); last output: Aborted");
}

TEST_CASE("CSV fields are quoted only when needed", "[sweep]") {
  CHECK(csv_escape("plain") == "plain");
  CHECK(csv_escape("a,b") == "\"a,b\"");
  CHECK(csv_escape("say \"x\"") == "\"say \"\"x\"\"\"");
  CHECK(csv_escape("two\nlines") == "\"two\nlines\"");
}

TEST_CASE("collect_results merges shards into sweep.csv and compare.csv rows", "[sweep]") {
  skv::test::TempDir dir;
  const std::vector<std::string> axes = {"kv_len", "algorithm"};
  const std::vector<FakePoint> pts = {
      {"0000-kv_len512-native", "native", {"512", "native"}, "h0"},
      {"0001-kv_len512-swiftkv", "swiftkv", {"512", "swiftkv"}, "h1"},
      {"0002-kv_len512-flash", "flash", {"512", "flash"}, "h2"},
      {"0003-kv_len1024-native", "native", {"1024", "native"}, "h3"}};
  const std::string a = dir.file("shard-1");
  const std::string b = dir.file("shard-2");
  write_manifest(a, axes, pts);
  write_manifest(b, axes, pts);
  mark(a, pts[0], PointState::Done, fake_report("native", 1000, 400));
  mark(b, pts[1], PointState::Done, fake_report("swiftkv", 800, 200));
  mark(a, pts[2], PointState::Failed, {}, "algorithm flash: not, implemented");
  mark(b, pts[3], PointState::Done, fake_report("native", 0, 0), "");
  // A point done with other inputs (a stale run) does not count.
  mark(a, FakePoint{pts[3].dir, "native", {}, "stale"}, PointState::Done,
       fake_report("native", 5, 5));

  const SweepResults one = collect_results({a});
  CHECK(one.points.size() == 4);
  CHECK(one.points[1].state == PointState::Pending);
  CHECK(one.points[3].state == PointState::Pending);

  const SweepResults r = collect_results({a, b});
  REQUIRE(r.points.size() == 4);
  CHECK(r.points[0].state == PointState::Done);
  CHECK(r.points[1].state == PointState::Done);
  CHECK(r.points[2].state == PointState::Failed);
  CHECK(r.points[2].error == "algorithm flash: not, implemented");
  CHECK(r.points[3].state == PointState::Done);

  const std::string csv = render_csv(summary_fields(r), r.points);
  const std::string header = csv.substr(0, csv.find('\n'));
  CHECK(header.rfind("index,point,kv_len,algorithm,status,error,array_rows,array_cols,"
                     "decode_steps,latency_per_step_mean_cycles,latency_per_step_mean_ns,",
                     0) == 0);
  CHECK(csv.find(
            "\n0,0000-kv_len512-native,512,native,done,,32,32,2,1000.0,4000.0,10.5,50.0,50.0,"
            "0.0,600.0,400.0,0.0,1600.0,800.0,80.0,40.0,10.0,5.0,20.0,1000000000.0,memory,1.5,") !=
        std::string::npos);
  CHECK(csv.find("\n2,0002-kv_len512-flash,512,flash,failed,\"algorithm flash: not, implemented\","
                 ",,,,,,,,,,,,,,,,,,,,,") != std::string::npos);
  // After the headline figures, every number of the reports, named by its path.
  CHECK(header.find(",attention_pipeline.busy_pct,breakdown.attention_cycles,") !=
        std::string::npos);
  CHECK(header.find(",dram.bandwidth_over_run_pct,") != std::string::npos);

  // Against native in the same kv_len group: attention 400/200, step 1000/800.
  const Comparison c(r);
  CHECK(c.group_keys() == std::vector<std::string>{"kv_len"});
  CHECK(c.attention_speedup(0) == Approx(1.0));
  CHECK(c.attention_speedup(1) == Approx(2.0));
  CHECK(c.step_speedup(1) == Approx(1.25));
  CHECK(!c.attention_speedup(2));  // failed
  CHECK(!c.attention_speedup(3));  // zero cycles: no ratio
  const std::string cmp = render_csv(c.fields(), r.points);
  CHECK(cmp.substr(0, cmp.find('\n')).rfind(
        "kv_len,algorithm,status,error,latency_per_step_mean_cycles,latency_per_step_mean_ns,"
        "attention_cycles_per_step,attention_ns_per_step,gemv_cycles_per_step,"
        "other_cycles_per_step,gemv_pct,attention_pct,other_pct,tokens_per_s,"
        "attention_speedup_vs_native,step_speedup_vs_native,attention_pipeline.busy_pct,", 0) == 0);
  CHECK(cmp.find(
            "\n512,swiftkv,done,,800.0,3200.0,200.0,800.0,600.0,0.0,50.0,50.0,0.0,10.5,2,1.25,") !=
        std::string::npos);
  const std::string table = c.table();
  CHECK(table.find("failed: algorithm flash: not, implemented") != std::string::npos);
  CHECK(table.find("2.00x") != std::string::npos);

  // A directory of another sweep is refused.
  const std::string other = dir.file("other");
  write_manifest(other, axes, {pts[0]});
  CHECK_THROWS_WITH(collect_results({a, other}),
                    Catch::Matchers::Contains("holds another sweep than"));
  CHECK_THROWS_WITH(collect_results({dir.file("nothing")}),
                    Catch::Matchers::Contains("not a sweep output directory"));
}

TEST_CASE("run_processes: bounded parallelism, exit codes, exec failures", "[sweep]") {
  skv::test::TempDir dir;
  std::vector<ProcessJob> jobs;
  for (int i = 0; i < 5; ++i) {
    jobs.push_back({{"child"}, dir.path().string(), "log" + std::to_string(i)});
  }
  std::vector<int> codes(5, -2);
  run_processes("/bin/true", {jobs[0]}, 1,
                [&](std::size_t i, const ProcessOutcome& o) { codes[i] = o.exit_code; });
  CHECK(codes[0] == 0);
  run_processes("/bin/false", jobs, 2, [&](std::size_t i, const ProcessOutcome& o) {
    codes[i] = o.exit_code;
    CHECK(!o.ok());
    CHECK(o.describe() == "exit code 1");
  });
  CHECK(codes == std::vector<int>{1, 1, 1, 1, 1});
  for (int i = 0; i < 5; ++i) CHECK(fs::exists(dir.file("log" + std::to_string(i))));

  ProcessOutcome missing;
  run_processes(dir.file("no-such-binary"), {jobs[0]}, 1,
                [&](std::size_t, const ProcessOutcome& o) { missing = o; });
  CHECK(missing.exit_code == 127);
  CHECK(skv::test::read_file(dir.file("log0")).find("cannot start the simulator") !=
        std::string::npos);

  // An exception in the callback stops new starts and is rethrown after the others end.
  int calls = 0;
  CHECK_THROWS_AS(run_processes("/bin/true", jobs, 2,
                                [&](std::size_t, const ProcessOutcome&) {
                                  ++calls;
                                  throw skv::InputError("stop");
                                }),
                  skv::InputError);
  CHECK(calls == 1);
  CHECK(available_cores() >= 1);
}

TEST_CASE("plan_sweep: each point's config, trace and inputs hash", "[sweep]") {
  const std::string root = SKV_SOURCE_DIR;
  const std::string head = "hw: " + root + "/configs/hw/swiftkv-mha-u55c.yaml\nmodel: " + root +
                           "/configs/models/tiny.yaml\n";
  const SweepSpec spec =
      parse_sweep_spec(head +
                           "trace: {generate_tokens: 1}\naxes:\n  - kv_len: [64, 128]\n"
                           "  - processor_array.rows: [32, 64]\n",
                       "s.yaml", "");
  const SweepPlan plan = plan_sweep(spec);
  REQUIRE(plan.points.size() == 4);
  CHECK(plan.axis_keys == std::vector<std::string>{"kv_len", "processor_array.rows"});
  const PlannedPoint& p = plan.points[3];
  CHECK(p.dir_name == "0003-kv_len128-rows64");
  CHECK(p.algorithm == "swiftkv");
  REQUIRE(p.generate);
  CHECK(p.generate->prompt_tokens == 128);
  CHECK(p.hw_yaml.find("rows: 64\n") != std::string::npos);
  CHECK(p.hw_yaml.find("preset:") == std::string::npos);  // inlined
  CHECK(p.hw_header.find("#   processor_array.rows: 64\n") != std::string::npos);
  // The manifest names the schema and the build the hashes were made with (both go into
  // every point's inputs hash, so another build's results are never counted as done).
  CHECK(plan.manifest().at("schema_version") == skv::config::schema_version());
  CHECK(plan.manifest().at("build_id") == skv::build_id());
  // Every point's inputs differ, so each hash does.
  for (std::size_t i = 0; i < 4; ++i) {
    for (std::size_t j = i + 1; j < 4; ++j) {
      CHECK(plan.points[i].inputs_hash != plan.points[j].inputs_hash);
    }
  }
  // The same sweep plans the same hashes; a changed generator changes every point's.
  CHECK(plan_sweep(spec).points[3].inputs_hash == p.inputs_hash);
  const SweepSpec longer =
      parse_sweep_spec(head +
                           "trace: {generate_tokens: 2}\naxes:\n  - kv_len: [64, 128]\n"
                           "  - processor_array.rows: [32, 64]\n",
                       "s.yaml", "");
  CHECK(plan_sweep(longer).points[3].inputs_hash != p.inputs_hash);
  // A key the schema does not have: an error at the sweep file's line, when it is read.
  CHECK_THROWS_WITH(
      parse_sweep_spec(head + "trace: {prompt_tokens: 8, generate_tokens: 1}\naxes:\n"
                              "  - kv_sram.capacity: [1]\n",
                       "s.yaml", ""),
      "s.yaml:5: axes[0].kv_sram.capacity: not a key of the hardware config (keys of kv_sram: "
      "capacity_kib, prefetch_kib, score_kib, banks, bank_width_bytes, ports, "
      "access_latency_cycles)");
  // A value its key does not allow: an error at the axis's line, before any run.
  CHECK_THROWS_WITH(
      plan_sweep(parse_sweep_spec(head + "trace: {prompt_tokens: 8, generate_tokens: 1}\naxes:\n"
                                         "  - kv_sram.capacity_kib: [64, 0]\n",
                                  "s.yaml", "")),
      "s.yaml:5: axes[0].kv_sram.capacity_kib: 0 is out of range (allowed: 1 to 16777216)");
}
