#pragma once
// A stable 64-bit hash over labelled parts (FNV-1a): the same parts give the same hex
// string on every machine and build. It detects a changed input, nothing more (not a
// cryptographic hash). Sweep inputs, the config schema's version and the resolved
// configs' hash all use it.

#include <fmt/format.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace skv {

class StableHash {
 public:
  // Label and length go in before the data, so that parts cannot run into each other.
  void add(std::string_view label, std::string_view data) {
    mix(label);
    mix(std::string_view("\0", 1));
    mix(std::to_string(data.size()));
    mix(std::string_view("\0", 1));
    mix(data);
  }
  std::string hex() const { return fmt::format("{:016x}", h_); }

 private:
  void mix(std::string_view bytes) {
    for (const char c : bytes) {
      h_ ^= static_cast<unsigned char>(c);
      h_ *= 0x100000001b3ull;
    }
  }
  std::uint64_t h_ = 0xcbf29ce484222325ull;
};

}  // namespace skv
