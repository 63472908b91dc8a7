// Arbitration between demand and prefetch traffic in the DRAM controller
// (overlap.arbitration): two streams share one DramController, a demand stream (an
// operation that runs) and a prefetch stream (the next operation's data, fetched ahead).
// Under `controller` the controller's admission queue is served in arrival order; under
// `demand_first` a waiting demand request takes every free slot first, and the prefetch
// stream gets the slots demand leaves, until its consumer starts (promotion).

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <string>

#include "config/DramConfigLoader.h"
#include "models/dram_controller/DramController.h"
#include "models/tlm/MemoryPort.h"
#include "models/tlm/Prefetcher.h"
#include "support/ForkSim.h"

namespace {

using skv::config::Arbitration;

// DDR4-3200 (1600 MHz, 625 ps a cycle) without refresh, one channel; a read queue of 4
// bursts, so that the controller takes one 256-byte request (4 bursts of 64 bytes) at a
// time and its admission queue is where the two streams meet.
skv::dram::DramConfig memory() {
  skv::dram::DramConfig c =
      skv::dram::load_dram_preset("ddr4-3200", std::string(SKV_SOURCE_DIR) + "/configs/dram");
  c.controller.refresh = skv::dram::RefreshMode::None;
  c.controller.queue_depth = 4;
  return c;
}

constexpr std::uint32_t kRequestBytes = 256;
constexpr std::uint64_t kRequests = 16;  // per stream: 4 KiB, one row of one bank each

// The two streams, each a DMA port with its Prefetcher holding every one of its requests
// in flight (16 credits), and a reader that takes each request in order as it arrives and
// notes the DRAM cycle of the last one. The prefetch stream's consumer starts at
// `promote_ns` (0: never; its requests stay prefetch): its requests become demand then.
class Streams : public sc_core::sc_module {
 public:
  skv::tlmx::MemoryPort demand_port;
  skv::tlmx::MemoryPort ahead_port;
  std::uint64_t demand_last = 0;
  std::uint64_t ahead_last = 0;

  Streams(sc_core::sc_module_name name, const skv::tlmx::ClockDomain& dram_clock,
          std::uint64_t promote_ns)
      : sc_module(name),
        demand_port("demand", kRequestBytes),
        ahead_port("ahead", kRequestBytes),
        demand_(demand_port, kRequestBytes, kRequests),
        ahead_(ahead_port, kRequestBytes, kRequests),
        clock_(dram_clock),
        promote_ns_(promote_ns) {
    SC_HAS_PROCESS(Streams);
    SC_THREAD(read_demand);
    SC_THREAD(read_ahead);
    SC_THREAD(promote);
  }

  // Queues both streams (demand first) at time 0.
  void start(std::uint64_t demand_addr, std::uint64_t ahead_addr) {
    const std::uint64_t bytes = kRequests * kRequestBytes;
    demand_.enqueue(demand_addr, bytes, skv::tlmx::OpKind::o_gemv);
    ahead_.enqueue(ahead_addr, bytes, skv::tlmx::OpKind::attention, /*ahead=*/true);
  }

 private:
  std::uint64_t read(skv::tlmx::Prefetcher& stream) {
    for (std::uint64_t k = 0; k < kRequests; ++k) {
      stream.wait_until(k);
      stream.release_through(k);
    }
    return clock_.now_cycle();
  }
  void read_demand() { demand_last = read(demand_); }
  void read_ahead() { ahead_last = read(ahead_); }
  void promote() {
    if (promote_ns_ == 0) return;
    sc_core::wait(sc_core::sc_time(static_cast<double>(promote_ns_), sc_core::SC_NS));
    ahead_.promote_through(kRequests - 1);
  }

  skv::tlmx::Prefetcher demand_;
  skv::tlmx::Prefetcher ahead_;
  const skv::tlmx::ClockDomain& clock_;
  std::uint64_t promote_ns_;
};

// Demand reads bank 0, prefetch bank 1 (row 0 of each): every burst after the first of
// each bank group is a row hit, whatever the order.
nlohmann::json run(Arbitration arbitration, std::uint64_t promote_ns = 0) {
  return skv::test::run_in_child([&] {
    sc_core::sc_set_time_resolution(1, sc_core::SC_PS);
    skv::DramController dram("dram", memory(), arbitration);
    Streams streams("streams", dram.clock(), promote_ns);
    streams.demand_port.socket.bind(dram.target);
    streams.ahead_port.socket.bind(dram.target);
    skv::dram::DramAddress bank1;
    bank1.bank = 1;
    streams.start(0, dram.engine().mapper().encode(bank1));
    sc_core::sc_start();
    const auto& a = dram.arbitration_stats();
    return nlohmann::json{{"demand_last", streams.demand_last},
                          {"ahead_last", streams.ahead_last},
                          {"prefetch_requests", a.prefetch_requests},
                          {"deferred_requests", a.deferred_requests},
                          {"deferred_ps", a.deferred_ps},
                          {"promoted_requests", a.promoted_requests}};
  });
}

}  // namespace

