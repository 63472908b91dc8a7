// `run --energy`: the report's energy group appears and adds up (parts, units and classes
// to the total; per token and per second back to the total; steps.csv's batches to the
// run), in both modes; a bad preset is one error line.

#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/RunCli.h"
#include "support/TempDir.h"

using Catch::Detail::Approx;
using nlohmann::json;
using skv::test::CliResult;
using skv::test::read_csv;
using skv::test::read_file;
using skv::test::run_cli;
using skv::test::source_path;
using skv::test::TempDir;

namespace {

json run_energy(const TempDir& dir, const std::string& name, const std::string& hw,
                const std::string& preset, const std::string& mode) {
  const std::string out = dir.file(name);
  const CliResult r =
      run_cli({"run", "--hw", source_path(hw), "--model", source_path("configs/models/tiny.yaml"),
               "--trace", source_path("tests/golden/tiny-5steps.trace"), "--mode", mode, "--energy",
               preset, "-o", out, "-q"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("  energy (") != std::string::npos);
  CHECK(r.out.find("  efficiency ") != std::string::npos);
  json j = json::parse(read_file(out + "/report.json"));
  // steps.csv: energy_j per row; the batches add up to the run's energy (the run's DRAM
  // counters also hold the write-backs that drain after the last batch: within 1%).
  const auto rows = read_csv(out + "/steps.csv");
  REQUIRE(rows.size() == 6);
  std::size_t col = 0;
  while (col < rows[0].size() && rows[0][col] != "energy_j") ++col;
  REQUIRE(col < rows[0].size());
  double sum = 0;
  for (std::size_t i = 1; i < rows.size(); ++i) sum += std::stod(rows[i][col]);
  CHECK(sum == Approx(j["energy"]["total_j"].get<double>()).epsilon(0.01));
  return j;
}

void check_adds_up(const json& j) {
  const json& e = j.at("energy");
  const double total = e.at("total_j").get<double>();
  REQUIRE(total > 0);
  auto sum = [](const json& g) {
    double s = 0;
    for (const auto& v : g) s += v.get<double>();
    return s;
  };
  CHECK(sum(e.at("parts_j")) == Approx(total));
  CHECK(sum(e.at("terms_j")) == Approx(total));
  CHECK(sum(e.at("by_unit_j")) == Approx(total));
  CHECK(sum(e.at("by_operation_j")) == Approx(total));
  CHECK(sum(e.at("parts_pct")) == Approx(100.0));
  const double tokens = j.at("totals").at("tokens").get<double>();
  const double seconds = j.at("totals").at("simulated_time_ns").get<double>() * 1e-9;
  CHECK(e.at("joules_per_token").get<double>() * tokens == Approx(total));
  CHECK(e.at("tokens_per_joule").get<double>() * total == Approx(tokens));
  CHECK(e.at("average_w").get<double>() * seconds == Approx(total));
  CHECK(e.at("assumed_j").get<double>() <= total * (1 + 1e-12));
}

}  // namespace

TEST_CASE("energy: the report's figures appear and add up, in both modes", "[system]") {
  TempDir dir;
  const json exact = run_energy(dir, "exact", "configs/hw/swiftkv-mha-u55c.yaml", "u55c", "exact");
  check_adds_up(exact);
  // Every value of the U55C preset is an assumption; the HBM2 preset's currents are not, and
  // all the energy resting on them is the DRAM command, background and refresh energy.
  const json& terms = exact["energy"]["terms_j"];
  double from_currents = 0;
  for (const char* t :
       {"dram_activates", "dram_reads", "dram_writes", "dram_background", "dram_refresh"}) {
    from_currents += terms[t].get<double>();
  }
  CHECK(terms["dram_background"].get<double>() > 0);
  CHECK(terms["dram_per_bit"].get<double>() == 0.0);
  CHECK(exact["energy"]["assumed_j"].get<double>() ==
        Approx(exact["energy"]["total_j"].get<double>() - from_currents));
  CHECK(exact["energy"]["assumption_share_pct"].get<double>() < 100.0);
  // Static energy is power times time: the preset's 6 W of unit static power.
  CHECK(exact["energy"]["parts_j"]["unit_static"].get<double>() ==
        Approx(6.0 * exact["totals"]["simulated_time_ns"].get<double>() * 1e-9));
  const json fast = run_energy(dir, "fast", "configs/hw/swiftkv-mha-u55c.yaml", "u55c", "fast");
  check_adds_up(fast);
  // The same bytes and MACs give the same dynamic energy of the units' arithmetic.
  for (const char* t : {"gemv_macs", "attention_macs", "exp2", "divisions", "dram_io"}) {
    INFO(t);
    CHECK(fast["energy"]["terms_j"][t].get<double>() ==
          Approx(exact["energy"]["terms_j"][t].get<double>()));
  }
  // scripts/energy-plot.py draws the report: one bar per part and per unit, each bar labelled
  // with its report's --label and ending in the run's mJ per token.
  const std::string svg = dir.file("energy.svg");
  const CliResult plot = skv::test::run_program(
      "/usr/bin/env", {"python3", source_path("scripts/energy-plot.py"),
                       dir.file("exact") + "/report.json", "-o", svg, "--label", "tiny exact"});
  INFO(plot.err);
  REQUIRE(plot.exit_code == 0);
  const std::string picture = read_file(svg);
  CHECK(picture.find("tiny, swiftkv, u55c, tiny exact") != std::string::npos);
  const std::string mj =
      fmt::format("{:.4g} mJ</text>", exact["energy"]["joules_per_token"].get<double>() * 1e3);
  CHECK(picture.find(mj) != std::string::npos);
  // A --label count that does not match the reports is refused in one line.
  const CliResult bad =
      skv::test::run_program("/usr/bin/env", {"python3", source_path("scripts/energy-plot.py"),
                                              dir.file("exact") + "/report.json", "-o", svg,
                                              "--label", "a", "--label", "b"});
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("--label: given 2 times for 1 reports") != std::string::npos);
  // A DRAM preset with currents: background and refresh energy from them.
  const json lp =
      run_energy(dir, "lpddr4", "configs/hw/swiftkv-mha-lpddr4.yaml", "asic-45nm", "exact");
  check_adds_up(lp);
  CHECK(lp["energy"]["parts_j"]["dram_background_refresh"].get<double>() > 0);
  CHECK(lp["energy"]["parts_j"]["board_idle"].get<double>() == 0.0);
}

