#pragma once
// Integer helpers shared by the hardware models.

#include <cstdint>

namespace skv {

inline std::uint64_t ceil_div(std::uint64_t a, std::uint64_t b) { return (a + b - 1) / b; }

// Smallest n with 2^n >= v (0 for v <= 1): the depth of an adder tree over v inputs.
inline std::uint64_t ceil_log2(std::uint64_t v) {
  std::uint64_t n = 0;
  while ((std::uint64_t{1} << n) < v) ++n;
  return n;
}

// Largest n with 2^n <= v (0 for v <= 1): the bit width of a power-of-two field.
inline std::uint32_t floor_log2(std::uint64_t v) {
  std::uint32_t n = 0;
  while (v > 1) {
    v >>= 1;
    ++n;
  }
  return n;
}

}  // namespace skv
