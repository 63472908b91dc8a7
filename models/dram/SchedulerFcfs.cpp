#include "models/dram/SchedulerFcfs.h"

#include "models/dram/RefreshManager.h"
#include "models/dram/TimingChecker.h"

namespace skv::dram {

Decision SchedulerFcfs::pick(const SchedulerInput& in) const {
  const RequestBuffer& buffer = in.buffer;
  const TimingChecker& checker = in.checker;
  const std::uint64_t floor = in.floor;
  // The oldest burst is the oldest head among the banks' lists.
  std::uint16_t oldest = RequestBuffer::kNone;
  buffer.for_each_active_bank([&](std::uint32_t b) {
    const std::uint16_t h = buffer.bank(b).head;
    if (oldest == RequestBuffer::kNone || buffer.entry(h).seq < buffer.entry(oldest).seq) {
      oldest = h;
    }
  });
  Decision d;
  if (oldest == RequestBuffer::kNone) return d;
  const QueuedBurst& e = buffer.entry(oldest);
  const std::uint32_t b = e.bank;
  const std::uint64_t blocked = in.refresh.blocked_from(b);
  if (blocked <= floor) return d;
  d.bank = b;
  d.entry = oldest;
  if (!checker.is_open(b)) {
    d.command = Command::ACT;
  } else if (checker.open_row(b) == e.row) {
    d.command = e.is_write ? Command::WR : Command::RD;
  } else {
    d.command = Command::PRE;
  }
  std::uint64_t t = checker.earliest(d.command, b);
  if (t < floor) t = floor;
  if (t >= blocked) return Decision{};
  d.cycle = t;
  return d;
}

Decision SchedulerFcfs::repick_after_admit(const Decision& previous, std::uint32_t bank,
                                           const SchedulerInput& in) const {
  // The new burst is the youngest: it matters only when it is the only one.
  (void)bank;
  if (previous.cycle == kNever) return pick(in);
  return previous;
}

}  // namespace skv::dram
