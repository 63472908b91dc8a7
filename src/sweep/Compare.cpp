#include "sweep/Compare.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>

#include "common/Error.h"
#include "common/Figures.h"
#include "sweep/SweepFiles.h"
#include "sweep/TextTable.h"

namespace skv::sweep {

namespace fs = std::filesystem;

namespace {

constexpr const char* kBaseline = "native";


std::string speedup_text(const std::optional<double>& s) {
  return s ? fmt::format("{}", round6(*s)) : std::string();
}

}  // namespace

SweepSpec compare_spec(const CompareInputs& in) {
  SweepSpec spec;
  spec.source_file = "compare";
  spec.name = "compare";
  spec.hw_file = in.hw;
  spec.model_file = in.model;
  if (in.trace.empty() == in.kv_lens.empty()) {
    throw InputError("compare: give either --trace or --kv-lens (not both)");
  }
  if (!in.kv_lens.empty()) {
    spec.trace.prompt_from_kv_len = true;
    spec.trace.generate.requests = 1;
    spec.trace.generate.batch_size = 1;
    spec.trace.generate.generate_tokens = in.generate_tokens;
    Axis kv;
    kv.key = kKvLenAxis;
    kv.where = SourceRef{"compare", 0, "--kv-lens"};
    for (const auto v : in.kv_lens) kv.values.push_back(std::to_string(v));
    spec.groups.push_back(AxisGroup{{kv}});
  } else {
    spec.trace.file = in.trace;
  }
  add_algorithm_axis(spec, in.algorithms, "--algos");
  return spec;
}

void add_algorithm_axis(SweepSpec& spec, const std::vector<std::string>& algorithms,
                        const std::string& option_name) {
  Axis a;
  a.key = kAlgorithmAxis;
  a.where = SourceRef{"compare", 0, option_name};
  a.values = algorithms;
  if (a.values.empty()) throw InputError(fmt::format("compare: {}: no algorithms", option_name));
  spec.groups.push_back(AxisGroup{{a}});
  check_sweep_spec(spec);
}

Comparison::Comparison(SweepResults results) : results_(std::move(results)) {
  for (std::size_t i = 0; i < results_.axis_keys.size(); ++i) {
    if (results_.axis_keys[i] != kAlgorithmAxis) {
      group_keys_.push_back(results_.axis_keys[i]);
      group_axes_.push_back(i);
    }
  }
  auto group_of = [this](const PointResult& p) {
    std::vector<std::string> g;
    for (const auto i : group_axes_) g.push_back(p.values[i]);
    return g;
  };
  std::map<std::vector<std::string>, const PointResult*> native;
  for (const auto& p : results_.points) {
    if (p.algorithm == kBaseline && p.state == PointState::Done) native[group_of(p)] = &p;
  }
  std::size_t n = 0;
  for (const auto& p : results_.points) n = std::max(n, p.index + 1);
  attention_speedup_.resize(n);
  step_speedup_.resize(n);
  for (const auto& p : results_.points) {
    const auto it = native.find(group_of(p));
    if (p.state != PointState::Done || it == native.end()) continue;
    auto ratio = [&](const char* figure) -> std::optional<double> {
      const double mine = figure_value(p, figure);
      if (mine <= 0) return std::nullopt;
      return figure_value(*it->second, figure) / mine;
    };
    attention_speedup_[p.index] = ratio("attention_cycles_per_step");
    step_speedup_[p.index] = ratio("latency_per_step_mean_cycles");
  }
}

std::vector<CsvField> Comparison::fields() const {
  std::vector<CsvField> f;
  for (std::size_t k = 0; k < group_keys_.size(); ++k) {
    const std::size_t i = group_axes_[k];
    f.push_back({group_keys_[k], [i](const PointResult& p) { return p.values[i]; }});
  }
  f.push_back({"algorithm", [](const PointResult& p) { return p.algorithm; }});
  f.push_back({"status", [](const PointResult& p) { return point_state_name(p.state); }});
  f.push_back({"error", [](const PointResult& p) { return p.error; }});
  for (const char* name :
       {"latency_per_step_mean_cycles", "latency_per_step_mean_ns", "attention_cycles_per_step",
        "attention_ns_per_step", "gemv_cycles_per_step", "other_cycles_per_step", "gemv_pct",
        "attention_pct", "other_pct", "tokens_per_s"}) {
    f.push_back(figure_field(name));
  }
  f.push_back({"attention_speedup_vs_native",
               [this](const PointResult& p) { return speedup_text(attention_speedup(p.index)); }});
  f.push_back({"step_speedup_vs_native",
               [this](const PointResult& p) { return speedup_text(step_speedup(p.index)); }});
  for (auto& r : report_fields(results_.points)) f.push_back(std::move(r));
  return f;
}

std::string Comparison::table() const {
  // Columns: group axes, algorithm, then the figures; a failed row has its error instead.
  std::vector<std::string> header = group_keys_;
  header.insert(header.end(), {"algorithm", "attention cycles/step", "attention us/step",
                               "step cycles", "step us", "attention speedup", "step speedup"});
  const std::size_t fixed = group_keys_.size() + 1;
  std::vector<std::vector<std::string>> rows;
  for (const auto& p : results_.points) {
    std::vector<std::string> row;
    for (const auto i : group_axes_) row.push_back(p.values[i]);
    row.push_back(p.algorithm);
    if (p.state == PointState::Done) {
      auto x = [](const std::optional<double>& s) { return s ? fmt::format("{:.2f}x", *s) : "-"; };
      row.push_back(fmt::format("{:.0f}", figure_value(p, "attention_cycles_per_step")));
      row.push_back(fmt::format("{:.3f}", figure_value(p, "attention_ns_per_step") / 1e3));
      row.push_back(fmt::format("{:.0f}", figure_value(p, "latency_per_step_mean_cycles")));
      row.push_back(fmt::format("{:.3f}", figure_value(p, "latency_per_step_mean_ns") / 1e3));
      row.push_back(x(attention_speedup(p.index)));
      row.push_back(x(step_speedup(p.index)));
    } else if (p.state == PointState::Failed) {
      row.push_back("failed: " + p.error);
    } else {
      row.push_back("not run");
    }
    rows.push_back(std::move(row));
  }
  return text_table(header, rows, fixed);
}

void write_comparison(const std::string& dir, const Comparison& c) {
  write_file_atomic((fs::path(dir) / kCompareFile).string(),
                    render_csv(c.fields(), c.results().points));
}

}  // namespace skv::sweep
