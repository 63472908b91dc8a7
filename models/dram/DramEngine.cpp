#include "models/dram/DramEngine.h"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace skv::dram {

namespace {

const DramConfig& checked(const DramConfig& cfg) {
  const std::vector<ConfigProblem> problems = check_dram_config(cfg);
  if (!problems.empty()) {
    const ConfigProblem& p = problems.front();
    throw std::invalid_argument(fmt::format("DRAM config '{}': {}{}{}: {}", cfg.name, p.section,
                                            p.section.empty() ? "" : ".", p.key, p.reason));
  }
  return cfg;
}

}  // namespace

DramEngine::DramEngine(const DramConfig& cfg)
    : cfg_(checked(cfg)),
      mapper_(cfg_),
      scheduler_(make_scheduler(cfg_.controller.scheduler)),
      min_completion_latency_(cfg_.burst_cycles() + std::min(cfg_.timing.RL, cfg_.timing.WL)) {
  channels_.reserve(cfg_.org.channels);
  for (std::uint32_t c = 0; c < cfg_.org.channels; ++c) {
    channels_.emplace_back(cfg_, *scheduler_, c);
  }
}

// Inlined into the loops that step channels (one call per command).
[[gnu::always_inline]] inline void DramEngine::on_step(const ChannelController& ch,
                                                       const StepResult& r) {
  if (observer_) observer_(ch.record(r));
  if (!r.burst) return;
  Slot& s = slots_[r.request];
  if (r.data_end > s.done) s.done = r.data_end;
  if (--s.remaining == 0) {
    done_.push(s.done, s.seq, r.request);
    if (s.done > last_done_cycle_) last_done_cycle_ = s.done;
  }
}

void DramEngine::enqueue(const Request& req, std::uint64_t now) {
  if (now < now_) throw std::logic_error("DramEngine::enqueue: cycle earlier than now()");
  if (accept_cycle_ > now) throw std::logic_error("DramEngine::enqueue: front end is busy");
  now_ = now;
  ++epoch_;

  std::uint32_t slot;
  if (free_slots_.empty()) {
    if (slots_.size() >= (std::size_t{1} << kSlotBits)) {
      throw std::logic_error("DramEngine: over 4M requests outstanding (take completions)");
    }
    slot = static_cast<std::uint32_t>(slots_.size());
    slots_.emplace_back();
  } else {
    slot = free_slots_.back();
    free_slots_.pop_back();
  }
  const std::uint32_t shift = mapper_.burst_shift();  // bursts are a power of two bytes
  const std::uint64_t first = req.addr >> shift;
  const std::uint64_t last = (req.addr + std::max<std::uint32_t>(req.bytes, 1) - 1) >> shift;
  Slot& s = slots_[slot];
  s = Slot{req.id,    now,         request_seq_++, 0, static_cast<std::uint32_t>(last - first + 1),
           req.bytes, req.is_write};
  ++request_stats_.requests;
  if (!arrival_seen_) {
    request_stats_.first_arrival_cycle = now;
    arrival_seen_ = true;
  }
  ++outstanding_;

  // A burst reaches its channel's queue, where the scheduler can act on it, the front end's
  // latency after its arrival; bursts are admitted in order, never earlier than the last.
  // The front end takes the next request that latency before its last burst's admission
  // (every admission is shifted alike, so nothing a later request brings can act earlier).
  const std::uint64_t latency = cfg_.controller.frontend_latency_cycles;
  std::uint64_t admit = now + latency;
  for (std::uint64_t burst = first; burst <= last; ++burst) {
    const DramAddress a = mapper_.decode(burst << shift);
    ChannelController& ch = channels_[a.channel];
    auto handle = [this, &ch](const StepResult& r) { on_step(ch, r); };
    ch.advance_to(admit, handle);
    if (ch.full(req.is_write)) {
      do {
        // The burst waits until a column command frees a slot; room exists from the next
        // cycle.
        const StepResult r = ch.step();
        if (r.burst && r.cycle + 1 > admit) admit = r.cycle + 1;
        on_step(ch, r);
      } while (ch.full(req.is_write));
      ch.advance_to(admit, handle);
    }
    ch.admit(burst_seq_++, slot, a, req.is_write, admit);
  }
  accept_cycle_ = admit - latency;
  request_stats_.frontend_blocked_cycles += accept_cycle_ - now;
}

void DramEngine::sync_channels() {
  for (ChannelController& ch : channels_) {
    ch.advance_to(now_, [this, &ch](const StepResult& r) { on_step(ch, r); });
  }
}

void DramEngine::pop_completions() {
  if (done_.empty() || done_.front_cycle() > now_) return;
  done_.pop_until(now_, [this](std::uint32_t slot) {
    const Slot& d = slots_[slot];
    free_slots_.push_back(slot);
    completed_.push_back(Completion{d.id, d.done});
    DramStats& st = request_stats_;
    ++st.requests_completed;
    const std::uint64_t latency = d.done - d.arrival;
    if (d.is_write) {
      ++st.writes;
      st.bytes_written += d.bytes;
      st.write_latency_cycles.add(latency);
    } else {
      ++st.reads;
      st.bytes_read += d.bytes;
      st.read_latency_cycles.add(latency);
      st.read_latency_sum_cycles += latency;
    }
    if (d.done > st.last_completion_cycle) st.last_completion_cycle = d.done;
  });
  ++epoch_;
}

void DramEngine::run_until(std::uint64_t cycle) {
  if (cycle > now_) now_ = cycle;
  sync_channels();
  pop_completions();
}

