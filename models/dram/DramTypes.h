#pragma once
// Vocabulary shared by the DRAM timing core: commands, decoded addresses, command records.

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string_view>

namespace skv::dram {

// "No such cycle": an idle engine's next event, a bank that was never activated.
inline constexpr std::uint64_t kNever = std::numeric_limits<std::uint64_t>::max();

// JEDEC command set common to HBM2, LPDDR4/5 and DDR4 (names as in the standards; LPDDR's
// two-part ACT-1/ACT-2 and RD-1/CAS-2 are one command occupying several command-bus cycles).
enum class Command : std::uint8_t {
  ACT,    // activate a row
  PRE,    // precharge one bank
  PREA,   // precharge all banks of a rank
  RD,     // read burst
  WR,     // write burst
  RDA,    // read burst with auto-precharge
  WRA,    // write burst with auto-precharge
  REF,    // all-bank refresh of a rank
  REFPB,  // per-bank (HBM2: single-bank) refresh
};
inline constexpr std::size_t kCommandCount = 9;

inline constexpr std::array<std::string_view, kCommandCount> kCommandNames = {
    "ACT", "PRE", "PREA", "RD", "WR", "RDA", "WRA", "REF", "REFPB"};

constexpr std::string_view command_name(Command c) {
  return kCommandNames[static_cast<std::size_t>(c)];
}
constexpr bool is_column(Command c) {
  return c == Command::RD || c == Command::WR || c == Command::RDA || c == Command::WRA;
}
constexpr bool is_read(Command c) { return c == Command::RD || c == Command::RDA; }
constexpr bool is_write(Command c) { return c == Command::WR || c == Command::WRA; }

// One burst's place in the DRAM, as the address mapper decodes it.
struct DramAddress {
  std::uint32_t channel = 0;
  std::uint32_t rank = 0;
  std::uint32_t bank_group = 0;
  std::uint32_t bank = 0;  // within its bank group
  std::uint32_t row = 0;
  std::uint32_t column = 0;  // burst index within the row (row_bytes / burst_bytes of them)

  bool operator==(const DramAddress& o) const {
    return channel == o.channel && rank == o.rank && bank_group == o.bank_group && bank == o.bank &&
           row == o.row && column == o.column;
  }
};

// One command as issued, for the optional command log (DramEngine::set_command_observer).
struct CommandRecord {
  std::uint64_t cycle = 0;
  Command command = Command::ACT;
  std::uint32_t channel = 0;
  std::uint32_t rank = 0;
  std::uint32_t bank_group = 0;  // meaningless for PREA and REF (rank-wide)
  std::uint32_t bank = 0;        // within its group; meaningless for PREA and REF
  std::uint32_t row = 0;         // ACT and column commands only
  std::uint32_t column = 0;      // column commands only
};

}  // namespace skv::dram
