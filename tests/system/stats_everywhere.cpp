// The stats registry reaches every output by iteration alone: each counter every unit
// declares and each derived figure (report::stats_listing(), the same list
// `swiftkv-sim stats` prints) is in report.json at its path, in `run --all-figures`, and
// a column of sweep.csv and compare.csv, with the value the report holds. A counter added
// to a unit's list is checked here with no edit to this test or to src/report or
// src/sweep. The fast mode carries sums and integrals and names what it leaves out.

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/JsonPath.h"
#include "report/StatsListing.h"
#include "support/RunCli.h"
#include "support/TempDir.h"

namespace {

using nlohmann::json;
using skv::test::read_file;
using skv::test::run_cli;
using skv::test::TempDir;

const std::string kRoot = SKV_SOURCE_DIR;

std::vector<std::string> header_of(const std::string& csv) {
  std::vector<std::string> out;
  const std::string line = csv.substr(0, csv.find('\n'));
  std::size_t start = 0;
  while (true) {
    const auto comma = line.find(',', start);
    out.push_back(line.substr(start, comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

bool has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// report.json of the tiny model (configs/models/tiny.yaml: 2 layers, hidden 256, 4 query
// heads and 2 K/V heads of 64, gated FFN of 512, vocabulary 1,000, INT4 weights) on the
// reference hardware over the golden trace (5 batches of one row).
json tiny_golden_report() {
  TempDir dir;
  const std::string out = dir.file("run");
  const auto r = run_cli({"run", "--hw", kRoot + "/configs/hw/swiftkv-mha-u55c.yaml", "--model",
                          kRoot + "/configs/models/tiny.yaml", "--trace",
                          kRoot + "/tests/golden/tiny-5steps.trace", "-o", out, "-q"});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  return json::parse(read_file(out + "/report.json"));
}

}  // namespace

TEST_CASE(
    "stats registry: every counter and figure in report.json, --all-figures, sweep.csv "
    "and compare.csv",
    "[system]") {
  const auto listing = skv::report::stats_listing();
  // Every unit's group is listed, and each group has its counters.
  for (const char* group : {"processor_array.", "attention_pipeline.", "kv_sram.", "dram.",
                            "dram_controller.", "sequencer."}) {
    INFO(group);
    CHECK(std::count_if(listing.begin(), listing.end(), [&](const auto& s) {
            return s.path.rfind(group, 0) == 0 && s.kind != "derived";
          }) >= 3);
  }

  TempDir dir;
  const std::string trace = dir.write(
      "t.trace", "# swiftkv-decode-trace v1\nbatch,request,step,kv_len\n0,0,0,64\n1,0,1,65\n");
  const std::string out = dir.file("run");
  const auto r = run_cli({"run", "--hw", kRoot + "/configs/hw/swiftkv-mha-u55c.yaml", "--model",
                          kRoot + "/configs/models/tiny.yaml", "--trace", trace, "-o", out, "-q",
                          "--all-figures"});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  const json report = json::parse(read_file(out + "/report.json"));
  for (const auto& s : listing) {
    INFO(s.path);
    const json* v = skv::find_dotted(report, s.path);
    if (s.overlap_only || s.energy_only) {  // no overlap and no energy preset: not reported
      CHECK(v == nullptr);
      continue;
    }
    REQUIRE(v != nullptr);
    CHECK(r.out.find("  " + s.path + " ") != std::string::npos);
    if (s.kind == "histogram") {
      CHECK(v->at("count").get<std::uint64_t>() <= v->at("sum").get<std::uint64_t>() + 1);
      CHECK(v->at("p50").get<std::uint64_t>() <= v->at("p99").get<std::uint64_t>());
    } else {
      CHECK(v->is_number());
    }
  }

  // A two-point sweep and a comparison: one column per listed value (a histogram's
  // parts as columns of their own).
  const std::string sweep = dir.write(
      "s.yaml", "hw: " + kRoot + "/configs/hw/swiftkv-mha-u55c.yaml\nmodel: " + kRoot +
                    "/configs/models/tiny.yaml\ntrace: {prompt_tokens: 64, generate_tokens: 1}\n"
                    "axes:\n  - processor_array.rows: [32, 64]\n");
  const auto s = run_cli({"sweep", sweep, "-o", dir.file("sw"), "-q"});
  INFO(s.out << s.err);
  REQUIRE(s.exit_code == 0);
  const auto cmp = run_cli({"compare", "--hw", kRoot + "/configs/hw/swiftkv-mha-u55c.yaml",
                            "--model", kRoot + "/configs/models/tiny.yaml", "--kv-lens", "64",
                            "--algos", "swiftkv,native", "-o", dir.file("cmp"), "-q"});
  INFO(cmp.out << cmp.err);
  REQUIRE(cmp.exit_code == 0);
  const auto sweep_cols = header_of(read_file(dir.file("sw") + "/sweep.csv"));
  const auto cmp_cols = header_of(read_file(dir.file("cmp") + "/compare.csv"));
  for (const auto& st : listing) {
    INFO(st.path);
    if (st.overlap_only || st.energy_only) continue;  // checked below, with both
    const std::string col = st.kind == "histogram" ? st.path + ".p99" : st.path;
    CHECK(has(sweep_cols, col));
    CHECK(has(cmp_cols, col));
  }

  // With overlap (the u55c preset with `overlap.weights: next_op` and `overlap.kv:
  // next_attention` in 256 KiB of prefetch space) and an energy preset, the overlap-only
  // groups and the energy group are in report.json and --all-figures too.
  dir.write("dram/hbm2-u55c.yaml", read_file(kRoot + "/configs/dram/hbm2-u55c.yaml"));
  std::string hw_text = read_file(kRoot + "/configs/hw/swiftkv-mha-u55c.yaml");
  const std::string capacity = "  capacity_kib: 2048";
  REQUIRE(hw_text.find(capacity) != std::string::npos);
  hw_text.insert(hw_text.find(capacity) + capacity.size(), "\n  prefetch_kib: 256");
  const std::string hw_overlap = dir.write(
      "hw/overlap.yaml", hw_text + "\noverlap:\n  weights: next_op\n  kv: next_attention\n");
  const std::string out2 = dir.file("run-overlap");
  const auto r2 = run_cli({"run", "--hw", hw_overlap, "--model",
                           kRoot + "/configs/models/tiny.yaml", "--trace", trace, "-o", out2, "-q",
                           "--all-figures", "--energy", kRoot + "/configs/energy/u55c.yaml"});
  INFO(r2.out << r2.err);
  REQUIRE(r2.exit_code == 0);
  const json report2 = json::parse(read_file(out2 + "/report.json"));
  std::size_t overlap_only = 0;
  std::size_t energy_only = 0;
  // The head-streamed O projection's group: a run of the shipped preset with it.
  const std::string out3 = dir.file("run-ostream");
  const auto r3 = run_cli({"run", "--hw", kRoot + "/configs/hw/swiftkv-mha-u55c-ostream.yaml",
                           "--model", kRoot + "/configs/models/tiny.yaml", "--trace", trace, "-o",
                           out3, "-q", "--all-figures"});
  INFO(r3.out << r3.err);
  REQUIRE(r3.exit_code == 0);
  const json report3 = json::parse(read_file(out3 + "/report.json"));
  std::size_t o_projection = 0;
  for (const auto& st : listing) {
    INFO(st.path);
    if (st.path.rfind("o_projection.", 0) == 0) {
      ++o_projection;
      CHECK(skv::find_dotted(report2, st.path) == nullptr);
      CHECK(skv::find_dotted(report3, st.path) != nullptr);
      CHECK(r3.out.find("  " + st.path + " ") != std::string::npos);
      continue;
    }
    const json* v = skv::find_dotted(report2, st.path);
    REQUIRE(v != nullptr);
    CHECK(r2.out.find("  " + st.path + " ") != std::string::npos);
    overlap_only += st.overlap_only ? 1 : 0;
    energy_only += st.energy_only ? 1 : 0;
  }
  CHECK(o_projection == 4);
  CHECK(overlap_only >= 3 + 7 + 4);  // weight_prefetch's, kv_prefetch's, dram_arbitration's
  // 4 totals, 4 parts in J and in %, 22 terms, 6 units, 3 classes, 2 assumption and 2
  // efficiency figures.
  CHECK(energy_only == 4 + 4 + 4 + 22 + 6 + 3 + 2 + 2);
  // And every leaf of the energy group is listed.
  std::size_t leaves = 0;
  for (const auto& [key, value] : report2.at("energy").items()) {
    leaves += value.is_object() ? value.size() : (value.is_number() ? 1 : 0);
  }
  CHECK(leaves == energy_only);
}

TEST_CASE("stats registry: a fast run reports sums and integrals and names what it leaves out",
          "[system]") {
  TempDir dir;
  const std::string trace = dir.write(
      "t.trace", "# swiftkv-decode-trace v1\nbatch,request,step,kv_len\n0,0,0,64\n1,0,1,65\n");
  const std::string out = dir.file("run");
  const auto r =
      run_cli({"run", "--mode", "fast", "--hw", kRoot + "/configs/hw/swiftkv-mha-u55c.yaml",
               "--model", kRoot + "/configs/models/tiny.yaml", "--trace", trace, "-o", out, "-q",
               "--no-cache", "--energy", kRoot + "/configs/energy/u55c.yaml"});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  const json report = json::parse(read_file(out + "/report.json"));
  const json& left_out = report.at("fast").at("not_estimated");
  for (const auto& s : skv::report::stats_listing()) {
    INFO(s.path);
    if (s.overlap_only) {  // the fast mode refuses overlap; without it, not reported
      CHECK(skv::find_dotted(report, s.path) == nullptr);
      continue;
    }
    const bool listed_out =
        std::find(left_out.begin(), left_out.end(), json(s.path)) != left_out.end();
    CHECK(listed_out == s.exact_only);
    CHECK((skv::find_dotted(report, s.path) == nullptr) == s.exact_only);
  }
}

TEST_CASE("stats: docs/stats.md holds the registry's table", "[system]") {
  const auto r = run_cli({"stats", "--check", kRoot + "/docs/stats.md"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  const auto listing = run_cli({"stats"});
  CHECK(listing.out.find("| `dram.row_hits` | sum | count |") != std::string::npos);
  CHECK(listing.out.find("| `dram.bandwidth_over_run_bytes_per_s` | derived | bytes/s |") !=
        std::string::npos);
}

TEST_CASE(
    "stats registry: steps.csv --step-counters has every snapshot counter per batch, and "
    "the batches add up to the report",
    "[system]") {
  TempDir dir;
  const std::string trace = dir.write(
      "t.trace",
      "# swiftkv-decode-trace v1\nbatch,request,step,kv_len\n0,0,0,64\n1,0,1,65\n2,1,0,100\n");
  for (const char* mode : {"exact", "fast"}) {
    INFO(mode);
    const std::string out = dir.file(std::string("run-") + mode);
    const auto r =
        run_cli({"run", "--mode", mode, "--hw", kRoot + "/configs/hw/swiftkv-mha-u55c.yaml",
                 "--model", kRoot + "/configs/models/tiny.yaml", "--trace", trace, "-o", out, "-q",
                 "--step-counters"});
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    const json report = json::parse(read_file(out + "/report.json"));
    const std::string csv = read_file(out + "/steps.csv");
    const auto header = header_of(csv);
    // The names come from the registry: each unit group's sums and integrals.
    for (const auto& s : skv::report::stats_listing()) {
      const bool carried = s.kind == "sum" || s.kind == "time integral";
      INFO(s.path);
      CHECK(has(header, s.path) == carried);
    }
    // One row per batch here (batch_size 1): each column's rows add up to the report's
    // total for that counter.
    std::vector<double> sums(header.size(), 0.0);
    std::size_t start = csv.find('\n') + 1;
    int rows = 0;
    while (start < csv.size()) {
      const std::size_t end = csv.find('\n', start);
      const std::string line = csv.substr(start, end - start);
      std::size_t c = 0;
      std::size_t from = 0;
      while (true) {
        const auto comma = line.find(',', from);
        const std::string cell = line.substr(from, comma - from);
        if (c >= 12) sums[c] += std::stod(cell);  // the counters follow `source`
        ++c;
        if (comma == std::string::npos) break;
        from = comma + 1;
      }
      CHECK(c == header.size());
      ++rows;
      start = end + 1;
    }
    CHECK(rows == 3);
    int compared = 0;
    for (std::size_t c = 12; c < header.size(); ++c) {
      const json* v = skv::find_dotted(report, header[c]);
      if (v == nullptr) continue;  // class_cycles.* and span.cycles: not report paths
      INFO(header[c]);
      CHECK(sums[c] == Approx(v->get<double>()).epsilon(0));
      ++compared;
    }
    CHECK(compared > 50);
  }
}

// Each DRAM request carries the kind of the operation that asked for it, so the controller
// books bytes and queue waits per kind, and the sequencer books operations and cycles per
// kind. The tiny model (configs/models/tiny.yaml: 2 layers, hidden 256, 4 query heads and
// 2 K/V heads of 64, gated FFN of 512, vocabulary 1,000, INT4 weights) over the golden
// trace (5 batches of one row).
TEST_CASE("stats: DRAM bytes, queue waits, operations and cycles are booked by kind", "[system]") {
  const json j = tiny_golden_report();
  const json& seq = j.at("sequencer");
  const json& ctrl = j.at("dram_controller");
  auto n = [](const json& g, const std::string& k) { return g.at(k).get<std::uint64_t>(); };
  // Per step: each layer runs one QKV, O, FFN-in and FFN-down GEMV and one attention; the
  // LM head runs once.
  CHECK(n(seq, "qkv_gemv_ops") == 5 * 2);
  CHECK(n(seq, "attention_ops") == 5 * 2);
  CHECK(n(seq, "rmsnorm_ops") == 5 * 2 * 2);
  CHECK(n(seq, "lm_head_gemv_ops") == 5);
  // Weights read by each GEMV kind: out x in x 4 bits, per layer and step.
  CHECK(n(ctrl, "op_qkv_gemv_read_bytes") == 5 * 2 * ((4 + 2 * 2) * 64 * 256 / 2));  // 655,360
  CHECK(n(ctrl, "op_o_gemv_read_bytes") == 5 * 2 * (256 * 256 / 2));                 // 327,680
  CHECK(n(ctrl, "op_ffn_in_gemv_read_bytes") == 5 * 2 * (2 * 512 * 256 / 2));        // 1,310,720
  CHECK(n(ctrl, "op_ffn_down_gemv_read_bytes") == 5 * 2 * (256 * 512 / 2));          // 655,360
  CHECK(n(ctrl, "op_lm_head_gemv_read_bytes") == 5 * (1000 * 256 / 2));              // 640,000
  // Vector work moves no DRAM bytes.
  for (const char* k : {"rmsnorm", "rope", "residual", "activation", "final_rmsnorm"}) {
    INFO(k);
    CHECK(n(ctrl, std::string("op_") + k + "_read_bytes") == 0);
    CHECK(n(ctrl, std::string("op_") + k + "_write_bytes") == 0);
  }
  // The kinds add up to their classes, and to the totals.
  const auto kinds = {"rmsnorm",    "qkv_gemv",      "rope",          "kv_append",
                      "attention",  "o_gemv",        "residual",      "ffn_in_gemv",
                      "activation", "ffn_down_gemv", "final_rmsnorm", "lm_head_gemv"};
  std::uint64_t cycles = 0;
  std::uint64_t read = 0;
  std::uint64_t written = 0;
  std::uint64_t held = 0;
  for (const std::string k : kinds) {
    cycles += n(seq, k + "_cycles");
    read += n(ctrl, "op_" + k + "_read_bytes");
    written += n(ctrl, "op_" + k + "_write_bytes");
    held += n(ctrl, "op_" + k + "_held_back_ps");
  }
  CHECK(n(ctrl, "gemv_read_bytes") ==
        n(ctrl, "op_qkv_gemv_read_bytes") + n(ctrl, "op_o_gemv_read_bytes") +
            n(ctrl, "op_ffn_in_gemv_read_bytes") + n(ctrl, "op_ffn_down_gemv_read_bytes") +
            n(ctrl, "op_lm_head_gemv_read_bytes"));
  CHECK(n(ctrl, "attention_read_bytes") == n(ctrl, "op_attention_read_bytes"));
  CHECK(n(ctrl, "other_write_bytes") == n(ctrl, "op_kv_append_write_bytes"));
  CHECK(read == n(j.at("dram"), "bytes_read"));
  CHECK(written == n(j.at("dram"), "bytes_written"));
  CHECK(held == n(ctrl, "held_back_ps"));
  const json& b = j.at("breakdown");
  CHECK(cycles == n(b, "gemv_cycles") + n(b, "attention_cycles") + n(b, "other_cycles"));
  // The operations run back to back: their cycles are the run's.
  CHECK(cycles == n(j.at("totals"), "simulated_cycles"));
}

// The DRAM's extremes per segment: scopes opened at every operation, layer and batch
// boundary. Each read completes within the operation that asked for it (an operation
// ends with its reads complete), so the kinds' read latency histograms partition the
// run's; the tiny model over the golden trace, as above.
TEST_CASE("stats: the DRAM's extremes are collected per operation, layer and batch", "[system]") {
  const json j = tiny_golden_report();
  auto n = [](const json& g, const std::string& k) { return g.at(k).get<std::uint64_t>(); };
  const json& by_op = j.at("dram_extremes").at("by_operation");
  // The QKV GEMV's weights, 65,536 B per layer ((4 + 2·2)·64 x 256 x 4 bit / 8), come in
  // requests of 4,096 B (memory.request_bytes): 16 per layer, 5 x 2 x 16 = 160 reads.
  CHECK(n(by_op.at("qkv_gemv").at("read_latency_cycles"), "count") == 5 * 2 * 16);
  // The LM head: 1000 x 256 x 4 bit / 8 = 128,000 B, 31.25 requests: 32 per step.
  CHECK(n(by_op.at("lm_head_gemv").at("read_latency_cycles"), "count") == 5 * 32);
  const json& dram = j.at("dram");
  std::uint64_t reads = 0;
  std::uint64_t sum = 0;
  std::uint64_t max = 0;
  std::uint64_t queue_max = 0;
  for (const auto& [kind, s] : by_op.items()) {
    reads += n(s.at("read_latency_cycles"), "count");
    sum += n(s.at("read_latency_cycles"), "sum");
    max = std::max(max, n(s.at("read_latency_cycles"), "max"));
    queue_max = std::max(queue_max, n(s, "queue_occupancy_max_bursts"));
  }
  CHECK(reads == n(dram, "reads"));
  CHECK(sum == n(dram.at("read_latency_cycles"), "sum"));
  CHECK(max == n(dram.at("read_latency_cycles"), "max"));
  CHECK(queue_max <= n(dram, "queue_occupancy_max_bursts"));
  CHECK(queue_max > 0);
  // Across layers and batches: the slowest segment's p99 is the run's at most, its max is
  // the run's.
  const json& layers = j.at("dram_extremes").at("by_layer").at("read_latency_p99_cycles");
  CHECK(n(layers, "min") <= n(layers, "max"));
  CHECK(n(layers, "max_layer") < 2);
  const json& batches = j.at("dram_extremes").at("by_batch");
  CHECK(n(batches.at("read_latency_max_cycles"), "max") ==
        n(dram.at("read_latency_cycles"), "max"));
  CHECK(n(batches.at("read_latency_p99_cycles"), "max_batch") < 5);
  CHECK(n(batches.at("queue_occupancy_max_bursts"), "max") ==
        n(dram, "queue_occupancy_max_bursts"));
}
