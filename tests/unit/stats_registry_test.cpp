// The stats registry (common/Stats.h): every counter a unit declares reaches
// report.json under its unit's group by iteration alone, with no key written by hand,
// and merges by its kind.

#include <catch2/catch.hpp>
#include <set>
#include <string>

#include "report/RunReport.h"
#include "support/TinyDesign.h"

namespace {

// Distinct values for every declared counter, so one reported under another's name
// cannot pass.
template <class Stats>
void number(Stats& s, std::uint64_t& next) {
  s.for_each_mutable([&next](const skv::stats::Info&, std::uint64_t& v) { v = next++; });
}

template <class Stats>
void check_group(const nlohmann::json& group, const Stats& s, const char* where) {
  std::set<std::string> names;
  s.for_each([&](const skv::stats::Info& info, std::uint64_t value) {
    INFO(where << "." << info.name);
    CHECK(names.insert(info.name).second);  // each name declared once
    REQUIRE(group.contains(info.name));
    CHECK(group.at(info.name).get<std::uint64_t>() == value);
    CHECK(std::string(info.description).size() > 10);
  });
  CHECK(names.size() == sizeof(Stats::kInfo) / sizeof(Stats::kInfo[0]));
}

}  // namespace

TEST_CASE("stats registry: every declared counter is in the report under its unit", "[unit]") {
  const skv::test::TinyDesign t;
  skv::sim::RunResult r;
  r.accel_period_ps = 4000;
  r.dram_period_ps = 1111;
  r.batches = 1;
  r.steps = 1;
  r.cycles = 1000000;  // long enough that every percentage stays within [0, 100]
  r.array_peak_macs_per_cycle = 2048;
  std::uint64_t next = 1;
  number(r.array, next);
  number(r.attention, next);
  number(r.sram, next);
  const nlohmann::json j = skv::report::run_report(t.hw, t.model, r);
  check_group(j.at("processor_array"), r.array, "processor_array");
  check_group(j.at("attention_pipeline"), r.attention, "attention_pipeline");
  check_group(j.at("kv_sram"), r.sram, "kv_sram");
}

TEST_CASE("stats registry: declarations carry kind and unit, and merge adds sums", "[unit]") {
  using Stats = skv::KvCacheSram::Stats;
  CHECK(std::string(Stats::kInfo[0].name) == "reads");
  CHECK(Stats::kInfo[0].kind == skv::stats::Kind::Sum);
  CHECK(std::string(skv::stats::unit_name(Stats::kInfo[1].unit)) == "bytes");
  Stats a;
  Stats b;
  a.read_bytes = 100;
  b.read_bytes = 23;
  b.stall_cycles = 7;
  a.merge_from(b);
  CHECK(a.read_bytes == 123);
  CHECK(a.stall_cycles == 7);
  CHECK(skv::stats::merged(skv::stats::Kind::Max, 5, 9) == 9);
  CHECK(skv::stats::merged(skv::stats::Kind::Min, 5, 9) == 5);
}

namespace {

#define SKV_TEST_KINDS_STATS(X)                                   \
  X(events, Sum, Count, "events counted in the test group")       \
  X(level_cycles, TimeIntegral, AccelCycles, "a level over time") \
  X(peak, Max, Count, "the largest level seen")                   \
  X(floor, Min, Count, "the smallest level seen")                 \
  X(first_cycle, FirstStamp, AccelCycles, "the first event")      \
  X(last_cycle, LastStamp, AccelCycles, "the latest event")       \
  X(latency, Histogram, AccelCycles, "latency of each event")
struct KindsStats {
  SKV_DECLARE_STATS(SKV_TEST_KINDS_STATS)
};

}  // namespace

