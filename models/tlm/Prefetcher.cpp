// sc_spawn lives behind this switch in SystemC 2.3.
#define SC_INCLUDE_DYNAMIC_PROCESSES
#include "models/tlm/Prefetcher.h"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace skv::tlmx {

Prefetcher::Prefetcher(MemoryPort& port, std::uint32_t request_bytes, std::uint64_t credits)
    : port_(port), request_bytes_(request_bytes), credits_(credits), ticket_base_(0) {
  if (credits_ == 0 || request_bytes_ == 0) throw std::logic_error("Prefetcher: empty buffer");
  sc_core::sc_spawn_options opts;
  sc_core::sc_spawn([this] { issue_loop(); }, sc_core::sc_gen_unique_name("prefetch"), &opts);
}

std::uint64_t Prefetcher::enqueue(std::uint64_t addr, std::uint64_t bytes, OpKind owner,
                                  bool ahead) {
  if (bytes == 0) throw std::logic_error("Prefetcher: empty range");
  for (std::uint64_t off = 0; off < bytes; off += request_bytes_) {
    const auto n = static_cast<std::uint32_t>(std::min<std::uint64_t>(request_bytes_, bytes - off));
    queue_.push_back(Pending{addr + off, n, owner});
    ++queued_;
  }
  if (!ahead) demand_end_ = queued_;
  wake_issuer_.notify(sc_core::SC_ZERO_TIME);
  return queued_ - 1;
}

void Prefetcher::issue_loop() {
  for (;;) {
    while (queue_.empty() || issued_ >= released_ + credits_) sc_core::wait(wake_issuer_);
    const Pending p = queue_.front();
    queue_.pop_front();
    // The port numbers its tickets from 0 in issue order and this thread is its only
    // user, so ticket == sequence number.
    const MemoryPort::Ticket t =
        port_.issue(tlm::TLM_READ_COMMAND, p.addr, p.bytes, p.owner, issued_ >= demand_end_);
    if (t != ticket_base_ + issued_) throw std::logic_error("Prefetcher: port shared");
    if (sc_core::sc_time_stamp() != last_issue_time_ || issued_ == 0) {
      last_issue_time_ = sc_core::sc_time_stamp();
      issued_before_last_time_ = issued_;
    }
    account_held();
    ++issued_;
    peak_held_ = std::max(peak_held_, held());
    if (recorder_ != nullptr) report_held();
  }
}

void Prefetcher::promote_through(std::uint64_t mark) {
  if (mark + 1 <= demand_end_) return;
  demand_end_ = mark + 1;
  port_.promote_through(ticket_base_ + mark);
}

void Prefetcher::account_held() {
  const std::uint64_t now = sc_core::sc_time_stamp().value();
  held_request_ps_ += held() * (now - held_since_ps_);
  held_since_ps_ = now;
}

void Prefetcher::report_held() const {
  recorder_->sram_staging(held() * request_bytes_, sc_core::sc_time_stamp().value());
}

void Prefetcher::wait_until(std::uint64_t mark) {
  if (waited_ > mark) return;
  waiting_ = true;
  waiting_for_ = mark;
  waiting_since_ = sc_core::sc_time_stamp();
  for (; waited_ <= mark; ++waited_) {
    while (waited_ >= issued_) sc_core::wait(port_.response_event());
    port_.wait_done(ticket_base_ + waited_);
  }
  waiting_ = false;
}

std::string Prefetcher::describe() const {
  std::string s = fmt::format("holds {} of {} prefetch credits, {} requests not issued", held(),
                              credits_, queue_.size());
  if (waiting_) {
    s += fmt::format(", its reader waits for request {} (of {} queued) since {} ns",
                     waiting_for_ + 1, queued_, waiting_since_.value() / 1000);
  }
  return s;
}

void Prefetcher::release_through(std::uint64_t mark) {
  if (mark + 1 > released_) {
    account_held();
    released_ = mark + 1;
    wake_issuer_.notify(sc_core::SC_ZERO_TIME);
    if (recorder_ != nullptr) report_held();
  }
}

}  // namespace skv::tlmx
