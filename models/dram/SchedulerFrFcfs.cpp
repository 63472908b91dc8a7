#include "models/dram/SchedulerFrFcfs.h"

#include <array>

#include "models/dram/RefreshManager.h"
#include "models/dram/TimingChecker.h"

namespace skv::dram {

namespace {

// Bank b's candidate: its oldest hit's column command, else PRE (a conflict) or ACT for its
// oldest burst; with the bank's own constraint, which only commands to b change.
void refresh_candidate(std::uint32_t b, const SchedulerInput& in, BankCandidate& c) {
  const RequestBuffer::BankQueue& q = in.buffer.bank(b);
  const std::uint32_t open = in.checker.open_row(b);
  c.column = open != TimingChecker::kClosed && q.hits > 0;
  if (c.column) {
    c.entry = q.first_hit;
    const bool write = in.buffer.entry(c.entry).is_write;
    c.command = write ? Command::WR : Command::RD;
    c.klass = write ? TimingChecker::kWr : TimingChecker::kRd;
  } else {
    c.entry = q.head;
    c.command = open != TimingChecker::kClosed ? Command::PRE : Command::ACT;
    c.klass = open != TimingChecker::kClosed ? TimingChecker::kPre : TimingChecker::kAct;
  }
  c.seq = in.buffer.entry(c.entry).seq;
  c.bank_time = in.checker.bank_part(static_cast<TimingChecker::Class>(c.klass), b);
  c.valid = true;
}

// Rank-wide constraints per command class, computed once per pick.
struct Shared {
  std::array<std::uint64_t, 4> by_class;
};

struct Best {
  Decision d;
  bool column = false;
  std::uint64_t seq = 0;

  // Earliest cycle first; on a tie column commands (first ready), then the oldest burst.
  bool beaten_by(std::uint64_t t, bool col, std::uint64_t s) const {
    if (t != d.cycle) return t < d.cycle;
    if (col != column) return col;
    return s < seq;
  }
};

// Considers bank b's candidate against `best`.
inline void consider(std::uint32_t b, const SchedulerInput& in, const Shared* shared,
                     std::uint64_t min_block, Best& best) {
  BankCandidate& c = in.cache[b];
  if (!c.valid) refresh_candidate(b, in, c);
  const auto k = static_cast<TimingChecker::Class>(c.klass);
  std::uint64_t t = c.bank_time;
  const std::uint64_t g = in.checker.group_part(k, b);
  const std::uint64_t r = shared[in.checker.rank_of(b)].by_class[k];
  if (g > t) t = g;
  if (r > t) t = r;
  if (t < in.floor) t = in.floor;
  if (!best.beaten_by(t, c.column, c.seq)) return;
  // A refresh falling due blocks its banks from the due cycle on.
  if (t >= min_block && t >= in.refresh.blocked_from(b)) return;
  best.d = Decision{c.command, t, b, c.entry};
  best.column = c.column;
  best.seq = c.seq;
}

void shared_times(const SchedulerInput& in, Shared* out) {
  const std::uint32_t ranks = in.checker.ranks();
  for (std::uint32_t r = 0; r < ranks; ++r) in.checker.rank_shared_all(r, out[r].by_class.data());
}

}  // namespace

Decision SchedulerFrFcfs::pick(const SchedulerInput& in) const {
  std::array<Shared, 16> shared;  // ranks <= 16 (the loader's limit)
  shared_times(in, shared.data());
  const std::uint64_t min_block = in.refresh.min_block();
  Best best;
  in.buffer.for_each_active_bank(
      [&](std::uint32_t b) { consider(b, in, shared.data(), min_block, best); });
  return best.d;
}

Decision SchedulerFrFcfs::repick_after_admit(const Decision& previous, std::uint32_t bank,
                                             const SchedulerInput& in) const {
  // Only the admitting bank's candidate can have changed, unless it was the winner.
  if (previous.cycle == kNever || previous.bank == bank) return pick(in);
  // Only the admitting bank's rank matters here.
  std::array<Shared, 16> shared;
  in.checker.rank_shared_all(in.checker.rank_of(bank),
                             shared[in.checker.rank_of(bank)].by_class.data());
  Best best;
  best.d = previous;
  best.column = is_column(previous.command);
  best.seq = in.buffer.entry(previous.entry).seq;
  consider(bank, in, shared.data(), in.refresh.min_block(), best);
  return best.d;
}

}  // namespace skv::dram
