#include "models/tlm/MemoryPort.h"

#include <stdexcept>

namespace skv::tlmx {

MemoryPort::MemoryPort(const char* name, std::uint32_t max_request_bytes)
    : socket(name), scratch_(max_request_bytes) {
  socket.bind(*this);
}

tlm::tlm_generic_payload* MemoryPort::acquire() {
  if (free_.empty()) {
    pool_.push_back(std::make_unique<tlm::tlm_generic_payload>());
    return pool_.back().get();
  }
  auto* gp = free_.back();
  free_.pop_back();
  return gp;
}

MemoryPort::Ticket MemoryPort::issue(tlm::tlm_command cmd, std::uint64_t addr, std::uint32_t bytes,
                                     OpKind owner, bool prefetch) {
  return send(cmd, addr, bytes, owner, false, prefetch);
}

void MemoryPort::promote_through(Ticket last) {
  // Only flags change, so the map's order does not matter.
  for (auto& [gp, flight] : in_flight_) {
    if (flight.posted || flight.ticket > last) continue;
    RequestOwner* who = nullptr;
    gp->get_extension(who);
    if (who != nullptr) who->prefetch = false;
  }
}

void MemoryPort::issue_posted(tlm::tlm_command cmd, std::uint64_t addr, std::uint32_t bytes,
                              OpKind owner) {
  send(cmd, addr, bytes, owner, true, false);
}

MemoryPort::Ticket MemoryPort::send(tlm::tlm_command cmd, std::uint64_t addr, std::uint32_t bytes,
                                    OpKind owner, bool posted, bool prefetch) {
  if (bytes > scratch_.size()) throw std::logic_error("MemoryPort: request larger than its maximum");
  tlm::tlm_generic_payload* gp = acquire();
  gp->set_command(cmd);
  gp->set_address(addr);
  gp->set_data_ptr(scratch_.data());
  gp->set_data_length(bytes);
  gp->set_streaming_width(bytes);
  gp->set_byte_enable_ptr(nullptr);
  gp->set_byte_enable_length(0);
  gp->set_dmi_allowed(false);
  gp->set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  RequestOwner* who = nullptr;
  gp->get_extension(who);
  if (who == nullptr) {
    who = new RequestOwner;  // owned by the pooled payload from now on
    gp->set_extension(who);
  }
  who->kind = owner;
  who->prefetch = prefetch;
  const Ticket t = posted ? 0 : next_ticket_++;
  in_flight_.emplace(gp, Flight{t, posted, sc_core::sc_time_stamp().value(), owner, prefetch});

  tlm::tlm_phase phase = tlm::BEGIN_REQ;
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
  awaiting_end_req_ = gp;
  const tlm::tlm_sync_enum r = socket->nb_transport_fw(*gp, phase, delay);
  if (r == tlm::TLM_COMPLETED) {
    awaiting_end_req_ = nullptr;
    sc_core::wait(delay);
    complete(gp);
  } else if (r == tlm::TLM_UPDATED && phase == tlm::END_REQ) {
    awaiting_end_req_ = nullptr;
    sc_core::wait(delay);
  } else if (r == tlm::TLM_UPDATED && phase == tlm::BEGIN_RESP) {
    awaiting_end_req_ = nullptr;
    sc_core::wait(delay);
    complete(gp);
  } else {
    // Accepted: END_REQ (or BEGIN_RESP, which implies it) comes on the backward path.
    while (awaiting_end_req_ == gp) sc_core::wait(end_req_event_);
  }
  return t;
}

void MemoryPort::complete(tlm::tlm_generic_payload* gp) {
  auto it = in_flight_.find(gp);
  if (it == in_flight_.end()) throw std::logic_error("MemoryPort: response to unknown payload");
  if (gp->is_response_error()) {
    throw std::runtime_error("MemoryPort: target answered " + gp->get_response_string());
  }
  if (!it->second.posted) done_.insert(it->second.ticket);
  if (recorder_ != nullptr) {
    const Flight& f = it->second;
    recorder_->memory_request(f.ahead ? ahead_role_ : role_, f.owner, f.ticket, gp->is_write(),
                              gp->get_data_length(), f.issued_ps, sc_core::sc_time_stamp().value());
  }
  in_flight_.erase(it);
  free_.push_back(gp);
  response_event_.notify(sc_core::SC_ZERO_TIME);
}

tlm::tlm_sync_enum MemoryPort::nb_transport_bw(tlm::tlm_generic_payload& gp,
                                               tlm::tlm_phase& phase, sc_core::sc_time& delay) {
  if (phase == tlm::END_REQ) {
    if (awaiting_end_req_ == &gp) {
      awaiting_end_req_ = nullptr;
      end_req_event_.notify(delay);
    }
    return tlm::TLM_ACCEPTED;
  }
  if (phase == tlm::BEGIN_RESP) {
    if (awaiting_end_req_ == &gp) {
      awaiting_end_req_ = nullptr;
      end_req_event_.notify(delay);
    }
    // The targets here call at the response's own time; an annotated delay would make
    // the data visible early, so it is refused rather than approximated.
    if (delay != sc_core::SC_ZERO_TIME) {
      throw std::logic_error("MemoryPort: BEGIN_RESP with a non-zero annotated delay");
    }
    complete(&gp);
    return tlm::TLM_COMPLETED;
  }
  throw std::logic_error("MemoryPort: unexpected phase on the backward path");
}

void MemoryPort::wait_done(Ticket t) {
  while (!done(t)) sc_core::wait(response_event_);
  done_.erase(t);
}

}  // namespace skv::tlmx
