// `compare --overlap` end to end on the tiny model: each overlap choice against the run
// with overlap off on the same trace and hardware, overlap.csv's pairing, and the errors
// of a bad combination. Which choice is faster is asserted only as the figures relate.

#include <fmt/format.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "support/RunCli.h"
#include "support/TempDir.h"

namespace fs = std::filesystem;
using skv::test::read_file;
using skv::test::run_cli;
using skv::test::source_path;
using skv::test::TempDir;

namespace {

double num(const std::map<std::string, std::string>& row, const std::string& key) {
  return std::stod(row.at(key));
}

// A sweep file `name` in `dir`: hardware `hw`, the tiny model, one decode step from a
// 64-token prompt, and `axes` (the lines of its axes list).
std::string tiny_sweep(const TempDir& dir, const std::string& name, const std::string& hw,
                       const std::string& axes) {
  return dir.write(name, fmt::format("hw: {}\nmodel: {}\ntrace:\n  prompt_tokens: 64\n  "
                                     "generate_tokens: 1\naxes:\n{}",
                                     hw, source_path("configs/models/tiny.yaml"), axes));
}

// `compare --overlap SWEEP -j 2` into DIR/o, which must succeed: what it printed, and
// overlap.csv's rows.
struct OverlapRun {
  std::string printed;
  std::vector<std::map<std::string, std::string>> rows;
};
OverlapRun compare_overlap(const TempDir& dir, const std::string& sweep) {
  const std::string out = dir.file("o");
  const auto r = run_cli({"compare", "--overlap", sweep, "-j", "2", "-o", out, "-q"});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  return {r.out, skv::test::read_csv_records(out + "/overlap.csv")};
}

// `compare --overlap` on a sweep file whose overlap axis `axis` leaves out its value
// with overlap off (`off`): refused in one line that names both.
void check_refused(const TempDir& dir, const std::string& sweep, const std::string& axis,
                   const std::string& off) {
  const auto bad = run_cli({"compare", "--overlap", sweep, "-o", dir.file("refused"), "-q"});
  CHECK(bad.exit_code == 1);
  CHECK(bad.err.find(axis) != std::string::npos);
  CHECK(bad.err.find("`" + off + "`") != std::string::npos);
  CHECK(std::count(bad.err.begin(), bad.err.end(), '\n') == 1);
}

}  // namespace

TEST_CASE("compare --overlap: each choice against overlap off on the tiny model", "[sweep]") {
  TempDir dir;
  const std::string out = dir.file("overlap");
  const std::string hw = source_path("configs/hw/swiftkv-mha-u55c.yaml");
  const std::string tiny = source_path("configs/models/tiny.yaml");
  const auto r = run_cli({"compare", "--overlap", "--hw", hw, "--model", tiny, "--kv-lens",
                          "64,128", "-j", "2", "-o", out, "-q"});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("hideable us") != std::string::npos);
  CHECK(r.out.find("saved %") != std::string::npos);
  CHECK(r.out.find("wrote " + out + "/overlap.csv") != std::string::npos);
  const auto rows = skv::test::read_csv_records(out + "/overlap.csv");
  // Two KV lengths x (none, next_op), overlap.weights innermost.
  REQUIRE(rows.size() == 4);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& row = rows[i];
    INFO("row " << i);
    CHECK(row.at("kv_len") == (i < 2 ? "64" : "128"));
    CHECK(row.at("overlap.weights") == (i % 2 == 0 ? "none" : "next_op"));
    CHECK(row.at("algorithm") == "swiftkv");
    CHECK(row.at("status") == "done");
    // ms/token and tokens/s describe the same time: one token per step here.
    CHECK(num(row, "ms_per_token") * num(row, "tokens_per_s") == Approx(1000.0).epsilon(1e-5));
    // The exclusive breakdown's shares add up to 100.
    double pct = 0;
    for (const char* part : {"gemv_array", "gemv_waiting_for_weights", "gemv_unattributed",
                             "attention_pipeline", "attention_waiting_for_kv",
                             "attention_unattributed", "other_units", "other_unattributed"}) {
      pct += num(row, std::string(part) + "_pct");
    }
    CHECK(pct == Approx(100.0).margin(1e-4));
  }
  for (std::size_t i = 0; i < rows.size(); i += 2) {
    const auto& none = rows[i];
    const auto& ahead = rows[i + 1];
    // The baseline saves nothing against itself and has no bound.
    CHECK(num(none, "saved_ms_per_token") == 0.0);
    CHECK(num(none, "hideable_ms_per_token") == 0.0);
    // next_op: the saving is the difference of the two measured times, exactly.
    CHECK(num(ahead, "saved_ms_per_token") ==
          Approx(num(none, "ms_per_token") - num(ahead, "ms_per_token")).margin(1e-6));
    CHECK(
        num(ahead, "saved_pct") ==
        Approx(100.0 * num(ahead, "saved_ms_per_token") / num(none, "ms_per_token")).margin(1e-4));
    CHECK(num(ahead, "hideable_ms_per_token") > 0.0);
    // Its report's bound, per token (one token per run).
    CHECK(num(ahead, "hideable_ms_per_token") ==
          Approx(num(ahead, "overlap.hideable_ns") / 1e6).margin(1e-6));
    CHECK(num(ahead, "saved_ms_per_token") > 0.0);
  }
  CHECK(fs::exists(out + "/sweep.csv"));
}

