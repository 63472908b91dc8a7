#pragma once
// The DRAM controller's timing core: plain C++, no SystemC, counted in DRAM cycles.
// The SystemC DramController wraps it behind a TLM-2.0 target socket; the request-trace
// replay drives it directly.
//
// Contract with a driver:
//   - enqueue() a request at cycle `now` (never earlier than the last call's cycle) when
//     can_accept() allows it;
//   - run_until(c) simulates every cycle before c; completions are collected in order;
//   - next_event_cycle() is the earliest cycle at which the engine's state changes on its
//     own (kNever when idle), so a driver may sleep until then.

#include <cstdint>
#include <deque>
#include <limits>
#include <vector>

#include "models/dram/DramConfig.h"
#include "models/dram/DramStats.h"

namespace skv::dram {

inline constexpr std::uint64_t kNever = std::numeric_limits<std::uint64_t>::max();

struct Request {
  std::uint64_t id = 0;      // the driver's handle, returned in the completion
  std::uint64_t addr = 0;    // byte address
  std::uint32_t bytes = 0;   // any length; split into bursts inside
  bool is_write = false;
};

struct Completion {
  std::uint64_t id = 0;
  std::uint64_t cycle = 0;   // cycle after the last data beat
};

class DramEngine {
 public:
  explicit DramEngine(const DramConfig& cfg);

  bool can_accept() const;
  void enqueue(const Request& req, std::uint64_t now);
  void run_until(std::uint64_t cycle);
  std::uint64_t next_event_cycle() const;
  std::uint64_t now() const { return now_; }

  // Completions since the last take, in completion order.
  std::vector<Completion> take_completions();

  const DramConfig& config() const { return cfg_; }
  const DramStats& stats() const { return stats_; }

 private:
  struct Pending {
    std::uint64_t id;
    std::uint64_t done_cycle;
  };
  struct BankState {
    std::uint64_t open_row = kNoRow;
    std::uint64_t ready_cycle = 0;  // earliest cycle a new command may use this bank
  };
  static constexpr std::uint64_t kNoRow = std::numeric_limits<std::uint64_t>::max();

  // Places one burst on the channel; returns the cycle after its last data beat.
  std::uint64_t schedule_burst(std::uint64_t addr, bool is_write, std::uint64_t arrival);

  DramConfig cfg_;
  std::uint64_t now_ = 0;
  std::vector<std::uint64_t> bus_free_;   // per channel: first cycle the data bus is free
  std::vector<BankState> banks_;          // channel-major
  std::deque<Pending> pending_;           // sorted by done_cycle
  std::vector<Completion> completed_;
  DramStats stats_;
};

}  // namespace skv::dram
