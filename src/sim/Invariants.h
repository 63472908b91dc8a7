#pragma once
// End-of-run invariants, checked on every run before anything is reported: the work
// the simulation did equals the work the trace asks for (ExpectedWork, stated from the
// model and the plans alone), and no batch beat its roofline bound. A violation is a
// bug in the simulator: one line, an internal error (exit 3), never a report.

#include <cstdint>
#include <stdexcept>
#include <string>

#include "models/top/ExpectedWork.h"

namespace skv::sim {

struct RunResult;

class InvariantError : public std::logic_error {
 public:
  explicit InvariantError(const std::string& what)
      : std::logic_error("end-of-run invariant violated: " + what) {}
};

// Counters of the run against the work expected of the whole trace.
void check_work(const RunResult& r, const ExpectedWork& expected);

// One batch's simulated cycles against its roofline bound.
void check_batch_bound(std::uint64_t batch_id, std::uint64_t cycles, std::uint64_t bound);

// The operations one batch ran (counter differences over the batch) against the
// operations it must run: each layer's GEMVs and vector operations once, KV append and
// attention once per row, the LM head once.
struct BatchOps {
  std::uint64_t gemv = 0;
  std::uint64_t vector = 0;
  std::uint64_t attention = 0;
  std::uint64_t kv_appends = 0;
};
void check_batch_ops(std::uint64_t batch_id, const BatchOps& ran, const ExpectedWork& expected);

}  // namespace skv::sim