TEST_CASE("compare --overlap: bad combinations are one clear line", "[sweep]") {
  TempDir dir;
  const std::string hw = source_path("configs/hw/swiftkv-mha-u55c.yaml");
  const std::string tiny = source_path("configs/models/tiny.yaml");
  const auto ladder = run_cli({"compare", "--overlap", "--ladder", "--hw", hw, "--model", tiny,
                               "--kv-lens", "64", "-o", dir.file("a"), "-q"});
  CHECK(ladder.exit_code == 1);
  CHECK(ladder.err ==
        "swiftkv-sim: error: compare: --overlap and --ladder are two comparisons; give one\n");
  const auto algos = run_cli({"compare", "--overlap", "--hw", hw, "--model", tiny, "--kv-lens",
                              "64", "--algos", "native,swiftkv", "-o", dir.file("b"), "-q"});
  CHECK(algos.exit_code == 1);
  CHECK(algos.err ==
        "swiftkv-sim: error: compare: --overlap compares overlap choices under one algorithm; "
        "give --algos with one name\n");
  // A sweep file whose overlap axis leaves out the baseline.
  check_refused(dir, tiny_sweep(dir, "s.yaml", hw, "  - overlap.weights: [next_op]\n"),
                "overlap.weights", "none");
}

TEST_CASE("compare --overlap: weights and K/V axes, each point against both off", "[sweep]") {
  TempDir dir;
  const std::string hw = source_path("configs/hw/swiftkv-mha-u55c.yaml");
  // 64 KiB of the 2 MiB SRAM as prefetch space at every point, so that the four points
  // are the same hardware; KV 64 on the tiny model: tile 0 of each layer fits in it.
  const std::string sweep = tiny_sweep(dir, "s.yaml", hw,
                                       "  - kv_sram.prefetch_kib: [64]\n"
                                       "  - overlap.weights: [none, next_op]\n"
                                       "  - overlap.kv: [none, next_attention]\n");
  const OverlapRun run = compare_overlap(dir, sweep);
  const auto& rows = run.rows;
  REQUIRE(rows.size() == 4);
  const char* weights[] = {"none", "none", "next_op", "next_op"};
  const char* kv[] = {"none", "next_attention", "none", "next_attention"};
  for (std::size_t i = 0; i < rows.size(); ++i) {
    INFO("row " << i);
    CHECK(rows[i].at("kv_sram.prefetch_kib") == "64");
    CHECK(rows[i].at("overlap.weights") == weights[i]);
    CHECK(rows[i].at("overlap.kv") == kv[i]);
    CHECK(rows[i].at("status") == "done");
    // Every point against the first, both overlap keys off: the difference of the measured
    // times, exactly, beside its report's bound (the two streams' bounds summed).
    CHECK(num(rows[i], "saved_ms_per_token") ==
          Approx(num(rows[0], "ms_per_token") - num(rows[i], "ms_per_token")).margin(1e-6));
    if (i > 0) {
      CHECK(num(rows[i], "hideable_ms_per_token") ==
            Approx(num(rows[i], "overlap.hideable_ns") / 1e6).margin(1e-6));
      CHECK(num(rows[i], "saved_ms_per_token") > 0.0);
    }
  }
  CHECK(num(rows[0], "saved_ms_per_token") == 0.0);
  // scripts/overlap-plot.py draws the four points: one buffer set (the weight buffer, 64
  // requests of 4 KiB, and the 64 KiB prefetch space), one bar per choice.
  const std::string svg = dir.file("overlap.svg");
  // Debian's python3, which python3-matplotlib serves (another python3 first on PATH
  // may have no matplotlib).
  const auto plot = skv::test::run_program(
      "/usr/bin/python3",
      {source_path("scripts/overlap-plot.py"), dir.file("o/overlap.csv"), "-o", svg});
  INFO(plot.err);
  REQUIRE(plot.exit_code == 0);
  const std::string picture = read_file(svg);
  for (const char* label : {"256 KiB + 64 KiB K/V", "weights + kv", "time hideable vs saved"}) {
    INFO(label);
    CHECK(picture.find(label) != std::string::npos);
  }
  // A K/V axis without the baseline is refused like a weights axis.
  check_refused(dir,
                tiny_sweep(dir, "n.yaml", hw,
                           "  - kv_sram.prefetch_kib: [64]\n  - overlap.kv: [next_attention]\n"),
                "overlap.kv", "none");
}

