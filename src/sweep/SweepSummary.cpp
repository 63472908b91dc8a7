#include "sweep/SweepSummary.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>

#include "common/Error.h"
#include "common/Figures.h"
#include "common/JsonPath.h"
#include "sweep/SweepSpec.h"

namespace skv::sweep {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const json& at(const json& r, const char* pointer) { return r.at(json::json_pointer(pointer)); }

// Per decode step (batch): a total of the report over its batches.
json per_step(const json& r, const char* pointer) {
  const double batches = at(r, "/totals/batches").get<double>();
  return round6(batches > 0 ? at(r, pointer).get<double>() / batches : 0.0);
}

json ns_per_step(const json& r, const char* pointer) {
  const double period_ns = at(r, "/clocks/accelerator_period_ps").get<double>() / 1000.0;
  return round6(per_step(r, pointer).get<double>() * period_ns);
}

struct Figure {
  const char* name;
  json (*get)(const json& report);
};

// The headline figures of sweep.csv and compare.csv, from report.json's keys
// (src/report/RunReport.cpp); "per_step" ones are the report's totals over its batches.
constexpr Figure kFigures[] = {
    {"array_rows", [](const json& r) { return at(r, "/processor_array/rows"); }},
    {"array_cols", [](const json& r) { return at(r, "/processor_array/cols"); }},
    {"decode_steps", [](const json& r) { return at(r, "/totals/decode_steps"); }},
    {"latency_per_step_mean_cycles",
     [](const json& r) { return at(r, "/latency_per_step/mean_cycles"); }},
    {"latency_per_step_mean_ns", [](const json& r) { return at(r, "/latency_per_step/mean_ns"); }},
    {"tokens_per_s", [](const json& r) { return at(r, "/totals/tokens_per_s"); }},
    {"gemv_pct", [](const json& r) { return at(r, "/breakdown/gemv_pct"); }},
    {"attention_pct", [](const json& r) { return at(r, "/breakdown/attention_pct"); }},
    {"other_pct", [](const json& r) { return at(r, "/breakdown/other_pct"); }},
    {"gemv_cycles_per_step", [](const json& r) { return per_step(r, "/breakdown/gemv_cycles"); }},
    {"attention_cycles_per_step",
     [](const json& r) { return per_step(r, "/breakdown/attention_cycles"); }},
    {"other_cycles_per_step", [](const json& r) { return per_step(r, "/breakdown/other_cycles"); }},
    {"attention_ns_per_step",
     [](const json& r) { return ns_per_step(r, "/breakdown/attention_cycles"); }},
    {"attention_cycles", [](const json& r) { return at(r, "/breakdown/attention_cycles"); }},
    {"array_busy_pct", [](const json& r) { return at(r, "/processor_array/busy_pct"); }},
    {"array_useful_mac_pct",
     [](const json& r) { return at(r, "/processor_array/useful_mac_pct"); }},
    {"attention_pipeline_busy_pct",
     [](const json& r) { return at(r, "/attention_pipeline/busy_pct"); }},
    {"kv_sram_port_utilisation_pct",
     [](const json& r) { return at(r, "/kv_sram/port_utilisation_pct"); }},
    {"dram_bandwidth_pct", [](const json& r) { return at(r, "/dram/bandwidth_over_run_pct"); }},
    {"dram_bandwidth_over_run_bytes_per_s",
     [](const json& r) { return at(r, "/dram/bandwidth_over_run_bytes_per_s"); }},
    {"roofline_bound", [](const json& r) { return at(r, "/roofline/bound"); }},
    {"simulated_over_bound", [](const json& r) { return at(r, "/roofline/simulated_over_bound"); }},
};

const Figure& find_figure(const std::string& name) {
  for (const auto& f : kFigures) {
    if (name == f.name) return f;
  }
  throw std::logic_error("no sweep figure named " + name);
}

json figure_json(const PointResult& p, const Figure& f) {
  try {
    return f.get(p.report);
  } catch (const json::exception& e) {
    throw InputError(
        fmt::format("{}: {}: not in the report ({})", p.report_path, f.name, e.what()));
  }
}

json read_json(const std::string& path) {
  try {
    return json::parse(read_text_file(path));
  } catch (const json::exception& e) {
    throw InputError(fmt::format("{}: not valid JSON: {}", path, e.what()));
  }
}

json read_manifest(const std::string& dir) {
  const std::string path = (fs::path(dir) / kManifestFile).string();
  if (!fs::exists(path)) {
    throw InputError(fmt::format("{}: not a sweep output directory (no {})", dir, kManifestFile));
  }
  json m = read_json(path);
  if (!m.is_object() || m.value("report", "") != "swiftkv-sim sweep" || !m.contains("points") ||
      !m.contains("axes")) {
    throw InputError(fmt::format("{}: not a swiftkv-sim sweep manifest", path));
  }
  return m;
}

}  // namespace

