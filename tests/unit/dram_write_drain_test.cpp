// Write draining, bus turnarounds and refresh phase: exact command sequences under the
// drain policy against the shared queue, the counters, and the streams where draining pays.

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "config/DramConfigLoader.h"
#include "models/dram/AddressMapper.h"
#include "models/dram/DramConfig.h"
#include "models/dram/DramEngine.h"
#include "models/dram/RequestTrace.h"

using namespace skv::dram;

namespace {

const std::string kPresetDir = std::string(SKV_SOURCE_DIR) + "/configs/dram";

DramConfig preset(const std::string& name) { return load_dram_preset(name, kPresetDir); }

// DDR4-3200 without refresh, a write queue of 4 drained from 3 writes down to 1.
DramConfig ddr4_small_write_queue(WritePolicy writes) {
  DramConfig c = preset("ddr4-3200");
  c.controller.refresh = RefreshMode::None;
  c.controller.queue_depth = 8;
  c.controller.write_policy = writes;
  c.controller.write_queue_depth = 4;
  c.controller.write_high_watermark = 3;
  c.controller.write_low_watermark = 1;
  return c;
}

// Column `column` of row 0, bank 0.
std::uint64_t col(const DramEngine& e, std::uint32_t column) {
  DramAddress a;
  a.column = column;
  return e.mapper().encode(a);
}

std::string run(DramEngine& e, const std::vector<Request>& reqs) {
  std::string log;
  e.set_command_observer([&log](const CommandRecord& r) {
    log += std::string(command_name(r.command)) + "@" + std::to_string(r.cycle) + " ";
  });
  for (const Request& r : reqs) e.enqueue(r, std::max(e.now(), e.accept_cycle()));
  e.drain();
  return log;
}

// R0 W1 R2 W3 W4 R5: six 64 B requests to row 0 of bank 0 (all row hits), enqueued at 0.
std::vector<Request> mixed(const DramEngine& e) {
  return {{0, col(e, 0), 64, false}, {1, col(e, 1), 64, true}, {2, col(e, 2), 64, false},
          {3, col(e, 3), 64, true},  {4, col(e, 4), 64, true}, {5, col(e, 5), 64, false}};
}

struct StreamStats {
  DramStats stats;
  double bandwidth;
};

StreamStats stream(DramConfig cfg, TracePattern pattern, std::uint64_t count) {
  DramEngine e(cfg);
  TraceSpec spec;
  spec.pattern = pattern;
  spec.count = count;
  spec.bytes = 64;
  spec.write_pct = 30;
  spec.footprint = cfg.org.capacity_bytes();
  RequestGenerator gen(spec);
  TraceRequest r;
  std::uint64_t id = 0;
  std::vector<Completion> done;
  while (gen.next(r)) {
    e.enqueue(Request{id++, r.addr, r.bytes, r.is_write}, std::max(e.now(), e.accept_cycle()));
    if (id % 256 == 0) {
      done.clear();
      e.take_completions(done);
    }
  }
  e.drain();
  return StreamStats{e.stats(), e.stats().busy_span_bandwidth_bytes_per_s(cfg)};
}

}  // namespace

TEST_CASE("write drain: a mixed stream's exact command sequence", "[dram]") {
  DramEngine e(ddr4_small_write_queue(WritePolicy::Drain));
  // All six reach the scheduler on cycle 1; three writes are queued, the high watermark, so
  // drain mode starts: ACT 1 for W1 (the bank's oldest write); WR 1 + tRCDW 22 = 23;
  // WR 23 + tCCD_L 8 = 31. One write is left (the low watermark) and reads wait: back to
  // reads. RD 31 + WL 16 + burst 4 + tWTR_L 12 = 63; RD 71, RD 79 (tCCD_L 8). No read is
  // left: W4 drained, WR 79 + tRTW 12 = 91.
  CHECK(run(e, mixed(e)) == "ACT@1 WR@23 WR@31 RD@63 RD@71 RD@79 WR@91 ");
  const DramStats& s = e.stats();
  CHECK(s.write_drains == 2);
  CHECK(s.write_to_read_turnarounds == 1);
  CHECK(s.read_to_write_turnarounds == 1);
  CHECK(s.last_completion_cycle == 111);  // WR 91 + WL 16 + burst 4
  CHECK(s.write_queue_occupancy_max_bursts == 3);
  // Writes queued over time: 3 from cycle 1 to WR 23, 2 to WR 31, 1 to WR 91; the integral
  // is 3 x 22 + 2 x 8 + 1 x 60 = 142 burst-cycles.
  CHECK(s.write_queue_occupancy_burst_cycles == 142);
}

