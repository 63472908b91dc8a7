#pragma once
// The timing rules of one channel: bank state (open row) and, per bank, bank group, rank
// and bus, the earliest cycle each command may next be issued there.
//
// Issuing a command pushes those "next allowed" cycles forward (Ramulator-style), so a
// query is a handful of max() operations however long the history. Every rule:
//   ACT  -> ACT    same bank tRC; same group tRRD_L; same rank tRRD_S; 5th ACT >= 1st + tFAW
//   ACT  -> RD/WR  same bank tRCD / tRCDW
//   ACT  -> PRE    same bank tRAS
//   PRE  -> ACT    same bank tRP;  PREA -> ACT  tRPab
//   RD   -> RD     same group tCCD_L, same rank tCCD_S; WR -> WR likewise
//   RD   -> WR     same rank tRTW
//   WR   -> RD     same group WL + burst + tWTR_L, same rank WL + burst + tWTR_S
//   RD   -> PRE    same bank tRTP; WR -> PRE  same bank WL + burst + tWR
//   RDA/WRA        as RD/WR, then the bank precharges itself at the first cycle PRE could
//                  go (tRAS, tRTP / tWR) and may be activated tRP later
//   data bus       bursts never overlap; between ranks (JEDEC's rules are per rank, a
//                  rank switch is the controller's): RD -> RD and WR -> RD a gap of tRTRS,
//                  RD -> WR the larger of tRTRS and the same rank's read-to-write gap,
//                  WR -> WR none (rank_gap(), docs/dram.md)
//   REF            all banks of the rank precharged (tRP, tRC via the ACT rule); then
//                  ACT/REF/REFPB of that rank after tRFC
//   REFPB          the bank precharged; then its ACT after tRFCpb, other banks' ACT after
//                  tPBR2ACT, the next REFPB after tPBR2PBR; ACT -> REFPB tRRD_S
//   command bus    one command per bus; a command holds it for its configured cycles (two
//                  buses, row and column, when command_bus.dual)
// Timing is referenced to the first cycle of a multi-cycle command (LPDDR ACT-1/ACT-2).

#include <array>
#include <cstdint>
#include <vector>

#include "models/dram/DramConfig.h"
#include "models/dram/DramTypes.h"

namespace skv::dram {

class TimingChecker {
 public:
  static constexpr std::uint32_t kClosed = 0xFFFFFFFFu;

  explicit TimingChecker(const DramConfig& cfg);

  // Banks are numbered within the channel: (rank * bank_groups + group) * banks_per_group + bank.
  std::uint32_t bank_index(std::uint32_t rank, std::uint32_t group, std::uint32_t bank) const {
    return (((rank << group_bits_) + group) << bank_bits_) + bank;
  }
  std::uint32_t rank_of(std::uint32_t b) const { return b >> rank_shift_; }
  std::uint32_t group_of(std::uint32_t b) const {  // flat: rank * bank_groups + group
    return b >> bank_bits_;
  }
  std::uint32_t group_in_rank(std::uint32_t b) const {
    return (b >> bank_bits_) & ((1u << group_bits_) - 1);
  }
  std::uint32_t bank_in_group(std::uint32_t b) const { return b & ((1u << bank_bits_) - 1); }
  std::uint32_t banks() const { return static_cast<std::uint32_t>(banks_.size()); }
  std::uint32_t banks_per_rank() const { return 1u << (group_bits_ + bank_bits_); }

  std::uint32_t open_row(std::uint32_t b) const { return banks_[b].open_row; }
  bool is_open(std::uint32_t b) const { return banks_[b].open_row != kClosed; }
  bool rank_has_open_bank(std::uint32_t rank) const { return ranks_[rank].open_banks > 0; }
  // Cycles its ranks spent with at least one bank open (active standby, the IDD3N state)
  // up to `cycle`, summed over ranks: kept as the cycles at which a rank opened its first
  // bank and closed its last, so that the count costs one addition per state change.
  std::uint64_t active_rank_cycles_until(std::uint64_t cycle) const {
    return active_left_cycles_ - active_entered_cycles_ + cycle * active_ranks_;
  }

  // Command classes, indexing the "next allowed" arrays.
  enum Class : std::uint8_t { kAct = 0, kPre = 1, kRd = 2, kWr = 3 };
  static constexpr Class class_of(Command c) {
    return c == Command::ACT ? kAct : c == Command::PRE ? kPre : is_read(c) ? kRd : kWr;
  }

