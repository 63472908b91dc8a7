// Counter snapshots (src/sim/Counters.h): spans subtract, add, scale and interpolate
// value by value, and survive a round trip through JSON (the fast mode's sample cache).

#include "sim/Counters.h"

#include <catch2/catch.hpp>
#include <stdexcept>
#include <vector>

namespace {

// Distinct values everywhere, so one value landing in another's place cannot pass.
skv::sim::Counters numbered(std::uint64_t first, std::uint64_t step) {
  skv::sim::Counters c;
  std::uint64_t next = first;
  c.visit([&](const char*, const char*, skv::stats::Kind, std::uint64_t& v) {
    v = next;
    next += step;
  });
  return c;
}

}  // namespace

TEST_CASE("counters: a span is the later snapshot minus the earlier, value by value", "[unit]") {
  const skv::sim::Counters early = numbered(10, 3);  // 10, 13, 16, ...
  const skv::sim::Counters late = numbered(20, 5);   // 20, 25, 30, ...
  const skv::sim::Counters span = late - early;
  std::uint64_t i = 0;
  span.visit([&](const char* g, const char* n, skv::stats::Kind, const std::uint64_t& v) {
    INFO(g << "." << n);
    CHECK(v == (20 + 5 * i) - (10 + 3 * i));  // = 10 + 2i
    ++i;
  });
  CHECK(i > 40);  // every group is visited (array, attention, SRAM, DRAM, owners, classes)

  skv::sim::Counters back = early;
  back += span;
  CHECK(skv::sim::to_json(back) == skv::sim::to_json(late));
  CHECK(skv::sim::to_json(span.times(3)).at("span").at("cycles") ==
        3 * span.cycles);
}

TEST_CASE("counters: a value that went down is a bug, named", "[unit]") {
  skv::sim::Counters early;
  skv::sim::Counters late;
  early.sram.stall_cycles = 5;
  late.sram.stall_cycles = 4;
  CHECK_THROWS_WITH(late - early,
                    Catch::Contains("kv_sram.stall_cycles went down from 5 to 4"));
}

TEST_CASE("counters: interpolation is exact for affine counters and rounds the rest",
          "[unit]") {
  skv::sim::Counters a;
  skv::sim::Counters b;
  // K/V bytes of one head pass, 8 heads x 128 dims x 4 B x 2 (K and V) = 8192 B per
  // token: at KV length 960 (961 tokens) and 1023 (1024 tokens).
  a.sram.fill_bytes = 961 * 8192;
  b.sram.fill_bytes = 1024 * 8192;
  // Cycles: 24000 and 24100; at 1000 the line gives 24000 + 100 x 40 / 63 = 24063.49...
  a.cycles = 24000;
  b.cycles = 24100;
  const skv::sim::Counters at = skv::sim::interpolate(a, 960, b, 1023, 1000);
  CHECK(at.sram.fill_bytes == 1001 * 8192);
  CHECK(at.cycles == 24063);
  // 24000 + 100 x 41 / 63 = 24065.08 -> 24065; a falling line rounds the same way.
  CHECK(skv::sim::interpolate(a, 960, b, 1023, 1001).cycles == 24065);
  CHECK(skv::sim::interpolate(b, 960, a, 1023, 1001).cycles == 24100 - 65);
  CHECK(skv::sim::interpolate(a, 960, b, 1023, 960).cycles == 24000);
  CHECK(skv::sim::interpolate(a, 960, b, 1023, 1023).cycles == 24100);
  CHECK_THROWS_AS(skv::sim::interpolate(a, 960, b, 1023, 1024), std::logic_error);
}

TEST_CASE(
    "counters: scaled by a fraction is exact for a sum of equal spans and rounds the "
    "rest",
    "[unit]") {
  // The fast mode under overlap: the sum of m middle layers times (layers - 2) / m.
  const skv::sim::Counters layer = numbered(7, 2);  // 7, 9, 11, ...
  const skv::sim::Counters four = layer.times(4);
  CHECK(skv::sim::to_json(four.scaled(6, 4)) == skv::sim::to_json(layer.times(6)));
  CHECK(skv::sim::to_json(four.scaled(4, 4)) == skv::sim::to_json(four));
  // 7 x 1 / 2 = 3.5 -> 4 and 9 x 1 / 2 = 4.5 -> 5 (halves away from zero); 7 x 1 / 3 =
  // 2.33 -> 2, 11 x 1 / 3 = 3.67 -> 4.
  std::vector<std::uint64_t> half;
  std::vector<std::uint64_t> third;
  layer.scaled(1, 2).visit([&](const char*, const char*, skv::stats::Kind, const std::uint64_t& v) {
    half.push_back(v);
  });
  layer.scaled(1, 3).visit([&](const char*, const char*, skv::stats::Kind, const std::uint64_t& v) {
    third.push_back(v);
  });
  REQUIRE(half.size() > 3);
  CHECK(half[0] == 4);
  CHECK(half[1] == 5);
  CHECK(third[0] == 2);
  CHECK(third[2] == 4);
  CHECK_THROWS_AS(layer.scaled(1, 0), std::logic_error);
}

TEST_CASE("counters: JSON round trip, and a missing value is named", "[unit]") {
  const skv::sim::Counters c = numbered(7, 11);
  const nlohmann::json j = skv::sim::to_json(c);
  CHECK(skv::sim::to_json(skv::sim::counters_from_json(j)) == j);
  nlohmann::json broken = j;
  broken["dram"].erase("row_hits");
  CHECK_THROWS_WITH(skv::sim::counters_from_json(broken),
                    Catch::Contains("dram.row_hits is missing"));
}

TEST_CASE("counters: a running total of value vectors is the sum of the Counters, by kind",
          "[unit]") {
  // Three addends with distinct values; the values of a maximum merge as a maximum, of a
  // sum as a sum: CounterSums must give what Counters::operator+= gives, value by value.
  const skv::sim::Counters a = numbered(7, 3);
  const skv::sim::Counters b = numbered(100, 1);
  const skv::sim::Counters c = numbered(1, 11);
  skv::sim::Counters by_counters;
  skv::sim::CounterSums by_values;
  for (const skv::sim::Counters* x : {&a, &b, &c}) {
    by_counters += *x;
    by_values.add(skv::sim::counter_values(*x));
  }
  CHECK(skv::sim::to_json(by_values.total()) == skv::sim::to_json(by_counters));
  // A sum in numbers: span.cycles is the last value visited.
  const std::size_t n = skv::sim::counter_values(a).size();
  CHECK(by_values.total().cycles == (7 + 3 * (n - 1)) + (100 + (n - 1)) + (1 + 11 * (n - 1)));

  // counters_from_values undoes counter_values; a vector of the wrong length is a bug.
  CHECK(skv::sim::to_json(skv::sim::counters_from_values(skv::sim::counter_values(b))) ==
        skv::sim::to_json(b));
  CHECK_THROWS_AS(by_values.add(std::vector<std::uint64_t>(n - 1, 0)), std::logic_error);
  CHECK_THROWS_AS(skv::sim::counters_from_values(std::vector<std::uint64_t>(n + 1, 0)),
                  std::logic_error);
}
