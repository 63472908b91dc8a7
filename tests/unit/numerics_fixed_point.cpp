// Fixed-point arithmetic: formats, rounding, saturation and its counters.

#include <catch2/catch.hpp>
#include <cmath>
#include <string>
#include <vector>

#include "common/Error.h"
#include "numerics/FixedPoint.h"

using namespace skv::numerics;

namespace {
const FixedFormat kQ15_17{32, 17};
const FixedFormat kQ31_17{48, 17};
constexpr double kLsb = 1.0 / 131072.0;  // 2^-17
}  // namespace

TEST_CASE("Q15.17 format: range, resolution and name", "[numerics]") {
  CHECK(kQ15_17.name() == "Q15.17");
  CHECK(kQ31_17.name() == "Q31.17");
  CHECK(kQ15_17.lsb() == kLsb);
  CHECK(kQ15_17.min_value() == -16384.0);
  CHECK(kQ15_17.max_value() == 16384.0 - kLsb);
  CHECK(kQ15_17.max_raw() == 2147483647);
  CHECK(kQ15_17.one_raw() == 131072);
  CHECK_NOTHROW(kQ15_17.validate("x"));
  CHECK_THROWS_AS((FixedFormat{64, 17}.validate("x")), skv::InputError);
  CHECK_THROWS_AS((FixedFormat{32, 32}.validate("x")), skv::InputError);
  CHECK_THROWS_AS((FixedFormat{32, -1}.validate("x")), skv::InputError);
}

TEST_CASE("from_double rounds to nearest, ties toward +inf, and saturates", "[numerics]") {
  Stats st;
  CHECK(from_double(1.0, kQ15_17, &st) == 131072);
  CHECK(from_double(0.5 * kLsb, kQ15_17, &st) == 1);    // tie up
  CHECK(from_double(-0.5 * kLsb, kQ15_17, &st) == 0);   // tie toward +inf
  CHECK(from_double(-1.5 * kLsb, kQ15_17, &st) == -1);  // tie toward +inf
  CHECK(from_double(0.49 * kLsb, kQ15_17, &st) == 0);
  CHECK(from_double(-16384.0, kQ15_17, &st) == kQ15_17.min_raw());  // exactly representable
  CHECK(st.saturations_of(OpKind::Convert) == 0);
  CHECK(from_double(20000.0, kQ15_17, &st) == kQ15_17.max_raw());
  CHECK(from_double(16384.0, kQ15_17, &st) == kQ15_17.max_raw());  // one LSB beyond the top
  CHECK(from_double(-16384.0 - kLsb, kQ15_17, &st) == kQ15_17.min_raw());
  CHECK(st.saturations_of(OpKind::Convert) == 3);
  CHECK(st.operations_of(OpKind::Convert) == 9);
  CHECK_THROWS_AS(from_double(std::nan(""), kQ15_17, &st), std::invalid_argument);
  // The wide format holds what the narrow one cannot.
  CHECK(to_double(from_double(32768.0, kQ31_17, &st), kQ31_17) == 32768.0);
  CHECK(to_double(from_double(-3.25, kQ15_17, nullptr), kQ15_17) == -3.25);
}

TEST_CASE("add and sub saturate and count under their kind", "[numerics]") {
  Stats st;
  const Raw max = kQ15_17.max_raw();
  const Raw min = kQ15_17.min_raw();
  CHECK(add(100, 23, kQ15_17, &st) == 123);
  CHECK(add(max, 1, kQ15_17, &st) == max);
  CHECK(add(min, -1, kQ15_17, &st) == min);
  CHECK(sub(min, 1, kQ15_17, &st) == min);
  CHECK(sub(max, -5, kQ15_17, &st) == max);
  CHECK(sub(-7, 3, kQ15_17, &st) == -10);
  CHECK(st.operations_of(OpKind::Add) == 3);
  CHECK(st.saturations_of(OpKind::Add) == 2);
  CHECK(st.operations_of(OpKind::Sub) == 3);
  CHECK(st.saturations_of(OpKind::Sub) == 2);
  // A caller can file an add under its datapath role.
  CHECK(add(max, max, kQ15_17, &st, OpKind::Accumulate) == max);
  CHECK(st.saturations_of(OpKind::Accumulate) == 1);
  CHECK(st.total_saturations() == 5);
}

