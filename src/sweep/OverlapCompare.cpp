#include "sweep/OverlapCompare.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "common/Error.h"
#include "common/Figures.h"
#include "sweep/SweepFiles.h"
#include "sweep/TextTable.h"

namespace skv::sweep {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const std::vector<std::string>& overlap_choices() {
  static const std::vector<std::string> choices = {
      config::weight_overlap_name(config::WeightOverlap::None),
      config::weight_overlap_name(config::WeightOverlap::NextOp)};
  return choices;
}

std::string number_text(const std::optional<double>& v) {
  return v ? fmt::format("{}", round6(*v)) : std::string();
}

std::string fixed_text(const std::optional<double>& v, int decimals) {
  return v ? fmt::format("{:.{}f}", *v, decimals) : std::string("-");
}

double number_at(const PointResult& p, const char* pointer) {
  const json::json_pointer at(pointer);
  if (!p.report.contains(at) || !p.report.at(at).is_number()) {
    throw InputError(fmt::format("{}: {}: not in the report", p.report_path, pointer));
  }
  return p.report.at(at).get<double>();
}

}  // namespace

SweepSpec overlap_spec(const CompareInputs& in) {
  if (in.algorithms.size() > 1) {
    throw InputError(
        "compare: --overlap compares overlap choices under one algorithm; give "
        "--algos with one name");
  }
  CompareInputs base = in;
  if (base.algorithms.empty()) base.algorithms = {kDefaultAlgorithm};
  SweepSpec spec = compare_spec(base);
  spec.name = "overlap";
  spec.algorithm = base.algorithms.front();
  spec.groups.pop_back();  // the algorithm axis: one algorithm is the spec's own
  add_overlap_axis(spec);
  return spec;
}

void add_overlap_axis(SweepSpec& spec) {
  bool any = false;
  for (const auto& [key, off] : kOverlapChoiceAxes) {
    const Axis* a = spec.find_axis(key);
    if (a == nullptr) continue;
    any = true;
    if (std::find(a->values.begin(), a->values.end(), off) == a->values.end()) {
      a->where.fail(fmt::format(
          "compare --overlap measures each choice against overlap off, `{}` here, which this "
          "axis does not list",
          off));
    }
  }
  if (any) {
    check_sweep_spec(spec);
    return;
  }
  Axis a;
  a.key = kOverlapAxis;
  a.where = SourceRef{"compare", 0, "--overlap"};
  a.values = overlap_choices();
  spec.groups.push_back(AxisGroup{{a}});
  check_sweep_spec(spec);
}

OverlapComparison::OverlapComparison(SweepResults results) : results_(std::move(results)) {
  for (std::size_t i = 0; i < results_.axis_keys.size(); ++i) {
    const std::string& key = results_.axis_keys[i];
    const auto* choice = std::find_if(std::begin(kOverlapChoiceAxes), std::end(kOverlapChoiceAxes),
                                      [&](const OverlapChoiceAxis& c) { return key == c.key; });
    if (choice == std::end(kOverlapChoiceAxes)) {
      group_axes_.push_back(i);
    } else {
      overlap_axes_.push_back(i);
      off_values_.push_back(choice->off);
      if (key == "overlap.o_projection") o_projection_axis_ = true;
    }
  }
  if (overlap_axes_.empty()) {
    throw std::logic_error("OverlapComparison: a sweep without an overlap axis");
  }
  auto is_baseline = [this](const PointResult& p) {
    for (std::size_t k = 0; k < overlap_axes_.size(); ++k) {
      if (p.values[overlap_axes_[k]] != off_values_[k]) return false;
    }
    return true;
  };
  auto group_of = [this](const PointResult& p) {
    std::vector<std::string> g;
    for (const auto i : group_axes_) g.push_back(p.values[i]);
    g.push_back(p.algorithm);
    return g;
  };
  std::map<std::vector<std::string>, const PointResult*> baseline;
  for (const auto& p : results_.points) {
    if (p.state == PointState::Done && is_baseline(p)) {
      baseline[group_of(p)] = &p;
    }
  }
  std::size_t n = 0;
  for (const auto& p : results_.points) n = std::max(n, p.index + 1);
  rows_.resize(n);
  for (const auto& p : results_.points) {
    if (p.state != PointState::Done) continue;
    OverlapRow& row = rows_[p.index];
    const double tokens = number_at(p, "/totals/tokens");
    const double time_ns = number_at(p, "/totals/simulated_time_ns");
    const double ms = tokens > 0 ? time_ns / tokens / 1e6 : 0.0;
    row.ms_per_token = ms;
    row.tokens_per_s = number_at(p, "/totals/tokens_per_s");
    row.dram_gb_per_s = number_at(p, "/dram/bandwidth_over_run_bytes_per_s") / 1e9;
    row.hideable_ms_per_token = p.report.contains("overlap") && tokens > 0
                                    ? number_at(p, "/overlap/hideable_ns") / tokens / 1e6
                                    : 0.0;
    const char* beside = "/overlap/o_projection/beside_attention_ns";
    row.o_beside_ms_per_token = p.report.contains(json::json_pointer(beside)) && tokens > 0
                                    ? number_at(p, beside) / tokens / 1e6
                                    : 0.0;
    try {
      row.breakdown = report::exclusive_breakdown(p.report);
    } catch (const std::runtime_error& e) {
      throw InputError(fmt::format("{}: {}", p.report_path, e.what()));
    }
    const auto it = baseline.find(group_of(p));
    if (it == baseline.end()) continue;
    const double base_tokens = number_at(*it->second, "/totals/tokens");
    if (base_tokens != tokens) {
      throw InputError(fmt::format("{}: {} tokens, but its baseline {} has {}: not the same trace",
                                   p.report_path, tokens, it->second->report_path, base_tokens));
    }
    const double base_ms = number_at(*it->second, "/totals/simulated_time_ns") / tokens / 1e6;
    row.saved_ms_per_token = base_ms - ms;
    row.saved_pct = pct(base_ms - ms, base_ms);
  }
}

