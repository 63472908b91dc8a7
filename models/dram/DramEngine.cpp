#include "models/dram/DramEngine.h"

#include <algorithm>
#include <stdexcept>

namespace skv::dram {

DramEngine::DramEngine(const DramConfig& cfg)
    : cfg_(cfg),
      bus_free_(cfg.org.channels, 0),
      banks_(std::size_t{cfg.org.channels} * cfg.org.banks()) {}

bool DramEngine::can_accept() const {
  return pending_.size() < std::size_t{cfg_.queue_depth} * cfg_.org.channels;
}

std::uint64_t DramEngine::schedule_burst(std::uint64_t addr, bool is_write,
                                         std::uint64_t arrival) {
  const auto& org = cfg_.org;
  const auto& t = cfg_.timing;
  // Address map (low to high): byte offset in an interleave unit, channel, rest.
  const std::uint64_t unit = addr / cfg_.interleave_bytes;
  const std::uint32_t channel = static_cast<std::uint32_t>(unit % org.channels);
  const std::uint64_t local = (unit / org.channels) * cfg_.interleave_bytes +
                              addr % cfg_.interleave_bytes;
  const std::uint64_t row_linear = local / org.row_bytes();
  const std::uint32_t bank = static_cast<std::uint32_t>(row_linear % org.banks());
  const std::uint64_t row = row_linear / org.banks();

  BankState& b = banks_[std::size_t{channel} * org.banks() + bank];
  std::uint64_t cmd = std::max(arrival, b.ready_cycle);
  if (b.open_row != row) {
    if (b.open_row == kNoRow) {
      ++stats_.row_misses;
    } else {
      ++stats_.row_conflicts;
      cmd += t.tRP;
    }
    cmd += is_write ? t.tRCDW : t.tRCD;
    b.open_row = row;
  } else {
    ++stats_.row_hits;
  }
  const std::uint64_t data_start =
      std::max<std::uint64_t>(cmd + (is_write ? t.WL : t.RL), bus_free_[channel]);
  const std::uint64_t data_end = data_start + cfg_.burst_cycles();
  bus_free_[channel] = data_end;
  b.ready_cycle = data_start - (is_write ? t.WL : t.RL);
  if (cfg_.page_policy == PagePolicy::Closed) {
    b.open_row = kNoRow;
    b.ready_cycle = data_end + t.tRP;
  }
  stats_.data_bus_busy_cycles += cfg_.burst_cycles();
  ++stats_.bursts;
  return data_end;
}

void DramEngine::enqueue(const Request& req, std::uint64_t now) {
  if (!can_accept()) throw std::logic_error("DramEngine::enqueue: queue full");
  run_until(now);
  const std::uint32_t bb = cfg_.org.burst_bytes();
  std::uint64_t done = now;
  const std::uint64_t first = req.addr / bb;
  const std::uint64_t last = (req.addr + std::max<std::uint32_t>(req.bytes, 1) - 1) / bb;
  for (std::uint64_t burst = first; burst <= last; ++burst) {
    done = std::max(done, schedule_burst(burst * bb, req.is_write, now));
  }
  ++stats_.requests;
  if (req.is_write) {
    stats_.bytes_written += req.bytes;
  } else {
    stats_.bytes_read += req.bytes;
    ++stats_.reads;
    stats_.read_latency_sum_cycles += done - now;
  }
  auto pos = std::upper_bound(pending_.begin(), pending_.end(), done,
                              [](std::uint64_t c, const Pending& p) { return c < p.done_cycle; });
  pending_.insert(pos, Pending{req.id, done});
}

void DramEngine::run_until(std::uint64_t cycle) {
  if (cycle <= now_) return;
  while (!pending_.empty() && pending_.front().done_cycle <= cycle) {
    completed_.push_back(Completion{pending_.front().id, pending_.front().done_cycle});
    pending_.pop_front();
  }
  now_ = cycle;
}

std::uint64_t DramEngine::next_event_cycle() const {
  return pending_.empty() ? kNever : pending_.front().done_cycle;
}

std::vector<Completion> DramEngine::take_completions() {
  std::vector<Completion> out;
  out.swap(completed_);
  return out;
}

}  // namespace skv::dram
