#include "models/kv_sram/KvCacheSram.h"

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

#include "models/tlm/HideableBound.h"
#include "models/tlm/Ops.h"

namespace skv {

KvCacheSram::KvCacheSram(sc_core::sc_module_name name, const config::KvSramConfig& cfg,
                         const config::MemorySystemConfig& mem, const tlmx::ClockDomain& clock)
    : sc_module(name),
      target("target"),
      fill("fill", mem.request_bytes),
      writeback("writeback", mem.request_bytes),
      cfg_(cfg),
      mem_(mem),
      clock_(clock),
      // The staging space (the whole SRAM without the split keys); the reader's one-tile
      // hint keeps at most two tiles in it (double buffering). The run checks before
      // simulating that one tile of the widest pass fits (sim/DesignChecks).
      prefetcher_(fill, mem.request_bytes,
                  std::max<std::uint64_t>(1, cfg.staging_bytes() / mem.request_bytes)) {
  target.register_b_transport(this, &KvCacheSram::b_transport);
  if (cfg.prefetch_kib != 0) {
    ahead_port_ = std::make_unique<tlmx::MemoryPort>("prefetch", mem.request_bytes);
    ahead_ = std::make_unique<tlmx::Prefetcher>(
        *ahead_port_, mem.request_bytes,
        std::max<std::uint64_t>(1, cfg.prefetch_bytes() / mem.request_bytes));
    prefetch_stats_.buffer_bytes = cfg.prefetch_bytes();
  }
}

std::string KvCacheSram::activity() const {
  std::string s = "kv_sram " + prefetcher_.describe();
  if (ahead_ != nullptr) {
    s += "; its prefetch space holds " + std::to_string(prefetched_.size()) +
         " ranges fetched ahead and " + ahead_->describe();
  }
  return s;
}

std::deque<KvCacheSram::Staged>::iterator KvCacheSram::find_prefetched(std::uint64_t addr,
                                                                       std::uint64_t bytes) {
  return std::find_if(prefetched_.begin(), prefetched_.end(),
                      [&](const Staged& s) { return s.addr == addr && s.bytes == bytes; });
}

void KvCacheSram::note_fetch(std::uint64_t addr, std::uint64_t bytes) {
  if (wasted_.empty()) return;
  const auto it = wasted_.find({addr, bytes});
  if (it == wasted_.end()) return;
  prefetch_stats_.refetched_bytes += bytes;
  wasted_.erase(it);
}

KvCacheSram::PrefetchStats KvCacheSram::prefetch_stats() const {
  PrefetchStats s = prefetch_stats_;
  if (ahead_ != nullptr) {
    // request x ps to byte x cycles (rounded down; every change of the held slots falls on
    // a clock edge, so exact at a cut on one).
    s.buffer_occupancy_byte_cycles =
        ahead_->held_request_ps() * mem_.request_bytes / clock_.period_ps();
  }
  return s;
}

void KvCacheSram::first_read_of(std::uint64_t number) {
  while (!ahead_streams_.empty() && ahead_streams_.front().number < number) {
    ahead_streams_.pop_front();
  }
  if (ahead_streams_.empty() || ahead_streams_.front().number != number) return;  // counted
  const AheadStream s = ahead_streams_.front();
  ahead_streams_.pop_front();
  const tlmx::HideableBound bound =
      tlmx::hideable_bound(s.bytes, clock_.now_cycle() - s.start_cycle, dram_peak_bytes_per_cycle_);
  prefetch_stats_.hideable_bytes += bound.bytes;
  prefetch_stats_.hideable_cycles += bound.cycles;
}

void KvCacheSram::prefetch(const std::vector<tlmx::AddrRange>& ranges, tlmx::OpKind owner) {
  if (ahead_ == nullptr) throw std::logic_error("KvCacheSram: a prefetch without prefetch space");
  const std::uint64_t slots =
      std::max<std::uint64_t>(1, cfg_.prefetch_bytes() / mem_.request_bytes);
  const std::uint64_t number = ++prefetch_stats_.streams;
  AheadStream stream{number, clock_.now_cycle(), 0};
  const std::size_t first = prefetched_.size();
  for (const auto& r : ranges) {
    // Within the space's limit: the ranges that do not fit are left to the staging space.
    const std::uint64_t need = requests_of(r.bytes);
    if (ahead_held_ + need > slots) break;
    ahead_held_ += need;
    const std::uint64_t mark = ahead_->enqueue(r.addr, r.bytes, owner, /*ahead=*/true);
    prefetched_.push_back(Staged{r.addr, r.bytes, mark, number});
    stream.bytes += r.bytes;
    prefetch_stats_.prefetched_bytes += r.bytes;
    prefetch_stats_.buffer_peak_bytes =
        std::max(prefetch_stats_.buffer_peak_bytes, ahead_held_ * mem_.request_bytes);
    stats_.fill_bytes += r.bytes;
    stats_.fill_port_cycles += port_cycles(r.bytes);
    stats_.bank_writes += bank_words(r.bytes);
    note_fetch(r.addr, r.bytes);
  }
  if (stream.bytes != 0) ahead_streams_.push_back(stream);
  for (std::size_t i = first; i < prefetched_.size(); ++i) {
    prefetched_[i].stream_last = prefetched_.back().mark;
  }
}

void KvCacheSram::set_recorder(tlmx::ActivityRecorder* recorder) {
  recorder_ = recorder;
  fill.set_recorder(recorder, tlmx::MemoryRole::KvFill);
  writeback.set_recorder(recorder, tlmx::MemoryRole::KvWriteback);
  // Everything the prefetch space fetches is the K/V stream fetched ahead, the requests
  // sent after its attention started (promoted) included.
  if (ahead_port_) ahead_port_->set_recorder(recorder, tlmx::MemoryRole::KvAhead);
  prefetcher_.set_staging_recorder(recorder);
}

std::uint64_t KvCacheSram::first_request(std::uint64_t mark, std::uint64_t bytes) const {
  return mark + 1 - (bytes + mem_.request_bytes - 1) / mem_.request_bytes;
}

std::uint64_t KvCacheSram::port_cycles(std::uint64_t bytes) const {
  return (bytes + cfg_.bytes_per_cycle() - 1) / cfg_.bytes_per_cycle();
}

std::deque<KvCacheSram::Staged>::iterator KvCacheSram::find_staged(std::uint64_t addr,
                                                                   std::uint64_t bytes) {
  return std::find_if(staged_.begin(), staged_.end(),
                      [&](const Staged& s) { return s.addr == addr && s.bytes == bytes; });
}

std::uint64_t KvCacheSram::stage(std::uint64_t addr, std::uint64_t bytes, tlmx::OpKind owner) {
  // Staged K/V and spilled scores serve the operation that hinted them.
  const std::uint64_t mark = prefetcher_.enqueue(addr, bytes, owner);
  staged_.push_back(Staged{addr, bytes, mark});
  note_fetch(addr, bytes);
  stats_.fill_bytes += bytes;
  stats_.fill_port_cycles += port_cycles(bytes);  // the fill writes into the banks
  stats_.bank_writes += bank_words(bytes);
  return mark;
}

void KvCacheSram::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  const std::uint64_t addr = gp.get_address();
  const std::uint64_t bytes = gp.get_data_length();
  tlmx::TileHint* hint = nullptr;
  gp.get_extension(hint);
  tlmx::RequestOwner* who = nullptr;
  gp.get_extension(who);
  if (who == nullptr) throw std::logic_error("KvCacheSram: an access without its owner");
  tlmx::KvPrefetch* ahead = nullptr;
  gp.get_extension(ahead);
  if (ahead != nullptr) {
    prefetch(ahead->ranges, who->kind);  // takes no time: the DMA runs on its own
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
    return;
  }
  if (hint != nullptr) {
    // The fill requests of each tile staged here, for the recorder: [first, last].
    std::optional<std::pair<std::uint64_t, std::uint64_t>> this_tile, next_tile;
    auto note = [this](auto& tile, std::uint64_t mark, std::uint64_t range_bytes) {
      if (!tile) tile.emplace(first_request(mark, range_bytes), mark);
      tile->second = mark;
    };
    // Ranges already in the prefetch space are not staged again.
    for (const auto& r : hint->this_tile) {
      if (find_staged(r.addr, r.bytes) == staged_.end() &&
          (prefetched_.empty() || find_prefetched(r.addr, r.bytes) == prefetched_.end())) {
        note(this_tile, stage(r.addr, r.bytes, who->kind), r.bytes);
      }
    }
    // Queued behind this tile: fetched while this tile is consumed.
    for (const auto& r : hint->next_tile) {
      if (prefetched_.empty() || find_prefetched(r.addr, r.bytes) == prefetched_.end()) {
        note(next_tile, stage(r.addr, r.bytes, who->kind), r.bytes);
      }
    }
    if (recorder_ != nullptr) {
      const std::uint64_t now_ps = sc_core::sc_time_stamp().value();
      if (this_tile) recorder_->tile_staged(this_tile->first, this_tile->second, false, now_ps);
      if (next_tile) recorder_->tile_staged(next_tile->first, next_tile->second, false, now_ps);
    }
  }
  const std::uint64_t cycles = port_cycles(bytes);
  stats_.port_busy_cycles += cycles;
  tlmx::OnChipScratch* scratch = nullptr;
  gp.get_extension(scratch);
  (gp.is_write() ? stats_.bank_writes : stats_.bank_reads) += bank_words(bytes);
  if (scratch != nullptr) {
    stats_.scratch_bytes += bytes;
  } else if (gp.is_write()) {
    ++stats_.writes;
    stats_.write_bytes += bytes;
    for (std::uint64_t off = 0; off < bytes; off += mem_.request_bytes) {
      const auto n = static_cast<std::uint32_t>(std::min<std::uint64_t>(mem_.request_bytes, bytes - off));
      writeback.issue_posted(tlm::TLM_WRITE_COMMAND, addr + off, n, who->kind);
    }
  } else {
    ++stats_.reads;
    stats_.read_bytes += bytes;
    std::uint64_t mark;
    tlmx::Prefetcher* from = &prefetcher_;
    auto ahead_it = prefetched_.empty() ? prefetched_.end() : find_prefetched(addr, bytes);
    auto it = ahead_it == prefetched_.end() ? find_staged(addr, bytes) : staged_.end();
    if (ahead_it != prefetched_.end()) {
      // Fetched ahead: ranges prefetched before it and not read are dropped (wasted), and
      // its space and theirs go back once it has arrived.
      from = ahead_.get();
      mark = ahead_it->mark;
      first_read_of(ahead_it->stream);
      // Its attention has started (this read is its first of the stream's ranges, or a
      // later one): the whole stream is demand from now on.
      ahead_->promote_through(ahead_it->stream_last);
      for (auto w = prefetched_.begin(); w != ahead_it; ++w) {
        prefetch_stats_.wasted_bytes += w->bytes;
        ahead_held_ -= requests_of(w->bytes);
        wasted_.insert({w->addr, w->bytes});
      }
      prefetch_stats_.used_bytes += bytes;
      ahead_held_ -= requests_of(bytes);
      prefetched_.erase(prefetched_.begin(), ahead_it + 1);
    } else if (it == staged_.end()) {
      note_fetch(addr, bytes);
      ++stats_.demand_fills;
      mark = prefetcher_.enqueue(addr, bytes, who->kind);
      stats_.fill_bytes += bytes;
      stats_.fill_port_cycles += port_cycles(bytes);
      stats_.bank_writes += bank_words(bytes);
      if (recorder_ != nullptr) {
        recorder_->tile_staged(first_request(mark, bytes), mark, true,
                               sc_core::sc_time_stamp().value());
      }
    } else {
      mark = it->mark;
      // Ranges staged before this one and not read are skipped: the reader moved on.
      staged_.erase(staged_.begin(), it + 1);
    }
    const sc_core::sc_time before = sc_core::sc_time_stamp();
    from->wait_until(mark);
    if (sc_core::sc_time_stamp() > before) {
      clock_.align();
      stats_.stall_cycles += clock_.cycle_at_or_after(sc_core::sc_time_stamp()) -
                             clock_.cycle_at_or_after(before);
      if (recorder_ != nullptr) {
        recorder_->sram_stall(before.value(), sc_core::sc_time_stamp().value());
      }
    }
    // The range is the pipeline's now: its staging space goes back to the prefetcher
    // range by range, so a tile larger than the free space still streams through.
    from->release_through(mark);
  }
  if (bytes != 0) delay += clock_.cycles(cfg_.access_latency_cycles + cycles);
  gp.set_response_status(tlm::TLM_OK_RESPONSE);
}

}  // namespace skv
