#include "models/dram_controller/DramController.h"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace skv {

DramController::DramController(sc_core::sc_module_name name, const dram::DramConfig& cfg,
                               config::Arbitration arbitration)
    : sc_module(name),
      target("target"),
      engine_(cfg),
      clock_(cfg.clock_mhz),
      arbitration_(arbitration) {
  SC_HAS_PROCESS(DramController);
  target.register_nb_transport_fw(this, &DramController::nb_transport_fw);
  SC_METHOD(process);
  sensitive << wake_;
  dont_initialize();
}

void DramController::set_recorder(tlmx::ActivityRecorder* recorder) {
  if (recorder == nullptr) {
    engine_.set_command_observer(nullptr);
    return;
  }
  const std::uint64_t period_ps = clock_.period_ps();
  engine_.set_command_observer([recorder, period_ps](const dram::CommandRecord& c) {
    tlmx::DramActivity what;
    if (dram::is_read(c.command)) {
      what = tlmx::DramActivity::ReadBurst;
    } else if (dram::is_write(c.command)) {
      what = tlmx::DramActivity::WriteBurst;
    } else if (c.command == dram::Command::REF || c.command == dram::Command::REFPB) {
      what = tlmx::DramActivity::Refresh;
    } else {
      return;
    }
    recorder->dram_command(c.channel, what, c.cycle * period_ps);
  });
}

std::string DramController::activity() const {
  return fmt::format("dram has {} requests in its queue and {} waiting for a slot",
                     in_flight_.size(), waiting_.size());
}

const tlmx::RequestOwner& DramController::owner(tlm::tlm_generic_payload& gp) {
  tlmx::RequestOwner* who = nullptr;
  gp.get_extension(who);
  if (who == nullptr) throw std::logic_error("DramController: a request without its owner");
  return *who;
}

void DramController::accept(int socket, tlm::tlm_generic_payload& gp, std::uint64_t cycle) {
  const std::uint64_t id = next_id_++;
  dram::Request req;
  req.id = id;
  req.addr = gp.get_address();
  req.bytes = gp.get_data_length();
  req.is_write = gp.is_write();
  engine_.enqueue(req, cycle);
  stats_.bytes_accepted += req.bytes;
  const tlmx::RequestOwner& who = owner(gp);
  stats_.*(req.is_write ? Stats::kWriteBytes : Stats::kReadBytes)[static_cast<int>(who.cls())] +=
      req.bytes;
  stats_.*(req.is_write ? Stats::kKindWriteBytes
                        : Stats::kKindReadBytes)[static_cast<int>(who.kind)] += req.bytes;
  in_flight_.emplace(id, InFlight{socket, &gp});
}

tlm::tlm_sync_enum DramController::nb_transport_fw(int socket, tlm::tlm_generic_payload& gp,
                                                   tlm::tlm_phase& phase, sc_core::sc_time& delay) {
  if (static_cast<std::size_t>(socket) >= resp_busy_.size()) {
    resp_busy_.resize(socket + 1, false);
    pending_resp_.resize(socket + 1);
  }
  if (phase == tlm::BEGIN_REQ) {
    if (!gp.is_read() && !gp.is_write()) {
      gp.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
      return tlm::TLM_COMPLETED;
    }
    const std::uint64_t cycle = clock_.cycle_at_or_after(sc_core::sc_time_stamp() + delay);
    const bool prefetch = owner(gp).prefetch;
    if (prefetch) ++arbitration_stats_.prefetch_requests;
    if (waiting_.empty() && engine_.can_accept()) {
      accept(socket, gp, cycle);
      reschedule();
      phase = tlm::END_REQ;
      delay = clock_.until(cycle);
      return tlm::TLM_UPDATED;
    }
    ++stats_.requests_held_back;
    waiting_.push_back(Waiting{socket, &gp, sc_core::sc_time_stamp() + delay, prefetch,
                               /*deferred=*/false, sc_core::SC_ZERO_TIME});
    return tlm::TLM_ACCEPTED;
  }
  if (phase == tlm::END_RESP) {
    resp_busy_[socket] = false;
    if (!pending_resp_[socket].empty()) {
      auto* next = pending_resp_[socket].front();
      pending_resp_[socket].pop_front();
      respond(socket, next);
    }
    return tlm::TLM_COMPLETED;
  }
  throw std::logic_error("DramController: unexpected phase on the forward path");
}

void DramController::respond(int socket, tlm::tlm_generic_payload* gp) {
  if (resp_busy_[socket]) {
    pending_resp_[socket].push_back(gp);
    return;
  }
  gp->set_response_status(tlm::TLM_OK_RESPONSE);
  tlm::tlm_phase phase = tlm::BEGIN_RESP;
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
  const tlm::tlm_sync_enum r = target[socket]->nb_transport_bw(*gp, phase, delay);
  // TLM_ACCEPTED: the initiator sends END_RESP later; until then this socket's
  // next response waits (base-protocol response exclusion).
  if (r == tlm::TLM_ACCEPTED) resp_busy_[socket] = true;
}

void DramController::process() {
  const std::uint64_t cycle = clock_.now_cycle();
  engine_.run_until(cycle);
  for (const dram::Completion& c : engine_.take_completions()) {
    auto it = in_flight_.find(c.id);
    if (it == in_flight_.end()) throw std::logic_error("DramController: unknown completion");
    const InFlight f = it->second;
    in_flight_.erase(it);
    respond(f.socket, f.gp);
  }
  while (!waiting_.empty() && engine_.can_accept()) {
    const auto next = pick();
    const Waiting w = *next;
    waiting_.erase(next);
    if (w.deferred) {
      arbitration_stats_.deferred_ps += (sc_core::sc_time_stamp() - w.deferred_since).value();
    }
    if (w.arrived_prefetch && !owner(*w.gp).prefetch) ++arbitration_stats_.promoted_requests;
    const std::uint64_t waited_ps = (sc_core::sc_time_stamp() - w.since).value();
    stats_.held_back_ps += waited_ps;
    stats_.*Stats::kKindHeldBackPs[static_cast<int>(owner(*w.gp).kind)] += waited_ps;
    accept(w.socket, *w.gp, cycle);
    tlm::tlm_phase phase = tlm::END_REQ;
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    target[w.socket]->nb_transport_bw(*w.gp, phase, delay);
  }
  reschedule();
}

std::deque<DramController::Waiting>::iterator DramController::pick() {
  if (arbitration_ == config::Arbitration::Controller) return waiting_.begin();
  const auto demand = std::find_if(waiting_.begin(), waiting_.end(),
                                   [](const Waiting& w) { return !owner(*w.gp).prefetch; });
  if (demand == waiting_.end()) return waiting_.begin();
  // Every request before the oldest demand request is prefetch, and waits behind it.
  for (auto it = waiting_.begin(); it != demand; ++it) {
    if (it->deferred) continue;
    it->deferred = true;
    it->deferred_since = sc_core::sc_time_stamp();
    ++arbitration_stats_.deferred_requests;
  }
  return demand;
}

void DramController::reschedule() {
  const std::uint64_t next = engine_.next_event_cycle();
  if (next == dram::kNever) return;
  // sc_event::notify keeps the earlier of a pending and a new notification.
  wake_.notify(clock_.until(next));
}

}  // namespace skv
