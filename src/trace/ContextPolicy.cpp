#include "trace/ContextPolicy.h"

#include <fmt/format.h>

#include "common/Error.h"
#include "trace/DecodeTrace.h"

namespace skv::trace {

const char* over_context_name(OverContext p) {
  switch (p) {
    case OverContext::Stop: return "stop";
    case OverContext::Skip: return "skip";
    case OverContext::Clip: return "clip";
  }
  return "?";
}

TraceScan scan_trace(const std::string& path, std::uint64_t max_context, OverContext policy,
                     const std::string& model_name,
                     const std::function<void(const std::vector<DecodeStep>&)>& check) {
  DecodeTraceReader reader(path);
  std::vector<DecodeStep> batch;
  TraceScan scan;
  while (reader.next_batch(batch)) {
    scan.rows += batch.size();
    if (check) check(batch);
    for (const DecodeStep& r : batch) {
      if (r.kv_len < max_context) continue;  // kv_len + 1 <= max_context, without overflow
      if (policy == OverContext::Stop) {
        throw InputError(fmt::format(
            "{}:{}: kv_len {} plus the new token exceeds max_context = {} of model {} (request "
            "{}); --over-context skip drops such requests, clip keeps them at the last position",
            path, r.line, r.kv_len, max_context, model_name, r.request));
      }
      scan.over_context_requests.insert(r.request);
    }
  }
  return scan;
}

ContextFilter::ContextFilter(BatchSource& inner, std::uint64_t max_context,
                             const TraceInput& input)
    : inner_(inner),
      max_context_(max_context),
      policy_(input.over_context),
      skip_(input.over_context_requests),
      stop_requested_(input.stop_requested) {
  if (policy_ == OverContext::Skip) counts_.requests_skipped = skip_.size();
}

bool ContextFilter::next_batch(std::vector<DecodeStep>& out) {
  if (stopped_) return false;
  const bool stop = stop_requested_ && stop_requested_();
  const bool more = next_kept_batch(out);
  // A stop asked for after the last batch ends nothing: the trace is complete.
  if (more && stop) {
    stopped_ = true;
    out.clear();
    return false;
  }
  return more;
}

bool ContextFilter::next_kept_batch(std::vector<DecodeStep>& out) {
  while (inner_.next_batch(out)) {
    if (policy_ == OverContext::Stop) return true;
    std::vector<DecodeStep> kept;
    kept.reserve(out.size());
    for (DecodeStep r : out) {
      if (policy_ == OverContext::Skip && skip_.count(r.request) != 0) {
        ++counts_.steps_skipped;
        continue;
      }
      if (policy_ == OverContext::Clip && r.kv_len >= max_context_) {
        r.kv_len = max_context_ - 1;
        ++counts_.steps_clipped;
      }
      kept.push_back(r);
    }
    if (kept.empty()) continue;
    out = std::move(kept);
    return true;
  }
  return false;
}

}  // namespace skv::trace
