#include "report/StatsListing.h"

#include <fmt/format.h>

#include <string_view>

#include "common/JsonPath.h"
#include "common/Stats.h"
#include "report/DerivedFigures.h"
#include "report/Energy.h"
#include "sim/Counters.h"

namespace skv::report {

std::vector<ListedStat> stats_listing() {
  std::vector<ListedStat> out;
  sim::Counters groups;
  groups.visit_groups([&out](const char* group, auto& stats) {
    for (const stats::Info& info : stats.kInfo) {
      const bool overlap = sim::StatGroups::overlap_only(group);
      // overlap.o_projection: head_streamed, which the fast mode refuses.
      const bool exact_group = std::string_view(group) == "o_projection";
      out.push_back({std::string(group) + "." + info.name, stats::kind_name(info.kind),
                     stats::unit_name(info.unit), info.description,
                     exact_group || !stats::subtractable(info.kind), overlap});
    }
  });
  for (const DerivedFigure& f : derived_figures()) {
    out.push_back(
        {std::string(f.group) + "." + f.name, "derived", f.unit, f.description, f.exact_only});
  }
  for (const EnergyFigure& f : energy_figures()) {
    ListedStat s{"energy." + f.path, "derived", f.unit, f.description};
    s.energy_only = true;
    out.push_back(std::move(s));
  }
  return out;
}

std::string stats_markdown() {
  std::string out =
      "| report.json path | kind | unit | description | fast mode |\n"
      "|---|---|---|---|---|\n";
  for (const ListedStat& s : stats_listing()) {
    out += fmt::format("| `{}` | {} | {} | {} | {} |\n", s.path, s.kind, s.unit, s.description,
                       s.overlap_only  ? (s.exact_only ? "exact runs with `overlap` only"
                                                       : "runs with `overlap` only")
                       : s.energy_only ? "yes, with an energy preset"
                       : s.exact_only  ? "exact runs only"
                                       : "yes");
  }
  return out;
}

std::string all_figures_text(const nlohmann::json& report) {
  std::string out = "every counter and derived figure (swiftkv-sim stats describes them):\n";
  for (const ListedStat& s : stats_listing()) {
    const nlohmann::json* v = skv::find_dotted(report, s.path);
    if (v == nullptr) continue;  // an exact-only value of a fast run
    std::string text;
    if (v->is_object()) {
      text = fmt::format("count {}, mean {:.1f}, p50 {}, p99 {}, max {}", v->at("count").dump(),
                         v->at("mean").get<double>(), v->at("p50").dump(), v->at("p99").dump(),
                         v->at("max").dump());
    } else {
      text = v->dump();
    }
    out += fmt::format("  {:<56} {} {}\n", s.path, text, s.unit);
  }
  return out;
}

}  // namespace skv::report
