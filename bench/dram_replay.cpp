// DRAM request replay speed: requests simulated per wall-clock second on one core, and
// peak memory, for sequential and random 64-byte reads on HBM2 and LPDDR4. Requests are
// generated on the fly (no trace file), so the figures are those of the DramEngine itself.
//
//   dram_replay [CONFIG_DIR] [REQUESTS] [PRESET] [seq|random]
//     defaults: configs/dram, 1000000, both presets, both patterns; run from the
//     repository root. The last two pick one case (for profiling one stream).
// Memory is flat in trace length: the first pass runs a tenth of the requests, and the
// peak resident size after the full-length passes stays where the short one left it.

#include <fmt/format.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

#include "common/Error.h"
#include "config/DramConfigLoader.h"
#include "models/dram/DramConfig.h"
#include "models/dram/DramEngine.h"
#include "models/dram/Replay.h"
#include "models/dram/RequestTrace.h"

namespace {

using namespace skv::dram;

long max_rss_kib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

struct Result {
  double wall_s;
  double bandwidth_pct;
  double hit_pct;
  std::uint64_t p50;
  std::uint64_t p99;
  std::uint64_t commands;
};

Result replay(const DramConfig& cfg, TracePattern pattern, std::uint64_t count) {
  TraceSpec spec;
  spec.pattern = pattern;
  spec.count = count;
  spec.bytes = 64;
  spec.footprint = cfg.org.capacity_bytes();
  RequestGenerator gen(spec);
  DramEngine engine(cfg);
  const auto start = std::chrono::steady_clock::now();
  replay_requests(
      engine, [&gen](TraceRequest& r) { return gen.next(r); }, [](std::uint64_t) {});
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const DramStats& s = engine.stats();
  std::uint64_t cmds = 0;
  for (std::uint64_t c : s.command_counts()) cmds += c;
  return Result{wall,
                100.0 * s.busy_span_bandwidth_bytes_per_s(cfg) / cfg.peak_bandwidth_bytes_per_s(),
                s.row_hit_rate_pct(),
                s.read_latency_cycles.percentile(50),
                s.read_latency_cycles.percentile(99),
                cmds};
}

}  // namespace

int main(int argc, char** argv) {
  const std::string dir = argc > 1 ? argv[1] : "configs/dram";
  const std::uint64_t count = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 1000000;
  const std::string only_preset = argc > 3 ? argv[3] : "";
  const std::string only_pattern = argc > 4 ? argv[4] : "";
  try {
    fmt::print(
        "DRAM request replay: {} requests of 64 B each, as fast as the controller "
        "accepts them\n",
        count);
    fmt::print("{:<12} {:<7} {:>10} {:>12} {:>12} {:>8} {:>7} {:>6} {:>6} {:>10}\n", "preset",
               "pattern", "requests", "wall s", "Mreq/s", "Mcmd/s", "bw %", "hit %", "p50",
               "maxrss KiB");
    for (const char* name : {"hbm2-u55c", "lpddr4-3200"}) {
      if (!only_preset.empty() && only_preset != name) continue;
      const DramConfig cfg = load_dram_preset(name, dir);
      for (TracePattern p : {TracePattern::Sequential, TracePattern::Random}) {
        const char* pattern = p == TracePattern::Sequential ? "seq" : "random";
        if (!only_pattern.empty() && only_pattern != pattern) continue;
        for (std::uint64_t n : {count / 10, count}) {
          const Result r = replay(cfg, p, n);
          fmt::print(
              "{:<12} {:<7} {:>10} {:>12.3f} {:>12.2f} {:>8.2f} {:>7.1f} {:>6.1f} {:>6} {:>10}\n",
              name, pattern, n, r.wall_s,
              static_cast<double>(n) / r.wall_s * 1e-6,
              static_cast<double>(r.commands) / r.wall_s * 1e-6, r.bandwidth_pct, r.hit_pct, r.p50,
              max_rss_kib());
        }
      }
    }
  } catch (const skv::InputError& e) {
    fmt::print(stderr, "dram_replay: {}\n", e.what());
    return 1;
  }
  return 0;
}
