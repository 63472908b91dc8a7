#include "report/RunReport.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cmath>

#include "common/Error.h"
#include "common/Figures.h"
#include "common/InputFile.h"
#include "common/StatsJson.h"
#include "config/ResolvedConfig.h"
#include "report/DerivedFigures.h"
#include "report/Energy.h"
#include "report/OverlapReport.h"
#include "sim/Counters.h"
#include "sim/Invariants.h"

namespace skv::report {

namespace {


// Every counter a unit declares (common/Stats.h), under its declared name. A fast run
// carries sums and integrals only: its extremes, stamps and histograms are left out and
// named in `not_estimated`.
template <class Stats>
void add_counters(nlohmann::json& group, const Stats& s, const char* group_name, bool fast,
                  std::vector<std::string>& not_estimated) {
  if (!fast) {
    stats::add_group_json(group, s);
    return;
  }
  s.for_each([&](const stats::Info& info, std::uint64_t v) {
    if (stats::subtractable(info.kind)) {
      group[info.name] = v;
    } else {
      not_estimated.push_back(std::string(group_name) + "." + info.name);
    }
  });
  s.for_each_histogram([&](const stats::Info& info, const stats::Histogram&) {
    not_estimated.push_back(std::string(group_name) + "." + info.name);
  });
}

// Where a spread's extreme segments are: {"min": v, "min_<what>": at, "max": ..., ...}.
struct Spread {
  std::uint64_t min = 0, max = 0, min_at = 0, max_at = 0;
  bool any = false;
  void add(std::uint64_t v, std::uint64_t at) {
    if (!any || v < min) min = v, min_at = at;
    if (!any || v > max) max = v, max_at = at;
    any = true;
  }
  nlohmann::json json(const char* what) const {
    return {{"min", min},
            {std::string("min_") + what, min_at},
            {"max", max},
            {std::string("max_") + what, max_at}};
  }
};

// The DRAM's extremes per segment (sim::DramExtremes): for each kind of operation that
// moves DRAM data, its latency histograms and queue maxima; across layers and across
// batches, the spread of the read latency's 99th percentile and of the queue maxima.
nlohmann::json dram_extremes_json(const sim::DramExtremes& x, std::uint32_t layers) {
  nlohmann::json j;
  for (int k = 0; k < tlmx::kOpKindCount; ++k) {
    const auto kind = static_cast<tlmx::OpKind>(k);
    if (tlmx::op_class_of(kind) == tlmx::OpClass::Other && kind != tlmx::OpKind::kv_append) {
      continue;  // vector operations move no DRAM data
    }
    const dram::DramStats& s = x.by_kind[k];
    j["by_operation"][tlmx::op_kind_name(kind)] = {
        {"read_latency_cycles", stats::histogram_json(s.read_latency_cycles)},
        {"write_latency_cycles", stats::histogram_json(s.write_latency_cycles)},
        {"queue_occupancy_max_bursts", s.queue_occupancy_max_bursts},
        {"write_queue_occupancy_max_bursts", s.write_queue_occupancy_max_bursts}};
  }
  Spread layer_p99, layer_queue;
  for (std::uint32_t l = 0; l < layers && l < x.by_layer.size(); ++l) {
    const dram::DramStats& s = x.by_layer[l];
    if (s.read_latency_cycles.count() == 0) continue;
    layer_p99.add(s.read_latency_cycles.percentile(99), l);
    layer_queue.add(s.queue_occupancy_max_bursts, l);
  }
  j["by_layer"] = {{"read_latency_p99_cycles", layer_p99.json("layer")},
                   {"queue_occupancy_max_bursts", layer_queue.json("layer")}};
  Spread batch_p99, batch_max, batch_queue;
  for (const sim::DramExtremes::Batch& b : x.batches) {
    batch_p99.add(b.read_latency_p99_cycles, b.id);
    batch_max.add(b.read_latency_max_cycles, b.id);
    batch_queue.add(b.queue_occupancy_max_bursts, b.id);
  }
  j["by_batch"] = {{"read_latency_p99_cycles", batch_p99.json("batch")},
                   {"read_latency_max_cycles", batch_max.json("batch")},
                   {"queue_occupancy_max_bursts", batch_queue.json("batch")}};
  return j;
}

// The JSON object at a dotted group path ("dram_by_operation.gemv").
nlohmann::json& group_at(nlohmann::json& j, const std::string& path) {
  nlohmann::json* at = &j;
  for (std::size_t start = 0; start <= path.size();) {
    const std::size_t dot = std::min(path.find('.', start), path.size());
    at = &(*at)[path.substr(start, dot - start)];
    start = dot + 1;
  }
  return *at;
}

nlohmann::json value_json(const schema::Value& v) {
  if (const auto* u = std::get_if<std::uint64_t>(&v)) return *u;
  if (const auto* d = std::get_if<double>(&v)) return *d;
  if (const auto* b = std::get_if<bool>(&v)) return *b;
  return std::get<std::string>(v);
}

// A resolved config as nested groups, one per section, as the file lays it out.
nlohmann::json resolved_json(const std::vector<config::ResolvedKey>& keys) {
  nlohmann::json out = nlohmann::json::object();
  for (const config::ResolvedKey& k : keys) {
    const std::string& section = k.info->section;
    nlohmann::json& at = section.empty() ? out : group_at(out, section);
    at[k.info->key] = value_json(k.value);
  }
  return out;
}

// End-of-run invariant: every percentage of the report lies in [0, 100].
void check_percentages(const nlohmann::json& j, const std::string& at) {
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string key = at + "/" + it.key();
    if (it->is_object()) {
      check_percentages(*it, key);
    } else if (it.key().size() > 4 && it.key().compare(it.key().size() - 4, 4, "_pct") == 0) {
      const double v = it->get<double>();
      if (!(v >= 0.0 && v <= 100.0)) {
        throw sim::InvariantError(fmt::format("report figure {} is {}, outside [0, 100]", key, v));
      }
    }
  }
}


}  // namespace

