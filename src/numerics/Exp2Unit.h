#pragma once
// The base-2 exponent unit: 2^x for x <= 0, the only case softmax needs (x = s - max).
//
// Input and output are in the data format (F fractional bits). With u = -x:
//   n = u >> F                  integer part: a right shift of the result
//   f = u mod 2^F               fraction in [0, 1)
//   idx = top I bits of f,  r = low F-I bits of f
//   mant = T[idx] + round((T[idx+1] - T[idx]) * r / 2^(F-I))     mant ~ 2^-f in [0.5, 1]
//   result = round(mant / 2^n)
// T has 2^I + 1 entries T[k] = round(2^(-k / 2^I) * 2^F) (the extra endpoint T[2^I] = 0.5
// lets the last interval interpolate), each F + 1 bits wide. For the default I = 5, F = 17:
// 33 entries of 18 bits, a 12-bit interpolation fraction r and a 13-bit signed slope.
// Results below half an LSB flush to zero (counted as Stats::exp_underflows).
//
// Error bound, for every x <= 0: |result - 2^x| <= (ln2 / 2^I)^2 / 8 + 2^-F.
//   Linear interpolation of g(f) = 2^-f over a step h = 2^-I errs by at most
//   h^2/8 * max|g''| = h^2 (ln 2)^2 / 8 * max g <= (h ln 2)^2 / 8 (5.87e-5 for I = 5);
//   table rounding and slope-product rounding add half an LSB each; the final shift by n
//   halves those errors and adds half an LSB of its own, so n >= 1 is never worse.

#include <vector>

#include "numerics/FixedPoint.h"

namespace skv::numerics {

class Exp2Unit {
 public:
  // Throws skv::InputError unless fmt is a valid format that can hold 1.0
  // (frac_bits <= total_bits - 2) and 1 <= index_bits <= min(frac_bits, 16).
  Exp2Unit(const FixedFormat& fmt, int index_bits);

  // 2^x for x <= 0 (x in the unit's format); x > 0 throws std::invalid_argument, since
  // the callers subtract a running maximum and can never produce it.
  Raw eval(Raw x, Stats* stats) const;

  const FixedFormat& format() const { return fmt_; }
  int index_bits() const { return index_bits_; }
  const std::vector<Raw>& table() const { return table_; }

  // The bound above, for this unit's format and index width.
  double error_bound() const;
  // Its interpolation term alone: (ln2 / 2^index_bits)^2 / 8.
  static double interpolation_error_bound(int index_bits);

 private:
  FixedFormat fmt_;
  int index_bits_;
  std::vector<Raw> table_;
};

}  // namespace skv::numerics