  // Earliest legal cycle of `cmd` at bank `b` given every command issued so far (for PREA
  // and REF, `b` names the rank by any of its banks). The caller ensures the state allows
  // the command at all (a column command needs the bank open at its row, ACT a closed bank).
  std::uint64_t earliest(Command cmd, std::uint32_t b) const {
    switch (cmd) {
      case Command::ACT:
      case Command::PRE:
      case Command::RD:
      case Command::RDA:
      case Command::WR:
      case Command::WRA: {
        const Class k = class_of(cmd);
        return max2(max2(banks_[b].next[k], groups_[group_of(b)].next[k]),
                    rank_shared(rank_of(b), k));
      }
      case Command::REFPB:
        return max2(max2(banks_[b].next[kAct], ranks_[rank_of(b)].next_refpb), bus_[kRowBus]);
      case Command::PREA:
      case Command::REF:
        return earliest_rank_wide(cmd, rank_of(b));
    }
    return kNever;
  }
  // The parts of earliest(): the bank's own, its group's, and the rank's with the buses
  // (the last is the same for every bank of a rank, so a scheduler computes it once).
  std::uint64_t bank_part(Class k, std::uint32_t b) const { return banks_[b].next[k]; }
  std::uint64_t group_part(Class k, std::uint32_t b) const { return groups_[group_of(b)].next[k]; }
  // The same for a scheduler's inner loop: every group's constraints as one table, indexed
  // [(b >> group_shift()) * 4 + class], and the shift that takes a bank to its rank.
  const std::uint64_t* group_table() const { return groups_.front().next.data(); }
  std::uint32_t group_shift() const { return bank_bits_; }
  std::uint32_t rank_shift() const { return rank_shift_; }
  std::uint64_t rank_shared(std::uint32_t r, Class k) const {
    const Rank& rank = ranks_[r];
    switch (k) {
      case kAct:
        return max2(rank.next[kAct], bus_[kRowBus]);
      case kPre:
        return bus_[kRowBus];
      case kRd:
        return max2(max2(rank.next[kRd], bus_[col_bus_]), data_bus_ready(r, false));
      case kWr:
        return max2(max2(rank.next[kWr], bus_[col_bus_]), data_bus_ready(r, true));
    }
    return kNever;
  }
  // rank_shared() of every class at once, raised to `floor` (the scheduler's per-pick
  // precomputation).
  void rank_shared_all(std::uint32_t r, std::uint64_t floor, std::uint64_t* out) const {
    const Rank& rank = ranks_[r];
    const std::uint64_t row = max2(bus_[kRowBus], floor);
    const std::uint64_t col = max2(bus_[col_bus_], floor);
    out[kAct] = max2(rank.next[kAct], row);
    out[kPre] = row;
    // The data bus: max(col, ready - latency) as max(col + latency, ready) - latency, which
    // needs no test of whether ready is past the latency.
    std::uint64_t read_ready = data_end_;  // 0 before the first burst
    std::uint64_t write_ready = data_end_;
    if (__builtin_expect(r != data_rank_, 0) && data_used_) {
      read_ready += rank_gap(data_write_, false);
      write_ready += rank_gap(data_write_, true);
    }
    out[kRd] = max2(rank.next[kRd], max2(col + t_->RL, read_ready) - t_->RL);
    out[kWr] = max2(rank.next[kWr], max2(col + t_->WL, write_ready) - t_->WL);
  }
  std::uint32_t ranks() const { return rank_count_; }

  void issue(Command cmd, std::uint32_t b, std::uint32_t row, std::uint64_t cycle);
  // issue() of a column command, inline for the controller's hot path: WR or RD, WRA or RDA
  // with `auto_precharge`. Returns the cycle after its last data beat.
  std::uint64_t issue_column(bool write, bool auto_precharge, std::uint32_t b, std::uint64_t t) {
    Bank& bank = banks_[b];
    const std::uint32_t r = rank_of(b);
    Rank& rank = ranks_[r];
    Group& group = groups_[group_of(b)];
    std::uint64_t end;
    if (!write) {
      end = t + t_->RL + burst_cycles_;
      bank.next[kPre] = max2(bank.next[kPre], t + t_->tRTP);
      group.next[kRd] = max2(group.next[kRd], t + t_->tCCD_L);
      group.next[kWr] = max2(group.next[kWr], t + t_->tRTW);
      rank.next[kRd] = max2(rank.next[kRd], t + t_->tCCD_S);
      rank.next[kWr] = max2(rank.next[kWr], t + t_->tRTW);
    } else {
      end = t + t_->WL + burst_cycles_;
      bank.next[kPre] = max2(bank.next[kPre], end + t_->tWR);
      group.next[kWr] = max2(group.next[kWr], t + t_->tCCD_L);
      group.next[kRd] = max2(group.next[kRd], end + t_->tWTR_L);
      rank.next[kWr] = max2(rank.next[kWr], t + t_->tCCD_S);
      rank.next[kRd] = max2(rank.next[kRd], end + t_->tWTR_S);
    }
    data_end_ = max2(data_end_, end);
    data_write_ = write;
    data_rank_ = r;
    data_used_ = true;
    bus_[col_bus_] = t + cmd_bus_.column_cycles;
    if (auto_precharge) close(b, bank.next[kPre] + t_->tRP, t);
    return end;
  }
  // The data bus's last burst so far was a read / a write (neither before the first).
  bool last_burst_read() const { return data_used_ && !data_write_; }
  bool last_burst_write() const { return data_write_; }

