#pragma once
// Internal to the numerics library: the 128-bit intermediate that holds exact products and
// dot-product sums of up-to-63-bit raws, and the one rounding/saturating narrow step.
//
// __int128 is a GCC/Clang extension; __extension__ keeps -Wpedantic quiet about it. Right
// shifts of negative values are arithmetic on both compilers (guaranteed from C++20).

#include "numerics/FixedPoint.h"

namespace skv::numerics {

__extension__ typedef __int128 Wide;

namespace detail {

// Round v * 2^-shift_right to an integer (to nearest, ties toward +inf) and saturate it to
// out's range, setting *saturated if it clipped. A negative shift scales up, exactly.
// |shift_right| must stay below 126.
inline Raw narrow(Wide v, int shift_right, const FixedFormat& out, bool* saturated) {
  const Wide max = out.max_raw();
  const Wide min = out.min_raw();
  if (shift_right > 0) {
    v = (v + (Wide{1} << (shift_right - 1))) >> shift_right;
  } else if (shift_right < 0) {
    const int s = -shift_right;
    // v * 2^s lies in [min, max] iff v lies in [ceil(min / 2^s), floor(max / 2^s)].
    const Wide hi = max >> s;
    const Wide lo = s <= out.total_bits - 1 ? -(Wide{1} << (out.total_bits - 1 - s)) : Wide{0};
    if (v > hi) {
      *saturated = true;
      return out.max_raw();
    }
    if (v < lo) {
      *saturated = true;
      return out.min_raw();
    }
    v *= Wide{1} << s;
  }
  if (v > max) {
    *saturated = true;
    return out.max_raw();
  }
  if (v < min) {
    *saturated = true;
    return out.min_raw();
  }
  return static_cast<Raw>(v);
}

}  // namespace detail
}  // namespace skv::numerics