TEST_CASE("mul rounds the exact product to nearest, ties toward +inf", "[numerics]") {
  Stats st;
  const Raw half = kQ15_17.one_raw() / 2;
  CHECK(mul(1, kQ15_17, half, kQ15_17, kQ15_17, &st) == 1);    // 0.5 LSB -> 1
  CHECK(mul(-1, kQ15_17, half, kQ15_17, kQ15_17, &st) == 0);   // -0.5 LSB -> 0
  CHECK(mul(3, kQ15_17, half, kQ15_17, kQ15_17, &st) == 2);    // 1.5 LSB -> 2
  CHECK(mul(-3, kQ15_17, half, kQ15_17, kQ15_17, &st) == -1);  // -1.5 LSB -> -1
  const Raw quarter = kQ15_17.one_raw() / 4;
  CHECK(mul(5, kQ15_17, quarter, kQ15_17, kQ15_17, &st) == 1);    // 1.25 LSB -> 1
  CHECK(mul(7, kQ15_17, quarter, kQ15_17, kQ15_17, &st) == 2);    // 1.75 LSB -> 2
  CHECK(mul(-7, kQ15_17, quarter, kQ15_17, kQ15_17, &st) == -2);  // -1.75 LSB -> -2
  const Raw x = from_double(1.5, kQ15_17, nullptr);
  const Raw y = from_double(-2.25, kQ15_17, nullptr);
  CHECK(to_double(mul(x, kQ15_17, y, kQ15_17, kQ15_17, &st), kQ15_17) == -3.375);
  CHECK(st.saturations_of(OpKind::Mul) == 0);
  // 200 * 100 = 20000 > 16384: clipped in Q15.17, held in Q31.17.
  const Raw a = from_double(200.0, kQ15_17, nullptr);
  const Raw b = from_double(100.0, kQ15_17, nullptr);
  CHECK(mul(a, kQ15_17, b, kQ15_17, kQ15_17, &st) == kQ15_17.max_raw());
  CHECK(mul(a, kQ15_17, -b, kQ15_17, kQ15_17, &st) == kQ15_17.min_raw());
  CHECK(st.saturations_of(OpKind::Mul) == 2);
  CHECK(to_double(mul(a, kQ15_17, b, kQ15_17, kQ31_17, &st), kQ31_17) == 20000.0);
  CHECK(st.saturations_of(OpKind::Mul) == 2);
  CHECK(st.operations_of(OpKind::Mul) == 11);
}

TEST_CASE("mul of the widest formats stays exact in the 128-bit intermediate", "[numerics]") {
  const FixedFormat wide{63, 20};
  Stats st;
  const Raw big = Raw{1} << 60;  // 2^40 in Q43.20
  // 2^40 * 2^-20 = 2^20: the raw product is 2^100, far beyond 64 bits.
  CHECK(mul(big, wide, 1, wide, wide, &st) == Raw{1} << 40);
  CHECK(mul(big, wide, big, wide, wide, &st) == wide.max_raw());
  CHECK(st.saturations_of(OpKind::Mul) == 1);
}

TEST_CASE("convert rounds to the coarser format and saturates to the narrower", "[numerics]") {
  Stats st;
  const FixedFormat coarse{32, 10};
  // 2^-8 + 2^-11 (exactly half a Q22.10 LSB above 2^-8) rounds up to 2^-8 + 2^-10.
  const Raw x = (Raw{1} << 9) + (Raw{1} << 6);
  CHECK(convert(x, kQ15_17, coarse, &st) == 4 + 1);
  CHECK(convert(-x, kQ15_17, coarse, &st) == -4);     // tie toward +inf
  CHECK(convert(3, coarse, kQ15_17, &st) == 3 << 7);  // finer: exact
  CHECK(st.saturations_of(OpKind::Convert) == 0);
  const Raw big = from_double(20000.0, kQ31_17, nullptr);
  CHECK(convert(big, kQ31_17, kQ15_17, &st) == kQ15_17.max_raw());
  CHECK(convert(-big, kQ31_17, kQ15_17, &st) == kQ15_17.min_raw());
  CHECK(st.saturations_of(OpKind::Convert) == 2);
  // Scaling up into a finer format that cannot hold the value also saturates.
  const FixedFormat fine{32, 30};
  CHECK(convert(from_double(4.0, kQ15_17, nullptr), kQ15_17, fine, &st) == fine.max_raw());
  CHECK(convert(from_double(-3.0, kQ15_17, nullptr), kQ15_17, fine, &st) == fine.min_raw());
  CHECK(convert(from_double(-2.0, kQ15_17, nullptr), kQ15_17, fine, &st) == fine.min_raw());
  CHECK(convert(from_double(-1.5, kQ15_17, nullptr), kQ15_17, fine, &st) == -(Raw{3} << 29));
  CHECK(st.saturations_of(OpKind::Convert) == 4);  // -2.0 is Q2.30's exact minimum
}

