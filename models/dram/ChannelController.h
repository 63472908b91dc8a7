#pragma once
// One channel's controller: its request buffer, scheduler, page policy, refresh manager
// and timing checker, advanced one command at a time.
//
// Event-driven, exact: next_command_cycle() is the cycle on which a per-cycle controller
// would issue its next command (nothing changes between two commands, so the arbiter's
// choice on that cycle is known in advance); step() issues it. A burst admitted at cycle a
// is visible to the scheduler from cycle a on; callers first advance the channel to a.
// The whole state is plain values (a channel can be copied).

#include <array>
#include <cstdint>
#include <vector>

#include "models/dram/DramConfig.h"
#include "models/dram/DramTypes.h"
#include "models/dram/PagePolicy.h"
#include "models/dram/RefreshManager.h"
#include "models/dram/RequestBuffer.h"
#include "models/dram/Scheduler.h"
#include "models/dram/TimingChecker.h"

namespace skv::dram {

// Counters of one channel (summed into DramStats). Bursts and data-bus time follow from
// the column commands issued.
struct ChannelStats {
  std::array<std::uint64_t, kCommandCount> commands{};  // issued, by type
  std::uint64_t row_hits = 0;
  std::uint64_t row_misses = 0;
  std::uint64_t row_conflicts = 0;
  // Queue occupancy integral (bursts x cycles) as sums: each burst adds its admission cycle
  // to `queue_entered_cycles` and the cycle of its column command to `queue_left_cycles`,
  // so the integral up to T is left - entered + T x queued (exact in modular arithmetic).
  std::uint64_t queue_entered_cycles = 0;
  std::uint64_t queue_left_cycles = 0;
  std::uint64_t queue_last_event_cycle = 0;  // the latest admission or column command
  std::uint32_t queue_occupancy_max_bursts = 0;
};

// What one step() did (ChannelController::record() turns it into a CommandRecord).
struct StepResult {
  std::uint64_t cycle = 0;
  std::uint64_t data_end = 0;  // column commands: the cycle after the last data beat
  std::uint32_t request = 0;   // column commands: the engine's request slot
  std::uint32_t bank = 0;      // flat bank within the channel
  std::uint32_t row = 0;       // ACT and column commands
  std::uint32_t column = 0;    // column commands
  Command command = Command::ACT;
  bool burst = false;  // a column command: one burst of `request` done at data_end
};

class ChannelController {
 public:
  ChannelController(const DramConfig& cfg, const Scheduler& scheduler, std::uint32_t index);

  bool full() const { return buffer_.full(); }
  std::uint32_t queued() const { return buffer_.size(); }
  const RequestBuffer& buffer() const { return buffer_; }
  const TimingChecker& checker() const { return checker_; }
  const ChannelStats& stats() const { return stats_; }
  // Queue occupancy integral (bursts x cycles) up to `cycle`, or up to the channel's latest
  // event when that is later (a channel may have been simulated past the engine's now).
  std::uint64_t occupancy_until(std::uint64_t cycle) const;

  // The cycle of the next command (kNever: nothing to do, not even a refresh).
  std::uint64_t next_command_cycle() {
    if (!decided_) decide();
    return decision_.cycle;
  }
  // Issues the command of next_command_cycle().
  StepResult step();
  // The command log's record of a step of this channel.
  CommandRecord record(const StepResult& r) const;
  // Issues every command before `cycle`, handing each result to `f`.
  template <typename F>
  void advance_to(std::uint64_t cycle, F&& f) {
    while (next_command_cycle() < cycle) f(step());
  }
  // Adds a burst at cycle `cycle`; every command before `cycle` must have been issued.
  void admit(std::uint64_t seq, std::uint32_t request, const DramAddress& a, bool is_write,
             std::uint64_t cycle);

 private:
  void decide();
  SchedulerInput scheduler_input() {
    return SchedulerInput{buffer_, checker_, refresh_, floor_, candidates_.data()};
  }
  // Commands to a bank (or rank) and admissions change what its scheduler slot holds.
  void invalidate_bank(std::uint32_t b) { candidates_[b].valid = false; }
  void invalidate_rank(std::uint32_t rank);

  const Scheduler* scheduler_;
  std::uint32_t index_;
  PagePolicyUnit page_;
  TimingChecker checker_;
  RefreshManager refresh_;
  RequestBuffer buffer_;
  ChannelStats stats_;
  std::vector<BankCandidate> candidates_;  // the scheduler's per-bank memory
  std::uint64_t floor_ = 0;                // no command before the latest admission
  Decision decision_;                      // the next command (request or refresh)
  Decision request_decision_;              // the scheduler's pick behind it
  bool decided_ = false;
  // Set when exactly one burst was admitted since request_decision_ was made (and nothing
  // issued): the scheduler may then update its pick instead of redoing it.
  std::int32_t admitted_bank_ = -1;
};

}  // namespace skv::dram
