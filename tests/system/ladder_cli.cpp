// `compare --ladder` end to end on the tiny model with a one-step trace: the two tables,
// ladder.csv's shape, and rungs the hardware cannot run reported as infeasible (never
// switched to something that runs). Which rung is faster is not asserted.

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
using skv::test::source_path;
using skv::test::TempDir;

namespace {

// RFC 4180 rows (quoted fields may hold commas), each as header name to value.
std::vector<std::map<std::string, std::string>> csv_rows(const std::string& text) {
  std::vector<std::vector<std::string>> lines(1);
  std::string field;
  bool quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      lines.back().push_back(field);
      field.clear();
    } else if (c == '\n') {
      lines.back().push_back(field);
      field.clear();
      lines.emplace_back();
    } else {
      field += c;
    }
  }
  lines.pop_back();  // after the last '\n'
  std::vector<std::map<std::string, std::string>> rows;
  for (std::size_t r = 1; r < lines.size(); ++r) {
    REQUIRE(lines[r].size() == lines[0].size());
    std::map<std::string, std::string> row;
    for (std::size_t c = 0; c < lines[0].size(); ++c) row[lines[0][c]] = lines[r][c];
    rows.push_back(row);
  }
  return rows;
}

// The reference hardware with a KV SRAM of `kib` KiB, beside a copy of its DRAM preset.
std::string hw_with_sram(const TempDir& dir, int kib) {
  fs::create_directories(dir.file("hw"));
  fs::create_directories(dir.file("dram"));
  dir.write("dram/hbm2-u55c.yaml", read_file(source_path("configs/dram/hbm2-u55c.yaml")));
  std::string hw = read_file(source_path("configs/hw/swiftkv-mha-u55c.yaml"));
  const std::string from = "capacity_kib: 2048";
  REQUIRE(hw.find(from) != std::string::npos);
  hw.replace(hw.find(from), from.size(), "capacity_kib: " + std::to_string(kib));
  return dir.write("hw/small-sram.yaml", hw);
}

}  // namespace

TEST_CASE("compare --ladder: rungs and leave-one-out rows on the tiny model", "[sweep]") {
  TempDir dir;
  const std::string out = dir.file("ladder");
  const auto r = run_cli(
      {"compare", "--ladder", "--hw", source_path("configs/hw/swiftkv-mha-u55c.yaml"), "--model",
       source_path("configs/models/tiny.yaml"), "--kv-lens", "64", "-j", "2", "-o", out, "-q"});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("cumulative attention") != std::string::npos);
  CHECK(r.out.find("attention gain added last") != std::string::npos);
  const auto rows = csv_rows(read_file(out + "/ladder.csv"));
  // Six rungs (rung 0 and five mechanisms), then five leave-one-out rows.
  REQUIRE(rows.size() == 11);
  const std::vector<std::string> mechanisms = {"native, scores in DRAM", "scores on chip",
                                               "online softmax",         "fused single pass",
                                               "pipelined exp2",         "parallel heads"};
  for (std::size_t i = 0; i < 6; ++i) {
    INFO("rung " << i);
    CHECK(rows[i].at("table") == "ladder");
    CHECK(rows[i].at("step") == std::to_string(i));
    CHECK(rows[i].at("kv_len") == "64");
    CHECK(rows[i].at("mechanism") == mechanisms[i]);
    CHECK(rows[i].at("status") == "done");
    CHECK(!rows[i].at("attention_cycles_per_step").empty());
    // Rung 0 has no gain; every other rung has its own and the cumulative one.
    CHECK(rows[i].at("attention_gain").empty() == (i == 0));
    CHECK(rows[i].at("cumulative_step_gain").empty() == (i == 0));
  }
  CHECK(rows[1].at("change") == "attention.scores: dram -> sram");
  CHECK(rows[3].at("change") == "algorithm: native -> swiftkv");
  CHECK(rows[5].at("change") ==
        "attention.heads_in_parallel: 1 -> 8; attention.splitk_partitions: 1 -> 4");
  CHECK(rows[0].at("algorithm") == "native");
  CHECK(rows[5].at("algorithm") == "swiftkv");
  for (std::size_t i = 6; i < 11; ++i) {
    INFO("leave-one-out " << i);
    CHECK(rows[i].at("table") == "leave_one_out");
    CHECK(rows[i].at("mechanism") == "without " + mechanisms[i - 5]);
  }
  // The native-only keys change nothing on a swiftkv rung: not run, and said so.
  CHECK(rows[6].at("status") == "no_effect");
  CHECK(rows[7].at("status") == "no_effect");
  CHECK(rows[8].at("status") == "done");
  CHECK(rows[8].at("algorithm") == "native");
  // Without parallel heads is rung 4, the same run.
  CHECK(rows[10].at("attention_cycles_per_step") == rows[4].at("attention_cycles_per_step"));
  // No --energy, no energy columns.
  CHECK(rows[0].count("joules_per_token") == 0);
  CHECK(fs::exists(out + "/sweep.csv"));

  const auto again =
      run_cli({"compare", "--ladder", "--hw", source_path("configs/hw/swiftkv-mha-u55c.yaml"),
               "--model", source_path("configs/models/tiny.yaml"), "--kv-lens", "64", "--algos",
               "swiftkv", "-o", dir.file("bad"), "-q"});
  CHECK(again.exit_code == 1);
  CHECK(again.err ==
        "swiftkv-sim: error: compare: --ladder runs its own algorithms; drop --algos\n");
}

TEST_CASE("compare --ladder: a rung whose scores do not fit on chip is reported infeasible",
          "[sweep]") {
  // 64 KiB of KV SRAM. One head's scores at max_context 1024 take 1024 x 4 B = 4 KiB and
  // its two K/V tiles 2 x 2 x 64 tokens x 64 x 4 B = 64 KiB: 68 KiB do not fit, so the
  // rungs that force scores on chip (1 and 2) cannot run; swiftkv keeps no scores.
  TempDir dir;
  const std::string out = dir.file("ladder");
  const auto r = run_cli({"compare", "--ladder", "--hw", hw_with_sram(dir, 64), "--model",
                          source_path("configs/models/tiny.yaml"), "--kv-lens", "64", "-j", "2",
                          "-o", out, "-q"});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  const auto rows = csv_rows(read_file(out + "/ladder.csv"));
  REQUIRE(rows.size() == 11);
  CHECK(rows[0].at("status") == "done");
  for (const std::size_t i : {1, 2}) {
    INFO("rung " << i);
    CHECK(rows[i].at("status") == "infeasible");
    CHECK(rows[i].at("reason").find(
              "attention.scores: infeasible: sram: the scores of 1 head at max_context 1024 of "
              "model tiny (4 KiB) and two K/V tiles (64 KiB) do not fit kv_sram.capacity_kib = "
              "64; use auto or dram") != std::string::npos);
    CHECK(rows[i].at("attention_cycles_per_step").empty());
  }
  // Rung 3 runs; its own gain needs rung 2, which did not run; rung 0 did.
  CHECK(rows[3].at("status") == "done");
  CHECK(rows[3].at("attention_gain").empty());
  CHECK(!rows[3].at("cumulative_attention_gain").empty());
  // Without the fused pass: native with 8 heads' scores forced on chip, infeasible too.
  CHECK(rows[8].at("status") == "infeasible");
  CHECK(r.out.find("infeasible: ") != std::string::npos);
}
