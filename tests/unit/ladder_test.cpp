// The speedup ladder (compare --ladder, src/sweep/Ladder.h): each rung's resolved config
// differs from the rung before only in its mechanism's key (never asserted: that a rung
// is faster), and the leave-one-out rows take one mechanism off the last rung.

#include "sweep/Ladder.h"

#include <catch2/catch.hpp>
#include <map>
#include <set>
#include <string>

#include "config/HwConfigLoader.h"
#include "config/ResolvedConfig.h"
#include "support/TempDir.h"
#include "support/TinyDesign.h"
#include "sweep/SweepRunner.h"

using namespace skv;
using skv::test::source_path;
using skv::test::TempDir;

namespace {

// A point's resolved hardware config, key path to value, with its algorithm under the
// sweep's `algorithm` axis name.
std::map<std::string, std::string> resolved(const config::HwConfig& hw,
                                            const std::string& algorithm) {
  std::map<std::string, std::string> out;
  for (const auto& k : config::resolved_keys(hw)) out[k.info->path()] = schema::to_text(k.value);
  out[sweep::kAlgorithmAxis] = algorithm;
  return out;
}

std::map<std::string, std::string> resolved(const TempDir& dir, const sweep::PlannedPoint& p) {
  // A point's file stands alone (its DRAM preset inlined).
  return resolved(config::load_hw_config(dir.write(p.dir_name + ".yaml", p.hw_yaml)), p.algorithm);
}

std::set<std::string> differences(const std::map<std::string, std::string>& a,
                                  const std::map<std::string, std::string>& b) {
  std::set<std::string> keys;
  for (const auto& [k, v] : a) {
    const auto it = b.find(k);
    if (it == b.end() || it->second != v) keys.insert(k);
  }
  for (const auto& [k, v] : b) {
    if (a.count(k) == 0) keys.insert(k);
  }
  return keys;
}

sweep::SweepPlan ladder_plan(const sweep::LadderDesign& d) {
  sweep::CompareInputs in;
  in.hw = source_path("configs/hw/swiftkv-mha-u55c.yaml");
  in.model = source_path("configs/models/tiny.yaml");
  in.kv_lens = {64};
  return sweep::plan_sweep(sweep::ladder_spec(in, d));
}

}  // namespace

TEST_CASE(
    "ladder: each rung's resolved config differs from the one before only in its "
    "mechanism's key",
    "[sweep]") {
  const test::TinyDesign ref;
  const sweep::LadderDesign d =
      sweep::ladder_design(ref.hw.attention.heads_in_parallel, ref.hw.attention.splitk_partitions);
  REQUIRE(d.rungs.size() == d.mechanisms.size() + 1);
  const sweep::SweepPlan plan = ladder_plan(d);
  REQUIRE(plan.points.size() == d.distinct.size());
  TempDir dir;
  std::vector<std::map<std::string, std::string>> rung;
  for (const std::size_t i : d.rung_point) rung.push_back(resolved(dir, plan.points[i]));
  for (std::size_t r = 1; r < rung.size(); ++r) {
    INFO("rung " << r << ": " << d.mechanisms[r - 1].name);
    std::set<std::string> keys;
    for (const auto& k : d.mechanisms[r - 1].keys) keys.insert(k.key);
    CHECK(differences(rung[r - 1], rung[r]) == keys);
  }
  // Rung 0 is native attention with every mechanism off.
  CHECK(rung.front().at("algorithm") == "native");
  CHECK(rung.front().at("attention.scores") == "dram");
  CHECK(rung.front().at("attention.softmax_passes") == "3");
  CHECK(rung.front().at("attention.exp2_pipelined") == "false");
  CHECK(rung.front().at("attention.heads_in_parallel") == "1");
  // The last rung is the hardware config as given, run as swiftkv: it differs from it only
  // in the keys that native attention alone reads.
  const auto given = resolved(ref.hw, "swiftkv");
  std::set<std::string> native_only;
  for (const auto& m : d.mechanisms) {
    if (m.native_only) native_only.insert(m.keys.front().key);
  }
  CHECK(differences(given, rung.back()) == native_only);
}

TEST_CASE(
    "ladder: leave-one-out rows take one mechanism off the last rung, and rows that would "
    "change nothing are not run",
    "[sweep]") {
  const sweep::LadderDesign d = sweep::ladder_design(8, 4);
  REQUIRE(d.leave_one_out.size() == d.mechanisms.size());
  for (std::size_t m = 0; m < d.mechanisms.size(); ++m) {
    INFO(d.mechanisms[m].name);
    if (d.mechanisms[m].native_only) {
      // The last rung runs swiftkv, which reads neither attention.scores nor softmax_passes.
      CHECK(!d.leave_one_out[m]);
      CHECK(!d.leave_one_out_point[m]);
      continue;
    }
    REQUIRE(d.leave_one_out[m]);
    std::set<std::string> differ;
    for (std::size_t k = 0; k < sweep::ladder_keys().size(); ++k) {
      if ((*d.leave_one_out[m])[k] != d.rungs.back()[k]) differ.insert(sweep::ladder_keys()[k]);
    }
    std::set<std::string> keys;
    for (const auto& k : d.mechanisms[m].keys) keys.insert(k.key);
    CHECK(differ == keys);
  }
  // Without parallel heads is rung 4 again: run once, used twice. Six rungs and two more
  // leave-one-out settings (without the fused pass, without the pipelined exp2).
  CHECK(d.leave_one_out_point.back() == d.rung_point[4]);
  CHECK(d.distinct.size() == 8);
  // With one head in parallel already, the last rung repeats rung 4, and without the
  // pipelined exp2 it is rung 3: rungs 0 to 4 and without the fused pass, 6 settings.
  CHECK(sweep::ladder_design(1, 1).distinct.size() == 6);
}
