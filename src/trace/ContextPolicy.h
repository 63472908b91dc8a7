#pragma once
// Rows whose new token does not fit in the model's context (kv_len + 1 > max_context):
// real request traces have them (a conversation that grew past the model's window). The
// user chooses what happens to them, and the run reports how many it touched:
//
//   stop  the run stops before simulating, naming the first such row (the default)
//   skip  every step of a request with such a row is dropped
//   clip  such a row attends over the model's whole context (kv_len = max_context - 1)

#include <cstdint>
#include <optional>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "models/sequencer/DecodeStep.h"

namespace skv::trace {

enum class OverContext { Stop, Skip, Clip };
const char* over_context_name(OverContext p);

struct ContextCounts {
  std::uint64_t requests_skipped = 0;
  std::uint64_t steps_skipped = 0;
  std::uint64_t steps_clipped = 0;
};

// Reads the whole trace once: its rows, and the requests with a row past the context.
// With OverContext::Stop, throws InputError naming the first such row.
struct TraceScan {
  std::uint64_t rows = 0;
  std::set<std::uint64_t> over_context_requests;
};
// `check`, when given, sees every batch first (to refuse a batch the hardware cannot
// hold, say, before anything is simulated).
TraceScan scan_trace(const std::string& path, std::uint64_t max_context, OverContext policy,
                     const std::string& model_name,
                     const std::function<void(const std::vector<DecodeStep>&)>& check = nullptr);

// A trace to run and what to do with its rows past the context.
struct TraceInput {
  TraceInput(std::string p = {}) : path(std::move(p)) {}  // NOLINT: a path is a trace input
  std::string path;
  OverContext over_context = OverContext::Stop;
  std::set<std::uint64_t> over_context_requests;  // from scan_trace
  // Asked before each batch: true ends the trace there, as if it had no more rows (a run
  // interrupted by the user stops between two batches, with every unit drained). Asked
  // after the last batch, it ends nothing: the trace is complete.
  std::function<bool()> stop_requested;
};

// A batch source that applies the policy to another (a batch left with no rows is
// passed over), and ends the trace early when the input's stop_requested says so.
class ContextFilter : public BatchSource {
 public:
  ContextFilter(BatchSource& inner, std::uint64_t max_context, const TraceInput& input);
  bool next_batch(std::vector<DecodeStep>& out) override;
  const std::string& path() const override { return inner_.path(); }
  const ContextCounts& counts() const { return counts_; }
  bool stopped() const { return stopped_; }  // ended early by stop_requested, rows left

 private:
  bool next_kept_batch(std::vector<DecodeStep>& out);

  BatchSource& inner_;
  std::uint64_t max_context_;
  OverContext policy_;
  std::set<std::uint64_t> skip_;
  ContextCounts counts_;
  std::function<bool()> stop_requested_;
  bool stopped_ = false;
};

}  // namespace skv::trace
