#include "models/dram/ChannelController.h"

#include <stdexcept>
#include <utility>

namespace skv::dram {

ChannelController::ChannelController(const DramConfig& cfg, const Scheduler& scheduler,
                                     std::uint32_t index)
    : scheduler_(&scheduler),
      split_(cfg.controller.write_policy == WritePolicy::Drain),
      buffer_of_{0, static_cast<std::uint8_t>(split_ ? 1 : 0)},
      page_(cfg.controller.page_policy),
      candidates_(cfg.org.banks()),
      buffers_{{RequestBuffer(cfg.controller.queue_depth, cfg.org.banks()),
                RequestBuffer(split_ ? cfg.controller.write_queue_depth : 1, cfg.org.banks())}},
      checker_(cfg),
      refresh_(cfg, checker_),
      high_watermark_(cfg.controller.write_high_watermark),
      low_watermark_(cfg.controller.write_low_watermark),
      index_(index) {}

bool ChannelController::wanted_write_mode() const {
  const bool before = event_cycle() == mode_cycle_ ? mode_before_ : write_mode_;
  const std::uint32_t reads = this->reads().size();
  const std::uint32_t writes = this->writes().size();
  if (!before) return writes >= high_watermark_ || (reads == 0 && writes > 0);
  return !(writes == 0 || (reads > 0 && writes <= low_watermark_));
}

bool ChannelController::settle_write_mode() {
  if (event_cycle() != mode_cycle_) {  // a later cycle: the mode of the last one is settled
    if (write_mode_ && !mode_before_) ++stats_.write_drains;
    mode_before_ = write_mode_;
    mode_cycle_ = event_cycle();
  }
  if (wanted_write_mode() == write_mode_) {
    drain_live_ = write_mode_ || mode_before_ || !writes().empty();
    return false;
  }
  write_mode_ = !write_mode_;
  std::swap(buffers_[0], buffers_[1]);
  std::swap(buffer_of_[0], buffer_of_[1]);
  for (BankCandidate& c : candidates_) c.valid = false;  // they were the other buffer's
  return true;
}

void ChannelController::invalidate_rank(std::uint32_t rank) {
  const std::uint32_t first = rank * checker_.banks_per_rank();
  for (std::uint32_t i = first; i < first + checker_.banks_per_rank(); ++i) invalidate_bank(i);
}

void ChannelController::decide() {
  if (update_write_mode()) admitted_bank_ = -1;
  if (admitted_bank_ >= 0) {
    request_decision_ = scheduler_->repick_after_admit(
        request_decision_, static_cast<std::uint32_t>(admitted_bank_), scheduler_input());
  } else {
    request_decision_ = scheduler_->pick(scheduler_input());
  }
  admitted_bank_ = -1;
  decision_ = request_decision_;
  // A refresh cannot go before it is due, so it only needs looking at when one falls due by
  // the scheduler's command (the usual case is that none does).
  if (refresh_.earliest_due() <= request_decision_.cycle) decide_refresh();
  decided_ = true;
}

void ChannelController::decide_refresh() {
  if (refresh_.needs_target(request_decision_.cycle)) {
    // A per-bank refresh falls due before that command: its bank is chosen from the state
    // on the due cycle (this one: nothing happens in between), then blocks that bank.
    refresh_.choose_targets(request_decision_.cycle, reads(), writes(), checker_);
    request_decision_ = scheduler_->pick(scheduler_input());
    decision_ = request_decision_;
  }
  const std::uint64_t due = refresh_.earliest_due();
  if (due != kNever && due <= decision_.cycle) {
    const RefreshManager::Candidate r = refresh_.candidate(checker_, floor_);
    if (r.cycle <= decision_.cycle) {
      decision_ = Decision{r.cycle, r.bank, RequestBuffer::kNone, r.command};
    }
  }
}

std::uint64_t ChannelController::occupancy_until(std::uint64_t cycle) const {
  const std::uint64_t t =
      cycle > stats_.queue_last_event_cycle ? cycle : stats_.queue_last_event_cycle;
  return stats_.queue_left_cycles[0] + stats_.queue_left_cycles[1] -
         stats_.queue_entered_cycles[0] - stats_.queue_entered_cycles[1] + t * queued();
}

std::uint64_t ChannelController::write_occupancy_until(std::uint64_t cycle) const {
  const std::uint64_t t =
      cycle > stats_.queue_last_event_cycle ? cycle : stats_.queue_last_event_cycle;
  return stats_.queue_left_cycles[1] - stats_.queue_entered_cycles[1] + t * writes_queued();
}

void ChannelController::admit(std::uint64_t seq, std::uint32_t request, const DramAddress& a,
                              bool is_write, std::uint64_t cycle) {
  if (cycle < floor_) throw std::logic_error("ChannelController: admission in the past");
  stats_.queue_entered_cycles[is_write] += cycle;
  stats_.queue_last_event_cycle = cycle;
  QueuedBurst q;
  q.seq = seq;
  q.request = request;
  q.row = a.row;
  q.column = a.column;
  q.bank = static_cast<std::uint16_t>(checker_.bank_index(a.rank, a.bank_group, a.bank));
  q.is_write = is_write;
  // The bank's scheduler candidate (its oldest hit, else its oldest burst) changes only if
  // the new burst is its first burst or its first hit in the buffer served; a younger one,
  // or one joining the other buffer, leaves it as it was.
  const std::uint32_t target = buffer_of_[is_write];
  const bool leads = buffers_[target].push(q, checker_.open_row(q.bank));
  const bool changed = leads & (target == 0);  // both data-dependent: no branch
  if (changed) invalidate_bank(q.bank);
  if (is_write) {
    drain_live_ |= split_;
    if (writes_queued() > stats_.write_queue_occupancy_max_bursts) {
      stats_.write_queue_occupancy_max_bursts = writes_queued();
    }
  }
  const std::uint32_t total = queued();
  if (total > stats_.queue_occupancy_max_bursts) stats_.queue_occupancy_max_bursts = total;
  floor_ = cycle;
  // With no write queued and no drain under way the mode stays as it is.
  if (!mode_quiet() && wanted_write_mode() != write_mode_) {
    // The mode changes: decide() switches it and picks afresh from the other buffer.
    admitted_bank_ = -1;
    decided_ = false;
    return;
  }
  // A standing decision (no earlier than `cycle`: every command before it was issued) holds
  // when no candidate changed: the scheduler would pick it again, and the refresh manager,
  // which gave way to it or won at a cycle no earlier than `cycle`, would decide as before.
  if (decided_ && !changed && decision_.cycle >= cycle) return;
  // One admission after a fresh pick can be folded into it; anything more is redone.
  admitted_bank_ = decided_ && changed ? static_cast<std::int32_t>(q.bank) : -1;
  decided_ = false;
}

CommandRecord ChannelController::record(const StepResult& r) const {
  CommandRecord rec;
  rec.cycle = r.cycle;
  rec.command = r.command;
  rec.channel = index_;
  rec.rank = checker_.rank_of(r.bank);
  rec.bank_group = checker_.group_in_rank(r.bank);
  rec.bank = checker_.bank_in_group(r.bank);
  rec.row = r.row;
  rec.column = r.column;
  return rec;
}

StepResult ChannelController::step() {
  if (!decided_) decide();
  const Decision d = decision_;
  if (d.cycle == kNever) throw std::logic_error("ChannelController: step with nothing to do");
  decided_ = false;
  admitted_bank_ = -1;
  StepResult r;
  const std::uint32_t b = d.bank;
  r.cycle = d.cycle;
  r.command = d.command;
  r.bank = b;

  if (d.entry == RequestBuffer::kNone) {  // refresh manager's command
    checker_.issue(d.command, b, 0, d.cycle);
    if (d.command == Command::PREA || d.command == Command::REF) {
      invalidate_rank(checker_.rank_of(b));
    } else {
      invalidate_bank(b);
    }
    if (d.command == Command::PREA) {
      const std::uint32_t first = checker_.rank_of(b) * checker_.banks_per_rank();
      for (std::uint32_t i = first; i < first + checker_.banks_per_rank(); ++i) {
        set_open_row(i, TimingChecker::kClosed);
      }
    } else if (d.command == Command::PRE) {
      set_open_row(b, TimingChecker::kClosed);
    } else {
      refresh_.on_refresh(b);
    }
    ++stats_.commands[static_cast<std::size_t>(d.command)];
    return r;
  }

  RequestBuffer& buffer = served();
  QueuedBurst& e = buffer.entry(d.entry);
  r.row = e.row;
  switch (d.command) {
    case Command::ACT:
      invalidate_bank(b);
      if (e.outcome == kUnserved) e.outcome = kRowMiss;
      checker_.issue(Command::ACT, b, e.row, d.cycle);
      set_open_row(b, e.row);
      break;
    case Command::PRE:
      invalidate_bank(b);
      if (e.outcome == kUnserved) e.outcome = kRowConflict;
      checker_.issue(Command::PRE, b, 0, d.cycle);
      set_open_row(b, TimingChecker::kClosed);
      break;
    default: {  // RD or WR, possibly with auto-precharge
      const bool write = e.is_write;
      // The page policy counts the bank's bursts in both buffers (the other one is empty
      // when shared).
      bool ap = false;
      if (page_.policy() != PagePolicy::Open) {  // open page never auto-precharges
        const RequestBuffer::BankQueue& q = buffer.bank(b);
        const RequestBuffer::BankQueue& o = buffers_[1].bank(b);
        const std::uint32_t hits_left = q.hits + o.hits - 1u;
        const std::uint32_t others_left = q.count - q.hits + o.count - o.hits;
        ap = page_.auto_precharge(hits_left, others_left);
      }
      r.command = write ? (ap ? Command::WRA : Command::WR) : (ap ? Command::RDA : Command::RD);
      r.column = e.column;
      // A burst in the other direction from the channel's previous one turns the bus around.
      if (write) {
        stats_.read_to_write_turnarounds += checker_.last_burst_read();
      } else {
        stats_.write_to_read_turnarounds += checker_.last_burst_write();
      }
      r.data_end = checker_.issue_column(write, ap, b, d.cycle);
      r.burst = true;
      r.request = e.request;
      // A burst whose first command is its column command found its row open.
      ++stats_.row_outcomes[e.outcome == kUnserved ? std::uint8_t{kRowHit} : e.outcome];
      stats_.queue_left_cycles[write] += d.cycle;
      stats_.queue_last_event_cycle = d.cycle;
      const std::uint32_t row = e.row;
      buffer.remove(d.entry, row);
      if (ap) {
        set_open_row(b, TimingChecker::kClosed);
        invalidate_bank(b);
      } else if (!candidates_[b].follow_column(b, d.entry, buffer)) {
        invalidate_bank(b);
      }
      break;
    }
  }
  ++stats_.commands[static_cast<std::size_t>(r.command)];
  return r;
}

}  // namespace skv::dram
