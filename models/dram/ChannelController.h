#pragma once
// One channel's controller: its request buffers, scheduler, page policy, refresh manager
// and timing checker, advanced one command at a time.
//
// Reads and writes: under WritePolicy::Shared one buffer holds both and the scheduler sees
// every burst. Under WritePolicy::Drain writes wait in a buffer of their own and the
// scheduler sees one buffer at a time: the reads, or in write drain mode the writes. Drain
// mode starts when the write buffer holds write_high_watermark bursts, or when writes wait
// and no read does; it ends when no write is left, or when reads wait and the writes are
// down to write_low_watermark. The mode depends on the buffers' contents alone, which
// change only at admissions and commands: the mode of a cycle with such events follows from
// the mode before that cycle and the contents after all of them (several bursts can be
// admitted on one cycle), and is settled before each decision.
//
// Event-driven, exact: next_command_cycle() is the cycle on which a per-cycle controller
// would issue its next command (nothing changes between two commands, so the arbiter's
// choice on that cycle is known in advance); step() issues it. A burst admitted at cycle a
// is visible to the scheduler from cycle a on; callers first advance the channel to a.
// The whole state is plain values (a channel can be copied).

#include <algorithm>
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
// The counters every burst touches come first.
struct ChannelStats {
  // Queue occupancy integral (bursts x cycles) as sums, by direction ([0] reads, [1]
  // writes): each burst adds its admission cycle to `queue_entered_cycles` and the cycle of
  // its column command to `queue_left_cycles`, so the integral up to T is left - entered +
  // T x queued (exact in modular arithmetic).
  std::array<std::uint64_t, 2> queue_entered_cycles{};
  std::array<std::uint64_t, 2> queue_left_cycles{};
  std::uint64_t queue_last_event_cycle = 0;            // the latest admission or column command
  std::uint32_t queue_occupancy_max_bursts = 0;        // reads and writes
  std::uint32_t write_queue_occupancy_max_bursts = 0;  // writes (own buffer or shared)
  // Bursts by how they found their row (indexed by RowOutcome: hit, miss, conflict).
  std::array<std::uint64_t, 4> row_outcomes{};
  // Column commands whose direction differs from the channel's previous column command.
  std::uint64_t read_to_write_turnarounds = 0;
  std::uint64_t write_to_read_turnarounds = 0;
  std::array<std::uint64_t, kCommandCount> commands{};  // issued, by type
  std::uint64_t write_drains = 0;                       // times write drain mode began
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

