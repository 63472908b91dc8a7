#include "numerics/FixedPoint.h"

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>

#include "common/Error.h"
#include "numerics/WideInt.h"

namespace skv::numerics {

double FixedFormat::lsb() const { return std::ldexp(1.0, -frac_bits); }
double FixedFormat::max_value() const { return to_double(max_raw(), *this); }
double FixedFormat::min_value() const { return to_double(min_raw(), *this); }

std::string FixedFormat::name() const {
  return fmt::format("Q{}.{}", total_bits - frac_bits, frac_bits);
}

void FixedFormat::validate(const std::string& what) const {
  // 63 bits keeps every raw in an int64 and every product of two raws in 126 bits.
  if (total_bits < 2 || total_bits > 63) {
    throw InputError(fmt::format("{}: total bits must be in 2..63, got {}", what, total_bits));
  }
  if (frac_bits < 0 || frac_bits > total_bits - 1) {
    throw InputError(fmt::format("{}: fractional bits must be in 0..{} for a {}-bit format, got {}",
                                 what, total_bits - 1, total_bits, frac_bits));
  }
}

const char* op_kind_name(OpKind kind) {
  switch (kind) {
    case OpKind::Convert:
      return "convert";
    case OpKind::Add:
      return "add";
    case OpKind::Sub:
      return "sub";
    case OpKind::Mul:
      return "mul";
    case OpKind::Dot:
      return "dot";
    case OpKind::Accumulate:
      return "accumulate";
    case OpKind::Divide:
      return "divide";
  }
  return "?";
}

std::uint64_t Stats::total_saturations() const {
  std::uint64_t total = 0;
  for (const auto n : saturations) total += n;
  return total;
}

Stats& Stats::operator+=(const Stats& other) {
  for (std::size_t i = 0; i < kOpKindCount; ++i) {
    operations[i] += other.operations[i];
    saturations[i] += other.saturations[i];
  }
  exp_underflows += other.exp_underflows;
  exp_evaluations += other.exp_evaluations;
  return *this;
}

namespace {

void count(Stats* stats, OpKind kind, bool saturated) {
  if (stats != nullptr) stats->record(kind, saturated);
}

}  // namespace

Raw from_double(double x, const FixedFormat& fmt, Stats* stats) {
  if (std::isnan(x)) throw std::invalid_argument("fixed point: cannot convert NaN");
  // Scaling by a power of two is exact (and much cheaper than std::ldexp).
  const double scaled = std::floor(x * static_cast<double>(fmt.one_raw()) + 0.5);
  // Compare in double against +-2^(total-1), both exact, before any integer cast.
  const double limit = static_cast<double>(Raw{1} << (fmt.total_bits - 1));
  Raw result = 0;
  bool saturated = false;
  if (scaled >= limit) {
    result = fmt.max_raw();
    saturated = true;
  } else if (scaled < -limit) {
    result = fmt.min_raw();
    saturated = true;
  } else {
    result = static_cast<Raw>(scaled);
  }
  count(stats, OpKind::Convert, saturated);
  return result;
}

double to_double(Raw raw, const FixedFormat& fmt) {
  return static_cast<double>(raw) / static_cast<double>(fmt.one_raw());  // exact scaling
}

Raw add(Raw a, Raw b, const FixedFormat& fmt, Stats* stats, OpKind kind) {
  bool saturated = false;
  const Raw r = detail::narrow(Wide{a} + b, 0, fmt, &saturated);
  count(stats, kind, saturated);
  return r;
}

Raw sub(Raw a, Raw b, const FixedFormat& fmt, Stats* stats, OpKind kind) {
  bool saturated = false;
  const Raw r = detail::narrow(Wide{a} - b, 0, fmt, &saturated);
  count(stats, kind, saturated);
  return r;
}

Raw mul(Raw a, const FixedFormat& fa, Raw b, const FixedFormat& fb, const FixedFormat& out,
        Stats* stats, OpKind kind) {
  bool saturated = false;
  const Raw r =
      detail::narrow(Wide{a} * b, fa.frac_bits + fb.frac_bits - out.frac_bits, out, &saturated);
  count(stats, kind, saturated);
  return r;
}

Raw convert(Raw a, const FixedFormat& from, const FixedFormat& out, Stats* stats, OpKind kind) {
  bool saturated = false;
  const Raw r = detail::narrow(Wide{a}, from.frac_bits - out.frac_bits, out, &saturated);
  count(stats, kind, saturated);
  return r;
}

Raw dot(const Raw* a, const Raw* b, std::size_t n, const FixedFormat& fmt, Stats* stats) {
  Wide acc = 0;
  for (std::size_t i = 0; i < n; ++i) acc += Wide{a[i]} * b[i];
  bool saturated = false;
  const Raw r = detail::narrow(acc, fmt.frac_bits, fmt, &saturated);
  count(stats, OpKind::Dot, saturated);
  return r;
}

Raw divide(Raw y, const FixedFormat& fy, Raw z, const FixedFormat& fz, const FixedFormat& out,
           Stats* stats) {
  const bool negative = (y < 0) != (z < 0);
  // Largest magnitude the result may take with this sign.
  const Wide limit = negative ? -Wide{out.min_raw()} : Wide{out.max_raw()};
  if (z == 0) {
    count(stats, OpKind::Divide, true);
    if (y == 0) return 0;
    return y < 0 ? out.min_raw() : out.max_raw();
  }
  // Quotient raw = y * 2^(out.frac + fz.frac - fy.frac) / z. A restoring divider on the
  // magnitudes: integer quotient first, then one quotient bit per step, then one more bit
  // to round. The remainder stays below 2 * |den|, so nothing here can overflow.
  Wide num = y < 0 ? -Wide{y} : Wide{y};
  Wide den = z < 0 ? -Wide{z} : Wide{z};
  int steps = out.frac_bits + fz.frac_bits - fy.frac_bits;
  if (steps < 0) {
    den *= Wide{1} << -steps;
    steps = 0;
  }
  Wide q = num / den;
  Wide r = num % den;
  bool saturated = q > limit;
  for (int i = 0; i < steps && !saturated; ++i) {
    q *= 2;
    r *= 2;
    if (r >= den) {
      q += 1;
      r -= den;
    }
    saturated = q > limit;
  }
  if (!saturated && 2 * r >= den) {
    q += 1;
    saturated = q > limit;
  }
  count(stats, OpKind::Divide, saturated);
  if (saturated) return negative ? out.min_raw() : out.max_raw();
  return static_cast<Raw>(negative ? -q : q);
}

}  // namespace skv::numerics
