#include "numerics/Exp2Unit.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "common/Error.h"

namespace skv::numerics {

Exp2Unit::Exp2Unit(const FixedFormat& fmt, int index_bits) : fmt_(fmt), index_bits_(index_bits) {
  fmt_.validate("exp2 unit format");
  if (fmt_.frac_bits > fmt_.total_bits - 2) {
    throw InputError(
        fmt::format("exp2 unit format {}: needs an integer bit to hold 1.0", fmt_.name()));
  }
  const int max_index_bits = std::min(fmt_.frac_bits, 16);
  if (index_bits_ < 1 || index_bits_ > max_index_bits) {
    throw InputError(fmt::format("exp index bits must be in 1..{} for {}, got {}", max_index_bits,
                                 fmt_.name(), index_bits_));
  }
  const std::size_t steps = std::size_t{1} << index_bits_;
  table_.resize(steps + 1);
  for (std::size_t k = 0; k <= steps; ++k) {
    const double value = std::exp2(-static_cast<double>(k) / static_cast<double>(steps));
    table_[k] = static_cast<Raw>(std::floor(std::ldexp(value, fmt_.frac_bits) + 0.5));
  }
}

Raw Exp2Unit::eval(Raw x, Stats* stats) const {
  if (x > 0) throw std::invalid_argument("exp2 unit: input must be <= 0");
  if (stats != nullptr) ++stats->exp_evaluations;
  const int frac = fmt_.frac_bits;
  const Raw u = -x;  // fits: x >= min_raw > -2^63
  const Raw n = u >> frac;
  // mant <= 2^F, so shifting it by F + 2 or more leaves less than a quarter LSB.
  if (n > frac + 1) {
    if (stats != nullptr) ++stats->exp_underflows;
    return 0;
  }
  const Raw f = u & (fmt_.one_raw() - 1);
  const int r_bits = frac - index_bits_;
  const Raw idx = f >> r_bits;
  const Raw r = f & ((Raw{1} << r_bits) - 1);
  const Raw lo = table_[static_cast<std::size_t>(idx)];
  const Raw slope = table_[static_cast<std::size_t>(idx) + 1] - lo;  // negative
  Raw mant = lo;
  if (r_bits > 0) mant += (slope * r + (Raw{1} << (r_bits - 1))) >> r_bits;
  const Raw result = n == 0 ? mant : (mant + (Raw{1} << (n - 1))) >> n;
  if (result == 0 && stats != nullptr) ++stats->exp_underflows;
  return result;
}

double Exp2Unit::interpolation_error_bound(int index_bits) {
  const double h_ln2 = std::ldexp(std::log(2.0), -index_bits);
  return h_ln2 * h_ln2 / 8.0;
}

double Exp2Unit::error_bound() const { return interpolation_error_bound(index_bits_) + fmt_.lsb(); }

}  // namespace skv::numerics