TEST_CASE("energy: validate tells an energy preset", "[system]") {
  const CliResult r = run_cli({"validate", source_path("configs/energy/u55c.yaml"),
                               source_path("configs/energy/asic-45nm.yaml")});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("energy preset 'u55c'") != std::string::npos);
  CHECK(r.out.find("energy preset 'asic-45nm'") != std::string::npos);
}

TEST_CASE("energy: an unknown preset is one error line", "[system]") {
  TempDir dir;
  const CliResult r = run_cli({"run", "--hw", source_path("configs/hw/swiftkv-mha-u55c.yaml"),
                               "--model", source_path("configs/models/tiny.yaml"), "--trace",
                               source_path("tests/golden/tiny-5steps.trace"), "--energy", "nope",
                               "-o", dir.file("out"), "-q"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("no energy preset 'nope'") != std::string::npos);
  CHECK(r.err_lines().size() == 1);
}

TEST_CASE("energy: compare --energy gives every point's energy figures a column", "[system]") {
  TempDir dir;
  const std::string out = dir.file("cmp");
  const CliResult r =
      run_cli({"compare", "--hw", source_path("configs/hw/swiftkv-mha-u55c.yaml"), "--model",
               source_path("configs/models/tiny.yaml"), "--kv-lens", "64", "--algos",
               "swiftkv,native", "--energy", "u55c", "-o", out, "-q", "-j", "1"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const auto rows = read_csv(out + "/compare.csv");
  REQUIRE(rows.size() == 3);
  std::size_t col = 0;
  while (col < rows[0].size() && rows[0][col] != "energy.joules_per_token") ++col;
  REQUIRE(col < rows[0].size());
  for (std::size_t i = 1; i < rows.size(); ++i) CHECK(std::stod(rows[i][col]) > 0);
}
