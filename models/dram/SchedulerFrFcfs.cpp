#include "models/dram/SchedulerFrFcfs.h"

#include <array>

#include "models/dram/RefreshManager.h"
#include "models/dram/TimingChecker.h"

namespace skv::dram {

namespace {

// Bank b's candidate: its oldest hit's column command, else PRE (a conflict) or ACT for its
// oldest burst; with the bank's own constraint, which only commands to b change.
[[gnu::noinline]] void refresh_candidate(std::uint32_t b, const SchedulerInput& in,
                                         BankCandidate& c) {
  const RequestBuffer::BankQueue& q = in.buffer.bank(b);
  const std::uint32_t open = in.checker.open_row(b);
  TimingChecker::Class k;
  std::uint64_t row_command = 0;
  if (open != TimingChecker::kClosed && q.hits > 0) {
    c.entry = q.first_hit;
    const bool write = in.buffer.entry(c.entry).is_write;
    c.command = write ? Command::WR : Command::RD;
    k = write ? TimingChecker::kWr : TimingChecker::kRd;
  } else {
    c.entry = q.head;
    c.command = open != TimingChecker::kClosed ? Command::PRE : Command::ACT;
    k = open != TimingChecker::kClosed ? TimingChecker::kPre : TimingChecker::kAct;
    row_command = BankCandidate::kRowCommand;
  }
  c.priority = row_command | in.buffer.entry(c.entry).seq;
  c.bank_time = in.checker.bank_part(k, b);
  c.group_slot = static_cast<std::uint16_t>((b >> in.checker.group_shift()) * 4 + k);
  c.shared_slot = static_cast<std::uint8_t>((b >> in.checker.rank_shift()) * 4 + k);
  c.valid = true;
}

}  // namespace

// The winner among banks' candidates: earliest cycle first; on a tie the smaller priority
// (column commands first, then the oldest burst); a refresh falling due blocks its banks
// from the due cycle on. The scheduler's hot path (one call per command), so one plain
// loop over locals.
Decision SchedulerFrFcfs::pick(const SchedulerInput& in) const {
  // Per rank and class: the rank-wide constraint, raised to the floor (no command before it).
  std::uint64_t shared[16 * 4];  // ranks <= 16 (the loader's limit)
  const std::uint32_t ranks = in.checker.ranks();
  for (std::uint32_t r = 0; r < ranks; ++r) in.checker.rank_shared_all(r, in.floor, shared + r * 4);
  BankCandidate* const cache = in.cache;
  const std::uint64_t* const groups = in.checker.group_table();
  const std::uint64_t min_block = in.refresh.min_block();
  const std::uint64_t* const words = in.buffer.active_banks();
  const std::uint32_t nwords = in.buffer.active_bank_words();
  std::uint32_t best = 0;
  std::uint64_t best_t = kNever;
  std::uint64_t best_priority = 0;
  for (std::uint32_t w = 0; w < nwords; ++w) {
    for (std::uint64_t bits = words[w]; bits != 0; bits &= bits - 1) {
      const std::uint32_t b = w * 64 + static_cast<std::uint32_t>(__builtin_ctzll(bits));
      BankCandidate& c = cache[b];
      if (!c.valid) refresh_candidate(b, in, c);
      std::uint64_t t = c.bank_time;
      const std::uint64_t g = groups[c.group_slot];
      const std::uint64_t r = shared[c.shared_slot];
      t = g > t ? g : t;
      t = r > t ? r : t;
      if (t > best_t || (t == best_t && c.priority >= best_priority)) continue;
      if (t >= min_block && t >= in.refresh.blocked_from(b)) continue;
      best = b;
      best_t = t;
      best_priority = c.priority;
    }
  }
  if (best_t == kNever) return Decision{};
  const BankCandidate& winner = cache[best];
  return Decision{best_t, best, winner.entry, winner.command};
}

Decision SchedulerFrFcfs::repick_after_admit(const Decision& previous, std::uint32_t bank,
                                             const SchedulerInput& in) const {
  // Only the admitting bank's candidate can have changed, and the channel keeps it valid
  // when it did not (a younger burst behind the bank's oldest hit or oldest burst): then
  // the standing decision stands. If the winner's own candidate changed, pick afresh;
  // otherwise the winner's cached candidate still holds (no command since) for a tie.
  if (previous.cycle == kNever) return pick(in);
  BankCandidate& c = in.cache[bank];
  if (c.valid) return previous;
  if (previous.bank == bank) return pick(in);
  refresh_candidate(bank, in, c);
  const auto k = static_cast<TimingChecker::Class>(c.shared_slot % 4);
  std::uint64_t t = c.bank_time;
  const std::uint64_t g = in.checker.group_table()[c.group_slot];
  const std::uint64_t r = in.checker.rank_shared(in.checker.rank_of(bank), k);
  t = g > t ? g : t;
  t = r > t ? r : t;
  t = in.floor > t ? in.floor : t;
  if (t > previous.cycle) return previous;
  if (t == previous.cycle && c.priority >= in.cache[previous.bank].priority) return previous;
  if (t >= in.refresh.min_block() && t >= in.refresh.blocked_from(bank)) return previous;
  return Decision{t, bank, c.entry, c.command};
}

}  // namespace skv::dram
