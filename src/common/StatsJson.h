#pragma once
// A stats group (common/Stats.h) as JSON, by iterating its declarations: each scalar
// counter under its name, each histogram as an object of its count, sum, mean, extremes
// and percentiles (in the histogram's unit).

#include <nlohmann/json.hpp>

#include "common/Stats.h"

namespace skv::stats {

inline nlohmann::json histogram_json(const Histogram& h) {
  return nlohmann::json{{"count", h.count()}, {"sum", h.sum()},          {"mean", h.mean()},
                        {"min", h.min()},     {"p50", h.percentile(50)}, {"p99", h.percentile(99)},
                        {"max", h.max()}};
}

// Every counter of `group` into the JSON object `out`.
template <class Group>
void add_group_json(nlohmann::json& out, const Group& group) {
  group.for_each([&out](const Info& info, std::uint64_t v) { out[info.name] = v; });
  group.for_each_histogram(
      [&out](const Info& info, const Histogram& h) { out[info.name] = histogram_json(h); });
}

}  // namespace skv::stats