SweepResults collect_results(const std::vector<std::string>& dirs) {
  if (dirs.empty()) throw InputError("sweep: no output directories to read");
  std::vector<json> manifests;
  for (const auto& d : dirs) manifests.push_back(read_manifest(d));
  const json& first = manifests.front();
  for (std::size_t i = 1; i < dirs.size(); ++i) {
    if (manifests[i]["points"] != first["points"] || manifests[i]["axes"] != first["axes"]) {
      throw InputError(
          fmt::format("{}: holds another sweep than {} (its points or their inputs "
                      "differ); merge only the shards or re-runs of one sweep",
                      dirs[i], dirs.front()));
    }
  }
  SweepResults r;
  try {
    r.name = first.at("name").get<std::string>();
    r.axis_keys = first.at("axes").get<std::vector<std::string>>();
    for (const json& mp : first.at("points")) {
      PointResult p;
      p.index = mp.at("index").get<std::size_t>();
      p.dir = mp.at("dir").get<std::string>();
      p.algorithm = mp.at("algorithm").get<std::string>();
      for (const auto& k : r.axis_keys) {
        p.values.push_back(mp.at("values").at(k).get<std::string>());
      }
      const std::string hash = mp.at("inputs_hash").get<std::string>();
      for (const auto& d : dirs) {
        const fs::path point_dir = fs::path(d) / kPointsDir / p.dir;
        const PointStatus s = read_point_status(point_dir.string(), hash);
        if (s.state == PointState::Done) {
          p.state = PointState::Done;
          p.error.clear();
          p.report_path = (point_dir / kReportFile).string();
          p.report = read_json(p.report_path);
          break;
        }
        if (s.state == PointState::Failed && p.state == PointState::Pending) {
          p.state = PointState::Failed;
          p.error = s.error;
        }
      }
      r.points.push_back(std::move(p));
    }
  } catch (const json::exception& e) {
    throw InputError(
        fmt::format("{}/{}: damaged manifest: {}", dirs.front(), kManifestFile, e.what()));
  }
  std::sort(r.points.begin(), r.points.end(),
            [](const PointResult& a, const PointResult& b) { return a.index < b.index; });
  return r;
}

std::string csv_escape(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string render_csv(const std::vector<CsvField>& fields, const std::vector<PointResult>& rows) {
  std::string out;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    out += (i ? "," : "") + csv_escape(fields[i].name);
  }
  out += '\n';
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < fields.size(); ++i) {
      out += (i ? "," : "") + csv_escape(fields[i].value(row));
    }
    out += '\n';
  }
  return out;
}

CsvField figure_field(const std::string& name) {
  const Figure& f = find_figure(name);
  return {name, [&f](const PointResult& p) -> std::string {
            if (p.state != PointState::Done) return "";
            const json v = figure_json(p, f);
            return v.is_string() ? v.get<std::string>() : v.dump();
          }};
}

std::vector<std::string> figure_names() {
  std::vector<std::string> out;
  for (const auto& f : kFigures) out.emplace_back(f.name);
  return out;
}

double figure_value(const PointResult& p, const std::string& name) {
  if (p.state != PointState::Done) return 0.0;
  const Figure& f = find_figure(name);
  const json v = figure_json(p, f);
  return v.is_number() ? v.get<double>() : 0.0;
}

namespace {

// Report groups that are not results of the run.
bool is_echo(const std::string& top) {
  return top == "report" || top == "format_version" || top == "inputs" || top == "config";
}

void leaf_paths(const json& j, const std::string& at, std::vector<std::string>& order,
                std::set<std::string>& seen) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (at.empty() && is_echo(it.key())) continue;
      leaf_paths(it.value(), at.empty() ? it.key() : at + "." + it.key(), order, seen);
    }
  } else if ((j.is_number() || j.is_string() || j.is_boolean()) && seen.insert(at).second) {
    order.push_back(at);
  }
}

}  // namespace

std::vector<CsvField> report_fields(const std::vector<PointResult>& points) {
  std::vector<std::string> order;
  std::set<std::string> seen;
  for (const auto& p : points) {
    if (p.state == PointState::Done) leaf_paths(p.report, "", order, seen);
  }
  std::vector<CsvField> fields;
  for (const auto& path : order) {
    fields.push_back({path, [path](const PointResult& p) -> std::string {
                        if (p.state != PointState::Done) return "";
                        const json* v = skv::find_dotted(p.report, path);
                        if (v == nullptr) return "";
                        return v->is_string() ? v->get<std::string>() : v->dump();
                      }});
  }
  return fields;
}

std::vector<CsvField> summary_fields(const SweepResults& results) {
  const std::vector<std::string>& axis_keys = results.axis_keys;
  std::vector<CsvField> fields;
  fields.push_back({"index", [](const PointResult& p) { return std::to_string(p.index); }});
  fields.push_back({"point", [](const PointResult& p) { return p.dir; }});
  for (std::size_t i = 0; i < axis_keys.size(); ++i) {
    if (axis_keys[i] == kAlgorithmAxis) continue;
    fields.push_back({axis_keys[i], [i](const PointResult& p) { return p.values[i]; }});
  }
  fields.push_back({"algorithm", [](const PointResult& p) { return p.algorithm; }});
  fields.push_back({"status", [](const PointResult& p) { return point_state_name(p.state); }});
  fields.push_back({"error", [](const PointResult& p) { return p.error; }});
  for (const auto& name : figure_names()) fields.push_back(figure_field(name));
  for (auto& f : report_fields(results.points)) fields.push_back(std::move(f));
  return fields;
}

void write_summary(const std::string& dir, const SweepResults& results) {
  write_file_atomic((fs::path(dir) / kSummaryFile).string(),
                    render_csv(summary_fields(results), results.points));
}

}  // namespace skv::sweep
