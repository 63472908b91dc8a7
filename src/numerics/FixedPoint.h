#pragma once
// Two's-complement fixed point with a runtime format, as the attention datapath computes it.
//
// Convention: a FixedFormat {total_bits, frac_bits} is a total_bits-wide two's-complement
// integer `raw` standing for raw * 2^-frac_bits. Its Qm.n name counts the sign bit in m, so
// m + n = total_bits: the default {32, 17} is Q15.17 (1 sign bit, 14 integer bits, 17
// fractional bits), range [-16384, 16384 - 2^-17], resolution 2^-17.
//
// Values travel as plain int64 raws (Raw); the format is passed alongside because one
// datapath mixes formats (32-bit data, 48-bit accumulators). Every operation saturates to
// its output format and records one operation, and one saturation if it clipped, in a
// Stats (optional: pass nullptr to count nothing).
//
// Rounding: to nearest, ties toward +infinity (add half an LSB, then arithmetic shift
// right), the cheapest rounding in hardware. Division is the exception: the divider works
// on magnitudes, so its ties round away from zero.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace skv::numerics {

using Raw = std::int64_t;

struct FixedFormat {
  int total_bits = 32;  // including the sign bit; 2..63
  int frac_bits = 17;   // 0..total_bits-1

  Raw max_raw() const { return (Raw{1} << (total_bits - 1)) - 1; }
  Raw min_raw() const { return -(Raw{1} << (total_bits - 1)); }
  Raw one_raw() const { return Raw{1} << frac_bits; }
  double lsb() const;        // 2^-frac_bits
  double max_value() const;  // largest representable value
  double min_value() const;  // most negative representable value
  std::string name() const;  // "Q15.17"

  // Throws skv::InputError naming `what` if the widths are out of range.
  void validate(const std::string& what) const;

  friend bool operator==(const FixedFormat& a, const FixedFormat& b) {
    return a.total_bits == b.total_bits && a.frac_bits == b.frac_bits;
  }
  friend bool operator!=(const FixedFormat& a, const FixedFormat& b) { return !(a == b); }
};

// Operation kinds, each counted separately so a run can say where it saturated.
enum class OpKind : std::size_t {
  Convert,     // double -> fixed, or fixed -> fixed of another format
  Add,         // generic saturating add
  Sub,         // generic saturating subtract (score - max)
  Mul,         // generic saturating multiply (scale c * dot)
  Dot,         // dot-product adder tree rounded to the data format
  Accumulate,  // normaliser Z and numerator Y: their multiply-by-rescale and add steps
  Divide,      // Y / Z and native p / Z
};
inline constexpr std::size_t kOpKindCount = 7;
const char* op_kind_name(OpKind kind);  // "convert", "add", ...

// Saturation counters: per operation kind, how many operations ran and how many clipped.
struct Stats {
  std::array<std::uint64_t, kOpKindCount> operations{};
  std::array<std::uint64_t, kOpKindCount> saturations{};
  // 2^x results flushed to zero (x below the format's resolution). Not a saturation:
  // the true value is below half an LSB, so zero is the correctly rounded answer.
  std::uint64_t exp_underflows = 0;
  std::uint64_t exp_evaluations = 0;  // 2^x evaluations: the exp2 unit's work

  void record(OpKind kind, bool saturated) {
    const auto i = static_cast<std::size_t>(kind);
    ++operations[i];
    if (saturated) ++saturations[i];
  }
  std::uint64_t operations_of(OpKind kind) const {
    return operations[static_cast<std::size_t>(kind)];
  }
  std::uint64_t saturations_of(OpKind kind) const {
    return saturations[static_cast<std::size_t>(kind)];
  }
  std::uint64_t total_saturations() const;
  Stats& operator+=(const Stats& other);
};

// double -> fixed, rounded to nearest (ties toward +inf), saturating. NaN throws
// std::invalid_argument: no hardware value corresponds to it.
Raw from_double(double x, const FixedFormat& fmt, Stats* stats);
// Exact while total_bits <= 53; wider raws round to the nearest double.
double to_double(Raw raw, const FixedFormat& fmt);

// Same-format add and subtract, saturating. `kind` lets a caller file the operation under
// its role in the datapath (e.g. Accumulate for Z + b).
Raw add(Raw a, Raw b, const FixedFormat& fmt, Stats* stats, OpKind kind = OpKind::Add);
Raw sub(Raw a, Raw b, const FixedFormat& fmt, Stats* stats, OpKind kind = OpKind::Sub);

// a (format fa) * b (format fb): the exact product, rounded to out's resolution, saturated.
Raw mul(Raw a, const FixedFormat& fa, Raw b, const FixedFormat& fb, const FixedFormat& out,
        Stats* stats, OpKind kind = OpKind::Mul);

// Reformat a value: round to out's resolution (ties toward +inf), saturate to out's range.
Raw convert(Raw a, const FixedFormat& from, const FixedFormat& out, Stats* stats,
            OpKind kind = OpKind::Convert);

// Sum of products of n pairs (both in fmt), kept exact as an adder tree keeps full width,
// then rounded once to fmt and saturated (counted as Dot).
Raw dot(const Raw* a, const Raw* b, std::size_t n, const FixedFormat& fmt, Stats* stats);

// y (format fy) / z (format fz) into out: round to nearest on magnitudes (ties away from
// zero), saturating. z == 0 counts as a saturation: the result is out's extreme with y's
// sign, or 0 for 0/0.
Raw divide(Raw y, const FixedFormat& fy, Raw z, const FixedFormat& fz, const FixedFormat& out,
           Stats* stats);

}  // namespace skv::numerics
