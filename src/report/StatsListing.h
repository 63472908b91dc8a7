#pragma once
// The stats registry as a list: every counter of every unit's group (common/Stats.h,
// gathered in sim::Counters) and every derived figure (report/DerivedFigures.h), each
// with its path in report.json, kind, unit and description. `swiftkv-sim stats` prints
// it (docs/stats.md is its output, checked by a test), and `run --all-figures` prints
// every value of a report in this order.
// The energy group's figures (report/Energy.h) close the list.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace skv::report {

struct ListedStat {
  std::string path;  // in report.json, dotted ("dram.row_hits")
  std::string kind;  // a counter's kind, or "derived"
  std::string unit;
  std::string description;
  bool exact_only = false;  // left out of a fast-mode report
  // Only in the report of a design with overlap (hardware config `overlap`).
  bool overlap_only = false;
  // Only in the report of a run with an energy preset (`run --energy`, a sweep's
  // `energy` key): the `energy` group (report/Energy.h).
  bool energy_only = false;
};

std::vector<ListedStat> stats_listing();

// The listing as a Markdown table.
std::string stats_markdown();

// Every listed value a report holds, one per line: path, value, unit (a histogram as its
// count, mean, p50, p99 and max).
std::string all_figures_text(const nlohmann::json& report);

}  // namespace skv::report