  // The buffer a burst of that direction joins has no room.
  bool full(bool is_write) const { return buffers_[buffer_of_[is_write]].full(); }
  std::uint32_t queued() const { return buffers_[0].size() + other_queued(); }
  std::uint32_t writes_queued() const {
    return split_ ? buffers_[!write_mode_].size() : buffers_[0].writes();
  }
  bool write_mode() const { return write_mode_; }
  // Write drain episodes so far (one still open counts).
  std::uint64_t write_drains() const {
    return stats_.write_drains + (write_mode_ && !mode_before_ ? 1 : 0);
  }
  const TimingChecker& checker() const { return checker_; }
  const ChannelStats& stats() const { return stats_; }
  // A queue-occupancy scope (DramEngine::open_scope): the maxima so far, set aside, and
  // restarted from the occupancy now; restore_queue_maxima() merges them back.
  std::array<std::uint32_t, 2> restart_queue_maxima() {
    const std::array<std::uint32_t, 2> saved{stats_.queue_occupancy_max_bursts,
                                             stats_.write_queue_occupancy_max_bursts};
    stats_.queue_occupancy_max_bursts = queued();
    stats_.write_queue_occupancy_max_bursts = writes_queued();
    return saved;
  }
  void restore_queue_maxima(const std::array<std::uint32_t, 2>& saved) {
    stats_.queue_occupancy_max_bursts = std::max(stats_.queue_occupancy_max_bursts, saved[0]);
    stats_.write_queue_occupancy_max_bursts =
        std::max(stats_.write_queue_occupancy_max_bursts, saved[1]);
  }
  // Queue occupancy integral (bursts x cycles) up to `cycle`, or up to the channel's latest
  // event when that is later (a channel may have been simulated past the engine's now).
  std::uint64_t occupancy_until(std::uint64_t cycle) const;
  // The same for the writes queued.
  std::uint64_t write_occupancy_until(std::uint64_t cycle) const;

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
  // The refresh manager's part of a decision, when a refresh falls due by the scheduler's
  // command: a per-bank refresh's bank is chosen, and a refresh command may go first.
  [[gnu::noinline]] void decide_refresh();
  // The buffer the scheduler serves is always buffers_[0] (the hot paths address it at a
  // fixed place); a change of mode swaps the two.
  RequestBuffer& served() { return buffers_[0]; }
  // The buffer holding the reads (every burst when shared) and, under WritePolicy::Drain,
  // the one holding the writes.
  const RequestBuffer& reads() const { return buffers_[write_mode_]; }
  const RequestBuffer& writes() const { return buffers_[!write_mode_]; }
  SchedulerInput scheduler_input() {
    return SchedulerInput{served(), checker_, refresh_, floor_, candidates_.data()};
  }
  // The latest cycle that changed the buffers' contents: an admission or a column command
  // (row commands leave them as they are).
  std::uint64_t event_cycle() const { return stats_.queue_last_event_cycle; }
  // Drain mode's state from the mode before the latest event cycle and the buffers' contents
  // now (equal to write_mode_: no change).
  bool wanted_write_mode() const;
  // No write queued and no drain now or before: the mode cannot change (always so when
  // reads and writes share a buffer). drain_live_ is set by any write admitted to the write
  // buffer and cleared only when settling the mode finds none of the three.
  bool mode_quiet() const { return !drain_live_; }
  // Settles the mode before a decision; true when it changed (every candidate invalid).
  // No write queued and no drain: nothing can change (the usual case on read streams).
  bool update_write_mode() { return !mode_quiet() && settle_write_mode(); }
  [[gnu::noinline]] bool settle_write_mode();  // out of the decision's hot path
  // Bursts in the buffer not served. It is empty while no drain is live (and always when
  // shared): then it is not looked at, and on a read stream it stays out of the cache.
  std::uint32_t other_queued() const { return drain_live_ ? buffers_[1].size() : 0; }
  // A bank's open row changed: recount its hits in the buffer served and, where it holds
  // bursts of that bank, in the other one.
  void set_open_row(std::uint32_t b, std::uint32_t row) {
    buffers_[0].set_open_row(b, row);
    if (other_queued() != 0 && buffers_[1].bank(b).count != 0) buffers_[1].set_open_row(b, row);
  }
  // Commands to a bank (or rank) and admissions change what its scheduler slot holds.
  void invalidate_bank(std::uint32_t b) { candidates_[b].valid = false; }
  void invalidate_rank(std::uint32_t rank);

  // What every admission, decision and command reads or writes comes first, so that it
  // shares few cache lines: a replay cycles through every channel, and 32 channels' state
  // does not fit a first-level data cache.
  const Scheduler* scheduler_;
  std::uint64_t floor_ = 0;    // no command before the latest admission
  Decision decision_;          // the next command (request or refresh)
  Decision request_decision_;  // the scheduler's pick behind it
  // Set when exactly one burst was admitted since request_decision_ was made (and nothing
  // issued): the scheduler may then update its pick instead of redoing it.
  std::int32_t admitted_bank_ = -1;
  bool decided_ = false;
  bool split_;               // WritePolicy::Drain
  bool write_mode_ = false;  // drain mode: the scheduler serves the writes
  bool drain_live_ = false;  // false: no write queued and no drain now or before
  // The buffer a burst joins, by direction ([0] reads, [1] writes): 0 the one served, 1 the
  // other. Shared: {0, 0}; under WritePolicy::Drain {0, 1}, and {1, 0} in drain mode.
  std::array<std::uint8_t, 2> buffer_of_;
  PagePolicyUnit page_;
  std::vector<BankCandidate> candidates_;  // the scheduler's per-bank memory
  ChannelStats stats_;
  // [0]: the buffer served: the reads (every burst when shared), or the writes in drain mode;
  // [1]: the other one (unused when shared).
  std::array<RequestBuffer, 2> buffers_;
  TimingChecker checker_;
  RefreshManager refresh_;
  // Drain mode's bookkeeping (only while writes are about) and the rest.
  bool mode_before_ = false;      // the mode in force before mode_cycle_
  std::uint64_t mode_cycle_ = 0;  // the event cycle write_mode_ was settled for
  std::uint32_t high_watermark_;
  std::uint32_t low_watermark_;
  std::uint32_t index_;
};

}  // namespace skv::dram