TEST_CASE("shared queue: the same stream turns the bus around at every change", "[dram]") {
  DramEngine e(ddr4_small_write_queue(WritePolicy::Shared));
  // Oldest hit first: ACT 1; RD 23 (tRCD 22); WR 23 + tRTW 12 = 35; RD 35 + 16 + 4 + 12 = 67;
  // WR 67 + 12 = 79; WR 79 + tCCD_L 8 = 87; RD 87 + 16 + 4 + 12 = 119.
  CHECK(run(e, mixed(e)) == "ACT@1 RD@23 WR@35 RD@67 WR@79 WR@87 RD@119 ");
  const DramStats& s = e.stats();
  CHECK(s.write_drains == 0);
  CHECK(s.read_to_write_turnarounds == 2);
  CHECK(s.write_to_read_turnarounds == 2);
  CHECK(s.last_completion_cycle == 145);  // RD 119 + RL 22 + burst 4
  CHECK(s.turnaround_pct() == Approx(100.0 * 4 / 6));
}

TEST_CASE("write drain: reads arriving on the cycle drain mode would start keep it off", "[dram]") {
  // Mode follows the buffers at the end of a cycle: W0 alone would start a drain (no read
  // waits), but R1 reaches the scheduler on the same cycle, so reads are served first.
  DramEngine e(ddr4_small_write_queue(WritePolicy::Drain));
  // ACT 1 for R1; RD 23; then the write: WR 23 + tRTW 12 = 35.
  CHECK(run(e, {{0, col(e, 0), 64, true}, {1, col(e, 1), 64, false}}) == "ACT@1 RD@23 WR@35 ");
  CHECK(e.stats().write_drains == 1);
}

TEST_CASE("write drain: fewer turnarounds, more bandwidth on 30%-write streams", "[dram]") {
  // Random over HBM2's whole capacity, and sequential on DDR4 (row hits, where a turnaround
  // costs most): draining takes most turnarounds away and gains bandwidth. (Random over
  // DDR4's capacity is bound by tFAW, not by turnarounds: there draining gains nothing;
  // docs/dram.md.)
  struct Case {
    const char* preset;
    TracePattern pattern;
  };
  for (const Case& c :
       {Case{"hbm2-u55c", TracePattern::Random}, Case{"ddr4-3200", TracePattern::Sequential}}) {
    INFO(c.preset);
    DramConfig drain = preset(c.preset);
    DramConfig shared = drain;
    shared.controller.write_policy = WritePolicy::Shared;
    const StreamStats d = stream(drain, c.pattern, 20000);
    const StreamStats s = stream(shared, c.pattern, 20000);
    CHECK(d.stats.turnaround_pct() < 0.5 * s.stats.turnaround_pct());
    CHECK(d.bandwidth > 1.05 * s.bandwidth);
    CHECK(d.stats.write_drains > 0);
    CHECK(d.stats.write_queue_occupancy_max_bursts <= 32);
  }
}

TEST_CASE("refresh phase: rank r first refreshes at (r + 1) x tREFI / ranks", "[dram]") {
  DramConfig cfg = preset("ddr4-3200");
  cfg.org.ranks = 2;
  DramEngine e(cfg);
  std::vector<std::pair<std::uint64_t, std::uint32_t>> refs;
  e.set_command_observer([&refs](const CommandRecord& r) {
    if (r.command == Command::REF) refs.emplace_back(r.cycle, r.rank);
  });
  // tREFI 12480, two ranks: rank 0 at 6240, rank 1 at 12480, then every 12480 each.
  e.run_until(2 * 12480 + 1);
  REQUIRE(refs.size() == 4);
  CHECK(refs[0] == std::make_pair(std::uint64_t{6240}, 0u));
  CHECK(refs[1] == std::make_pair(std::uint64_t{12480}, 1u));
  CHECK(refs[2] == std::make_pair(std::uint64_t{6240 + 12480}, 0u));
  CHECK(refs[3] == std::make_pair(std::uint64_t{2 * 12480}, 1u));

  // Per-bank refresh (LPDDR4, two ranks): tREFIpb / 2 and tREFIpb.
  DramConfig lp = preset("lpddr4-3200");
  lp.org.ranks = 2;
  DramEngine l(lp);
  std::vector<std::pair<std::uint64_t, std::uint32_t>> pb;
  l.set_command_observer([&pb](const CommandRecord& r) {
    if (r.command == Command::REFPB && r.channel == 0) pb.emplace_back(r.cycle, r.rank);
  });
  const std::uint64_t interval = lp.timing.tREFIpb;
  l.run_until(interval + 1);
  REQUIRE(pb.size() == 2);
  CHECK(pb[0] == std::make_pair(interval / 2, 0u));
  CHECK(pb[1] == std::make_pair(interval, 1u));
}
