#pragma once
// A test stand-in for the DRAM controller: an approximately-timed target that accepts
// every request at once and answers request k at
//   done_k = max(arrival_k + latency, done_(k-1) + interval)
// so a test can state its memory's latency and bandwidth exactly.

#include <systemc>
#include <tlm>
#include <tlm_utils/multi_passthrough_target_socket.h>
#include <tlm_utils/simple_initiator_socket.h>

#include <cstdint>
#include <deque>
#include <vector>

#include "models/tlm/ClockDomain.h"
#include "models/tlm/Ops.h"

namespace skv::test {

class IdealMemory : public sc_core::sc_module {
 public:
  tlm_utils::multi_passthrough_target_socket<IdealMemory> target;

  IdealMemory(sc_core::sc_module_name name, sc_core::sc_time latency, sc_core::sc_time interval)
      : sc_module(name), target("target"), latency_(latency), interval_(interval) {
    SC_HAS_PROCESS(IdealMemory);
    target.register_nb_transport_fw(this, &IdealMemory::fw);
    SC_METHOD(respond);
    sensitive << wake_;
    dont_initialize();
  }

  std::uint64_t requests = 0;
  std::uint64_t bytes = 0;

 private:
  struct Pending {
    int socket;
    tlm::tlm_generic_payload* gp;
    sc_core::sc_time done;
  };

  tlm::tlm_sync_enum fw(int socket, tlm::tlm_generic_payload& gp, tlm::tlm_phase& phase,
                        sc_core::sc_time& delay) {
    if (phase != tlm::BEGIN_REQ) return tlm::TLM_COMPLETED;
    ++requests;
    bytes += gp.get_data_length();
    sc_core::sc_time done = sc_core::sc_time_stamp() + delay + latency_;
    if (last_done_ + interval_ > done && requests > 1) done = last_done_ + interval_;
    last_done_ = done;
    queue_.push_back(Pending{socket, &gp, done});
    wake_.notify(queue_.front().done - sc_core::sc_time_stamp());
    phase = tlm::END_REQ;
    return tlm::TLM_UPDATED;
  }

  void respond() {
    while (!queue_.empty() && queue_.front().done <= sc_core::sc_time_stamp()) {
      Pending p = queue_.front();
      queue_.pop_front();
      p.gp->set_response_status(tlm::TLM_OK_RESPONSE);
      tlm::tlm_phase phase = tlm::BEGIN_RESP;
      sc_core::sc_time d = sc_core::SC_ZERO_TIME;
      target[p.socket]->nb_transport_bw(*p.gp, phase, d);
    }
    if (!queue_.empty()) wake_.notify(queue_.front().done - sc_core::sc_time_stamp());
  }

  sc_core::sc_time latency_;
  sc_core::sc_time interval_;
  sc_core::sc_time last_done_;
  std::deque<Pending> queue_;
  sc_core::sc_event wake_;
};

// Sends a list of operations on its socket one after another and records how many
// cycles of `clock` each took.
class OpDriver : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<OpDriver> socket;
  std::vector<tlmx::Op> ops;
  // prefetch[i]: op i (a GEMV) is sent as a prefetch command (its weight stream only),
  // which returns at once; empty: none is.
  std::vector<bool> prefetch;
  std::vector<std::uint64_t> cycles;

  OpDriver(sc_core::sc_module_name name, const tlmx::ClockDomain& clock)
      : sc_module(name), socket("socket"), clock_(clock) {
    SC_HAS_PROCESS(OpDriver);
    SC_THREAD(run);
  }

 private:
  void run() {
    for (std::size_t i = 0; i < ops.size(); ++i) {
      const tlmx::Op& op = ops[i];
      tlmx::OpExtension ext;
      ext.op = op;
      ext.prefetch = i < prefetch.size() && prefetch[i];
      // A kind that fits the operation (the units refuse one that does not).
      if (std::holds_alternative<tlmx::GemvOp>(op)) {
        ext.kind = tlmx::OpKind::qkv_gemv;
      } else if (std::holds_alternative<tlmx::AttentionOp>(op)) {
        ext.kind = tlmx::OpKind::attention;
      } else if (std::holds_alternative<tlmx::KvAppendOp>(op)) {
        ext.kind = tlmx::OpKind::kv_append;
      } else {
        ext.kind = tlmx::OpKind::residual;
      }
      tlm::tlm_generic_payload gp;
      gp.set_command(tlm::TLM_IGNORE_COMMAND);
      const tlmx::ScopedExtension<tlmx::OpExtension> attached(gp, &ext);
      sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
      const std::uint64_t start = clock_.now_cycle();
      socket->b_transport(gp, delay);
      sc_core::wait(delay);
      cycles.push_back(clock_.now_cycle() - start);
    }
  }
  const tlmx::ClockDomain& clock_;
};

}  // namespace skv::test