sim::Counters run_counters(const sim::RunResult& r) {
  sim::Counters c;
  static_cast<sim::StatGroups&>(c) = r;  // every group of the registry
  c.class_cycles = r.class_cycles;
  c.cycles = r.cycles;
  return c;
}

namespace {

// The `energy` group (docs/energy.md): totals, the four parts, every term, and the same
// joules by unit and by operation class.
nlohmann::json energy_json(const config::EnergyConfig& cfg, const config::HwConfig& hw,
                           const sim::RunResult& r) {
  const Energy e = compute_energy(cfg, hw, run_counters(r), r.accel_period_ps, r.dram_period_ps);
  const double total = e.total_j();
  const double tokens = static_cast<double>(r.steps);
  nlohmann::json g;
  g["preset"] = cfg.name;
  g["technology"] = cfg.technology;
  g["total_j"] = total;
  g["joules_per_token"] = tokens > 0 ? total / tokens : 0.0;
  g["tokens_per_joule"] = total > 0 ? tokens / total : 0.0;
  g["average_w"] = e.time_s > 0 ? total / e.time_s : 0.0;
  for (int p = 0; p < kEnergyPartCount; ++p) {
    const auto part = static_cast<EnergyPart>(p);
    g["parts_j"][energy_part_name(part)] = e.part_j(part);
    g["parts_pct"][energy_part_name(part)] = round6(pct(e.part_j(part), total));
  }
  for (const EnergyTerm& t : e.terms) g["terms_j"][t.name] = t.joules;
  for (int u = 0; u < kEnergyUnitCount; ++u) {
    const auto unit = static_cast<EnergyUnit>(u);
    g["by_unit_j"][energy_unit_name(unit)] = e.unit_j(unit);
  }
  for (int c = 0; c < tlmx::kOpClassCount; ++c) {
    g["by_operation_j"][tlmx::op_class_name(static_cast<tlmx::OpClass>(c))] = e.class_j(c);
  }
  g["assumed_j"] = e.assumed_j();
  g["assumption_share_pct"] = round6(pct(e.assumed_j(), total));
  // Operations as accelerator papers count them: two per MAC (GEMV and attention).
  const double ops = 2.0 * static_cast<double>(r.array.macs + r.attention.fxp32_macs);
  const double gops = e.time_s > 0 ? ops / e.time_s / 1e9 : 0.0;
  g["gops"] = gops;
  g["gops_per_w"] = total > 0 ? ops / 1e9 / total : 0.0;
  return g;
}

}  // namespace

