#include "models/dram/RefreshManager.h"

#include "models/dram/RequestBuffer.h"
#include "models/dram/TimingChecker.h"

namespace skv::dram {

std::uint64_t RefreshManager::round_mask() const {
  return banks_per_rank_ >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << banks_per_rank_) - 1;
}

RefreshManager::RefreshManager(const DramConfig& cfg, const TimingChecker& checker)
    : mode_(cfg.controller.refresh),
      interval_(mode_ == RefreshMode::PerBank ? cfg.timing.tREFIpb : cfg.timing.tREFI),
      banks_per_rank_(checker.banks_per_rank()),
      rank_shift_(static_cast<std::uint32_t>(__builtin_ctz(checker.banks_per_rank()))),
      ranks_(cfg.org.ranks) {
  if (mode_ == RefreshMode::None) return;
  for (std::uint32_t r = 0; r < ranks_.size(); ++r) {
    // Ranks staggered evenly so they do not refresh together: (r + 1) x interval / ranks.
    ranks_[r].due = (std::uint64_t{r} + 1) * interval_ / ranks_.size();
  }
  update_min_due();
}

void RefreshManager::update_min_due() {
  min_due_ = kNever;
  min_block_ = kNever;
  unchosen_due_ = kNever;
  for (const Rank& r : ranks_) {
    min_due_ = r.due < min_due_ ? r.due : min_due_;
    const bool chosen = r.next_bank != kUnchosen;
    const bool blocks = mode_ == RefreshMode::AllBank || chosen;
    if (blocks && r.due < min_block_) min_block_ = r.due;
    if (mode_ == RefreshMode::PerBank && !chosen && r.due < unchosen_due_) unchosen_due_ = r.due;
  }
}

RefreshManager::Candidate RefreshManager::candidate(const TimingChecker& checker,
                                                    std::uint64_t floor) const {
  Candidate best;
  if (mode_ == RefreshMode::None) return best;
  for (std::uint32_t r = 0; r < ranks_.size(); ++r) {
    if (mode_ == RefreshMode::PerBank && ranks_[r].next_bank == kUnchosen) continue;
    Candidate c;
    if (mode_ == RefreshMode::AllBank) {
      c.bank = r * banks_per_rank_;
      c.command = checker.rank_has_open_bank(r) ? Command::PREA : Command::REF;
    } else {
      c.bank = r * banks_per_rank_ + ranks_[r].next_bank;
      c.command = checker.is_open(c.bank) ? Command::PRE : Command::REFPB;
    }
    std::uint64_t t = checker.earliest(c.command, c.bank);
    if (t < ranks_[r].due) t = ranks_[r].due;
    if (t < floor) t = floor;
    c.cycle = t;
    if (c.cycle < best.cycle) best = c;
  }
  return best;
}

void RefreshManager::on_refresh(std::uint32_t bank) {
  Rank& r = ranks_[bank >> rank_shift_];
  r.due += interval_;
  if (mode_ == RefreshMode::PerBank) {
    r.done_in_round |= std::uint64_t{1} << r.next_bank;
    if (r.done_in_round == round_mask()) r.done_in_round = 0;
    r.next_bank = kUnchosen;
  }
  update_min_due();
}

void RefreshManager::choose_targets(std::uint64_t cycle, const RequestBuffer& reads,
                                    const RequestBuffer& writes, const TimingChecker& checker) {
  for (std::uint32_t ri = 0; ri < ranks_.size(); ++ri) {
    Rank& r = ranks_[ri];
    if (r.next_bank != kUnchosen || r.due > cycle) continue;
    // Lower score wins: idle and closed, idle and open, then busy with the youngest work.
    std::uint64_t best_score = kNever;
    for (std::uint32_t i = 0; i < banks_per_rank_; ++i) {
      if (r.done_in_round & (std::uint64_t{1} << i)) continue;
      const std::uint32_t b = ri * banks_per_rank_ + i;
      const RequestBuffer::BankQueue& qr = reads.bank(b);
      const RequestBuffer::BankQueue& qw = writes.bank(b);
      std::uint64_t score;
      if (qr.count + qw.count == 0) {
        score = checker.is_open(b) ? 1 : 0;
      } else {
        // The bank's oldest burst in either buffer; a younger one gives a smaller score.
        std::uint64_t oldest = kNever - 2;
        if (qr.count > 0) oldest = reads.entry(qr.head).seq;
        if (qw.count > 0 && writes.entry(qw.head).seq < oldest) oldest = writes.entry(qw.head).seq;
        score = kNever - 1 - oldest;
      }
      if (score < best_score) {
        best_score = score;
        r.next_bank = i;
      }
    }
  }
  update_min_due();
}

}  // namespace skv::dram
