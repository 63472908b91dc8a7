// The exclusive breakdown of a run's cycles (report/OverlapReport.h): every simulated
// cycle booked to exactly one part, so the parts add up to the total and the shares to
// 100%.

#include <catch2/catch.hpp>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "report/OverlapReport.h"

namespace {

using nlohmann::json;

// The counters of the tiny model's golden run (tests/golden/golden.json, case
// tiny-hbm2-swiftkv: configs/models/tiny.yaml on configs/hw/swiftkv-mha-u55c.yaml, the
// five-step trace tests/golden/tiny-5steps.trace, SwiftKV attention).
json tiny_report() {
  return json::parse(R"({
    "totals": {"simulated_cycles": 18509},
    "breakdown": {"gemv_cycles": 7012, "attention_cycles": 9667, "other_cycles": 1830},
    "processor_array": {"gemv_compute_cycles": 3520, "fill_drain_cycles": 2835,
                        "weight_stall_cycles": 657, "vector_cycles": 1760},
    "attention_pipeline": {"busy_cycles": 9078, "kv_append_cycles": 60},
    "kv_sram": {"stall_cycles": 589}
  })");
}

}  // namespace

TEST_CASE("exclusive breakdown: the parts add up to the simulated cycles", "[unit][report]") {
  const skv::report::ExclusiveBreakdown b = skv::report::exclusive_breakdown(tiny_report());
  REQUIRE(b.parts.size() == skv::report::ExclusiveBreakdown::kParts);
  // GEMV, 7012 cycles: array 3520 compute + 2835 fill/drain = 6355, waiting for weights
  // 657, nothing else (6355 + 657 = 7012).
  CHECK(b.parts[0].name == "gemv_array");
  CHECK(b.parts[0].cycles == 6355);
  CHECK(b.parts[1].cycles == 657);
  CHECK(b.parts[2].cycles == 0);
  // Attention, 9667 cycles: pipeline 9078 + waiting for K/V 589 = 9667, nothing else.
  CHECK(b.parts[3].cycles == 9078);
  CHECK(b.parts[4].cycles == 589);
  CHECK(b.parts[5].cycles == 0);
  // Other, 1830 cycles: vector lanes 1760 + KV append 60 = 1820; 10 cycles (one per KV
  // append: 5 steps x 2 layers) are in no unit's counter.
  CHECK(b.parts[6].cycles == 1820);
  CHECK(b.parts[7].name == "other_unattributed");
  CHECK(b.parts[7].cycles == 10);
  // 6355 + 657 + 0 + 9078 + 589 + 0 + 1820 + 10 = 18509 = totals.simulated_cycles.
  std::uint64_t sum = 0;
  for (const auto& p : b.parts) sum += p.cycles;
  CHECK(sum == 18509);
  CHECK(b.total_cycles == 18509);
  // The shares: 6355 / 18509 = 34.334648%, ... adding up to 100 within rounding.
  const json j = b.json();
  CHECK(j["gemv_array_cycles"] == 6355);
  CHECK(j["gemv_array_pct"].get<double>() == Approx(34.334648).margin(1e-6));
  double pct = 0;
  for (std::size_t k = 0; k < b.parts.size(); ++k) {
    pct += j[std::string(skv::report::ExclusiveBreakdown::part_name(k)) + "_pct"].get<double>();
  }
  CHECK(pct == Approx(100.0).margin(1e-5));
}

TEST_CASE("exclusive breakdown: counted parts above a class's time are an error",
          "[unit][report]") {
  json r = tiny_report();
  r["kv_sram"]["stall_cycles"] = std::uint64_t{600};  // 9078 + 600 > 9667
  CHECK_THROWS_WITH(skv::report::exclusive_breakdown(r),
                    "report.json: the attention operations' counted cycles (9678) exceed their "
                    "time (9667)");
  r = tiny_report();
  r["totals"]["simulated_cycles"] = std::uint64_t{18500};
  CHECK_THROWS_WITH(skv::report::exclusive_breakdown(r),
                    "report.json: the operation classes' cycles (18509) are not the simulated "
                    "cycles (18500)");
  r = tiny_report();
  r["kv_sram"].erase("stall_cycles");
  CHECK_THROWS_WITH(skv::report::exclusive_breakdown(r),
                    "report.json: /kv_sram/stall_cycles is missing or not a count");
}
