#pragma once
// Streams address ranges from DRAM ahead of a consumer, within a fixed buffer.
//
// Ranges are cut into requests of at most `request_bytes` and numbered in order. The
// issuing thread sends request n only while n < released + credits: `credits` is the
// buffer's size in requests, and the consumer returns space with release_through()
// once it has used the data. That is double buffering (or deeper) by construction,
// and the consumer waits (a counted stall) only when data is not there yet.

#include <systemc>
#include <tlm>

#include <cstdint>
#include <deque>
#include <string>

#include "models/tlm/ActivityRecorder.h"
#include "models/tlm/MemoryPort.h"

namespace skv::tlmx {

class Prefetcher {
 public:
  // Spawns the issuing thread: construct during elaboration, inside the owning module.
  Prefetcher(MemoryPort& port, std::uint32_t request_bytes, std::uint64_t credits);

  // Queues a range; returns the sequence number of its last request (its "mark").
  // `owner`: the kind of the operation that will consume it (booked with its bytes).
  // `ahead`: that operation has not started, so the range's requests go out as prefetch
  // until promote_through() passes them; a demand range makes every request queued
  // before it demand as well (they are on its path: the queue is a FIFO).
  std::uint64_t enqueue(std::uint64_t addr, std::uint64_t bytes, OpKind owner, bool ahead = false);
  // The consumer of the requests up to and including `mark` has started: they are demand
  // from now on, those already sent and not answered included (MemoryPort::promote_through).
  void promote_through(std::uint64_t mark);
  // Blocks until every request up to and including `mark` has its data.
  void wait_until(std::uint64_t mark);
  // The consumer no longer needs requests up to and including `mark`.
  void release_through(std::uint64_t mark);

  std::uint64_t requests_issued() const { return issued_; }
  // Requests sent at a time before now (those sent at this very time excluded, whatever
  // the order of the delta cycles that sent them).
  std::uint64_t requests_issued_before_now() const {
    return sc_core::sc_time_stamp() > last_issue_time_ ? issued_ : issued_before_last_time_;
  }
  // The most requests held at once (issued and not yet released): the buffer's peak
  // occupancy in request-sized slots, never above `credits`.
  std::uint64_t peak_held() const { return peak_held_; }
  // The held slots summed over time up to now: requests x picoseconds (the buffer's
  // occupancy integral; over a span, divided by the span's length, its mean occupancy).
  std::uint64_t held_request_ps() const {
    return held_request_ps_ + held() * (sc_core::sc_time_stamp().value() - held_since_ps_);
  }
  // Reports the buffer space held (requests issued and not released, in request-sized
  // slots) to `recorder` as the KV SRAM's staging whenever it changes (null: none).
  void set_staging_recorder(ActivityRecorder* recorder) { recorder_ = recorder; }
  // Nothing queued, in flight or held: every request issued has been waited for and
  // released.
  bool drained() const {
    return queue_.empty() && waited_ == issued_ && released_ >= issued_;
  }
  // "holds 64 of 64 prefetch credits, 12 requests not issued, consumer waits for
  // request 80 since cycle 1234": for a stalled simulation's error line.
  std::string describe() const;

 private:
  struct Pending {
    std::uint64_t addr;
    std::uint32_t bytes;
    OpKind owner;
  };
  void issue_loop();
  void report_held() const;
  std::uint64_t held() const { return issued_ > released_ ? issued_ - released_ : 0; }
  // Adds the time since the held slots last changed to the occupancy integral (called
  // just before they change).
  void account_held();

  MemoryPort& port_;
  std::uint32_t request_bytes_;
  std::uint64_t credits_;
  std::deque<Pending> queue_;
  std::uint64_t queued_ = 0;    // requests ever queued
  std::uint64_t issued_ = 0;    // requests sent (ticket = sequence number)
  std::uint64_t released_ = 0;  // requests the consumer has given back
  std::uint64_t waited_ = 0;    // requests the consumer has seen complete
  std::uint64_t demand_end_ = 0;  // requests below this sequence number are demand
  std::uint64_t ticket_base_;   // port ticket of sequence number 0
  std::uint64_t peak_held_ = 0;
  std::uint64_t held_request_ps_ = 0;  // occupancy integral up to held_since_ps_
  std::uint64_t held_since_ps_ = 0;
  sc_core::sc_time last_issue_time_;           // when the last request was sent
  std::uint64_t issued_before_last_time_ = 0;  // requests sent before that time
  bool waiting_ = false;        // the consumer is blocked in wait_until()
  std::uint64_t waiting_for_ = 0;
  sc_core::sc_time waiting_since_;
  sc_core::sc_event wake_issuer_;
  ActivityRecorder* recorder_ = nullptr;
};

}  // namespace skv::tlmx
