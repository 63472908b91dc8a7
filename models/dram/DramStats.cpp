#include "models/dram/DramStats.h"

#include <fmt/format.h>

#include "common/Figures.h"
#include "models/dram/DramConfig.h"

namespace skv::dram {

namespace {
constexpr std::size_t kExact = 128;    // values below are their own bucket
constexpr std::uint32_t kSubBits = 6;  // 64 buckets per power of two above
constexpr std::size_t kBuckets = kExact + (63 - kSubBits) * (std::size_t{1} << kSubBits);

}  // namespace

LatencyHistogram::LatencyHistogram() : buckets_(kBuckets, 0) {}

std::size_t LatencyHistogram::bucket_of(std::uint64_t v) {
  if (v < kExact) return static_cast<std::size_t>(v);
  const auto msb = static_cast<std::uint32_t>(63 - __builtin_clzll(v));  // >= 7
  const std::uint32_t shift = msb - kSubBits;
  const std::uint64_t top = v >> shift;  // in [64, 127]
  return kExact + std::size_t{msb - kSubBits - 1} * (std::size_t{1} << kSubBits) +
         static_cast<std::size_t>(top - (std::uint64_t{1} << kSubBits));
}

std::uint64_t LatencyHistogram::bucket_upper(std::size_t i) {
  if (i < kExact) return i;
  const std::size_t k = i - kExact;
  const std::uint32_t msb = static_cast<std::uint32_t>(k >> kSubBits) + kSubBits + 1;
  const std::uint32_t shift = msb - kSubBits;
  const std::uint64_t top = (std::uint64_t{1} << kSubBits) + (k & ((1u << kSubBits) - 1));
  return ((top + 1) << shift) - 1;
}

void LatencyHistogram::add(std::uint64_t v) {
  ++buckets_[bucket_of(v)];
  ++count_;
  sum_ += v;
  if (v < min_) min_ = v;
  if (v > max_) max_ = v;
}

std::uint64_t LatencyHistogram::percentile(double p) const {
  if (count_ == 0) return 0;
  // Rank of the value asked for, 1-based, rounded up: p50 of {1,2,3,4} is 2.
  auto target = static_cast<std::uint64_t>(p / 100.0 * static_cast<double>(count_) + 0.999999);
  if (target < 1) target = 1;
  if (target > count_) target = count_;
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < buckets_.size(); ++i) {
    seen += buckets_[i];
    if (seen >= target) {
      const std::uint64_t upper = bucket_upper(i);
      return upper < max_ ? upper : max_;
    }
  }
  return max_;
}

void LatencyHistogram::merge(const LatencyHistogram& o) {
  for (std::size_t i = 0; i < buckets_.size(); ++i) buckets_[i] += o.buckets_[i];
  count_ += o.count_;
  sum_ += o.sum_;
  if (o.count_ && o.min_ < min_) min_ = o.min_;
  if (o.max_ > max_) max_ = o.max_;
}

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
  const double ns = cfg.cycle_ns();
  const double bw = s.busy_span_bandwidth_bytes_per_s(cfg);
  const double peak = cfg.peak_bandwidth_bytes_per_s();
  const double bus_capacity = static_cast<double>(s.busy_span_cycles()) * cfg.org.channels;
  auto latency = [ns](const LatencyHistogram& h) {
    auto cyc = [](std::uint64_t v) { return v; };
    return nlohmann::json{{"count", h.count()},
                          {"mean_cycles", h.mean()},
                          {"p50_cycles", cyc(h.percentile(50))},
                          {"p99_cycles", cyc(h.percentile(99))},
                          {"max_cycles", h.max()},
                          {"mean_ns", h.mean() * ns},
                          {"p50_ns", static_cast<double>(h.percentile(50)) * ns},
                          {"p99_ns", static_cast<double>(h.percentile(99)) * ns},
                          {"max_ns", static_cast<double>(h.max()) * ns}};
  };
  nlohmann::json commands = nlohmann::json::object();
  for (std::size_t i = 0; i < kCommandCount; ++i) {
    commands[std::string(kCommandNames[i])] = s.commands[i];
  }
  return nlohmann::json{
      {"preset", cfg.name},
      {"clock_mhz", cfg.clock_mhz},
      {"channels", cfg.org.channels},
      {"requests", s.requests},
      {"requests_completed", s.requests_completed},
      {"reads", s.reads},
      {"writes", s.writes},
      {"bytes_read", s.bytes_read},
      {"bytes_written", s.bytes_written},
      {"bursts", s.bursts},
      {"elapsed_cycles", s.elapsed_cycles},
      {"busy_span_cycles", s.busy_span_cycles()},
      {"busy_span_ns", static_cast<double>(s.busy_span_cycles()) * ns},
      {"busy_span_bandwidth_bytes_per_s", bw},
      {"peak_bandwidth_bytes_per_s", peak},
      {"bandwidth_utilisation_pct", pct(bw, peak)},
      {"data_bus_busy_cycles", s.data_bus_busy_cycles},
      {"data_bus_utilisation_pct", pct(static_cast<double>(s.data_bus_busy_cycles), bus_capacity)},
      {"row_hits", s.row_hits},
      {"row_misses", s.row_misses},
      {"row_conflicts", s.row_conflicts},
      {"row_hit_rate_pct", s.row_hit_rate_pct()},
      {"read_latency", latency(s.read_latency_cycles)},
      {"write_latency", latency(s.write_latency_cycles)},
      {"queue_occupancy_mean_bursts", s.queue_occupancy_mean_bursts(cfg.org.channels)},
      {"queue_occupancy_max_bursts", s.queue_occupancy_max_bursts},
      {"queue_depth_bursts", cfg.controller.queue_depth},
      {"write_policy", to_string(cfg.controller.write_policy)},
      {"write_queue_occupancy_mean_bursts", s.write_queue_occupancy_mean_bursts(cfg.org.channels)},
      {"write_queue_occupancy_max_bursts", s.write_queue_occupancy_max_bursts},
      {"write_queue_depth_bursts",
       cfg.controller.write_policy == WritePolicy::Drain ? cfg.controller.write_queue_depth : 0},
      {"write_drains", s.write_drains},
      {"read_to_write_turnarounds", s.read_to_write_turnarounds},
      {"write_to_read_turnarounds", s.write_to_read_turnarounds},
      {"turnaround_pct", s.turnaround_pct()},
      {"frontend_latency_cycles", cfg.controller.frontend_latency_cycles},
      {"frontend_blocked_cycles", s.frontend_blocked_cycles},
      {"refreshes", s.refreshes},
      {"commands", commands}};
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
    if (s.commands[i] == 0) continue;
    cmds += fmt::format("{}{} {}", cmds.empty() ? "" : ", ", kCommandNames[i], s.commands[i]);
  }
  row("commands", cmds.empty() ? "none" : cmds);
  return out;
}

}  // namespace skv::dram
