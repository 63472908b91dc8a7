#pragma once
// A value of a JSON document by its dotted path ("dram.read_latency_cycles.p99"): how
// report.json's figures are named in `run --all-figures`, sweep.csv and compare.csv.

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>

namespace skv {

// The value at `path`, or null when a step of it is missing or not an object.
inline const nlohmann::json* find_dotted(const nlohmann::json& j, const std::string& path) {
  const nlohmann::json* at = &j;
  for (std::size_t start = 0; start <= path.size();) {
    const std::size_t dot = std::min(path.find('.', start), path.size());
    const std::string key = path.substr(start, dot - start);
    if (!at->is_object() || !at->contains(key)) return nullptr;
    at = &(*at)[key];
    start = dot + 1;
  }
  return at;
}

}  // namespace skv
