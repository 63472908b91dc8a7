#pragma once
// When each rank (all-bank mode) or each bank in turn (per-bank mode) must be refreshed,
// and which command that takes next.
//
// A refresh falls due every tREFI (per bank: every tREFIpb, each bank once per round of
// banks_per_rank refreshes). From the due cycle on, the banks it covers take no new request
// commands; the manager closes them (PREA, or PRE of the one bank) at the earliest legal
// cycle and then issues REF / REFPB at the earliest legal cycle. Refreshes are neither
// postponed nor pulled in (a simplification of JEDEC's allowance of up to 8). Rank r's first
// refresh falls due at (r + 1) x interval / ranks, so ranks refresh evenly spaced and the
// last one a whole interval in.
//
// Per-bank target: the standards let the controller name the bank, so on the due cycle the
// manager picks, among the banks not yet refreshed this round, an idle closed bank, else an
// idle open one, else the one whose queued work is youngest. A fixed round-robin order
// phase-locks with a sequential stream (the stream ends up waiting on exactly the bank
// being refreshed: 34% of LPDDR4's bandwidth lost in the first version of this model).

#include <cstdint>
#include <vector>

#include "models/dram/DramConfig.h"
#include "models/dram/DramTypes.h"

namespace skv::dram {

class TimingChecker;
class RequestBuffer;

class RefreshManager {
 public:
  RefreshManager(const DramConfig& cfg, const TimingChecker& checker);

  struct Candidate {
    Command command = Command::REF;
    std::uint32_t bank = 0;  // flat bank (any bank of the rank for PREA and REF)
    std::uint64_t cycle = kNever;
  };

  // Request commands for bank `b` may be issued only before this cycle.
  std::uint64_t blocked_from(std::uint32_t b) const {
    if (mode_ == RefreshMode::None) return kNever;
    const Rank& r = ranks_[b >> rank_shift_];
    if (mode_ == RefreshMode::AllBank) return r.due;
    return (b & (banks_per_rank_ - 1)) == r.next_bank ? r.due : kNever;
  }
  // No bank is blocked before this cycle (a lower bound on every blocked_from()).
  std::uint64_t min_block() const { return min_block_; }
  // Earliest due cycle over all ranks (kNever without refresh).
  std::uint64_t earliest_due() const { return min_due_; }
  // The refresh command to issue next, no earlier than `floor`, or cycle kNever.
  Candidate candidate(const TimingChecker& checker, std::uint64_t floor) const;
  // A REF or REFPB was issued: the next one falls due an interval later.
  void on_refresh(std::uint32_t bank);

  // Per-bank mode: true while a rank's refresh is due by `cycle` but its bank not chosen.
  bool needs_target(std::uint64_t cycle) const {
    return unchosen_due_ != kNever && unchosen_due_ <= cycle;
  }
  // Chooses the bank of every due refresh (by `cycle`) that has none, from the state that
  // holds on its due cycle (the caller guarantees no event lies between). The channel's
  // bursts are in `reads` and `writes` (one of them empty when reads and writes share one).
  void choose_targets(std::uint64_t cycle, const RequestBuffer& reads, const RequestBuffer& writes,
                      const TimingChecker& checker);

 private:
  static constexpr std::uint32_t kUnchosen = 0xFFFFFFFFu;
  struct Rank {
    std::uint64_t due = kNever;
    std::uint32_t next_bank = kUnchosen;  // within the rank (per-bank mode)
    std::uint64_t done_in_round = 0;      // per-bank mode: banks refreshed this round
  };
  std::uint64_t round_mask() const;
  void update_min_due();

  RefreshMode mode_;
  std::uint32_t interval_;
  std::uint32_t banks_per_rank_;  // a power of two
  std::uint32_t rank_shift_;      // log2(banks_per_rank_)
  std::vector<Rank> ranks_;
  std::uint64_t min_due_ = kNever;
  std::uint64_t min_block_ = kNever;
  // Per-bank mode: the earliest due cycle of a rank whose bank is not chosen yet (kNever in
  // the other modes).
  std::uint64_t unchosen_due_ = kNever;
};

}  // namespace skv::dram
