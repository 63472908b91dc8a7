#include "models/dram/AddressMapper.h"

#include "common/IntMath.h"

#include <fmt/format.h>

#include <cctype>
#include <stdexcept>
#include <vector>

namespace skv::dram {

namespace {

constexpr std::array<const char*, 6> kFieldCodes = {"Ch", "Ra", "Bg", "Ba", "Ro", "Co"};

bool is_pow2(std::uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }


struct Token {
  std::uint32_t field;
  int bits;  // -1: the rest of the field
};

struct Parsed {
  std::vector<Token> tokens;  // most significant first, counts resolved
  std::string error;
};

Parsed parse(const std::string& text, const DramOrganisation& org) {
  Parsed p;
  const std::array<std::uint64_t, 6> counts = {org.channels,    org.ranks,
                                               org.bank_groups, org.banks_per_group,
                                               org.rows,        org.bursts_per_row()};
  std::array<std::uint32_t, 6> width{};
  for (std::size_t f = 0; f < counts.size(); ++f) {
    if (!is_pow2(counts[f])) {
      p.error = fmt::format(
          "field {} has {} values, which is not a power of two (every "
          "organisation count must be one for a bit-field mapping)",
          kFieldCodes[f], counts[f]);
      return p;
    }
    width[f] = floor_log2(counts[f]);
  }
  const std::string allowed =
      "allowed: fields Ch, Ra, Bg, Ba, Ro, Co from most to least significant, each optionally "
      "followed by a bit count, e.g. RoRaBaCoBgCh";
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c == '-' || c == '_' || c == ' ') {
      ++i;
      continue;
    }
    const std::string code = text.substr(i, 2);
    std::uint32_t field = 6;
    for (std::uint32_t f = 0; f < 6; ++f) {
      if (code == kFieldCodes[f]) field = f;
    }
    if (field == 6) {
      p.error = fmt::format("'{}' at position {} is not a field ({})", code, i + 1, allowed);
      return p;
    }
    i += 2;
    int bits = -1;
    if (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      bits = 0;
      while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
        bits = bits * 10 + (text[i] - '0');
        if (bits > 64) break;
        ++i;
      }
    }
    p.tokens.push_back(Token{field, bits});
  }
  if (p.tokens.empty()) {
    p.error = fmt::format("empty mapping ({})", allowed);
    return p;
  }
  for (std::uint32_t f = 0; f < 6; ++f) {
    int fixed = 0;
    int open = 0;
    int seen = 0;
    for (const Token& t : p.tokens) {
      if (t.field != f) continue;
      ++seen;
      if (t.bits < 0) {
        ++open;
      } else {
        fixed += t.bits;
      }
    }
    const int w = static_cast<int>(width[f]);
    if (seen == 0 && w > 0) {
      p.error = fmt::format("field {} ({} bits) is missing ({})", kFieldCodes[f], w, allowed);
      return p;
    }
    if (open > 1) {
      p.error = fmt::format(
          "field {} appears {} times without a bit count (at most one "
          "occurrence may take the remaining bits)",
          kFieldCodes[f], open);
      return p;
    }
    if (fixed > w || (open == 0 && seen > 0 && fixed != w)) {
      p.error = fmt::format(
          "field {} is given {} bits but has {} (its counts must add up to "
          "log2 of its size)",
          kFieldCodes[f], fixed, w);
      return p;
    }
    for (Token& t : p.tokens) {
      if (t.field == f && t.bits < 0) t.bits = w - fixed;
    }
  }
  if (p.tokens.size() > 16) {
    p.error = "more than 16 field segments (allowed: at most 16)";
    return p;
  }
  int total = static_cast<int>(floor_log2(org.burst_bytes()));
  for (const Token& t : p.tokens) total += t.bits;
  if (total > 63) {
    p.error = fmt::format("the mapping needs {} address bits (allowed: at most 63)", total);
  }
  return p;
}

}  // namespace

std::string address_mapping_error(const std::string& mapping, const DramOrganisation& org) {
  if (!is_pow2(org.burst_bytes())) {
    return fmt::format("burst of {} bytes is not a power of two", org.burst_bytes());
  }
  return parse(mapping, org).error;
}

AddressMapper::AddressMapper(const DramConfig& cfg)
    : burst_bytes_(cfg.org.burst_bytes()), burst_shift_(floor_log2(burst_bytes_)) {
  const std::string err = address_mapping_error(cfg.controller.address_mapping, cfg.org);
  if (!err.empty()) {
    throw std::invalid_argument(
        fmt::format("address_mapping '{}': {}", cfg.controller.address_mapping, err));
  }
  const Parsed p = parse(cfg.controller.address_mapping, cfg.org);
  std::uint32_t shift = burst_shift_;
  std::array<std::uint32_t, kFields> field_shift{};
  for (auto it = p.tokens.rbegin(); it != p.tokens.rend(); ++it) {
    if (it->bits == 0) continue;
    Segment s;
    s.field = static_cast<std::uint8_t>(it->field);
    s.addr_shift = static_cast<std::uint8_t>(shift);
    s.field_shift = static_cast<std::uint8_t>(field_shift[it->field]);
    s.mask = (std::uint64_t{1} << it->bits) - 1;
    segments_[segment_count_++] = s;
    shift += static_cast<std::uint32_t>(it->bits);
    field_shift[it->field] += static_cast<std::uint32_t>(it->bits);
  }
  std::array<int, kFields> runs{};
  for (std::uint32_t i = 0; i < segment_count_; ++i) ++runs[segments_[i].field];
  simple_ = true;
  for (const int r : runs) simple_ = simple_ && r <= 1;
  for (std::uint32_t i = 0; i < segment_count_; ++i) {
    simple_shift_[segments_[i].field] = segments_[i].addr_shift;
    simple_mask_[segments_[i].field] = segments_[i].mask;
  }
}

std::uint64_t AddressMapper::encode(const DramAddress& a) const {
  const std::array<std::uint32_t, kFields> f = {a.channel, a.rank, a.bank_group,
                                                a.bank,    a.row,  a.column};
  std::uint64_t addr = 0;
  for (std::uint32_t i = 0; i < segment_count_; ++i) {
    const Segment& s = segments_[i];
    addr |= ((std::uint64_t{f[s.field]} >> s.field_shift) & s.mask) << s.addr_shift;
  }
  return addr;
}

}  // namespace skv::dram
