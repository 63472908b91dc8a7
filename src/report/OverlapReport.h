#pragma once
// What overlap buys, in report.json's `overlap` group (runs with overlap only, so a run
// without it reports what it always did): per stream fetched ahead (the GEMV weights
// now; a map, so that K/V joins as a second stream) the buffer's size, peak and mean
// occupancy, the bytes prefetched, wasted and fetched twice, and the hideable bound; and
// the exclusive breakdown of the simulated cycles (docs/formats.md, docs/architecture.md).

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "config/HwConfigLoader.h"
#include "sim/Simulation.h"

namespace skv::report {

// The simulated cycles, each booked to exactly one part: per class of operation, the
// cycles its unit was busy, the cycles it waited for DRAM data (weights for the GEMVs,
// K/V for attention), and the rest of the class's time (issue, clock alignment, posted
// writes held back), which no counter of the unit names. Every part is a difference or a
// sum of counters the report already has, so the parts add up to the classes' cycles,
// which add up to `totals.simulated_cycles`: the shares add up to 100%.
struct BreakdownPart {
  std::string name;  // e.g. "gemv_waiting_for_weights"
  std::uint64_t cycles = 0;
};
struct ExclusiveBreakdown {
  // The parts, in this order: per class, busy, waiting (GEMV and attention) and the rest.
  static constexpr std::size_t kParts = 8;
  static const char* part_name(std::size_t k) {
    static constexpr const char* kNames[kParts] = {
        "gemv_array",         "gemv_waiting_for_weights", "gemv_unattributed",
        "attention_pipeline", "attention_waiting_for_kv", "attention_unattributed",
        "other_units",        "other_unattributed"};
    return kNames[k];
  }
  std::vector<BreakdownPart> parts;  // kParts of them, in part_name order
  std::uint64_t total_cycles = 0;    // totals.simulated_cycles (fast mode: the parts' sum)
  // {"<part>_cycles": n, "<part>_pct": share, ...}
  nlohmann::json json() const;
};

// From a run's report.json (any format 9 report, with overlap or without). Throws
// std::runtime_error naming the class whose counted parts exceed its cycles, or a key
// the report lacks.
ExclusiveBreakdown exclusive_breakdown(const nlohmann::json& report);

// The `overlap` group of a run with overlap; `report` is the rest of its report.json
// (the breakdown is taken from it).
nlohmann::json overlap_json(const config::HwConfig& hw, const sim::RunResult& r,
                            const nlohmann::json& report);

}  // namespace skv::report
