#include "models/dram/TimingChecker.h"

#include <stdexcept>

#include "common/IntMath.h"

namespace skv::dram {

TimingChecker::TimingChecker(const DramConfig& cfg)
    : t_(&cfg.timing),
      burst_cycles_(cfg.burst_cycles()),
      col_bus_(cfg.command_bus.dual ? 1 : 0),
      group_bits_(floor_log2(cfg.org.bank_groups)),
      bank_bits_(floor_log2(cfg.org.banks_per_group)),
      rank_shift_(group_bits_ + bank_bits_),
      rank_count_(cfg.org.ranks),
      banks_(cfg.org.banks()),
      groups_(std::size_t{cfg.org.ranks} * cfg.org.bank_groups),
      ranks_(cfg.org.ranks),
      cmd_bus_(cfg.command_bus) {
  // Rank-to-rank gaps on the data bus. JESD79-4 (DDR4) states column command spacing within
  // one rank only: tCCD_S/L, tWTR_S/L, and read to write as RL + BL/2 - WL + 2 tCK (a write
  // preamble cycle and a turnaround cycle on the bus). Commands to different ranks it leaves
  // to the system (vendor-specified); what they need follows from who drives the data bus:
  // - RD -> RD: two devices drive in turn; the handover takes tRTRS;
  // - WR -> RD: the controller hands over to a device: tRTRS (tWTR is the written device's
  //   internal recovery and binds only its own rank);
  // - RD -> WR: the bus turns from a device to the controller, as within a rank: at least
  //   that rank's read-to-write gap, tRTW - (RL + burst - WL), and at least tRTRS;
  // - WR -> WR: the controller drives both bursts; tCCD binds only within a rank, so the
  //   bursts may follow each other on the bus without a gap.
  const std::int64_t rtw_gap = std::int64_t{t_->tRTW} + t_->WL - t_->RL - burst_cycles_;
  const std::uint32_t rtw = rtw_gap > 0 ? static_cast<std::uint32_t>(rtw_gap) : 0;
  rank_gap_ = {t_->tRTRS, rtw > t_->tRTRS ? rtw : t_->tRTRS, t_->tRTRS, 0};
}

std::uint64_t TimingChecker::earliest_rank_wide(Command cmd, std::uint32_t rank) const {
  const std::uint32_t first = rank * banks_per_rank();
  const std::uint32_t last = first + banks_per_rank();
  std::uint64_t t = bus_[kRowBus];
  if (cmd == Command::PREA) {
    for (std::uint32_t b = first; b < last; ++b) {
      if (banks_[b].open_row != kClosed) t = max2(t, banks_[b].next[kPre]);
    }
    return t;
  }
  // REF: every bank precharged for tRP (and activated at least tRC ago).
  t = max2(t, ranks_[rank].next_ref);
  for (std::uint32_t b = first; b < last; ++b) t = max2(t, banks_[b].next[kAct]);
  return t;
}

void TimingChecker::close(std::uint32_t b, std::uint64_t act_allowed, std::uint64_t cycle) {
  Bank& bank = banks_[b];
  if (bank.open_row == kClosed) return;
  bank.open_row = kClosed;
  bank.next[kAct] = max2(bank.next[kAct], act_allowed);
  if (--ranks_[rank_of(b)].open_banks == 0) {
    active_left_cycles_ += cycle;
    --active_ranks_;
  }
}

void TimingChecker::issue(Command cmd, std::uint32_t b, std::uint32_t row, std::uint64_t t) {
  Bank& bank = banks_[b];
  const std::uint32_t r = rank_of(b);
  Rank& rank = ranks_[r];
  Group& group = groups_[group_of(b)];
  switch (cmd) {
    case Command::ACT: {
      if (bank.open_row != kClosed) throw std::logic_error("TimingChecker: ACT to an open bank");
      bank.open_row = row;
      if (rank.open_banks++ == 0) {
        active_entered_cycles_ += t;
        ++active_ranks_;
      }
      bank.next[kRd] = t + t_->tRCD;
      bank.next[kWr] = t + t_->tRCDW;
      bank.next[kPre] = max2(bank.next[kPre], t + t_->tRAS);
      bank.next[kAct] = max2(bank.next[kAct], t + t_->tRC);
      group.next[kAct] = max2(group.next[kAct], t + t_->tRRD_L);
      rank.next[kAct] = max2(rank.next[kAct], t + t_->tRRD_S);
      rank.next_refpb = max2(rank.next_refpb, t + t_->tRRD_S);
      rank.last_acts[rank.act_count % 4] = t;
      ++rank.act_count;
      if (t_->tFAW > 0 && rank.act_count >= 4) {
        // The slot overwritten next holds the oldest of the last four ACTs.
        rank.next[kAct] = max2(rank.next[kAct], rank.last_acts[rank.act_count % 4] + t_->tFAW);
      }
      bus_[kRowBus] = t + cmd_bus_.act_cycles;
      break;
    }
    case Command::PRE:
      close(b, t + t_->tRP, t);
      bus_[kRowBus] = t + cmd_bus_.precharge_cycles;
      break;
    case Command::PREA: {
      const std::uint32_t first = r * banks_per_rank();
      for (std::uint32_t i = first; i < first + banks_per_rank(); ++i) close(i, t + t_->tRPab, t);
      bus_[kRowBus] = t + cmd_bus_.precharge_cycles;
      break;
    }
    case Command::RD:
    case Command::RDA:
    case Command::WR:
    case Command::WRA:
      issue_column(!is_read(cmd), cmd == Command::RDA || cmd == Command::WRA, b, t);
      break;
    case Command::REF: {
      const std::uint32_t first = r * banks_per_rank();
      for (std::uint32_t i = first; i < first + banks_per_rank(); ++i) {
        banks_[i].next[kAct] = max2(banks_[i].next[kAct], t + t_->tRFC);
      }
      rank.next_ref = max2(rank.next_ref, t + t_->tRFC);
      rank.next_refpb = max2(rank.next_refpb, t + t_->tRFC);
      bus_[kRowBus] = t + cmd_bus_.refresh_cycles;
      break;
    }
    case Command::REFPB:
      bank.next[kAct] = max2(bank.next[kAct], t + t_->tRFCpb);
      rank.next[kAct] = max2(rank.next[kAct], t + t_->tPBR2ACT);
      rank.next_refpb = max2(rank.next_refpb, t + t_->tPBR2PBR);
      bus_[kRowBus] = t + cmd_bus_.refresh_cycles;
      break;
  }
}

}  // namespace skv::dram
