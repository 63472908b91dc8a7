#pragma once
// Whether operations overlap: the validated configuration and its schema, the `overlap`
// keys of a hardware config (an optional section; loaded by src/config, docs/formats.md's
// table generated from the schema in models/top/HwConfig.h).

#include <cstdint>

namespace skv::config {

// What the weight DMA may fetch ahead of the GEMV that reads it.
//   none     a GEMV's weight stream starts when the GEMV starts (the buffer drains at
//            the end of every GEMV)
//   next_op  while a GEMV computes, the next GEMV's weight stream fills the slots of
//            the weight buffer that the running one releases
enum class WeightOverlap : std::uint8_t { None, NextOp };

inline const char* weight_overlap_name(WeightOverlap w) {
  return w == WeightOverlap::NextOp ? "next_op" : "none";
}

struct OverlapConfig {
  WeightOverlap weights = WeightOverlap::None;
  bool any() const { return weights != WeightOverlap::None; }
};

}  // namespace skv::config