TEST_CASE("dot keeps the exact sum and rounds once", "[numerics]") {
  Stats st;
  // Each product 2^-9 * 2^-9 = 2^-18 is half an LSB: rounding each would give 4 LSB,
  // the exact sum of four is 2 LSB.
  const Raw a[4] = {256, 256, 256, 256};
  CHECK(dot(a, a, 4, kQ15_17, &st) == 2);
  const Raw one = kQ15_17.one_raw();
  const Raw x[3] = {2 * one, -3 * one, one / 2};
  const Raw y[3] = {5 * one, one, 4 * one};
  CHECK(dot(x, y, 3, kQ15_17, &st) == 9 * one);  // 10 - 3 + 2
  CHECK(st.saturations_of(OpKind::Dot) == 0);
  // 128 products of 16 * 16 = 32768 > 16384: saturates, counted once per dot.
  std::vector<Raw> big(128, 16 * one);
  CHECK(dot(big.data(), big.data(), big.size(), kQ15_17, &st) == kQ15_17.max_raw());
  CHECK(st.saturations_of(OpKind::Dot) == 1);
  CHECK(st.operations_of(OpKind::Dot) == 3);
}

TEST_CASE("divide rounds magnitudes to nearest and saturates", "[numerics]") {
  Stats st;
  const Raw one = kQ15_17.one_raw();
  CHECK(divide(one, kQ15_17, 3 * one, kQ15_17, kQ15_17, &st) == 43691);      // 43690.67
  CHECK(divide(-one, kQ15_17, 3 * one, kQ15_17, kQ15_17, &st) == -43691);    // symmetric
  CHECK(divide(2 * one, kQ15_17, 3 * one, kQ15_17, kQ15_17, &st) == 87381);  // 87381.33
  CHECK(divide(1, kQ15_17, 2 * one, kQ15_17, kQ15_17, &st) == 1);            // 0.5 LSB: away from 0
  CHECK(divide(-1, kQ15_17, 2 * one, kQ15_17, kQ15_17, &st) == -1);  // -0.5 LSB: away from 0
  CHECK(divide(7 * one, kQ15_17, -2 * one, kQ15_17, kQ15_17, &st) == -7 * one / 2);
  // Mixed formats: Y and Z in Q31.17, the quotient in Q15.17.
  const Raw y = from_double(30000.0, kQ31_17, nullptr);
  const Raw z = from_double(32768.0, kQ31_17, nullptr);
  CHECK(to_double(divide(y, kQ31_17, z, kQ31_17, kQ15_17, &st), kQ15_17) ==
        Approx(30000.0 / 32768.0).margin(0.5 * kLsb));
  CHECK(st.saturations_of(OpKind::Divide) == 0);
  // 16000 / 0.5 = 32000 does not fit; nor does anything over zero.
  CHECK(divide(16000 * one, kQ15_17, one / 2, kQ15_17, kQ15_17, &st) == kQ15_17.max_raw());
  CHECK(divide(-16000 * one, kQ15_17, one / 2, kQ15_17, kQ15_17, &st) == kQ15_17.min_raw());
  CHECK(divide(5, kQ15_17, 0, kQ15_17, kQ15_17, &st) == kQ15_17.max_raw());
  CHECK(divide(0, kQ15_17, 0, kQ15_17, kQ15_17, &st) == 0);
  CHECK(st.saturations_of(OpKind::Divide) == 4);
  CHECK(st.operations_of(OpKind::Divide) == 11);
}

TEST_CASE("divide matches correctly rounded division over a sweep", "[numerics]") {
  // Quotients that fit: |y| < 2^14 z. The double quotient is correctly rounded, and with
  // z < 2^19 a true quotient is never within its half-ulp (2^-22 near 2^31) of a tie
  // without being one, so rounding the double reproduces the exact rounding.
  Stats st;
  for (Raw y = -200003; y <= 200003; y += 9973) {
    for (Raw z = 13; z <= 300001; z += 7777) {
      const double exact = static_cast<double>(y) * 131072.0 / static_cast<double>(z);
      const Raw expected =
          static_cast<Raw>(exact < 0 ? -std::floor(-exact + 0.5) : std::floor(exact + 0.5));
      const Raw got = divide(y, kQ15_17, z, kQ15_17, kQ15_17, &st);
      REQUIRE(got == expected);
    }
  }
  CHECK(st.saturations_of(OpKind::Divide) == 0);
}

TEST_CASE("Stats add up across runs", "[numerics]") {
  Stats a;
  Stats b;
  a.record(OpKind::Mul, true);
  a.record(OpKind::Mul, false);
  b.record(OpKind::Mul, true);
  b.record(OpKind::Divide, false);
  b.exp_underflows = 4;
  b.exp_evaluations = 9;
  a += b;
  CHECK(a.operations_of(OpKind::Mul) == 3);
  CHECK(a.saturations_of(OpKind::Mul) == 2);
  CHECK(a.operations_of(OpKind::Divide) == 1);
  CHECK(a.total_saturations() == 2);
  CHECK(a.exp_underflows == 4);
  CHECK(a.exp_evaluations == 9);
  CHECK(std::string(op_kind_name(OpKind::Accumulate)) == "accumulate");
}
