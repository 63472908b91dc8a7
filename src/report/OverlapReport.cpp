#include "report/OverlapReport.h"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

#include "common/Figures.h"

namespace skv::report {

namespace {

std::uint64_t count_at(const nlohmann::json& report, const char* pointer) {
  const nlohmann::json::json_pointer p(pointer);
  if (!report.contains(p) || !report.at(p).is_number_unsigned()) {
    throw std::runtime_error(fmt::format("report.json: {} is missing or not a count", pointer));
  }
  return report.at(p).get<std::uint64_t>();
}

// What is left of `whole` once `parts` are taken; an error when they exceed it, but in
// a fast-mode report, whose counters are interpolated one by one and rounded, where the
// rest is then 0 (the parts exceed their class by a cycle or so per interpolated step).
std::uint64_t rest(const char* cls, std::uint64_t whole, std::uint64_t parts, bool fast) {
  if (parts > whole && fast) return 0;
  if (parts > whole) {
    throw std::runtime_error(
        fmt::format("report.json: the {} operations' counted cycles ({}) exceed their time ({})",
                    cls, parts, whole));
  }
  return whole - parts;
}

}  // namespace

nlohmann::json ExclusiveBreakdown::json() const {
  nlohmann::json j = nlohmann::json::object();
  const double total = static_cast<double>(total_cycles);
  for (const BreakdownPart& p : parts) {
    j[p.name + "_cycles"] = p.cycles;
    j[p.name + "_pct"] = round6(pct(static_cast<double>(p.cycles), total));
  }
  return j;
}

ExclusiveBreakdown exclusive_breakdown(const nlohmann::json& r) {
  const std::uint64_t gemv = count_at(r, "/breakdown/gemv_cycles");
  const std::uint64_t attention = count_at(r, "/breakdown/attention_cycles");
  const std::uint64_t other = count_at(r, "/breakdown/other_cycles");
  // GEMVs: the array's compute and fill/drain, and its waits for weights.
  std::uint64_t gemv_array = count_at(r, "/processor_array/gemv_compute_cycles") +
                             count_at(r, "/processor_array/fill_drain_cycles");
  std::uint64_t weights = count_at(r, "/processor_array/weight_stall_cycles");
  // overlap.o_projection: head_streamed: the slices' array time beside the attention is
  // inside the attention's time, so not the GEMV class's.
  if (r.contains("o_projection")) {
    gemv_array -= std::min(gemv_array, count_at(r, "/o_projection/beside_compute_cycles") +
                                           count_at(r, "/o_projection/beside_fill_drain_cycles"));
    weights -= std::min(weights, count_at(r, "/o_projection/beside_weight_stall_cycles"));
  }
  // Attention: the pipeline's tiles and tails, and the readers' waits for K/V from DRAM.
  const std::uint64_t pipeline = count_at(r, "/attention_pipeline/busy_cycles");
  const std::uint64_t kv = count_at(r, "/kv_sram/stall_cycles");
  // The rest (class `other`): the array's vector lanes, and the KV append's SRAM writes.
  const std::uint64_t units = count_at(r, "/processor_array/vector_cycles") +
                              count_at(r, "/attention_pipeline/kv_append_cycles");
  const bool fast = r.value("mode", "") == "fast";
  ExclusiveBreakdown b;
  b.total_cycles = count_at(r, "/totals/simulated_cycles");
  const std::uint64_t cycles[ExclusiveBreakdown::kParts] = {
      gemv_array,
      weights,
      rest("GEMV", gemv, gemv_array + weights, fast),
      pipeline,
      kv,
      rest("attention", attention, pipeline + kv, fast),
      units,
      rest("other", other, units, fast)};
  for (std::size_t k = 0; k < ExclusiveBreakdown::kParts; ++k) {
    b.parts.push_back({ExclusiveBreakdown::part_name(k), cycles[k]});
  }
  std::uint64_t sum = 0;
  for (const BreakdownPart& p : b.parts) sum += p.cycles;
  if (fast) {
    // The parts as they are, over their own sum: shares that add up to 100%.
    b.total_cycles = sum;
  } else if (sum != b.total_cycles) {
    throw std::runtime_error(
        fmt::format("report.json: the operation classes' cycles ({}) are not the simulated "
                    "cycles ({})",
                    sum, b.total_cycles));
  }
  return b;
}

nlohmann::json overlap_json(const config::HwConfig& hw, const sim::RunResult& r,
                            const nlohmann::json& report) {
  const double cycles = static_cast<double>(r.cycles);
  const double period_ns = static_cast<double>(r.accel_period_ps) / 1000.0;
  const ProcessorArray::PrefetchStats& w = r.weight_prefetch;
  const std::uint64_t buffer = std::uint64_t{hw.memory.max_outstanding} * hw.memory.request_bytes;
  const double mean =
      cycles > 0 ? static_cast<double>(w.buffer_occupancy_byte_cycles) / cycles : 0.0;
  nlohmann::json weights = {
      {"choice", config::weight_overlap_name(hw.overlap.weights)},
      {"buffer_bytes", buffer},
      {"buffer_mean_bytes", round6(mean)},
      {"buffer_mean_pct", round6(pct(mean, static_cast<double>(buffer)))},
      {"boundaries", w.streams_ahead},
      {"prefetched_bytes", w.prefetched_bytes},
      // Every stream started ahead is the next GEMV's, and the GEMV reads all of it (a GEMV
      // that finds another stream stops the run): none is dropped or fetched again.
      {"wasted_bytes", 0},
      {"fetched_twice_bytes", 0},
      {"hideable_bytes", w.hideable_bytes},
      {"hideable_cycles", w.hideable_cycles},
      {"hideable_ns", round6(static_cast<double>(w.hideable_cycles) * period_ns)}};
  // A buffer's peak is a maximum, which the fast mode does not estimate (report.json names
  // it in `fast.not_estimated`): only an exact run reports it.
  const bool fast = report.value("mode", "") == "fast";
  if (!fast) weights["buffer_peak_bytes"] = w.buffer_peak_bytes;
  nlohmann::json j;
  j["streams"]["weights"] = std::move(weights);
  if (hw.overlap.kv != config::KvOverlap::None) {
    const KvCacheSram::PrefetchStats& k = r.kv_prefetch;
    const std::uint64_t space = hw.kv_sram.prefetch_bytes();
    const double kv_mean =
        cycles > 0 ? static_cast<double>(k.buffer_occupancy_byte_cycles) / cycles : 0.0;
    j["streams"]["kv"] = {
        {"choice", config::kv_overlap_name(hw.overlap.kv)},
        {"buffer_bytes", space},
        {"buffer_mean_bytes", round6(kv_mean)},
        {"buffer_mean_pct", round6(pct(kv_mean, static_cast<double>(space)))},
        {"boundaries", k.streams},
        {"prefetched_bytes", k.prefetched_bytes},
        {"wasted_bytes", k.wasted_bytes},
        {"fetched_twice_bytes", k.refetched_bytes},
        {"hideable_bytes", k.hideable_bytes},
        {"hideable_cycles", k.hideable_cycles},
        {"hideable_ns", round6(static_cast<double>(k.hideable_cycles) * period_ns)}};
    if (!fast) j["streams"]["kv"]["buffer_peak_bytes"] = k.buffer_peak_bytes;
  }
  std::uint64_t hideable = 0;
  for (const auto& [name, s] : j["streams"].items())
    hideable += s["hideable_cycles"].get<std::uint64_t>();
  j["hideable_cycles"] = hideable;
  j["hideable_ns"] = round6(static_cast<double>(hideable) * period_ns);
  if (hw.overlap.head_streamed()) {
    const ProcessorArray::BesideStats& b = r.o_projection;
    const std::uint64_t beside = b.beside_cycles();
    j["o_projection"] = {{"choice", config::o_projection_name(hw.overlap.o_projection)},
                         {"attention_rows", hw.array.attention_rows},
                         {"slice_rows", hw.array.rows - hw.array.attention_rows},
                         {"slices", b.slices},
                         {"beside_attention_cycles", beside},
                         {"beside_attention_ns", round6(static_cast<double>(beside) * period_ns)}};
  }
  j["exclusive_breakdown"] = exclusive_breakdown(report).json();
  return j;
}

}  // namespace skv::report