TEST_CASE("stats registry: every kind merges by its rule, and a snapshot keeps sums only",
          "[unit]") {
  KindsStats a;
  KindsStats b;
  a.events = 3;
  b.events = 4;
  a.level_cycles = 100;
  b.level_cycles = 50;
  a.peak = 7;
  b.peak = 9;
  a.floor = 2;
  b.floor = 5;
  a.first_cycle = 0;  // not stamped yet: the other's stamp wins
  b.first_cycle = 40;
  a.last_cycle = 90;
  b.last_cycle = 60;
  for (std::uint64_t v : {10, 20, 30}) a.latency.add(v);
  for (std::uint64_t v : {1000, 5}) b.latency.add(v);
  a.merge_from(b);
  CHECK(a.events == 7);
  CHECK(a.level_cycles == 150);
  CHECK(a.peak == 9);
  CHECK(a.floor == 2);
  CHECK(a.first_cycle == 40);
  CHECK(a.last_cycle == 90);
  CHECK(a.latency.count() == 5);
  CHECK(a.latency.sum() == 10 + 20 + 30 + 1000 + 5);
  CHECK(a.latency.min() == 5);
  CHECK(a.latency.max() == 1000);
  CHECK(a.latency.percentile(50) == 20);  // the 3rd of 5, exact below 128

  // for_each visits the scalars, for_each_histogram the histograms, in declaration order.
  std::string scalars;
  a.for_each([&](const skv::stats::Info& info, std::uint64_t) {
    scalars += info.name + std::string(" ");
  });
  CHECK(scalars == "events level_cycles peak floor first_cycle last_cycle ");
  int histograms = 0;
  a.for_each_histogram([&](const skv::stats::Info& info, const skv::stats::Histogram& h) {
    CHECK(std::string(info.name) == "latency");
    CHECK(h.count() == 5);
    ++histograms;
  });
  CHECK(histograms == 1);

  skv::stats::keep_subtractable(a);
  CHECK(a.events == 7);
  CHECK(a.level_cycles == 150);
  CHECK(a.peak == 0);
  CHECK(a.floor == ~std::uint64_t{0});  // a minimum starts above every value (initial_value)
  CHECK(a.first_cycle == 0);
  CHECK(a.last_cycle == 0);
  CHECK(a.latency.count() == 0);
}

namespace {

// One event of the test group (KindsStats, above): an amount, a level and a latency.
void event(KindsStats& s, std::uint64_t cycle, std::uint64_t level, std::uint64_t latency) {
  s.events += 1;
  s.peak = std::max(s.peak, level);
  s.floor = std::min(s.floor, level);
  if (s.first_cycle == 0) s.first_cycle = cycle;
  s.last_cycle = cycle;
  s.latency.add(latency);
}

}  // namespace

// A batch scope around two operation scopes: each segment sees only its own extremes,
// the enclosing one sees both, and sums are never touched.
TEST_CASE("stats registry: scopes collect extremes per segment and nest", "[unit]") {
  skv::stats::ScopeStack<KindsStats> scopes;
  KindsStats live;
  event(live, 10, 3, 100);  // before any scope: the run's own
  scopes.open(live);        // batch
  scopes.open(live);        // operation 1
  event(live, 20, 5, 200);
  event(live, 30, 2, 300);
  const KindsStats op1 = scopes.close(live);
  CHECK(op1.events == 0);  // sums are the difference of snapshots, not a scope's
  CHECK(op1.peak == 5);
  CHECK(op1.floor == 2);
  CHECK(op1.first_cycle == 20);
  CHECK(op1.last_cycle == 30);
  CHECK(op1.latency.count() == 2);
  CHECK(op1.latency.sum() == 200 + 300);
  scopes.open(live);  // operation 2
  event(live, 40, 4, 50);
  const KindsStats op2 = scopes.close(live);
  CHECK(op2.peak == 4);   // not operation 1's 5
  CHECK(op2.floor == 4);  // not operation 1's 2
  CHECK(op2.first_cycle == 40);
  CHECK(op2.latency.count() == 1);
  CHECK(op2.latency.max() == 50);
  const KindsStats batch = scopes.close(live);
  CHECK(batch.peak == 5);    // max(5, 4)
  CHECK(batch.floor == 2);   // min(2, 4)
  CHECK(batch.first_cycle == 20);  // operation 1's, not the run's 10
  CHECK(batch.last_cycle == 40);
  CHECK(batch.latency.count() == 3);
  CHECK(batch.latency.sum() == 200 + 300 + 50);
  CHECK(scopes.depth() == 0);
  // The run holds everything: its own event and the batch's.
  CHECK(live.events == 4);
  CHECK(live.peak == 5);
  CHECK(live.floor == 2);
  CHECK(live.first_cycle == 10);
  CHECK(live.last_cycle == 40);
  CHECK(live.latency.count() == 4);
  CHECK(live.latency.sum() == 100 + 200 + 300 + 50);
  CHECK_THROWS_AS(scopes.close(live), std::logic_error);
}

// While a scope is open, the run's values are the live ones merged with every segment set
// aside.
TEST_CASE("stats registry: the whole run's extremes while scopes are open", "[unit]") {
  skv::stats::ScopeStack<KindsStats> scopes;
  KindsStats live;
  event(live, 10, 7, 100);
  scopes.open(live);
  event(live, 20, 2, 900);
  KindsStats run = live;
  scopes.merge_saved_into(run);
  CHECK(run.peak == 7);
  CHECK(run.first_cycle == 10);
  CHECK(run.last_cycle == 20);
  CHECK(run.latency.count() == 2);
  CHECK(run.latency.max() == 900);
}