nlohmann::json run_report(const config::HwConfig& hw, const config::ModelConfig& model,
                          const sim::RunResult& r, const config::EnergyConfig* energy) {
  using nlohmann::json;
  const double cycles = static_cast<double>(r.cycles);

  json j;
  j["report"] = "swiftkv-sim run";
  j["format_version"] = kRunReportVersion;
  j["inputs"] = {{"hw_config", hw.source_file},       {"hw_name", hw.name},
                 {"model_config", model.source_file}, {"model_name", model.name},
                 {"trace", r.trace_path},             {"algorithm", r.algorithm}};
  j["mode"] = r.fast ? "fast" : "exact";
  // An interrupted run's report says so (its `interrupted` group is written by `run`).
  j["complete"] = !r.stopped;
  if (r.over_context != trace::OverContext::Stop) {
    j["over_context"] = {{"policy", trace::over_context_name(r.over_context)},
                         {"requests_skipped", r.context_counts.requests_skipped},
                         {"steps_skipped", r.context_counts.steps_skipped},
                         {"steps_clipped", r.context_counts.steps_clipped}};
  }
  if (r.fast) {
    const sim::FastSummary& f = *r.fast;
    j["fast"] = {{"points_per_tile", f.points_per_tile},
                 {"grid_points", f.grid_points},
                 {"layer_samples", f.layer_samples},
                 {"attention_samples", f.attention_samples},
                 {"sample_cycles", f.sample_cycles},
                 {"sample_share_pct", round6(pct(static_cast<double>(f.sample_cycles),
                                                 static_cast<double>(f.sample_cycles) + cycles))},
                 {"steps_reused", f.steps_reused},
                 {"steps_interpolated", f.steps_interpolated},
                 {"steps_without_estimate", f.steps_without_estimate},
                 {"max_step_error_estimate_cycles", f.max_error_estimate_cycles},
                 {"max_step_error_estimate_pct", f.max_error_estimate_pct},
                 {"mean_error_estimate_pct", f.mean_error_estimate_pct}};
  }
  j["clocks"] = {{"accelerator_mhz", hw.clock_mhz},
                 {"accelerator_period_ps", r.accel_period_ps},
                 {"dram_mhz", hw.dram.clock_mhz},
                 {"dram_period_ps", r.dram_period_ps}};
  // Facts of the run and of the hardware the figures depend on.
  j["totals"] = {{"batches", r.batches},
                 {"decode_steps", r.steps},
                 {"tokens", r.steps},
                 {"simulated_cycles", r.cycles}};
  j["latency_per_step"] = {{"min_cycles", r.min_batch_cycles},
                           {"max_cycles", r.max_batch_cycles}};
  for (int i = 0; i < tlmx::kOpClassCount; ++i) {
    const std::string name = tlmx::op_class_name(static_cast<tlmx::OpClass>(i));
    j["breakdown"][name + "_cycles"] = r.class_cycles[i];
  }
  j["processor_array"] = {{"rows", hw.array.rows},
                          {"cols", hw.array.cols},
                          {"peak_macs_per_cycle", r.array_peak_macs_per_cycle}};
  j["kv_sram"] = {{"capacity_bytes", hw.kv_sram.capacity_bytes()}, {"ports", hw.kv_sram.ports}};
  j["dram"] = {{"preset", hw.dram.name},
               {"channels", hw.dram.org.channels},
               {"weights_resident_bytes", r.weight_bytes},
               {"kv_reserved_bytes", r.kv_bytes}};

  // Every counter of every unit (the stats registry).
  const bool fast = r.fast.has_value();
  std::vector<std::string> not_estimated;
  r.visit_groups([&](const char* group, const auto& stats) {
    if (!sim::StatGroups::reported(group, hw.overlap)) return;
    add_counters(j[group], stats, group, fast, not_estimated);
  });

  // Every derived figure, from its formula (report/DerivedFigures.h).
  const FigureInputs in(hw, r);
  for (const DerivedFigure& f : derived_figures()) {
    if (fast && f.exact_only) {
      not_estimated.push_back(std::string(f.group) + "." + f.name);
      continue;
    }
    const double v = f.value(in);
    nlohmann::json& g = group_at(j, f.group);
    if (f.whole) {
      g[f.name] = static_cast<std::uint64_t>(std::llround(v));
    } else {
      g[f.name] = round6(v);
    }
  }
  j["roofline"]["bound"] =
      j["roofline"]["memory_bound_cycles_per_step"].get<double>() >=
              j["roofline"]["compute_bound_cycles_per_step"].get<double>()
          ? "memory"
          : "compute";
  if (r.dram_extremes) {
    j["dram_extremes"] = dram_extremes_json(*r.dram_extremes, model.layers);
  } else if (fast) {
    not_estimated.push_back("dram_extremes");
  }
  if (fast) j["fast"]["not_estimated"] = not_estimated;
  if (energy != nullptr) j["energy"] = energy_json(*energy, hw, r);
  if (hw.overlap.ops_overlap()) {
    // End-of-run invariant: the exclusive breakdown's parts add up to the simulated cycles.
    try {
      j["overlap"] = overlap_json(hw, r, j);
    } catch (const std::runtime_error& e) {
      throw sim::InvariantError(e.what());
    }
  }

  // The configs as the run used them: every key, defaults filled in, the DRAM preset
  // inlined; and the versions that say what they mean.
  j["config"] = {{"schema_version", config::schema_version()},
                 {"resolved_hash", config::resolved_config_hash(hw, model)},
                 {"hw", resolved_json(config::resolved_keys(hw))},
                 {"model", resolved_json(config::resolved_keys(model))}};
  check_percentages(j, "");
  return j;
}