std::uint64_t DramEngine::drain() {
  for (ChannelController& ch : channels_) {
    while (ch.queued() > 0) on_step(ch, ch.step());
  }
  run_until(std::max({now_, last_done_cycle_, accept_cycle_}));
  return now_;
}

void DramEngine::take_completions(std::vector<Completion>& out) {
  run_until(now_);
  out.insert(out.end(), completed_.begin(), completed_.end());
  outstanding_ -= completed_.size();
  completed_.clear();
  ++epoch_;
}

std::vector<Completion> DramEngine::take_completions() {
  std::vector<Completion> out;
  take_completions(out);
  return out;
}

std::uint64_t DramEngine::next_event_cycle() {
  if (!completed_.empty()) return now_;
  if (cached_epoch_ == epoch_ && cached_event_ > now_) return cached_event_;
  sync_channels();  // channels a lazy enqueue left behind: their commands before now are fixed
  std::uint64_t e = accept_cycle_ > now_ ? accept_cycle_ : kNever;
  const std::uint64_t fixed = done_.front_cycle();  // the earliest completion already fixed
  if (fixed < e) e = fixed;
  // A request with a burst still queued completes no earlier than its channel's next command
  // plus the shortest column latency: later commands only come later, and an admission can
  // only delay the bursts already queued (timing constraints never relax).
  for (ChannelController& ch : channels_) {
    if (ch.queued() == 0) continue;
    const std::uint64_t t = ch.next_command_cycle() + min_completion_latency_;
    if (t < e) e = t;
  }
  if (e < now_) e = now_;  // something is already due: collect it now
  cached_epoch_ = epoch_;
  cached_event_ = e;
  return e;
}

void DramEngine::open_scope() {
  run_until(now_);
  SavedScope saved;
  saved.arrival_seen = arrival_seen_;
  saved.channel_maxima.reserve(channels_.size());
  for (ChannelController& ch : channels_) saved.channel_maxima.push_back(ch.restart_queue_maxima());
  saved_scopes_.push_back(std::move(saved));
  scopes_.open(request_stats_);
  arrival_seen_ = false;
}

DramStats DramEngine::close_scope() {
  if (saved_scopes_.empty())
    throw std::logic_error("DramEngine: close_scope() without open_scope()");
  run_until(now_);
  DramStats segment = scopes_.close(request_stats_);
  segment.elapsed_cycles = now_;
  const SavedScope& saved = saved_scopes_.back();
  for (std::size_t c = 0; c < channels_.size(); ++c) {
    const ChannelStats& st = channels_[c].stats();
    segment.queue_occupancy_max_bursts =
        std::max<std::uint64_t>(segment.queue_occupancy_max_bursts, st.queue_occupancy_max_bursts);
    segment.write_queue_occupancy_max_bursts = std::max<std::uint64_t>(
        segment.write_queue_occupancy_max_bursts, st.write_queue_occupancy_max_bursts);
    channels_[c].restore_queue_maxima(saved.channel_maxima[c]);
  }
  arrival_seen_ = arrival_seen_ || saved.arrival_seen;
  saved_scopes_.pop_back();
  return segment;
}

const DramStats& DramEngine::stats() const {
  DramStats& v = stats_view_;
  v = request_stats_;
  scopes_.merge_saved_into(v);  // the segments enclosing any open scope
  v.elapsed_cycles = now_;
  for (const ChannelController& ch : channels_) {
    const ChannelStats& c = ch.stats();
    for (std::size_t i = 0; i < kCommandCount; ++i) v.*DramStats::kCommandCounters[i] += c.commands[i];
    v.row_hits += c.row_outcomes[kRowHit];
    v.row_misses += c.row_outcomes[kRowMiss];
    v.row_conflicts += c.row_outcomes[kRowConflict];
    v.queue_occupancy_burst_cycles += ch.occupancy_until(now_);
    v.queue_occupancy_max_bursts =
        std::max<std::uint64_t>(v.queue_occupancy_max_bursts, c.queue_occupancy_max_bursts);
    v.write_queue_occupancy_burst_cycles += ch.write_occupancy_until(now_);
    v.write_queue_occupancy_max_bursts =
        std::max<std::uint64_t>(v.write_queue_occupancy_max_bursts, c.write_queue_occupancy_max_bursts);
    v.read_to_write_turnarounds += c.read_to_write_turnarounds;
    v.write_to_read_turnarounds += c.write_to_read_turnarounds;
    v.write_drains += ch.write_drains();
    v.active_standby_rank_cycles += ch.checker().active_rank_cycles_until(now_);
  }
  for (const SavedScope& saved : saved_scopes_) {  // maxima of segments enclosing a scope
    for (const auto& m : saved.channel_maxima) {
      v.queue_occupancy_max_bursts = std::max<std::uint64_t>(v.queue_occupancy_max_bursts, m[0]);
      v.write_queue_occupancy_max_bursts =
          std::max<std::uint64_t>(v.write_queue_occupancy_max_bursts, m[1]);
    }
  }
  // Power-down is not modelled: a rank not in active standby is in precharged standby.
  v.precharged_standby_rank_cycles =
      now_ * cfg_.org.ranks * channels_.size() - v.active_standby_rank_cycles;
  v.bursts = v.rd_commands + v.rda_commands + v.wr_commands + v.wra_commands;
  v.data_bus_busy_cycles = v.bursts * cfg_.burst_cycles();
  v.refreshes = v.ref_commands + v.refpb_commands;
  return v;
}

}  // namespace skv::dram
