#pragma once
// Strict first-come-first-served: only the oldest queued burst is served (its PRE, ACT or
// column command), with no reordering; the baseline FR-FCFS is compared against.

#include "models/dram/Scheduler.h"

namespace skv::dram {

class SchedulerFcfs final : public Scheduler {
 public:
  Decision pick(const SchedulerInput& in) const override;
  Decision repick_after_admit(const Decision& previous, std::uint32_t bank,
                              const SchedulerInput& in) const override;
};

}  // namespace skv::dram
