#pragma once
// An approximately-timed TLM-2.0 initiator for a unit's DRAM traffic.
//
// issue() sends BEGIN_REQ and blocks the calling SC_THREAD until the target accepts
// the request (END_REQ): that is where back-pressure from a full controller queue is
// felt. The response (BEGIN_RESP) completes the transaction at once (TLM_COMPLETED).
// Several requests may be outstanding; wait_done() blocks until one has its response.
// Payloads carry no data: the model is timing-only, so the data pointer is a scratch
// buffer the target never reads.

#include <systemc>
#include <tlm>

#include <cstdint>
#include <deque>
#include <memory>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "models/tlm/ActivityRecorder.h"
#include "models/tlm/Ops.h"

namespace skv::tlmx {

class MemoryPort : public tlm::tlm_bw_transport_if<> {
 public:
  MemoryPort(const char* name, std::uint32_t max_request_bytes);

  tlm::tlm_initiator_socket<> socket;

  using Ticket = std::uint64_t;
  // `owner`: the kind of the operation the request serves, `prefetch`: whether that
  // operation has not started yet (both in a RequestOwner extension).
  Ticket issue(tlm::tlm_command cmd, std::uint64_t addr, std::uint32_t bytes, OpKind owner,
               bool prefetch = false);
  // Promotion: every request sent with a ticket up to `last` and not yet answered is
  // demand from now on (its operation has started), the one waiting for END_REQ included.
  void promote_through(Ticket last);
  // A posted request (a write-back nobody waits for): its response is only counted.
  void issue_posted(tlm::tlm_command cmd, std::uint64_t addr, std::uint32_t bytes,
                    OpKind owner);
  bool done(Ticket t) const { return done_.count(t) != 0; }
  // Blocks until ticket `t` has its response, then forgets it.
  void wait_done(Ticket t);
  // Notified whenever any response arrives.
  const sc_core::sc_event& response_event() const { return response_event_; }
  std::uint64_t outstanding() const { return in_flight_.size(); }
  // Reports every answered request to `recorder` (null: none): as `ahead` if it was sent
  // as prefetch (before its operation started), else as `role`.
  void set_recorder(ActivityRecorder* recorder, MemoryRole role, MemoryRole ahead) {
    recorder_ = recorder;
    role_ = role;
    ahead_role_ = ahead;
  }
  void set_recorder(ActivityRecorder* recorder, MemoryRole role) {
    set_recorder(recorder, role, role);
  }

 private:
  tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& phase,
                                     sc_core::sc_time& delay) override;
  void invalidate_direct_mem_ptr(sc_dt::uint64, sc_dt::uint64) override {}
  tlm::tlm_generic_payload* acquire();
  void complete(tlm::tlm_generic_payload* gp);

  std::vector<unsigned char> scratch_;
  std::vector<std::unique_ptr<tlm::tlm_generic_payload>> pool_;
  std::vector<tlm::tlm_generic_payload*> free_;
  Ticket send(tlm::tlm_command cmd, std::uint64_t addr, std::uint32_t bytes, OpKind owner,
              bool posted, bool prefetch);

  struct Flight {
    Ticket ticket;
    bool posted;
    // For the recorder: when it was sent, for which kind of operation, and whether as
    // prefetch then (promotion later does not move it to another stream).
    std::uint64_t issued_ps;
    OpKind owner;
    bool ahead;
  };
  std::unordered_map<tlm::tlm_generic_payload*, Flight> in_flight_;
  std::unordered_set<Ticket> done_;
  Ticket next_ticket_ = 0;
  tlm::tlm_generic_payload* awaiting_end_req_ = nullptr;
  sc_core::sc_event end_req_event_;
  sc_core::sc_event response_event_;
  ActivityRecorder* recorder_ = nullptr;
  MemoryRole role_ = MemoryRole::Weights;
  MemoryRole ahead_role_ = MemoryRole::Weights;
};

}  // namespace skv::tlmx
