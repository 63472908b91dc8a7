#pragma once
// Whether a column command closes its row (RDA/WRA, auto-precharge) or leaves it open.
//
//   open             never: the row stays open until a conflict (or refresh) precharges it
//   closed           always: every access pays ACT, nothing pays a conflict's PRE
//   open_adaptive    only when no queued burst hits the row and another one needs the bank
//   closed_adaptive  unless another queued burst hits the row (DRAMSys's names)

#include <cstdint>

#include "models/dram/DramConfig.h"

namespace skv::dram {

class PagePolicyUnit {
 public:
  explicit PagePolicyUnit(PagePolicy p) : policy_(p) {}

  // `hits_left`: queued bursts still hitting the open row after this one;
  // `others_left`: queued bursts for the same bank but another row.
  bool auto_precharge(std::uint32_t hits_left, std::uint32_t others_left) const {
    switch (policy_) {
      case PagePolicy::Open:
        return false;
      case PagePolicy::Closed:
        return true;
      case PagePolicy::OpenAdaptive:
        return hits_left == 0 && others_left > 0;
      case PagePolicy::ClosedAdaptive:
        return hits_left == 0;
    }
    return false;
  }

  PagePolicy policy() const { return policy_; }

 private:
  PagePolicy policy_;
};

}  // namespace skv::dram
