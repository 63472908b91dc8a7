#include "models/dram/PagePolicy.h"

namespace skv::dram {

bool PagePolicyUnit::auto_precharge(std::uint32_t hits_left, std::uint32_t others_left) const {
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

}  // namespace skv::dram