TEST_CASE(
    "demand_first: the running operation's stream ends 15 requests earlier, the "
    "run on the same cycle",
    "[module][golden]") {
  // One 256-byte request is 4 bursts in the 4 bank groups: a burst every tCCD_S = 4
  // cycles, 16 DRAM cycles a request once both banks' rows are open, whichever stream it
  // belongs to. The 32 requests are served back to back, so the last one's data arrives
  // at cycle 576 whatever the order (16 x 32 = 512 cycles of data after 64 of start-up:
  // the first read's front end 1 + tRCD 22 + RL 22 + burst 4, and the second bank's
  // activation).
  const nlohmann::json fifo = run(Arbitration::Controller);
  const nlohmann::json first = run(Arbitration::DemandFirst);
  INFO(fifo.dump() << "\n" << first.dump());
  // Order of admission ("slots"). At time 0 the controller takes demand's first request
  // and prefetch's first at once (nothing waits yet: its queue has room for both).
  // Each stream then sends its next request when its last is taken (END_REQ), and that
  // one waits for a slot. In arrival order prefetch's second request is ahead of
  // demand's, and the streams alternate: prefetch has slots 2, 3, 5, ..., 31, demand
  // 1, 4, 6, ..., 32, so demand's last arrives last (576) and prefetch's a request
  // before it (576 - 16 = 560).
  CHECK(fifo["demand_last"] == 576);
  CHECK(fifo["ahead_last"] == 560);
  // Demand first: demand's requests 2..16 pass prefetch's second, which waits until no
  // demand request does: demand has slots 1 and 3..17, prefetch 2 and 18..32. Demand's
  // last arrives 15 requests x 16 cycles = 240 cycles earlier (576 - 240 = 336); the
  // run ends on the same cycle, now with prefetch's last request.
  CHECK(first["demand_last"] == 576 - 15 * 16);
  CHECK(first["ahead_last"] == 576);
  // Every prefetch request arrived as one; in arrival order none waits behind demand.
  CHECK(fifo["prefetch_requests"] == kRequests);
  CHECK(fifo["deferred_requests"] == 0);
  CHECK(fifo["deferred_ps"] == 0);
  CHECK(first["prefetch_requests"] == kRequests);
  CHECK(first["promoted_requests"] == 0);
  // Demand first: one prefetch request (its second) waited behind demand, from the slot
  // demand's second request took to slot 18: 15 slots, at least 15 x 16 cycles of 625 ps
  // (the first of them longer, while the rows open). Its others arrived when demand had
  // no request left to send: no demand request passed them.
  CHECK(first["deferred_requests"] == 1);
  CHECK(first["deferred_ps"].get<std::uint64_t>() >= 15 * 16 * 625);
  CHECK(first["deferred_ps"].get<std::uint64_t>() < 16 * 32 * 625);
}

TEST_CASE(
    "demand_first: a prefetch request waits behind demand only until its consumer "
    "starts",
    "[module][golden]") {
  // The prefetch stream's consumer starts (promotion) at 100 ns (160 DRAM cycles) while
  // its second request waits behind demand: that request becomes demand, the oldest
  // waiting, and takes the next slot; from then on the streams alternate as in arrival
  // order, and the requests prefetch sends later go out as demand.
  const nlohmann::json fifo = run(Arbitration::Controller);
  const nlohmann::json never = run(Arbitration::DemandFirst);
  const nlohmann::json promoted = run(Arbitration::DemandFirst, 100);
  INFO(fifo.dump() << "\n" << never.dump() << "\n" << promoted.dump());
  CHECK(promoted["prefetch_requests"] == 2);  // its first two, sent before 100 ns
  CHECK(promoted["promoted_requests"] == 1);  // the second, promoted while it waited
  CHECK(promoted["deferred_requests"] == 1);
  // Its deferral ends at the first slot after the promotion, not at slot 18.
  CHECK(promoted["deferred_ps"].get<std::uint64_t>() < never["deferred_ps"].get<std::uint64_t>());
  // Demand ends between the two orders: later than with prefetch kept behind it all
  // along, earlier than in arrival order; the run on the same cycle.
  const std::uint64_t last = promoted["demand_last"];
  CHECK(last > never["demand_last"].get<std::uint64_t>());
  CHECK(last < fifo["demand_last"].get<std::uint64_t>());
  CHECK(std::max(last, promoted["ahead_last"].get<std::uint64_t>()) == 576);
}
