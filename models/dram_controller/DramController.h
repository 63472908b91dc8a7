#pragma once
// The DRAM controller: a TLM-2.0 approximately-timed target around the cycle-accurate
// DramEngine. Any number of initiators bind to `target`.
//
//   BEGIN_REQ  -> accepted at the next DRAM clock edge if the controller's queue has
//                 room (END_REQ returned at once); otherwise held, and END_REQ is sent
//                 on the backward path when a slot frees (back-pressure).
//   BEGIN_RESP <- sent on the backward path at the DRAM edge after the last data beat.
//   END_RESP   -> (or TLM_COMPLETED on BEGIN_RESP) frees that socket's response slot.
// The process wakes only at the engine's bound on its next visible change
// (next_event_cycle), so idle and streaming periods cost no per-cycle events.
//
// Admission (overlap.arbitration): requests that find the queue full wait in arrival
// order. `controller` admits them in that order; `demand_first` admits the oldest
// waiting demand request first and a prefetch request only when no demand request waits
// (tlmx::RequestOwner::prefetch, read at each decision, so a request its initiator
// promoted meanwhile competes as demand with its arrival time). The engine behind it does
// not know the classes: what it admitted keeps its scheduler's order.

#include <tlm_utils/multi_passthrough_target_socket.h>

#include <array>
#include <cstdint>
#include <deque>
#include <string>
#include <systemc>
#include <tlm>
#include <unordered_map>
#include <vector>

#include "common/Stats.h"
#include "models/dram/DramConfig.h"
#include "models/dram/DramEngine.h"
#include "models/sequencer/OverlapConfig.h"
#include "models/tlm/ActivityRecorder.h"
#include "models/tlm/ClockDomain.h"
#include "models/tlm/Ops.h"

