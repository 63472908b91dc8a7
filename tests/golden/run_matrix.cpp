// The golden tier's whole runs: every figure of report.json and steps.csv for the tiny
// model under each attention algorithm on two DRAM presets, pinned in golden.json.
//
// The pinned numbers change only through scripts/golden-update.sh, which runs this
// test with SKV_GOLDEN_UPDATE=1: it then prints every figure whose value changed (old
// and new), rewrites golden.json and passes. The cases themselves (configs, trace,
// algorithm) are listed in golden.json and edited by hand.

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "support/RunCli.h"
#include "support/TempDir.h"

namespace {

using skv::test::TempDir;
using nlohmann::json;
using Figures = std::map<std::string, json>;

const std::string kGoldenFile = skv::test::source_path("tests/golden/golden.json");

// The report's echo of its inputs (the resolved configs and their versions), not figures
// of the run: the config tests check it (tests/unit/config_schema_test.cpp), and a
// default or schema change shows here through the figures it moves.
const char* const kNotFigures = "/config";

// Every number in `j`, keyed by its JSON pointer.
void flatten(const json& j, const std::string& at, Figures& out) {
  if (at == kNotFigures) return;
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) flatten(it.value(), at + "/" + it.key(), out);
  } else if (j.is_array()) {
    for (std::size_t i = 0; i < j.size(); ++i) flatten(j[i], at + "/" + std::to_string(i), out);
  } else if (j.is_number()) {
    out[at] = j;
  }
}

std::vector<std::string> split(const std::string& line, char sep) {
  std::vector<std::string> fields;
  std::stringstream in(line);
  std::string f;
  while (std::getline(in, f, sep)) fields.push_back(f);
  return fields;
}

// Every numeric cell of steps.csv, as "steps.csv/<row>/<column>"; row 0 is the first step.
void flatten_csv(const std::string& path, Figures& out) {
  std::ifstream in(path);
  std::string line;
  if (!std::getline(in, line)) throw std::runtime_error(path + ": empty");
  const std::vector<std::string> header = split(line, ',');
  for (int row = 0; std::getline(in, line); ++row) {
    const std::vector<std::string> cells = split(line, ',');
    if (cells.size() != header.size()) throw std::runtime_error(path + ": ragged row");
    for (std::size_t c = 0; c < cells.size(); ++c) {
      const json v = json::parse(cells[c], nullptr, /*allow_exceptions=*/false);
      if (v.is_number()) out[fmt::format("steps.csv/{}/{}", row, header[c])] = v;
    }
  }
}

// Runs one case and returns its figures.
Figures run_case(const json& c, const TempDir& dir) {
  const std::string out = dir.file(c.at("name").get<std::string>());
  const skv::test::CliResult r = skv::test::run_cli(
      {"run", "--hw", skv::test::source_path(c.at("hw")), "--model",
       skv::test::source_path(c.at("model")), "--trace", skv::test::source_path(c.at("trace")),
       "--algo", c.at("algo"), "-o", out, "-q"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  Figures f;
  flatten(json::parse(skv::test::read_file(out + "/report.json")), "", f);
  flatten_csv(out + "/steps.csv", f);
  return f;
}

std::string change(const json& before, const json& after) {
  if (before.is_null()) return fmt::format("(new) -> {}", after.dump());
  if (after.is_null()) return fmt::format("{} -> (gone)", before.dump());
  const double a = before.get<double>();
  const double b = after.get<double>();
  return fmt::format("{} -> {} ({:+.6g}{})", before.dump(), after.dump(), b - a,
                     a != 0 ? fmt::format(", {:+.3f}%", 100.0 * (b - a) / a) : "");
}

// Lines "<figure>: old -> new" for every figure that differs between the two sets.
std::vector<std::string> differences(const Figures& pinned, const Figures& now) {
  std::vector<std::string> lines;
  for (const auto& [key, value] : pinned) {
    auto it = now.find(key);
    if (it == now.end()) {
      lines.push_back(key + ": " + change(value, json()));
    } else if (it->second != value) {
      lines.push_back(key + ": " + change(value, it->second));
    }
  }
  for (const auto& [key, value] : now) {
    if (pinned.count(key) == 0) lines.push_back(key + ": " + change(json(), value));
  }
  return lines;
}

}  // namespace

TEST_CASE("golden runs: the tiny model, four algorithms, two DRAM presets", "[golden]") {
  json golden = json::parse(skv::test::read_file(kGoldenFile));
  const bool update = std::getenv("SKV_GOLDEN_UPDATE") != nullptr;
  const TempDir dir;
  std::size_t changed_cases = 0;
  REQUIRE(golden.at("cases").size() >= 8);
  for (json& c : golden.at("cases")) {
    const std::string name = c.at("name");
    const Figures now = run_case(c, dir);
    Figures pinned;
    if (c.contains("figures")) {
      for (auto it = c["figures"].begin(); it != c["figures"].end(); ++it) {
        pinned[it.key()] = it.value();
      }
    }
    const std::vector<std::string> diff = differences(pinned, now);
    if (update) {
      if (!diff.empty()) {
        ++changed_cases;
        fmt::print("{}: {} figures changed\n", name, diff.size());
        for (const auto& line : diff) fmt::print("  {}\n", line);
      }
      c["figures"] = json(now);
    } else {
      std::string all;
      for (const auto& line : diff) all += "\n  " + line;
      INFO(name << ": figures that differ from tests/golden/golden.json (pinned -> now):" << all);
      CHECK(pinned.size() > 100);  // a case pins every figure of the report, not a few
      CHECK(diff.empty());
    }
  }
  if (update) {
    std::ofstream out(kGoldenFile);
    out << golden.dump(2) << '\n';
    REQUIRE(out.good());
    fmt::print("{}: {} of {} cases changed\n", kGoldenFile, changed_cases, golden["cases"].size());
  }
}

TEST_CASE("report-diff: figure by figure, exit 0 on equal reports and 1 otherwise", "[golden]") {
  const TempDir dir;
  const json cases = json::parse(skv::test::read_file(kGoldenFile)).at("cases");
  run_case(cases.at(0), dir);
  run_case(cases.at(1), dir);
  const std::string a = dir.file(cases.at(0).at("name").get<std::string>() + "/report.json");
  const std::string b = dir.file(cases.at(1).at("name").get<std::string>() + "/report.json");
  const std::string script = skv::test::source_path("scripts/report-diff.py");

  const auto same = skv::test::run_program("/usr/bin/env", {"python3", script, a, a});
  CHECK(same.exit_code == 0);
  CHECK(same.out.find("0 of ") == 0);

  // The two cases differ in algorithm, so in cycles: the line names the figure and
  // both values.
  const auto differ = skv::test::run_program("/usr/bin/env", {"python3", script, a, b, "--only",
                                                              "/totals/simulated_cycles"});
  CHECK(differ.exit_code == 1);
  const json ja = json::parse(skv::test::read_file(a));
  const json jb = json::parse(skv::test::read_file(b));
  CHECK(differ.out.find(fmt::format("/totals/simulated_cycles: {} -> {}",
                                    ja["totals"]["simulated_cycles"].dump(),
                                    jb["totals"]["simulated_cycles"].dump())) == 0);
  CHECK(differ.out.find("1 of 1 figures differ") != std::string::npos);

  const auto missing =
      skv::test::run_program("/usr/bin/env", {"python3", script, a, dir.file("none.json")});
  CHECK(missing.exit_code == 2);
  CHECK(missing.err.find(dir.file("none.json") + ": cannot read a report") == 0);
}
