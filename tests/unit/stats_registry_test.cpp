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
  CHECK(a.floor == 0);
  CHECK(a.first_cycle == 0);
  CHECK(a.last_cycle == 0);
  CHECK(a.latency.count() == 0);
}