namespace skv {

class DramController : public sc_core::sc_module {
 public:
  tlm_utils::multi_passthrough_target_socket<DramController> target;

#define SKV_DRAM_CONTROLLER_STATS(X)                                                             \
  X(requests_held_back, Sum, Count, "requests that waited for a queue slot")                     \
  X(held_back_ps, Sum, Ps, "time those requests waited, summed")                                 \
  X(bytes_accepted, Sum, Bytes, "request bytes taken into the queue")                            \
  X(gemv_read_bytes, Sum, Bytes, "bytes read for GEMV operations (weights)")                     \
  X(attention_read_bytes, Sum, Bytes, "bytes read for attention (K/V, spilled scores)")          \
  X(other_read_bytes, Sum, Bytes, "bytes read for the other operations")                         \
  X(gemv_write_bytes, Sum, Bytes, "bytes written for GEMV operations")                           \
  X(attention_write_bytes, Sum, Bytes, "bytes written for attention (new k, v; spilled scores)") \
  X(other_write_bytes, Sum, Bytes, "bytes written for the other operations")                     \
  SKV_FOR_OP_KINDS(SKV_DRAM_CONTROLLER_KIND_STATS_, X)
#define SKV_DRAM_CONTROLLER_KIND_STATS_(X, kind, cls, what)                        \
  X(op_##kind##_read_bytes, Sum, Bytes, "bytes read for " #kind " operations")     \
  X(op_##kind##_write_bytes, Sum, Bytes, "bytes written for " #kind " operations") \
  X(op_##kind##_held_back_ps, Sum, Ps, "time " #kind " requests waited for a queue slot")
  // Request bytes, and the time requests waited for a queue slot, are booked to the kind
  // (and so the class) of the operation that asked for them: each request carries a
  // tlmx::RequestOwner.
  struct Stats {
    SKV_DECLARE_STATS(SKV_DRAM_CONTROLLER_STATS)
#define SKV_DRAM_CONTROLLER_KIND_MEMBERS_(M, kind, cls, what) &Stats::op_##kind##M,
    static constexpr std::uint64_t Stats::*kKindReadBytes[tlmx::kOpKindCount] = {
        SKV_FOR_OP_KINDS(SKV_DRAM_CONTROLLER_KIND_MEMBERS_, _read_bytes)};
    static constexpr std::uint64_t Stats::*kKindWriteBytes[tlmx::kOpKindCount] = {
        SKV_FOR_OP_KINDS(SKV_DRAM_CONTROLLER_KIND_MEMBERS_, _write_bytes)};
    static constexpr std::uint64_t Stats::*kKindHeldBackPs[tlmx::kOpKindCount] = {
        SKV_FOR_OP_KINDS(SKV_DRAM_CONTROLLER_KIND_MEMBERS_, _held_back_ps)};
#undef SKV_DRAM_CONTROLLER_KIND_MEMBERS_
    static_assert(tlmx::kOpClassCount == 3, "one read and one write counter per class");
    static constexpr std::uint64_t Stats::*kReadBytes[tlmx::kOpClassCount] = {
        &Stats::gemv_read_bytes, &Stats::attention_read_bytes, &Stats::other_read_bytes};
    static constexpr std::uint64_t Stats::*kWriteBytes[tlmx::kOpClassCount] = {
        &Stats::gemv_write_bytes, &Stats::attention_write_bytes, &Stats::other_write_bytes};
    std::uint64_t read_bytes_by_owner(int cls) const { return this->*kReadBytes[cls]; }
    std::uint64_t write_bytes_by_owner(int cls) const { return this->*kWriteBytes[cls]; }
  };

  // Demand against prefetch at admission; reported as the group `dram_arbitration` by runs
  // with overlap.
#define SKV_DRAM_ARBITRATION_STATS(X)                                                         \
  X(prefetch_requests, Sum, Count,                                                            \
    "requests that arrived as prefetch (their operation had not started)")                    \
  X(deferred_requests, Sum, Count,                                                            \
    "prefetch requests that a demand request arriving after them passed at admission "        \
    "(demand_first)")                                                                         \
  X(deferred_ps, Sum, Ps,                                                                     \
    "time those waited, from the first demand request that passed them to their own "         \
    "admission, summed")                                                                      \
  X(promoted_requests, Sum, Count,                                                            \
    "prefetch requests whose operation started while they waited for admission (admitted as " \
    "demand)")
  struct ArbitrationStats {
    SKV_DECLARE_STATS(SKV_DRAM_ARBITRATION_STATS)
  };

  DramController(sc_core::sc_module_name name, const dram::DramConfig& cfg,
                 config::Arbitration arbitration = config::Arbitration::Controller);

  const dram::DramEngine& engine() const { return engine_; }
  // Simulates the engine up to now, so that its counters cover every DRAM cycle before
  // now: a consistent cut for a snapshot. The engine's results do not depend on when it
  // is advanced (it has no input between two calls), so no timing changes.
  void advance_to_now() { engine_.run_until(clock_.now_cycle()); }
  // A segment's DRAM extremes (dram::DramEngine::open_scope), cut at now.
  void open_scope() {
    advance_to_now();
    engine_.open_scope();
  }
  dram::DramStats close_scope() {
    advance_to_now();
    return engine_.close_scope();
  }
  const tlmx::ClockDomain& clock() const { return clock_; }
  const Stats& stats() const { return stats_; }
  const ArbitrationStats& arbitration_stats() const { return arbitration_stats_; }
  // Reports every read, write and refresh command to `recorder` (null: none). Without one
  // the engine has no command observer, which costs it one branch per command.
  void set_recorder(tlmx::ActivityRecorder* recorder);
  // Requests accepted and not yet answered, and requests waiting for a queue slot.
  std::size_t in_flight() const { return in_flight_.size(); }
  std::size_t held_back() const { return waiting_.size(); }
  bool drained() const {
    if (!waiting_.empty() || !in_flight_.empty()) return false;
    for (const auto& q : pending_resp_) {
      if (!q.empty()) return false;
    }
    return true;
  }
  // Its queues, for a stalled simulation's error line.
  std::string activity() const;

 private:
  struct Waiting {
    int socket;
    tlm::tlm_generic_payload* gp;
    sc_core::sc_time since;
    bool arrived_prefetch = false;
    bool deferred = false;            // a demand request that arrived later was admitted first
    sc_core::sc_time deferred_since;  // since the first such admission
  };
  struct InFlight {
    int socket;
    tlm::tlm_generic_payload* gp;
  };

  tlm::tlm_sync_enum nb_transport_fw(int socket, tlm::tlm_generic_payload& gp,
                                     tlm::tlm_phase& phase, sc_core::sc_time& delay);
  void process();
  static const tlmx::RequestOwner& owner(tlm::tlm_generic_payload& gp);
  void accept(int socket, tlm::tlm_generic_payload& gp, std::uint64_t cycle);
  void respond(int socket, tlm::tlm_generic_payload* gp);
  void reschedule();
  // The waiting request to admit next.
  std::deque<Waiting>::iterator pick();

  dram::DramEngine engine_;
  tlmx::ClockDomain clock_;
  Stats stats_;
  config::Arbitration arbitration_;
  ArbitrationStats arbitration_stats_;
  std::deque<Waiting> waiting_;
  std::unordered_map<std::uint64_t, InFlight> in_flight_;
  std::vector<std::deque<tlm::tlm_generic_payload*>> pending_resp_;  // per socket
  std::vector<bool> resp_busy_;                                      // per socket
  std::uint64_t next_id_ = 0;
  sc_core::sc_event wake_;
};

}  // namespace skv