std::vector<CsvField> OverlapComparison::fields() const {
  std::vector<CsvField> f;
  for (const auto i : group_axes_) {
    f.push_back({results_.axis_keys[i], [i](const PointResult& p) { return p.values[i]; }});
  }
  if (std::find(results_.axis_keys.begin(), results_.axis_keys.end(), kAlgorithmAxis) ==
      results_.axis_keys.end()) {
    f.push_back({"algorithm", [](const PointResult& p) { return p.algorithm; }});
  }
  for (const auto o : overlap_axes_) {
    f.push_back({results_.axis_keys[o], [o](const PointResult& p) { return p.values[o]; }});
  }
  f.push_back({"status", [](const PointResult& p) { return point_state_name(p.state); }});
  f.push_back({"error", [](const PointResult& p) { return p.error; }});
  using Member = std::optional<double> OverlapRow::*;
  auto number = [this, &f](const char* name, Member m) {
    f.push_back({name, [this, m](const PointResult& p) { return number_text(rows_[p.index].*m); }});
  };
  number("ms_per_token", &OverlapRow::ms_per_token);
  number("tokens_per_s", &OverlapRow::tokens_per_s);
  number("dram_gb_per_s", &OverlapRow::dram_gb_per_s);
  number("hideable_ms_per_token", &OverlapRow::hideable_ms_per_token);
  number("o_beside_ms_per_token", &OverlapRow::o_beside_ms_per_token);
  number("saved_ms_per_token", &OverlapRow::saved_ms_per_token);
  number("saved_pct", &OverlapRow::saved_pct);
  // The breakdown's parts, named as in report.json (overlap.exclusive_breakdown).
  for (std::size_t k = 0; k < report::ExclusiveBreakdown::kParts; ++k) {
    const std::string name = report::ExclusiveBreakdown::part_name(k);
    f.push_back({name + "_pct", [this, k](const PointResult& p) -> std::string {
                   const auto& b = rows_[p.index].breakdown;
                   if (!b) return "";
                   return fmt::format("{}", round6(pct(static_cast<double>(b->parts[k].cycles),
                                                       static_cast<double>(b->total_cycles))));
                 }});
  }
  for (auto& r : report_fields(results_.points)) f.push_back(std::move(r));
  return f;
}

std::string OverlapComparison::table() const {
  std::vector<std::string> header;
  for (const auto i : group_axes_) header.push_back(results_.axis_keys[i]);
  for (const auto o : overlap_axes_) header.push_back(results_.axis_keys[o]);
  header.insert(header.end(), {"ms/token", "tokens/s", "DRAM GB/s", "hideable us"});
  if (o_projection_axis_) header.push_back("O beside us");
  header.insert(header.end(), {"saved us", "saved %", "GEMV array %", "wait weights %",
                               "attention %", "wait K/V %", "other %", "unattributed %"});
  const std::size_t left = group_axes_.size() + overlap_axes_.size();
  std::vector<std::vector<std::string>> rows;
  for (const auto& p : results_.points) {
    std::vector<std::string> row;
    for (const auto i : group_axes_) row.push_back(p.values[i]);
    for (const auto o : overlap_axes_) row.push_back(p.values[o]);
    if (p.state == PointState::Done) {
      const OverlapRow& r = rows_[p.index];
      row.push_back(fixed_text(r.ms_per_token, 3));
      row.push_back(fixed_text(r.tokens_per_s, 2));
      row.push_back(fixed_text(r.dram_gb_per_s, 1));
      auto us = [](const std::optional<double>& ms) {
        return ms ? std::optional<double>(*ms * 1e3) : std::nullopt;
      };
      row.push_back(fixed_text(us(r.hideable_ms_per_token), 1));
      if (o_projection_axis_) row.push_back(fixed_text(us(r.o_beside_ms_per_token), 1));
      row.push_back(fixed_text(us(r.saved_ms_per_token), 1));
      row.push_back(fixed_text(r.saved_pct, 2));
      const report::ExclusiveBreakdown& b = *r.breakdown;
      const double total = static_cast<double>(b.total_cycles);
      auto share = [&](std::initializer_list<std::size_t> parts) {
        double c = 0;
        for (const auto k : parts) c += static_cast<double>(b.parts[k].cycles);
        return fmt::format("{:.1f}", pct(c, total));
      };
      row.push_back(share({0}));
      row.push_back(share({1}));
      row.push_back(share({3}));
      row.push_back(share({4}));
      row.push_back(share({6}));
      row.push_back(share({2, 5, 7}));
    } else if (p.state == PointState::Failed) {
      row.push_back("failed: " + p.error);
    } else {
      row.push_back("not run");
    }
    rows.push_back(std::move(row));
  }
  return text_table(header, rows, left);
}

void write_overlap_comparison(const std::string& dir, const OverlapComparison& c) {
  write_file_atomic((fs::path(dir) / kOverlapFile).string(),
                    render_csv(c.fields(), c.results().points));
}

}  // namespace skv::sweep
