// The timeline's time bins (report/TimeBins.h): bounded in number however long the span,
// nothing lost when they widen, and a level's largest value per bin.

#include <catch2/catch.hpp>
#include <cstdint>

#include "report/TimeBins.h"

using skv::report::TimeBins;

TEST_CASE("time bins: a long span stays within max_bins, counts conserved", "[unit]") {
  // Base 4000 ps (one 250 MHz cycle), at most 1000 bins, a span of 1.65e10 ps (a llama2-7b
  // step is about 4.1 M cycles). The width doubles while span / width >= 1000:
  // 4000 x 2^12 = 16.384e6 ps gives 1007, 4000 x 2^13 = 32.768e6 ps gives 503: 504 bins.
  TimeBins bins(4000, 1000, 2);
  const std::uint64_t span_ps = 16'500'000'000;
  std::uint64_t added = 0;
  // Out of time order on purpose (channels report lazily): every 1.5e6 ps, backwards.
  for (std::uint64_t t = span_ps; t >= 1'500'000; t -= 1'500'000) {
    bins.add(0, t, 3);
    bins.add(1, t / 2, 1);
    added += 3;
  }
  CHECK(bins.width_ps() == 32'768'000);
  CHECK(bins.bins() == 504);  // 16.5e9 / 32.768e6 = 503.5: bins 0..503
  CHECK(bins.bins() <= bins.max_bins());
  CHECK(bins.total(0) == added);
  CHECK(bins.total(1) == added / 3);
  // Bin 0 holds t in [0, 32.768e6): series 0 at 1.5e6 ... 31.5e6 ps, 21 times 3.
  CHECK(bins.sum(0, 0) == 21 * 3);
}

TEST_CASE("time bins: widening merges neighbours in pairs", "[unit]") {
  TimeBins bins(10, 4, 1);
  bins.add(0, 0, 1);   // bin 0
  bins.add(0, 15, 2);  // bin 1
  bins.add(0, 25, 4);  // bin 2
  bins.add(0, 35, 8);  // bin 3
  REQUIRE(bins.bins() == 4);
  REQUIRE(bins.width_ps() == 10);
  bins.add(0, 45, 16);  // needs bin 4 of 4: width 20, bins {0-19: 3, 20-39: 12, 40-59: 16}
  CHECK(bins.width_ps() == 20);
  CHECK(bins.bins() == 3);
  CHECK(bins.sum(0, 0) == 3);
  CHECK(bins.sum(1, 0) == 12);
  CHECK(bins.sum(2, 0) == 16);
  bins.cover(100);  // width 40 (100 / 40 = 2 < 4): {0-39: 15, 40-79: 16, 80-119: 0}
  CHECK(bins.width_ps() == 40);
  CHECK(bins.bins() == 3);
  CHECK(bins.sum(0, 0) == 15);
  CHECK(bins.sum(1, 0) == 16);
  CHECK(bins.sum(2, 0) == 0);
}

TEST_CASE("time bins: a level's largest value per bin, carried across quiet bins", "[unit]") {
  TimeBins bins(10, 100, 0);
  bins.set_level(0, 5);
  bins.set_level(12, 9);  // bin 1 rises to 9 ...
  bins.set_level(18, 2);  // ... and falls to 2
  bins.cover(45);         // bins 2..4 hear nothing: they hold 2
  bins.set_level(51, 7);  // bin 5: entered at 2, up to 7
  const auto m = bins.level_max();
  REQUIRE(m.size() == 6);
  CHECK(m == std::vector<std::uint64_t>{5, 9, 2, 2, 2, 7});
  bins.cover(1000);  // width 20: {0-19: max(5, 9, 2) = 9, 20-39: 2, 40-59: 7, ...}
  const auto w = bins.level_max();
  CHECK(bins.width_ps() == 20);
  CHECK(w[0] == 9);
  CHECK(w[1] == 2);
  CHECK(w[2] == 7);
  CHECK(w.back() == 7);
}
