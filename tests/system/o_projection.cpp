// overlap.o_projection: head_streamed end to end on the tiny model: the O projection cut
// into one slice per head pass, each run on the array rows the attention pipelines leave
// free as soon as its pass has ended. Against the same design with the O GEMV after the
// attention: the same bytes and MACs, the slice arithmetic of the array's counters, the
// share of it run beside the attention, a measured saving, and the exclusive breakdown
// still adding up; the fast mode exact on its grid; its timeline.

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/RunCli.h"
#include "support/TempDir.h"
#include "support/TraceEventCheck.h"

using json = nlohmann::json;
using skv::test::CliResult;
using skv::test::read_file;
using skv::test::run_cli;
using skv::test::source_path;
using skv::test::TempDir;

namespace {

// `text` with the first `from` replaced by `to` (which must be there).
std::string replace_first(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

const std::string kTiny = source_path("configs/models/tiny.yaml");
const std::string kTrace = source_path("tests/golden/tiny-5steps.trace");

// The reference hardware with two attention pipelines instead of eight: they need
// 2 x (32 + 32) x 4 = 512 MAC slots, 8 rows of 32 PEs x 2 MACs. `streamed` gives them
// those 8 rows and the O projection's slices the other 24.
std::string hw_file(TempDir& dir, const std::string& name, bool streamed) {
  dir.write("dram/hbm2-u55c.yaml", read_file(source_path("configs/dram/hbm2-u55c.yaml")));
  std::string text = read_file(source_path("configs/hw/swiftkv-mha-u55c.yaml"));
  text = replace_first(text, "heads_in_parallel: 8", "heads_in_parallel: 2");
  if (streamed) {
    text = replace_first(text, "  vector_lanes: 32",
                                    "  attention_rows: 8\n  vector_lanes: 32");
    text += "overlap:\n  o_projection: head_streamed\n";
  }
  return dir.write("hw/" + name + ".yaml", text);
}

json run(TempDir& dir, const std::string& hw, const std::string& out) {
  const CliResult r = run_cli({"run", "--hw", hw, "--model", kTiny, "--trace", kTrace, "-o",
                               dir.file(out), "-q"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return json::parse(read_file(dir.file(out + "/report.json")));
}

std::uint64_t at(const json& j, const char* pointer) {
  return j.at(json::json_pointer(pointer)).get<std::uint64_t>();
}

}  // namespace

TEST_CASE("overlap.o_projection: head_streamed slices the O GEMV per head pass, beside the "
          "attention",
          "[system]") {
  TempDir dir;
  const json after = run(dir, hw_file(dir, "after", false), "after");
  const json streamed = run(dir, hw_file(dir, "streamed", true), "streamed");
  // The tiny model: 4 heads of 64, hidden 256, 2 layers; 5 steps at batch 1 = 10 layer
  // steps. Two heads per pass: 2 passes, so 2 slices per layer step.
  const std::uint64_t layer_steps = 2 * 5;
  CHECK(at(streamed, "/o_projection/slices") == 2 * layer_steps);
  CHECK(!after.contains("o_projection"));
  // GEMVs per step: 4 per layer + the LM head = 9 after the attention, 11 streamed.
  CHECK(at(after, "/processor_array/gemv_ops") == 9 * 5);
  CHECK(at(streamed, "/processor_array/gemv_ops") == 11 * 5);
  // The same work: every byte and MAC, in other slices.
  for (const char* p : {"/dram/bytes_read", "/dram/bytes_written", "/processor_array/macs",
                        "/processor_array/weight_bytes", "/attention_pipeline/fxp32_macs"}) {
    INFO(p);
    CHECK(at(streamed, p) == at(after, p));
  }
  // Compute cycles (ProcessorArray.h): the O GEMV, 256 x 256 INT4 on 32 rows, takes
  // ceil(256 / 32) x ceil(256 / (32 x 2)) = 8 x 4 = 32 cycles; a slice, 256 x 128 on 24
  // rows, ceil(256 / 24) x ceil(128 / 64) = 11 x 2 = 22, two per layer step: 12 more per
  // layer step. Each slice fills and drains the array once more: 32 + 32 - 1 = 63.
  CHECK(at(streamed, "/processor_array/gemv_compute_cycles") -
            at(after, "/processor_array/gemv_compute_cycles") ==
        (2 * 22 - 32) * layer_steps);
  CHECK(at(streamed, "/processor_array/fill_drain_cycles") -
            at(after, "/processor_array/fill_drain_cycles") ==
        63 * layer_steps);
  // Slice 0 starts when pass 0 ends and runs wholly beside pass 1 (which takes longer
  // than its 22 + 63 cycles and its weights' wait); slice 1 starts when the attention
  // has ended, so nothing of it is beside.
  CHECK(at(streamed, "/o_projection/beside_compute_cycles") == 22 * layer_steps);
  CHECK(at(streamed, "/o_projection/beside_fill_drain_cycles") == 63 * layer_steps);
  const std::uint64_t beside = at(streamed, "/overlap/o_projection/beside_attention_cycles");
  CHECK(beside == (22 + 63) * layer_steps + at(streamed, "/o_projection/beside_weight_stall_cycles"));
  // The array's busy cycles count the cycles the slices shared it with the attention
  // once (DerivedFigures.cpp), so its busy share stays within 100%.
  CHECK(at(streamed, "/processor_array/busy_cycles") ==
        at(streamed, "/processor_array/gemv_compute_cycles") +
            at(streamed, "/processor_array/fill_drain_cycles") +
            at(streamed, "/processor_array/vector_cycles") +
            at(streamed, "/attention_pipeline/busy_cycles") - (22 + 63) * layer_steps);
  // Measured, not estimated: the paired run's time minus this one's. What ran beside
  // the attention is the most it can save.
  const std::uint64_t saved = at(after, "/totals/simulated_cycles") -
                              at(streamed, "/totals/simulated_cycles");
  CHECK(saved > 0);
  CHECK(saved <= beside);
  // The exclusive breakdown: the slices' array time beside the attention is in the
  // attention's time, so the GEMV class's parts still add up to it exactly.
  const json& x = streamed.at("overlap").at("exclusive_breakdown");
  CHECK(x.at("gemv_unattributed_cycles").get<std::uint64_t>() == 0);
  std::uint64_t sum = 0;
  for (const auto& [key, value] : x.items()) {
    if (key.size() > 7 && key.compare(key.size() - 7, 7, "_cycles") == 0) {
      sum += value.get<std::uint64_t>();
    }
  }
  CHECK(sum == at(streamed, "/totals/simulated_cycles"));
  CHECK(at(streamed, "/breakdown/gemv_cycles") ==
        x.at("gemv_array_cycles").get<std::uint64_t>() +
            x.at("gemv_waiting_for_weights_cycles").get<std::uint64_t>());
}

TEST_CASE(
    "overlap.o_projection: the fast mode reuses whole steps, exact on the grid, the same work "
    "between",
    "[system]") {
  TempDir dir;
  const std::string hw = hw_file(dir, "streamed", true);
  // One row at KV 64 (a grid point: tiny's first tile edge) and at KV 100 (between the
  // grid points 96 and 127), in both modes.
  auto one_step = [&](const std::string& name, const char* kv, const char* mode) {
    const std::string trace = dir.write(
        name + ".trace",
        std::string("# swiftkv-decode-trace v1\nbatch,request,step,kv_len\n0,0,0,") + kv + "\n");
    std::vector<std::string> args = {"run",
                                     "--mode",
                                     mode,
                                     "--hw",
                                     hw,
                                     "--model",
                                     kTiny,
                                     "--trace",
                                     trace,
                                     "-o",
                                     dir.file(name + "-" + mode),
                                     "-q"};
    if (std::string(mode) == "fast") args.push_back("--no-cache");
    const CliResult r = run_cli(args);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return json::parse(read_file(dir.file(name + "-" + mode + "/report.json")));
  };
  // tiny has 2 layers: the step sample is the whole step, its slices beside its
  // attentions as in the exact mode, so on the grid it is the exact step to the cycle.
  const json e = one_step("on", "64", "exact");
  const json f = one_step("on", "64", "fast");
  CHECK(f.at("fast").at("steps_reused") == 1);
  CHECK(f.at("fast").at("layer_samples") == 1);
  CHECK(f.at("fast").at("attention_samples") == 0);
  for (const char* key :
       {"/totals/simulated_cycles", "/breakdown/gemv_cycles", "/breakdown/attention_cycles",
        "/o_projection/slices", "/o_projection/beside_compute_cycles",
        "/o_projection/beside_fill_drain_cycles",
        "/overlap/o_projection/beside_attention_cycles"}) {
    INFO(key);
    CHECK(at(f, key) == at(e, key));
  }
  // Between grid points: the straight line between the steps at 96 and 127 (one plan);
  // the work is affine in the KV length, so it is the exact mode's.
  const json e2 = one_step("off", "100", "exact");
  const json f2 = one_step("off", "100", "fast");
  CHECK(f2.at("fast").at("steps_interpolated") == 1);
  for (const char* key : {"/dram/bytes_read", "/dram/bytes_written", "/processor_array/macs",
                          "/o_projection/slices", "/attention_pipeline/fxp32_macs"}) {
    INFO(key);
    CHECK(at(f2, key) == at(e2, key));
  }
  const double ec = static_cast<double>(at(e2, "/totals/simulated_cycles"));
  const double fc = static_cast<double>(at(f2, "/totals/simulated_cycles"));
  CHECK(std::abs(fc - ec) / ec < 0.005);
}

TEST_CASE(
    "overlap.o_projection: --timeline draws the slices beside the attention, each "
    "with its own weights",
    "[system]") {
  TempDir dir;
  const std::string hw = hw_file(dir, "streamed", true);
  // One step at KV 100 (two layers): 2 slices per layer.
  const std::string trace =
      dir.write("one.trace", "# swiftkv-decode-trace v1\nbatch,request,step,kv_len\n0,0,0,100\n");
  const CliResult timeline = run_cli({"run", "--hw", hw, "--model", kTiny, "--trace", trace, "-o",
                                      dir.file("tl"), "-q", "--timeline", dir.file("tl.json")});
  INFO(timeline.err);
  REQUIRE(timeline.exit_code == 0);
  const json t = json::parse(read_file(dir.file("tl.json")));
  CHECK(skv::test::trace_event_problems(t).empty());
  const json report = json::parse(read_file(dir.file("tl/report.json")));

  // Operations per unit (pid 1: processor_array, 2: attention_pipeline; tid 1: operations).
  struct Span {
    double from, to;
  };
  std::vector<Span> slices, attentions;
  std::map<std::pair<long long, long long>, std::string> thread;
  for (const auto& e : t.at("traceEvents")) {
    if (e.at("ph") == "M" && e.at("name") == "thread_name") {
      thread[{e.at("pid"), e.at("tid")}] = e.at("args").at("name");
    }
    if (e.at("ph") != "X" || e.at("tid") != 1) continue;
    const Span s{e.at("ts").get<double>(), e.at("ts").get<double>() + e.at("dur").get<double>()};
    if (e.at("pid") == 1 && e.at("name") == "o_slice") slices.push_back(s);
    if (e.at("pid") == 2 && e.at("name") == "attention") attentions.push_back(s);
  }
  REQUIRE(attentions.size() == 2);
  REQUIRE(slices.size() == 2 * 2);
  // Per layer: slice 0 starts once pass 0 has ended, while the attention still runs
  // (pass 1); slice 1 once the attention has ended.
  for (std::size_t layer = 0; layer < 2; ++layer) {
    INFO(layer);
    CHECK(slices[2 * layer].from > attentions[layer].from);
    CHECK(slices[2 * layer].from < attentions[layer].to);
    CHECK(slices[2 * layer + 1].from >= attentions[layer].to);
  }

  // DRAM request groups, by stream (lanes folded) and by the operation they are named after.
  std::map<std::string, std::uint64_t> bytes;
  std::map<std::string, std::map<std::string, std::uint64_t>> bytes_by_op;
  for (const auto& e : t.at("traceEvents")) {
    if (e.at("ph") != "X" || e.value("cat", "") != "dram_requests") continue;
    std::string track = thread[{e.at("pid"), e.at("tid")}];
    if (!track.empty() && track.back() >= '2' && track.back() <= '9')
      track.resize(track.size() - 2);
    const auto b = e.at("args").at("bytes").get<std::uint64_t>();
    bytes[track] += b;
    bytes_by_op[track][e.at("name")] += b;
  }
  // Every byte read is on one read track, and the slices' weights are theirs: a slice
  // is 256 x 128 INT4 weights = 16,384 bytes, 4 slices = 65,536, whether requested on
  // demand or ahead (behind the slice before). The attention's K/V fills, requested
  // while slices run beside it, stay the attention's.
  CHECK(bytes["requests: weights"] + bytes["requests: weights ahead"] + bytes["requests: kv fill"] +
            bytes["requests: kv ahead"] ==
        report.at("dram").at("bytes_read").get<std::uint64_t>());
  CHECK(bytes_by_op["requests: weights"]["o_slice"] +
            bytes_by_op["requests: weights ahead"]["o_slice"] ==
        4 * 256 * 128 / 2);
  for (const auto& [name, b] : bytes_by_op["requests: kv fill"]) {
    INFO(name);
    CHECK(name == "attention");
  }
  CHECK(bytes_by_op["requests: kv fill"]["attention"] > 0);

  // Recording changed nothing.
  const CliResult plain = run_cli(
      {"run", "--hw", hw, "--model", kTiny, "--trace", trace, "-o", dir.file("plain"), "-q"});
  REQUIRE(plain.exit_code == 0);
  CHECK(read_file(dir.file("plain/report.json")) == read_file(dir.file("tl/report.json")));
  const CliResult graph = run_cli({"run", "--hw", hw, "--model", kTiny, "--trace", kTrace,
                                   "-o", dir.file("graph"), "--dump-graph"});
  CHECK(graph.exit_code == 0);
  CHECK(graph.out.find("overlap.o_projection = head_streamed") != std::string::npos);
  CHECK(graph.out.find("o_slice [processor_array] after head pass 1, beside the attention") !=
        std::string::npos);
}
