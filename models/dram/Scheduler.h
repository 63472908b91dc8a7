#pragma once
// Which request command a channel issues next. A scheduler reads the channel's queued
// bursts and timing state and returns the command that wins at the earliest cycle any
// command is legal: exactly what a per-cycle arbiter would issue on that cycle, since no
// state changes between two commands. Schedulers hold no state of their own, so one
// instance serves every channel; what a scheduler remembers between picks lives in the
// channel's BankCandidate slots (kept valid while a bank's candidate is unchanged).

#include <cstdint>
#include <memory>

#include "models/dram/DramConfig.h"
#include "models/dram/DramTypes.h"
#include "models/dram/RequestBuffer.h"

namespace skv::dram {

class TimingChecker;
class RefreshManager;

struct Decision {
  std::uint64_t cycle = kNever;                // kNever: nothing to issue
  std::uint32_t bank = 0;                      // flat bank within the channel
  std::uint16_t entry = RequestBuffer::kNone;  // the burst acted for (kNone: refresh)
  Command command = Command::ACT;              // (last: the whole fits in 16 bytes)
};

// A bank's candidate command and the parts of it that change only with the bank itself
// (its queue, its open row, commands to it). The channel clears `valid` on those events.
struct BankCandidate {
  std::uint64_t bank_time = 0;  // the bank's own constraint on the command
  // FR-FCFS priority among commands legal on the same cycle, smaller first: bit 63 clear
  // for a column command (first ready), then the age (arrival order) of the burst served.
  std::uint64_t priority = 0;
  std::uint16_t entry = RequestBuffer::kNone;
  std::uint16_t group_slot = 0;  // index of its group's constraint: group * 4 + class
  std::uint8_t shared_slot = 0;  // index of its rank's shared constraint: rank * 4 + class
  Command command = Command::ACT;
  bool valid = false;

  static constexpr std::uint64_t kRowCommand = std::uint64_t{1} << 63;

  // A column command without auto-precharge served burst `served` of `bank`, which has left
  // `buffer`. When this slot held that command and the bank's next oldest hit is of the same
  // kind (read or write), the slot takes it over and stays valid: the row stays open, and a
  // RD or WR moves none of the bank's own column constraints (only its PRE one), so only
  // the burst served and its age change. False: the channel marks the slot for rebuilding.
  // (A scheduler that keeps no candidates never has a valid slot.)
  bool follow_column(std::uint32_t bank, std::uint16_t served, const RequestBuffer& buffer) {
    const RequestBuffer::BankQueue& q = buffer.bank(bank);
    if (!valid || entry != served || q.hits == 0) return false;
    const QueuedBurst& next = buffer.entry(q.first_hit);
    if (next.is_write != (command == Command::WR)) return false;
    entry = q.first_hit;
    priority = next.seq;  // a column command: bit 63 clear
    return true;
  }
};

struct SchedulerInput {
  const RequestBuffer& buffer;
  const TimingChecker& checker;
  const RefreshManager& refresh;
  std::uint64_t floor;   // no command before this cycle
  BankCandidate* cache;  // one slot per bank of the channel
};

class Scheduler {
 public:
  virtual ~Scheduler() = default;
  // The next request command at or after in.floor, honouring refresh blocking.
  virtual Decision pick(const SchedulerInput& in) const = 0;
  // The same after one burst was admitted to `bank` since `previous` was picked (with no
  // command issued in between): a scheduler may compare just that bank's candidate with
  // `previous` instead of looking at every bank.
  virtual Decision repick_after_admit(const Decision& previous, std::uint32_t bank,
                                      const SchedulerInput& in) const {
    (void)previous;
    (void)bank;
    return pick(in);
  }
};

std::unique_ptr<Scheduler> make_scheduler(SchedulerKind kind);

}  // namespace skv::dram
