#pragma once
// The DRAM controller's timing core: plain C++, no SystemC, counted in DRAM cycles.
// The SystemC DramController wraps it behind a TLM-2.0 target socket; the request-trace
// replay (swiftkv-sim dram) drives it directly.
//
// Structure (DRAMSys-like): a front end splits each request into bursts in address order
// and maps each burst (AddressMapper) to one channel's ChannelController, which holds it in
// its RequestBuffer until the Scheduler (FR-FCFS or FCFS), the PagePolicyUnit, the
// RefreshManager and the TimingChecker have issued its column command.
//
// Contract with a driver:
//   - enqueue(req, now) a request when can_accept() holds at `now` (now >= the last call's
//     cycle). The front end admits the request's bursts in order, each into its channel's
//     queue for its direction when that queue has room, no earlier than
//     frontend_latency_cycles after `now`; a burst waiting for room blocks the bursts behind
//     it, and can_accept() is false until that latency before the request's last burst is
//     admitted (accept_cycle()). Because admission works burst by burst, cycle counts do not
//     depend on how a stream is cut into requests.
//   - run_until(c) simulates every cycle before c and collects the completions up to c.
//   - next_event_cycle() is a cycle no later than the next change the driver can see (a
//     completion, or can_accept() turning true), found without simulating ahead: the
//     earliest of accept_cycle(), the earliest completion already fixed, and each busy
//     channel's next command cycle plus the shortest column latency. A driver that sleeps
//     until then sees every completion on its own cycle, with the same result as calling
//     cycle by cycle, because between two driver calls the engine has no input (the
//     exactness rule, docs/dram.md). It may wake to find nothing new; while busy, each such
//     wake-up moves the bound on by at least that latency.
//
// The engine is lazy: enqueue() advances only the channels its bursts go to; run_until(),
// take_completions() and drain() bring every channel up to now(). A channel that held up
// the front end has been simulated past now() (its future was already fixed), so channel
// counters in stats() may include commands decided for cycles after now().

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "models/dram/AddressMapper.h"
#include "models/dram/ChannelController.h"
#include "models/dram/CompletionQueue.h"
#include "models/dram/DramConfig.h"
#include "models/dram/DramStats.h"
#include "models/dram/DramTypes.h"
#include "models/dram/Scheduler.h"

namespace skv::dram {

struct Request {
  std::uint64_t id = 0;     // the driver's handle, returned in the completion
  std::uint64_t addr = 0;   // byte address
  std::uint32_t bytes = 0;  // any length; split into bursts inside (0 counts as 1)
  bool is_write = false;
};

struct Completion {
  std::uint64_t id = 0;
  std::uint64_t cycle = 0;  // cycle after the last data beat
};

class DramEngine {
 public:
  using CommandObserver = std::function<void(const CommandRecord&)>;

  // Throws std::invalid_argument when cfg breaks a rule of check_dram_config().
  explicit DramEngine(const DramConfig& cfg);
  // Channels point into the engine; it stays where it was built.
  DramEngine(const DramEngine&) = delete;
  DramEngine& operator=(const DramEngine&) = delete;

  bool can_accept() const { return accept_cycle_ <= now_; }
  // First cycle at which can_accept() holds (<= now() when it already does).
  std::uint64_t accept_cycle() const { return accept_cycle_; }
  void enqueue(const Request& req, std::uint64_t now);
  void run_until(std::uint64_t cycle);
  std::uint64_t next_event_cycle();
  // Runs until every accepted request has completed; returns now() (>= the last completion).
  std::uint64_t drain();
  std::uint64_t now() const { return now_; }
  // Requests accepted and not yet returned by take_completions().
  std::uint64_t outstanding() const { return outstanding_; }

  // Completions up to now(), in completion order, since the last take.
  std::vector<Completion> take_completions();
  // The same, appended to `out` (reuses its storage).
  void take_completions(std::vector<Completion>& out);

  const DramConfig& config() const { return cfg_; }
  const AddressMapper& mapper() const { return mapper_; }
  // Totals so far (built on each call from the channels' and the front end's counters).
  const DramStats& stats() const;

  // Extremes per segment (common/Stats.h's scopes): open_scope() brings every channel up
  // to now and starts a segment; close_scope() returns its first arrival and last
  // completion, its latency histograms (requests completed in it), its queue maxima
  // (bursts admitted in it, from the occupancy at its start) and now as elapsed_cycles;
  // sums and integrals are zero. Scopes nest; stats() still gives the whole run's values.
  void open_scope();
  DramStats close_scope();

  // Called for every command as it is issued, in time order within a channel (channels
  // are simulated lazily, so records of different channels may interleave out of order).
  // Off by default; costs one branch per command when off.
  void set_command_observer(CommandObserver observer) { observer_ = std::move(observer); }

 private:
  struct Slot {
    std::uint64_t id = 0;
    std::uint64_t arrival = 0;
    std::uint64_t seq = 0;
    std::uint64_t done = 0;
    std::uint32_t remaining = 0;  // bursts not yet issued
    std::uint32_t bytes = 0;
    bool is_write = false;
  };
  static constexpr std::uint32_t kSlotBits = 22;  // at most 2^22 requests outstanding

  void on_step(const ChannelController& ch, const StepResult& r);
  void sync_channels();
  void pop_completions();

  DramConfig cfg_;
  AddressMapper mapper_;
  std::unique_ptr<Scheduler> scheduler_;
  std::vector<ChannelController> channels_;
  std::uint64_t now_ = 0;
  std::uint64_t accept_cycle_ = 0;
  std::uint64_t request_seq_ = 0;
  std::uint64_t burst_seq_ = 0;
  std::uint64_t outstanding_ = 0;
  std::uint64_t last_done_cycle_ = 0;
  std::vector<Slot> slots_;
  std::vector<std::uint32_t> free_slots_;
  CompletionQueue done_;  // requests whose last burst is issued, until their cycle
  std::vector<Completion> completed_;
  DramStats request_stats_;  // the front end's counters
  bool arrival_seen_ = false;  // in the innermost open scope (or the run)
  struct SavedScope {
    bool arrival_seen = false;
    std::vector<std::array<std::uint32_t, 2>> channel_maxima;
  };
  stats::ScopeStack<DramStats> scopes_;
  std::vector<SavedScope> saved_scopes_;
  CommandObserver observer_;

  std::uint64_t min_completion_latency_;  // min(RL, WL) + burst: issue to completion
  // next_event_cycle()'s answer, cached until the engine's input changes.
  std::uint64_t epoch_ = 0;  // bumped by every change of the engine's input
  std::uint64_t cached_epoch_ = ~std::uint64_t{0};
  std::uint64_t cached_event_ = kNever;
  mutable DramStats stats_view_;
};

}  // namespace skv::dram
