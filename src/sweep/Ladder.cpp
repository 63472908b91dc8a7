#include "sweep/Ladder.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <functional>

#include "common/Error.h"
#include "common/Figures.h"
#include "sweep/SweepFiles.h"
#include "sweep/TextTable.h"

namespace skv::sweep {

namespace fs = std::filesystem;

namespace {

constexpr const char* kBaselineName = "native, scores in DRAM";

std::size_t key_index(const std::string& key) {
  const auto& keys = ladder_keys();
  return static_cast<std::size_t>(std::find(keys.begin(), keys.end(), key) - keys.begin());
}

// a / b when both are known and b is not zero.
std::optional<double> ratio(const std::optional<double>& a, const std::optional<double>& b) {
  if (!a || !b || *b <= 0) return std::nullopt;
  return *a / *b;
}

std::string number_text(const std::optional<double>& v) {
  return v ? fmt::format("{}", round6(*v)) : std::string();
}

std::string gain_text(const std::optional<double>& v) {
  return v ? fmt::format("{:.2f}x", *v) : std::string("-");
}

}  // namespace

const std::vector<std::string>& ladder_keys() {
  static const std::vector<std::string> keys = {kAlgorithmAxis,
                                                "attention.scores",
                                                "attention.softmax_passes",
                                                "attention.exp2_pipelined",
                                                "attention.heads_in_parallel",
                                                "attention.splitk_partitions"};
  return keys;
}

std::string Mechanism::change(bool backwards) const {
  std::string out;
  for (const KeySwitch& k : keys) {
    out += fmt::format("{}{}: {} -> {}", out.empty() ? "" : "; ", k.key, backwards ? k.on : k.off,
                       backwards ? k.off : k.on);
  }
  return out;
}

LadderDesign ladder_design(std::uint32_t heads_in_parallel, std::uint32_t splitk_partitions) {
  LadderDesign d;
  d.mechanisms = {
      {"scores on chip", {{"attention.scores", "dram", "sram"}}, true},
      {"online softmax", {{"attention.softmax_passes", "3", "2"}}, true},
      {"fused single pass", {{kAlgorithmAxis, "native", "swiftkv"}}, false},
      {"pipelined exp2", {{"attention.exp2_pipelined", "false", "true"}}, false},
      {"parallel heads",
       {{"attention.heads_in_parallel", "1", std::to_string(heads_in_parallel)},
        {"attention.splitk_partitions", "1", std::to_string(splitk_partitions)}},
       false},
  };
  auto set = [](LadderSetting& s, const Mechanism& m, bool on) {
    for (const KeySwitch& k : m.keys) s[key_index(k.key)] = on ? k.on : k.off;
  };
  LadderSetting s(ladder_keys().size());
  for (const Mechanism& m : d.mechanisms) set(s, m, false);
  d.rungs.push_back(s);
  for (const Mechanism& m : d.mechanisms) {
    set(s, m, true);
    d.rungs.push_back(s);
  }
  const LadderSetting& full = d.rungs.back();
  const bool full_native = full[key_index(kAlgorithmAxis)] == "native";
  for (const Mechanism& m : d.mechanisms) {
    if (m.native_only && !full_native) {
      d.leave_one_out.emplace_back();
      continue;
    }
    LadderSetting without = full;
    set(without, m, false);
    d.leave_one_out.emplace_back(without);
  }
  auto point_of = [&d](const LadderSetting& setting) {
    const auto it = std::find(d.distinct.begin(), d.distinct.end(), setting);
    if (it != d.distinct.end()) return static_cast<std::size_t>(it - d.distinct.begin());
    d.distinct.push_back(setting);
    return d.distinct.size() - 1;
  };
  for (const auto& r : d.rungs) d.rung_point.push_back(point_of(r));
  for (const auto& l : d.leave_one_out) {
    d.leave_one_out_point.push_back(l ? std::optional<std::size_t>(point_of(*l)) : std::nullopt);
  }
  return d;
}

SweepSpec ladder_spec(const CompareInputs& in, const LadderDesign& design) {
  if (!in.algorithms.empty()) {
    throw InputError("compare: --ladder runs its own algorithms; drop --algos");
  }
  CompareInputs base = in;
  base.algorithms = {kDefaultAlgorithm};  // replaced below by the ladder's zip group
  SweepSpec spec = compare_spec(base);
  spec.name = "ladder";
  spec.groups.pop_back();
  AxisGroup zip;
  for (std::size_t k = 0; k < ladder_keys().size(); ++k) {
    Axis a;
    a.key = ladder_keys()[k];
    a.where = SourceRef{"compare", 0, "--ladder"};
    for (const auto& setting : design.distinct) a.values.push_back(setting[k]);
    zip.axes.push_back(std::move(a));
  }
  spec.groups.push_back(std::move(zip));
  check_sweep_spec(spec);
  return spec;
}

Ladder::Ladder(SweepResults results, LadderDesign design)
    : results_(std::move(results)), design_(std::move(design)) {
  const std::size_t per_group = design_.distinct.size();
  const bool by_kv = !results_.axis_keys.empty() && results_.axis_keys.front() == kKvLenAxis;
  for (const auto& p : results_.points) {
    if (p.state == PointState::Done && p.report.contains("energy")) has_energy_ = true;
  }
  auto fill = [](LadderRow& row, const PointResult& p) {
    row.algorithm = p.algorithm;
    if (p.state == PointState::Done) {
      row.status = "done";
      row.attention_cycles_per_step = figure_value(p, "attention_cycles_per_step");
      row.latency_per_step_mean_cycles = figure_value(p, "latency_per_step_mean_cycles");
      row.attention_ns_per_step = figure_value(p, "attention_ns_per_step");
      row.latency_per_step_mean_ns = figure_value(p, "latency_per_step_mean_ns");
      if (p.report.contains("energy")) {
        row.joules_per_token = p.report["energy"]["joules_per_token"].get<double>();
      }
    } else if (p.state == PointState::Failed) {
      row.status = p.error.find("infeasible") != std::string::npos ? "infeasible" : "failed";
      row.reason = p.error;
    } else {
      row.status = "pending";
      row.reason = "not run";
    }
  };
  const std::size_t groups = per_group ? results_.points.size() / per_group : 0;
  for (std::size_t g = 0; g < groups; ++g) {
    const PointResult* first = &results_.points[g * per_group];
    const std::string kv = by_kv ? first->values.front() : std::string();
    auto point = [&](std::size_t i) -> const PointResult& {
      return results_.points[g * per_group + i];
    };
    std::vector<LadderRow> ladder;
    for (std::size_t r = 0; r < design_.rungs.size(); ++r) {
      LadderRow row;
      row.kv_len = kv;
      row.table = "ladder";
      row.step = r;
      if (r == 0) {
        row.mechanism = kBaselineName;
      } else {
        const Mechanism& m = design_.mechanisms[r - 1];
        row.mechanism = m.name;
        row.change = m.change();
      }
      fill(row, point(design_.rung_point[r]));
      if (r > 0) {
        const LadderRow& prev = ladder[r - 1];
        const LadderRow& base = ladder.front();
        row.attention_gain = ratio(prev.attention_cycles_per_step, row.attention_cycles_per_step);
        row.step_gain = ratio(prev.latency_per_step_mean_cycles, row.latency_per_step_mean_cycles);
        row.energy_gain = ratio(prev.joules_per_token, row.joules_per_token);
        row.cumulative_attention_gain =
            ratio(base.attention_cycles_per_step, row.attention_cycles_per_step);
        row.cumulative_step_gain =
            ratio(base.latency_per_step_mean_cycles, row.latency_per_step_mean_cycles);
        row.cumulative_energy_gain = ratio(base.joules_per_token, row.joules_per_token);
      }
      ladder.push_back(std::move(row));
    }
    const LadderRow full = ladder.back();
    rows_.insert(rows_.end(), ladder.begin(), ladder.end());
    for (std::size_t m = 0; m < design_.mechanisms.size(); ++m) {
      const Mechanism& mech = design_.mechanisms[m];
      LadderRow row;
      row.kv_len = kv;
      row.table = "leave_one_out";
      row.step = m + 1;
      row.mechanism = "without " + mech.name;
      row.change = mech.change(true);
      if (!design_.leave_one_out_point[m]) {
        row.algorithm = full.algorithm;
        row.status = "no_effect";
        row.reason = fmt::format("{} is read by native attention only; the last rung runs {}",
                                 mech.keys.front().key, full.algorithm);
      } else {
        fill(row, point(*design_.leave_one_out_point[m]));
        row.attention_gain = ratio(row.attention_cycles_per_step, full.attention_cycles_per_step);
        row.step_gain = ratio(row.latency_per_step_mean_cycles, full.latency_per_step_mean_cycles);
        row.energy_gain = ratio(row.joules_per_token, full.joules_per_token);
      }
      rows_.push_back(std::move(row));
    }
  }
}

std::size_t Ladder::failures() const {
  std::size_t n = 0;
  for (const auto& p : results_.points) {
    if (p.state == PointState::Failed && p.error.find("infeasible") == std::string::npos) ++n;
  }
  return n;
}

std::size_t Ladder::infeasible() const {
  std::size_t n = 0;
  for (const auto& p : results_.points) {
    if (p.state == PointState::Failed && p.error.find("infeasible") != std::string::npos) ++n;
  }
  return n;
}

namespace {

struct LadderField {
  std::string name;
  std::function<std::string(const LadderRow&)> value;
};

std::vector<LadderField> ladder_fields(bool with_kv, bool with_energy) {
  std::vector<LadderField> f;
  if (with_kv) f.push_back({"kv_len", [](const LadderRow& r) { return r.kv_len; }});
  f.push_back({"table", [](const LadderRow& r) { return r.table; }});
  f.push_back({"step", [](const LadderRow& r) { return std::to_string(r.step); }});
  f.push_back({"mechanism", [](const LadderRow& r) { return r.mechanism; }});
  f.push_back({"change", [](const LadderRow& r) { return r.change; }});
  f.push_back({"algorithm", [](const LadderRow& r) { return r.algorithm; }});
  f.push_back({"status", [](const LadderRow& r) { return r.status; }});
  f.push_back({"reason", [](const LadderRow& r) { return r.reason; }});
  using Member = std::optional<double> LadderRow::*;
  auto number = [&f](const char* name, Member m) {
    f.push_back({name, [m](const LadderRow& r) { return number_text(r.*m); }});
  };
  number("attention_cycles_per_step", &LadderRow::attention_cycles_per_step);
  number("latency_per_step_mean_cycles", &LadderRow::latency_per_step_mean_cycles);
  number("attention_ns_per_step", &LadderRow::attention_ns_per_step);
  number("latency_per_step_mean_ns", &LadderRow::latency_per_step_mean_ns);
  if (with_energy) number("joules_per_token", &LadderRow::joules_per_token);
  number("attention_gain", &LadderRow::attention_gain);
  number("step_gain", &LadderRow::step_gain);
  if (with_energy) number("energy_gain", &LadderRow::energy_gain);
  number("cumulative_attention_gain", &LadderRow::cumulative_attention_gain);
  number("cumulative_step_gain", &LadderRow::cumulative_step_gain);
  if (with_energy) number("cumulative_energy_gain", &LadderRow::cumulative_energy_gain);
  return f;
}

std::string cycles_text(const std::optional<double>& v) {
  return v ? fmt::format("{:.0f}", *v) : std::string("-");
}

// Text of a row that did not run: its status and reason in place of its figures.
std::string not_done_text(const LadderRow& r) {
  return r.reason.empty() ? r.status : r.status + ": " + r.reason;
}

}  // namespace

std::string Ladder::tables_by_kv(
    const char* table, const std::vector<std::string>& header, std::size_t label_columns,
    const std::function<void(const LadderRow&, std::vector<std::string>&)>& figures) const {
  std::string out;
  std::string kv;
  std::vector<std::vector<std::string>> rows;
  auto flush = [&] {
    if (rows.empty()) return;
    if (!kv.empty()) out += fmt::format("KV length {}:\n", kv);
    out += text_table(header, rows, label_columns) + "\n";
    rows.clear();
  };
  for (const auto& r : rows_) {
    if (r.table != table) continue;
    if (r.kv_len != kv) {
      flush();
      kv = r.kv_len;
    }
    std::vector<std::string> row;
    if (std::string(table) == "ladder") {
      row = {std::to_string(r.step), r.mechanism, r.change};
    } else {
      row = {r.mechanism.substr(std::string("without ").size()), r.change};
    }
    if (r.status != "done") {
      row.push_back(not_done_text(r));
    } else {
      row.push_back(cycles_text(r.attention_cycles_per_step));
      row.push_back(cycles_text(r.latency_per_step_mean_cycles));
      if (has_energy_) {
        row.push_back(r.joules_per_token ? fmt::format("{:.3f}", *r.joules_per_token * 1e3)
                                         : std::string("-"));
      }
      row.push_back(gain_text(r.attention_gain));
      row.push_back(gain_text(r.step_gain));
      figures(r, row);
    }
    rows.push_back(std::move(row));
  }
  flush();
  return out;
}

std::string Ladder::ladder_table() const {
  std::vector<std::string> header = {"rung", "mechanism", "change", "attention cycles/step",
                                     "step cycles"};
  if (has_energy_) header.push_back("mJ/token");
  header.insert(header.end(),
                {"attention gain", "step gain", "cumulative attention", "cumulative step"});
  if (has_energy_) header.insert(header.end(), {"energy gain", "cumulative energy"});
  return tables_by_kv("ladder", header, 3,
                      [this](const LadderRow& r, std::vector<std::string>& row) {
                        row.push_back(gain_text(r.cumulative_attention_gain));
                        row.push_back(gain_text(r.cumulative_step_gain));
                        if (has_energy_) {
                          row.push_back(gain_text(r.energy_gain));
                          row.push_back(gain_text(r.cumulative_energy_gain));
                        }
                      });
}

std::string Ladder::leave_one_out_table() const {
  std::vector<std::string> header = {"without", "change", "attention cycles/step", "step cycles"};
  if (has_energy_) header.push_back("mJ/token");
  header.insert(header.end(), {"attention gain added last", "step gain added last",
                               "attention gain at its rung"});
  return tables_by_kv("leave_one_out", header, 2,
                      [this](const LadderRow& r, std::vector<std::string>& row) {
                        // The same mechanism's gain where the ladder switched it on.
                        std::optional<double> at_rung;
                        for (const auto& l : rows_) {
                          if (l.table == "ladder" && l.kv_len == r.kv_len && l.step == r.step) {
                            at_rung = l.attention_gain;
                          }
                        }
                        row.push_back(gain_text(at_rung));
                      });
}

std::string Ladder::csv() const {
  const bool with_kv = !results_.axis_keys.empty() && results_.axis_keys.front() == kKvLenAxis;
  const auto fields = ladder_fields(with_kv, has_energy_);
  std::string out;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    out += (i ? "," : "") + csv_escape(fields[i].name);
  }
  out += "\n";
  for (const auto& r : rows_) {
    for (std::size_t i = 0; i < fields.size(); ++i) {
      out += (i ? "," : "") + csv_escape(fields[i].value(r));
    }
    out += "\n";
  }
  return out;
}

void write_ladder(const std::string& dir, const Ladder& ladder) {
  write_file_atomic((fs::path(dir) / kLadderFile).string(), ladder.csv());
}

}  // namespace skv::sweep
