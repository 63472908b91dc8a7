#pragma once
// Byte address -> (channel, rank, bank group, bank, row, column) of one burst.
//
// The mapping is a string of fields from the most to the least significant address bit,
// e.g. "RoRaBaCoBgCh". Fields: Ch channel, Ra rank, Bg bank group, Ba bank (within its
// group), Ro row, Co column (counted in bursts: bursts_per_row values). A field may be
// split by giving bit counts, e.g. "RoBaCo2BgCo3Ch": a count takes that many bits, one
// occurrence per field may omit it and takes the rest; the lowest occurrence holds the
// field's low bits. Separators '-', '_' and spaces are ignored. The log2(burst_bytes) bits
// below the lowest field select the byte within a burst; bits above the highest field are
// ignored (addresses wrap at the capacity). Every count must be a power of two.

#include <array>
#include <cstdint>
#include <string>

#include "models/dram/DramConfig.h"
#include "models/dram/DramTypes.h"

namespace skv::dram {

// Empty when `mapping` is valid for `org`, else what is wrong (what is allowed).
std::string address_mapping_error(const std::string& mapping, const DramOrganisation& org);

class AddressMapper {
 public:
  // Throws std::invalid_argument when the mapping is invalid (the loader checks it first).
  explicit AddressMapper(const DramConfig& cfg);

  DramAddress decode(std::uint64_t addr) const {
    if (simple_) {  // every field one run of bits (the usual mappings): a shift and a mask each
      auto field = [&](std::uint32_t f) {
        return static_cast<std::uint32_t>((addr >> simple_shift_[f]) & simple_mask_[f]);
      };
      return DramAddress{field(kCh), field(kRa), field(kBg), field(kBa), field(kRo), field(kCo)};
    }
    std::array<std::uint32_t, kFields> f{};
    for (std::uint32_t i = 0; i < segment_count_; ++i) {
      const Segment& s = segments_[i];
      const auto v = static_cast<std::uint32_t>((addr >> s.addr_shift) & s.mask);
      f[s.field] |= v << s.field_shift;
    }
    return DramAddress{f[kCh], f[kRa], f[kBg], f[kBa], f[kRo], f[kCo]};
  }
  // The lowest byte address of the burst at `a` (the inverse of decode).
  std::uint64_t encode(const DramAddress& a) const;

  std::uint32_t burst_bytes() const { return burst_bytes_; }
  std::uint32_t burst_shift() const { return burst_shift_; }  // log2(burst_bytes())

 private:
  enum Field : std::uint8_t { kCh, kRa, kBg, kBa, kRo, kCo, kFields };
  struct Segment {
    std::uint8_t field = 0;
    std::uint8_t addr_shift = 0;
    std::uint8_t field_shift = 0;
    std::uint64_t mask = 0;
  };
  static constexpr std::uint32_t kMaxSegments = 16;

  std::array<Segment, kMaxSegments> segments_{};
  bool simple_ = false;                                // no field split into several runs
  std::array<std::uint32_t, kFields> simple_shift_{};  // then: each field's lowest bit
  std::array<std::uint64_t, kFields> simple_mask_{};   // and its mask (0: no bits)
  std::uint32_t segment_count_ = 0;
  std::uint32_t burst_bytes_ = 0;
  std::uint32_t burst_shift_ = 0;

  friend std::string address_mapping_error(const std::string&, const DramOrganisation&);
};

}  // namespace skv::dram
