#include "models/dram/Scheduler.h"

#include "models/dram/SchedulerFcfs.h"
#include "models/dram/SchedulerFrFcfs.h"

namespace skv::dram {

std::unique_ptr<Scheduler> make_scheduler(SchedulerKind kind) {
  if (kind == SchedulerKind::Fcfs) return std::make_unique<SchedulerFcfs>();
  return std::make_unique<SchedulerFrFcfs>();
}

}  // namespace skv::dram
