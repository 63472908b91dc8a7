#include "models/dram/DramStats.h"

#include <fmt/format.h>

#include "common/Figures.h"
#include "common/StatsJson.h"
#include "models/dram/DramConfig.h"

namespace skv::dram {

double DramStats::busy_span_bandwidth_bytes_per_s(const DramConfig& cfg) const {
  const std::uint64_t span = busy_span_cycles();
  if (span == 0) return 0.0;
  return static_cast<double>(bytes_read + bytes_written) /
         (static_cast<double>(span) * cfg.cycle_ns() * 1e-9);
}

double DramStats::row_hit_rate_pct() const {
  return pct(static_cast<double>(row_hits),
             static_cast<double>(row_hits + row_misses + row_conflicts));
}

double DramStats::queue_occupancy_mean_bursts(std::uint32_t channels) const {
  if (elapsed_cycles == 0 || channels == 0) return 0.0;
  return static_cast<double>(queue_occupancy_burst_cycles) /
         (static_cast<double>(elapsed_cycles) * channels);
}

double DramStats::write_queue_occupancy_mean_bursts(std::uint32_t channels) const {
  if (elapsed_cycles == 0 || channels == 0) return 0.0;
  return static_cast<double>(write_queue_occupancy_burst_cycles) /
         (static_cast<double>(elapsed_cycles) * channels);
}

double DramStats::turnaround_pct() const {
  return pct(static_cast<double>(read_to_write_turnarounds + write_to_read_turnarounds),
             static_cast<double>(bursts));
}

nlohmann::json to_json(const DramStats& s, const DramConfig& cfg) {
  const double bw = s.busy_span_bandwidth_bytes_per_s(cfg);
  const double peak = cfg.peak_bandwidth_bytes_per_s();
  const double bus_capacity = static_cast<double>(s.busy_span_cycles()) * cfg.org.channels;
  // The configuration the figures depend on.
  nlohmann::json j{
      {"preset", cfg.name},
      {"clock_mhz", cfg.clock_mhz},
      {"channels", cfg.org.channels},
      {"queue_depth_bursts", cfg.controller.queue_depth},
      {"write_policy", to_string(cfg.controller.write_policy)},
      {"write_queue_depth_bursts",
       cfg.controller.write_policy == WritePolicy::Drain ? cfg.controller.write_queue_depth : 0},
      {"frontend_latency_cycles", cfg.controller.frontend_latency_cycles},
      {"peak_bandwidth_bytes_per_s", peak}};
  // Every counter the engine declares (SKV_DRAM_STATS).
  stats::add_group_json(j, s);
  // Figures derived from them.
  j["busy_span_cycles"] = s.busy_span_cycles();
  j["busy_span_ns"] = static_cast<double>(s.busy_span_cycles()) * cfg.cycle_ns();
  j["busy_span_bandwidth_bytes_per_s"] = bw;
  j["busy_span_bandwidth_pct"] = pct(bw, peak);
  j["data_bus_utilisation_pct"] = pct(static_cast<double>(s.data_bus_busy_cycles), bus_capacity);
  j["row_hit_rate_pct"] = s.row_hit_rate_pct();
  j["queue_occupancy_mean_bursts"] = s.queue_occupancy_mean_bursts(cfg.org.channels);
  j["write_queue_occupancy_mean_bursts"] = s.write_queue_occupancy_mean_bursts(cfg.org.channels);
  j["turnaround_pct"] = s.turnaround_pct();
  return j;
}

std::string format_table(const DramStats& s, const DramConfig& cfg) {
  const double ns = cfg.cycle_ns();
  const double bw = s.busy_span_bandwidth_bytes_per_s(cfg);
  const double peak = cfg.peak_bandwidth_bytes_per_s();
  std::string out;
  auto row = [&out](const std::string& k, const std::string& v) {
    out += fmt::format("  {:<28} {}\n", k, v);
  };
  out += fmt::format("DRAM {} ({} channels, {:.0f} MHz, {} page, {}, {} writes, {} refresh)\n",
                     cfg.name, cfg.org.channels, cfg.clock_mhz,
                     to_string(cfg.controller.page_policy), to_string(cfg.controller.scheduler),
                     to_string(cfg.controller.write_policy), to_string(cfg.controller.refresh));
  row("requests", fmt::format("{} ({} reads, {} writes completed)", s.requests, s.reads, s.writes));
  row("bytes", fmt::format("{} read, {} written", s.bytes_read, s.bytes_written));
  row("busy span", fmt::format("{} cycles ({:.1f} us)", s.busy_span_cycles(),
                               static_cast<double>(s.busy_span_cycles()) * ns * 1e-3));
  row("bandwidth", fmt::format("{:.2f} GB/s of {:.2f} GB/s peak ({:.1f}%)", bw * 1e-9, peak * 1e-9,
                               pct(bw, peak)));
  row("rows", fmt::format("{} hits, {} misses, {} conflicts ({:.1f}% hits)", s.row_hits,
                          s.row_misses, s.row_conflicts, s.row_hit_rate_pct()));
  auto lat = [&](const char* name, const LatencyHistogram& h) {
    if (h.count() == 0) return;
    row(name,
        fmt::format("mean {:.1f}, p50 {}, p99 {}, max {} cycles (p50 {:.1f} ns, p99 {:.1f} ns)",
                    h.mean(), h.percentile(50), h.percentile(99), h.max(),
                    static_cast<double>(h.percentile(50)) * ns,
                    static_cast<double>(h.percentile(99)) * ns));
  };
  lat("read latency", s.read_latency_cycles);
  lat("write latency", s.write_latency_cycles);
  const std::uint32_t capacity =
      cfg.controller.queue_depth +
      (cfg.controller.write_policy == WritePolicy::Drain ? cfg.controller.write_queue_depth : 0);
  row("queue occupancy", fmt::format("mean {:.1f}, max {} of {} bursts per channel",
                                     s.queue_occupancy_mean_bursts(cfg.org.channels),
                                     s.queue_occupancy_max_bursts, capacity));
  if (cfg.controller.write_policy == WritePolicy::Drain) {
    row("write queue", fmt::format("mean {:.1f}, max {} of {} bursts per channel; {} drains",
                                   s.write_queue_occupancy_mean_bursts(cfg.org.channels),
                                   s.write_queue_occupancy_max_bursts,
                                   cfg.controller.write_queue_depth, s.write_drains));
  }
  row("bus turnarounds",
      fmt::format("{} read to write, {} write to read ({:.2f}% of column commands)",
                  s.read_to_write_turnarounds, s.write_to_read_turnarounds, s.turnaround_pct()));
  row("front end blocked", fmt::format("{} cycles", s.frontend_blocked_cycles));
  row("refreshes", fmt::format("{}", s.refreshes));
  std::string cmds;
  for (std::size_t i = 0; i < kCommandCount; ++i) {
    const std::uint64_t n = s.*DramStats::kCommandCounters[i];
    if (n == 0) continue;
    cmds += fmt::format("{}{} {}", cmds.empty() ? "" : ", ", kCommandNames[i], n);
  }
  row("commands", cmds.empty() ? "none" : cmds);
  return out;
}

}  // namespace skv::dram
