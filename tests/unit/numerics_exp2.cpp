// The exp2 unit against std::exp2, and its error bound.

#include <catch2/catch.hpp>
#include <cmath>

#include "common/Error.h"
#include "numerics/Exp2Unit.h"

using namespace skv::numerics;

namespace {

const FixedFormat kQ15_17{32, 17};

struct SweepResult {
  double max_abs_error = 0.0;
  bool monotone = true;
};

// Every raw input from 0 down to `lowest` (a value).
SweepResult sweep(const Exp2Unit& unit, double lowest, Stats* stats) {
  const FixedFormat& f = unit.format();
  const Raw end = from_double(lowest, f, nullptr);
  SweepResult r;
  Raw previous = unit.eval(0, stats);
  for (Raw x = 0; x >= end; --x) {
    const Raw y = unit.eval(x, stats);
    r.max_abs_error =
        std::max(r.max_abs_error, std::abs(to_double(y, f) - std::exp2(to_double(x, f))));
    if (y > previous) r.monotone = false;
    previous = y;
  }
  return r;
}

// The bound takes max g = 1 over the first interval [0, h]; the error actually reached
// there is h^2 ln2^2 / 8 * g at an interior point, so at least the bound times 2^-h.
double reachable_interpolation_error(int index_bits) {
  return Exp2Unit::interpolation_error_bound(index_bits) * std::exp2(-std::ldexp(1.0, -index_bits));
}

}  // namespace

TEST_CASE("exp2 table: 33 entries of 2^(-k/32) in Q15.17", "[numerics]") {
  const Exp2Unit unit(kQ15_17, 5);
  const auto& t = unit.table();
  REQUIRE(t.size() == 33);
  CHECK(t.front() == 131072);  // 1.0
  CHECK(t.back() == 65536);    // 0.5, the endpoint the last interval interpolates to
  CHECK(t[16] == 92682);       // round(2^-0.5 * 2^17) = round(92681.90)
  for (std::size_t k = 1; k < t.size(); ++k) CHECK(t[k] < t[k - 1]);
}

TEST_CASE("exp2 unit is exact at table points and powers of two", "[numerics]") {
  const Exp2Unit unit(kQ15_17, 5);
  Stats st;
  const Raw step = kQ15_17.one_raw() / 32;
  for (Raw k = 0; k <= 32; ++k) CHECK(unit.eval(-k * step, &st) == unit.table()[k]);
  // Integer inputs are pure shifts of 1.0.
  for (Raw n = 0; n <= 17; ++n) CHECK(unit.eval(-n * kQ15_17.one_raw(), &st) == Raw{1} << (17 - n));
  // 2^-18 is half an LSB: rounds up (ties toward +inf). 2^-19 flushes to zero.
  CHECK(unit.eval(-18 * kQ15_17.one_raw(), &st) == 1);
  CHECK(st.exp_underflows == 0);
  CHECK(unit.eval(-19 * kQ15_17.one_raw(), &st) == 0);
  CHECK(unit.eval(kQ15_17.min_raw(), &st) == 0);
  CHECK(st.exp_underflows == 2);
  CHECK(st.exp_evaluations == 33 + 18 + 3);
  CHECK_THROWS_AS(unit.eval(1, &st), std::invalid_argument);
}

TEST_CASE("exp2 unit error bound vs std::exp2 over its whole range", "[numerics]") {
  // Bound: (ln2 / 32)^2 / 8 = 5.865e-5 from linear interpolation of the convex 2^-f over a
  // step of 1/32 (h^2/8 * max|g''|, g'' = ln2^2 * 2^-f <= ln2^2), plus one LSB (2^-17 =
  // 7.63e-6) for table, slope-product and shift roundings: 6.628e-5 in all.
  const Exp2Unit unit(kQ15_17, 5);
  CHECK(Exp2Unit::interpolation_error_bound(5) == Approx(5.8649e-5).epsilon(1e-4));
  CHECK(unit.error_bound() == Approx(5.8649e-5 + 7.6294e-6).epsilon(1e-4));
  Stats st;
  // Every Q15.17 input in [-20, 0], past the point where results flush to zero.
  const SweepResult all = sweep(unit, -20.0, &st);
  CHECK(all.max_abs_error <= unit.error_bound());
  CHECK(all.monotone);
  CHECK(st.exp_underflows > 0);
  // The bound is tight: the worst error, on [-1, 0] where 2^x is largest, is within the
  // rounding allowance of the interpolation term. A finer table (or none) would fail this.
  const SweepResult top = sweep(unit, -1.0, nullptr);
  CHECK(top.max_abs_error >= reachable_interpolation_error(5) - kQ15_17.lsb());
  // Below -1 the result is the [-1, 0] mantissa shifted right: errors halve per octave.
  double worst_below_4 = 0.0;
  for (Raw x = from_double(-4.0, kQ15_17, nullptr); x >= from_double(-5.0, kQ15_17, nullptr); --x) {
    worst_below_4 = std::max(worst_below_4, std::abs(to_double(unit.eval(x, nullptr), kQ15_17) -
                                                     std::exp2(to_double(x, kQ15_17))));
  }
  CHECK(worst_below_4 <= Exp2Unit::interpolation_error_bound(5) / 16 + kQ15_17.lsb());
}

TEST_CASE("exp2 error bound scales with the index width", "[numerics]") {
  for (const int bits : {3, 8}) {
    const Exp2Unit unit(kQ15_17, bits);
    CHECK(unit.table().size() == (std::size_t{1} << bits) + 1);
    const SweepResult r = sweep(unit, -3.0, nullptr);
    CHECK(r.max_abs_error <= unit.error_bound());
    CHECK(r.monotone);
    // The interpolation term is reached (it matters for 3 bits: 9.4e-4, vs 9e-7 for 8).
    CHECK(r.max_abs_error >= reachable_interpolation_error(bits) - kQ15_17.lsb());
  }
  // With 17 index bits of 17 fractional bits there is nothing left to interpolate; the
  // constructor caps tables at 2^16 + 1 entries.
  CHECK_THROWS_AS(Exp2Unit(kQ15_17, 17), skv::InputError);
  CHECK_THROWS_AS(Exp2Unit(kQ15_17, 0), skv::InputError);
  CHECK_THROWS_AS(Exp2Unit(FixedFormat{8, 4}, 5), skv::InputError);    // index wider than frac
  CHECK_THROWS_AS(Exp2Unit(FixedFormat{17, 16}, 5), skv::InputError);  // cannot hold 1.0
  // A format with few fractional bits: the LSB dominates and the bound still holds.
  const Exp2Unit coarse(FixedFormat{16, 8}, 4);
  const SweepResult r = sweep(coarse, -10.0, nullptr);
  CHECK(r.max_abs_error <= coarse.error_bound());
}
