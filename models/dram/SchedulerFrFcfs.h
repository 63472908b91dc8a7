#pragma once
// First-ready, first-come-first-served (Rixner et al., ISCA 2000): among the commands legal
// on the earliest cycle, column commands (row hits) before row commands, then the oldest
// burst. Per bank the candidate is the oldest hit's RD/WR when its open row has queued
// hits; else PRE (a conflict) or ACT for the bank's oldest burst. A bank is not precharged
// while its open row has queued hits, so a run of hits can delay an older conflicting
// burst: FR-FCFS's known unfairness, bounded here by queue_depth.

#include "models/dram/Scheduler.h"

namespace skv::dram {

class SchedulerFrFcfs final : public Scheduler {
 public:
  Decision pick(const SchedulerInput& in) const override;
  Decision repick_after_admit(const Decision& previous, std::uint32_t bank,
                              const SchedulerInput& in) const override;
};

}  // namespace skv::dram