// The `n` kinds of operation with the largest shares of the time, largest first (ties in
// the kinds' order): "ffn_in_gemv 34.1%, qkv_gemv 18.2%, ...".
std::string top_operations(const nlohmann::json& ops, std::size_t n) {
  std::vector<std::pair<std::string, double>> kinds;
  for (const auto& [name, k] : ops.items()) kinds.emplace_back(name, k["share_pct"].get<double>());
  std::stable_sort(kinds.begin(), kinds.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  std::string out;
  for (std::size_t i = 0; i < kinds.size() && i < n; ++i) {
    if (i > 0) out += ", ";
    out += fmt::format("{} {:.1f}%", kinds[i].first, kinds[i].second);
  }
  return out;
}

namespace {
// A share that is often well under 1% (the fast mode's simulated share, 0.00015% of a
// whole conversation trace): two significant digits below 1%, so that it does not read
// as 0.0%; one decimal above.
std::string share_text(double pct) {
  return pct < 1 ? fmt::format("{:.2g}", pct) : fmt::format("{:.1f}", pct);
}
}  // namespace

std::string run_summary(const nlohmann::json& j) {
  const auto& t = j["totals"];
  const auto& l = j["latency_per_step"];
  const auto& b = j["breakdown"];
  const auto& a = j["processor_array"];
  const auto& at = j["attention_pipeline"];
  const auto& s = j["kv_sram"];
  const auto& d = j["dram"];
  const auto& in = j["inputs"];
  std::string out;
  out += fmt::format("swiftkv-sim run: {} on {} ({}), trace {}\n",
                     in["model_name"].get<std::string>(), in["hw_name"].get<std::string>(),
                     in["algorithm"].get<std::string>(), in["trace"].get<std::string>());
  if (j.contains("interrupted")) {
    const auto& i = j["interrupted"];
    out += fmt::format("  INCOMPLETE          interrupted by {} after {} of {} decode steps\n",
                       i["signal"].get<std::string>(), i["steps_done"].get<std::uint64_t>(),
                       i["steps_in_trace"].get<std::uint64_t>());
  }
  if (j.contains("over_context")) {
    const auto& c = j["over_context"];
    out += fmt::format("  past the context    {}: {} requests ({} steps) skipped, {} steps clipped\n",
                       c["policy"].get<std::string>(), c["requests_skipped"].get<std::uint64_t>(),
                       c["steps_skipped"].get<std::uint64_t>(),
                       c["steps_clipped"].get<std::uint64_t>());
  }
  if (j.contains("fast")) {
    const auto& f = j["fast"];
    out += fmt::format(
        "  fast mode           {} steps reused and {} interpolated from {} layer and {} attention "
        "samples ({} cycles simulated exactly, {}% of all simulated); error estimate: worst "
        "step {:.3f}%, mean {:.3f}%{}\n",
        f["steps_reused"].get<std::uint64_t>(), f["steps_interpolated"].get<std::uint64_t>(),
        f["layer_samples"].get<std::uint64_t>(), f["attention_samples"].get<std::uint64_t>(),
        f["sample_cycles"].get<std::uint64_t>(), share_text(f["sample_share_pct"].get<double>()),
        f["max_step_error_estimate_pct"].get<double>(), f["mean_error_estimate_pct"].get<double>(),
        f["steps_without_estimate"].get<std::uint64_t>() == 0
            ? std::string()
            : fmt::format(" ({} interpolated steps without one: no neighbouring grid interval "
                          "of the same plan; a finer --fast-points-per-tile gives one)",
                          f["steps_without_estimate"].get<std::uint64_t>()));
  }
  out += fmt::format("  decode steps        {} in {} batches\n", t["decode_steps"].get<std::uint64_t>(),
                     t["batches"].get<std::uint64_t>());
  out += fmt::format("  simulated time      {} cycles = {:.3f} ms\n",
                     t["simulated_cycles"].get<std::uint64_t>(),
                     t["simulated_time_ns"].get<double>() / 1e6);
  out += fmt::format("  latency per step    mean {:.3f} ms ({:.0f} cycles), min {:.3f} ms, max {:.3f} ms\n",
                     l["mean_ns"].get<double>() / 1e6, l["mean_cycles"].get<double>(),
                     l["min_ns"].get<double>() / 1e6, l["max_ns"].get<double>() / 1e6);
  out += fmt::format("  throughput          {:.2f} tokens/s\n", t["tokens_per_s"].get<double>());
  out += fmt::format("  breakdown           GEMV {:.1f}%, attention {:.1f}%, other {:.1f}%\n",
                     b["gemv_pct"].get<double>(), b["attention_pct"].get<double>(),
                     b["other_pct"].get<double>());
  out += "  by operation        " + top_operations(j["operations"], 5) + " of the time\n";
  out += fmt::format("  processor array     {}x{}: busy {:.1f}% (GEMV, vector and attention), useful "
                     "MACs {:.1f}% of busy peak (GEMV {:.1f}%, attention {:.1f}%), weight stalls "
                     "{} cycles\n",
                     a["rows"].get<int>(), a["cols"].get<int>(), a["busy_pct"].get<double>(),
                     a["useful_mac_pct"].get<double>(), a["gemv_useful_mac_pct"].get<double>(),
                     a["attention_useful_mac_pct"].get<double>(),
                     a["weight_stall_cycles"].get<std::uint64_t>());
  out += fmt::format("  attention pipeline  busy {:.1f}%, {} head passes, SRAM-bound {} cycles\n",
                     at["busy_pct"].get<double>(), at["head_passes"].get<std::uint64_t>(),
                     at["sram_bound_cycles"].get<std::uint64_t>());
  out += fmt::format("  KV SRAM             ports {:.1f}% busy, {:.1f} MiB staged from DRAM, "
                     "stalls {} cycles\n",
                     s["port_utilisation_pct"].get<double>(),
                     static_cast<double>(s["fill_bytes"].get<std::uint64_t>()) / 1048576.0,
                     s["stall_cycles"].get<std::uint64_t>());
  out += fmt::format("  DRAM ({})  {:.1f} GB/s of {:.1f} GB/s peak ({:.1f}%), row hits {}, "
                     "misses {}, conflicts {}\n",
                     d["preset"].get<std::string>(),
                     d["bandwidth_over_run_bytes_per_s"].get<double>() / 1e9,
                     d["peak_bandwidth_bytes_per_s"].get<double>() / 1e9,
                     d["bandwidth_over_run_pct"].get<double>(),
                     d["row_hits"].get<std::uint64_t>(), d["row_misses"].get<std::uint64_t>(),
                     d["row_conflicts"].get<std::uint64_t>());
  const auto& dc = j["dram_by_operation"];
  out += fmt::format("  DRAM by operation   reads at GEMV {:.1f}%, attention {:.1f}%, other {:.1f}% "
                     "of peak bandwidth while each ran\n",
                     dc["gemv"]["dram_read_bandwidth_pct"].get<double>(),
                     dc["attention"]["dram_read_bandwidth_pct"].get<double>(),
                     dc["other"]["dram_read_bandwidth_pct"].get<double>());
  const auto& st = j["stalls"];
  out += fmt::format("  stalls              array waiting for weights {} cycles, attention waiting "
                     "for K/V {} cycles, SRAM-port-bound {} cycles, DRAM queue full {} times\n",
                     st["array_waiting_for_weights_cycles"].get<std::uint64_t>(),
                     st["attention_waiting_for_kv_cycles"].get<std::uint64_t>(),
                     st["attention_bound_by_sram_ports_cycles"].get<std::uint64_t>(),
                     st["dram_requests_held_back"].get<std::uint64_t>());
  if (j.contains("overlap")) {
    const auto& o = j["overlap"];
    // "peak 62.5%", or what the fast mode leaves out (a maximum it does not estimate).
    const auto peak = [](const nlohmann::json& stream) {
      if (!stream.contains("buffer_peak_bytes")) return std::string("peak not estimated");
      return fmt::format("peak {:.1f}%",
                         pct(static_cast<double>(stream["buffer_peak_bytes"].get<std::uint64_t>()),
                             static_cast<double>(stream["buffer_bytes"].get<std::uint64_t>())));
    };
    const auto& w = o["streams"]["weights"];
    const auto& x = o["exclusive_breakdown"];
    out += fmt::format(
        "  overlap             weights {}: {} GEMVs started with their weights "
        "fetched ahead ({:.1f} MiB); buffer {} KiB, {}, mean {:.1f}%; "
        "hideable bound {:.3f} ms\n",
        w["choice"].get<std::string>(), w["boundaries"].get<std::uint64_t>(),
        static_cast<double>(w["prefetched_bytes"].get<std::uint64_t>()) / 1048576.0,
        w["buffer_bytes"].get<std::uint64_t>() / 1024, peak(w), w["buffer_mean_pct"].get<double>(),
        w["hideable_ns"].get<double>() / 1e6);
    if (o["streams"].contains("kv")) {
      const auto& k = o["streams"]["kv"];
      const auto mib = [&](const char* key) {
        return static_cast<double>(k[key].get<std::uint64_t>()) / 1048576.0;
      };
      out += fmt::format(
          "  overlap K/V         {}: {} attention streams fetched ahead ({:.1f} MiB, wasted "
          "{:.1f} MiB, fetched twice {:.1f} MiB); space {} KiB, {}, mean {:.1f}%; "
          "hideable bound {:.3f} ms\n",
          k["choice"].get<std::string>(), k["boundaries"].get<std::uint64_t>(),
          mib("prefetched_bytes"), mib("wasted_bytes"), mib("fetched_twice_bytes"),
          k["buffer_bytes"].get<std::uint64_t>() / 1024, peak(k),
          k["buffer_mean_pct"].get<double>(), k["hideable_ns"].get<double>() / 1e6);
    }
    if (o.contains("o_projection")) {
      const auto& op = o["o_projection"];
      out += fmt::format(
          "  O projection        {}: {} slices on {} of the array's rows (the attention "
          "pipelines keep {}); {:.3f} ms of their array time beside the attention\n",
          op["choice"].get<std::string>(), op["slices"].get<std::uint64_t>(),
          op["slice_rows"].get<std::uint64_t>(), op["attention_rows"].get<std::uint64_t>(),
          op["beside_attention_ns"].get<double>() / 1e6);
    }
    out += fmt::format(
        "  exclusive breakdown GEMV array {:.1f}% + waiting for weights {:.1f}%, "
        "attention pipeline {:.1f}% + waiting for K/V {:.1f}%, other units "
        "{:.1f}%, unattributed {:.1f}%\n",
        x["gemv_array_pct"].get<double>(), x["gemv_waiting_for_weights_pct"].get<double>(),
        x["attention_pipeline_pct"].get<double>(), x["attention_waiting_for_kv_pct"].get<double>(),
        x["other_units_pct"].get<double>(),
        x["gemv_unattributed_pct"].get<double>() + x["attention_unattributed_pct"].get<double>() +
            x["other_unattributed_pct"].get<double>());
  }
  const auto& rf = j["roofline"];
  out += fmt::format("  roofline            per step: memory {:.0f} cycles (DRAM bytes / peak), "
                     "compute {:.0f} cycles (MACs / peak); {}-bound, simulated = {:.2f}x the bound\n",
                     rf["memory_bound_cycles_per_step"].get<double>(),
                     rf["compute_bound_cycles_per_step"].get<double>(),
                     rf["bound"].get<std::string>(), rf["simulated_over_bound"].get<double>());
  if (j.contains("energy")) {
    const auto& e = j["energy"];
    const auto& p = e["parts_pct"];
    out += fmt::format("  energy ({})  {:.4g} mJ/token, {:.4g} tokens/J, {:.3g} W average: dynamic "
                       "{:.1f}%, unit static {:.1f}%, DRAM background and refresh {:.1f}%, board "
                       "idle {:.1f}%; {:.1f}% rests on assumed values\n",
                       e["preset"].get<std::string>(), e["joules_per_token"].get<double>() * 1e3,
                       e["tokens_per_joule"].get<double>(), e["average_w"].get<double>(),
                       p["dynamic"].get<double>(), p["unit_static"].get<double>(),
                       p["dram_background_refresh"].get<double>(), p["board_idle"].get<double>(),
                       e["assumption_share_pct"].get<double>());
    const auto& u = e["by_unit_j"];
    const double tokens = static_cast<double>(j["totals"]["tokens"].get<std::uint64_t>());
    auto mj = [tokens](const nlohmann::json& v) { return tokens > 0 ? v.get<double>() / tokens * 1e3 : 0.0; };
    out += fmt::format("  energy by unit      mJ/token: array {:.4g}, attention {:.4g}, KV SRAM {:.4g}, "
                       "DRAM {:.4g}, rest of the chip {:.4g}, board {:.4g}\n",
                       mj(u["processor_array"]), mj(u["attention_pipeline"]), mj(u["kv_sram"]),
                       mj(u["dram"]), mj(u["device"]), mj(u["board"]));
    const auto& c = e["by_operation_j"];
    out += fmt::format("  energy by operation mJ/token: GEMV {:.4g}, attention {:.4g}, other {:.4g}\n",
                       mj(c["gemv"]), mj(c["attention"]), mj(c["other"]));
    out += fmt::format("  efficiency          {:.1f} GOPS (2 per MAC), {:.2f} GOPS/W\n",
                       e["gops"].get<double>(), e["gops_per_w"].get<double>());
  }
  return out;
}

namespace {

struct StepField {
  const char* name;
  std::uint64_t (*value)(const sim::BatchResult&, const trace::DecodeStep&);
};

// The step CSV's header and rows both come from this list.
constexpr StepField kStepFields[] = {
    {"batch", [](const sim::BatchResult&, const trace::DecodeStep& s) { return s.batch; }},
    {"request", [](const sim::BatchResult&, const trace::DecodeStep& s) { return s.request; }},
    {"step", [](const sim::BatchResult&, const trace::DecodeStep& s) { return s.step; }},
    {"kv_len", [](const sim::BatchResult&, const trace::DecodeStep& s) { return s.kv_len; }},
    {"batch_size",
     [](const sim::BatchResult& b, const trace::DecodeStep&) {
       return static_cast<std::uint64_t>(b.rows->size());
     }},
    {"start_cycle", [](const sim::BatchResult& b, const trace::DecodeStep&) { return b.start_cycle; }},
    {"latency_cycles", [](const sim::BatchResult& b, const trace::DecodeStep&) { return b.cycles; }},
    {"gemv_cycles",
     [](const sim::BatchResult& b, const trace::DecodeStep&) { return b.class_cycles[0]; }},
    {"attention_cycles",
     [](const sim::BatchResult& b, const trace::DecodeStep&) { return b.class_cycles[1]; }},
    {"other_cycles",
     [](const sim::BatchResult& b, const trace::DecodeStep&) { return b.class_cycles[2]; }},
};

}  // namespace

StepCsvWriter::StepCsvWriter(const std::string& path, std::uint64_t accel_period_ps,
                             bool counters, const config::EnergyConfig* energy,
                             const config::HwConfig* hw)
    : energy_(energy),
      hw_(hw),
      dram_period_ps_(hw != nullptr ? static_cast<std::uint64_t>(std::llround(1e6 / hw->dram.clock_mhz))
                                    : 0),
      path_(path),
      out_(path),
      period_ps_(accel_period_ps),
      counters_(counters) {
  if (!out_) throw InputError(write_error(path, "steps.csv", errno));
  for (const auto& f : kStepFields) out_ << f.name << ',';
  out_ << "latency_ns,source";
  if (energy_ != nullptr) out_ << ",energy_j";
  if (counters_) {
    for (const std::string& name : sim::counter_names()) out_ << ',' << name;
  }
  out_ << '\n';
  out_.flush();
  if (!out_) throw InputError(write_error(path_, "steps.csv", errno));
}

void StepCsvWriter::write(const sim::BatchResult& b) {
  double row_energy_j = 0;
  if (energy_ != nullptr) {
    if (b.counters == nullptr) throw std::logic_error("steps.csv: a batch without its counters");
    const sim::Counters c = sim::counters_from_values(*b.counters);
    const Energy e = compute_energy(*energy_, *hw_, c, period_ps_, dram_period_ps_);
    row_energy_j = e.total_j() / static_cast<double>(b.rows->size());
  }
  for (const auto& row : *b.rows) {
    for (const auto& f : kStepFields) out_ << f.value(b, row) << ',';
    // Exact: whole cycles times a whole number of picoseconds, printed in ns.
    const std::uint64_t ps = b.cycles * period_ps_;
    out_ << ps / 1000 << '.' << fmt::format("{:03}", ps % 1000) << ',' << b.source;
    if (energy_ != nullptr) out_ << ',' << fmt::format("{:.9g}", row_energy_j);
    if (counters_) {
      if (b.counters == nullptr) throw std::logic_error("steps.csv: a batch without its counters");
      for (const std::uint64_t v : *b.counters) out_ << ',' << v;
    }
    out_ << '\n';
  }
  out_.flush();
  // A full disk: said at once, with the reason, not found later as a short file.
  if (!out_) throw InputError(write_error(path_, "steps.csv", errno));
}

}  // namespace skv::report