TEST_CASE("compare --overlap: the O projection and arbitration axes, zipped with what they need",
          "[sweep]") {
  TempDir dir;
  // The reference hardware with two attention pipelines instead of eight: they need
  // 2 x (32 + 32) x 4 = 512 MAC slots, 8 rows of 32 PEs x 2 MACs, which
  // processor_array.attention_rows keeps for them beside a head-streamed O projection.
  dir.write("dram/hbm2-u55c.yaml", read_file(source_path("configs/dram/hbm2-u55c.yaml")));
  std::string text = read_file(source_path("configs/hw/swiftkv-mha-u55c.yaml"));
  const auto at = text.find("heads_in_parallel: 8");
  REQUIRE(at != std::string::npos);
  text.replace(at, 20, "heads_in_parallel: 2");
  const std::string hw = dir.write("hw/two.yaml", text);
  const std::string sweep =
      tiny_sweep(dir, "s.yaml", hw,
                 "  - zip:\n"
                 "      overlap.o_projection: [after_attention, head_streamed]\n"
                 "      processor_array.attention_rows: [0, 8]\n"
                 "  - zip:\n"
                 "      overlap.weights: [none, next_op, next_op]\n"
                 "      overlap.arbitration: [controller, controller, demand_first]\n");
  const OverlapRun run = compare_overlap(dir, sweep);
  const auto& rows = run.rows;
  // 2 x 3 points, the weights and arbitration group varying fastest; all four overlap
  // axes are columns, and every point is set against the first (all four off).
  REQUIRE(rows.size() == 6);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    INFO("row " << i);
    const bool streamed = i >= 3;
    CHECK(rows[i].at("overlap.o_projection") == (streamed ? "head_streamed" : "after_attention"));
    CHECK(rows[i].at("processor_array.attention_rows") == (streamed ? "8" : "0"));
    CHECK(rows[i].at("overlap.weights") == (i % 3 == 0 ? "none" : "next_op"));
    CHECK(rows[i].at("overlap.arbitration") == (i % 3 == 2 ? "demand_first" : "controller"));
    CHECK(rows[i].at("status") == "done");
    CHECK(num(rows[i], "saved_ms_per_token") ==
          Approx(num(rows[0], "ms_per_token") - num(rows[i], "ms_per_token")).margin(1e-6));
  }
  CHECK(num(rows[0], "saved_ms_per_token") == 0.0);
  // Head streaming alone (row 3) saves time, at most what its slices ran beside the
  // attention (one token: the report's figure in ns, per token in ms).
  const double beside_ms = num(rows[3], "overlap.o_projection.beside_attention_ns") / 1e6;
  CHECK(beside_ms > 0.0);
  CHECK(num(rows[3], "o_beside_ms_per_token") == Approx(beside_ms).margin(1e-9));
  CHECK(num(rows[0], "o_beside_ms_per_token") == 0.0);
  CHECK(run.printed.find("O beside us") != std::string::npos);
  CHECK(num(rows[3], "saved_ms_per_token") > 0.0);
  CHECK(num(rows[3], "saved_ms_per_token") <= beside_ms + 1e-9);
  // An arbitration axis without the controller's own order is refused in one line.
  check_refused(
      dir,
      tiny_sweep(dir, "n.yaml", hw,
                 "  - overlap.weights: [next_op]\n  - overlap.arbitration: [demand_first]\n"),
      "overlap.weights", "none");
  check_refused(
      dir,
      tiny_sweep(dir, "a.yaml", hw,
                 "  - overlap.weights: [none, next_op]\n  - overlap.arbitration: [demand_first]\n"),
      "overlap.arbitration", "controller");
}