  // Idle data-bus cycles between a burst of one rank and the next burst of another rank,
  // by the two bursts' directions.
  std::uint32_t rank_gap(bool from_write, bool to_write) const {
    return rank_gap_[(from_write ? 2 : 0) + (to_write ? 1 : 0)];
  }

 private:
  struct Bank {
    std::uint32_t open_row = kClosed;
    std::array<std::uint64_t, 4> next{};  // by Class
  };
  struct Group {
    std::array<std::uint64_t, 4> next{};  // by Class (kPre unused)
  };
  static_assert(sizeof(Group) == 4 * sizeof(std::uint64_t), "group_table() is a flat array");
  struct Rank {
    std::array<std::uint64_t, 4> next{};  // by Class (kPre unused)
    std::uint64_t next_ref = 0;
    std::uint64_t next_refpb = 0;
    std::array<std::uint64_t, 4> last_acts{};  // ring of the last four ACT cycles (tFAW)
    std::uint32_t act_count = 0;
    std::uint32_t open_banks = 0;
  };
  static constexpr std::uint32_t kRowBus = 0;

  static std::uint64_t max2(std::uint64_t a, std::uint64_t b) { return a > b ? a : b; }
  static std::uint64_t max4(std::uint64_t a, std::uint64_t b, std::uint64_t c, std::uint64_t d) {
    return max2(max2(a, b), max2(c, d));
  }
  // Earliest column command of `rank` and direction `write` (data RL or WL cycles after it)
  // that the data bus allows.
  std::uint64_t data_bus_ready(std::uint32_t rank, bool write) const {
    if (!data_used_) return 0;
    std::uint64_t need = data_end_;
    if (__builtin_expect(rank != data_rank_, 0)) need += rank_gap(data_write_, write);
    const std::uint32_t latency = write ? t_->WL : t_->RL;
    return need > latency ? need - latency : 0;
  }
  std::uint64_t earliest_rank_wide(Command cmd, std::uint32_t rank) const;
  // Closes bank `b` (at `cycle`, for the active-standby count).
  void close(std::uint32_t b, std::uint64_t act_allowed, std::uint64_t cycle);

  // A replay cycles through every channel, so each command finds most of its channel's
  // state out of the first-level cache: what every command reads or writes comes first, and
  // the timing parameters, the same for every channel, are shared (the configuration the
  // checker was built from outlives it: the engine's, or a test's).
  std::array<std::uint64_t, 2> bus_{};  // first free cycle of the row / column command bus
  std::uint64_t data_end_ = 0;          // cycle after the last data beat so far
  std::uint32_t data_rank_ = 0;
  bool data_used_ = false;
  bool data_write_ = false;  // the last burst on the data bus was a write
  const DramTiming* t_;
  std::uint32_t burst_cycles_ = 0;
  std::uint32_t col_bus_ = 0;  // index into bus_: 0 with one shared bus, 1 with two
  std::uint32_t group_bits_ = 0;
  std::uint32_t bank_bits_ = 0;
  std::uint32_t rank_shift_ = 0;  // group_bits_ + bank_bits_
  std::uint32_t rank_count_ = 0;
  std::vector<Bank> banks_;
  std::vector<Group> groups_;
  std::vector<Rank> ranks_;
  CommandBus cmd_bus_;
  std::array<std::uint32_t, 4> rank_gap_{};  // [from write * 2 + to write]
  // Active standby (a rank with an open bank): the cycles at which ranks became active and
  // precharged again, summed (exact in modular arithmetic), and the ranks active now.
  std::uint64_t active_entered_cycles_ = 0;
  std::uint64_t active_left_cycles_ = 0;
  std::uint32_t active_ranks_ = 0;
};

}  // namespace skv::dram
